//! The XML documents the server sends: responses, errors, and its own
//! requests (`SystemStatus`, `MonitorStop`).
//!
//! Invariants:
//! - every document is complete and well-formed (built with
//!   [`XmlWriter`], which escapes all values), with children in schema
//!   sequence order, which the tests check against the derived ECMA-323 ed3
//!   and ed6 structure files;
//! - ECMA-323 messages go out in the namespace the caller passes (the
//!   client's edition, see [`super::edition::Edition::namespace`]); ECMA-354
//!   session messages always use [`APPL_SESSION_NS`];
//! - enumerated values come from the typed enums and constants here, which
//!   the tests check against the schema's enumerations; free-text values
//!   (ids, `error_code`'s value) are the caller's responsibility.

mod contact;
mod features;

pub use contact::{
    agent_state, get_agent_state_response, route_end, route_register_response, route_request,
    RouteRequestInfo,
};
pub use features::{
    get_do_not_disturb_response, get_forwarding_response, picked_call_response,
    record_message_response, snapshot_call_response, Pickup, SnapshotCallItem,
};

use super::edition::APPL_SESSION_NS;
use super::parse::{ConnectionId, SnapshotItem};
use crate::xml::XmlWriter;

/// Values of `systemStatus` the server reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemStatus {
    Normal,
    Disabled,
    Initializing,
    Enabled,
    MessagesLost,
    PartiallyDisabled,
}

impl SystemStatus {
    /// The schema's spelling, e.g. `"partiallyDisabled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemStatus::Normal => "normal",
            SystemStatus::Disabled => "disabled",
            SystemStatus::Initializing => "initializing",
            SystemStatus::Enabled => "enabled",
            SystemStatus::MessagesLost => "messagesLost",
            SystemStatus::PartiallyDisabled => "partiallyDisabled",
        }
    }
}

/// The category element of a `CSTAErrorCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCategory {
    Operation,
    StateIncompatibility,
    /// Element `systemResourceAvailibility`: the schema's own spelling.
    SystemResourceAvailability,
    SubscribedResourceAvailability,
    Security,
    PerformanceManagement,
    /// Element `<unspecified/>`, which carries no value.
    Unspecified,
}

impl ErrorCategory {
    /// The element name, verbatim from the schema.
    pub fn element(self) -> &'static str {
        match self {
            ErrorCategory::Operation => "operation",
            ErrorCategory::StateIncompatibility => "stateIncompatibility",
            ErrorCategory::SystemResourceAvailability => "systemResourceAvailibility",
            ErrorCategory::SubscribedResourceAvailability => "subscribedResourceAvailability",
            ErrorCategory::Security => "security",
            ErrorCategory::PerformanceManagement => "performanceManagement",
            ErrorCategory::Unspecified => "unspecified",
        }
    }
}

/// `OperationErrors` values the server uses with [`ErrorCategory::Operation`].
pub mod operation {
    /// A frame that is not well-formed XML, or any other failure.
    pub const GENERIC: &str = "generic";
    /// A request the server does not implement.
    pub const SERVICE_NOT_SUPPORTED: &str = "serviceNotSupported";
    /// MonitorStop (or an event filter change) for an unknown cross-ref id.
    pub const INVALID_MONITOR_CROSS_REF_ID: &str = "invalidMonitorCrossRefID";
    /// A device the switch does not know.
    pub const INVALID_DEVICE_ID: &str = "invalidDeviceID";
    /// A monitor object that cannot be monitored.
    pub const INVALID_MONITOR_OBJECT: &str = "invalidMonitorObject";
    /// A call (rather than device) monitor was requested.
    pub const INVALID_MONITOR_OBJECT_TYPE: &str = "invalidMonitorObjectType";
    /// A value of the wrong type or out of range.
    pub const INVALID_PARAMETER_VALUE: &str = "invalidParameterValue";
    /// A mandatory parameter is missing.
    pub const AT_LEAST_ONE_CONDITIONAL_PARAMETER_NOT_PROVIDED: &str =
        "atLeastOneConditionalParameterNotProvided";
    /// A ConnectionID that names no connection.
    pub const INVALID_CONNECTION_ID: &str = "invalidConnectionID";
    /// A callID that names no call.
    pub const INVALID_CALL_ID: &str = "invalidCallID";
    /// MakeCall from a device the session does not monitor.
    pub const INVALID_CALLING_DEVICE_ID: &str = "invalidCallingDeviceID";
    /// SetForwarding of a kind the switch cannot set.
    pub const INVALID_FORWARDING_TYPE: &str = "invalidForwardingType";
    /// SetForwarding on without a destination.
    pub const INVALID_FORWARDING_DESTINATION: &str = "invalidForwardingDestination";
    /// RouteSelect or RouteEnd of a routeing dialogue the session does not have.
    pub const INVALID_ROUTEING_CROSS_REF_ID: &str = "invalidRouteingCrossRefID";
    /// RouteRegisterCancel of a registration the session does not have.
    pub const INVALID_ROUTE_REGISTRATION_CROSS_REF_ID: &str = "invalidRouteRegistrationCrossRefID";
    /// PlayMessage of a message other than 0–4.
    pub const INVALID_MSG_ID: &str = "invalidMsgID";
    /// SnapshotDevice of a device the session does not monitor.
    pub const OBJECT_NOT_KNOWN: &str = "objectNotKnown";
    /// A device outside the client's `csta.clients` devices, or a request
    /// that a `control: false` client may not make.
    pub const PRIVILEGE_VIOLATION_SPECIFIED_DEVICE: &str = "privilegeViolationSpecifiedDevice";
    /// MakeCall from a device outside the client's `csta.clients` devices.
    pub const PRIVILEGE_VIOLATION_CALLING_DEVICE: &str = "privilegeViolationCallingDevice";
}

/// `StateIncompatibilityErrors` values the server uses.
pub mod state_incompatibility {
    /// The switch refused the request in the object's current state.
    pub const INVALID_OBJECT_STATE: &str = "invalidObjectState";
}

/// `SystemResourceAvailabilityErrors` values the server uses.
pub mod system_resource {
    /// No XSP could carry out the request (5xx, timeout, unreachable).
    pub const RESOURCE_OUT_OF_SERVICE: &str = "resourceOutOfService";
    /// Too many requests waiting already.
    pub const RESOURCE_BUSY: &str = "resourceBusy";
    /// A session has as many routeing registrations as it may.
    pub const REGISTRATION_LIMIT_EXCEEDED: &str = "registrationLimitExceeded";
}

/// ECMA-354 `definedError` values of `StartApplicationSessionNegResponse`.
pub mod session_error {
    pub const INVALID_APPLICATION_INFO: &str = "invalidApplicationInfo";
    pub const REQUESTED_PROTOCOL_VERSION_NOT_SUPPORTED: &str =
        "requestedProtocolVersionNotSupported";
    pub const SERVER_RESOURCES_BUSY: &str = "serverResourcesBusy";
    pub const MAX_NUMBER_SESSIONS: &str = "maxNumberSessions";
}

/// A document whose root `name` is in namespace `ns`, with `body` as its
/// content.
fn document(name: &str, ns: &str, body: impl FnOnce(&mut XmlWriter)) -> String {
    let mut w = XmlWriter::new();
    w.root(name, ns);
    body(&mut w);
    w.finish()
}

/// `<CSTAErrorCode><operation>value</operation></CSTAErrorCode>`; `value`
/// is ignored for [`ErrorCategory::Unspecified`].
pub fn error_code(ns: &str, category: ErrorCategory, value: &str) -> String {
    document("CSTAErrorCode", ns, |w| match category {
        ErrorCategory::Unspecified => w.empty(category.element()),
        _ => w.leaf(category.element(), value),
    })
}

/// The server's own `SystemStatus` request.
pub fn system_status(ns: &str, status: SystemStatus) -> String {
    document("SystemStatus", ns, |w| {
        w.leaf("systemStatus", status.as_str())
    })
}

/// Acknowledges a client's `SystemStatus`.
pub fn system_status_response(ns: &str) -> String {
    document("SystemStatusResponse", ns, |_| {})
}

pub fn request_system_status_response(ns: &str, status: SystemStatus) -> String {
    document("RequestSystemStatusResponse", ns, |w| {
        w.leaf("systemStatus", status.as_str())
    })
}

pub fn system_register_response(ns: &str, register_id: &str) -> String {
    document("SystemRegisterResponse", ns, |w| {
        w.leaf("sysStatRegisterID", register_id)
    })
}

pub fn system_register_cancel_response(ns: &str) -> String {
    document("SystemRegisterCancelResponse", ns, |_| {})
}

pub fn monitor_start_response(ns: &str, cross_ref: &str) -> String {
    document("MonitorStartResponse", ns, |w| {
        w.leaf("monitorCrossRefID", cross_ref)
    })
}

/// The server's own `MonitorStop`, sent when it ends a monitor by itself.
pub fn monitor_stop(ns: &str, cross_ref: &str) -> String {
    document("MonitorStop", ns, |w| {
        w.leaf("monitorCrossRefID", cross_ref)
    })
}

pub fn monitor_stop_response(ns: &str) -> String {
    document("MonitorStopResponse", ns, |_| {})
}

/// `crossRefIDorSnapshotData/snapshotData` with one
/// `snapshotDeviceResponseInfo` per item (an empty `<snapshotData/>` when
/// there are no calls).
pub fn snapshot_device_response(ns: &str, items: &[SnapshotItem]) -> String {
    document("SnapshotDeviceResponse", ns, |w| {
        snapshot_data(w, items, snapshot_info)
    })
}

/// `crossRefIDorSnapshotData/snapshotData` with one entry per item,
/// written by `entry` (an empty `<snapshotData/>` when there are none).
fn snapshot_data<T>(w: &mut XmlWriter, items: &[T], entry: fn(&mut XmlWriter, &T)) {
    w.open("crossRefIDorSnapshotData");
    if items.is_empty() {
        w.empty("snapshotData");
    } else {
        w.open("snapshotData");
        for item in items {
            entry(w, item);
        }
        w.close("snapshotData");
    }
    w.close("crossRefIDorSnapshotData");
}

/// One call: its ConnectionID (empty parts left out) and the device's
/// connection state (`<unknown/>` when the state is empty).
fn snapshot_info(w: &mut XmlWriter, item: &SnapshotItem) {
    w.open("snapshotDeviceResponseInfo");
    w.open("connectionIdentifier");
    if !item.call_id.is_empty() {
        w.leaf("callID", &item.call_id);
    }
    if !item.device_id.is_empty() {
        w.leaf("deviceID", &item.device_id);
    }
    w.close("connectionIdentifier");
    w.open("localCallState");
    if item.local_call_state.is_empty() {
        w.empty("unknown");
    } else {
        w.open("compoundCallState");
        w.leaf("localConnectionState", &item.local_call_state);
        w.close("compoundCallState");
    }
    w.close("localCallState");
    w.close("snapshotDeviceResponseInfo");
}

/// The call-control responses that carry nothing but optional extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    AnswerCall,
    HoldCall,
    RetrieveCall,
    ClearConnection,
    ClearCall,
    DeflectCall,
    ReconnectCall,
    AlternateCall,
    GenerateDigits,
    SetDoNotDisturb,
    SetForwarding,
    SetAgentState,
    RouteRegisterCancel,
    PlayMessage,
    ParkCall,
    IntrudeCall,
    Suspend,
    Resume,
    Stop,
}

impl Ack {
    pub const ALL: [Ack; 19] = [
        Ack::AnswerCall,
        Ack::HoldCall,
        Ack::RetrieveCall,
        Ack::ClearConnection,
        Ack::ClearCall,
        Ack::DeflectCall,
        Ack::ReconnectCall,
        Ack::AlternateCall,
        Ack::GenerateDigits,
        Ack::SetDoNotDisturb,
        Ack::SetForwarding,
        Ack::SetAgentState,
        Ack::RouteRegisterCancel,
        Ack::PlayMessage,
        Ack::ParkCall,
        Ack::IntrudeCall,
        Ack::Suspend,
        Ack::Resume,
        Ack::Stop,
    ];

    /// The response's root element, e.g. `"HoldCallResponse"`.
    pub fn root(self) -> &'static str {
        match self {
            Ack::AnswerCall => "AnswerCallResponse",
            Ack::HoldCall => "HoldCallResponse",
            Ack::RetrieveCall => "RetrieveCallResponse",
            Ack::ClearConnection => "ClearConnectionResponse",
            Ack::ClearCall => "ClearCallResponse",
            Ack::DeflectCall => "DeflectCallResponse",
            Ack::ReconnectCall => "ReconnectCallResponse",
            Ack::AlternateCall => "AlternateCallResponse",
            Ack::GenerateDigits => "GenerateDigitsResponse",
            Ack::SetDoNotDisturb => "SetDoNotDisturbResponse",
            Ack::SetForwarding => "SetForwardingResponse",
            Ack::SetAgentState => "SetAgentStateResponse",
            Ack::RouteRegisterCancel => "RouteRegisterCancelResponse",
            Ack::PlayMessage => "PlayMessageResponse",
            Ack::ParkCall => "ParkCallResponse",
            Ack::IntrudeCall => "IntrudeCallResponse",
            Ack::Suspend => "SuspendResponse",
            Ack::Resume => "ResumeResponse",
            Ack::Stop => "StopResponse",
        }
    }
}

/// An empty positive call-control response.
pub fn ack_response(ns: &str, ack: Ack) -> String {
    document(ack.root(), ns, |_| {})
}

/// `<name><callID/><deviceID/></name>`, absent parts left out (schema
/// order: callID first).
fn connection(w: &mut XmlWriter, name: &str, c: &ConnectionId) {
    w.open(name);
    if let Some(call) = &c.call_id {
        w.leaf("callID", call);
    }
    if let Some(device) = &c.device_id {
        w.leaf("deviceID", device);
    }
    w.close(name);
}

/// A response whose one child is the ConnectionID `child`.
fn connection_response(ns: &str, root: &str, child: &str, c: &ConnectionId) -> String {
    document(root, ns, |w| connection(w, child, c))
}

/// `MakeCallResponse`: the calling device's connection in the new call.
pub fn make_call_response(ns: &str, calling: &ConnectionId) -> String {
    connection_response(ns, "MakeCallResponse", "callingDevice", calling)
}

/// `ConsultationCallResponse`: the consulting device's connection in the
/// new (consultation) call.
pub fn consultation_call_response(ns: &str, initiated: &ConnectionId) -> String {
    connection_response(ns, "ConsultationCallResponse", "initiatedCall", initiated)
}

/// `TransferCallResponse` with the resulting call.
pub fn transfer_call_response(ns: &str, transferred: &ConnectionId) -> String {
    connection_response(ns, "TransferCallResponse", "transferredCall", transferred)
}

/// `SingleStepTransferCallResponse` with the transferred call.
pub fn single_step_transfer_call_response(ns: &str, transferred: &ConnectionId) -> String {
    connection_response(
        ns,
        "SingleStepTransferCallResponse",
        "transferredCall",
        transferred,
    )
}

/// `ConferenceCallResponse` with the conference's connection.
pub fn conference_call_response(ns: &str, conference: &ConnectionId) -> String {
    connection_response(ns, "ConferenceCallResponse", "conferenceCall", conference)
}

/// ECMA-354 positive answer to `StartApplicationSession`.
pub fn start_application_session_pos_response(
    session_id: &str,
    protocol_version: &str,
    duration: u32,
) -> String {
    document("StartApplicationSessionPosResponse", APPL_SESSION_NS, |w| {
        w.leaf("sessionID", session_id);
        w.leaf("actualProtocolVersion", protocol_version);
        w.leaf("actualSessionDuration", &duration.to_string());
    })
}

/// ECMA-354 refusal; `defined_error` is one of [`session_error`].
pub fn start_application_session_neg_response(defined_error: &str) -> String {
    document("StartApplicationSessionNegResponse", APPL_SESSION_NS, |w| {
        w.open("errorCode");
        w.leaf("definedError", defined_error);
        w.close("errorCode");
    })
}

pub fn stop_application_session_pos_response() -> String {
    document("StopApplicationSessionPosResponse", APPL_SESSION_NS, |_| {})
}

pub fn reset_application_session_timer_pos_response(duration: u32) -> String {
    document(
        "ResetApplicationSessionTimerPosResponse",
        APPL_SESSION_NS,
        |w| w.leaf("actualSessionDuration", &duration.to_string()),
    )
}

#[cfg(test)]
mod tests;
