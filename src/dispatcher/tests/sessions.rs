//! Sessions that go away: a client too slow to take its frames is cut off
//! without holding anyone up; a client that closes gives its monitors and
//! pending requests back.

use super::*;

#[test]
fn a_slow_session_is_cut_off_and_its_monitors_released() {
    let mut h = Harness::new(1);
    h.up(0);
    // Client 1 reads nothing: room for 4 frames. Client 2 keeps up.
    h.connect_with_outbox(1, 4);
    h.connect(2);
    h.monitor_start(1, 1, "2001");
    h.monitor_start(2, 1, "2001");
    h.created("2001", "sub-1");
    assert_eq!(h.jobs(), ["create 2001@example.net"]);
    h.frames(2);
    // Client 1 holds its response and SystemStatus; two events fit, the
    // third does not.
    for call in 1..=5 {
        h.call_received("sub-1", "2001", call);
    }
    assert!(h.socket_closed(1), "cut off: its socket is shut down");
    assert_eq!(
        h.frames(1),
        [
            "#0001 MonitorStartResponse 1",
            "SystemStatus normal",
            "DeliveredEvent xref=1 call=1:1",
            "DeliveredEvent xref=1 call=2:1",
        ]
    );
    // Client 2 got every event.
    let calls: Vec<String> = (1..=5)
        .map(|c| format!("DeliveredEvent xref=2 call={c}:1"))
        .collect();
    assert_eq!(h.frames(2), calls);
    assert_eq!(h.status(), ("normal", 1, 1));
    // Its monitor is gone: the last monitor of 2001 is client 2's.
    assert_eq!(h.jobs(), Vec::<String>::new());
    h.monitor_stop(2, 2, "2");
    h.grace_over();
    assert_eq!(h.jobs(), ["delete sub-1"]);
    // The reader's late Closed for the cut-off session changes nothing.
    h.closed(1, "connection closed by the client");
    assert_eq!(h.status(), ("normal", 0, 1));
}

#[test]
fn a_closing_session_gives_back_monitors_and_pending_requests() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.connect(2);
    // Client 1: 2001 shared with client 2, 2002 still being created, and a
    // SnapshotDevice of 2001 waiting for its resynchronisation.
    h.monitor_start(1, 1, "2001");
    h.monitor_start(2, 1, "2001");
    h.created("2001", "sub-1");
    h.monitor_start(1, 2, "2002");
    h.request(
        1,
        3,
        "SnapshotDevice",
        "<snapshotObject>2001</snapshotObject>",
    );
    assert_eq!(
        h.jobs(),
        [
            "create 2001@example.net",
            "create 2002@example.net",
            "refresh 2001@example.net sub-1",
        ]
    );
    h.frames(1);
    h.frames(2);

    h.closed(1, "connection closed by the client");
    assert_eq!(h.status(), ("normal", 1, 1));
    // 2001 stays for client 2; 2002's creation ends with nobody waiting.
    assert_eq!(h.jobs(), Vec::<String>::new());
    h.created("2002", "sub-2");
    assert_eq!(h.jobs(), ["delete sub-2"]);
    // The snapshot's wait runs out with nobody to answer.
    h.tick(Duration::from_secs(5));
    assert_eq!(h.frames(1), Vec::<String>::new());
    // Client 2 is unaffected.
    h.call_received("sub-1", "2001", 7);
    assert_eq!(h.frames(2), ["DeliveredEvent xref=2 call=7:1"]);
    h.closed(2, "connection closed by the client");
    h.grace_over();
    assert_eq!(h.jobs(), ["delete sub-1"]);
    assert_eq!(h.status(), ("normal", 0, 0));
}
