//! What a message asks of the server and which devices it names, in which
//! role: what the per-client device scope (`csta.clients`, README "Securing
//! the CSTA link") is checked against, before anything else looks at a
//! request.
//!
//! [`Message::named`] matches every message kind without a wildcard arm,
//! so a new request kind does not compile until it says what it names.

use super::{ConnectionId, Message};

/// What a message asks of the server (`csta.clients[].control: false`
/// allows all but [`Access::Control`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Not a request: an answer, an event or an error a client sends back,
    /// or a root the server does not know (answered `serviceNotSupported`).
    None,
    /// Application session and system services; no device.
    Session,
    /// Starting and stopping monitors.
    Monitor,
    /// Snapshots and queries: reads nothing but state.
    Query,
    /// Everything that changes a call, a device, an agent or routeing.
    Control,
}

/// The part a device plays in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// MakeCall's `callingDevice`.
    Calling,
    /// The device the request is about (`deviceObject`, `snapshotObject`,
    /// `device`).
    Specified,
    /// RouteRegister's `routeingDevice`.
    RoutePoint,
    /// The `deviceID` of a connection the request acts on.
    Connection,
    /// A number to reach (called number, transfer or deflection target,
    /// consulted device, selected route): dialled, not acted on.
    Destination,
}

/// [`Message::named`]: what a message does and the devices it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named<'a> {
    pub access: Access,
    /// In document order; devices are trimmed, empty ones left out.
    pub devices: Vec<(Role, &'a str)>,
}

impl Named<'_> {
    fn of(access: Access) -> Self {
        Named {
            access,
            devices: Vec::new(),
        }
    }
}

impl<'a> Named<'a> {
    fn with(mut self, role: Role, device: &'a str) -> Self {
        let device = device.trim();
        if !device.is_empty() {
            self.devices.push((role, device));
        }
        self
    }

    fn with_optional(self, role: Role, device: Option<&'a String>) -> Self {
        match device {
            Some(device) => self.with(role, device),
            None => self,
        }
    }

    fn with_connection(self, connection: &'a ConnectionId) -> Self {
        match connection.device_id.as_deref() {
            Some(device) => self.with(Role::Connection, device),
            None => self,
        }
    }
}

impl Message {
    /// What this message asks of the server and the devices it names.
    /// A connection given by its callID alone names no device: the server
    /// finds it among the devices the session monitors, which are in scope.
    pub fn named(&self) -> Named<'_> {
        use Access::{Control, Monitor, Query, Session};
        match self {
            Message::StartApplicationSession { .. }
            | Message::StopApplicationSession { .. }
            | Message::ResetApplicationSessionTimer { .. }
            | Message::SystemRegister { .. }
            | Message::SystemRegisterCancel { .. }
            | Message::RequestSystemStatus
            | Message::SystemStatus { .. } => Named::of(Session),
            Message::MonitorStart { device, .. } => {
                Named::of(Monitor).with(Role::Specified, device)
            }
            // Names the session's own monitor.
            Message::MonitorStop { .. } => Named::of(Monitor),
            Message::SnapshotDevice { device }
            | Message::GetAgentState { device }
            | Message::GetDoNotDisturb { device }
            | Message::GetForwarding { device } => Named::of(Query).with(Role::Specified, device),
            Message::SnapshotCall { call } => Named::of(Query).with_connection(call),
            Message::MakeCall {
                calling_device,
                called_directory_number,
            } => Named::of(Control)
                .with(Role::Calling, calling_device)
                .with(Role::Destination, called_directory_number),
            Message::AnswerCall { call }
            | Message::ClearCall { call }
            | Message::HoldCall { call }
            | Message::RetrieveCall { call } => Named::of(Control).with_connection(call),
            Message::ClearConnection { connection }
            | Message::GenerateDigits { connection, .. }
            | Message::PlayMessage { connection, .. } => {
                Named::of(Control).with_connection(connection)
            }
            Message::ConsultationCall {
                existing_call,
                consulted_device,
            } => Named::of(Control)
                .with_connection(existing_call)
                .with(Role::Destination, consulted_device),
            Message::TransferCall {
                held_call,
                active_call,
            }
            | Message::ConferenceCall {
                held_call,
                active_call,
            }
            | Message::AlternateCall {
                held_call,
                active_call,
            } => Named::of(Control)
                .with_connection(held_call)
                .with_connection(active_call),
            Message::ReconnectCall {
                active_call,
                held_call,
            } => Named::of(Control)
                .with_connection(active_call)
                .with_connection(held_call),
            Message::SingleStepTransferCall {
                active_call,
                transferred_to,
            } => Named::of(Control)
                .with_connection(active_call)
                .with(Role::Destination, transferred_to),
            Message::DeflectCall {
                call,
                new_destination,
            } => Named::of(Control)
                .with_connection(call)
                .with(Role::Destination, new_destination),
            Message::SetForwarding {
                device, forward_dn, ..
            } => Named::of(Control)
                .with(Role::Specified, device)
                .with_optional(Role::Destination, forward_dn.as_ref()),
            Message::SetDoNotDisturb { device, .. } | Message::SetAgentState { device, .. } => {
                Named::of(Control).with(Role::Specified, device)
            }
            // The call ringing (or talking) at the connection's device is
            // taken over by the requesting device: both are acted on.
            Message::DirectedPickupCall {
                call,
                requesting_device,
            } => Named::of(Control)
                .with_connection(call)
                .with(Role::Specified, requesting_device),
            Message::IntrudeCall {
                intrude,
                requesting_device,
            } => Named::of(Control)
                .with_connection(intrude)
                // None: the one other device the session monitors, in scope.
                .with_optional(Role::Specified, requesting_device.as_ref()),
            Message::GroupPickupCall { new_destination } => {
                Named::of(Control).with(Role::Specified, new_destination)
            }
            // The park location holds the call for anyone to retrieve: a
            // number to reach, as a transfer target is.
            Message::ParkCall { parking, park_to } => Named::of(Control)
                .with_connection(parking)
                .with_optional(Role::Destination, park_to.as_ref()),
            Message::RecordMessage { call: connection }
            | Message::Suspend { connection, .. }
            | Message::Resume { connection, .. }
            | Message::Stop { connection, .. } => Named::of(Control).with_connection(connection),
            Message::RouteRegister { device } => match device {
                Some(device) => Named::of(Control).with(Role::RoutePoint, device),
                // Every route point in the client's scope (see the routeing).
                None => Named::of(Control),
            },
            // Name the session's own registration or routeing dialogue.
            Message::RouteRegisterCancel { .. } | Message::RouteEnd { .. } => Named::of(Control),
            Message::RouteSelect { route_selected, .. } => {
                Named::of(Control).with(Role::Destination, route_selected)
            }
            Message::StartApplicationSessionPosResponse { .. }
            | Message::StartApplicationSessionNegResponse { .. }
            | Message::StopApplicationSessionPosResponse
            | Message::ResetApplicationSessionTimerPosResponse { .. }
            | Message::SystemRegisterResponse { .. }
            | Message::SystemRegisterCancelResponse
            | Message::RequestSystemStatusResponse { .. }
            | Message::SystemStatusResponse
            | Message::MonitorStartResponse { .. }
            | Message::MonitorStopResponse
            | Message::SnapshotDeviceResponse { .. }
            | Message::MakeCallResponse { .. }
            | Message::ConsultationCallResponse { .. }
            | Message::SetAgentStateResponse
            | Message::GetAgentStateResponse { .. }
            | Message::RouteRegisterResponse { .. }
            | Message::RouteRegisterCancelResponse
            | Message::RouteRequest { .. }
            | Message::PlayMessageResponse
            | Message::GetDoNotDisturbResponse { .. }
            | Message::GetForwardingResponse { .. }
            | Message::PickupCallResponse { .. }
            | Message::RecordMessageResponse { .. }
            | Message::Event(_)
            | Message::ErrorCode { .. }
            | Message::Other => Named::of(Access::None),
        }
    }
}

#[cfg(test)]
pub(crate) mod samples;
#[cfg(test)]
mod tests;
