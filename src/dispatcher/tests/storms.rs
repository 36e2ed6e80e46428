//! Many MonitorStarts at once: answers leave in the order the client asked
//! whatever order the subscriptions complete in, clients take turns for the
//! workers, jobs of a client that left are dropped unsent, and refreshes
//! come when due.

use super::*;

const NONE: [&str; 0] = [];

fn creates(devices: &[&str]) -> Vec<String> {
    devices
        .iter()
        .map(|d| format!("create {}", user(d)))
        .collect()
}

#[test]
fn answers_leave_in_request_order_whatever_order_creations_finish() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.connect(2);
    // 2003 is already subscribed (client 2 monitors it).
    h.monitor_start(2, 1, "2003");
    h.created("2003", "sub-3");
    h.frames(2);
    h.jobs();
    h.monitor_start(1, 1, "2001");
    h.monitor_start(1, 2, "2002");
    h.monitor_start(1, 3, "2003");
    h.monitor_start(1, 4, "2003");
    assert_eq!(h.jobs(), creates(&["2001", "2002"]));
    assert_eq!(h.frames(1), NONE, "2003 waits behind 2001");
    h.created("2002", "sub-2");
    assert_eq!(h.frames(1), NONE, "2002 waits behind 2001");
    h.created("2001", "sub-1");
    assert_eq!(
        h.frames(1),
        [
            "#0001 MonitorStartResponse 2",
            "SystemStatus normal",
            "#0002 MonitorStartResponse 3",
            "#0003 MonitorStartResponse 4",
            "#0004 MonitorStartResponse 4",
        ]
    );
    // With nothing pending, an answer goes out at once.
    h.monitor_start(1, 5, "2003");
    assert_eq!(h.frames(1), ["#0005 MonitorStartResponse 4"]);
    // A failure is answered in its turn too.
    h.monitor_start(1, 6, "2004");
    h.monitor_start(1, 7, "2005");
    h.created("2005", "sub-5");
    assert_eq!(h.frames(1), NONE);
    h.failed(
        "2004",
        SubscriptionError::Rejected {
            status: 404,
            detail: "User not found".into(),
        },
    );
    assert_eq!(
        h.frames(1),
        [
            "#0006 CSTAErrorCode operation/invalidDeviceID",
            "#0007 MonitorStartResponse 6",
        ]
    );
}

#[test]
fn a_storm_from_one_client_leaves_room_for_the_others() {
    // One worker: two jobs handed out at once.
    let mut h = Harness::with_workers(1, 1);
    h.up(0);
    h.connect(1);
    h.connect(2);
    let storm: Vec<String> = (0..50).map(|n| format!("7{n:03}")).collect();
    for (n, device) in storm.iter().enumerate() {
        h.monitor_start(1, n as u16 + 1, device);
    }
    assert_eq!(h.jobs(), creates(&["7000", "7001"]));
    h.monitor_start(2, 1, "2001");
    assert_eq!(h.jobs(), NONE, "both slots are taken");
    // Each result frees a slot; the lanes take turns, so client 2 waits
    // for one more job of the storm, not for the 48 left.
    h.created("7000", "s-7000");
    assert_eq!(h.jobs(), creates(&["7002"]));
    h.created("7001", "s-7001");
    assert_eq!(h.jobs(), creates(&["2001"]));
    h.created("2001", "s-2001");
    assert_eq!(
        h.frames(2),
        ["#0001 MonitorStartResponse 51", "SystemStatus normal"]
    );
    assert_eq!(h.jobs(), creates(&["7003"]));
    // The storm goes on, and every MonitorStart of it is answered in order.
    for n in 2..50 {
        let device = format!("7{n:03}");
        h.created(&device, &format!("s-{device}"));
        h.jobs();
    }
    let answers: Vec<String> = h
        .frames(1)
        .into_iter()
        .filter(|f| f.contains("MonitorStartResponse"))
        .collect();
    let expected: Vec<String> = (1..=50)
        .map(|n| format!("#{n:04} MonitorStartResponse {n}"))
        .collect();
    assert_eq!(answers, expected);
}

#[test]
fn jobs_of_a_client_that_left_are_dropped_unsent() {
    let mut h = Harness::with_workers(1, 1);
    h.up(0);
    h.connect(1);
    for n in 0..10u16 {
        h.monitor_start(1, n + 1, &format!("700{n}"));
    }
    assert_eq!(h.jobs(), creates(&["7000", "7001"]));
    assert!(h.known().accepts("any", Some(&user("7005"))), "pending");
    h.closed(1, "connection closed by the client");
    // The two in flight finish and are deleted; the eight queued are never
    // sent, and their users no longer count as pending.
    h.created("7000", "s-7000");
    h.created("7001", "s-7001");
    assert_eq!(h.jobs(), ["delete s-7000", "delete s-7001"]);
    assert!(!h.known().accepts("any", Some(&user("7005"))));
    assert_eq!(h.status(), ("normal", 0, 0));
    for id in ["s-7000", "s-7001"] {
        let subscription_id = id.to_owned();
        h.send(Event::Subscription(SubscriptionResult::Deleted {
            subscription_id,
        }));
    }
    // Another client monitoring one of them gets a creation of its own.
    h.connect(2);
    h.monitor_start(2, 1, "7007");
    assert_eq!(h.jobs(), creates(&["7007"]));
}

#[test]
fn refreshes_come_at_half_the_lifetime_and_failed_ones_are_retried() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "2001");
    h.created("2001", "sub-1");
    h.jobs();
    h.tick(Duration::from_secs(1700));
    assert_eq!(h.jobs(), NONE);
    h.tick(Duration::from_secs(1801));
    assert_eq!(h.jobs(), ["refresh 2001@example.net sub-1"]);
    h.tick(Duration::from_secs(1802));
    assert_eq!(h.jobs(), NONE, "one refresh at a time");
    h.send(Event::Subscription(SubscriptionResult::RefreshFailed {
        user: user("2001"),
        subscription_id: "sub-1".into(),
    }));
    h.tick(Duration::from_secs(20));
    assert_eq!(h.jobs(), NONE);
    h.tick(Duration::from_secs(31));
    assert_eq!(h.jobs(), ["refresh 2001@example.net sub-1"]);
    h.send(Event::Subscription(SubscriptionResult::Refreshed {
        user: user("2001"),
        subscription_id: "sub-1".into(),
        expires: Duration::from_secs(600),
    }));
    h.tick(Duration::from_secs(200));
    assert_eq!(h.jobs(), NONE);
    h.tick(Duration::from_secs(301));
    assert_eq!(h.jobs(), ["refresh 2001@example.net sub-1"]);
}
