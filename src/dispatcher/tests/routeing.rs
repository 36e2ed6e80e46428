//! Routeing beyond the single dialogue: calls of one route point routed
//! in parallel, a bounced call that went elsewhere, and a backup session
//! taking over the calls waiting for its failed primary.

use super::contact::{rp_call, R};
use super::*;
use crate::xsi::actions::Returned;

const NONE: [&str; 0] = [];
const REDIRECT: &str = super::contact::REDIRECT;

#[test]
fn calls_of_one_route_point_are_routed_in_parallel() {
    let mut h = Harness::new(1);
    h.routeing();
    for n in [40, 41, 42] {
        h.rp_event("RoutePointCallAddedEvent", n);
    }
    assert_eq!(h.frames(1).len(), 6);
    h.route_select(3, "1", "2002");
    h.route_select(4, "2", "2003");
    h.route_select(5, "3", "2004");
    // One job per call at once, not one at a time for the route point.
    let jobs = h.actions();
    let paths: Vec<String> = jobs.iter().flat_map(|(_, p)| p.clone()).collect();
    assert_eq!(
        paths,
        [
            format!("PUT {R}/calls/rp-40/BlindTransfer?address=2002"),
            format!("PUT {R}/calls/rp-41/BlindTransfer?address=2003"),
            format!("PUT {R}/calls/rp-42/BlindTransfer?address=2004"),
        ]
    );
    // Requests on one call still take turns.
    let body = "<messageToBePlayed>1</messageToBePlayed>\
                <overConnection><callID>40:1</callID><deviceID>6000</deviceID></overConnection>";
    h.request(1, 6, "PlayMessage", body);
    assert_eq!(h.actions(), []);
    h.result(jobs[0].0, Ok(Returned::Nothing));
    let next = h.actions();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].1, [format!("PUT {R}/calls/rp-40/PlayMusicOnHold")]);
}

#[test]
fn a_bounced_call_with_a_redirect_ends_its_dialogue() {
    let mut h = Harness::new(1);
    h.routeing();
    h.rp_event("RoutePointCallAddedEvent", 40);
    h.frames(1);
    // Bounced back to the route point: the dialogue stays.
    h.rp_event("RoutePointCallBouncedEvent", 40);
    assert_eq!(h.frames(1), ["DeliveredEvent xref=1 call=40:1"]);
    // Bounced elsewhere: the call left, and so does its dialogue.
    let data = rp_call(40, REDIRECT);
    h.xsi_event("rp-sub", "6000", "RoutePointCallBouncedEvent", &data);
    assert_eq!(
        h.frames(1),
        ["DivertedEvent xref=1 call=40:1", "RouteEnd 1"]
    );
    assert_eq!(h.st.routing.dialogues(), 0);
}

#[test]
fn a_backup_session_gets_the_calls_waiting_for_its_failed_primary() {
    let mut h = Harness::new(1);
    h.routeing();
    // The backup monitors the route point too.
    h.monitor_start(2, 2, "6000");
    h.frames(2);
    h.rp_event("RoutePointCallAddedEvent", 40);
    h.rp_event("RoutePointCallAddedEvent", 41);
    assert_eq!(h.frames(1).len(), 4);
    h.frames(2);
    // The primary dies with both calls waiting; nobody routes them.
    h.closed(1, "connection reset");
    assert_eq!(h.frames(2), NONE);
    // The backup registers: both are offered at once.
    h.request(
        2,
        3,
        "RouteRegister",
        "<routeingDevice>6000</routeingDevice>",
    );
    assert_eq!(
        h.frames(2),
        [
            "#0003 RouteRegisterResponse rr2",
            "RouteRequest 3 rr2 call=40:1 from=2005",
            "RouteRequest 4 rr2 call=41:1 from=2005",
        ]
    );
    // Registered twice (a second backup), a session leaving hands its
    // calls to the other registration at once.
    h.connect(3);
    h.monitor_start(3, 1, "6000");
    h.request(3, 2, "RouteRegister", "");
    h.frames(3);
    h.closed(2, "connection reset");
    let mut frames = h.frames(3);
    frames.sort();
    assert_eq!(
        frames,
        [
            "RouteRequest 5 rr3 call=40:1 from=2005",
            "RouteRequest 6 rr3 call=41:1 from=2005",
        ]
    );
    // A call that left is not offered again.
    h.rp_event("RoutePointCallReleasedEvent", 40);
    assert_eq!(
        h.frames(3),
        ["ConnectionClearedEvent xref=4 call=40:1", "RouteEnd 5"]
    );
}

#[test]
fn a_failed_route_point_offers_nothing_until_it_recovers() {
    let mut h = Harness::new(1);
    h.routeing();
    h.xsi_event(
        "rp-sub",
        "6000",
        "RoutePointFailedEvent",
        "<xsi:stateChangeReason>FailureDetected</xsi:stateChangeReason>",
    );
    assert_eq!(h.frames(1), ["OutOfServiceEvent xref=1 call=-"]);
    // A call arriving while it is failed is reported, not offered.
    h.rp_event("RoutePointCallAddedEvent", 40);
    assert_eq!(h.frames(1), ["DeliveredEvent xref=1 call=40:1"]);
    // Recovered: the waiting call is offered, and so is the next one.
    h.xsi_event("rp-sub", "6000", "RoutePointRecoveredEvent", "");
    assert_eq!(
        h.frames(1),
        [
            "BackInServiceEvent xref=1 call=-",
            "RouteRequest 1 rr1 call=40:1 from=2005"
        ]
    );
    h.rp_event("RoutePointCallAddedEvent", 41);
    assert_eq!(
        h.frames(1),
        [
            "DeliveredEvent xref=1 call=41:1",
            "RouteRequest 2 rr1 call=41:1 from=2005"
        ]
    );
    // A call admission control refused: failed at the route point, never
    // offered.
    h.xsi_event(
        "rp-sub",
        "6000",
        "RoutePointCallRejectedEvent",
        "<xsi:callId>rp-42</xsi:callId><xsi:extTrackingId>42:1</xsi:extTrackingId>\
         <xsi:routePointName>Routing</xsi:routePointName><xsi:routePointNumber>6000</xsi:routePointNumber>\
         <xsi:remoteParty><xsi:address>tel:2005</xsi:address></xsi:remoteParty>\
         <xsi:rejectReason>CallAdmissionTimeout</xsi:rejectReason>",
    );
    assert_eq!(h.frames(1), ["FailedEvent xref=1 call=42:1"]);
    assert_eq!(h.frames(2), NONE);
}
