//! The contact-centre mapping table (README, Contact centre): one row per Xsi event type of the Call Center Queue, Route Point
//! Queue and Call Center Agent packages, with the CSTA events it must
//! produce on the queue's (or the agent's) device. Every row runs, and
//! every queue event type has a row.

use super::*;
use crate::xsi::parse::QueueEventKind;

/// A queue event: the queue's leg `callhalf-q:0` of call `40:1` from 2005,
/// with `extras` beside the entry.
fn q(ty: &'static str, extras: &str) -> Data {
    q_call(ty, "40:1", extras)
}

fn q_call(ty: &'static str, ext: &str, extras: &str) -> Data {
    raw(ty, &format!("{}{extras}", entry(ty, ext)))
}

/// The `queueEntry` of call `ext` in an event of type `ty`: a route
/// point's entry names the route point, a call centre's its queue.
fn entry(ty: &str, ext: &str) -> String {
    let queue = if ty.starts_with("RoutePoint") {
        "<xsi:routePointName>Route</xsi:routePointName><xsi:routePointNumber>6000</xsi:routePointNumber>"
    } else {
        "<xsi:acdName>Sales</xsi:acdName><xsi:acdNumber>5000</xsi:acdNumber>"
    };
    format!(
        "<xsi:queueEntry><xsi:callId>callhalf-q:0</xsi:callId><xsi:extTrackingId>{ext}</xsi:extTrackingId>\
         <xsi:remoteParty><xsi:name>Caller</xsi:name><xsi:address countryCode=\"1\">tel:2005</xsi:address>\
         <xsi:callType>Group</xsi:callType></xsi:remoteParty><xsi:addTime>1700000000000</xsi:addTime>\
         {queue}</xsi:queueEntry>"
    )
}

/// The fields of call `40:1` from 2005 flat in a call centre's `eventData`
/// (the forwarding and policy events), then `extras`.
fn acd_flat(extras: &str) -> String {
    format!(
        "<xsi:callId>callhalf-q:0</xsi:callId><xsi:extTrackingId>40:1</xsi:extTrackingId>\
         <xsi:acdName>Sales</xsi:acdName><xsi:acdNumber>5000</xsi:acdNumber>\
         <xsi:remoteParty><xsi:address>tel:2005</xsi:address></xsi:remoteParty>{extras}"
    )
}

/// The fields of call `40:1` from 2005 flat in a route point's `eventData`
/// (the forwarding, policy and admission events), then `extras`.
fn rp_flat(extras: &str) -> String {
    format!(
        "<xsi:callId>callhalf-q:0</xsi:callId><xsi:extTrackingId>40:1</xsi:extTrackingId>\
         <xsi:routePointName>Route</xsi:routePointName><xsi:routePointNumber>6000</xsi:routePointNumber>\
         <xsi:remoteParty><xsi:address>tel:2005</xsi:address></xsi:remoteParty>{extras}"
    )
}

const ANSWERED_BY: &str = "<xsi:answeringUserId>2002@example.com</xsi:answeringUserId>";
const REDIRECT: &str =
    "<xsi:redirect><xsi:address>tel:2009</xsi:address><xsi:reason>call-center</xsi:reason>\
    <xsi:redirectTime>1700000004000</xsi:redirectTime></xsi:redirect>";

fn added() -> Vec<Data> {
    vec![q("ACDCallAddedEvent", "<xsi:position>1</xsi:position>")]
}

fn arrived() -> Vec<Data> {
    vec![q("RoutePointCallAddedEvent", "")]
}

fn answered_by_agent(ty: &'static str) -> Data {
    let inner = q(ty, "").inner_with_entry(ANSWERED_BY);
    raw(ty, &inner)
}

fn completed(ty: &'static str, reason: &str) -> Data {
    q(
        ty,
        &format!(
            "<xsi:playCollectResult><xsi:playCollectId>1</xsi:playCollectId>\
             <xsi:completionReason>{reason}</xsi:completionReason></xsi:playCollectResult>"
        ),
    )
}

fn agent(state: &str) -> Data {
    raw(
        "AgentStateEvent",
        &format!(
            "<xsi:agentStateInfo><xsi:state>{state}</xsi:state>\
             <xsi:stateTimestamp><xsi:value>1700000000000</xsi:value></xsi:stateTimestamp></xsi:agentStateInfo>"
        ),
    )
}

fn join(joined: bool) -> Data {
    let flag = if joined { "<xsi:joined/>" } else { "" };
    raw(
        "ACDAgentJoinUpdateEvent",
        &format!(
            "<xsi:ccAgentJoinUpdateData><xsi:joinInfo><xsi:acdUserId>5000@example.com</xsi:acdUserId>\
             {flag}</xsi:joinInfo></xsi:ccAgentJoinUpdateData>"
        ),
    )
}

struct Row {
    name: &'static str,
    setup: Vec<Data>,
    event: Data,
    want: Vec<Want>,
}

fn row(name: &'static str, setup: Vec<Data>, event: Data, want: Vec<Want>) -> Row {
    Row {
        name,
        setup,
        event,
        want,
    }
}

const CALLER: Option<&str> = Some("2005");

/// The queue's connection in call 40:1.
fn on(name: &'static str, el: &'static str) -> Want {
    want(name, el, "40:1", ME)
}

fn cleared(cause: &'static str, releasing: Option<&'static str>) -> Vec<Want> {
    vec![on("ConnectionClearedEvent", "droppedConnection")
        .dev("releasingDevice", releasing)
        .state("null", cause)]
}

fn diverted(to: Option<&'static str>, cause: &'static str) -> Vec<Want> {
    vec![on("DivertedEvent", "connection")
        .dev("divertingDevice", ME)
        .dev("newDestination", to)
        .dev("callingDevice", CALLER)
        .dev("calledDevice", ME)
        .dev("lastRedirectionDevice", None)
        .state("null", cause)]
}

fn delivered(
    alerting: Option<&'static str>,
    local: &'static str,
    cause: &'static str,
) -> Vec<Want> {
    vec![on("DeliveredEvent", "connection")
        .dev("alertingDevice", alerting)
        .dev("callingDevice", CALLER)
        .dev("calledDevice", ME)
        .dev("lastRedirectionDevice", None)
        .state(local, cause)]
}

fn agent_event(name: &'static str) -> Want {
    want(name, "", "", None).dev("agentDevice", ME)
}

fn play(message: &'static str) -> Vec<Want> {
    vec![on("PlayEvent", "connection").has(message)]
}

fn stop(message: &'static str, cause: &'static str) -> Vec<Want> {
    vec![on("StopEvent", "connection").has(message).cause(cause)]
}

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let nr = None;
    vec![
        // --- call centre (ACD device) ---
        row("ACDCallAdded → Queued", vec![],
            q("ACDCallAddedEvent", "<xsi:position>3</xsi:position>"),
            vec![on("QueuedEvent", "queuedConnection")
                .dev("queue", ME).dev("callingDevice", CALLER).dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .state("queued", "enteringDistribution")
                .has("<numberQueued>3</numberQueued>")]),
        row("ACDCallOfferedToAgent → Delivered", added(),
            q("ACDCallOfferedToAgentEvent", ""), delivered(nr, "queued", "distributed")),
        row("ACDCallAnsweredByAgent → Diverted to the agent", added(),
            answered_by_agent("ACDCallAnsweredByAgentEvent"), diverted(Some("2002"), "distributed")),
        row("ACDCallAbandoned → ConnectionCleared by the caller", added(),
            q("ACDCallAbandonedEvent", ""), cleared("callCancelled", CALLER)),
        row("ACDCallReleased → ConnectionCleared", added(),
            q("ACDCallReleasedEvent", ""), cleared("normalClearing", nr)),
        row("ACDCallEscaped → ConnectionCleared", added(),
            q("ACDCallEscapedEvent", ""), cleared("normalClearing", nr)),
        row("ACDCallStranded → ConnectionCleared", added(),
            q("ACDCallStrandedEvent", ""), cleared("noAvailableAgents", nr)),
        row("ACDCallStrandedUnavailable → ConnectionCleared", added(),
            q("ACDCallStrandedUnavailableEvent", "<xsi:treatmentStarted/>"), cleared("noAvailableAgents", nr)),
        row("ACDWhisperStarted → CallInformation", added(),
            q("ACDWhisperStartedEvent", ""),
            vec![on("CallInformationEvent", "connection").dev("device", ME).dev("callingDevice", CALLER)]),
        row("ACDCallOverflowed → Diverted", added(),
            q("ACDCallOverflowedEvent", &format!("<xsi:overflowReason>time</xsi:overflowReason>{REDIRECT}")),
            diverted(Some("2009"), "overflow")),
        row("ACDCallForwarded (flat) → Diverted", added(),
            raw("ACDCallForwardedEvent", &acd_flat(REDIRECT)), diverted(Some("2009"), "callForward")),
        row("ACDCallTransferred → Diverted", added(),
            q("ACDCallTransferredEvent", REDIRECT), diverted(Some("2009"), "singleStepTransfer")),
        row("ACDNightPolicyApplied (flat) → Diverted", added(),
            raw("ACDNightPolicyAppliedEvent", &acd_flat(REDIRECT)), diverted(Some("2009"), "callForward")),
        row("ACDHolidayPolicyApplied (flat, no redirect) → Diverted", added(),
            raw("ACDHolidayPolicyAppliedEvent", &acd_flat("<xsi:treatmentStarted/>")), diverted(nr, "callForward")),
        row("ACDCallBounced → Delivered", added(),
            q("ACDCallBouncedEvent", "<xsi:position>1</xsi:position>"), delivered(nr, "queued", "callNotAnswered")),
        row("ACDCallBounced with redirect → Diverted", added(),
            q("ACDCallBouncedEvent", REDIRECT), diverted(Some("2009"), "callNotAnswered")),
        row("ACDCallPromoted → CallInformation", added(),
            q("ACDCallPromotedEvent", "<xsi:position>1</xsi:position>"),
            vec![on("CallInformationEvent", "connection").dev("device", ME).dev("callingDevice", CALLER)]),
        row("ACDCallReordered → CallInformation", added(),
            q("ACDCallReorderedEvent", "<xsi:position>2</xsi:position>"),
            vec![on("CallInformationEvent", "connection").dev("device", ME).dev("callingDevice", CALLER)]),
        row("ACDCallUpdated (new tracking id) → Transfered", added(),
            q_call("ACDCallUpdatedEvent", "41:1", "<xsi:reason>Call Transferred</xsi:reason>"),
            vec![want("TransferedEvent", "primaryOldCall", "40:1", ME)
                .dev("transferringDevice", nr).dev("transferredToDevice", ME)
                .item(("41:1", ME), Some(("40:1", ME)))
                .item(("41:1", CALLER), None)
                .state("queued", "transfer")]),
        // --- route point (routeing device) ---
        row("RoutePointCallAdded → Delivered", vec![],
            q("RoutePointCallAddedEvent", ""), delivered(ME, "alerting", "newCall")),
        row("RoutePointCallOfferedToAgent → Delivered", arrived(),
            q("RoutePointCallOfferedToAgentEvent", ""), delivered(nr, "alerting", "distributed")),
        row("RoutePointCallAnsweredByAgent → Diverted", arrived(),
            answered_by_agent("RoutePointCallAnsweredByAgentEvent"), diverted(Some("2002"), "distributed")),
        row("RoutePointCallAbandoned → ConnectionCleared", arrived(),
            q("RoutePointCallAbandonedEvent", ""), cleared("callCancelled", CALLER)),
        row("RoutePointCallReleased → ConnectionCleared", arrived(),
            q("RoutePointCallReleasedEvent", "<xsi:releaseReason>CallReleaseRequested</xsi:releaseReason>"),
            cleared("normalClearing", nr)),
        row("RoutePointCallFailed → ConnectionCleared", arrived(),
            q("RoutePointCallFailedEvent", "<xsi:failureReason>CallFailureRequested</xsi:failureReason>"),
            cleared("destNotObtainable", nr)),
        row("RoutePointCallTransferred → Diverted", arrived(),
            q("RoutePointCallTransferredEvent", REDIRECT), diverted(Some("2009"), "singleStepTransfer")),
        row("RoutePointCallForwarded (flat) → Diverted", arrived(),
            raw("RoutePointCallForwardedEvent", &rp_flat(REDIRECT)), diverted(Some("2009"), "callForward")),
        row("RoutePointCallOverflowed → Diverted", arrived(),
            q("RoutePointCallOverflowedEvent", REDIRECT), diverted(Some("2009"), "overflow")),
        row("RoutePointCallBounced → Delivered", arrived(),
            q("RoutePointCallBouncedEvent", ""), delivered(nr, "alerting", "callNotAnswered")),
        row("RoutePointCallUpdated → Transfered", arrived(),
            q_call("RoutePointCallUpdatedEvent", "41:1", ""),
            vec![want("TransferedEvent", "primaryOldCall", "40:1", ME)
                .dev("transferringDevice", nr).dev("transferredToDevice", ME)
                .item(("41:1", ME), Some(("40:1", ME)))
                .item(("41:1", CALLER), None)
                .state("alerting", "transfer")]),
        row("RoutePointWhisperStarted → CallInformation", arrived(),
            q("RoutePointWhisperStartedEvent", ""),
            vec![on("CallInformationEvent", "connection").dev("device", ME).dev("callingDevice", CALLER)]),
        row("RoutePointNightPolicyApplied (flat) → Diverted", arrived(),
            raw("RoutePointNightPolicyAppliedEvent", &rp_flat(REDIRECT)), diverted(Some("2009"), "callForward")),
        row("RoutePointHolidayPolicyApplied (flat) → Diverted", arrived(),
            raw("RoutePointHolidayPolicyAppliedEvent", &rp_flat("")), diverted(nr, "callForward")),
        row("RoutePointCallRejected (flat, never queued) → Failed", vec![],
            raw("RoutePointCallRejectedEvent", &rp_flat("<xsi:rejectReason>CallRejectRequested</xsi:rejectReason>")),
            vec![on("FailedEvent", "failedConnection")
                .dev("failingDevice", ME).dev("callingDevice", CALLER).dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .state("fail", "blocked")]),
        // --- the route point itself ---
        row("RoutePointFailed → OutOfService", arrived(),
            raw("RoutePointFailedEvent", "<xsi:stateChangeReason>FailureDetected</xsi:stateChangeReason>"),
            vec![want("OutOfServiceEvent", "", "", None).dev("device", ME)]),
        row("RoutePointRecovered → BackInService", arrived(),
            raw("RoutePointRecoveredEvent", ""),
            vec![want("BackInServiceEvent", "", "", None).dev("device", ME)]),
        // --- treatments: message 0–4, completion → cause (README, Contact centre) ---
        row("RoutePointBusyStarted → Play 0", arrived(), q("RoutePointBusyStartedEvent", ""), play("<message>0</message>")),
        row("RoutePointMOHStarted → Play 1", arrived(), q("RoutePointMOHStartedEvent", ""), play("<message>1</message>")),
        row("RoutePointRingbackStarted → Play 2", arrived(), q("RoutePointRingbackStartedEvent", ""), play("<message>2</message>")),
        row("RoutePointSilenceStarted → Play 3", arrived(), q("RoutePointSilenceStartedEvent", ""), play("<message>3</message>")),
        row("RoutePointTreatmentStarted → Play 4", arrived(), q("RoutePointTreatmentStartedEvent", ""), play("<message>4</message>")),
        row("RoutePointBusyCompleted NoMatch → Stop 0", arrived(),
            completed("RoutePointBusyCompletedEvent", "NoMatch"), stop("<message>0</message>", "invalidNumberFormat")),
        row("RoutePointMOHCompleted Timeout → Stop 1", arrived(),
            completed("RoutePointMOHCompletedEvent", "Timeout"), stop("<message>1</message>", "timeout")),
        row("RoutePointRingbackCompleted EOF → Stop 2", arrived(),
            completed("RoutePointRingbackCompletedEvent", "EOF"), stop("<message>2</message>", "terminationCharacterReceived")),
        row("RoutePointSilenceCompleted Stopped-OutOfQueue → Stop 3", arrived(),
            completed("RoutePointSilenceCompletedEvent", "Stopped-OutOfQueue"), stop("<message>3</message>", "switchingFunctionTerminated")),
        row("RoutePointTreatmentCompleted Stopped-NewPlayCollect → Stop 4", arrived(),
            completed("RoutePointTreatmentCompletedEvent", "Stopped-NewPlayCollect"), stop("<message>4</message>", "nextMessage")),
        row("RoutePointMOHCompleted Stopped-OfferedWithRingback → Stop 1", arrived(),
            completed("RoutePointMOHCompletedEvent", "Stopped-OfferedWithRingback"), stop("<message>1</message>", "distributed")),
        row("RoutePointTreatmentCompleted Error → Stop 4", arrived(),
            completed("RoutePointTreatmentCompletedEvent", "Error"), stop("<message>4</message>", "reserved")),
        row("RoutePointTreatmentCompleted Match → Stop 4 normal", arrived(),
            completed("RoutePointTreatmentCompletedEvent", "Match"), stop("<message>4</message>", "normal")),
        // --- snapshots ---
        row("ACDSubscriptionEvent listing the call → nothing", added(),
            raw("ACDSubscriptionEvent", &format!("<xsi:queueEntries>{}</xsi:queueEntries>", entry("ACD", "40:1"))),
            vec![]),
        row("ACDSubscriptionEvent without the call → ConnectionCleared", added(),
            raw("ACDSubscriptionEvent", ""), cleared("switchingFunctionTerminated", nr)),
        row("RoutePointSubscriptionEvent of an empty queue → ConnectionCleared", arrived(),
            raw("RoutePointSubscriptionEvent", ""), cleared("switchingFunctionTerminated", nr)),
        // --- agents ---
        row("AgentState Sign-In → AgentLoggedOn", vec![], agent("Sign-In"), vec![agent_event("AgentLoggedOnEvent")]),
        row("AgentState Available → AgentReady", vec![], agent("Available"), vec![agent_event("AgentReadyEvent")]),
        row("AgentState Unavailable → AgentNotReady", vec![], agent("Unavailable"), vec![agent_event("AgentNotReadyEvent")]),
        row("AgentState Wrap-Up → AgentWorkingAfterCall", vec![], agent("Wrap-Up"), vec![agent_event("AgentWorkingAfterCallEvent")]),
        row("AgentState Sign-Out → AgentLoggedOff", vec![], agent("Sign-Out"), vec![agent_event("AgentLoggedOffEvent")]),
        row("AgentState of an unknown state → nothing", vec![],
            agent("On-Break").off_schema("a state a newer BroadWorks may add"), vec![]),
        row("AgentSubscriptionEvent → nothing (no change)", vec![],
            raw("AgentSubscriptionEvent", "<xsi:joinData/><xsi:stateInfo><xsi:state>Available</xsi:state>\
                <xsi:stateTimestamp><xsi:value>1700000000000</xsi:value></xsi:stateTimestamp></xsi:stateInfo>"), vec![]),
        row("ACDAgentJoinUpdate joined → AgentLoggedOn with acdGroup", vec![], join(true),
            vec![agent_event("AgentLoggedOnEvent").has("<acdGroup>5000</acdGroup>")]),
        row("ACDAgentJoinUpdate left → AgentLoggedOff with acdGroup", vec![], join(false),
            vec![agent_event("AgentLoggedOffEvent").has("<acdGroup>5000</acdGroup>")]),
    ]
}

impl Data {
    /// The content with `more` added at the end of its `queueEntry`.
    fn inner_with_entry(&self, more: &str) -> String {
        self.inner
            .replacen("</xsi:queueEntry>", &format!("{more}</xsi:queueEntry>"), 1)
    }
}

#[test]
fn every_row_of_the_contact_centre_table() {
    for r in rows() {
        let mut h = Harness::new();
        for data in &r.setup {
            for xml in h.feed(data) {
                if let Err(e) = schema_check(&xml) {
                    panic!("{}: setup {}: schema: {e}\n{xml}", r.name, data.ty);
                }
            }
        }
        let out = h.feed(&r.event);
        assert_eq!(
            out.len(),
            r.want.len(),
            "{}: number of CSTA events\n{}",
            r.name,
            out.join("\n")
        );
        for (xml, w) in out.iter().zip(&r.want) {
            check(r.name, xml, w);
        }
        // The ed6 structure accepts them too.
        for xml in &out {
            let ed6 = xml.replace("/ed3", "/ed6");
            if let Err(e) =
                crate::csta::schema_check::load(crate::csta::schema_check::ED6).check(&ed6)
            {
                panic!("{}: ed6 schema: {e}\n{ed6}", r.name);
            }
        }
    }
}

#[test]
fn every_queue_event_type_has_a_row() {
    let covered: Vec<&str> = rows().iter().map(|r| r.event.ty).collect();
    for kind in QueueEventKind::ALL {
        assert!(
            covered.contains(&kind.type_name()),
            "no row for {}",
            kind.type_name()
        );
    }
}

#[test]
fn the_queue_model_follows_the_calls_and_answers_snapshots() {
    let mut h = Harness::new();
    h.feed(&q("ACDCallAddedEvent", "<xsi:position>1</xsi:position>"));
    let second = q_call(
        "ACDCallAddedEvent",
        "50:1",
        "<xsi:position>2</xsi:position>",
    );
    h.feed(&second.renamed("callhalf-r:0"));
    let items = h.tr.snapshot(USER, LOCAL);
    let states: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i.call_id.as_str(), i.local_call_state.as_str()))
        .collect();
    assert_eq!(states, [("40:1", "queued"), ("50:1", "queued")]);
    assert_eq!(
        h.tr.queues
            .by_csta_call(USER, "50:1")
            .map(|c| c.call_id.as_str()),
        Some("callhalf-r:0")
    );
    // The tracking id changes: later events and the snapshot use the new one.
    h.feed(&q_call("ACDCallUpdatedEvent", "41:1", ""));
    assert!(h.tr.queues.by_csta_call(USER, "41:1").is_some());
    let out = h.feed(&answered_by_agent("ACDCallAnsweredByAgentEvent"));
    assert!(out[0].contains("<callID>41:1</callID>"), "{}", out[0]);
    assert_eq!(h.tr.queues.len(), 1);
    // Events after the call left: no model entry is made up by a release.
    let out = h.feed(&q("ACDCallReleasedEvent", ""));
    assert_eq!(out.len(), 1, "still reported to the monitors");
    assert_eq!(h.tr.queues.len(), 1);
    h.tr.forget_user(USER);
    assert!(h.tr.queues.is_empty());
}

impl Data {
    /// The same event about the queue leg `call_id`.
    fn renamed(&self, call_id: &str) -> Data {
        raw(self.ty, &self.inner.replace("callhalf-q:0", call_id))
    }
}

#[test]
fn every_cause_of_the_contact_tables_is_an_ed3_event_cause() {
    use crate::translate::acd::{completion_cause, shape, Shape};
    let values = schema_check::load(ED3).enum_values("EventCause");
    let mut causes = vec![
        "enteringDistribution",
        "distributed",
        "callNotAnswered",
        "newCall",
        "transfer",
    ];
    for kind in QueueEventKind::ALL {
        if let Shape::Cleared(c) | Shape::Diverted(c) = shape(*kind) {
            causes.push(c);
        }
    }
    for reason in [
        None,
        Some("Match"),
        Some("NoMatch"),
        Some("Timeout"),
        Some("EOF"),
        Some("Stopped-OutOfQueue"),
        Some("Stopped-NewPlayCollect"),
        Some("Stopped-OfferedWithRingback"),
        Some("Error"),
        Some("New"),
    ] {
        causes.push(completion_cause(reason));
    }
    for cause in causes {
        assert!(values.contains(&cause), "{cause} is not an ed3 EventCause");
    }
}

#[test]
fn a_snapshot_records_the_calls_it_lists_in_the_queue_kind_state() {
    for (ty, state) in [
        ("ACDSubscriptionEvent", "queued"),
        ("RoutePointSubscriptionEvent", "alerting"),
    ] {
        let mut h = Harness::new();
        let entries = format!("<xsi:queueEntries>{}</xsi:queueEntries>", entry(ty, "40:1"));
        assert_eq!(h.feed(&raw(ty, &entries)), Vec::<String>::new(), "{ty}");
        let items = h.tr.snapshot(USER, LOCAL);
        let got: Vec<(&str, &str)> = items
            .iter()
            .map(|i| (i.call_id.as_str(), i.local_call_state.as_str()))
            .collect();
        assert_eq!(got, [("40:1", state)], "{ty}");
    }
}
