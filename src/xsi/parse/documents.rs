//! Reading each kind of root document, the event envelopes and the
//! `eventData` payloads.

use sxd_document::dom::Element;

use super::call::parse_call;
use super::contact::parse_contact_data;
use super::dom::{child_elements, first_child, invalid, local, number, text};
use super::features::{parse_call_forwarding_always, parse_do_not_disturb, parse_feature_data};
use super::{
    element_type, Call, CallEventKind, Conference, ConferenceEventKind, EventData, Result, XsiDoc,
    XsiEvent, XsiParseError,
};

pub(super) fn parse_root(root: Element<'_>) -> Result<XsiDoc> {
    match root.name().local_part() {
        "Channel" => parse_channel(root),
        "ChannelHeartBeat" | "ChannelHeartbeat" => Ok(XsiDoc::Heartbeat),
        "Event" => parse_event_root(root),
        "Subscription" => parse_subscription(root),
        "ErrorInfo" => Ok(parse_error_info(root)),
        "CallStartInfo" => parse_call_start_info(root),
        "DoNotDisturb" => parse_do_not_disturb(root),
        "CallForwardingAlways" => parse_call_forwarding_always(root),
        "CallCenter" => Ok(XsiDoc::CallCenter {
            agent_acd_state: first_child(root, "agentACDState")
                .map(text)
                .filter(|t| !t.is_empty()),
        }),
        other => Ok(XsiDoc::Other(other.to_owned())),
    }
}

fn parse_channel(root: Element<'_>) -> Result<XsiDoc> {
    let mut channel_id = None;
    let mut expires = None;
    for child in child_elements(root) {
        match local(child) {
            "channelId" => channel_id = Some(text(child)),
            "expires" => expires = Some(number("expires", child)?),
            _ => {}
        }
    }
    Ok(XsiDoc::Channel {
        channel_id: channel_id.ok_or(XsiParseError::Missing("channelId"))?,
        expires,
    })
}

fn parse_subscription(root: Element<'_>) -> Result<XsiDoc> {
    let mut subscription_id = None;
    let mut expires = None;
    for child in child_elements(root) {
        match local(child) {
            "subscriptionId" => subscription_id = Some(text(child)),
            "expires" => expires = Some(number("expires", child)?),
            _ => {}
        }
    }
    Ok(XsiDoc::Subscription {
        subscription_id: subscription_id.ok_or(XsiParseError::Missing("subscriptionId"))?,
        expires,
    })
}

fn parse_call_start_info(root: Element<'_>) -> Result<XsiDoc> {
    let mut call_id = None;
    let mut external_tracking_id = None;
    for child in child_elements(root) {
        match local(child) {
            "callId" => call_id = Some(text(child)).filter(|t| !t.is_empty()),
            "externalTrackingId" => {
                external_tracking_id = Some(text(child)).filter(|t| !t.is_empty())
            }
            _ => {}
        }
    }
    Ok(XsiDoc::CallStartInfo {
        call_id: call_id.ok_or(XsiParseError::Missing("callId"))?,
        external_tracking_id: external_tracking_id
            .ok_or(XsiParseError::Missing("externalTrackingId"))?,
    })
}

fn parse_error_info(root: Element<'_>) -> XsiDoc {
    let mut summary = None;
    let mut summary_english = None;
    let mut error_code = None;
    for child in child_elements(root) {
        match local(child) {
            "summary" => summary = Some(text(child)),
            "summaryEnglish" => summary_english = Some(text(child)),
            "errorCode" => error_code = Some(text(child)),
            _ => {}
        }
    }
    XsiDoc::ErrorInfo {
        summary: summary_english.or(summary),
        error_code,
    }
}

/// `xsi:Event`: the `type` attribute selects the envelope.
fn parse_event_root(root: Element<'_>) -> Result<XsiDoc> {
    match element_type(&root) {
        Some("SubscriptionEvent") => parse_subscription_event(root).map(XsiDoc::Event),
        Some("ChannelTerminatedEvent") => Ok(parse_channel_terminated(root)),
        Some("ErrorEvent") => Ok(parse_error_event(root)),
        Some(other) => Err(invalid("Event type", other)),
        None => Err(XsiParseError::Missing("Event type")),
    }
}

fn parse_channel_terminated(root: Element<'_>) -> XsiDoc {
    let mut channel_id = String::new();
    let mut reason = String::new();
    for child in child_elements(root) {
        match local(child) {
            "channelId" => channel_id = text(child),
            "reason" => reason = text(child),
            _ => {}
        }
    }
    XsiDoc::ChannelTerminated { channel_id, reason }
}

fn parse_error_event(root: Element<'_>) -> XsiDoc {
    let mut code = None;
    let mut message = None;
    for child in child_elements(root) {
        match local(child) {
            "errorCode" => code = Some(text(child)),
            "errorMessage" => message = Some(text(child)),
            _ => {}
        }
    }
    XsiDoc::ErrorEvent { code, message }
}

/// The `SubscriptionEvent` envelope, then its `eventData`.
fn parse_subscription_event(root: Element<'_>) -> Result<XsiEvent> {
    let mut event_id = None;
    let mut sequence_number = None;
    let mut user_id = None;
    let mut external_application_id = None;
    let mut subscription_id = None;
    let mut channel_id = None;
    let mut target_id = None;
    let mut data = None;
    for child in child_elements(root) {
        match local(child) {
            "eventID" => event_id = Some(text(child)),
            "sequenceNumber" => sequence_number = Some(number("sequenceNumber", child)?),
            "userId" | "clientId" => user_id = Some(text(child)),
            "externalApplicationId" => external_application_id = Some(text(child)),
            "subscriptionId" => subscription_id = Some(text(child)),
            "channelId" => channel_id = Some(text(child)),
            "targetId" => target_id = Some(text(child)),
            "eventData" => data = Some(child),
            _ => {}
        }
    }
    // Envelope fields are checked before the payload so that an event that
    // can still be acknowledged reports the envelope problem first.
    let event_id = event_id.ok_or(XsiParseError::Missing("eventID"))?;
    let sequence_number = sequence_number.ok_or(XsiParseError::Missing("sequenceNumber"))?;
    let user_id = user_id.ok_or(XsiParseError::Missing("userId"))?;
    let subscription_id = subscription_id.ok_or(XsiParseError::Missing("subscriptionId"))?;
    let data = data.ok_or(XsiParseError::Missing("eventData"))?;
    let data = parse_event_data(data).unwrap_or_else(|e| EventData::Malformed {
        type_name: element_type(&data).unwrap_or_default().to_owned(),
        error: e.to_string(),
    });
    Ok(XsiEvent {
        event_id,
        sequence_number,
        user_id,
        external_application_id: external_application_id.unwrap_or_default(),
        subscription_id,
        channel_id,
        target_id,
        data,
    })
}

fn parse_event_data(data: Element<'_>) -> Result<EventData> {
    let type_name = element_type(&data).ok_or(XsiParseError::Missing("eventData type"))?;
    if let Some(kind) = CallEventKind::from_type_name(type_name) {
        let call = first_child(data, "call").ok_or(XsiParseError::Missing("call"))?;
        return Ok(EventData::Call {
            kind,
            call: parse_call(call)?,
        });
    }
    if let Some(kind) = ConferenceEventKind::from_type_name(type_name) {
        let conference =
            first_child(data, "conference").ok_or(XsiParseError::Missing("conference"))?;
        return Ok(EventData::Conference {
            kind,
            conference: parse_conference(conference),
        });
    }
    if let Some(data) = parse_contact_data(type_name, data) {
        return data;
    }
    if let Some(data) = parse_feature_data(type_name, data) {
        return data;
    }
    match type_name {
        "CallRedirectedEvent" => {
            let calls = first_child(data, "calls").ok_or(XsiParseError::Missing("calls"))?;
            Ok(EventData::Redirected {
                calls: parse_calls(calls)?,
            })
        }
        "CallSubscriptionEvent" => parse_call_snapshot(data, false),
        "CallSubscriptionResyncEvent" => parse_call_snapshot(data, true),
        "HookStatusEvent" => {
            let hook =
                first_child(data, "hookStatus").ok_or(XsiParseError::Missing("hookStatus"))?;
            Ok(EventData::HookStatus {
                hook_status: text(hook),
            })
        }
        "SubscriptionTerminatedEvent" => Ok(EventData::SubscriptionTerminated),
        other => Ok(EventData::Unknown {
            type_name: other.to_owned(),
        }),
    }
}

/// `CallSubscriptionEvent` / `CallSubscriptionResyncEvent`:
/// `calls?, conference?, hookStatus`.
fn parse_call_snapshot(data: Element<'_>, resync: bool) -> Result<EventData> {
    let mut calls = Vec::new();
    let mut hook_status = None;
    for child in child_elements(data) {
        match local(child) {
            "calls" => calls = parse_calls(child)?,
            "hookStatus" => hook_status = Some(text(child)),
            _ => {}
        }
    }
    Ok(EventData::Subscription {
        resync,
        calls,
        hook_status,
    })
}

/// A `calls` list: every `call` child.
fn parse_calls(calls: Element<'_>) -> Result<Vec<Call>> {
    child_elements(calls)
        .filter(|child| local(*child) == "call")
        .map(parse_call)
        .collect()
}

fn parse_conference(conference: Element<'_>) -> Conference {
    let mut result = Conference::default();
    for child in child_elements(conference) {
        match local(child) {
            "state" => result.state = Some(text(child)),
            "conferenceParticipantList" => {
                result.participants = child_elements(child)
                    .filter(|p| local(*p) == "conferenceParticipant")
                    .filter_map(|p| first_child(p, "callId"))
                    .map(text)
                    .collect();
            }
            _ => {}
        }
    }
    result
}
