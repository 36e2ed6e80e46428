//! The subscriptions of a device (one per package of its kind), shared by
//! every monitor of it, deleted with the last one; MonitorStart answered
//! when they all exist.

use super::*;

const NONE: [&str; 0] = [];

#[test]
fn one_subscription_per_device_shared_by_sessions_and_counted() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.connect(2);

    h.monitor_start(1, 1, "2001");
    assert_eq!(h.jobs(), ["create 2001@example.net"]);
    assert!(h.known().accepts("not-yet", Some(&user("2001"))));
    assert_eq!(h.frames(1), NONE, "answered only once subscribed");
    h.monitor_start(2, 1, "2001");
    assert_eq!(h.jobs(), NONE, "the creation in flight is shared");

    h.created("2001", "sub-1");
    assert_eq!(
        h.frames(1),
        ["#0001 MonitorStartResponse 1", "SystemStatus normal"]
    );
    assert_eq!(
        h.frames(2),
        ["#0001 MonitorStartResponse 2", "SystemStatus normal"]
    );
    assert!(h.known().accepts("sub-1", None));
    assert_eq!(h.status(), ("normal", 1, 2));

    // The same device again on one session: the same cross-ref, no job.
    h.monitor_start(1, 2, "2001");
    assert_eq!(h.frames(1), ["#0002 MonitorStartResponse 1"]);
    assert_eq!(h.jobs(), NONE);

    // An event goes to every monitor, each with its own cross-ref.
    h.call_received("sub-1", "2001", 100);
    assert_eq!(h.frames(1), ["DeliveredEvent xref=1 call=100:1"]);
    assert_eq!(h.frames(2), ["DeliveredEvent xref=2 call=100:1"]);

    // One monitor stops: the subscription stays for the other.
    h.monitor_stop(1, 3, "1");
    assert_eq!(h.frames(1), ["#0003 MonitorStopResponse"]);
    assert_eq!(h.jobs(), NONE);
    h.call_received("sub-1", "2001", 101);
    assert_eq!(h.frames(1), NONE);
    assert_eq!(h.frames(2), ["DeliveredEvent xref=2 call=101:1"]);

    // The last one stops: after the grace period the subscription is
    // deleted and forgotten.
    h.monitor_stop(2, 2, "2");
    assert_eq!(h.frames(2), ["#0002 MonitorStopResponse"]);
    assert_eq!(h.jobs(), NONE);
    h.grace_over();
    assert_eq!(h.jobs(), ["delete sub-1"]);
    assert!(!h.known().accepts("sub-1", None));
    assert_eq!(h.status(), ("normal", 0, 2));
    // An event still in flight reaches nobody.
    h.call_received("sub-1", "2001", 102);
    assert_eq!((h.frames(1), h.frames(2)), (vec![], vec![]));

    // Unknown cross-refs are refused.
    h.monitor_stop(1, 4, "2");
    assert_eq!(
        h.frames(1),
        ["#0004 CSTAErrorCode operation/invalidMonitorCrossRefID"]
    );
}

#[test]
fn monitor_start_waits_for_its_subscription_and_gets_its_error() {
    // (how the creation fails, what the waiting MonitorStart gets)
    let cases = [
        (
            SubscriptionError::Rejected {
                status: 404,
                detail: "User not found".into(),
            },
            "#0007 CSTAErrorCode operation/invalidDeviceID",
        ),
        (
            SubscriptionError::Unavailable {
                detail: "xsp1: timed out".into(),
            },
            "#0007 CSTAErrorCode systemResourceAvailibility/resourceOutOfService",
        ),
    ];
    for (error, answer) in cases {
        let mut h = Harness::new(1);
        h.up(0);
        h.connect(1);
        h.monitor_start(1, 7, "2001");
        assert_eq!(h.jobs(), ["create 2001@example.net"]);
        assert_eq!(h.frames(1), NONE);
        h.failed("2001", error);
        assert_eq!(h.frames(1), [answer, "SystemStatus normal"]);
        assert!(!h.known().accepts("any", Some(&user("2001"))));
        // The monitor does not exist: stopping it is refused, starting it
        // again makes a new creation.
        h.monitor_stop(1, 8, "1");
        assert_eq!(
            h.frames(1),
            ["#0008 CSTAErrorCode operation/invalidMonitorCrossRefID"]
        );
        h.monitor_start(1, 9, "2001");
        assert_eq!(h.jobs(), ["create 2001@example.net"]);
    }
}

#[test]
fn a_monitor_stopped_before_its_subscription_exists_leaves_nothing_behind() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "2001");
    assert_eq!(h.jobs(), ["create 2001@example.net"]);
    h.monitor_stop(1, 2, "1");
    // The MonitorStart is answered (the monitor existed), then the stop.
    assert_eq!(
        h.frames(1),
        [
            "#0001 MonitorStartResponse 1",
            "SystemStatus normal",
            "#0002 MonitorStopResponse"
        ]
    );
    // The creation finishes with nobody left: deleted at once, nothing sent.
    h.created("2001", "sub-1");
    assert_eq!(h.jobs(), ["delete sub-1"]);
    assert_eq!(h.frames(1), NONE);
    assert_eq!(h.status(), ("normal", 0, 1));
}

#[test]
fn each_device_kind_subscribes_its_packages() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    let cases = [
        ("2001", "create 2001@example.net"),
        ("5000", "create 5000@example.net Call Center Queue"),
        ("6000", "create 6000@example.net Route Point Queue"),
    ];
    for (i, (device, job)) in cases.into_iter().enumerate() {
        h.monitor_start(1, i as u16 + 1, device);
        assert_eq!(h.jobs(), [job], "{device}");
    }
    h.monitor_start(1, 4, "3001");
    assert_eq!(
        h.jobs(),
        [
            "create 3001@example.net",
            "create 3001@example.net Call Center Agent"
        ],
        "an agent: its calls and its agent state"
    );
}

#[test]
fn an_agent_has_two_subscriptions_under_one_monitor() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "3001");
    h.jobs();
    // Answered only when both exist, whatever their order.
    h.created_package("3001", "Call Center Agent", "agent-1");
    assert_eq!(h.frames(1), NONE);
    assert_eq!(h.status(), ("normal", 1, 1));
    h.created("3001", "calls-1");
    assert_eq!(
        h.frames(1),
        ["#0001 MonitorStartResponse 1", "SystemStatus normal"]
    );
    assert_eq!(h.status(), ("normal", 2, 1));
    assert!(h.known().accepts("agent-1", None) && h.known().accepts("calls-1", None));

    // BroadWorks drops one: only that one is made again; the monitor stays.
    h.send(Event::Subscription(SubscriptionResult::Gone {
        user: user("3001"),
        subscription_id: "agent-1".into(),
    }));
    assert_eq!(h.jobs(), ["create 3001@example.net Call Center Agent"]);
    assert_eq!(h.frames(1), NONE);
    h.created_package("3001", "Call Center Agent", "agent-2");
    assert_eq!(h.frames(1), NONE, "nothing to answer: the monitor was");

    // Refreshes come for both.
    h.tick(Duration::from_secs(3600));
    let mut jobs = h.jobs();
    jobs.sort();
    assert_eq!(
        jobs,
        [
            "refresh 3001@example.net agent-2",
            "refresh 3001@example.net calls-1"
        ]
    );

    // MonitorStop removes both (after the grace period).
    h.monitor_stop(1, 2, "1");
    assert_eq!(h.frames(1), ["#0002 MonitorStopResponse"]);
    h.grace_over();
    let mut jobs = h.jobs();
    jobs.sort();
    assert_eq!(jobs, ["delete agent-2", "delete calls-1"]);
    assert_eq!(h.status(), ("normal", 0, 1));
    assert!(!h.known().accepts("agent-2", None));
}

#[test]
fn one_package_refused_fails_the_monitor_and_deletes_the_other() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "3002");
    h.jobs();
    h.created("3002", "calls-1");
    let refused = SubscriptionError::Rejected {
        status: 400,
        detail: "not an agent".into(),
    };
    h.failed_package("3002", "Call Center Agent", refused);
    assert_eq!(
        h.frames(1),
        [
            "#0001 CSTAErrorCode operation/invalidDeviceID",
            "SystemStatus normal"
        ]
    );
    assert_eq!(h.jobs(), ["delete calls-1"]);
    assert_eq!(h.status(), ("normal", 0, 1));

    // The last session leaving while a creation is in flight: that one is
    // deleted when it reports back, the other after the grace period.
    h.monitor_start(1, 2, "3002");
    assert_eq!(h.jobs().len(), 2);
    h.created("3002", "calls-2");
    h.closed(1, "bye");
    assert_eq!(h.jobs(), Vec::<String>::new());
    h.created_package("3002", "Call Center Agent", "agent-2");
    assert_eq!(h.jobs(), ["delete agent-2"]);
    h.grace_over();
    assert_eq!(h.jobs(), ["delete calls-2"]);
    assert_eq!(h.status(), ("normal", 0, 0));
    assert!(h.known().is_empty());
}
