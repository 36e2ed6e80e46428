//! Late events: an event that arrives after its sequence gap was given up.
//!
//! The events after it have been applied already, so applying it now is
//! right only when it moves a call forward in a way nothing later can have
//! done: the release (or redirection away) of a call the model still holds,
//! the answer of a call that is still alerting, the end of the subscription.
//! Anything else (a call's creation, a hold, a snapshot) may describe a
//! state the call has left and would put a phantom in the model: it is
//! counted and logged instead.

use crate::xsi::parse::{CallEventKind, CallState, EventData, XsiEvent};

use super::acd::{self, QueueModel};
use super::model::CallModel;

/// Whether late `ev` still changes what the models (and so the clients)
/// know. A queue event matters when the call leaves a queue that still
/// holds it; an agent state is never applied late (a later one was).
pub fn still_matters(model: &CallModel, queues: &QueueModel, ev: &XsiEvent) -> bool {
    let Some(user) = ev.target_id.as_deref() else {
        return false;
    };
    if let Some(matters) = acd::late_matters(queues, user, &ev.data) {
        return matters;
    }
    match &ev.data {
        EventData::Call { kind, call } => {
            let party = model.get(user, &call.call_id);
            match kind {
                CallEventKind::Released | CallEventKind::Detached => party.is_some(),
                CallEventKind::Answered => {
                    party.is_some_and(|p| !p.answered && matches!(p.state, CallState::Alerting))
                }
                _ => false,
            }
        }
        EventData::Redirected { calls } => {
            !calls.is_empty() && calls.iter().all(|c| model.get(user, &c.call_id).is_some())
        }
        EventData::SubscriptionTerminated => true,
        _ => false,
    }
}

/// A short description for the log line: the event type and the call.
pub fn describe(ev: &XsiEvent) -> String {
    match &ev.data {
        EventData::Call { kind, call } => format!("{kind:?} of call {}", call.ext_tracking_id),
        EventData::Redirected { .. } => "CallRedirected".to_owned(),
        EventData::Subscription { .. } => "CallSubscription".to_owned(),
        EventData::HookStatus { .. } => "HookStatus".to_owned(),
        EventData::Conference { kind, .. } => format!("Conference{kind:?}"),
        EventData::SubscriptionTerminated => "SubscriptionTerminated".to_owned(),
        EventData::Queue { kind, event } => {
            format!(
                "{} of call {}",
                kind.type_name(),
                event.entry.ext_tracking_id
            )
        }
        EventData::QueueSnapshot { .. } => "queue snapshot".to_owned(),
        EventData::AgentState { state, .. } => {
            format!("agent state {}", state.as_deref().unwrap_or("-"))
        }
        EventData::AgentJoin { .. } => "ACDAgentJoinUpdate".to_owned(),
        EventData::Feature(event) => event.type_name().to_owned(),
        EventData::RoutePointState { failed: true, .. } => "RoutePointFailed".to_owned(),
        EventData::RoutePointState { failed: false, .. } => "RoutePointRecovered".to_owned(),
        EventData::Unknown { type_name } => type_name.clone(),
        EventData::Malformed { type_name, .. } => format!("unreadable {type_name}"),
    }
}
