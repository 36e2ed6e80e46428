//! Exactly-once, ordering, snapshot.

use super::mapping::{incoming, outgoing};
use super::*;

fn event_names(docs: &[String]) -> Vec<String> {
    docs.iter()
        .map(|xml| match parse(xml.as_bytes()).map(|i| i.message) {
            Ok(Message::Event(info)) => info.name,
            other => panic!("not an event ({other:?}): {xml}"),
        })
        .collect()
}

#[test]
fn duplicate_event_id_is_translated_once() {
    let mut h = Harness::new();
    let xml = h.doc(&incoming()[0]);
    let now = Instant::now();
    assert_eq!(event_names(&h.offer(&xml, now)), ["DeliveredEvent"]);
    // BroadWorks re-sends the unacknowledged event on another channel.
    let resent = xml.replace(CHANNEL_A, CHANNEL_B);
    assert_ne!(resent, xml);
    assert!(h.offer(&resent, now).is_empty());
    assert_eq!(h.tr.duplicates_dropped(), 1);
    // The model saw the call once: answering it still works normally.
    let answered = h.feed(&ev(
        "CallAnsweredEvent",
        &term("c1", "200:1", "Active", "tel:2002"),
    ));
    assert_eq!(event_names(&answered), ["EstablishedEvent"]);
    assert_eq!(h.tr.duplicates_dropped(), 1);
}

#[test]
fn swapped_events_are_released_in_sequence_order() {
    let mut h = Harness::new();
    let first = h.doc(&incoming()[0]);
    let second = h.doc(&ev(
        "CallAnsweredEvent",
        &term("c1", "200:1", "Active", "tel:2002"),
    ));
    let now = Instant::now();
    assert!(h.offer(&second, now).is_empty(), "sequence 2 waits for 1");
    let out = h.offer(&first, now);
    assert_eq!(event_names(&out), ["DeliveredEvent", "EstablishedEvent"]);
    check(
        "swapped: answered",
        &out[1],
        &want("EstablishedEvent", "establishedConnection", "200:1", ME)
            .dev("answeringDevice", ME)
            .dev("callingDevice", Some("2002"))
            .dev("calledDevice", ME)
            .dev("lastRedirectionDevice", None)
            .state("connected", "newCall"),
    );
}

#[test]
fn gap_is_released_after_expire() {
    let mut h = Harness::new();
    let t0 = Instant::now();
    let received = h.doc(&incoming()[0]);
    let _lost = h.doc(&ev(
        "CallAnsweredEvent",
        &term("c1", "200:1", "Active", "tel:2002"),
    ));
    let held = h.doc(&ev(
        "CallHeldEvent",
        &term("c1", "200:1", "Held", "tel:2002"),
    ));
    assert_eq!(event_names(&h.offer(&received, t0)), ["DeliveredEvent"]);
    assert!(h.offer(&held, t0).is_empty(), "sequence 3 waits for 2");
    assert!(h.tr.expire(t0).is_empty(), "not yet");
    // No channel news: nothing shows the event cannot come any more, so
    // the gap waits the whole reorder wait (5 s by default).
    assert!(h.tr.expire(t0 + Duration::from_millis(4900)).is_empty());
    let ready = h.tr.expire(t0 + Duration::from_secs(5));
    assert_eq!(
        ready.iter().map(|e| e.sequence_number).collect::<Vec<_>>(),
        [3]
    );
    let out = h.translate(&ready);
    assert_eq!(out.len(), 1);
    check(
        "gap: held",
        &out[0],
        &want("HeldEvent", "heldConnection", "200:1", ME)
            .dev("holdingDevice", ME)
            .state("hold", "normal"),
    );
}

/// Events of one subscription in sequence order; the one at `lost` is held
/// back until its gap was given up, then arrives late.
struct LateCase {
    name: &'static str,
    events: Vec<Data>,
    lost: usize,
    /// CSTA events produced when the late event arrives.
    want: &'static [&'static str],
    /// (delivered, ignored)
    counted: (u64, u64),
}

#[test]
fn late_events_are_delivered_only_when_they_still_change_the_call() {
    let received = || {
        ev(
            "CallReceivedEvent",
            &term("c1", "200:1", "Alerting", "tel:2002"),
        )
    };
    let answered = || {
        ev(
            "CallAnsweredEvent",
            &term("c1", "200:1", "Active", "tel:2002"),
        )
    };
    let held = || ev("CallHeldEvent", &term("c1", "200:1", "Held", "tel:2002"));
    let released = || {
        ev(
            "CallReleasedEvent",
            &term("c1", "200:1", "Released", "tel:2002").releasing("remoteRelease"),
        )
    };
    let other_call = || {
        ev(
            "CallReceivedEvent",
            &term("c2", "201:1", "Alerting", "tel:2003"),
        )
    };
    let cases = [
        LateCase {
            name: "release of a call the model holds",
            events: vec![received(), answered(), released(), other_call()],
            lost: 2,
            want: &["ConnectionClearedEvent"],
            counted: (1, 0),
        },
        LateCase {
            name: "answer of a call still alerting",
            events: vec![received(), answered(), other_call()],
            lost: 1,
            want: &["EstablishedEvent"],
            counted: (1, 0),
        },
        LateCase {
            name: "answer of a call already held: nothing to change",
            events: vec![received(), answered(), held()],
            lost: 1,
            want: &[],
            counted: (0, 1),
        },
        LateCase {
            name: "answer of a call already released",
            events: vec![received(), answered(), released()],
            lost: 1,
            want: &[],
            counted: (0, 1),
        },
        LateCase {
            name: "creation of a call already released would be a phantom",
            events: vec![received(), released(), other_call()],
            lost: 0,
            want: &[],
            counted: (0, 1),
        },
        LateCase {
            name: "a hold whose call moved on",
            events: vec![received(), answered(), held(), released()],
            lost: 2,
            want: &[],
            counted: (0, 1),
        },
    ];
    for case in cases {
        let mut h = Harness::new();
        let t0 = Instant::now();
        let docs: Vec<String> = case.events.iter().map(|d| h.doc(d)).collect();
        for (i, doc) in docs.iter().enumerate() {
            if i != case.lost {
                h.offer(doc, t0);
            }
        }
        let ready = h.tr.expire(t0 + Duration::from_secs(5));
        h.translate(&ready);
        let late = h.offer(&docs[case.lost], t0 + Duration::from_secs(6));
        assert_eq!(event_names(&late), case.want, "{}", case.name);
        let stats = h.tr.late_stats();
        assert_eq!(
            (stats.delivered, stats.ignored),
            case.counted,
            "{}",
            case.name
        );
        assert_eq!(h.tr.order_stats().gaps_given_up, 1, "{}", case.name);
    }
}

#[test]
fn channels_that_delivered_later_events_let_a_gap_go_early() {
    use crate::translate::watch::ChannelNews;
    let mut h = Harness::new();
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    h.tr.channel_news(0, ChannelNews::Up, t0);
    h.tr.channel_news(1, ChannelNews::Up, t0);
    let received = h.doc(&incoming()[0]);
    let _lost = h.doc(&ev(
        "CallAnsweredEvent",
        &term("c1", "200:1", "Active", "tel:2002"),
    ));
    let held = h.doc(&ev(
        "CallHeldEvent",
        &term("c1", "200:1", "Held", "tel:2002"),
    ));
    let retrieved = h.doc(&ev(
        "CallRetrievedEvent",
        &term("c1", "200:1", "Active", "tel:2002"),
    ));
    h.offer_on(&received, 0, ms(10));
    assert!(h.offer_on(&held, 0, ms(20)).is_empty());
    assert!(
        h.tr.expire(ms(600)).is_empty(),
        "link 1 may still carry the missing event"
    );
    assert!(h.offer_on(&retrieved, 1, ms(700)).is_empty());
    let ready = h.tr.expire(ms(750));
    assert_eq!(
        event_names(&h.translate(&ready)),
        ["HeldEvent", "RetrievedEvent"]
    );
    let stats = h.tr.order_stats();
    assert_eq!((stats.gaps_given_up, stats.gaps_given_up_early), (1, 1));
    assert_eq!(stats.max_hold, Duration::from_millis(730));
}

fn item(call_id: &str, state: &str) -> SnapshotItem {
    SnapshotItem {
        call_id: call_id.to_owned(),
        device_id: LOCAL.to_owned(),
        local_call_state: state.to_owned(),
    }
}

#[test]
fn snapshot_lists_the_model_calls() {
    let mut h = Harness::new();
    assert!(h.tr.snapshot(USER, LOCAL).is_empty());
    for data in incoming() {
        h.feed(&data);
    }
    h.feed(&ev(
        "CallOriginatedEvent",
        &orig("c2", "100:1", "Alerting", "tel:2003"),
    ));
    h.feed(&ev(
        "CallAnsweredEvent",
        &orig("c2", "100:1", "Active", "tel:2003"),
    ));
    h.feed(&ev(
        "CallReceivedEvent",
        &term("c3", "201:1", "Alerting", "tel:2004"),
    ));
    h.feed(&ev(
        "CallAnsweredEvent",
        &term("c3", "201:1", "Active", "tel:2004"),
    ));
    h.feed(&ev(
        "CallHeldEvent",
        &term("c3", "201:1", "Held", "tel:2004"),
    ));
    assert_eq!(
        h.tr.snapshot(USER, LOCAL),
        [
            item("200:1", "alerting"),
            item("100:1", "connected"),
            item("201:1", "hold")
        ]
    );
    assert_eq!(h.tr.model.len(), 3);
    assert!(h.tr.snapshot("someone-else@example.com", LOCAL).is_empty());

    // A release and a snapshot that no longer lists c1 shrink the model.
    h.feed(&ev(
        "CallReleasedEvent",
        &term("c3", "201:1", "Released", "tel:2004").releasing("remoteRelease"),
    ));
    h.feed(&subscription(
        &[orig("c2", "100:1", "Active", "tel:2003")],
        "Off-Hook",
    ));
    assert_eq!(h.tr.snapshot(USER, LOCAL), [item("100:1", "connected")]);
    h.tr.forget_user(USER);
    assert!(h.tr.snapshot(USER, LOCAL).is_empty());
}

#[test]
fn bug_snapshot_of_a_ringing_outgoing_call_is_connected() {
    let mut h = Harness::new();
    for data in outgoing() {
        h.feed(&data);
    }
    assert_eq!(h.tr.snapshot(USER, LOCAL), [item("100:1", "connected")]);
}

#[test]
fn unknown_event_types_are_counted_not_translated() {
    let mut h = Harness::new();
    let data = ev(
        "CallRecordingStartedEvent",
        &term("c1", "200:1", "Alerting", "tel:2002"),
    );
    assert!(h.feed(&data).is_empty());
    assert!(h.feed(&data).is_empty());
    assert_eq!(h.tr.unknown_events, 2);
    assert!(h.tr.model.is_empty());
}
