//! Overall status follows the links: one link failing changes nothing for
//! the clients; the last one going down disables the system and ends every
//! monitor; a link coming back makes it normal again.

use super::*;

#[test]
fn all_links_down_disable_and_end_monitors_then_normal_again() {
    let mut h = Harness::new(2);
    h.up(0);
    h.up(1);
    h.connect(1);
    h.connect(2);
    // Client 1 monitors 2001 (subscribed); client 2's 2002 is still pending.
    h.monitor_start(1, 1, "2001");
    h.created("2001", "sub-1");
    h.monitor_start(2, 1, "2002");
    assert_eq!(
        h.jobs(),
        ["create 2001@example.net", "create 2002@example.net"]
    );
    h.frames(1);

    // One link down: nothing changes for the clients.
    h.down(0);
    h.request(1, 2, "RequestSystemStatus", "");
    assert_eq!(h.frames(1), ["#0002 RequestSystemStatusResponse normal"]);
    assert_eq!(h.frames(2), Vec::<String>::new());
    assert_eq!(h.status().0, "normal");
    assert_eq!(
        h.ctx.flags.order()[0],
        1,
        "subscriptions go to the live XSP"
    );

    // The last one: SystemStatus disabled to everyone, then a MonitorStop
    // for each monitor, or an error for a MonitorStart not answered yet.
    h.down(1);
    assert_eq!(h.frames(1), ["SystemStatus disabled", "MonitorStop 1"]);
    assert_eq!(
        h.frames(2),
        [
            "SystemStatus disabled",
            "#0001 CSTAErrorCode systemResourceAvailibility/resourceOutOfService",
            // The first response of a session is followed by SystemStatus.
            "SystemStatus disabled",
        ]
    );
    // The subscription is kept for the clients' return.
    assert_eq!(h.jobs(), Vec::<String>::new());
    assert_eq!(h.status(), ("disabled", 1, 2));
    h.request(1, 3, "RequestSystemStatus", "");
    assert_eq!(h.frames(1), ["#0003 RequestSystemStatusResponse disabled"]);
    // The pending creation finishes with nobody waiting: deleted.
    h.created("2002", "sub-2");
    assert_eq!(h.jobs(), ["delete sub-2"]);
    assert_eq!(h.frames(2), Vec::<String>::new());

    // A link is back: SystemStatus normal, and monitors can start again.
    h.link(1, LinkEvent::Connecting);
    assert_eq!(h.frames(1), Vec::<String>::new());
    h.up(1);
    assert_eq!(h.frames(1), ["SystemStatus normal"]);
    assert_eq!(h.frames(2), ["SystemStatus normal"]);
    assert_eq!(h.status().0, "normal");
    // 2001's subscription was kept: adopted and answered at once.
    h.monitor_start(1, 4, "2001");
    assert_eq!(h.jobs(), Vec::<String>::new());
    assert_eq!(h.frames(1), ["#0004 MonitorStartResponse 3"]);
    // 2002's was not: created again.
    h.monitor_start(1, 5, "2002");
    assert_eq!(h.jobs(), ["create 2002@example.net"]);
    h.created("2002", "sub-3");
    assert_eq!(h.frames(1), ["#0005 MonitorStartResponse 4"]);
}
