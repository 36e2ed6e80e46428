//! Parsing of one received CSTA XML document into a typed [`Message`].
//!
//! Peers disagree about namespaces: ed2 (`www.ecma.ch`), ed3 to ed6,
//! vendor namespaces, prefixes (`ns3:MonitorStart`) and no namespace at all
//! are all seen in real traffic. So every element is matched by its LOCAL
//! name only, and the root's namespace is only used to tell the client's
//! [`Edition`] (which the server mirrors in its replies).
//!
//! Invariants:
//! - input is untrusted: nothing here panics, indexes or recurses on it
//!   (every lookup walks a fixed path below the root, so document depth does
//!   not matter);
//! - parsing is lenient where it costs nothing: unknown children, extensions
//!   and private data are ignored, text is trimmed of XML whitespace, and an
//!   empty optional element counts as absent;
//! - it is strict where the server needs a value: a known request without a
//!   mandatory element is [`ParseError::Missing`], a mandatory value that is
//!   empty or not of its type is [`ParseError::Invalid`];
//! - documents are UTF-8, or ISO-8859-1 when their declaration says so
//!   (by one of [`LATIN1_LABELS`](crate::xml::read::LATIN1_LABELS));
//! - cost stays linear in the frame size: the XML parser spends quadratic
//!   time on deep nesting and on many attributes per element, so documents
//!   nested deeper than [`MAX_DEPTH`](crate::xml::shape::MAX_DEPTH) or
//!   with more than [`MAX_ATTRIBUTES`](crate::xml::shape::MAX_ATTRIBUTES)
//!   on one element are refused (as [`ParseError::NotWellFormed`]) by a
//!   linear pre-scan before the parser sees them. Real CSTA messages are
//!   about ten levels deep with a handful of attributes.
//!
//! Layout: this file holds the message types and [`parse`] (the bytes go
//! through [`crate::xml::read`], the front-end both sides share: encoding,
//! shape pre-scan, parse, root); `node` reads elements, `dispatch` maps
//! each root to its reader in `handlers` (`contact` for the agent,
//! routeing and treatment messages, `features` for the device queries,
//! SnapshotCall, pickups, park, intrusion and recording); `named` says what
//! each message asks of the server and which devices it names (the
//! per-client device scope).

use std::fmt;

use super::edition::Edition;

mod contact;
mod dispatch;
mod features;
mod handlers;
mod named;
mod node;

pub use contact::REQUESTED_AGENT_STATES;
#[cfg(test)]
pub(crate) use named::samples;
pub use named::{Access, Named, Role};

use crate::xml::read::{read_root, ReadError, ShapeScan};
use dispatch::dispatch;

/// One parsed document.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Local name of the root element, e.g. `"MonitorStart"`.
    pub root: String,
    /// The edition of the root's namespace, when that is an ECMA-323 one.
    pub edition: Option<Edition>,
    pub message: Message,
}

/// Why a document could not be turned into a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not well-formed XML, or no root element; holds the parser's report.
    NotWellFormed(String),
    /// Neither valid UTF-8 nor a document declared as ISO-8859-1; says
    /// where the bytes stopped being UTF-8 and what the document declared.
    Encoding(String),
    /// A known message lacks an element it cannot do without.
    Missing {
        message: &'static str,
        element: &'static str,
    },
    /// A mandatory value is empty or not of its type (number, boolean), or
    /// the request asks for something this layer does not model (a call
    /// monitor).
    Invalid {
        message: &'static str,
        element: &'static str,
        value: String,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotWellFormed(detail) => write!(f, "not well-formed XML: {detail}"),
            ParseError::Encoding(detail) => write!(f, "bad character encoding: {detail}"),
            ParseError::Missing { message, element } => {
                write!(f, "{message} lacks mandatory element <{element}>")
            }
            ParseError::Invalid {
                message,
                element,
                value,
            } => write!(f, "{message} has an invalid <{element}>: {value:?}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// A CSTA `ConnectionID`: `callID` then `deviceID`, either may be absent
/// (but a parsed one never lacks both).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionId {
    pub call_id: Option<String>,
    pub device_id: Option<String>,
}

/// The events a client asked NOT to receive (`requestedMonitorFilter`,
/// where `true` means "filter out").
///
/// Flag names are unique across the schema's filter groups, so one flat,
/// sorted set of names is enough and lookups are a binary search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonitorFilter {
    /// Sorted, without duplicates.
    suppressed: Vec<String>,
}

impl MonitorFilter {
    /// True when the client asked not to get the event behind `flag`
    /// (e.g. `"delivered"`, `"connectionCleared"`, `"agentReady"`).
    pub fn suppresses(&self, flag: &str) -> bool {
        self.position(flag).is_ok()
    }

    /// A filter that suppresses exactly `flags` (tests build them; the
    /// parser fills one flag at a time).
    #[cfg(test)]
    pub fn from_flags(flags: &[&str]) -> Self {
        let mut filter = MonitorFilter::default();
        for flag in flags {
            filter.insert(flag);
        }
        filter
    }

    /// True when nothing is suppressed.
    pub fn is_empty(&self) -> bool {
        self.suppressed.is_empty()
    }

    /// The suppressed flag names, sorted.
    pub fn flags(&self) -> impl Iterator<Item = &str> {
        self.suppressed.iter().map(String::as_str)
    }

    fn insert(&mut self, flag: &str) {
        if let Err(at) = self.position(flag) {
            self.suppressed.insert(at, flag.to_owned());
        }
    }

    fn position(&self, flag: &str) -> Result<usize, usize> {
        self.suppressed.binary_search_by(|f| f.as_str().cmp(flag))
    }
}

/// One call at a device, from a `SnapshotDeviceResponse`. Parts absent
/// from the document are empty strings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotItem {
    pub call_id: String,
    pub device_id: String,
    /// The first `localConnectionState` of a compound call state (or the
    /// `simpleCallState` text), e.g. `"alerting"`.
    pub local_call_state: String,
}

/// The common envelope of any `...Event` (read by the test client).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventInfo {
    /// Root element name, e.g. `"DeliveredEvent"`.
    pub name: String,
    /// `monitorCrossRefID`.
    pub cross_ref: Option<String>,
    /// The first top-level child holding a `callID` or `deviceID`, with that
    /// child's element name (`"connection"`, `"droppedConnection"`, ...).
    pub connection: Option<(String, ConnectionId)>,
    /// Top-level device fields in document order: element name and the
    /// `deviceIdentifier` (or `numberDialed`) text, `None` for
    /// `notKnown`/`restricted`/`notRequired`/`notSpecified`.
    pub devices: Vec<(String, Option<String>)>,
    pub local_connection_info: Option<String>,
    pub cause: Option<String>,
}

/// Every message kind this layer understands.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    // ECMA-354 application session
    StartApplicationSession {
        application_id: String,
        protocol_versions: Vec<String>,
        requested_duration: Option<u32>,
    },
    StartApplicationSessionPosResponse {
        session_id: String,
        protocol_version: Option<String>,
        duration: Option<u32>,
    },
    /// `errorCode`'s `definedError` (or free-text `applError`).
    StartApplicationSessionNegResponse {
        error: String,
    },
    StopApplicationSession {
        session_id: String,
    },
    StopApplicationSessionPosResponse,
    ResetApplicationSessionTimer {
        session_id: String,
        requested_duration: Option<u32>,
    },
    ResetApplicationSessionTimerPosResponse {
        duration: Option<u32>,
    },
    // system services
    SystemRegister {
        /// `requestTypes/systemStatus`, true when absent.
        system_status: bool,
    },
    SystemRegisterResponse {
        register_id: String,
    },
    SystemRegisterCancel {
        register_id: String,
    },
    SystemRegisterCancelResponse,
    RequestSystemStatus,
    RequestSystemStatusResponse {
        status: String,
    },
    SystemStatus {
        status: String,
    },
    SystemStatusResponse,
    // monitoring / snapshot
    MonitorStart {
        /// `monitorObject/deviceObject` text.
        device: String,
        filter: MonitorFilter,
    },
    MonitorStartResponse {
        cross_ref: String,
    },
    MonitorStop {
        cross_ref: String,
    },
    MonitorStopResponse,
    SnapshotDevice {
        device: String,
    },
    SnapshotDeviceResponse {
        items: Vec<SnapshotItem>,
    },
    // call control
    MakeCall {
        calling_device: String,
        called_directory_number: String,
    },
    MakeCallResponse {
        calling_device: ConnectionId,
    },
    AnswerCall {
        call: ConnectionId,
    },
    ClearConnection {
        connection: ConnectionId,
    },
    ClearCall {
        call: ConnectionId,
    },
    HoldCall {
        call: ConnectionId,
    },
    RetrieveCall {
        call: ConnectionId,
    },
    ConsultationCall {
        existing_call: ConnectionId,
        consulted_device: String,
    },
    ConsultationCallResponse {
        initiated_call: ConnectionId,
    },
    TransferCall {
        held_call: ConnectionId,
        active_call: ConnectionId,
    },
    SingleStepTransferCall {
        active_call: ConnectionId,
        transferred_to: String,
    },
    ConferenceCall {
        held_call: ConnectionId,
        active_call: ConnectionId,
    },
    ReconnectCall {
        active_call: ConnectionId,
        held_call: ConnectionId,
    },
    AlternateCall {
        held_call: ConnectionId,
        active_call: ConnectionId,
    },
    DeflectCall {
        call: ConnectionId,
        /// ed3: the element's text; ed6: its first `<device>`.
        new_destination: String,
    },
    GenerateDigits {
        connection: ConnectionId,
        digits: String,
    },
    SetDoNotDisturb {
        device: String,
        on: bool,
    },
    SetForwarding {
        device: String,
        forwarding_type: Option<String>,
        activate: bool,
        forward_dn: Option<String>,
    },
    // features: device queries, call snapshot, pickups, park, intrusion,
    // recording
    GetDoNotDisturb {
        device: String,
    },
    GetForwarding {
        device: String,
    },
    SnapshotCall {
        /// `snapshotObject`.
        call: ConnectionId,
    },
    DirectedPickupCall {
        /// `callToBePickedUp`: the alerting connection of another device.
        call: ConnectionId,
        requesting_device: String,
    },
    GroupPickupCall {
        /// The picking device.
        new_destination: String,
    },
    ParkCall {
        parking: ConnectionId,
        park_to: Option<String>,
    },
    IntrudeCall {
        intrude: ConnectionId,
        /// From `extensions/privateData/private/requestingDevice`.
        requesting_device: Option<String>,
    },
    RecordMessage {
        /// `callToBeRecorded`.
        call: ConnectionId,
    },
    Suspend {
        connection: ConnectionId,
        message: Option<String>,
    },
    Resume {
        connection: ConnectionId,
        /// `messageToResume`.
        message: Option<String>,
    },
    Stop {
        connection: ConnectionId,
        /// `messageToBeStopped`.
        message: Option<String>,
    },
    GetDoNotDisturbResponse {
        on: bool,
    },
    /// The first `forwardListItem`.
    GetForwardingResponse {
        on: Option<bool>,
        forward_dn: Option<String>,
    },
    /// `DirectedPickupCallResponse` or `GroupPickupCallResponse`.
    PickupCallResponse {
        picked_call: ConnectionId,
    },
    RecordMessageResponse {
        message: String,
    },
    // contact centre: agents, routeing, treatments
    SetAgentState {
        device: String,
        /// One of [`REQUESTED_AGENT_STATES`].
        requested_state: String,
        agent_id: Option<String>,
        group: Option<String>,
    },
    SetAgentStateResponse,
    GetAgentState {
        device: String,
    },
    /// `loggedOnState` of the (last) entry and every `agentState` listed.
    GetAgentStateResponse {
        logged_on: Option<bool>,
        states: Vec<String>,
    },
    /// `routeingDevice`: absent registers for every routeing device.
    RouteRegister {
        device: Option<String>,
    },
    RouteRegisterResponse {
        register_id: String,
    },
    RouteRegisterCancel {
        register_id: String,
    },
    RouteRegisterCancelResponse,
    /// The server asks the client for a route.
    RouteRequest {
        cross_ref: String,
        register_id: Option<String>,
        current_route: Option<String>,
        calling_device: Option<String>,
        routed_call: ConnectionId,
    },
    RouteSelect {
        cross_ref: String,
        register_id: Option<String>,
        route_selected: String,
    },
    /// Either side ends a routeing dialogue; `error` is the `errorValue`
    /// (category element and its text) when it failed.
    RouteEnd {
        cross_ref: String,
        register_id: Option<String>,
        error: Option<(String, String)>,
    },
    PlayMessage {
        /// `messageToBePlayed`: 0–4 select a route point treatment.
        message: String,
        connection: ConnectionId,
    },
    PlayMessageResponse,
    // what the server sends
    /// Any root whose local name ends in `Event`.
    Event(EventInfo),
    /// `CSTAErrorCode`: the category element's name and its text (empty for
    /// `<unspecified/>`).
    ErrorCode {
        category: String,
        value: String,
    },
    /// Any other root element.
    Other,
}

impl Message {
    /// True for what a client sends expecting an answer from the server:
    /// what [`Message::named`] says asks something, and also a
    /// RouteRequest (the server's own request) and [`Message::Other`]: the
    /// server answers those with `serviceNotSupported`.
    pub fn is_request(&self) -> bool {
        self.named().access != Access::None
            || matches!(self, Message::RouteRequest { .. } | Message::Other)
    }
}

type Parsed<T> = Result<T, ParseError>;

/// Parses one document (the payload of one frame). Every frame gets the
/// shape pre-scan: frames are small and come one at a time.
pub fn parse(xml: &[u8]) -> Result<Incoming, ParseError> {
    read_root(xml, ShapeScan::Always, |root| {
        let name = root.name();
        let local = name.local_part();
        let message = dispatch(root, local)?;
        Ok(Incoming {
            root: local.to_owned(),
            edition: name.namespace_uri().and_then(Edition::from_namespace),
            message,
        })
    })
}

impl From<ReadError> for ParseError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Encoding(detail) => ParseError::Encoding(detail),
            ReadError::TooComplex(limit) => ParseError::NotWellFormed(limit.to_string()),
            ReadError::NotWellFormed(detail) => ParseError::NotWellFormed(detail),
        }
    }
}

#[cfg(test)]
mod tests;
