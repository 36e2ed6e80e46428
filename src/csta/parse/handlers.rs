//! The readers of the messages that need more than a line in the dispatch
//! table, grouped as the standard groups them.

use super::node::{connection_id, Node};
use super::{EventInfo, Message, MonitorFilter, ParseError, Parsed, SnapshotItem};
use crate::xml::text::xs_boolean;

// ---------------------------------------------------------------------------
// ECMA-354 session messages

pub(super) fn start_application_session(m: Node<'_>) -> Parsed<Message> {
    // The id is only a label for logs, so an empty one is accepted.
    let application_id = m
        .required("applicationInfo")?
        .required("applicationID")?
        .text();
    let protocol_versions = m
        .child("requestedProtocolVersions")
        .map(|versions| {
            versions
                .children()
                .filter(|v| v.local() == "protocolVersion")
                .map(Node::text)
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(Message::StartApplicationSession {
        application_id,
        protocol_versions,
        requested_duration: m.optional_u32("requestedSessionDuration")?,
    })
}

pub(super) fn start_session_pos_response(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::StartApplicationSessionPosResponse {
        session_id: m.required_text("sessionID")?,
        protocol_version: m.optional_text("actualProtocolVersion"),
        duration: m.optional_u32("actualSessionDuration")?,
    })
}

pub(super) fn start_session_neg_response(m: Node<'_>) -> Parsed<Message> {
    // errorCode is a choice of definedError or applError: take whichever.
    let code = m.required("errorCode")?;
    let error = code.children().next().map(Node::text).unwrap_or_default();
    Ok(Message::StartApplicationSessionNegResponse { error })
}

pub(super) fn stop_application_session(m: Node<'_>) -> Parsed<Message> {
    let session_id = m.required_text("sessionID")?;
    Ok(Message::StopApplicationSession { session_id })
}

pub(super) fn reset_session_timer(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::ResetApplicationSessionTimer {
        session_id: m.required_text("sessionID")?,
        requested_duration: m.optional_u32("requestedSessionDuration")?,
    })
}

pub(super) fn reset_timer_pos_response(m: Node<'_>) -> Parsed<Message> {
    let duration = m.optional_u32("actualSessionDuration")?;
    Ok(Message::ResetApplicationSessionTimerPosResponse { duration })
}

// ---------------------------------------------------------------------------
// System services, monitoring, snapshot

pub(super) fn system_register(m: Node<'_>) -> Parsed<Message> {
    let system_status = match m.child("requestTypes") {
        Some(types) => types.optional_bool("systemStatus")?.unwrap_or(true),
        None => true,
    };
    Ok(Message::SystemRegister { system_status })
}

pub(super) fn monitor_start(m: Node<'_>) -> Parsed<Message> {
    let object = m.required("monitorObject")?;
    let device = match object.child("deviceObject") {
        Some(device) => m.non_empty("deviceObject", device.text())?,
        None => return Err(unsupported_monitor_object(object)),
    };
    Ok(Message::MonitorStart {
        device,
        filter: monitor_filter(m)?,
    })
}

/// The error for a `monitorObject` without a `deviceObject`: call monitors
/// are not offered, and an empty object is simply missing its device.
fn unsupported_monitor_object(object: Node<'_>) -> ParseError {
    match object.child("callObject") {
        Some(call) => object.invalid(
            "callObject",
            call.optional_text("callID").unwrap_or_default(),
        ),
        None => ParseError::Missing {
            message: object.msg,
            element: "deviceObject",
        },
    }
}

/// The `requestedMonitorFilter` groups of the schema. Other children
/// (vendor extensions such as Avaya's private filters) are ignored.
const FILTER_GROUPS: [&str; 7] = [
    "callcontrol",
    "callAssociated",
    "mediaAttachment",
    "physicalDeviceFeature",
    "logicalDeviceFeature",
    "maintenance",
    "voice",
];

/// Every flag set to `true` in any filter group. A flag whose value is not
/// an `xs:boolean` is reported as `flag=value`.
fn monitor_filter(m: Node<'_>) -> Parsed<MonitorFilter> {
    let mut filter = MonitorFilter::default();
    let Some(requested) = m.child("requestedMonitorFilter") else {
        return Ok(filter);
    };
    let groups = requested
        .children()
        .filter(|g| FILTER_GROUPS.contains(&g.local()));
    for flag in groups.flat_map(Node::children) {
        let text = flag.text();
        match xs_boolean(&text) {
            Some(true) => filter.insert(flag.local()),
            Some(false) => {}
            None if text.is_empty() => {}
            None => {
                let value = format!("{}={text}", flag.local());
                return Err(m.invalid("requestedMonitorFilter", value));
            }
        }
    }
    Ok(filter)
}

pub(super) fn snapshot_device_response(m: Node<'_>) -> Parsed<Message> {
    // A serviceCrossRefID (segmented delivery) instead of inline data
    // leaves the list empty.
    let items = m
        .child("crossRefIDorSnapshotData")
        .and_then(|data| data.child("snapshotData"))
        .map(|list| {
            list.children()
                .filter(|info| info.local() == "snapshotDeviceResponseInfo")
                .map(snapshot_item)
                .collect()
        })
        .unwrap_or_default();
    Ok(Message::SnapshotDeviceResponse { items })
}

fn snapshot_item(info: Node<'_>) -> SnapshotItem {
    let connection = info.child("connectionIdentifier");
    let part = |name| {
        connection
            .and_then(|c| c.optional_text(name))
            .unwrap_or_default()
    };
    let state = info.child("localCallState");
    let compound = state
        .and_then(|s| s.child("compoundCallState"))
        .and_then(|c| c.optional_text("localConnectionState"));
    let simple = || state.and_then(|s| s.optional_text("simpleCallState"));
    SnapshotItem {
        call_id: part("callID"),
        device_id: part("deviceID"),
        local_call_state: compound.or_else(simple).unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------
// Call control and features

pub(super) fn deflect_call(m: Node<'_>) -> Parsed<Message> {
    let call = m.connection("callToBeDiverted")?;
    let destination = m.required("newDestination")?;
    // ed6 wraps a list of <device>; ed3 carries the DeviceID directly.
    let text = match destination.child("device") {
        Some(device) => device.text(),
        None => destination.text(),
    };
    Ok(Message::DeflectCall {
        call,
        new_destination: m.non_empty("newDestination", text)?,
    })
}

pub(super) fn set_forwarding(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::SetForwarding {
        device: m.required_text("device")?,
        forwarding_type: m.optional_text("forwardingType"),
        activate: m.required_bool("activateForward")?,
        forward_dn: m.optional_text("forwardDN"),
    })
}

// ---------------------------------------------------------------------------
// What the server sends

pub(super) fn error_code(m: Node<'_>) -> Parsed<Message> {
    // Exactly one child, named after the error category.
    let category = m.children().next().ok_or(ParseError::Missing {
        message: m.msg,
        element: "errorValue",
    })?;
    Ok(Message::ErrorCode {
        category: category.local().to_owned(),
        value: category.text(),
    })
}

/// Reads the envelope every event shares; never fails, because the test
/// client wants whatever is there.
pub(super) fn event(root: Node<'_>, name: &str) -> EventInfo {
    let mut info = EventInfo {
        name: name.to_owned(),
        ..EventInfo::default()
    };
    for child in root.children() {
        let local = child.local();
        match local {
            "monitorCrossRefID" => info.cross_ref = Some(child.text()),
            "localConnectionInfo" => info.local_connection_info = Some(child.text()),
            "cause" => info.cause = Some(child.text()),
            _ => {
                if info.connection.is_none() {
                    if let Some(id) = connection_id(child) {
                        info.connection = Some((local.to_owned(), id));
                        continue;
                    }
                }
                if let Some(device) = device_field(child) {
                    info.devices.push((local.to_owned(), device));
                }
            }
        }
    }
    info
}

/// Reads an event device field (`<callingDevice><deviceIdentifier>...`).
/// `None` when `node` is not one; `Some(None)` for a device that is not
/// known, restricted, not required or not specified.
fn device_field(node: Node<'_>) -> Option<Option<String>> {
    node.children().find_map(|c| match c.local() {
        "deviceIdentifier" | "numberDialed" => Some(Some(c.text()).filter(|t| !t.is_empty())),
        "notKnown" | "restricted" | "notRequired" | "notSpecified" => Some(None),
        _ => None,
    })
}
