use super::*;
use crate::sim::chaos::{Fact, LiveLeg};
use crate::soak::client::Req;

fn fact(kind: &str, half: u64, ext: u64) -> Fact {
    Fact::Call {
        kind: kind.into(),
        half,
        ext,
        state: "Active",
        personality: "Terminator",
        release_cause: false,
    }
}

struct World {
    t0: Instant,
    journal: Vec<Record>,
}

impl World {
    fn new() -> World {
        World {
            t0: Instant::now(),
            journal: Vec::new(),
        }
    }

    fn at(&self, secs: f64) -> Instant {
        self.t0 + Duration::from_secs_f64(secs)
    }

    fn subscribe(&mut self, secs: f64, id: &str, dn: &str) {
        self.journal.push(Record::SubscriptionCreated {
            at: self.at(secs),
            id: id.into(),
            dn: dn.into(),
            package: "Advanced Call".into(),
        });
    }

    fn emit(&mut self, secs: f64, dn: &str, sub: &str, seq: u32, fact: Fact) {
        self.journal
            .push(emitted(self.at(secs), dn, sub, seq, fact));
    }

    /// 2001 gets one call: snapshot, Received, Answered, Released at 1, 2, 3, 4 s.
    fn one_call() -> World {
        let mut w = World::new();
        w.subscribe(0.5, "s1", "2001");
        let snapshot = Fact::Snapshot {
            kind: "CallSubscriptionEvent".into(),
            listed: vec![],
        };
        w.emit(1.0, "2001", "s1", 1, snapshot);
        w.emit(2.0, "2001", "s1", 2, fact("CallReceivedEvent", 7, 3));
        w.emit(3.0, "2001", "s1", 3, fact("CallAnsweredEvent", 7, 3));
        w.emit(4.0, "2001", "s1", 4, fact("CallReleasedEvent", 7, 3));
        w
    }

    fn seen(&self, secs: f64, kind: &str, call: &str) -> Seen {
        Seen {
            at: self.at(secs),
            device: "2001".into(),
            kind: kind.into(),
            call: Some(call.into()),
            conn_device: Some("2001".into()),
            state: None,
            calls: vec![call.into()],
        }
    }

    fn client(&self, window: (f64, Option<f64>), events: Vec<Seen>) -> ClientLog {
        ClientLog {
            name: "A".into(),
            events,
            windows: vec![Window {
                device: "2001".into(),
                start: self.at(window.0),
                end: window.1.map(|e| (self.at(e), End::Disconnected)),
            }],
            connected: true,
            ..ClientLog::default()
        }
    }

    fn check(&self, clients: &[ClientLog], horizon: f64) -> Findings {
        check(
            &self.journal,
            clients,
            &[],
            None,
            &Check {
                horizon: self.at(horizon),
                margin: Duration::from_secs(1),
                last: false,
                request_timeout: Duration::from_secs(3),
            },
        )
    }
}

fn whats(f: &Findings) -> Vec<String> {
    f.violations.iter().map(|v| v.what.clone()).collect()
}

#[test]
fn every_event_once_in_order_passes() {
    let w = World::one_call();
    let events = vec![
        w.seen(2.1, "DeliveredEvent", "3:1"),
        w.seen(3.1, "EstablishedEvent", "3:1"),
        w.seen(4.1, "ConnectionClearedEvent", "3:1"),
    ];
    let f = w.check(&[w.client((0.8, None), events)], 10.0);
    assert!(f.passed(), "{:?}", whats(&f));
    assert_eq!((f.emitted, f.required, f.received), (4, 3, 3));
}

#[test]
fn lost_duplicated_and_reordered_events_are_violations() {
    let w = World::one_call();
    // (events received, lost, duplicated, unexpected)
    #[allow(clippy::type_complexity)]
    let cases: Vec<(Vec<(f64, &str)>, u64, u64, u64)> = vec![
        (
            vec![(2.1, "DeliveredEvent"), (4.1, "ConnectionClearedEvent")],
            1,
            0,
            0,
        ),
        (
            vec![
                (2.1, "DeliveredEvent"),
                (3.1, "EstablishedEvent"),
                (3.2, "EstablishedEvent"),
                (4.1, "ConnectionClearedEvent"),
            ],
            0,
            1,
            0,
        ),
        (
            vec![
                (2.1, "DeliveredEvent"),
                (4.1, "ConnectionClearedEvent"),
                (4.2, "EstablishedEvent"),
            ],
            1,
            0,
            1,
        ),
        // Received before it was emitted: not a match.
        (
            vec![
                (1.9, "DeliveredEvent"),
                (3.1, "EstablishedEvent"),
                (4.1, "ConnectionClearedEvent"),
            ],
            1,
            0,
            1,
        ),
    ];
    for (events, lost, duplicated, unexpected) in cases {
        let seen = events.iter().map(|&(t, k)| w.seen(t, k, "3:1")).collect();
        let f = w.check(&[w.client((0.8, None), seen)], 10.0);
        assert_eq!(
            (f.lost, f.duplicated, f.unexpected),
            (lost, duplicated, unexpected),
            "{events:?}: {:?}",
            whats(&f)
        );
        assert!(!f.passed());
        assert!(f.violations[0]
            .context
            .iter()
            .any(|l| l.contains("simulator emitted")));
    }
}

#[test]
fn events_outside_a_window_may_come_once_and_are_counted_when_not() {
    let w = World::one_call();
    // Disconnected at 3.5 s: the release (4 s) is not required, the answer (3 s) neither
    // (within the margin of the end).
    let f = w.check(
        &[w.client((0.8, Some(3.5)), vec![w.seen(2.1, "DeliveredEvent", "3:1")])],
        10.0,
    );
    assert!(f.passed(), "{:?}", whats(&f));
    assert_eq!(f.required, 1);
    assert_eq!(f.exceptions.get("client disconnected"), Some(&2));
    // Not required, but it came anyway: fine; twice: a duplicate.
    let twice = vec![
        w.seen(2.1, "DeliveredEvent", "3:1"),
        w.seen(3.1, "EstablishedEvent", "3:1"),
        w.seen(3.2, "EstablishedEvent", "3:1"),
    ];
    let f = w.check(&[w.client((0.8, Some(3.5)), twice)], 10.0);
    assert_eq!(f.duplicated, 1, "{:?}", whats(&f));
}

#[test]
fn a_periodic_check_judges_only_what_has_settled() {
    let w = World::one_call();
    let events = vec![
        w.seen(2.1, "DeliveredEvent", "3:1"),
        w.seen(3.1, "EstablishedEvent", "3:1"),
    ];
    // At 4.5 s the release (4 s) may still be on its way.
    let f = w.check(&[w.client((0.8, None), events)], 4.5);
    assert!(f.passed(), "{:?}", whats(&f));
    assert_eq!(f.required, 2);
}

#[test]
fn orphaned_subscriptions_and_new_ones() {
    let mut w = World::one_call();
    // A new subscription of the same device: the old one's events are no longer the device's.
    w.subscribe(5.0, "s2", "2001");
    w.emit(5.5, "2001", "s1", 5, fact("CallReceivedEvent", 8, 4));
    w.emit(6.0, "2001", "s2", 1, fact("CallReceivedEvent", 9, 5));
    let events = vec![
        w.seen(2.1, "DeliveredEvent", "3:1"),
        w.seen(3.1, "EstablishedEvent", "3:1"),
        w.seen(4.1, "ConnectionClearedEvent", "3:1"),
        w.seen(6.1, "DeliveredEvent", "5:1"),
    ];
    let f = w.check(&[w.client((0.8, None), events)], 10.0);
    assert!(f.passed(), "{:?}", whats(&f));
    assert_eq!(f.orphaned, 1);
}

#[test]
fn stuck_and_missing_calls_at_the_end() {
    let w = World::one_call();
    let mut client = w.client((0.8, None), Vec::new());
    client
        .views
        .insert("2001".into(), ["3:1".to_owned()].into());
    let leg = |dn: &str, half, ext| LiveLeg {
        call: ext,
        dn: dn.into(),
        half,
        ext,
        state: "Active",
        personality: "Originator",
    };
    let live = LiveCalls {
        legs: vec![leg("2001", 11, 6), leg("2001", 12, 9), leg("2002", 13, 9)],
        conferences: vec![("2001".into(), vec![11, 12])],
    };
    let by_device = live_calls_by_device(&live, &BTreeMap::from([("5000".into(), vec![4])]));
    assert_eq!(by_device["2001"], BTreeSet::from(["6:1".to_owned()]));
    assert_eq!(by_device["2002"], BTreeSet::from(["9:1".to_owned()]));
    assert_eq!(by_device["5000"], BTreeSet::from(["4:1".to_owned()]));
    let f = check(
        &w.journal[..1],
        &[client],
        &[],
        Some(&(live, BTreeMap::new())),
        &Check {
            horizon: w.at(10.0),
            margin: Duration::from_secs(1),
            last: true,
            request_timeout: Duration::from_secs(3),
        },
    );
    assert_eq!((f.stuck, f.missing), (1, 1), "{:?}", whats(&f));
}

#[test]
fn system_status_and_requests() {
    let w = World::new();
    let mut client = w.client((0.0, None), Vec::new());
    client.statuses = vec![
        (w.at(1.0), "disabled".into()),
        (w.at(5.0), "disabled".into()),
        (w.at(8.0), "normal".into()),
    ];
    let req = |answers: usize| Req {
        what: "hold 1:1 2001".into(),
        sent: w.at(1.0),
        answers: (0..answers)
            .map(|_| (w.at(1.5), "HoldCallResponse".into()))
            .collect(),
        abandoned: false,
    };
    client.requests = vec![req(1), req(2), req(0)];
    let f = check(
        &[],
        &[client],
        &[(w.at(4.5), w.at(7.0))],
        None,
        &Check {
            horizon: w.at(60.0),
            margin: Duration::from_secs(1),
            last: true,
            request_timeout: Duration::from_secs(3),
        },
    );
    let found = whats(&f);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].contains("disabled outside"), "{found:?}");
    assert!(
        found.iter().any(|v| v.contains("answered 2 times")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|v| v.contains("never answered")),
        "{found:?}"
    );
    assert_eq!((f.requests, f.unanswered, f.answered_twice), (3, 1, 1));
}
