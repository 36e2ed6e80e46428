//! CSTA call-control requests → Xsi-Actions (SPEC §3.1, and the agent
//! requests of §6 through [`super::contact`]), and their outcome → the
//! CSTA answer.
//!
//! [`plan`] checks a request against the session (a session may only
//! control devices it monitors) and the call model (a CSTA connection, its
//! callID plus deviceID, names one BroadWorks leg: the callId of that
//! device's half of the call), and returns the Xsi requests to make or the
//! error to answer at once. [`response`] and [`failure_error`] turn what
//! BroadWorks said into the CSTA answer. Nothing here does I/O.

use crate::csta::build::{
    self, agent_state_value, operation, state_incompatibility, system_resource, Ack, ErrorCategory,
};
use crate::csta::parse::{ConnectionId, Message};
use crate::device::DeviceKind;
use crate::xsi::actions::{self, ActionFailure, Returned, XsiRequest};

use super::contact;
use super::map::number_of;
use super::model::CallModel;
use super::out::Dev;

/// What the requesting session monitors.
pub trait Scope {
    /// The BroadWorks user of `device` when this session monitors it.
    fn user_of(&self, device: &str) -> Option<String>;
    /// `(user, device)` of every device this session monitors.
    fn monitored(&self) -> Vec<(String, String)>;
    /// The kind of a monitored user (`devices` in the configuration).
    fn kind(&self, _user: &str) -> DeviceKind {
        DeviceKind::User
    }
}

/// A request answered with an error at once, without any Xsi request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub category: ErrorCategory,
    pub value: &'static str,
    /// For the log line.
    pub reason: String,
}

/// The positive answer to send once every Xsi request succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Ack(Ack),
    /// `MakeCallResponse`: the calling device's connection in the new call.
    MakeCall,
    /// `ConsultationCallResponse`: the device's connection in the new call.
    Consultation,
    Transfer {
        call_id: String,
    },
    SingleStepTransfer {
        call_id: String,
    },
    Conference {
        call_id: String,
    },
    /// `GetAgentStateResponse` from the agent state BroadWorks returned.
    AgentState,
    /// RouteSelect: nothing on success; a failure ends the routeing
    /// dialogue with a RouteEnd carrying the error.
    Routed {
        cross_ref: String,
    },
    /// Nothing to answer (the client's RouteEnd).
    Silent,
}

/// The Xsi work of one CSTA request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The CSTA request's name, for logs.
    pub request: &'static str,
    /// The BroadWorks user controlled (the user of every path).
    pub user: String,
    /// That user's device as the client named it.
    pub device: String,
    pub steps: Vec<XsiRequest>,
    pub reply: Reply,
    /// The number a new call goes to (MakeCall, ConsultationCall), to
    /// record the call in the model before its first event.
    pub dialled: Option<String>,
    /// The route point call (its BroadWorks callId) a route point request
    /// acts on: those take turns per call, not per route point.
    pub route_point_call: Option<String>,
}

impl Plan {
    /// The key of the plan's turn: requests with the same key run one at a
    /// time, in order (a user's, or one route point call's).
    pub fn turn(&self) -> String {
        match &self.route_point_call {
            Some(call) => format!("{} {call}", self.user),
            None => self.user.clone(),
        }
    }
}

/// One resolved CSTA connection.
struct Conn {
    user: String,
    device: String,
    /// BroadWorks callIds of the device's legs in the call (sorted; more
    /// than one only for a conference controller).
    legs: Vec<String>,
    csta_call: String,
}

impl Conn {
    /// The leg a single-leg command acts on.
    fn leg(&self) -> &str {
        self.legs.first().map_or("", String::as_str)
    }
}

fn refuse(category: ErrorCategory, value: &'static str, reason: String) -> Refusal {
    Refusal {
        category,
        value,
        reason,
    }
}

fn not_monitored(device: &str, value: &'static str) -> Refusal {
    refuse(
        ErrorCategory::Operation,
        value,
        format!("device {device} is not monitored by this session"),
    )
}

fn unknown_connection(what: String) -> Refusal {
    refuse(
        ErrorCategory::Operation,
        operation::INVALID_CONNECTION_ID,
        what,
    )
}

/// Resolves a connection of a device this session monitors to its legs.
/// Without a deviceID, the one monitored device in that call is taken;
/// without a callID, the device's only call.
fn resolve(c: &ConnectionId, scope: &dyn Scope, model: &CallModel) -> Result<Conn, Refusal> {
    let shown = || {
        format!(
            "connection {}/{}",
            c.call_id.as_deref().unwrap_or("-"),
            c.device_id.as_deref().unwrap_or("-")
        )
    };
    let candidates: Vec<(String, String)> = match &c.device_id {
        Some(device) => {
            let user = scope
                .user_of(device)
                .ok_or_else(|| not_monitored(device, operation::INVALID_DEVICE_ID))?;
            vec![(user, device.clone())]
        }
        None => scope.monitored(),
    };
    let mut found = Vec::new();
    for (user, device) in candidates {
        let legs: Vec<(String, String)> = match &c.call_id {
            Some(call) => model
                .legs_of_call(&user, call)
                .into_iter()
                .map(|p| (p.leg.clone(), p.csta_call.clone()))
                .collect(),
            None => {
                let parties = model.parties(&user);
                match parties.as_slice() {
                    [only] => vec![(only.leg.clone(), only.csta_call.clone())],
                    _ => Vec::new(),
                }
            }
        };
        if let Some((_, csta_call)) = legs.first() {
            found.push(Conn {
                csta_call: csta_call.clone(),
                legs: legs.iter().map(|(leg, _)| leg.clone()).collect(),
                user,
                device,
            });
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(unknown_connection(format!("{} is not known", shown()))),
        _ => Err(unknown_connection(format!(
            "{} names several monitored devices",
            shown()
        ))),
    }
}

/// Two connections of one device (TransferCall, ConferenceCall, …).
fn resolve_pair(
    first: &ConnectionId,
    second: &ConnectionId,
    scope: &dyn Scope,
    model: &CallModel,
) -> Result<(Conn, Conn), Refusal> {
    let a = resolve(first, scope, model)?;
    let b = resolve(second, scope, model)?;
    if a.user != b.user {
        return Err(unknown_connection(format!(
            "the connections are of two devices ({} and {})",
            a.device, b.device
        )));
    }
    if a.csta_call == b.csta_call {
        return Err(unknown_connection(format!(
            "both connections name call {}",
            a.csta_call
        )));
    }
    Ok((a, b))
}

/// The device's own user, for the device services.
fn device_user(device: &str, scope: &dyn Scope) -> Result<String, Refusal> {
    scope
        .user_of(device)
        .ok_or_else(|| not_monitored(device, operation::INVALID_DEVICE_ID))
}

/// The request name of a call-control message; `None` for anything else.
pub fn request_name(message: &Message) -> Option<&'static str> {
    Some(match message {
        Message::MakeCall { .. } => "MakeCall",
        Message::AnswerCall { .. } => "AnswerCall",
        Message::HoldCall { .. } => "HoldCall",
        Message::RetrieveCall { .. } => "RetrieveCall",
        Message::ClearConnection { .. } => "ClearConnection",
        Message::ClearCall { .. } => "ClearCall",
        Message::SingleStepTransferCall { .. } => "SingleStepTransferCall",
        Message::DeflectCall { .. } => "DeflectCall",
        Message::ConsultationCall { .. } => "ConsultationCall",
        Message::TransferCall { .. } => "TransferCall",
        Message::ConferenceCall { .. } => "ConferenceCall",
        Message::ReconnectCall { .. } => "ReconnectCall",
        Message::AlternateCall { .. } => "AlternateCall",
        Message::GenerateDigits { .. } => "GenerateDigits",
        Message::SetDoNotDisturb { .. } => "SetDoNotDisturb",
        Message::SetForwarding { .. } => "SetForwarding",
        Message::SetAgentState { .. } => "SetAgentState",
        Message::GetAgentState { .. } => "GetAgentState",
        _ => return None,
    })
}

/// True for the requests [`plan`] handles.
pub fn is_call_control(message: &Message) -> bool {
    request_name(message).is_some()
}

/// The Xsi requests for a call-control request, or the error to answer at
/// once. `None` when `message` is not a call-control request.
pub fn plan(
    message: &Message,
    scope: &dyn Scope,
    model: &CallModel,
) -> Option<Result<Plan, Refusal>> {
    let request = request_name(message)?;
    Some(plan_request(request, message, scope, model))
}

fn plan_request(
    request: &'static str,
    message: &Message,
    scope: &dyn Scope,
    model: &CallModel,
) -> Result<Plan, Refusal> {
    let one = |c: &ConnectionId,
               reply: Reply,
               step: fn(&str, &str) -> XsiRequest|
     -> Result<Plan, Refusal> {
        let conn = resolve(c, scope, model)?;
        let steps = vec![step(&conn.user, conn.leg())];
        Ok(plan_of(request, conn, steps, reply))
    };
    match message {
        Message::MakeCall {
            calling_device,
            called_directory_number,
        } => {
            let user = scope.user_of(calling_device).ok_or_else(|| {
                not_monitored(calling_device, operation::INVALID_CALLING_DEVICE_ID)
            })?;
            Ok(Plan {
                request,
                steps: vec![actions::make_call(&user, called_directory_number)],
                user,
                device: calling_device.clone(),
                reply: Reply::MakeCall,
                dialled: Some(called_directory_number.clone()),
                route_point_call: None,
            })
        }
        Message::AnswerCall { call } => one(call, Reply::Ack(Ack::AnswerCall), actions::talk),
        Message::HoldCall { call } => one(call, Reply::Ack(Ack::HoldCall), actions::hold),
        Message::RetrieveCall { call } => one(call, Reply::Ack(Ack::RetrieveCall), actions::talk),
        Message::ClearConnection { connection } => {
            // A conference controller leaving clears every leg it holds.
            let conn = resolve(connection, scope, model)?;
            let steps = conn
                .legs
                .iter()
                .map(|leg| actions::release(&conn.user, leg))
                .collect();
            Ok(plan_of(
                request,
                conn,
                steps,
                Reply::Ack(Ack::ClearConnection),
            ))
        }
        Message::ClearCall { call } => clear_call(request, call, scope, model),
        Message::SingleStepTransferCall {
            active_call,
            transferred_to,
        } => {
            let conn = resolve(active_call, scope, model)?;
            let steps = vec![actions::blind_transfer(
                &conn.user,
                conn.leg(),
                transferred_to,
            )];
            let reply = Reply::SingleStepTransfer {
                call_id: conn.csta_call.clone(),
            };
            Ok(plan_of(request, conn, steps, reply))
        }
        Message::DeflectCall {
            call,
            new_destination,
        } => {
            let conn = resolve(call, scope, model)?;
            let steps = vec![actions::blind_transfer(
                &conn.user,
                conn.leg(),
                new_destination,
            )];
            Ok(plan_of(request, conn, steps, Reply::Ack(Ack::DeflectCall)))
        }
        Message::ConsultationCall {
            existing_call,
            consulted_device,
        } => {
            let conn = resolve(existing_call, scope, model)?;
            let steps = vec![
                actions::hold(&conn.user, conn.leg()),
                actions::make_call(&conn.user, consulted_device),
            ];
            let mut plan = plan_of(request, conn, steps, Reply::Consultation);
            plan.dialled = Some(consulted_device.clone());
            Ok(plan)
        }
        Message::TransferCall {
            held_call,
            active_call,
        } => {
            let (held, active) = resolve_pair(held_call, active_call, scope, model)?;
            let steps = vec![actions::consult_transfer(
                &held.user,
                held.leg(),
                active.leg(),
            )];
            let reply = Reply::Transfer {
                call_id: active.csta_call.clone(),
            };
            Ok(plan_of(request, held, steps, reply))
        }
        Message::ConferenceCall {
            held_call,
            active_call,
        } => {
            let (held, active) = resolve_pair(held_call, active_call, scope, model)?;
            let steps = vec![actions::conference(&held.user, &[held.leg(), active.leg()])];
            let reply = Reply::Conference {
                call_id: held.csta_call.clone(),
            };
            Ok(plan_of(request, held, steps, reply))
        }
        Message::ReconnectCall {
            active_call,
            held_call,
        } => {
            let (active, held) = resolve_pair(active_call, held_call, scope, model)?;
            let reply = Reply::Ack(Ack::ReconnectCall);
            Ok(back_to_held(request, active, held, actions::release, reply))
        }
        Message::AlternateCall {
            held_call,
            active_call,
        } => {
            let (held, active) = resolve_pair(held_call, active_call, scope, model)?;
            let reply = Reply::Ack(Ack::AlternateCall);
            Ok(back_to_held(request, active, held, actions::hold, reply))
        }
        Message::GenerateDigits { connection, digits } => {
            let conn = resolve(connection, scope, model)?;
            let steps = vec![actions::transmit_dtmf(&conn.user, conn.leg(), digits)];
            Ok(plan_of(
                request,
                conn,
                steps,
                Reply::Ack(Ack::GenerateDigits),
            ))
        }
        Message::SetDoNotDisturb { device, on } => {
            let user = device_user(device, scope)?;
            Ok(device_plan(
                request,
                user.clone(),
                device,
                actions::do_not_disturb(&user, *on),
                Ack::SetDoNotDisturb,
            ))
        }
        Message::SetForwarding {
            device,
            forwarding_type,
            activate,
            forward_dn,
        } => {
            let user = device_user(device, scope)?;
            if forwarding_type
                .as_deref()
                .is_some_and(|t| t != "forwardImmediate")
            {
                return Err(refuse(
                    ErrorCategory::Operation,
                    operation::INVALID_FORWARDING_TYPE,
                    format!(
                        "forwarding type {} is not supported (only forwardImmediate)",
                        forwarding_type.as_deref().unwrap_or_default()
                    ),
                ));
            }
            if *activate && forward_dn.is_none() {
                return Err(refuse(
                    ErrorCategory::Operation,
                    operation::INVALID_FORWARDING_DESTINATION,
                    "forwarding switched on without a forwardDN".into(),
                ));
            }
            let step = actions::call_forwarding_always(&user, *activate, forward_dn.as_deref());
            Ok(device_plan(request, user, device, step, Ack::SetForwarding))
        }
        Message::SetAgentState {
            device,
            requested_state,
            ..
        } => contact::set_agent_state(device, requested_state, scope),
        Message::GetAgentState { device } => contact::get_agent_state(device, scope),
        _ => Err(refuse(
            ErrorCategory::Operation,
            operation::SERVICE_NOT_SUPPORTED,
            format!("{request} is not call control"),
        )),
    }
}

/// ReconnectCall and AlternateCall: `leave` the active call (release or
/// hold it), then talk on the held one.
fn back_to_held(
    request: &'static str,
    active: Conn,
    held: Conn,
    leave: fn(&str, &str) -> XsiRequest,
    reply: Reply,
) -> Plan {
    let steps = vec![
        leave(&active.user, active.leg()),
        actions::talk(&held.user, held.leg()),
    ];
    plan_of(request, held, steps, reply)
}

fn plan_of(request: &'static str, conn: Conn, steps: Vec<XsiRequest>, reply: Reply) -> Plan {
    Plan {
        request,
        user: conn.user,
        device: conn.device,
        steps,
        reply,
        dialled: None,
        route_point_call: None,
    }
}

fn device_plan(
    request: &'static str,
    user: String,
    device: &str,
    step: XsiRequest,
    ack: Ack,
) -> Plan {
    Plan {
        request,
        user,
        device: device.to_owned(),
        steps: vec![step],
        reply: Reply::Ack(ack),
        dialled: None,
        route_point_call: None,
    }
}

/// ClearCall: every leg of that call at every device the session monitors.
fn clear_call(
    request: &'static str,
    call: &ConnectionId,
    scope: &dyn Scope,
    model: &CallModel,
) -> Result<Plan, Refusal> {
    let unknown = |why: String| refuse(ErrorCategory::Operation, operation::INVALID_CALL_ID, why);
    let Some(call_id) = &call.call_id else {
        return Err(unknown("ClearCall without a callID".into()));
    };
    let mut steps = Vec::new();
    let mut first: Option<(String, String)> = None;
    for (user, device) in scope.monitored() {
        let legs = model.legs_of_call(&user, call_id);
        for party in &legs {
            steps.push(actions::release(&user, &party.leg));
        }
        if !legs.is_empty() && first.is_none() {
            first = Some((user, device));
        }
    }
    let Some((user, device)) = first else {
        return Err(unknown(format!(
            "call {call_id} is not known at a device this session monitors"
        )));
    };
    Ok(Plan {
        request,
        user,
        device,
        steps,
        reply: Reply::Ack(Ack::ClearCall),
        dialled: None,
        route_point_call: None,
    })
}

/// The device of the new call's far end, as the model records it.
pub fn dialled_device(dialled: &str) -> Dev {
    number_of(dialled).map_or(Dev::NotKnown, Dev::Remote)
}

/// The positive CSTA answer to a plan that succeeded; `None` for the
/// requests answered by nothing (RouteSelect, RouteEnd).
pub fn response(ns: &str, plan: &Plan, returned: &Returned) -> Option<String> {
    let started = match returned {
        Returned::CallStarted(info) => Some(info),
        _ => None,
    };
    let new_connection = || ConnectionId {
        call_id: started.map(|s| s.external_tracking_id.clone()),
        device_id: Some(plan.device.clone()),
    };
    let call = |call_id: &str| ConnectionId {
        call_id: Some(call_id.to_owned()),
        device_id: None,
    };
    Some(match &plan.reply {
        Reply::Ack(ack) => build::ack_response(ns, *ack),
        Reply::MakeCall => build::make_call_response(ns, &new_connection()),
        Reply::Consultation => build::consultation_call_response(ns, &new_connection()),
        Reply::Transfer { call_id } => build::transfer_call_response(ns, &call(call_id)),
        Reply::SingleStepTransfer { call_id } => {
            build::single_step_transfer_call_response(ns, &call(call_id))
        }
        Reply::Conference { call_id } => build::conference_call_response(
            ns,
            &ConnectionId {
                call_id: Some(call_id.clone()),
                device_id: Some(plan.device.clone()),
            },
        ),
        Reply::AgentState => {
            let state = match returned {
                Returned::AgentState(state) => state.as_deref().and_then(agent_state_value),
                _ => None,
            };
            build::get_agent_state_response(ns, &plan.device, state)
        }
        Reply::Routed { .. } | Reply::Silent => return None,
    })
}

/// The CSTA error for a failed job (SPEC §3.1): a 404 on a call means the
/// connection is gone, another 4xx that the call is not in a state for it,
/// anything else that no XSP could carry it out.
pub fn failure_error(failure: &ActionFailure) -> (ErrorCategory, &'static str) {
    match failure {
        ActionFailure::Rejected {
            status: 404,
            on_call: true,
            ..
        } => (ErrorCategory::Operation, operation::INVALID_CONNECTION_ID),
        ActionFailure::Rejected { .. } => (
            ErrorCategory::StateIncompatibility,
            state_incompatibility::INVALID_OBJECT_STATE,
        ),
        ActionFailure::Unavailable { .. } => (
            ErrorCategory::SystemResourceAvailability,
            system_resource::RESOURCE_OUT_OF_SERVICE,
        ),
    }
}

#[cfg(test)]
mod tests;
