//! CSTA call-control requests → Xsi-Actions (README, Call control; the
//! agent requests of README, Contact centre, through [`super::contact`]), and their outcome → the
//! CSTA answer.
//!
//! [`plan`] checks a request against the session (a session may only
//! control devices it monitors) and the call model (a CSTA connection, its
//! callID plus deviceID, names one BroadWorks leg: the callId of that
//! device's half of the call), and returns the Xsi requests to make or the
//! error to answer at once. [`response`] and [`failure_error`] turn what
//! BroadWorks said into the CSTA answer (the plan types are
//! [`super::plan`]'s). Nothing here does I/O.

use crate::csta::build::{
    self, operation, state_incompatibility, system_resource, Ack, ErrorCategory,
};
use crate::csta::parse::{ConnectionId, Message};
use crate::xsi::actions::{self, ActionFailure, Recording, Returned, XsiRequest};
use crate::xsi::vocab::AgentState;

use super::map::number_of;
use super::model::{CallModel, Party};
use super::out::Dev;
use super::plan::{Plan, Refusal, Reply, Scope};
use super::{agent, contact};

mod features;

pub use features::recording_message;

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
        Message::GetDoNotDisturb { .. } => "GetDoNotDisturb",
        Message::GetForwarding { .. } => "GetForwarding",
        Message::SnapshotCall { .. } => "SnapshotCall",
        Message::DirectedPickupCall { .. } => "DirectedPickupCall",
        Message::GroupPickupCall { .. } => "GroupPickupCall",
        Message::ParkCall { .. } => "ParkCall",
        Message::IntrudeCall { .. } => "IntrudeCall",
        Message::RecordMessage { .. } => "RecordMessage",
        Message::Suspend { .. } => "Suspend",
        Message::Resume { .. } => "Resume",
        Message::Stop { .. } => "Stop",
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

/// One request: the dispatch to the planner of its kind (the table tests
/// in `control/tests.rs` give each request).
fn plan_request(
    request: &'static str,
    message: &Message,
    scope: &dyn Scope,
    model: &CallModel,
) -> Result<Plan, Refusal> {
    use Message as M;
    let p = Planner {
        request,
        scope,
        model,
    };
    match message {
        M::MakeCall {
            calling_device,
            called_directory_number,
        } => p.make_call(calling_device, called_directory_number),
        M::AnswerCall { call } => p.one_leg(call, actions::talk, Ack::AnswerCall),
        M::HoldCall { call } => p.one_leg(call, actions::hold, Ack::HoldCall),
        M::RetrieveCall { call } => p.one_leg(call, actions::talk, Ack::RetrieveCall),
        M::ClearConnection { connection } => p.clear_connection(connection),
        M::ClearCall { call } => p.clear_call(call),
        M::SingleStepTransferCall {
            active_call,
            transferred_to,
        } => p.single_step_transfer(active_call, transferred_to),
        M::DeflectCall {
            call,
            new_destination,
        } => p.deflect(call, new_destination),
        M::ConsultationCall {
            existing_call,
            consulted_device,
        } => p.consultation(existing_call, consulted_device),
        M::TransferCall {
            held_call,
            active_call,
        } => p.transfer(held_call, active_call),
        M::ConferenceCall {
            held_call,
            active_call,
        } => p.conference(held_call, active_call),
        M::ReconnectCall {
            active_call,
            held_call,
        } => p.reconnect(active_call, held_call),
        M::AlternateCall {
            held_call,
            active_call,
        } => p.alternate(held_call, active_call),
        M::GenerateDigits { connection, digits } => p.generate_digits(connection, digits),
        M::SetDoNotDisturb { device, on } => p.do_not_disturb(device, *on),
        M::SetForwarding {
            device,
            forwarding_type,
            activate,
            forward_dn,
        } => p.forwarding(
            device,
            forwarding_type.as_deref(),
            *activate,
            forward_dn.as_deref(),
        ),
        M::SetAgentState {
            device,
            requested_state,
            ..
        } => contact::set_agent_state(device, requested_state, scope),
        M::GetAgentState { device } => contact::get_agent_state(device, scope),
        M::GetDoNotDisturb { device } => p.get_do_not_disturb(device),
        M::GetForwarding { device } => p.get_forwarding(device),
        M::SnapshotCall { call } => p.snapshot_call(call),
        M::DirectedPickupCall {
            call,
            requesting_device,
        } => p.directed_pickup(call, requesting_device),
        M::GroupPickupCall { new_destination } => p.group_pickup(new_destination),
        M::ParkCall { parking, park_to } => p.park(parking, park_to.as_deref()),
        M::IntrudeCall {
            intrude,
            requesting_device,
        } => p.intrude(intrude, requesting_device.as_deref()),
        M::RecordMessage { call } => p.record(call),
        M::Suspend {
            connection,
            message,
        } => p.recording(
            connection,
            message.as_deref(),
            Recording::Pause,
            Ack::Suspend,
        ),
        M::Resume {
            connection,
            message,
        } => p.recording(
            connection,
            message.as_deref(),
            Recording::Resume,
            Ack::Resume,
        ),
        M::Stop {
            connection,
            message,
        } => p.recording(connection, message.as_deref(), Recording::Stop, Ack::Stop),
        _ => Err(refuse(
            ErrorCategory::Operation,
            operation::SERVICE_NOT_SUPPORTED,
            format!("{request} is not call control"),
        )),
    }
}

/// The planning of one request: its name, and what it is checked against.
/// A monitored device's legs in one call: `(user, device, legs)`.
type MonitoredLegs<'m> = (String, String, Vec<&'m Party>);

struct Planner<'a> {
    request: &'static str,
    scope: &'a dyn Scope,
    model: &'a CallModel,
}

impl Planner<'_> {
    fn resolve(&self, c: &ConnectionId) -> Result<Conn, Refusal> {
        resolve(c, self.scope, self.model)
    }

    fn resolve_pair(
        &self,
        first: &ConnectionId,
        second: &ConnectionId,
    ) -> Result<(Conn, Conn), Refusal> {
        resolve_pair(first, second, self.scope, self.model)
    }

    fn plan(&self, conn: Conn, steps: Vec<XsiRequest>, reply: Reply) -> Plan {
        Plan::new(self.request, conn.user, conn.device, steps, reply)
    }

    /// A device service: one request on the device's own user.
    fn device_plan(&self, user: String, device: &str, step: XsiRequest, reply: Reply) -> Plan {
        Plan::new(self.request, user, device.to_owned(), vec![step], reply)
    }

    /// The legs of CSTA call `call_id` at each device the session
    /// monitors, as `(user, device, legs)`, devices without any left out
    /// (never empty: refused `invalidCallID` when there are none).
    fn legs_at_monitored(&self, call_id: &str) -> Result<Vec<MonitoredLegs<'_>>, Refusal> {
        let found: Vec<MonitoredLegs<'_>> = self
            .scope
            .monitored()
            .into_iter()
            .map(|(user, device)| {
                let legs = self.model.legs_of_call(&user, call_id);
                (user, device, legs)
            })
            .filter(|(_, _, legs)| !legs.is_empty())
            .collect();
        if found.is_empty() {
            return Err(refuse(
                ErrorCategory::Operation,
                operation::INVALID_CALL_ID,
                format!("call {call_id} is not known at a device this session monitors"),
            ));
        }
        Ok(found)
    }

    /// MakeCall: `calls/new` from the calling device's user.
    fn make_call(&self, calling_device: &str, number: &str) -> Result<Plan, Refusal> {
        let user = self
            .scope
            .user_of(calling_device)
            .ok_or_else(|| not_monitored(calling_device, operation::INVALID_CALLING_DEVICE_ID))?;
        let steps = vec![actions::make_call(&user, number)];
        let device = calling_device.to_owned();
        Ok(Plan {
            dialled: Some(number.to_owned()),
            ..Plan::new(self.request, user, device, steps, Reply::MakeCall)
        })
    }

    /// AnswerCall, HoldCall, RetrieveCall: one command on the connection's
    /// leg.
    fn one_leg(
        &self,
        c: &ConnectionId,
        step: fn(&str, &str) -> XsiRequest,
        ack: Ack,
    ) -> Result<Plan, Refusal> {
        let conn = self.resolve(c)?;
        let steps = vec![step(&conn.user, conn.leg())];
        Ok(self.plan(conn, steps, Reply::Ack(ack)))
    }

    /// ClearConnection: a conference controller leaving clears every leg
    /// it holds.
    fn clear_connection(&self, connection: &ConnectionId) -> Result<Plan, Refusal> {
        let conn = self.resolve(connection)?;
        let steps = conn
            .legs
            .iter()
            .map(|leg| actions::release(&conn.user, leg))
            .collect();
        Ok(self.plan(conn, steps, Reply::Ack(Ack::ClearConnection)))
    }

    /// ClearCall: every leg of that call at every device the session
    /// monitors.
    fn clear_call(&self, call: &ConnectionId) -> Result<Plan, Refusal> {
        let Some(call_id) = &call.call_id else {
            let why = "ClearCall without a callID".into();
            return Err(refuse(
                ErrorCategory::Operation,
                operation::INVALID_CALL_ID,
                why,
            ));
        };
        let found = self.legs_at_monitored(call_id)?;
        let steps = found
            .iter()
            .flat_map(|(user, _, legs)| legs.iter().map(|p| actions::release(user, &p.leg)))
            .collect();
        let (user, device) = (found[0].0.clone(), found[0].1.clone());
        let reply = Reply::Ack(Ack::ClearCall);
        Ok(Plan::new(self.request, user, device, steps, reply))
    }

    /// SingleStepTransferCall: a blind transfer of the active call.
    fn single_step_transfer(&self, active: &ConnectionId, to: &str) -> Result<Plan, Refusal> {
        let conn = self.resolve(active)?;
        let steps = vec![actions::blind_transfer(&conn.user, conn.leg(), to)];
        let reply = Reply::SingleStepTransfer {
            call_id: conn.csta_call.clone(),
        };
        Ok(self.plan(conn, steps, reply))
    }

    /// DeflectCall: a blind transfer of the alerting call.
    fn deflect(&self, call: &ConnectionId, to: &str) -> Result<Plan, Refusal> {
        let conn = self.resolve(call)?;
        let steps = vec![actions::blind_transfer(&conn.user, conn.leg(), to)];
        Ok(self.plan(conn, steps, Reply::Ack(Ack::DeflectCall)))
    }

    /// ConsultationCall: hold the existing call, then call the consulted
    /// device.
    fn consultation(&self, existing: &ConnectionId, consulted: &str) -> Result<Plan, Refusal> {
        let conn = self.resolve(existing)?;
        let steps = vec![
            actions::hold(&conn.user, conn.leg()),
            actions::make_call(&conn.user, consulted),
        ];
        let mut plan = self.plan(conn, steps, Reply::Consultation);
        plan.dialled = Some(consulted.to_owned());
        Ok(plan)
    }

    /// TransferCall: a consultative transfer of the held call to the
    /// active one.
    fn transfer(&self, held: &ConnectionId, active: &ConnectionId) -> Result<Plan, Refusal> {
        let (held, active) = self.resolve_pair(held, active)?;
        let steps = vec![actions::consult_transfer(
            &held.user,
            held.leg(),
            active.leg(),
        )];
        let reply = Reply::Transfer {
            call_id: active.csta_call.clone(),
        };
        Ok(self.plan(held, steps, reply))
    }

    /// ConferenceCall: the held and the active call in one conference.
    fn conference(&self, held: &ConnectionId, active: &ConnectionId) -> Result<Plan, Refusal> {
        let (held, active) = self.resolve_pair(held, active)?;
        let steps = vec![actions::conference(&held.user, &[held.leg(), active.leg()])];
        let reply = Reply::Conference {
            call_id: held.csta_call.clone(),
        };
        Ok(self.plan(held, steps, reply))
    }

    /// AlternateCall: hold the active call, talk on the held one.
    fn alternate(&self, held: &ConnectionId, active: &ConnectionId) -> Result<Plan, Refusal> {
        let (held, active) = self.resolve_pair(held, active)?;
        let steps = vec![
            actions::hold(&active.user, active.leg()),
            actions::talk(&held.user, held.leg()),
        ];
        Ok(self.plan(held, steps, Reply::Ack(Ack::AlternateCall)))
    }

    /// GenerateDigits: DTMF on the connection's leg.
    fn generate_digits(&self, connection: &ConnectionId, digits: &str) -> Result<Plan, Refusal> {
        let conn = self.resolve(connection)?;
        let steps = vec![actions::transmit_dtmf(&conn.user, conn.leg(), digits)];
        Ok(self.plan(conn, steps, Reply::Ack(Ack::GenerateDigits)))
    }

    /// SetDoNotDisturb: the device's DoNotDisturb service.
    fn do_not_disturb(&self, device: &str, on: bool) -> Result<Plan, Refusal> {
        let user = device_user(device, self.scope)?;
        let step = actions::do_not_disturb(&user, on);
        Ok(self.device_plan(user, device, step, Reply::Ack(Ack::SetDoNotDisturb)))
    }

    /// SetForwarding: the device's CallForwardingAlways; forwardImmediate
    /// is the one type supported.
    fn forwarding(
        &self,
        device: &str,
        forwarding_type: Option<&str>,
        activate: bool,
        forward_dn: Option<&str>,
    ) -> Result<Plan, Refusal> {
        let user = device_user(device, self.scope)?;
        if forwarding_type.is_some_and(|t| t != "forwardImmediate") {
            return Err(refuse(
                ErrorCategory::Operation,
                operation::INVALID_FORWARDING_TYPE,
                format!(
                    "forwarding type {} is not supported (only forwardImmediate)",
                    forwarding_type.unwrap_or_default()
                ),
            ));
        }
        if activate && forward_dn.is_none() {
            return Err(refuse(
                ErrorCategory::Operation,
                operation::INVALID_FORWARDING_DESTINATION,
                "forwarding switched on without a forwardDN".into(),
            ));
        }
        let step = actions::call_forwarding_always(&user, activate, forward_dn);
        Ok(self.device_plan(user, device, step, Reply::Ack(Ack::SetForwarding)))
    }
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
                Returned::AgentState(state) => state
                    .as_deref()
                    .and_then(AgentState::from_xsi)
                    .map(agent::reported),
                _ => None,
            };
            build::get_agent_state_response(ns, &plan.device, state)
        }
        Reply::DoNotDisturb => {
            let on = matches!(returned, Returned::DoNotDisturb(true));
            build::get_do_not_disturb_response(ns, on)
        }
        Reply::Forwarding => match returned {
            Returned::Forwarding { active, forward_to } => {
                build::get_forwarding_response(ns, *active, forward_to.as_deref())
            }
            _ => build::get_forwarding_response(ns, false, None),
        },
        Reply::SnapshotCall(items) => build::snapshot_call_response(ns, items),
        Reply::Picked(pickup) => build::picked_call_response(ns, *pickup, &new_connection()),
        Reply::Recording { message } => build::record_message_response(ns, message),
        Reply::Routed { .. } | Reply::Silent => return None,
    })
}

/// The CSTA error for a failed job (README, Call control): a 404 on a call means the
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
        ActionFailure::Unavailable { .. } | ActionFailure::Uncertain { .. } => (
            ErrorCategory::SystemResourceAvailability,
            system_resource::RESOURCE_OUT_OF_SERVICE,
        ),
    }
}

#[cfg(test)]
mod tests;
