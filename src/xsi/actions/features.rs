//! The Xsi-Actions requests of the feature requests (README, Call control):
//! the service reads of GetDoNotDisturb and GetForwarding, the pickups,
//! park, barge-in, recording control and `Reconnect`; and the reading of
//! the service answers.

use super::{call_path, get, on_call, query, start, Method, Returned, XsiRequest};
use crate::xsi::parse::{parse_doc, XsiDoc};

/// Read the DoNotDisturb service: `GET U/services/DoNotDisturb`.
pub fn get_do_not_disturb(user: &str) -> XsiRequest {
    get(user, DO_NOT_DISTURB)
}

/// Read the CallForwardingAlways service:
/// `GET U/services/CallForwardingAlways`.
pub fn get_call_forwarding_always(user: &str) -> XsiRequest {
    get(user, CALL_FORWARDING_ALWAYS)
}

const DO_NOT_DISTURB: &str = "/services/DoNotDisturb";
const CALL_FORWARDING_ALWAYS: &str = "/services/CallForwardingAlways";

/// Pick up the call ringing at `address`:
/// `POST U/calls/DirectedCallPickup?address=<address>`.
pub fn directed_pickup(user: &str, address: &str) -> XsiRequest {
    start(user, "DirectedCallPickup", Some(address))
}

/// Pick up a call ringing in the user's pickup group: `POST U/calls/CallPickup`.
pub fn group_pickup(user: &str) -> XsiRequest {
    start(user, "CallPickup", None)
}

/// Barge in on the call of `address`:
/// `POST U/calls/DirectedCallPickupBargeIn?address=<address>`.
pub fn barge_in(user: &str, address: &str) -> XsiRequest {
    start(user, "DirectedCallPickupBargeIn", Some(address))
}

/// Park the call against `to`: `PUT U/calls/<callId>/Park?address=<to>`;
/// without `to`, in the group: `PUT U/calls/<callId>/GroupCallPark`.
pub fn park(user: &str, call_id: &str, to: Option<&str>) -> XsiRequest {
    match to {
        Some(to) => on_call(
            Method::Put,
            call_path(user, call_id, "/Park"),
            query(&[("address", to)]),
        ),
        None => on_call(
            Method::Put,
            call_path(user, call_id, "/GroupCallPark"),
            String::new(),
        ),
    }
}

/// The recording commands of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recording {
    Record,
    Pause,
    Resume,
    Stop,
}

impl Recording {
    /// The command: `Record`, `PauseRecording`, …
    pub fn verb(self) -> &'static str {
        match self {
            Recording::Record => "Record",
            Recording::Pause => "PauseRecording",
            Recording::Resume => "ResumeRecording",
            Recording::Stop => "StopRecording",
        }
    }
}

/// `PUT U/calls/<callId>/{Record,PauseRecording,ResumeRecording,StopRecording}`.
pub fn recording(user: &str, call_id: &str, command: Recording) -> XsiRequest {
    let verb = format!("/{}", command.verb());
    on_call(Method::Put, call_path(user, call_id, &verb), String::new())
}

/// Retrieve the held call and release the user's others:
/// `PUT U/calls/<callId>/Reconnect`.
pub fn reconnect(user: &str, held: &str) -> XsiRequest {
    on_call(
        Method::Put,
        call_path(user, held, "/Reconnect"),
        String::new(),
    )
}

impl XsiRequest {
    /// True for the service reads whose answer is read
    /// ([`read_service`]).
    pub fn reads_service(&self) -> bool {
        self.method == Method::Get
            && (self.path.ends_with(DO_NOT_DISTURB) || self.path.ends_with(CALL_FORWARDING_ALWAYS))
    }
}

/// Reads the answer of a service read: `DoNotDisturb` or
/// `CallForwardingAlways`.
pub fn read_service(body: &[u8]) -> Result<Returned, String> {
    match parse_doc(body) {
        Ok(XsiDoc::DoNotDisturb { active }) => Ok(Returned::DoNotDisturb(active)),
        Ok(XsiDoc::CallForwardingAlways { active, forward_to }) => {
            Ok(Returned::Forwarding { active, forward_to })
        }
        Ok(other) => Err(format!(
            "expected DoNotDisturb or CallForwardingAlways, got {other:?}"
        )),
        Err(e) => Err(format!("unreadable service settings: {e}")),
    }
}

#[cfg(test)]
mod tests;
