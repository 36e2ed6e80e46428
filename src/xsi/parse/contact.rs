//! The contact-centre packages (README, Contact centre): Call
//! Center Queue (ACD) and Route Point Queue events about one queued call,
//! their snapshots, and the Call Center Agent events.
//!
//! A queue event carries its call in `queueEntry` (`callId`,
//! `extTrackingId`, `remoteParty`, `answeringUserId`, …) and its extras
//! beside it (`position`, `redirect`, `playCollectResult`, a reason); a few
//! events (`…CallForwardedEvent`, the night and holiday policy events,
//! `RoutePointCallRejectedEvent`) have the same fields flat in `eventData`.
//! Both shapes are read. The route point's own state (failed, recovered)
//! is in `route_point`.

use sxd_document::dom::Element;

use super::call::{parse_party, parse_redirect};
use super::dom::{child_elements, first_child, local, number, text};
use super::{EventData, Redirect, RemoteParty, Result, XsiParseError};

event_kinds! {
    /// The events about one call in a Call Center's or a Route Point's
    /// queue. Treatment events (`RoutePoint…Started`/`…Completed`) name the
    /// treatment by their type.
    QueueEventKind {
        AcdCallAdded => "ACDCallAddedEvent",
        AcdCallOfferedToAgent => "ACDCallOfferedToAgentEvent",
        AcdCallAnsweredByAgent => "ACDCallAnsweredByAgentEvent",
        AcdCallAbandoned => "ACDCallAbandonedEvent",
        AcdCallReleased => "ACDCallReleasedEvent",
        AcdCallEscaped => "ACDCallEscapedEvent",
        AcdCallStranded => "ACDCallStrandedEvent",
        AcdCallOverflowed => "ACDCallOverflowedEvent",
        AcdCallForwarded => "ACDCallForwardedEvent",
        AcdCallTransferred => "ACDCallTransferredEvent",
        AcdNightPolicyApplied => "ACDNightPolicyAppliedEvent",
        AcdHolidayPolicyApplied => "ACDHolidayPolicyAppliedEvent",
        AcdCallBounced => "ACDCallBouncedEvent",
        AcdCallPromoted => "ACDCallPromotedEvent",
        AcdCallReordered => "ACDCallReorderedEvent",
        AcdCallUpdated => "ACDCallUpdatedEvent",
        RpCallAdded => "RoutePointCallAddedEvent",
        RpCallOfferedToAgent => "RoutePointCallOfferedToAgentEvent",
        RpCallAnsweredByAgent => "RoutePointCallAnsweredByAgentEvent",
        RpCallAbandoned => "RoutePointCallAbandonedEvent",
        RpCallReleased => "RoutePointCallReleasedEvent",
        RpCallFailed => "RoutePointCallFailedEvent",
        RpCallTransferred => "RoutePointCallTransferredEvent",
        RpCallForwarded => "RoutePointCallForwardedEvent",
        RpCallOverflowed => "RoutePointCallOverflowedEvent",
        RpCallBounced => "RoutePointCallBouncedEvent",
        RpCallUpdated => "RoutePointCallUpdatedEvent",
        RpBusyStarted => "RoutePointBusyStartedEvent",
        RpMohStarted => "RoutePointMOHStartedEvent",
        RpRingbackStarted => "RoutePointRingbackStartedEvent",
        RpSilenceStarted => "RoutePointSilenceStartedEvent",
        RpTreatmentStarted => "RoutePointTreatmentStartedEvent",
        RpBusyCompleted => "RoutePointBusyCompletedEvent",
        RpMohCompleted => "RoutePointMOHCompletedEvent",
        RpRingbackCompleted => "RoutePointRingbackCompletedEvent",
        RpSilenceCompleted => "RoutePointSilenceCompletedEvent",
        RpTreatmentCompleted => "RoutePointTreatmentCompletedEvent",
        AcdCallStrandedUnavailable => "ACDCallStrandedUnavailableEvent",
        AcdWhisperStarted => "ACDWhisperStartedEvent",
        RpWhisperStarted => "RoutePointWhisperStartedEvent",
        RpNightPolicyApplied => "RoutePointNightPolicyAppliedEvent",
        RpHolidayPolicyApplied => "RoutePointHolidayPolicyAppliedEvent",
        RpCallRejected => "RoutePointCallRejectedEvent",
    }
}

impl QueueEventKind {
    /// A Route Point Queue event (else a Call Center Queue one).
    pub fn is_route_point(self) -> bool {
        self.type_name().starts_with("RoutePoint")
    }
}

/// One call in a queue (`queueEntry`), reduced to what the connector uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueEntry {
    /// The queue's own leg of the call.
    pub call_id: String,
    /// The call's CSTA callID.
    pub ext_tracking_id: String,
    /// The caller.
    pub remote_party: RemoteParty,
    /// The agent who answered it (`…AnsweredByAgentEvent`).
    pub answering_user_id: Option<String>,
}

/// A queue event's call and extras.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueEvent {
    pub entry: QueueEntry,
    /// `position` in the queue (`…CallAdded`, `…Bounced`, `…Promoted`,
    /// `…Reordered`).
    pub position: Option<u32>,
    /// Where the call went (`…Overflowed`, `…Transferred`, `…Forwarded`,
    /// `…Bounced`, the policies).
    pub redirect: Option<Redirect>,
    /// `playCollectResult/completionReason` of a treatment that ended:
    /// `Match`, `NoMatch`, `Timeout`, `EOF`, `Stopped-OutOfQueue`,
    /// `Stopped-NewPlayCollect`, `Stopped-OfferedWithRingback`, `Error`.
    pub completion: Option<String>,
    /// Why, for the log: `failureReason`, `releaseReason`,
    /// `overflowReason` (`overFlowReason` in route point events),
    /// `rejectReason` or `reason`.
    pub reason: Option<String>,
}

/// The payload of a contact-centre event type, `None` for other types.
pub(super) fn parse_contact_data(type_name: &str, data: Element<'_>) -> Option<Result<EventData>> {
    if let Some(kind) = QueueEventKind::from_type_name(type_name) {
        return Some(parse_queue_event(data).map(|event| EventData::Queue { kind, event }));
    }
    Some(match type_name {
        "ACDSubscriptionEvent"
        | "ACDSubscriptionResyncEvent"
        | "RoutePointSubscriptionEvent"
        | "RoutePointSubscriptionResyncEvent" => {
            parse_queue_snapshot(data, type_name.starts_with("RoutePoint"))
        }
        "AgentStateEvent" => parse_agent_state(data, false),
        "AgentSubscriptionEvent" => parse_agent_state(data, true),
        "ACDAgentJoinUpdateEvent" => parse_agent_join(data),
        _ => return super::route_point::parse_route_point_state(type_name, data),
    })
}

fn parse_queue_event(data: Element<'_>) -> Result<QueueEvent> {
    let mut event = QueueEvent::default();
    let mut entry = EntryFields::default();
    for child in child_elements(data) {
        match local(child) {
            "queueEntry" => {
                for field in child_elements(child) {
                    entry.read(field);
                }
            }
            "position" => event.position = Some(number("position", child)?),
            "redirect" => event.redirect = Some(parse_redirect(child)),
            "playCollectResult" => {
                event.completion = first_child(child, "completionReason").map(text)
            }
            "failureReason" | "releaseReason" | "overflowReason" | "overFlowReason"
            | "rejectReason" | "reason" => event.reason = Some(text(child)),
            _ => entry.read(child),
        }
    }
    event.entry = entry.finish()?;
    Ok(event)
}

/// The `queueEntry` fields as they are found (in an entry, or flat).
#[derive(Default)]
struct EntryFields {
    call_id: Option<String>,
    ext_tracking_id: Option<String>,
    remote_party: Option<RemoteParty>,
    answering_user_id: Option<String>,
}

impl EntryFields {
    fn read(&mut self, field: Element<'_>) {
        match local(field) {
            "callId" => self.call_id = Some(text(field)).filter(|t| !t.is_empty()),
            "extTrackingId" => self.ext_tracking_id = Some(text(field)).filter(|t| !t.is_empty()),
            "remoteParty" => self.remote_party = Some(parse_party(field)),
            "answeringUserId" => {
                self.answering_user_id = Some(text(field)).filter(|t| !t.is_empty())
            }
            _ => {}
        }
    }

    fn finish(self) -> Result<QueueEntry> {
        Ok(QueueEntry {
            call_id: self
                .call_id
                .ok_or(XsiParseError::Missing("queueEntry/callId"))?,
            ext_tracking_id: self
                .ext_tracking_id
                .ok_or(XsiParseError::Missing("queueEntry/extTrackingId"))?,
            remote_party: self.remote_party.unwrap_or_default(),
            answering_user_id: self.answering_user_id,
        })
    }
}

/// `queueEntries/queueEntry*` of a queue snapshot.
fn parse_queue_snapshot(data: Element<'_>, route_point: bool) -> Result<EventData> {
    let mut entries = Vec::new();
    for list in child_elements(data).filter(|c| local(*c) == "queueEntries") {
        for item in child_elements(list).filter(|c| local(*c) == "queueEntry") {
            let mut fields = EntryFields::default();
            for field in child_elements(item) {
                fields.read(field);
            }
            entries.push(fields.finish()?);
        }
    }
    Ok(EventData::QueueSnapshot {
        route_point,
        entries,
    })
}

/// `agentStateInfo/state` (`AgentStateEvent`; `AgentSubscriptionEvent`
/// writes `stateInfo`).
fn parse_agent_state(data: Element<'_>, snapshot: bool) -> Result<EventData> {
    let state = child_elements(data)
        .filter(|c| matches!(local(*c), "agentStateInfo" | "stateInfo"))
        .find_map(|info| first_child(info, "state"))
        .map(text)
        .filter(|s| !s.is_empty());
    match (state, snapshot) {
        (Some(state), _) => Ok(EventData::AgentState {
            state: Some(state),
            snapshot,
        }),
        (None, true) => Ok(EventData::AgentState {
            state: None,
            snapshot,
        }),
        (None, false) => Err(XsiParseError::Missing("agentStateInfo/state")),
    }
}

/// `ccAgentJoinUpdateData/joinInfo/{acdUserId, joined?}`.
fn parse_agent_join(data: Element<'_>) -> Result<EventData> {
    let info = first_child(data, "ccAgentJoinUpdateData")
        .and_then(|d| first_child(d, "joinInfo"))
        .ok_or(XsiParseError::Missing("ccAgentJoinUpdateData/joinInfo"))?;
    let acd_user_id = first_child(info, "acdUserId")
        .map(text)
        .filter(|t| !t.is_empty())
        .ok_or(XsiParseError::Missing("joinInfo/acdUserId"))?;
    Ok(EventData::AgentJoin {
        acd_user_id,
        joined: first_child(info, "joined").is_some(),
    })
}
