//! The readers of the feature requests of README, Call control: the
//! device queries (GetDoNotDisturb, GetForwarding), SnapshotCall, the
//! pickups (DirectedPickupCall, GroupPickupCall), ParkCall, IntrudeCall and
//! recording (RecordMessage, Suspend, Resume, Stop); and of the answers
//! that carry data (for the test client).

use super::node::Node;
use super::{Message, Parsed};

pub(super) fn get_do_not_disturb(m: Node<'_>) -> Parsed<Message> {
    let device = m.required_text("device")?;
    Ok(Message::GetDoNotDisturb { device })
}

pub(super) fn get_forwarding(m: Node<'_>) -> Parsed<Message> {
    let device = m.required_text("device")?;
    Ok(Message::GetForwarding { device })
}

pub(super) fn snapshot_call(m: Node<'_>) -> Parsed<Message> {
    let call = m.connection("snapshotObject")?;
    Ok(Message::SnapshotCall { call })
}

pub(super) fn directed_pickup_call(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::DirectedPickupCall {
        call: m.connection("callToBePickedUp")?,
        requesting_device: m.required_text("requestingDevice")?,
    })
}

pub(super) fn group_pickup_call(m: Node<'_>) -> Parsed<Message> {
    let new_destination = m.required_text("newDestination")?;
    Ok(Message::GroupPickupCall { new_destination })
}

pub(super) fn park_call(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::ParkCall {
        parking: m.connection("parking")?,
        park_to: m.optional_text("parkTo"),
    })
}

/// IntrudeCall names no requesting device in ECMA-323: a client may give
/// it as `extensions/privateData/private/requestingDevice` (a fixed path;
/// README, Call control).
pub(super) fn intrude_call(m: Node<'_>) -> Parsed<Message> {
    let requesting_device = m
        .child("extensions")
        .and_then(|e| e.child("privateData"))
        .and_then(|p| p.child("private"))
        .and_then(|p| p.optional_text("requestingDevice"));
    Ok(Message::IntrudeCall {
        intrude: m.connection("intrude")?,
        requesting_device,
    })
}

pub(super) fn record_message(m: Node<'_>) -> Parsed<Message> {
    let call = m.connection("callToBeRecorded")?;
    Ok(Message::RecordMessage { call })
}

/// Suspend, Resume and Stop: a connection and, optionally, the message
/// (the recording: `rec-<callID>`) under the element name of each.
fn recording_control(m: Node<'_>, message: &str) -> Parsed<(super::ConnectionId, Option<String>)> {
    Ok((m.connection("connection")?, m.optional_text(message)))
}

pub(super) fn suspend(m: Node<'_>) -> Parsed<Message> {
    let (connection, message) = recording_control(m, "message")?;
    Ok(Message::Suspend {
        connection,
        message,
    })
}

pub(super) fn resume(m: Node<'_>) -> Parsed<Message> {
    let (connection, message) = recording_control(m, "messageToResume")?;
    Ok(Message::Resume {
        connection,
        message,
    })
}

pub(super) fn stop(m: Node<'_>) -> Parsed<Message> {
    let (connection, message) = recording_control(m, "messageToBeStopped")?;
    Ok(Message::Stop {
        connection,
        message,
    })
}

pub(super) fn get_do_not_disturb_response(m: Node<'_>) -> Parsed<Message> {
    let on = m.required_bool("doNotDisturbOn")?;
    Ok(Message::GetDoNotDisturbResponse { on })
}

pub(super) fn get_forwarding_response(m: Node<'_>) -> Parsed<Message> {
    let item = m
        .child("forwardingList")
        .and_then(|list| list.child("forwardListItem"));
    let (on, forward_dn) = match item {
        Some(item) => (
            item.optional_bool("forwardStatus")?,
            item.optional_text("forwardDN"),
        ),
        None => (None, None),
    };
    Ok(Message::GetForwardingResponse { on, forward_dn })
}

pub(super) fn pickup_call_response(m: Node<'_>) -> Parsed<Message> {
    let picked_call = m.connection("pickedCall")?;
    Ok(Message::PickupCallResponse { picked_call })
}

pub(super) fn record_message_response(m: Node<'_>) -> Parsed<Message> {
    let message = m.required_text("resultingMessage")?;
    Ok(Message::RecordMessageResponse { message })
}
