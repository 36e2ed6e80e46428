//! The events and documents of the features of README, Call control: the
//! recording events of a call (`CallRecording…Event`, Advanced Call), the
//! service events of the `Do Not Disturb` and `Call Forwarding Always`
//! packages, and the `DoNotDisturb` and `CallForwardingAlways` answers of
//! the Xsi-Actions GETs, whose `active` and `forwardToPhoneNumber` the
//! device queries report.

use sxd_document::dom::Element;

use super::call::parse_call;
use super::dom::{child_elements, first_child, invalid, local, text};
use super::{Call, EventData, Result, XsiDoc, XsiParseError};
use crate::xml::text::xs_boolean;

event_kinds! {
    /// The recording events, whose payload is one `<call>` (with its
    /// `recordingState`; Stopped adds a `reason`).
    RecordingEventKind {
        Starting => "CallRecordingStartingEvent",
        Started => "CallRecordingStartedEvent",
        Paused => "CallRecordingPausedEvent",
        Resumed => "CallRecordingResumedEvent",
        Stopped => "CallRecordingStoppedEvent",
    }
}

/// A feature event ([`EventData::Feature`]).
// `Call` dominates the size; see `XsiDoc` for why it is not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureEvent {
    /// A recording of the call started, paused, resumed or stopped.
    Recording {
        kind: RecordingEventKind,
        call: Call,
    },
    /// `DoNotDisturbEvent`: `info/active` (`None`: the event had no `info`).
    DoNotDisturb { active: Option<bool> },
    /// `CallForwardingAlwaysEvent`: `info/active` and
    /// `info/forwardToPhoneNumber`.
    ForwardingAlways {
        active: Option<bool>,
        forward_to: Option<String>,
    },
}

impl FeatureEvent {
    /// The wire type name, e.g. `DoNotDisturbEvent`.
    pub fn type_name(&self) -> &'static str {
        match self {
            FeatureEvent::Recording { kind, .. } => kind.type_name(),
            FeatureEvent::DoNotDisturb { .. } => "DoNotDisturbEvent",
            FeatureEvent::ForwardingAlways { .. } => "CallForwardingAlwaysEvent",
        }
    }
}

/// The payload of a feature event of type `type_name`; `None` for other
/// types.
pub(super) fn parse_feature_data(type_name: &str, data: Element<'_>) -> Option<Result<EventData>> {
    let event = if let Some(kind) = RecordingEventKind::from_type_name(type_name) {
        first_child(data, "call")
            .ok_or(XsiParseError::Missing("call"))
            .and_then(parse_call)
            .map(|call| FeatureEvent::Recording { kind, call })
    } else if type_name.eq_ignore_ascii_case("DoNotDisturbEvent") {
        service_info(data).map(|(active, _)| FeatureEvent::DoNotDisturb { active })
    } else if type_name.eq_ignore_ascii_case("CallForwardingAlwaysEvent") {
        service_info(data)
            .map(|(active, forward_to)| FeatureEvent::ForwardingAlways { active, forward_to })
    } else {
        return None;
    };
    Some(event.map(EventData::Feature))
}

/// A service event's `info` (absent: nothing known), as [`settings`].
fn service_info(data: Element<'_>) -> Result<(Option<bool>, Option<String>)> {
    match first_child(data, "info") {
        Some(info) => settings(info).map(|(on, forward_to)| (Some(on), forward_to)),
        None => Ok((None, None)),
    }
}

/// A service's settings (`active?, forwardToPhoneNumber?, ringSplash?`,
/// as the DoNotDisturb and CallForwardingAlways answers and their events'
/// `info` hold them): whether it is on, and the number it forwards to.
fn settings(element: Element<'_>) -> Result<(bool, Option<String>)> {
    let mut on = false;
    let mut forward_to = None;
    for child in child_elements(element) {
        match local(child) {
            "active" => on = active(child)?,
            "forwardToPhoneNumber" => forward_to = Some(text(child)).filter(|t| !t.is_empty()),
            _ => {}
        }
    }
    Ok((on, forward_to))
}

/// `active` (xsd `ActivatableServiceInfo`): absent counts as off.
fn active(element: Element<'_>) -> Result<bool> {
    let value = text(element);
    xs_boolean(&value).ok_or_else(|| invalid("active", &value))
}

/// `<DoNotDisturb>`: `active?, ringSplash?`.
pub(super) fn parse_do_not_disturb(root: Element<'_>) -> Result<XsiDoc> {
    let (active, _) = settings(root)?;
    Ok(XsiDoc::DoNotDisturb { active })
}

/// `<CallForwardingAlways>`: `active?, forwardToPhoneNumber?, ringSplash?`.
pub(super) fn parse_call_forwarding_always(root: Element<'_>) -> Result<XsiDoc> {
    let (active, forward_to) = settings(root)?;
    Ok(XsiDoc::CallForwardingAlways { active, forward_to })
}
