//! Every event type of the packages bwcsta subscribes (Advanced Call, Call
//! Center Queue, Route Point Queue, Call Center Agent, and with
//! `xsi.feature_packages` Do Not Disturb and Call Forwarding Always) with
//! the CSTA event it becomes, or why it is not reported: the table that
//! README, "Event mapping", mirrors row for row. The tests walk the Xsi schema's list of
//! event types of those packages against it, check that every reported type
//! is read by the parser, and that the README shows this table.
//!
//! A type not reported is acknowledged and logged at debug level only
//! ([`not_reported`]); a type in no row at all (a newer BroadWorks) is
//! logged once, at info level, by the translator.

use crate::device::FeaturePackage;
use crate::xsi::packages;

/// The event package a type belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Package {
    AdvancedCall,
    CallCenterQueue,
    RoutePointQueue,
    CallCenterAgent,
    /// One of `xsi.feature_packages`.
    Feature(FeaturePackage),
}

impl Package {
    /// The package's name (its `event` value).
    pub fn name(self) -> &'static str {
        match self {
            Package::AdvancedCall => "Advanced Call",
            Package::CallCenterQueue => packages::CALL_CENTER_QUEUE,
            Package::RoutePointQueue => packages::ROUTE_POINT_QUEUE,
            Package::CallCenterAgent => packages::CALL_CENTER_AGENT,
            Package::Feature(package) => package.name(),
        }
    }
}

/// What becomes of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Csta {
    /// The CSTA event(s) it is reported as.
    Reported(&'static str),
    /// Deliberately not reported, and why.
    NotReported(&'static str),
}

/// One event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub type_name: &'static str,
    pub package: Package,
    pub csta: Csta,
}

const fn row(type_name: &'static str, package: Package, csta: Csta) -> Row {
    Row {
        type_name,
        package,
        csta,
    }
}

use Csta::{NotReported as No, Reported as Yes};
use Package::{
    AdvancedCall as Call, CallCenterAgent as Agent, CallCenterQueue as Acd, RoutePointQueue as Rp,
};
const DND: Package = Package::Feature(FeaturePackage::DoNotDisturb);
const CFA: Package = Package::Feature(FeaturePackage::CallForwardingAlways);

const MUTE: Csta = No("mute and deaf of a conference leg have no ECMA-323 event");
const TREATMENT_DONE: Csta =
    No("the call already left with the event that started the treatment; logged at debug");
const CONFIGURATION: Csta =
    No("a Call Center Configuration event: bwcsta does not subscribe that package");
const AGENT_MONITORING: Csta =
    No("a Call Center Agent Monitoring event: bwcsta does not subscribe that package");
const VOICE_XML: Csta =
    No("VoiceXML sessions are no CSTA request; the call stays at the route point");
const OUTGOING: Csta =
    No("the route point's own outgoing calls are placed by other applications, no CSTA request");
const QUEUE_SNAPSHOT: Csta = Yes(
    "none for the calls it lists (they answer SnapshotDevice); ConnectionClearedEvent for calls \
     it no longer lists",
);
const CALL_SNAPSHOT: Csta =
    Yes("none for the calls it lists; ConnectionClearedEvent for calls it no longer lists");

/// The table, by package, then by type name.
pub const ROWS: &[Row] = &[
    row("CallAnsweredEvent", Call, Yes("EstablishedEvent")),
    row("CallBargedInEvent", Call, Yes("ConferencedEvent (intrude)")),
    row("CallClientSessionInfoUpdatedEvent", Call, No("a client application's session data, no call state")),
    row("CallCollectingEvent", Call, Yes("ServiceInitiatedEvent")),
    row("CallDetachedEvent", Call, Yes("ConnectionClearedEvent")),
    row("CallForwardedEvent", Call, Yes("DivertedEvent")),
    row("CallHeldEvent", Call, Yes("HeldEvent")),
    row("CallMonitoredEvent", Call, Yes("ConferencedEvent (silent participation)")),
    row("CallOriginatedEvent", Call, Yes("OriginatedEvent")),
    row("CallOriginatingEvent", Call, Yes("ServiceInitiatedEvent")),
    row("CallParkRetrievedEvent", Call, Yes("RetrievedEvent")),
    row("CallPickedUpEvent", Call, Yes("DivertedEvent (callPickup) at the device the call rang at")),
    row("CallReceivedEvent", Call, Yes("DeliveredEvent")),
    row("CallRecordingPausedEvent", Call, Yes("SuspendRecordEvent")),
    row("CallRecordingResumedEvent", Call, Yes("RecordEvent")),
    row("CallRecordingStartedEvent", Call, Yes("RecordEvent")),
    row("CallRecordingStartingEvent", Call, No("the recording is not running yet; CallRecordingStarted follows")),
    row("CallRecordingStoppedEvent", Call, Yes("StopEvent")),
    row("CallRedirectedEvent", Call, Yes("DivertedEvent")),
    row("CallReleasedEvent", Call, Yes("ConnectionClearedEvent")),
    row("CallReleasingEvent", Call, Yes("FailedEvent when it has a release cause")),
    row("CallRetrievedEvent", Call, Yes("RetrievedEvent")),
    row("CallSecurityClassificationUpdatedEvent", Call, No("security classification has no CSTA event")),
    row("CallSubscriptionEvent", Call, CALL_SNAPSHOT),
    row("CallSubscriptionResyncEvent", Call, CALL_SNAPSHOT),
    row("CallTransferredEvent", Call, Yes("TransferedEvent")),
    row("CallUpdatedEvent", Call, Yes("CallInformationEvent when the far end changed")),
    row("ConferenceCallMadeDeafEvent", Call, MUTE),
    row("ConferenceCallMadeUnDeafEvent", Call, MUTE),
    row("ConferenceCallMutedEvent", Call, MUTE),
    row("ConferenceCallUnMutedEvent", Call, MUTE),
    row("ConferenceHeldEvent", Call, Yes("HeldEvent")),
    row("ConferenceMutedEvent", Call, MUTE),
    row("ConferenceReleasedEvent", Call, Yes("ConnectionClearedEvent")),
    row("ConferenceRetrievedEvent", Call, Yes("RetrievedEvent")),
    row("ConferenceStartedEvent", Call, Yes("ConferencedEvent")),
    row("ConferenceUnmutedEvent", Call, MUTE),
    row("ConferenceUpdatedEvent", Call, Yes("ConferencedEvent")),
    row("HookStatusEvent", Call, No("the hook state is no call event; the call events report the calls")),
    row("PlayMusicOnHoldFailureEvent", Call, No("a music-on-hold failure changes no connection")),
    row("VoiceMailMessageSummaryEvent", Call, No("a Voice Mail Message Summary event: bwcsta does not subscribe that package")),
    row("ACDCallAbandonedEvent", Acd, Yes("ConnectionClearedEvent")),
    row("ACDCallAddedEvent", Acd, Yes("QueuedEvent")),
    row("ACDCallAnsweredByAgentEvent", Acd, Yes("DivertedEvent")),
    row("ACDCallBouncedEvent", Acd, Yes("DeliveredEvent, DivertedEvent with a redirect")),
    row("ACDCallEscapedEvent", Acd, Yes("ConnectionClearedEvent")),
    row("ACDCallForwardedEvent", Acd, Yes("DivertedEvent")),
    row("ACDCallForwardedTreatmentCompletedEvent", Acd, TREATMENT_DONE),
    row("ACDCallOfferedToAgentEvent", Acd, Yes("DeliveredEvent")),
    row("ACDCallOverflowedEvent", Acd, Yes("DivertedEvent")),
    row("ACDCallOverflowedTreatmentCompletedEvent", Acd, TREATMENT_DONE),
    row("ACDCallPromotedEvent", Acd, Yes("CallInformationEvent")),
    row("ACDCallReleasedEvent", Acd, Yes("ConnectionClearedEvent")),
    row("ACDCallReorderedEvent", Acd, Yes("CallInformationEvent")),
    row("ACDCallStrandedEvent", Acd, Yes("ConnectionClearedEvent")),
    row("ACDCallStrandedTreatementCompletedEvent", Acd, TREATMENT_DONE),
    row("ACDCallStrandedUnavailableEvent", Acd, Yes("ConnectionClearedEvent")),
    row("ACDCallStrandedUnavailableTreatementCompletedEvent", Acd, TREATMENT_DONE),
    row("ACDCallTransferredEvent", Acd, Yes("DivertedEvent")),
    row("ACDCallUpdatedEvent", Acd, Yes("TransferedEvent")),
    row("ACDConfigurationSubscriptionEvent", Acd, CONFIGURATION),
    row("ACDForcedForwardingEvent", Acd, CONFIGURATION),
    row("ACDHolidayPolicyAppliedEvent", Acd, Yes("DivertedEvent")),
    row("ACDHolidayPolicyTreatmentCompletedEvent", Acd, TREATMENT_DONE),
    row("ACDHolidayServiceEvent", Acd, CONFIGURATION),
    row("ACDNightPolicyAppliedEvent", Acd, Yes("DivertedEvent")),
    row("ACDNightPolicyTreatmentCompletedEvent", Acd, TREATMENT_DONE),
    row("ACDNightServiceEvent", Acd, CONFIGURATION),
    row("ACDSubscriptionEvent", Acd, QUEUE_SNAPSHOT),
    row("ACDSubscriptionResyncEvent", Acd, QUEUE_SNAPSHOT),
    row("ACDWhisperStartedEvent", Acd, Yes("CallInformationEvent")),
    row("CallCenterMonitoringEvent", Acd, No("a Call Center Monitoring event: bwcsta does not subscribe that package")),
    row("RoutePointBusyCompletedEvent", Rp, Yes("StopEvent (message 0)")),
    row("RoutePointBusyStartedEvent", Rp, Yes("PlayEvent (message 0)")),
    row("RoutePointCallAbandonedEvent", Rp, Yes("ConnectionClearedEvent")),
    row("RoutePointCallAddedEvent", Rp, Yes("DeliveredEvent; RouteRequest to the routeing session")),
    row("RoutePointCallAnsweredByAgentEvent", Rp, Yes("DivertedEvent")),
    row("RoutePointCallBouncedEvent", Rp, Yes("DeliveredEvent, DivertedEvent with a redirect")),
    row("RoutePointCallFailedEvent", Rp, Yes("ConnectionClearedEvent")),
    row("RoutePointCallForwardedEvent", Rp, Yes("DivertedEvent")),
    row("RoutePointCallForwardedTreatmentCompletedEvent", Rp, TREATMENT_DONE),
    row("RoutePointCallOfferedToAgentEvent", Rp, Yes("DeliveredEvent")),
    row("RoutePointCallOverflowedEvent", Rp, Yes("DivertedEvent")),
    row("RoutePointCallOverflowedTreatmentCompletedEvent", Rp, TREATMENT_DONE),
    row("RoutePointCallRejectedEvent", Rp, Yes("FailedEvent (blocked)")),
    row("RoutePointCallReleasedEvent", Rp, Yes("ConnectionClearedEvent")),
    row("RoutePointCallTransferredEvent", Rp, Yes("DivertedEvent")),
    row("RoutePointCallUpdatedEvent", Rp, Yes("TransferedEvent")),
    row("RoutePointConnectedToVoiceXMLEvent", Rp, VOICE_XML),
    row("RoutePointConnectingToVoiceXMLEvent", Rp, VOICE_XML),
    row("RoutePointFailedEvent", Rp, Yes("OutOfServiceEvent; no RouteRequest until it recovers")),
    row("RoutePointFailedVoiceXMLEvent", Rp, VOICE_XML),
    row("RoutePointHolidayPolicyAppliedEvent", Rp, Yes("DivertedEvent")),
    row("RoutePointHolidayPolicyTreatmentCompletedEvent", Rp, TREATMENT_DONE),
    row("RoutePointMOHCompletedEvent", Rp, Yes("StopEvent (message 1)")),
    row("RoutePointMOHStartedEvent", Rp, Yes("PlayEvent (message 1)")),
    row("RoutePointNewCallEvent", Rp, No("admission control before the call is queued; RoutePointCallAdded reports it")),
    row("RoutePointNightPolicyAppliedEvent", Rp, Yes("DivertedEvent")),
    row("RoutePointNightPolicyTreatmentCompletedEvent", Rp, TREATMENT_DONE),
    row("RoutePointOutgoingCallAnsweredEvent", Rp, OUTGOING),
    row("RoutePointOutgoingCallOriginatedEvent", Rp, OUTGOING),
    row("RoutePointRecoveredEvent", Rp, Yes("BackInServiceEvent; RouteRequests resume")),
    row("RoutePointRingbackCompletedEvent", Rp, Yes("StopEvent (message 2)")),
    row("RoutePointRingbackStartedEvent", Rp, Yes("PlayEvent (message 2)")),
    row("RoutePointSilenceCompletedEvent", Rp, Yes("StopEvent (message 3)")),
    row("RoutePointSilenceStartedEvent", Rp, Yes("PlayEvent (message 3)")),
    row("RoutePointSubscriptionEvent", Rp, QUEUE_SNAPSHOT),
    row("RoutePointSubscriptionResyncEvent", Rp, QUEUE_SNAPSHOT),
    row("RoutePointTreatmentCompletedEvent", Rp, Yes("StopEvent (message 4)")),
    row("RoutePointTreatmentStartedEvent", Rp, Yes("PlayEvent (message 4)")),
    row("RoutePointWhisperStartedEvent", Rp, Yes("CallInformationEvent")),
    row("ACDAgentJoinUpdateEvent", Agent, Yes("AgentLoggedOnEvent or AgentLoggedOffEvent (acdGroup)")),
    row("AgentDispositionCodeAddedEvent", Agent, No("disposition codes have no CSTA agent event")),
    row("AgentStateEvent", Agent, Yes("AgentLoggedOnEvent, AgentReadyEvent, AgentNotReadyEvent, AgentWorkingAfterCallEvent or AgentLoggedOffEvent, by state")),
    row("AgentSubscriptionEvent", Agent, No("the agent's state when the subscription starts: nothing changed")),
    row("CallCenterAgentMonitoringEvent", Agent, AGENT_MONITORING),
    row("CallCenterAgentMonitoringSubscriptionEvent", Agent, AGENT_MONITORING),
    row("CallCenterAgentOnCallAlertEvent", Agent, AGENT_MONITORING),
    row("DoNotDisturbEvent", DND, Yes("DoNotDisturbEvent")),
    row("CallForwardingAlwaysEvent", CFA, Yes("ForwardingEvent (forwardImmediate)")),
];

/// Why `type_name` is deliberately not reported; `None` for a reported
/// type and for a type in no row.
pub fn not_reported(type_name: &str) -> Option<&'static str> {
    ROWS.iter()
        .find(|r| r.type_name == type_name)
        .and_then(|r| match r.csta {
            Csta::NotReported(why) => Some(why),
            Csta::Reported(_) => None,
        })
}

/// The README's table: a header and one line per row, in table order.
pub fn readme_table() -> Vec<String> {
    let mut lines = vec![
        "| Xsi event type | package | CSTA event, or not reported: why |".to_owned(),
        "|---|---|---|".to_owned(),
    ];
    lines.extend(ROWS.iter().map(|r| {
        let csta = match r.csta {
            Csta::Reported(event) => event.to_owned(),
            Csta::NotReported(why) => format!("not reported: {why}"),
        };
        format!("| {} | {} | {csta} |", r.type_name, r.package.name())
    }));
    lines
}

#[cfg(test)]
mod tests;
