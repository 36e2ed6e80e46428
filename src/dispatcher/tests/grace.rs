//! Events nobody owns any more, and the grace period of an unmonitored
//! device: no sequencer stream (and so no false gap) for the events of a
//! subscription that is gone or failed, subscriptions kept for a client
//! that comes back, deleted after the grace or when a refresh is due.

use super::*;

const NONE: [&str; 0] = [];

impl Harness {
    /// The status file's counters of lost and dropped events.
    fn dropped(&self) -> (u64, u64) {
        let doc = self.st.status_doc();
        (doc.gaps_given_up, doc.events_unowned)
    }

    /// The sequencer's streams and remembered retired subscriptions.
    fn streams(&self) -> (usize, usize) {
        self.st.translator.order_streams()
    }

    /// Client 1 monitors `device`, answered, with subscription `sub`.
    fn monitored(&mut self, device: &str, sub: &str) {
        self.up(0);
        self.connect(1);
        self.monitor_start(1, 1, device);
        self.created(device, sub);
        self.jobs();
        self.frames(1);
    }
}

#[test]
fn an_event_after_the_monitor_stop_opens_no_gap() {
    let mut h = Harness::new(1);
    h.monitored("2001", "sub-1");
    for call in 1..=3 {
        h.call_received("sub-1", "2001", call);
    }
    assert_eq!(h.frames(1).len(), 3);
    h.monitor_stop(1, 2, "1");
    assert_eq!(h.frames(1), ["#0002 MonitorStopResponse"]);
    // In flight when the client stopped: in sequence, sent to nobody.
    h.call_received("sub-1", "2001", 4);
    h.tick(Duration::from_secs(6));
    assert_eq!(h.dropped(), (0, 1));
    assert_eq!(h.frames(1), NONE);
    // After the grace the subscription is deleted; a later event of it
    // (sequence 5, from a stream the sequencer no longer has) is dropped
    // before the sequencer: no stream expecting 1, no gap "1..4".
    h.grace_over();
    assert_eq!(h.jobs(), ["delete sub-1"]);
    assert_eq!(h.streams(), (0, 1));
    h.call_received("sub-1", "2001", 5);
    assert_eq!(h.streams(), (0, 1));
    h.tick(Duration::from_secs(6));
    h.tick(Duration::from_secs(12));
    assert_eq!(h.dropped(), (0, 2));
    assert_eq!(h.streams(), (0, 0), "the retired id is let go");
}

#[test]
fn events_before_the_creation_is_answered_are_kept() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "2001");
    assert_eq!(h.jobs(), ["create 2001@example.net"]);
    // The subscription's first events overtake the answer to the POST.
    h.call_received("sub-1", "2001", 1);
    h.call_received("sub-1", "2001", 2);
    h.created("2001", "sub-1");
    h.call_received("sub-1", "2001", 3);
    let frames = h.frames(1);
    assert_eq!(frames.len(), 5, "{frames:?}");
    assert!(frames.contains(&"#0001 MonitorStartResponse 1".to_owned()));
    h.tick(Duration::from_secs(6));
    assert_eq!(h.dropped(), (0, 0));
    assert_eq!(h.streams(), (1, 0));
}

#[test]
fn a_failed_creation_leaves_no_stream_and_no_gap() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "2001");
    h.jobs();
    // Two events of the subscription being created, the first one missing:
    // a gap waits.
    h.sequence.insert("sub-x".into(), 1);
    h.call_received("sub-x", "2001", 2);
    assert_eq!(h.streams(), (1, 0));
    h.failed(
        "2001",
        SubscriptionError::Unavailable {
            detail: "timed out".into(),
        },
    );
    assert_eq!(
        h.frames(1),
        [
            "#0001 CSTAErrorCode systemResourceAvailibility/resourceOutOfService",
            "SystemStatus normal"
        ]
    );
    assert_eq!(h.streams(), (0, 1));
    // Another event of it: the device is gone.
    h.call_received("sub-x", "2001", 3);
    h.tick(Duration::from_secs(6));
    h.tick(Duration::from_secs(12));
    assert_eq!(h.dropped(), (0, 1));
    assert_eq!(h.streams(), (0, 0));
}

#[test]
fn an_event_of_the_replaced_subscription_is_dropped() {
    let mut h = Harness::new(1);
    h.monitored("2001", "sub-1");
    h.call_received("sub-1", "2001", 1);
    h.frames(1);
    // BroadWorks ends it; a new one is being created.
    h.xsi_event("sub-1", "2001", "SubscriptionTerminatedEvent", "");
    assert_eq!(h.jobs(), ["create 2001@example.net"]);
    // A late event of the old one: the device is creating, so the event
    // passes, but the sequencer knows the old id is retired.
    h.call_received("sub-1", "2001", 2);
    assert_eq!(h.streams(), (0, 1));
    h.created("2001", "sub-2");
    h.call_received("sub-2", "2001", 3);
    assert_eq!(h.frames(1), ["DeliveredEvent xref=1 call=3:1"]);
    h.tick(Duration::from_secs(6));
    assert_eq!(h.dropped(), (0, 1));
}

#[test]
fn a_monitor_start_within_the_grace_adopts_the_subscriptions() {
    let mut h = Harness::new(1);
    h.monitored("3001", "calls-1");
    h.created_package("3001", "Call Center Agent", "agent-1");
    h.frames(1);
    assert_eq!(h.status(), ("normal", 2, 1));
    // The T-Server's session goes.
    h.closed(1, "connection reset");
    assert_eq!(h.jobs(), NONE, "nothing deleted yet");
    assert_eq!(h.status(), ("normal", 2, 0));
    assert_eq!(h.st.status_doc().unmonitored_devices, 1);
    assert!(h.known().accepts("calls-1", None), "deleted at shutdown");
    // A call comes meanwhile: sent to nobody, but the model knows it.
    h.call_received("calls-1", "3001", 7);
    assert_eq!(h.dropped(), (0, 1));
    // It comes back: answered at once, no request.
    h.connect(2);
    h.monitor_start(2, 1, "3001");
    assert_eq!(
        h.frames(2),
        ["#0001 MonitorStartResponse 2", "SystemStatus normal"]
    );
    assert_eq!(h.jobs(), NONE);
    assert_eq!(h.st.status_doc().unmonitored_devices, 0);
    // The call known from the grace period can be snapshot.
    h.request(
        2,
        2,
        "SnapshotDevice",
        "<snapshotObject>3001</snapshotObject>",
    );
    assert_eq!(h.jobs(), ["refresh 3001@example.net calls-1"]);
    h.tick(Duration::from_secs(5));
    assert_eq!(
        h.frames(2),
        ["#0002 SnapshotDeviceResponse 7:1/3001/alerting"]
    );
    // Its grace long over, nothing is deleted.
    h.grace_over();
    assert_eq!(h.jobs(), NONE);
    assert_eq!(h.status(), ("normal", 2, 1));
}

#[test]
fn the_grace_ends_early_when_a_refresh_is_due() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "2001");
    h.jobs();
    h.send(Event::Subscription(SubscriptionResult::Created {
        user: user("2001"),
        package: CALL_PACKAGE.into(),
        subscription_id: "sub-1".into(),
        expires: Duration::from_secs(20),
    }));
    h.monitor_stop(1, 2, "1");
    h.tick(Duration::from_secs(5));
    assert_eq!(h.jobs(), NONE);
    // Due for a refresh at 10 s, before the 30 s of grace: deleted instead.
    h.tick(Duration::from_secs(11));
    assert_eq!(h.jobs(), ["delete sub-1"]);
    assert_eq!(h.status(), ("normal", 0, 1));
    assert!(!h.known().accepts("sub-1", None));
    h.grace_over();
    assert_eq!(h.jobs(), NONE);
}

#[test]
fn a_second_monitor_start_does_not_hide_the_monitor_stop() {
    let mut h = Harness::new(1);
    h.monitored("2001", "sub-1");
    // BroadWorks loses the subscription; while it is created again, the
    // client asks for the same monitor once more.
    h.send(Event::Subscription(SubscriptionResult::Gone {
        user: user("2001"),
        subscription_id: "sub-1".into(),
    }));
    assert_eq!(h.jobs(), ["create 2001@example.net"]);
    h.monitor_start(1, 2, "2001");
    assert_eq!(h.frames(1), NONE);
    h.failed(
        "2001",
        SubscriptionError::Unavailable {
            detail: "down".into(),
        },
    );
    // The answered monitor ends with a MonitorStop; the second
    // MonitorStart is refused.
    let mut frames = h.frames(1);
    frames.sort();
    assert_eq!(
        frames,
        [
            "#0002 CSTAErrorCode systemResourceAvailibility/resourceOutOfService",
            "MonitorStop 1",
        ]
    );
}

#[test]
fn a_second_monitor_start_is_answered_when_the_monitor_stops() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "2001");
    h.monitor_start(1, 2, "2001");
    h.monitor_stop(1, 3, "1");
    assert_eq!(
        h.frames(1),
        [
            "#0001 MonitorStartResponse 1",
            "SystemStatus normal",
            "#0002 MonitorStartResponse 1",
            "#0003 MonitorStopResponse",
        ]
    );
    // Later MonitorStarts are not held behind a forgotten one.
    h.monitor_start(1, 4, "2002");
    h.created("2002", "sub-2");
    assert_eq!(h.frames(1), ["#0004 MonitorStartResponse 2"]);
}

#[test]
fn a_malformed_event_takes_its_place_in_the_sequence() {
    let mut h = Harness::new(1);
    h.queue_and_bystander("5000", "Call Center Queue", "cc-sub");
    h.frames(1);
    let added = super::contact::cc_added;
    h.xsi_event("cc-sub", "5000", "ACDCallAddedEvent", &added(60, 1));
    // Sequence 2: a queue entry without its extTrackingId.
    let broken = "<xsi:queueEntry><xsi:callId>cc-61</xsi:callId></xsi:queueEntry>";
    let why = "malformed on purpose";
    h.xsi_event_off_schema("cc-sub", "5000", "ACDCallAddedEvent", broken, why);
    h.xsi_event("cc-sub", "5000", "ACDCallAddedEvent", &added(62, 2));
    // Nothing for it, nothing held behind it.
    assert_eq!(
        h.frames(1),
        [
            "QueuedEvent xref=1 call=60:1",
            "QueuedEvent xref=1 call=62:1"
        ]
    );
    h.xsi_event_off_schema("cc-sub", "5000", "ACDCallAddedEvent", broken, why);
    h.tick(Duration::from_secs(6));
    let doc = h.st.status_doc();
    assert_eq!(doc.gaps_given_up, 0);
    assert_eq!(doc.events_malformed, 2);
    assert_eq!(h.frames(1), NONE);
}
