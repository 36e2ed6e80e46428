//! Xsi-Actions third-party call control, sans-IO: the request for each
//! command (method, path, query, body) and the reading of the answers
//! (`CallStartInfo`, `ErrorInfo`, what a status code means).
//!
//! Paths are relative to a server's base URL, like those of [`super::body`].
//! The user to control is in the path: `/com.broadsoft.xsi-actions/v2.0/
//! user/<userId>/…` (README, "Call control", lists every request).
//!
//! Invariants:
//! - every identifier in a path is encoded as exactly one segment; `@`
//!   (user ids) and `:` (BroadWorks call ids such as `callhalf-722:0`) are
//!   kept, since RFC 3986 allows both in a segment;
//! - every query value is percent-encoded (a `+` of an E.164 number becomes
//!   `%2B`: servlet containers read a bare `+` as a space);
//! - bodies are complete documents in the BroadSoft namespace, written
//!   with the one XML writer ([`crate::xml::write`]), values escaped.
//!
//! The contact-centre commands are here too: the agent's ACD state
//! (`U/services/CallCenter`, PUT and GET) and the route point calls
//! (`/com.broadsoft.xsi-actions/v2.0/routepoint/<routePointUserId>/calls/…`:
//! blind transfer, fail, treatments). An answer that carries data is read
//! here, in the worker thread ([`Returned`]).

use std::fmt;
use std::fmt::Write as _;

mod features;

pub use features::{
    barge_in, directed_pickup, get_call_forwarding_always, get_do_not_disturb, group_pickup, park,
    read_service, reconnect, recording, Recording,
};

use super::body::{document, encode_segment, percent_encode, XSI_NAMESPACE};
use super::parse::{parse_doc, XsiDoc};
use super::vocab::AgentState;
use crate::xml::text::xs_bool;
use crate::xml::XmlWriter;

const USER_BASE: &str = "/com.broadsoft.xsi-actions/v2.0/user";
const ROUTE_POINT_BASE: &str = "/com.broadsoft.xsi-actions/v2.0/routepoint";

/// Bytes kept as they are in path segments and query values.
const KEEP: &[u8] = b"@:";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Reads (`GET U/services/CallCenter` for GetAgentState).
    Get,
    Put,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One Xsi-Actions request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XsiRequest {
    pub method: Method,
    /// Below the server's base URL, segments encoded.
    pub path: String,
    /// Without the `?`, values encoded; empty when there is none.
    pub query: String,
    pub body: Option<String>,
    /// The path names an existing call (`…/calls/<callId>…`): a 404 means
    /// BroadWorks no longer knows that call.
    pub on_call: bool,
}

impl XsiRequest {
    /// Path and query, as put on the request line.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// True for `POST …/calls/new` and the pickups (`…/calls/DirectedCallPickup`,
    /// `…/calls/CallPickup`), whose answer carries `CallStartInfo`.
    pub fn starts_call(&self) -> bool {
        self.method == Method::Post
            && [
                "/calls/new",
                "/calls/DirectedCallPickup",
                "/calls/CallPickup",
            ]
            .iter()
            .any(|end| self.path.ends_with(end))
    }

    /// True for `GET U/services/CallCenter`, whose answer is the agent's
    /// `CallCenter` settings.
    pub fn reads_agent_state(&self) -> bool {
        self.method == Method::Get && self.path.ends_with("/services/CallCenter")
    }
}

impl fmt::Display for XsiRequest {
    /// `PUT /com.broadsoft…/calls/callhalf-1:0/Hold`, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.target())
    }
}

fn segment(text: &str) -> String {
    if text == "." || text == ".." {
        encode_segment(text)
    } else {
        percent_encode(text, KEEP)
    }
}

fn user_path(user: &str, rest: &str) -> String {
    format!("{USER_BASE}/{}{rest}", segment(user))
}

fn call_path(user: &str, call_id: &str, verb: &str) -> String {
    user_path(user, &format!("/calls/{}{verb}", segment(call_id)))
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        let _ = write!(out, "{key}={}", percent_encode(value, KEEP));
    }
    out
}

fn on_call(method: Method, path: String, query: String) -> XsiRequest {
    XsiRequest {
        method,
        path,
        query,
        body: None,
        on_call: true,
    }
}

/// A read of one of the user's resources: `GET U<rest>`.
pub(super) fn get(user: &str, rest: &str) -> XsiRequest {
    XsiRequest {
        method: Method::Get,
        path: user_path(user, rest),
        query: String::new(),
        body: None,
        on_call: false,
    }
}

/// A `POST U/calls/<verb>` that starts a call for the user (201,
/// `CallStartInfo`), with the address of another user's device, if any.
pub(super) fn start(user: &str, verb: &str, address: Option<&str>) -> XsiRequest {
    XsiRequest {
        method: Method::Post,
        path: user_path(user, &format!("/calls/{verb}")),
        query: address.map_or_else(String::new, |a| query(&[("address", a)])),
        body: None,
        on_call: false,
    }
}

/// Dial: `POST U/calls/new?address=<address>` (201 with `CallStartInfo`).
pub fn make_call(user: &str, address: &str) -> XsiRequest {
    start(user, "new", Some(address))
}

/// Answer an alerting call, or retrieve a held one: `PUT U/calls/<callId>/Talk`.
pub fn talk(user: &str, call_id: &str) -> XsiRequest {
    on_call(
        Method::Put,
        call_path(user, call_id, "/Talk"),
        String::new(),
    )
}

/// `PUT U/calls/<callId>/Hold`.
pub fn hold(user: &str, call_id: &str) -> XsiRequest {
    on_call(
        Method::Put,
        call_path(user, call_id, "/Hold"),
        String::new(),
    )
}

/// Release the user's leg: `DELETE U/calls/<callId>`.
pub fn release(user: &str, call_id: &str) -> XsiRequest {
    on_call(Method::Delete, call_path(user, call_id, ""), String::new())
}

/// `PUT U/calls/<callId>/BlindTransfer?address=<address>`; on an alerting
/// call this deflects it.
pub fn blind_transfer(user: &str, call_id: &str, address: &str) -> XsiRequest {
    on_call(
        Method::Put,
        call_path(user, call_id, "/BlindTransfer"),
        query(&[("address", address)]),
    )
}

/// Join the other parties of two calls: `PUT U/calls/<held>/ConsultTransfer/<active>`.
pub fn consult_transfer(user: &str, held: &str, active: &str) -> XsiRequest {
    let verb = format!("/ConsultTransfer/{}", segment(active));
    on_call(Method::Put, call_path(user, held, &verb), String::new())
}

/// `POST U/calls/Conference` with one `conferenceParticipant` per call.
pub fn conference(user: &str, call_ids: &[&str]) -> XsiRequest {
    let mut w = XmlWriter::new();
    w.root("Conference", XSI_NAMESPACE);
    w.open("conferenceParticipantList");
    for call_id in call_ids {
        w.open("conferenceParticipant");
        w.leaf("callId", call_id);
        w.close("conferenceParticipant");
    }
    w.close("conferenceParticipantList");
    let body = w.finish();
    XsiRequest {
        method: Method::Post,
        path: user_path(user, "/calls/Conference"),
        query: String::new(),
        body: Some(body),
        on_call: true,
    }
}

/// `PUT U/calls/<callId>/TransmitDTMF?playdtmf=<digits>`.
pub fn transmit_dtmf(user: &str, call_id: &str, digits: &str) -> XsiRequest {
    on_call(
        Method::Put,
        call_path(user, call_id, "/TransmitDTMF"),
        query(&[("playdtmf", digits)]),
    )
}

fn service(user: &str, name: &str, body: String) -> XsiRequest {
    XsiRequest {
        method: Method::Put,
        path: user_path(user, &format!("/services/{name}")),
        query: String::new(),
        body: Some(body),
        on_call: false,
    }
}

/// `PUT U/services/DoNotDisturb` with `<active>`.
pub fn do_not_disturb(user: &str, on: bool) -> XsiRequest {
    let body = document("DoNotDisturb", &[("active", xs_bool(on))]);
    service(user, "DoNotDisturb", body)
}

/// `PUT U/services/CallForwardingAlways` with `<active>` and, when given,
/// `<forwardToPhoneNumber>`.
pub fn call_forwarding_always(user: &str, on: bool, number: Option<&str>) -> XsiRequest {
    let mut children = vec![("active", xs_bool(on))];
    // `forwardToPhoneNumber` is a non-empty URI.
    if let Some(number) = number.filter(|n| !n.is_empty()) {
        children.push(("forwardToPhoneNumber", number));
    }
    let body = document("CallForwardingAlways", &children);
    service(user, "CallForwardingAlways", body)
}

/// Set the agent's ACD state: `PUT U/services/CallCenter` with
/// `<agentACDState>`.
pub fn set_agent_state(user: &str, acd_state: AgentState) -> XsiRequest {
    let body = document("CallCenter", &[("agentACDState", acd_state.as_xsi())]);
    service(user, "CallCenter", body)
}

/// Read the agent's ACD state: `GET U/services/CallCenter`.
pub fn get_agent_state(user: &str) -> XsiRequest {
    get(user, "/services/CallCenter")
}

fn route_point_call(route_point: &str, call_id: &str, verb: &str) -> String {
    format!(
        "{ROUTE_POINT_BASE}/{}/calls/{}/{verb}",
        segment(route_point),
        segment(call_id)
    )
}

/// Route a call waiting at a route point:
/// `PUT R/calls/<callId>/BlindTransfer?address=<address>`.
pub fn route_point_transfer(route_point: &str, call_id: &str, address: &str) -> XsiRequest {
    on_call(
        Method::Put,
        route_point_call(route_point, call_id, "BlindTransfer"),
        query(&[("address", address)]),
    )
}

/// Fail a call waiting at a route point: `PUT R/calls/<callId>/Fail`.
pub fn route_point_fail(route_point: &str, call_id: &str) -> XsiRequest {
    on_call(
        Method::Put,
        route_point_call(route_point, call_id, "Fail"),
        String::new(),
    )
}

/// The treatments a route point plays, by CSTA PlayMessage message id
/// (README, "Contact centre": PlayMessage 0–4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Play {
    Busy,
    MusicOnHold,
    Ringback,
    Silence,
    Treatment,
}

impl Play {
    /// Message 0–4.
    pub fn from_message(message: &str) -> Option<Play> {
        Some(match message.trim() {
            "0" => Play::Busy,
            "1" => Play::MusicOnHold,
            "2" => Play::Ringback,
            "3" => Play::Silence,
            "4" => Play::Treatment,
            _ => return None,
        })
    }

    /// The command: `PlayBusy`, `PlayMusicOnHold`, …
    pub fn verb(self) -> &'static str {
        match self {
            Play::Busy => "PlayBusy",
            Play::MusicOnHold => "PlayMusicOnHold",
            Play::Ringback => "PlayRingback",
            Play::Silence => "PlaySilence",
            Play::Treatment => "PlayTreatment",
        }
    }

    /// The root element of the command's body, as the Xsi schema spells
    /// it: `RoutePointPlayRingBack` has a capital B, unlike its URL.
    pub fn body_root(self) -> &'static str {
        match self {
            Play::Busy => "RoutePointPlayBusy",
            Play::MusicOnHold => "RoutePointPlayMusicOnHold",
            Play::Ringback => "RoutePointPlayRingBack",
            Play::Silence => "RoutePointPlaySilence",
            Play::Treatment => "RoutePointPlayTreatment",
        }
    }
}

/// Play a treatment to a call waiting at a route point:
/// `PUT R/calls/<callId>/Play…` with its `RoutePointPlay…` body. The
/// schema requires a `busyPattern` of PlayBusy (`Normal`) and an
/// `audioUrlList` of PlayTreatment: `audio_urls`
/// (`devices.treatment_audio_urls`, 1 to 4; the caller refuses message 4
/// without them). Every other parameter is left to the route point's
/// defaults: a CSTA PlayMessage names none.
pub fn route_point_play(
    route_point: &str,
    call_id: &str,
    treatment: Play,
    audio_urls: &[String],
) -> XsiRequest {
    let mut w = XmlWriter::new();
    w.root(treatment.body_root(), XSI_NAMESPACE);
    match treatment {
        Play::Busy => w.leaf("busyPattern", "Normal"),
        Play::Treatment => {
            w.open("audioUrlList");
            for url in audio_urls {
                w.leaf("uri", url);
            }
            w.close("audioUrlList");
        }
        Play::MusicOnHold | Play::Ringback | Play::Silence => {}
    }
    XsiRequest {
        method: Method::Put,
        path: route_point_call(route_point, call_id, treatment.verb()),
        query: String::new(),
        body: Some(w.finish()),
        on_call: true,
    }
}

/// The answer of `calls/new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallStartInfo {
    /// BroadWorks callId of the user's new leg.
    pub call_id: String,
    /// `externalTrackingId`: the new call's CSTA callID.
    pub external_tracking_id: String,
}

/// An `ErrorInfo` body: the (English) summary and BroadWorks' error code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorInfo {
    pub summary: Option<String>,
    pub error_code: Option<String>,
}

impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.summary, &self.error_code) {
            (None, None) => f.write_str("no ErrorInfo"),
            (summary, code) => write!(
                f,
                "{:?} (errorCode {})",
                summary.as_deref().unwrap_or(""),
                code.as_deref().unwrap_or("-")
            ),
        }
    }
}

/// Reads an `ErrorInfo` body; `None` when the body is something else.
pub fn parse_error_info(body: &[u8]) -> Option<ErrorInfo> {
    match parse_doc(body) {
        Ok(XsiDoc::ErrorInfo {
            summary,
            error_code,
        }) => Some(ErrorInfo {
            summary,
            error_code,
        }),
        _ => None,
    }
}

/// Reads the `CallStartInfo` of a `calls/new` answer.
pub fn parse_call_start_info(body: &[u8]) -> Result<CallStartInfo, String> {
    match parse_doc(body) {
        Ok(XsiDoc::CallStartInfo {
            call_id,
            external_tracking_id,
        }) => Ok(CallStartInfo {
            call_id,
            external_tracking_id,
        }),
        Ok(other) => Err(format!("expected CallStartInfo, got {other:?}")),
        Err(e) => Err(format!("unreadable CallStartInfo: {e}")),
    }
}

/// Reads the agent's `agentACDState` from a `CallCenter` answer.
pub fn parse_agent_state(body: &[u8]) -> Result<Option<String>, String> {
    match parse_doc(body) {
        Ok(XsiDoc::CallCenter { agent_acd_state }) => Ok(agent_acd_state),
        Ok(other) => Err(format!("expected CallCenter, got {other:?}")),
        Err(e) => Err(format!("unreadable CallCenter: {e}")),
    }
}

/// What BroadWorks' answer to a job returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Returned {
    /// Nothing to read (most commands).
    #[default]
    Nothing,
    /// The `CallStartInfo` of a `calls/new`.
    CallStarted(CallStartInfo),
    /// The agent's ACD state from `GET U/services/CallCenter` (`None` when
    /// the answer did not say).
    AgentState(Option<String>),
    /// `active` of `GET U/services/DoNotDisturb`.
    DoNotDisturb(bool),
    /// `active` and `forwardToPhoneNumber` of
    /// `GET U/services/CallForwardingAlways`.
    Forwarding {
        active: bool,
        forward_to: Option<String>,
    },
}

/// What one XSP's answer means for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// 2xx: BroadWorks carried it out.
    Accepted,
    /// A 4xx refusal of the request itself: another XSP would refuse it too.
    Rejected { status: u16, error: ErrorInfo },
    /// This XSP could not serve it (5xx; 401 and 429, which concern this
    /// server's session or load). Whether the next XSP is tried is the
    /// caller's rule (`client::Retry`).
    Failed { status: u16, error: ErrorInfo },
}

/// Classifies an answer by its status, reading the `ErrorInfo` of errors.
pub fn classify(status: u16, body: &[u8]) -> Answer {
    let error = || parse_error_info(body).unwrap_or_default();
    match status {
        200..=299 => Answer::Accepted,
        401 | 429 | 500.. => Answer::Failed {
            status,
            error: error(),
        },
        _ => Answer::Rejected {
            status,
            error: error(),
        },
    }
}

/// Why a call-control job did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionFailure {
    /// BroadWorks refused `request` (4xx).
    Rejected {
        request: String,
        status: u16,
        on_call: bool,
        error: ErrorInfo,
    },
    /// `request` was not carried out: no XSP could be reached, the XSP
    /// refused it for its own reasons (401, 429, 503 on the last one), or
    /// its deadline passed before it was sent; or it was carried out and
    /// the answer was unusable.
    Unavailable { request: String, detail: String },
    /// `request` reached an XSP that gave no usable answer (a timeout or a
    /// broken connection after it was sent, a 5xx other than 503): it may or
    /// may not have been carried out, and is not repeated. `status` is the
    /// 5xx, when there was one.
    Uncertain {
        request: String,
        detail: String,
        status: Option<u16>,
    },
}

impl ActionFailure {
    /// The XSP does not know the request (404, 501): a request with a
    /// fallback form tries that one.
    pub fn not_supported(&self) -> bool {
        matches!(
            self,
            ActionFailure::Rejected { status: 404, .. }
                | ActionFailure::Uncertain {
                    status: Some(501),
                    ..
                }
        )
    }
}

impl fmt::Display for ActionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionFailure::Rejected {
                request,
                status,
                error,
                ..
            } => write!(f, "{request} refused ({status}): {error}"),
            ActionFailure::Unavailable { request, detail } => {
                write!(f, "{request} failed: {detail}")
            }
            ActionFailure::Uncertain {
                request, detail, ..
            } => write!(
                f,
                "{request} may or may not have been carried out ({detail}); not repeated"
            ),
        }
    }
}

/// The result of a job: what its reading step returned, if it had one.
pub type ActionOutcome = Result<Returned, ActionFailure>;

#[cfg(test)]
mod tests;
