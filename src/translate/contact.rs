//! CSTA contact-centre requests → Xsi-Actions (README, Contact centre): the agent state
//! (`U/services/CallCenter`) and the route point commands (`R/calls/…`:
//! the blind transfer of RouteSelect, the Fail of a client's RouteEnd, the
//! treatments of PlayMessage). Nothing here does I/O; the routeing
//! dialogues themselves (registrations, cross references) are the
//! dispatcher's.

use crate::csta::build::{operation, Ack, ErrorCategory};
use crate::device::DeviceKind;
use crate::xsi::actions::{self, Play};

use super::agent;
use super::plan::{Plan, Refusal, Reply, Scope};

/// The agent this session monitors behind `device`, or the refusal.
fn agent_user(device: &str, scope: &dyn Scope) -> Result<String, Refusal> {
    let refuse = |reason: String| Refusal {
        category: ErrorCategory::Operation,
        value: operation::INVALID_DEVICE_ID,
        reason,
    };
    let user = scope
        .user_of(device)
        .ok_or_else(|| refuse(format!("device {device} is not monitored by this session")))?;
    match scope.kind(&user) {
        DeviceKind::Agent => Ok(user),
        other => Err(refuse(format!(
            "device {device} is a {}, not an agent (devices.agents)",
            other.label()
        ))),
    }
}

/// SetAgentState: `PUT U/services/CallCenter` with the BroadWorks state.
pub fn set_agent_state(device: &str, requested: &str, scope: &dyn Scope) -> Result<Plan, Refusal> {
    let user = agent_user(device, scope)?;
    let state = agent::requested(requested).ok_or_else(|| Refusal {
        category: ErrorCategory::Operation,
        value: operation::INVALID_PARAMETER_VALUE,
        reason: format!("requested agent state {requested:?} is not one of the five"),
    })?;
    Ok(Plan {
        request: "SetAgentState",
        steps: vec![actions::set_agent_state(&user, state)],
        fallback: Vec::new(),
        user,
        device: device.to_owned(),
        reply: Reply::Ack(Ack::SetAgentState),
        dialled: None,
        route_point_call: None,
    })
}

/// GetAgentState: `GET U/services/CallCenter`.
pub fn get_agent_state(device: &str, scope: &dyn Scope) -> Result<Plan, Refusal> {
    let user = agent_user(device, scope)?;
    Ok(Plan {
        request: "GetAgentState",
        steps: vec![actions::get_agent_state(&user)],
        fallback: Vec::new(),
        user,
        device: device.to_owned(),
        reply: Reply::AgentState,
        dialled: None,
        route_point_call: None,
    })
}

/// A call waiting at a route point: the route point's user and device, and
/// its BroadWorks callId (the route point's leg).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePointCall {
    pub user: String,
    pub device: String,
    pub call_id: String,
}

fn route_plan(
    request: &'static str,
    call: &RoutePointCall,
    step: actions::XsiRequest,
    reply: Reply,
) -> Plan {
    Plan {
        request,
        user: call.user.clone(),
        device: call.device.clone(),
        steps: vec![step],
        fallback: Vec::new(),
        reply,
        dialled: None,
        route_point_call: Some(call.call_id.clone()),
    }
}

/// RouteSelect: `PUT R/calls/<callId>/BlindTransfer?address=<selected>`.
/// Nothing is answered when it succeeds; a failure ends the routeing
/// dialogue `cross_ref` with a RouteEnd carrying the error.
pub fn route_select(call: &RoutePointCall, selected: &str, cross_ref: &str) -> Plan {
    let step = actions::route_point_transfer(&call.user, &call.call_id, selected);
    let reply = Reply::Routed {
        cross_ref: cross_ref.to_owned(),
    };
    route_plan("RouteSelect", call, step, reply)
}

/// The client's RouteEnd: `PUT R/calls/<callId>/Fail`, unanswered.
pub fn route_end(call: &RoutePointCall) -> Plan {
    let step = actions::route_point_fail(&call.user, &call.call_id);
    route_plan("RouteEnd", call, step, Reply::Silent)
}

/// PlayMessage 0–4: the route point treatment; `None` for another message.
pub fn play_message(call: &RoutePointCall, message: &str) -> Option<Plan> {
    let treatment = Play::from_message(message)?;
    let step = actions::route_point_play(&call.user, &call.call_id, treatment);
    Some(route_plan(
        "PlayMessage",
        call,
        step,
        Reply::Ack(Ack::PlayMessage),
    ))
}
