//! Dispatch: the table of known roots and the reader for each.

use sxd_document::dom::Element;

use super::contact::{
    get_agent_state_response, play_message, route_end, route_request, route_select, set_agent_state,
};
use super::features::{
    directed_pickup_call, get_do_not_disturb, get_do_not_disturb_response, get_forwarding,
    get_forwarding_response, group_pickup_call, intrude_call, park_call, pickup_call_response,
    record_message, record_message_response, resume, snapshot_call, stop, suspend,
};
use super::handlers::{
    deflect_call, error_code, event, monitor_start, reset_session_timer, reset_timer_pos_response,
    set_forwarding, snapshot_device_response, start_application_session,
    start_session_neg_response, start_session_pos_response, stop_application_session,
    system_register,
};
use super::node::Node;
use super::{Message, Parsed};

type Handler = for<'d> fn(Node<'d>) -> Parsed<Message>;

/// Known roots. The name doubles as the `message` of errors.
pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("StartApplicationSession", start_application_session),
    (
        "StartApplicationSessionPosResponse",
        start_session_pos_response,
    ),
    (
        "StartApplicationSessionNegResponse",
        start_session_neg_response,
    ),
    ("StopApplicationSession", stop_application_session),
    ("StopApplicationSessionPosResponse", |_| {
        Ok(Message::StopApplicationSessionPosResponse)
    }),
    ("ResetApplicationSessionTimer", reset_session_timer),
    (
        "ResetApplicationSessionTimerPosResponse",
        reset_timer_pos_response,
    ),
    ("SystemRegister", system_register),
    ("SystemRegisterResponse", |m| {
        let register_id = m.required_text("sysStatRegisterID")?;
        Ok(Message::SystemRegisterResponse { register_id })
    }),
    ("SystemRegisterCancel", |m| {
        let register_id = m.required_text("sysStatRegisterID")?;
        Ok(Message::SystemRegisterCancel { register_id })
    }),
    ("SystemRegisterCancelResponse", |_| {
        Ok(Message::SystemRegisterCancelResponse)
    }),
    ("RequestSystemStatus", |_| Ok(Message::RequestSystemStatus)),
    ("RequestSystemStatusResponse", |m| {
        let status = m.required_text("systemStatus")?;
        Ok(Message::RequestSystemStatusResponse { status })
    }),
    ("SystemStatus", |m| {
        let status = m.required_text("systemStatus")?;
        Ok(Message::SystemStatus { status })
    }),
    ("SystemStatusResponse", |_| {
        Ok(Message::SystemStatusResponse)
    }),
    ("MonitorStart", monitor_start),
    ("MonitorStartResponse", |m| {
        let cross_ref = m.required_text("monitorCrossRefID")?;
        Ok(Message::MonitorStartResponse { cross_ref })
    }),
    ("MonitorStop", |m| {
        let cross_ref = m.required_text("monitorCrossRefID")?;
        Ok(Message::MonitorStop { cross_ref })
    }),
    ("MonitorStopResponse", |_| Ok(Message::MonitorStopResponse)),
    ("SnapshotDevice", |m| {
        let device = m.required_text("snapshotObject")?;
        Ok(Message::SnapshotDevice { device })
    }),
    ("SnapshotDeviceResponse", snapshot_device_response),
    ("MakeCall", |m| {
        Ok(Message::MakeCall {
            calling_device: m.required_text("callingDevice")?,
            called_directory_number: m.required_text("calledDirectoryNumber")?,
        })
    }),
    ("MakeCallResponse", |m| {
        let calling_device = m.connection("callingDevice")?;
        Ok(Message::MakeCallResponse { calling_device })
    }),
    ("AnswerCall", |m| {
        let call = m.connection("callToBeAnswered")?;
        Ok(Message::AnswerCall { call })
    }),
    ("ClearConnection", |m| {
        let connection = m.connection("connectionToBeCleared")?;
        Ok(Message::ClearConnection { connection })
    }),
    ("ClearCall", |m| {
        let call = m.connection("callToBeCleared")?;
        Ok(Message::ClearCall { call })
    }),
    ("HoldCall", |m| {
        let call = m.connection("callToBeHeld")?;
        Ok(Message::HoldCall { call })
    }),
    ("RetrieveCall", |m| {
        let call = m.connection("callToBeRetrieved")?;
        Ok(Message::RetrieveCall { call })
    }),
    ("ConsultationCall", |m| {
        Ok(Message::ConsultationCall {
            existing_call: m.connection("existingCall")?,
            consulted_device: m.required_text("consultedDevice")?,
        })
    }),
    ("ConsultationCallResponse", |m| {
        let initiated_call = m.connection("initiatedCall")?;
        Ok(Message::ConsultationCallResponse { initiated_call })
    }),
    ("TransferCall", |m| {
        Ok(Message::TransferCall {
            held_call: m.connection("heldCall")?,
            active_call: m.connection("activeCall")?,
        })
    }),
    ("SingleStepTransferCall", |m| {
        Ok(Message::SingleStepTransferCall {
            active_call: m.connection("activeCall")?,
            transferred_to: m.required_text("transferredTo")?,
        })
    }),
    ("ConferenceCall", |m| {
        Ok(Message::ConferenceCall {
            held_call: m.connection("heldCall")?,
            active_call: m.connection("activeCall")?,
        })
    }),
    ("ReconnectCall", |m| {
        Ok(Message::ReconnectCall {
            active_call: m.connection("activeCall")?,
            held_call: m.connection("heldCall")?,
        })
    }),
    ("AlternateCall", |m| {
        Ok(Message::AlternateCall {
            held_call: m.connection("heldCall")?,
            active_call: m.connection("activeCall")?,
        })
    }),
    ("DeflectCall", deflect_call),
    ("GenerateDigits", |m| {
        Ok(Message::GenerateDigits {
            connection: m.connection("connectionToSendDigits")?,
            digits: m.required_text("charactersToSend")?,
        })
    }),
    ("SetDoNotDisturb", |m| {
        Ok(Message::SetDoNotDisturb {
            device: m.required_text("device")?,
            on: m.required_bool("doNotDisturbOn")?,
        })
    }),
    ("SetForwarding", set_forwarding),
    ("GetDoNotDisturb", get_do_not_disturb),
    ("GetForwarding", get_forwarding),
    ("SnapshotCall", snapshot_call),
    ("DirectedPickupCall", directed_pickup_call),
    ("GroupPickupCall", group_pickup_call),
    ("ParkCall", park_call),
    ("IntrudeCall", intrude_call),
    ("RecordMessage", record_message),
    ("Suspend", suspend),
    ("Resume", resume),
    ("Stop", stop),
    ("GetDoNotDisturbResponse", get_do_not_disturb_response),
    ("GetForwardingResponse", get_forwarding_response),
    ("DirectedPickupCallResponse", pickup_call_response),
    ("GroupPickupCallResponse", pickup_call_response),
    ("RecordMessageResponse", record_message_response),
    ("SetAgentState", set_agent_state),
    ("SetAgentStateResponse", |_| {
        Ok(Message::SetAgentStateResponse)
    }),
    ("GetAgentState", |m| {
        let device = m.required_text("device")?;
        Ok(Message::GetAgentState { device })
    }),
    ("GetAgentStateResponse", get_agent_state_response),
    ("RouteRegister", |m| {
        let device = m.optional_text("routeingDevice");
        Ok(Message::RouteRegister { device })
    }),
    ("RouteRegisterResponse", |m| {
        let register_id = m.required_text("routeRegisterReqID")?;
        Ok(Message::RouteRegisterResponse { register_id })
    }),
    ("RouteRegisterCancel", |m| {
        let register_id = m.required_text("routeRegisterReqID")?;
        Ok(Message::RouteRegisterCancel { register_id })
    }),
    ("RouteRegisterCancelResponse", |_| {
        Ok(Message::RouteRegisterCancelResponse)
    }),
    ("RouteRequest", route_request),
    ("RouteSelect", route_select),
    ("RouteEnd", route_end),
    ("PlayMessage", play_message),
    ("PlayMessageResponse", |_| Ok(Message::PlayMessageResponse)),
    ("CSTAErrorCode", error_code),
];

/// Picks the handler for the root's local name. Unknown `...Event` roots
/// become [`Message::Event`], any other unknown root [`Message::Other`].
pub(super) fn dispatch(root: Element<'_>, local: &str) -> Parsed<Message> {
    if let Some(&(msg, handler)) = HANDLERS.iter().find(|(name, _)| *name == local) {
        return handler(Node { el: root, msg });
    }
    if local.ends_with("Event") {
        return Ok(Message::Event(event(
            Node {
                el: root,
                msg: "Event",
            },
            local,
        )));
    }
    Ok(Message::Other)
}
