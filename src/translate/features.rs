//! The feature events → CSTA events for the monitors of the target user
//! (README, Event mapping): a call's recording (Advanced Call) and the
//! device's Do Not Disturb and Call Forwarding Always settings (the
//! `xsi.feature_packages`).
//!
//! | Xsi | CSTA |
//! |---|---|
//! | CallRecordingStarted, CallRecordingResumed | RecordEvent (no cause: ed3 has no `resumed`) |
//! | CallRecordingPaused | SuspendRecordEvent |
//! | CallRecordingStopped | StopEvent (cause `normalClearing`) |
//! | CallRecordingStarting | none |
//! | DoNotDisturbEvent | DoNotDisturbEvent (doNotDisturbOn) |
//! | CallForwardingAlwaysEvent | ForwardingEvent (forwardImmediate, forwardStatus, forwardTo) |
//!
//! A recording event's connection is the user's in the call, with the
//! callID the call model reports it with (a conferenced leg keeps the
//! conference's), and its message is `rec-<callID>`, as RecordMessage
//! answered. The call model is only read.

use crate::xsi::parse::{Call, EventData, FeatureEvent, RecordingEventKind};

use super::control::recording_message;
use super::model::CallModel;
use super::out::{Conn, CstaEvent, Dev, Kind};
use crate::xml::text::xs_bool;

/// The CSTA events of a feature event of `user`; `None` for other events.
pub fn translate(model: &CallModel, user: &str, data: &EventData) -> Option<Vec<CstaEvent>> {
    let EventData::Feature(event) = data else {
        return None;
    };
    Some(match event {
        FeatureEvent::Recording { kind, call } => {
            recording(model, user, *kind, call).into_iter().collect()
        }
        FeatureEvent::DoNotDisturb { active: Some(on) } => {
            vec![CstaEvent::without_connection(Kind::DoNotDisturb)
                .device("device", Dev::Local)
                .leaf("doNotDisturbOn", xs_bool(*on))]
        }
        FeatureEvent::ForwardingAlways {
            active: Some(on),
            forward_to,
        } => {
            let mut ev = CstaEvent::without_connection(Kind::Forwarding)
                .device("device", Dev::Local)
                .leaf("forwardingType", "forwardImmediate")
                .leaf("forwardStatus", xs_bool(*on));
            if let Some(to) = forward_to {
                ev = ev.leaf("forwardTo", to.clone());
            }
            vec![ev]
        }
        // A service event without its settings says nothing.
        FeatureEvent::DoNotDisturb { active: None }
        | FeatureEvent::ForwardingAlways { active: None, .. } => Vec::new(),
    })
}

/// A recording event on the user's connection in the call.
fn recording(
    model: &CallModel,
    user: &str,
    kind: RecordingEventKind,
    call: &Call,
) -> Option<CstaEvent> {
    use RecordingEventKind as K;
    let (kind, cause) = match kind {
        K::Starting => return None,
        K::Started | K::Resumed => (Kind::Record, None),
        K::Paused => (Kind::SuspendRecord, None),
        K::Stopped => (Kind::Stop, Some("normalClearing")),
    };
    let csta_call = model
        .get(user, &call.call_id)
        .map_or_else(|| call.ext_tracking_id.clone(), |p| p.csta_call.clone());
    let message = recording_message(&csta_call);
    let conn = Conn {
        call_id: csta_call,
        device: Dev::Local,
    };
    let ev = CstaEvent::new(kind, conn).leaf("message", message);
    Some(match cause {
        Some(cause) => ev.cause(cause),
        None => ev,
    })
}
