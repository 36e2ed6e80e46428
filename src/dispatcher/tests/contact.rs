//! Route points (registrations, RouteRequest, RouteSelect, RouteEnd both
//! ways, treatments), agents (SetAgentState, GetAgentState, agent events)
//! and call centres (queue events, snapshot) in the dispatcher.

use super::*;
use crate::xsi::actions::{ActionFailure, ErrorInfo, Returned};

pub(super) const R: &str = "/com.broadsoft.xsi-actions/v2.0/routepoint/6000@example.net";
const NONE: [&str; 0] = [];

/// A Route Point Queue event about call `<n>:1` (the route point's leg
/// `rp-<n>`) from 2005.
pub(super) fn rp_call(n: u32, extras: &str) -> String {
    format!(
        "<xsi:queueEntry><xsi:callId>rp-{n}</xsi:callId><xsi:extTrackingId>{n}:1</xsi:extTrackingId>\
         <xsi:remoteParty><xsi:address>tel:2005</xsi:address></xsi:remoteParty>\
         <xsi:routePointName>Routing</xsi:routePointName><xsi:routePointNumber>6000</xsi:routePointNumber>\
         </xsi:queueEntry>{extras}"
    )
}

/// A transfer (or bounce) of the call elsewhere, to 2009.
pub(super) const REDIRECT: &str =
    "<xsi:redirect><xsi:address>tel:2009</xsi:address><xsi:reason>call-center</xsi:reason>\
     <xsi:redirectTime>1700000004000</xsi:redirectTime></xsi:redirect>";

/// What an event of type `data_type` of the Route Point Queue package
/// must carry beside its queue entry.
fn rp_required(data_type: &str) -> &'static str {
    match data_type {
        "RoutePointCallReleasedEvent" => {
            "<xsi:releaseReason>CallReleaseRequested</xsi:releaseReason>"
        }
        "RoutePointCallFailedEvent" => {
            "<xsi:failureReason>CallFailureDueToInactivity</xsi:failureReason>"
        }
        "RoutePointCallTransferredEvent" => REDIRECT,
        _ => "",
    }
}

/// A Call Center Queue entry of call `<n>:1` (the queue's leg `cc-<n>`)
/// from 2005.
pub(super) fn cc_entry(n: u32) -> String {
    format!(
        "<xsi:queueEntry><xsi:callId>cc-{n}</xsi:callId><xsi:extTrackingId>{n}:1</xsi:extTrackingId>\
         <xsi:remoteParty><xsi:address>tel:2005</xsi:address></xsi:remoteParty>\
         <xsi:addTime>1700000000000</xsi:addTime>\
         <xsi:acdName>Support</xsi:acdName><xsi:acdNumber>5000</xsi:acdNumber></xsi:queueEntry>"
    )
}

/// `ACDCallAddedEvent` of call `<n>:1` at queue position `position`.
pub(super) fn cc_added(n: u32, position: u32) -> String {
    format!("{}<xsi:position>{position}</xsi:position>", cc_entry(n))
}

impl Harness {
    /// A Route Point Queue event of type `data_type` about call `<n>:1`.
    pub(super) fn rp_event(&mut self, data_type: &str, n: u32) {
        let data = rp_call(n, rp_required(data_type));
        self.xsi_event("rp-sub", "6000", data_type, &data);
    }

    /// Client 1 monitors queue `device` (its `package` subscription is
    /// `sub`), client 2 only 2001.
    pub(super) fn queue_and_bystander(&mut self, device: &str, package: &str, sub: &str) {
        self.up(0);
        self.connect(1);
        self.connect(2);
        self.monitor_start(1, 1, device);
        assert_eq!(
            self.jobs(),
            [format!("create {device}@example.net {package}")]
        );
        self.created_package(device, package, sub);
        self.monitor_start(2, 1, "2001");
        self.created("2001", "sub-2001");
        self.jobs();
    }

    /// Client 1 monitors route point 6000 (subscription `rp-sub`) and
    /// registers for it; client 2 only monitors 2001.
    pub(super) fn routeing(&mut self) {
        self.queue_and_bystander("6000", "Route Point Queue", "rp-sub");
        self.request(
            1,
            2,
            "RouteRegister",
            "<routeingDevice>6000</routeingDevice>",
        );
        assert_eq!(
            self.frames(1),
            [
                "#0001 MonitorStartResponse 1",
                "SystemStatus normal",
                "#0002 RouteRegisterResponse rr1"
            ]
        );
        self.frames(2);
    }

    pub(super) fn route_select(&mut self, invoke: u16, cross_ref: &str, to: &str) {
        let body = format!(
            "<crossRefIdentifier>{cross_ref}</crossRefIdentifier><routeSelected>{to}</routeSelected>"
        );
        self.request(1, invoke, "RouteSelect", &body);
    }
}

#[test]
fn a_call_at_a_registered_route_point_is_routed_by_its_session() {
    let mut h = Harness::new(1);
    h.routeing();

    // A call arrives: the monitor's event, then the RouteRequest.
    h.rp_event("RoutePointCallAddedEvent", 40);
    assert_eq!(
        h.frames(1),
        [
            "DeliveredEvent xref=1 call=40:1",
            "RouteRequest 1 rr1 call=40:1 from=2005"
        ]
    );
    h.route_select(3, "1", "2002");
    let jobs = h.actions();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].1,
        [format!("PUT {R}/calls/rp-40/BlindTransfer?address=2002")]
    );
    h.result(jobs[0].0, Ok(Returned::Nothing));
    assert_eq!(h.frames(1), NONE, "RouteSelect is not answered");
    // The call leaves the route point: the dialogue ends.
    h.rp_event("RoutePointCallTransferredEvent", 40);
    assert_eq!(
        h.frames(1),
        ["DivertedEvent xref=1 call=40:1", "RouteEnd 1"]
    );
    h.route_select(4, "1", "2003");
    assert_eq!(
        h.frames(1),
        ["#0004 CSTAErrorCode operation/invalidRouteingCrossRefID"]
    );

    // A transfer BroadWorks refuses: RouteEnd with the error, at once.
    h.rp_event("RoutePointCallAddedEvent", 41);
    assert_eq!(h.frames(1).len(), 2);
    h.route_select(5, "2", "2999");
    let jobs = h.actions();
    let refused = ActionFailure::Rejected {
        request: jobs[0].1[0].clone(),
        status: 400,
        on_call: true,
        error: ErrorInfo::default(),
    };
    h.result(jobs[0].0, Err(refused));
    assert_eq!(
        h.frames(1),
        ["RouteEnd 2 stateIncompatibility/invalidObjectState"]
    );
    h.rp_event("RoutePointCallAbandonedEvent", 41);
    assert_eq!(h.frames(1), ["ConnectionClearedEvent xref=1 call=41:1"]);

    // Treatments on a routed call; then the client ends the dialogue.
    h.rp_event("RoutePointCallAddedEvent", 42);
    assert_eq!(h.frames(1)[1], "RouteRequest 3 rr1 call=42:1 from=2005");
    let play = |message: &str| {
        format!(
            "<messageToBePlayed>{message}</messageToBePlayed>\
             <overConnection><callID>42:1</callID><deviceID>6000</deviceID></overConnection>"
        )
    };
    h.request(1, 6, "PlayMessage", &play("1"));
    let jobs = h.actions();
    assert_eq!(jobs[0].1, [format!("PUT {R}/calls/rp-42/PlayMusicOnHold")]);
    h.result(jobs[0].0, Ok(Returned::Nothing));
    assert_eq!(h.frames(1), ["#0006 PlayMessageResponse"]);
    h.request(1, 7, "PlayMessage", &play("9"));
    assert_eq!(h.frames(1), ["#0007 CSTAErrorCode operation/invalidMsgID"]);
    h.request(2, 2, "PlayMessage", &play("1"));
    assert_eq!(
        h.frames(2),
        ["#0002 CSTAErrorCode operation/invalidConnectionID"],
        "client 2 neither monitors nor routes 6000"
    );
    h.xsi_event(
        "rp-sub",
        "6000",
        "RoutePointMOHCompletedEvent",
        &rp_call(
            42,
            "<xsi:playCollectResult><xsi:playCollectId>1</xsi:playCollectId>\
             <xsi:completionReason>Timeout</xsi:completionReason></xsi:playCollectResult>",
        ),
    );
    assert_eq!(h.frames(1), ["StopEvent xref=1 call=42:1"]);
    h.request(
        1,
        8,
        "RouteEnd",
        "<crossRefIdentifier>3</crossRefIdentifier>",
    );
    let jobs = h.actions();
    assert_eq!(jobs[0].1, [format!("PUT {R}/calls/rp-42/Fail")]);
    h.result(jobs[0].0, Ok(Returned::Nothing));
    h.rp_event("RoutePointCallFailedEvent", 42);
    assert_eq!(
        h.frames(1),
        ["ConnectionClearedEvent xref=1 call=42:1"],
        "no RouteEnd back: the client ended it"
    );
    assert_eq!(h.st.routing.dialogues(), 0);
    // Nothing of the route point reached the session that does not
    // monitor it.
    assert_eq!(h.frames(2), NONE);
}

#[test]
fn registrations_end_with_their_cancel_or_their_session() {
    let mut h = Harness::new(1);
    h.routeing();
    h.request(
        2,
        2,
        "RouteRegister",
        "<routeingDevice>2001</routeingDevice>",
    );
    assert_eq!(
        h.frames(2),
        ["#0002 CSTAErrorCode operation/invalidDeviceID"]
    );
    // Client 2 registers for every route point: the specific registration
    // of client 1 wins while it lasts.
    h.request(2, 3, "RouteRegister", "");
    assert_eq!(h.frames(2), ["#0003 RouteRegisterResponse rr2"]);
    h.rp_event("RoutePointCallAddedEvent", 50);
    assert_eq!(h.frames(1)[1], "RouteRequest 1 rr1 call=50:1 from=2005");
    assert_eq!(h.frames(2), NONE);
    h.request(
        1,
        3,
        "RouteRegisterCancel",
        "<routeRegisterReqID>rr2</routeRegisterReqID>",
    );
    assert_eq!(
        h.frames(1),
        ["#0003 CSTAErrorCode operation/invalidRouteRegistrationCrossRefID"],
        "not its registration"
    );
    h.request(
        1,
        4,
        "RouteRegisterCancel",
        "<routeRegisterReqID>rr1</routeRegisterReqID>",
    );
    assert_eq!(h.frames(1), ["#0004 RouteRegisterCancelResponse"]);
    // Its dialogue ended with it; the waiting call goes to the other
    // registration.
    assert_eq!(h.frames(2), ["RouteRequest 2 rr2 call=50:1 from=2005"]);
    assert_eq!(h.st.routing.dialogues(), 1);
    h.rp_event("RoutePointCallAddedEvent", 51);
    assert_eq!(h.frames(1), ["DeliveredEvent xref=1 call=51:1"]);
    assert_eq!(h.frames(2), ["RouteRequest 3 rr2 call=51:1 from=2005"]);
    // Client 2 goes: its dialogue and registration with it; calls are
    // reported to the monitors only.
    h.closed(2, "bye");
    assert_eq!(h.st.routing.dialogues(), 0);
    h.rp_event("RoutePointCallAddedEvent", 52);
    assert_eq!(h.frames(1), ["DeliveredEvent xref=1 call=52:1"]);
}

#[test]
fn agent_state_both_ways() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.monitor_start(1, 1, "3001");
    h.monitor_start(1, 2, "2001");
    h.created("3001", "calls-3001");
    h.created_package("3001", "Call Center Agent", "agent-3001");
    h.created("2001", "sub-2001");
    h.jobs();
    h.frames(1);
    // BroadWorks → client.
    let state = |s: &str| {
        format!(
            "<xsi:agentStateInfo><xsi:state>{s}</xsi:state><xsi:stateTimestamp>\
             <xsi:value>1700000000000</xsi:value></xsi:stateTimestamp></xsi:agentStateInfo>"
        )
    };
    h.xsi_event("agent-3001", "3001", "AgentStateEvent", &state("Available"));
    h.xsi_event("agent-3001", "3001", "AgentStateEvent", &state("Sign-Out"));
    assert_eq!(
        h.frames(1),
        [
            "AgentReadyEvent xref=1 call=-",
            "AgentLoggedOffEvent xref=1 call=-"
        ]
    );
    // Client → BroadWorks.
    h.request(
        1,
        3,
        "SetAgentState",
        "<device>3001</device><requestedAgentState>notReady</requestedAgentState>",
    );
    let jobs = h.actions();
    assert_eq!(
        jobs[0].1,
        ["PUT /com.broadsoft.xsi-actions/v2.0/user/3001@example.net/services/CallCenter"]
    );
    h.result(jobs[0].0, Ok(Returned::Nothing));
    assert_eq!(h.frames(1), ["#0003 SetAgentStateResponse"]);
    h.request(1, 4, "GetAgentState", "<device>3001</device>");
    let jobs = h.actions();
    assert_eq!(
        jobs[0].1,
        ["GET /com.broadsoft.xsi-actions/v2.0/user/3001@example.net/services/CallCenter"]
    );
    h.result(
        jobs[0].0,
        Ok(Returned::AgentState(Some("Unavailable".into()))),
    );
    assert_eq!(
        h.frames(1),
        ["#0004 GetAgentStateResponse on agentNotReady"]
    );
    // Only for agents this session monitors.
    h.request(1, 5, "GetAgentState", "<device>2001</device>");
    h.request(1, 6, "GetAgentState", "<device>3002</device>");
    assert_eq!(
        h.frames(1),
        [
            "#0005 CSTAErrorCode operation/invalidDeviceID",
            "#0006 CSTAErrorCode operation/invalidDeviceID"
        ]
    );
    assert_eq!(h.actions(), []);
}

#[test]
fn a_call_centre_queue_and_its_snapshot() {
    let mut h = Harness::new(1);
    h.queue_and_bystander("5000", "Call Center Queue", "cc-sub");
    h.frames(1);
    h.frames(2);
    let entry = cc_entry;
    h.xsi_event("cc-sub", "5000", "ACDCallAddedEvent", &cc_added(60, 1));
    h.xsi_event("cc-sub", "5000", "ACDCallAddedEvent", &cc_added(61, 2));
    h.xsi_event("cc-sub", "5000", "ACDCallOfferedToAgentEvent", &entry(60));
    assert_eq!(
        h.frames(1),
        [
            "QueuedEvent xref=1 call=60:1",
            "QueuedEvent xref=1 call=61:1",
            "DeliveredEvent xref=1 call=60:1"
        ]
    );
    assert_eq!(h.frames(2), NONE, "a session monitoring none of it");
    // SnapshotDevice refreshes the queue subscription; BroadWorks answers
    // with ACDSubscriptionEvent, which the answer is built from.
    h.request(
        1,
        2,
        "SnapshotDevice",
        "<snapshotObject>5000</snapshotObject>",
    );
    assert_eq!(h.jobs(), ["refresh 5000@example.net cc-sub"]);
    let snapshot = format!("<xsi:queueEntries>{}</xsi:queueEntries>", entry(61));
    h.xsi_event("cc-sub", "5000", "ACDSubscriptionEvent", &snapshot);
    assert_eq!(
        h.frames(1),
        [
            "#0002 SnapshotDeviceResponse 61:1/5000/queued",
            "ConnectionClearedEvent xref=1 call=60:1"
        ]
    );
}

#[test]
fn dialogues_end_when_their_call_can_no_longer_be_followed() {
    let mut h = Harness::new(1);
    h.routeing();
    h.rp_event("RoutePointCallAddedEvent", 70);
    h.rp_event("RoutePointCallAddedEvent", 71);
    assert_eq!(h.frames(1).len(), 4);
    assert_eq!(h.st.routing.dialogues(), 2);
    // A snapshot (after a missed event) lists only call 71: 70's dialogue ends.
    let entries = format!("<xsi:queueEntries>{}</xsi:queueEntries>", rp_call(71, ""));
    h.xsi_event("rp-sub", "6000", "RoutePointSubscriptionEvent", &entries);
    assert_eq!(
        h.frames(1),
        ["ConnectionClearedEvent xref=1 call=70:1", "RouteEnd 1"]
    );
    // The route point's last monitor stops: nothing of it can be seen any
    // more, so 71's dialogue ends too.
    h.monitor_stop(1, 3, "1");
    assert_eq!(h.frames(1), ["RouteEnd 2", "#0003 MonitorStopResponse"]);
    assert_eq!(h.st.routing.dialogues(), 0);
    // A session may hold 64 registrations.
    for invoke in 0..64 {
        h.request(2, 10 + invoke, "RouteRegister", "");
    }
    assert_eq!(h.frames(2).len(), 64);
    h.request(2, 99, "RouteRegister", "");
    assert_eq!(
        h.frames(2),
        ["#0099 CSTAErrorCode systemResourceAvailibility/registrationLimitExceeded"]
    );
}
