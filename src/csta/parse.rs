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
//! - documents are UTF-8, or ISO-8859-1 when their declaration says so;
//! - cost stays linear in the frame size: the XML parser spends quadratic
//!   time on deep nesting and on many attributes per element, so documents
//!   nested deeper than [`MAX_DEPTH`] or with more than [`MAX_ATTRIBUTES`]
//!   on one element are refused (as [`ParseError::NotWellFormed`]) by a
//!   linear pre-scan before the parser sees them. Real CSTA messages are
//!   about ten levels deep with a handful of attributes.

use std::borrow::Cow;
use std::fmt;

use sxd_document::dom::Element;
use sxd_document::parser;

use super::edition::Edition;

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

    /// A filter that suppresses exactly `flags`.
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
    /// True for what a client sends expecting an answer from the server.
    /// [`Message::Other`] counts as a request: the server answers an
    /// unknown root with `serviceNotSupported`.
    pub fn is_request(&self) -> bool {
        !matches!(
            self,
            Message::StartApplicationSessionPosResponse { .. }
                | Message::StartApplicationSessionNegResponse { .. }
                | Message::StopApplicationSessionPosResponse
                | Message::ResetApplicationSessionTimerPosResponse { .. }
                | Message::SystemRegisterResponse { .. }
                | Message::SystemRegisterCancelResponse
                | Message::RequestSystemStatusResponse { .. }
                | Message::SystemStatusResponse
                | Message::MonitorStartResponse { .. }
                | Message::MonitorStopResponse
                | Message::SnapshotDeviceResponse { .. }
                | Message::MakeCallResponse { .. }
                | Message::Event(_)
                | Message::ErrorCode { .. }
        )
    }
}

type Parsed<T> = Result<T, ParseError>;

/// Parses one document (the payload of one frame).
pub fn parse(xml: &[u8]) -> Result<Incoming, ParseError> {
    let text = decode(xml)?;
    check_shape(text.as_bytes())?;
    let package = parser::parse(&text).map_err(|e| ParseError::NotWellFormed(e.to_string()))?;
    let document = package.as_document();
    let root = document
        .root()
        .children()
        .into_iter()
        .find_map(|child| child.element())
        .ok_or_else(|| ParseError::NotWellFormed("no root element".to_owned()))?;
    let name = root.name();
    let local = name.local_part();
    let message = dispatch(root, local)?;
    Ok(Incoming {
        root: local.to_owned(),
        edition: name.namespace_uri().and_then(Edition::from_namespace),
        message,
    })
}

// ---------------------------------------------------------------------------
// Character encoding

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How far into the document the XML declaration may end.
const DECLARATION_LIMIT: usize = 512;

/// Encoding labels that mean ISO-8859-1 (the IANA name and its aliases).
const LATIN1_LABELS: [&str; 8] = [
    "ISO-8859-1",
    "ISO8859-1",
    "ISO_8859-1",
    "latin1",
    "latin-1",
    "l1",
    "ISO-IR-100",
    "CP819",
];

/// The document as text: UTF-8 (after an optional byte-order mark), or
/// ISO-8859-1 bytes mapped one to one onto U+0000..U+00FF when the
/// declaration names that encoding.
fn decode(xml: &[u8]) -> Parsed<Cow<'_, str>> {
    let xml = xml.strip_prefix(UTF8_BOM).unwrap_or(xml);
    let label = declared_encoding(xml);
    let latin1 = label.is_some_and(|label| {
        LATIN1_LABELS
            .iter()
            .any(|l| l.as_bytes().eq_ignore_ascii_case(label))
    });
    if latin1 && !xml.is_ascii() {
        return Ok(Cow::Owned(xml.iter().map(|&b| char::from(b)).collect()));
    }
    // ASCII is the same in both encodings, so it needs no copy.
    std::str::from_utf8(xml)
        .map(Cow::Borrowed)
        .map_err(|e| ParseError::Encoding(encoding_detail(label, e.valid_up_to())))
}

/// Why `decode` gave up: the first byte that is not UTF-8, and the
/// declared encoding when that is neither UTF-8 nor ISO-8859-1.
fn encoding_detail(label: Option<&[u8]>, valid_up_to: usize) -> String {
    let position = format!("invalid UTF-8 at byte {valid_up_to}");
    match label {
        Some(label) if !label.eq_ignore_ascii_case(b"UTF-8") => format!(
            "{position}; declared encoding \"{}\" is not supported (only UTF-8 and ISO-8859-1)",
            label.escape_ascii()
        ),
        _ => position,
    }
}

/// The `encoding="..."` value of the XML declaration, if there is one.
fn declared_encoding(xml: &[u8]) -> Option<&[u8]> {
    let rest = xml.strip_prefix(b"<?xml")?;
    let head = rest.get(..rest.len().min(DECLARATION_LIMIT))?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let declaration = head.get(..end)?;
    let at = declaration.windows(8).position(|w| w == b"encoding")?;
    let value = declaration
        .get(at + 8..)?
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, value) = value.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let len = value.iter().position(|&b| b == quote)?;
    value.get(..len)
}

// ---------------------------------------------------------------------------
// Shape limits

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// Most attributes (namespace declarations included) accepted on one element.
pub const MAX_ATTRIBUTES: usize = 64;

/// One linear pass that counts element depth and attributes per start tag,
/// skipping comments, CDATA, processing instructions and quoted values. It
/// is exact for well-formed documents; on malformed ones it may count
/// loosely, which is harmless because the real parser rejects them anyway.
fn check_shape(xml: &[u8]) -> Parsed<()> {
    let mut depth = 0usize;
    let mut rest = xml;
    while let Some(lt) = rest.iter().position(|&b| b == b'<') {
        rest = rest.get(lt + 1..).unwrap_or_default();
        rest = if let Some(after) = rest.strip_prefix(b"!--") {
            skip_past(after, b"-->")
        } else if let Some(after) = rest.strip_prefix(b"![CDATA[") {
            skip_past(after, b"]]>")
        } else if let Some(after) = rest.strip_prefix(b"?") {
            skip_past(after, b"?>")
        } else if let Some(after) = rest.strip_prefix(b"!") {
            skip_past(after, b">")
        } else if let Some(after) = rest.strip_prefix(b"/") {
            depth = depth.saturating_sub(1);
            skip_past(after, b">")
        } else {
            let tag = scan_start_tag(rest);
            if tag.attributes > MAX_ATTRIBUTES {
                return Err(too_complex("attributes on one element", MAX_ATTRIBUTES));
            }
            if !tag.self_closing {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too_complex("levels of element nesting", MAX_DEPTH));
                }
            }
            rest.get(tag.len..).unwrap_or_default()
        };
    }
    Ok(())
}

fn too_complex(what: &str, limit: usize) -> ParseError {
    ParseError::NotWellFormed(format!("more than {limit} {what}"))
}

/// What follows the first `pattern` in `s` (nothing if it does not occur).
fn skip_past<'a>(s: &'a [u8], pattern: &[u8]) -> &'a [u8] {
    s.windows(pattern.len())
        .position(|w| w == pattern)
        .and_then(|at| s.get(at + pattern.len()..))
        .unwrap_or_default()
}

/// A start tag as seen by [`check_shape`].
struct StartTag {
    /// Bytes up to and including the closing `>`.
    len: usize,
    /// `=` signs outside quoted values: one per attribute.
    attributes: usize,
    self_closing: bool,
}

/// Scans a start tag (after its `<`) to the `>` that ends it.
fn scan_start_tag(s: &[u8]) -> StartTag {
    let mut quote = None;
    let mut attributes = 0;
    let mut previous = 0u8;
    for (i, &b) in s.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'=' => attributes += 1,
                b'>' => {
                    return StartTag {
                        len: i + 1,
                        attributes,
                        self_closing: previous == b'/',
                    }
                }
                _ => {}
            },
        }
        previous = b;
    }
    // Unterminated: the parser will reject the document.
    StartTag {
        len: s.len(),
        attributes,
        self_closing: true,
    }
}

// ---------------------------------------------------------------------------
// Element access

/// An element of a known message, carrying the message name for errors.
#[derive(Clone, Copy)]
struct Node<'d> {
    el: Element<'d>,
    msg: &'static str,
}

impl<'d> Node<'d> {
    fn local(self) -> &'d str {
        self.el.name().local_part()
    }

    /// Child elements in document order.
    fn children(self) -> impl Iterator<Item = Node<'d>> {
        let msg = self.msg;
        self.el
            .children()
            .into_iter()
            .filter_map(move |c| c.element().map(|el| Node { el, msg }))
    }

    /// The first child element called `name` (any namespace).
    fn child(self, name: &str) -> Option<Node<'d>> {
        self.children().find(|c| c.local() == name)
    }

    fn required(self, name: &'static str) -> Parsed<Node<'d>> {
        self.child(name).ok_or(ParseError::Missing {
            message: self.msg,
            element: name,
        })
    }

    /// The element's own text (text and CDATA children, not descendants),
    /// trimmed of XML whitespace.
    fn text(self) -> String {
        let mut text = String::new();
        for child in self.el.children() {
            if let Some(t) = child.text() {
                text.push_str(t.text());
            }
        }
        let trimmed = trim_xml(&text);
        if trimmed.len() == text.len() {
            text
        } else {
            trimmed.to_owned()
        }
    }

    /// Text of a mandatory child that must not be empty.
    fn required_text(self, name: &'static str) -> Parsed<String> {
        let text = self.required(name)?.text();
        self.non_empty(name, text)
    }

    /// Text of an optional child; an empty one counts as absent.
    fn optional_text(self, name: &str) -> Option<String> {
        self.child(name).map(Node::text).filter(|t| !t.is_empty())
    }

    fn non_empty(self, name: &'static str, text: String) -> Parsed<String> {
        if text.is_empty() {
            return Err(self.invalid(name, text));
        }
        Ok(text)
    }

    fn optional_u32(self, name: &'static str) -> Parsed<Option<u32>> {
        let Some(text) = self.optional_text(name) else {
            return Ok(None);
        };
        match text.parse() {
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(self.invalid(name, text)),
        }
    }

    /// An optional `xs:boolean` child; empty counts as absent.
    fn optional_bool(self, name: &'static str) -> Parsed<Option<bool>> {
        let Some(text) = self.optional_text(name) else {
            return Ok(None);
        };
        match xs_boolean(&text) {
            Some(b) => Ok(Some(b)),
            None => Err(self.invalid(name, text)),
        }
    }

    fn required_bool(self, name: &'static str) -> Parsed<bool> {
        let text = self.required(name)?.text();
        xs_boolean(&text).ok_or_else(|| self.invalid(name, text))
    }

    /// A mandatory `ConnectionID` child with at least one of its parts.
    fn connection(self, name: &'static str) -> Parsed<ConnectionId> {
        let node = self.required(name)?;
        connection_id(node).ok_or_else(|| self.invalid(name, node.text()))
    }

    fn invalid(self, element: &'static str, value: String) -> ParseError {
        ParseError::Invalid {
            message: self.msg,
            element,
            value,
        }
    }
}

/// Strips the four XML whitespace characters only: a non-breaking space
/// is data.
fn trim_xml(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// The `xs:boolean` lexical forms.
fn xs_boolean(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Reads `node` as a ConnectionID; `None` unless it has a non-empty
/// `callID` or `deviceID`.
fn connection_id(node: Node<'_>) -> Option<ConnectionId> {
    let id = ConnectionId {
        call_id: node.optional_text("callID"),
        device_id: node.optional_text("deviceID"),
    };
    (id.call_id.is_some() || id.device_id.is_some()).then_some(id)
}

// ---------------------------------------------------------------------------
// Dispatch

type Handler = for<'d> fn(Node<'d>) -> Parsed<Message>;

/// Known roots. The name doubles as the `message` of errors.
const HANDLERS: &[(&str, Handler)] = &[
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
    ("CSTAErrorCode", error_code),
];

/// Picks the handler for the root's local name. Unknown `...Event` roots
/// become [`Message::Event`], any other unknown root [`Message::Other`].
fn dispatch(root: Element<'_>, local: &str) -> Parsed<Message> {
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

// ---------------------------------------------------------------------------
// ECMA-354 session messages

fn start_application_session(m: Node<'_>) -> Parsed<Message> {
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

fn start_session_pos_response(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::StartApplicationSessionPosResponse {
        session_id: m.required_text("sessionID")?,
        protocol_version: m.optional_text("actualProtocolVersion"),
        duration: m.optional_u32("actualSessionDuration")?,
    })
}

fn start_session_neg_response(m: Node<'_>) -> Parsed<Message> {
    // errorCode is a choice of definedError or applError: take whichever.
    let code = m.required("errorCode")?;
    let error = code.children().next().map(Node::text).unwrap_or_default();
    Ok(Message::StartApplicationSessionNegResponse { error })
}

fn stop_application_session(m: Node<'_>) -> Parsed<Message> {
    let session_id = m.required_text("sessionID")?;
    Ok(Message::StopApplicationSession { session_id })
}

fn reset_session_timer(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::ResetApplicationSessionTimer {
        session_id: m.required_text("sessionID")?,
        requested_duration: m.optional_u32("requestedSessionDuration")?,
    })
}

fn reset_timer_pos_response(m: Node<'_>) -> Parsed<Message> {
    let duration = m.optional_u32("actualSessionDuration")?;
    Ok(Message::ResetApplicationSessionTimerPosResponse { duration })
}

// ---------------------------------------------------------------------------
// System services, monitoring, snapshot

fn system_register(m: Node<'_>) -> Parsed<Message> {
    let system_status = match m.child("requestTypes") {
        Some(types) => types.optional_bool("systemStatus")?.unwrap_or(true),
        None => true,
    };
    Ok(Message::SystemRegister { system_status })
}

fn monitor_start(m: Node<'_>) -> Parsed<Message> {
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

fn snapshot_device_response(m: Node<'_>) -> Parsed<Message> {
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

fn deflect_call(m: Node<'_>) -> Parsed<Message> {
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

fn set_forwarding(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::SetForwarding {
        device: m.required_text("device")?,
        forwarding_type: m.optional_text("forwardingType"),
        activate: m.required_bool("activateForward")?,
        forward_dn: m.optional_text("forwardDN"),
    })
}

// ---------------------------------------------------------------------------
// What the server sends

fn error_code(m: Node<'_>) -> Parsed<Message> {
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
fn event(root: Node<'_>, name: &str) -> EventInfo {
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

#[cfg(test)]
mod tests {
    use super::super::edition::APPL_SESSION_NS;
    use super::*;

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/csta-samples/");
    const ED3: &str = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
    const ED4: &str = "http://www.ecma-international.org/standards/ecma-323/csta/ed4";

    fn s(text: &str) -> String {
        text.to_owned()
    }

    fn conn(call: Option<&str>, device: Option<&str>) -> ConnectionId {
        ConnectionId {
            call_id: call.map(s),
            device_id: device.map(s),
        }
    }

    fn devices(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        list.iter().map(|(n, d)| (s(n), d.map(s))).collect()
    }

    fn parse_str(xml: &str) -> Result<Incoming, ParseError> {
        parse(xml.as_bytes())
    }

    fn message(xml: &str) -> Result<Message, ParseError> {
        parse_str(xml).map(|i| i.message)
    }

    /// `<Root xmlns=ED3>body</Root>`
    fn doc(root: &str, body: &str) -> String {
        format!(r#"<?xml version="1.0"?><{root} xmlns="{ED3}">{body}</{root}>"#)
    }

    fn missing(message: &'static str, element: &'static str) -> ParseError {
        ParseError::Missing { message, element }
    }

    fn invalid(message: &'static str, element: &'static str, value: &str) -> ParseError {
        ParseError::Invalid {
            message,
            element,
            value: s(value),
        }
    }

    fn sample_messages() -> Vec<(&'static str, &'static str, Option<Edition>, Message)> {
        use Message as M;
        vec![
            (
                "01-osv-ServiceInitiatedEvent-ed4.xml",
                "ServiceInitiatedEvent",
                Some(Edition::Ed4),
                M::Event(EventInfo {
                    name: s("ServiceInitiatedEvent"),
                    cross_ref: Some(s("1169730059")),
                    connection: Some((
                        s("initiatedConnection"),
                        conn(
                            Some("FF000100000000002D65C85C1C750000"),
                            Some("302118840100"),
                        ),
                    )),
                    devices: devices(&[("initiatingDevice", Some("N<302118840100>;noa=nk"))]),
                    local_connection_info: Some(s("initiated")),
                    cause: Some(s("makeCall")),
                }),
            ),
            (
                "02-osv-OriginatedEvent-ed4.xml",
                "OriginatedEvent",
                Some(Edition::Ed4),
                M::Event(EventInfo {
                    name: s("OriginatedEvent"),
                    cross_ref: Some(s("1169730059")),
                    connection: Some((
                        s("originatedConnection"),
                        conn(
                            Some("FF000100000000002D65C85C1C750000"),
                            Some("302118840100"),
                        ),
                    )),
                    devices: devices(&[
                        ("callingDevice", Some("302118840100")),
                        (
                            "calledDevice",
                            Some("N<302118840101>;displayNumber=302118840101;noa=nk"),
                        ),
                    ]),
                    local_connection_info: Some(s("connected")),
                    cause: Some(s("newCall")),
                }),
            ),
            (
                "03-osv-MonitorStop-ed4-siemens-private.xml",
                "MonitorStop",
                Some(Edition::Ed4),
                M::MonitorStop {
                    cross_ref: s("1193240031"),
                },
            ),
            (
                "04-osv-StartApplicationSessionPosResponse-ecma354.xml",
                "StartApplicationSessionPosResponse",
                None,
                M::StartApplicationSessionPosResponse {
                    session_id: s("009968951"),
                    protocol_version: Some(s(ED4)),
                    duration: Some(600),
                },
            ),
            (
                "05-osv-SystemRegisterResponse-ed4.xml",
                "SystemRegisterResponse",
                Some(Edition::Ed4),
                M::SystemRegisterResponse {
                    register_id: s("27ss"),
                },
            ),
            (
                "06-osv-MonitorStartResponse-ed4.xml",
                "MonitorStartResponse",
                Some(Edition::Ed4),
                M::MonitorStartResponse {
                    cross_ref: s("1136370025"),
                },
            ),
            (
                "07-osv-DeliveredEvent-ed4.xml",
                "DeliveredEvent",
                Some(Edition::Ed4),
                M::Event(EventInfo {
                    name: s("DeliveredEvent"),
                    cross_ref: Some(s("1173673890")),
                    connection: Some((
                        s("connection"),
                        conn(
                            Some("FF00010000000000EC6114647E570000"),
                            Some("3021061290002"),
                        ),
                    )),
                    devices: devices(&[
                        ("alertingDevice", Some("N<3021061290002>;noa=nk")),
                        (
                            "callingDevice",
                            Some(
                                "N<7868772298>Line71001;displayNumber=7868772298;\
                                 uid=FF00010000000000EC6114647E570000",
                            ),
                        ),
                        ("calledDevice", Some("N<3021061290002>;noa=nk")),
                        ("lastRedirectionDevice", None),
                        ("networkCalledDevice", Some("02911")),
                        ("associatedCallingDevice", None),
                    ]),
                    local_connection_info: Some(s("alerting")),
                    cause: Some(s("enteringDistribution")),
                }),
            ),
            (
                "08-osv-MonitorStart-siemens-private-nonamespace.xml",
                "MonitorStart",
                None,
                M::MonitorStart {
                    device: s("{user}"),
                    filter: MonitorFilter::default(),
                },
            ),
            (
                "09-osv-StartApplicationSession-nonamespace.xml",
                "StartApplicationSession",
                None,
                M::StartApplicationSession {
                    application_id: s("pythontsm"),
                    protocol_versions: vec![s(ED4)],
                    requested_duration: Some(600),
                },
            ),
            (
                "10-osv-CallInformationEvent-ed4-siemens-private.xml",
                "CallInformationEvent",
                Some(Edition::Ed4),
                M::Event(EventInfo {
                    name: s("CallInformationEvent"),
                    cross_ref: Some(s("1166743342")),
                    connection: Some((
                        s("connection"),
                        conn(
                            Some("FF00010000000000E2E00E6416060000"),
                            Some("3021061290000"),
                        ),
                    )),
                    devices: devices(&[("device", Some("N<3021061290000>;noa=nk"))]),
                    local_connection_info: None,
                    cause: None,
                }),
            ),
            (
                "11-osv-MonitorStart-ed4-prefixed-ns3.xml",
                "MonitorStart",
                Some(Edition::Ed4),
                M::MonitorStart {
                    device: s("3021033"),
                    filter: MonitorFilter::default(),
                },
            ),
            (
                // Despite its file name, this sample declares the ed4
                // namespace (the ecma.ch ed2 URI is covered inline).
                "12-pyssimist-SystemRegister-ed2-ecma-ch.xml",
                "SystemRegister",
                Some(Edition::Ed4),
                M::SystemRegister {
                    system_status: true,
                },
            ),
            (
                "13-pyssimist-SystemStatusResponse-ed4.xml",
                "SystemStatusResponse",
                Some(Edition::Ed4),
                M::SystemStatusResponse,
            ),
            (
                "14-pyssimist-SnapshotDeviceResponse-ed4.xml",
                "SnapshotDeviceResponse",
                Some(Edition::Ed4),
                M::SnapshotDeviceResponse { items: vec![] },
            ),
            (
                "15-osv-MakeCallResponse-ed4.xml",
                "MakeCallResponse",
                Some(Edition::Ed4),
                M::MakeCallResponse {
                    calling_device: conn(
                        Some("FF000100000000007778C95C05030000"),
                        Some("302118840100"),
                    ),
                },
            ),
            (
                "16-go-MonitorStart-ed4.xml",
                "MonitorStart",
                Some(Edition::Ed4),
                M::MonitorStart {
                    device: s("212700"),
                    filter: MonitorFilter::default(),
                },
            ),
            (
                "17-uacsta-RequestSystemStatus-ed3-ocs-rcc.xml",
                "RequestSystemStatus",
                Some(Edition::Ed3),
                M::RequestSystemStatus,
            ),
            (
                "18-avaya-StartApplicationSession-ecma354.xml",
                "StartApplicationSession",
                None,
                M::StartApplicationSession {
                    application_id: s("TeleCommuterApp"),
                    protocol_versions: vec![s("{protocol_version}")],
                    requested_duration: Some(180),
                },
            ),
            (
                "19-avaya-ResetApplicationSessionTimer-ecma354.xml",
                "ResetApplicationSessionTimer",
                None,
                M::ResetApplicationSessionTimer {
                    session_id: s("{sessionID}"),
                    requested_duration: Some(180),
                },
            ),
            (
                "20-avaya-MonitorStart-ed3-filter-private.xml",
                "MonitorStart",
                Some(Edition::Ed3),
                M::MonitorStart {
                    device: s("{device_id}"),
                    filter: MonitorFilter::from_flags(&[
                        "buttonInformation",
                        "displayUpdated",
                        "hookswitch",
                        "lampMode",
                        "ringerStatus",
                    ]),
                },
            ),
            (
                "21-broadworks-SetDoNotDisturb-ed3.xml",
                "SetDoNotDisturb",
                Some(Edition::Ed3),
                M::SetDoNotDisturb {
                    device: s("7659366"),
                    on: true,
                },
            ),
            (
                "22-broadworks-SetForwarding-ed3.xml",
                "SetForwarding",
                Some(Edition::Ed3),
                M::SetForwarding {
                    device: s("7659366"),
                    forwarding_type: Some(s("forwardImmediate")),
                    activate: true,
                    forward_dn: Some(s("2424")),
                },
            ),
            (
                "23-zultys-CSTAErrorCode-privateErrorCode-nonamespace.xml",
                "CSTAErrorCode",
                None,
                M::ErrorCode {
                    category: s("privateErrorCode"),
                    value: s("URM Denied"),
                },
            ),
        ]
    }

    #[test]
    fn every_sample_parses_to_its_message() {
        let cases = sample_messages();
        assert_eq!(cases.len(), 23, "one case per sample file");
        for (file, root, edition, want) in cases {
            let bytes = std::fs::read(format!("{SAMPLES}{file}")).expect("sample file");
            let got = parse(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(got.root, root, "{file}");
            assert_eq!(got.edition, edition, "{file}");
            assert_eq!(got.message, want, "{file}");
        }
    }

    #[test]
    fn sample_filter_keeps_unlisted_events() {
        let bytes = std::fs::read(format!(
            "{SAMPLES}20-avaya-MonitorStart-ed3-filter-private.xml"
        ))
        .expect("sample");
        let Ok(Incoming {
            message: Message::MonitorStart { filter, .. },
            ..
        }) = parse(&bytes)
        else {
            panic!("sample 20 is a MonitorStart");
        };
        let cases: &[(&str, bool)] = &[
            ("hookswitch", true),
            ("lampMode", true),
            ("delivered", false),
            ("established", false),
            ("linkDown", false), // Avaya private, inside <extensions>
            ("invertFilter", false),
            ("physicalDeviceFeature", false),
        ];
        for (flag, want) in cases {
            assert_eq!(filter.suppresses(flag), *want, "{flag}");
        }
    }

    #[test]
    fn not_well_formed_or_badly_encoded() {
        let cases: &[&[u8]] = &[
            b"",
            b"   \n",
            b"<?xml version=\"1.0\"?>",
            b"plain text",
            b"<MonitorStart>",
            b"<MonitorStart></MonitorStop>",
            b"<a/><b/>",
            b"<<",
            b"<a>x</a>trailing",
            b"<p:MonitorStart/>",
            b"<a>&nbsp;</a>",
            b"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
            b"<a attr=noquotes/>",
            b"\0\0\0\x0c0001<a/>",
        ];
        for input in cases {
            let got = parse(input);
            assert!(
                matches!(got, Err(ParseError::NotWellFormed(_))),
                "{:?} gave {got:?}",
                input.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn encodings() {
        const UTF8: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
        const LATIN1: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>";
        const LATIN1_ALIAS: &[u8] = b"<?xml version='1.0' encoding='latin1'?>";
        const LATIN1_SPACED: &[u8] = b"<?xml version=\"1.0\" encoding = \"iso-8859-1\" ?>";
        const CP1252: &[u8] = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>";
        /// Bytes before the document, raw bytes of the device id, and the
        /// device id expected back or text the encoding error must contain.
        type Case = (
            &'static [u8],
            &'static [u8],
            Result<&'static str, &'static str>,
        );
        let cases: &[Case] = &[
            (b"", b"caf\xc3\xa9", Ok("caf\u{e9}")),
            (UTF8, b"caf\xc3\xa9", Ok("caf\u{e9}")),
            (b"\xef\xbb\xbf", b"bom", Ok("bom")),
            (LATIN1, b"caf\xe9", Ok("caf\u{e9}")),
            (LATIN1, b"ascii", Ok("ascii")),
            (LATIN1_ALIAS, b"\xc3\xa9", Ok("\u{c3}\u{a9}")), // declared latin-1 wins
            (LATIN1_SPACED, b"\xff", Ok("\u{ff}")),
            (UTF8, b"caf\xe9", Err("invalid UTF-8 at byte 73")),
            (b"", b"caf\xe9", Err("invalid UTF-8 at byte 35")),
            (CP1252, b"\x80", Err("\"windows-1252\" is not supported")),
            (b"\xff\xfe", b"utf-16 bom", Err("invalid UTF-8 at byte 0")),
        ];
        for (prefix, device, want) in cases {
            let mut input = prefix.to_vec();
            input.extend_from_slice(b"<SnapshotDevice><snapshotObject>");
            input.extend_from_slice(device);
            input.extend_from_slice(b"</snapshotObject></SnapshotDevice>");
            let label = input.escape_ascii().to_string();
            match (parse(&input).map(|i| i.message), want) {
                (Ok(Message::SnapshotDevice { device }), Ok(want)) => {
                    assert_eq!(device, *want, "{label}");
                }
                (Err(ParseError::Encoding(detail)), Err(needle)) => {
                    assert!(detail.contains(needle), "{label}: {detail}");
                }
                (got, want) => panic!("{label}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn declared_encoding_cases() {
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>",
                Some(b"ISO-8859-1"),
            ),
            (
                b"<?xml version='1.0' encoding='utf-8'?><a/>",
                Some(b"utf-8"),
            ),
            (b"<?xml version=\"1.0\" encoding =\n'x' ?><a/>", Some(b"x")),
            (b"<?xml version=\"1.0\"?><a encoding=\"latin1\"/>", None),
            (b"<?xml version=\"1.0\" encoding=latin1?><a/>", None),
            (b"<?xml version=\"1.0\" encoding=\"latin1?><a/>", None),
            (b"<a/>", None),
            (b"", None),
            (b"<?xml", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                declared_encoding(input),
                *want,
                "{:?}",
                input.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn missing_mandatory_elements() {
        let cases: &[(&str, &str, ParseError)] = &[
            ("MonitorStart", "", missing("MonitorStart", "monitorObject")),
            (
                "MonitorStart",
                "<monitorObject/>",
                missing("MonitorStart", "deviceObject"),
            ),
            (
                "MonitorStart",
                "<requestedMonitorFilter/><deviceObject>1</deviceObject>",
                missing("MonitorStart", "monitorObject"),
            ),
            (
                "MonitorStop",
                "<extensions/>",
                missing("MonitorStop", "monitorCrossRefID"),
            ),
            (
                "MonitorStartResponse",
                "",
                missing("MonitorStartResponse", "monitorCrossRefID"),
            ),
            (
                "SnapshotDevice",
                "",
                missing("SnapshotDevice", "snapshotObject"),
            ),
            (
                "MakeCall",
                "<callingDevice>1</callingDevice>",
                missing("MakeCall", "calledDirectoryNumber"),
            ),
            (
                "MakeCall",
                "<calledDirectoryNumber>2</calledDirectoryNumber>",
                missing("MakeCall", "callingDevice"),
            ),
            (
                "MakeCallResponse",
                "",
                missing("MakeCallResponse", "callingDevice"),
            ),
            ("AnswerCall", "", missing("AnswerCall", "callToBeAnswered")),
            (
                "ClearConnection",
                "",
                missing("ClearConnection", "connectionToBeCleared"),
            ),
            ("ClearCall", "", missing("ClearCall", "callToBeCleared")),
            (
                "HoldCall",
                "<callToBeRetrieved/>",
                missing("HoldCall", "callToBeHeld"),
            ),
            (
                "RetrieveCall",
                "",
                missing("RetrieveCall", "callToBeRetrieved"),
            ),
            (
                "ConsultationCall",
                "<existingCall><callID>1</callID></existingCall>",
                missing("ConsultationCall", "consultedDevice"),
            ),
            (
                "TransferCall",
                "<heldCall><callID>1</callID></heldCall>",
                missing("TransferCall", "activeCall"),
            ),
            (
                "SingleStepTransferCall",
                "<activeCall><callID>1</callID></activeCall>",
                missing("SingleStepTransferCall", "transferredTo"),
            ),
            (
                "ConferenceCall",
                "<activeCall><callID>1</callID></activeCall>",
                missing("ConferenceCall", "heldCall"),
            ),
            (
                "DeflectCall",
                "<callToBeDiverted><callID>1</callID></callToBeDiverted>",
                missing("DeflectCall", "newDestination"),
            ),
            (
                "GenerateDigits",
                "<connectionToSendDigits><callID>1</callID></connectionToSendDigits>",
                missing("GenerateDigits", "charactersToSend"),
            ),
            (
                "SetDoNotDisturb",
                "<device>1</device>",
                missing("SetDoNotDisturb", "doNotDisturbOn"),
            ),
            (
                "SetForwarding",
                "<device>1</device>",
                missing("SetForwarding", "activateForward"),
            ),
            (
                "SetForwarding",
                "<activateForward>true</activateForward>",
                missing("SetForwarding", "device"),
            ),
            (
                "StartApplicationSession",
                "",
                missing("StartApplicationSession", "applicationInfo"),
            ),
            (
                "StartApplicationSession",
                "<applicationInfo/>",
                missing("StartApplicationSession", "applicationID"),
            ),
            (
                "StopApplicationSession",
                "",
                missing("StopApplicationSession", "sessionID"),
            ),
            (
                "ResetApplicationSessionTimer",
                "<requestedSessionDuration>5</requestedSessionDuration>",
                missing("ResetApplicationSessionTimer", "sessionID"),
            ),
            (
                "StartApplicationSessionPosResponse",
                "",
                missing("StartApplicationSessionPosResponse", "sessionID"),
            ),
            (
                "StartApplicationSessionNegResponse",
                "",
                missing("StartApplicationSessionNegResponse", "errorCode"),
            ),
            (
                "SystemRegisterCancel",
                "",
                missing("SystemRegisterCancel", "sysStatRegisterID"),
            ),
            (
                "SystemRegisterResponse",
                "",
                missing("SystemRegisterResponse", "sysStatRegisterID"),
            ),
            ("SystemStatus", "", missing("SystemStatus", "systemStatus")),
            (
                "RequestSystemStatusResponse",
                "",
                missing("RequestSystemStatusResponse", "systemStatus"),
            ),
            ("CSTAErrorCode", "", missing("CSTAErrorCode", "errorValue")),
        ];
        for (root, body, want) in cases {
            let got = message(&doc(root, body));
            assert_eq!(got.as_ref(), Err(want), "{root}: {body}");
        }
    }

    #[test]
    fn invalid_values() {
        let cases: &[(&str, &str, ParseError)] = &[
            (
                "MonitorStart",
                "<monitorObject><callObject><callID>C1</callID></callObject></monitorObject>",
                invalid("MonitorStart", "callObject", "C1"),
            ),
            (
                "MonitorStart",
                "<monitorObject><deviceObject/></monitorObject>",
                invalid("MonitorStart", "deviceObject", ""),
            ),
            (
                "MonitorStart",
                "<monitorObject><deviceObject> \n\t </deviceObject></monitorObject>",
                invalid("MonitorStart", "deviceObject", ""),
            ),
            (
                "MonitorStart",
                "<monitorObject><deviceObject>1</deviceObject></monitorObject>\
                 <requestedMonitorFilter><callcontrol><delivered>yes</delivered>\
                 </callcontrol></requestedMonitorFilter>",
                invalid("MonitorStart", "requestedMonitorFilter", "delivered=yes"),
            ),
            (
                "StartApplicationSession",
                "<applicationInfo><applicationID>a</applicationID></applicationInfo>\
                 <requestedSessionDuration>abc</requestedSessionDuration>",
                invalid("StartApplicationSession", "requestedSessionDuration", "abc"),
            ),
            (
                "StartApplicationSession",
                "<applicationInfo><applicationID>a</applicationID></applicationInfo>\
                 <requestedSessionDuration>-1</requestedSessionDuration>",
                invalid("StartApplicationSession", "requestedSessionDuration", "-1"),
            ),
            (
                "ResetApplicationSessionTimer",
                "<sessionID>s</sessionID><requestedSessionDuration>1.5</requestedSessionDuration>",
                invalid(
                    "ResetApplicationSessionTimer",
                    "requestedSessionDuration",
                    "1.5",
                ),
            ),
            (
                "ResetApplicationSessionTimer",
                "<sessionID>s</sessionID>\
                 <requestedSessionDuration>99999999999</requestedSessionDuration>",
                invalid(
                    "ResetApplicationSessionTimer",
                    "requestedSessionDuration",
                    "99999999999",
                ),
            ),
            (
                "StartApplicationSessionPosResponse",
                "<sessionID>s</sessionID><actualSessionDuration>1e3</actualSessionDuration>",
                invalid(
                    "StartApplicationSessionPosResponse",
                    "actualSessionDuration",
                    "1e3",
                ),
            ),
            (
                "MonitorStop",
                "<monitorCrossRefID/>",
                invalid("MonitorStop", "monitorCrossRefID", ""),
            ),
            (
                "SnapshotDevice",
                "<snapshotObject> </snapshotObject>",
                invalid("SnapshotDevice", "snapshotObject", ""),
            ),
            (
                "SetDoNotDisturb",
                "<device>1</device><doNotDisturbOn>yes</doNotDisturbOn>",
                invalid("SetDoNotDisturb", "doNotDisturbOn", "yes"),
            ),
            (
                "SetDoNotDisturb",
                "<device>1</device><doNotDisturbOn/>",
                invalid("SetDoNotDisturb", "doNotDisturbOn", ""),
            ),
            (
                "SetDoNotDisturb",
                "<device>1</device><doNotDisturbOn>TRUE</doNotDisturbOn>",
                invalid("SetDoNotDisturb", "doNotDisturbOn", "TRUE"),
            ),
            (
                "SystemRegister",
                "<requestTypes><systemStatus>on</systemStatus></requestTypes>",
                invalid("SystemRegister", "systemStatus", "on"),
            ),
            (
                "AnswerCall",
                "<callToBeAnswered><callID/><deviceID> </deviceID></callToBeAnswered>",
                invalid("AnswerCall", "callToBeAnswered", ""),
            ),
            (
                "ClearConnection",
                "<connectionToBeCleared>loose text</connectionToBeCleared>",
                invalid("ClearConnection", "connectionToBeCleared", "loose text"),
            ),
            (
                "DeflectCall",
                "<callToBeDiverted><callID>1</callID></callToBeDiverted><newDestination/>",
                invalid("DeflectCall", "newDestination", ""),
            ),
            (
                "GenerateDigits",
                "<connectionToSendDigits><callID>1</callID></connectionToSendDigits>\
                 <charactersToSend></charactersToSend>",
                invalid("GenerateDigits", "charactersToSend", ""),
            ),
        ];
        for (root, body, want) in cases {
            let got = message(&doc(root, body));
            assert_eq!(got.as_ref(), Err(want), "{root}: {body}");
        }
    }

    #[test]
    fn requests_with_values() {
        use Message as M;
        let c1 = || conn(Some("C1"), Some("100"));
        let c2 = || conn(Some("C2"), Some("100"));
        let cases: Vec<(&str, &str, Message)> =
            vec![
            (
                "MakeCall",
                r#"<callingDevice typeOfNumber="explicitPublic:subscriber">100</callingDevice>
                   <calledDirectoryNumber>200</calledDirectoryNumber>
                   <autoOriginate>doNotPrompt</autoOriginate>"#,
                M::MakeCall {
                    calling_device: s("100"),
                    called_directory_number: s("200"),
                },
            ),
            (
                "AnswerCall",
                "<callToBeAnswered><callID>C1</callID><deviceID>100</deviceID></callToBeAnswered>",
                M::AnswerCall { call: c1() },
            ),
            (
                "ClearConnection",
                "<connectionToBeCleared><deviceID>100</deviceID></connectionToBeCleared>",
                M::ClearConnection {
                    connection: conn(None, Some("100")),
                },
            ),
            (
                "ClearCall",
                "<callToBeCleared><callID>C1</callID></callToBeCleared>",
                M::ClearCall {
                    call: conn(Some("C1"), None),
                },
            ),
            (
                "HoldCall",
                "<callToBeHeld><callID>C1</callID><deviceID>100</deviceID></callToBeHeld>\
                 <connectionReservation>true</connectionReservation>",
                M::HoldCall { call: c1() },
            ),
            (
                "RetrieveCall",
                "<callToBeRetrieved><callID>C1</callID><deviceID>100</deviceID>\
                 </callToBeRetrieved>",
                M::RetrieveCall { call: c1() },
            ),
            (
                "ConsultationCall",
                "<existingCall><callID>C1</callID><deviceID>100</deviceID></existingCall>\
                 <consultedDevice>300</consultedDevice>",
                M::ConsultationCall {
                    existing_call: c1(),
                    consulted_device: s("300"),
                },
            ),
            (
                "TransferCall",
                "<heldCall><callID>C1</callID><deviceID>100</deviceID></heldCall>\
                 <activeCall><callID>C2</callID><deviceID>100</deviceID></activeCall>",
                M::TransferCall {
                    held_call: c1(),
                    active_call: c2(),
                },
            ),
            (
                "SingleStepTransferCall",
                "<activeCall><callID>C1</callID><deviceID>100</deviceID></activeCall>\
                 <transferredTo>400</transferredTo>",
                M::SingleStepTransferCall {
                    active_call: c1(),
                    transferred_to: s("400"),
                },
            ),
            (
                "ConferenceCall",
                "<heldCall><callID>C1</callID><deviceID>100</deviceID></heldCall>\
                 <activeCall><callID>C2</callID><deviceID>100</deviceID></activeCall>",
                M::ConferenceCall {
                    held_call: c1(),
                    active_call: c2(),
                },
            ),
            (
                "DeflectCall",
                "<callToBeDiverted><callID>C1</callID><deviceID>100</deviceID></callToBeDiverted>\
                 <newDestination>500</newDestination>",
                M::DeflectCall {
                    call: c1(),
                    new_destination: s("500"),
                },
            ),
            (
                "DeflectCall",
                "<callToBeDiverted><callID>C1</callID><deviceID>100</deviceID></callToBeDiverted>\
                 <newDestination><device>600</device><device>700</device></newDestination>",
                M::DeflectCall {
                    call: c1(),
                    new_destination: s("600"),
                },
            ),
            (
                "GenerateDigits",
                "<connectionToSendDigits><callID>C1</callID><deviceID>100</deviceID>\
                 </connectionToSendDigits><digitMode>dTMF</digitMode>\
                 <charactersToSend>12*#</charactersToSend>",
                M::GenerateDigits {
                    connection: c1(),
                    digits: s("12*#"),
                },
            ),
            (
                "SetDoNotDisturb",
                "<device>100</device><doNotDisturbOn>0</doNotDisturbOn>",
                M::SetDoNotDisturb {
                    device: s("100"),
                    on: false,
                },
            ),
            (
                "SetDoNotDisturb",
                "<device>100</device><doNotDisturbOn>1</doNotDisturbOn>",
                M::SetDoNotDisturb {
                    device: s("100"),
                    on: true,
                },
            ),
            (
                "SetForwarding",
                "<device>100</device><forwardingType/><activateForward>false</activateForward>\
                 <forwardDN></forwardDN><ringCount/>",
                M::SetForwarding {
                    device: s("100"),
                    forwarding_type: None,
                    activate: false,
                    forward_dn: None,
                },
            ),
            (
                "SystemRegister",
                "<requestTypes><systemStatus>false</systemStatus></requestTypes>",
                M::SystemRegister {
                    system_status: false,
                },
            ),
            ("SystemRegister", "", M::SystemRegister { system_status: true }),
            (
                "SystemRegister",
                "<requestTypes><requestSystemStatus>true</requestSystemStatus></requestTypes>",
                M::SystemRegister { system_status: true },
            ),
            (
                "SystemRegisterCancel",
                "<sysStatRegisterID>27ss</sysStatRegisterID>",
                M::SystemRegisterCancel {
                    register_id: s("27ss"),
                },
            ),
            (
                "SystemStatus",
                "<sysStatRegisterID>1</sysStatRegisterID><systemStatus>normal</systemStatus>",
                M::SystemStatus { status: s("normal") },
            ),
            ("SystemRegisterCancelResponse", "", M::SystemRegisterCancelResponse),
            ("MonitorStopResponse", "<extensions/>", M::MonitorStopResponse),
            ("StopApplicationSessionPosResponse", "", M::StopApplicationSessionPosResponse),
            (
                "StopApplicationSession",
                "<sessionID>S1</sessionID><sessionEndReason><definedEndReason>normal\
                 </definedEndReason></sessionEndReason>",
                M::StopApplicationSession {
                    session_id: s("S1"),
                },
            ),
            (
                "StartApplicationSession",
                "<applicationInfo><applicationID/></applicationInfo>\
                 <requestedProtocolVersions><protocolVersion>a</protocolVersion>\
                 <protocolVersion/><other>x</other><protocolVersion> b </protocolVersion>\
                 </requestedProtocolVersions><requestedSessionDuration/>",
                M::StartApplicationSession {
                    application_id: s(""),
                    protocol_versions: vec![s("a"), s("b")],
                    requested_duration: None,
                },
            ),
            (
                "StartApplicationSessionNegResponse",
                "<errorCode><definedError>serverResourcesBusy</definedError></errorCode>",
                M::StartApplicationSessionNegResponse {
                    error: s("serverResourcesBusy"),
                },
            ),
            (
                "ResetApplicationSessionTimerPosResponse",
                "<actualSessionDuration> 4294967295 </actualSessionDuration>",
                M::ResetApplicationSessionTimerPosResponse {
                    duration: Some(u32::MAX),
                },
            ),
            (
                "SnapshotDeviceResponse",
                "<crossRefIDorSnapshotData><snapshotData><snapshotDeviceResponseInfo>\
                 <connectionIdentifier><callID>C1</callID><deviceID>100</deviceID>\
                 </connectionIdentifier><localCallState><compoundCallState>\
                 <localConnectionState>hold</localConnectionState>\
                 </compoundCallState></localCallState></snapshotDeviceResponseInfo>\
                 <snapshotDeviceResponseInfo><connectionIdentifier><deviceID>100</deviceID>\
                 </connectionIdentifier><localCallState><simpleCallState>callQueued\
                 </simpleCallState></localCallState></snapshotDeviceResponseInfo>\
                 <snapshotDeviceResponseInfo/></snapshotData></crossRefIDorSnapshotData>",
                M::SnapshotDeviceResponse {
                    items: vec![
                        SnapshotItem {
                            call_id: s("C1"),
                            device_id: s("100"),
                            local_call_state: s("hold"),
                        },
                        SnapshotItem {
                            call_id: s(""),
                            device_id: s("100"),
                            local_call_state: s("callQueued"),
                        },
                        SnapshotItem::default(),
                    ],
                },
            ),
            (
                "SnapshotDeviceResponse",
                "<crossRefIDorSnapshotData><serviceCrossRefID>9</serviceCrossRefID>\
                 </crossRefIDorSnapshotData>",
                M::SnapshotDeviceResponse { items: vec![] },
            ),
            (
                "CSTAErrorCode",
                "<operation>invalidMonitorCrossRefID</operation>",
                M::ErrorCode {
                    category: s("operation"),
                    value: s("invalidMonitorCrossRefID"),
                },
            ),
            (
                "CSTAErrorCode",
                "<unspecified/>",
                M::ErrorCode {
                    category: s("unspecified"),
                    value: s(""),
                },
            ),
        ];
        for (root, body, want) in cases {
            let got = message(&doc(root, body));
            assert_eq!(got, Ok(want), "{root}: {body}");
        }
    }

    #[test]
    fn unknown_roots_are_other_and_events_are_events() {
        let cases: &[(&str, bool)] = &[
            ("<GetCSTAFeatures/>", false),
            ("<AnswerCallResponse/>", false),
            (
                "<Foo xmlns=\"urn:x\"><monitorCrossRefID>1</monitorCrossRefID></Foo>",
                false,
            ),
            ("<monitorStart><monitorObject/></monitorStart>", false), // names are case-sensitive
            ("<HeldEvent/>", true),
            ("<AgentReadyEvent xmlns=\"urn:x\"/>", true),
            ("<Event/>", true),
        ];
        for (xml, is_event) in cases {
            let got = message(xml).expect("well-formed");
            assert_eq!(matches!(got, Message::Event(_)), *is_event, "{xml}");
            assert_eq!(got == Message::Other, !is_event, "{xml}");
        }
    }

    #[test]
    fn namespaces_and_prefixes() {
        const CSTA: &str = "http://www.ecma-international.org/standards/ecma-323/csta";
        const STOP: &str = "<MonitorStop{}><monitorCrossRefID>7</monitorCrossRefID></MonitorStop>";
        let plain = |attrs: &str| STOP.replace("{}", attrs);
        let cases: Vec<(String, Option<Edition>)> = vec![
            (
                format!(
                    "<csta:MonitorStop xmlns:csta=\"{CSTA}/ed6\">\
                     <csta:monitorCrossRefID>7</csta:monitorCrossRefID></csta:MonitorStop>"
                ),
                Some(Edition::Ed6),
            ),
            (
                // Children in another namespace still match by local name.
                format!(
                    "<a:MonitorStop xmlns:a=\"{CSTA}/ed4\" xmlns:b=\"urn:other\">\
                     <b:monitorCrossRefID>7</b:monitorCrossRefID></a:MonitorStop>"
                ),
                Some(Edition::Ed4),
            ),
            (
                plain(" xmlns=\"http://www.ecma.ch/standards/ecma-323/csta/ed2\""),
                Some(Edition::Ed2),
            ),
            (
                plain(&format!(" xmlns=\"{CSTA}/ed3/priv2\"")),
                Some(Edition::Ed3),
            ),
            (plain(&format!(" xmlns=\"{CSTA}/ed5\"")), Some(Edition::Ed5)),
            (
                plain(&format!(" xmlns=\"{CSTA}/ed6/short_tags\"")),
                Some(Edition::Ed6),
            ),
            (plain(" xmlns=\"http://www.avaya.com/csta\""), None),
            // A declared but unused prefix leaves the root in no namespace.
            (plain(&format!(" xmlns:x=\"{CSTA}/ed4\"")), None),
            (plain(&format!(" xmlns=\"{APPL_SESSION_NS}\"")), None),
            (plain(""), None),
        ];
        for (xml, edition) in &cases {
            let got = parse_str(xml).expect("parses");
            assert_eq!(got.root, "MonitorStop", "{xml}");
            assert_eq!(got.edition, *edition, "{xml}");
            assert_eq!(
                got.message,
                Message::MonitorStop { cross_ref: s("7") },
                "{xml}"
            );
        }
    }

    #[test]
    fn text_is_trimmed_and_joined() {
        let long_pad = " ".repeat(50_000);
        let padded = format!("{long_pad}\n3021033\n{long_pad}");
        let cases: Vec<(&str, &str)> = vec![
            ("3021033", "3021033"),
            ("\n\t  3021033 \r\n", "3021033"),
            (&padded, "3021033"),
            ("30<!-- comment -->21", "3021"),
            ("<![CDATA[N<1>]]>", "N<1>"),
            (" <![CDATA[ x ]]> ", "x"),
            ("N&lt;302118840100&gt;;noa=nk", "N<302118840100>;noa=nk"),
            ("&#x33;&#48;", "30"),
            ("\u{a0}42\u{a0}", "\u{a0}42\u{a0}"),
            ("a b", "a b"),
            ("30<ignored>99</ignored>21", "3021"),
        ];
        for (text, want) in cases {
            let xml = doc(
                "SnapshotDevice",
                &format!("<snapshotObject>{text}</snapshotObject>"),
            );
            let got = message(&xml);
            assert_eq!(
                got,
                Ok(Message::SnapshotDevice { device: s(want) }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn unknown_children_and_extensions_are_ignored() {
        let xml = doc(
            "MonitorStart",
            r#"<vendorThing>x</vendorThing>
               <monitorObject><junk/><deviceObject typeOfNumber="other" mediaClass="notKnown">
                 42</deviceObject><deviceObject>second</deviceObject></monitorObject>
               <requestedMonitorFilter>
                 <callcontrol><delivered>true</delivered><established>false</established>
                   <connectionCleared> 1 </connectionCleared><held/></callcontrol>
                 <callAssociated><callInformation>true</callInformation></callAssociated>
                 <logicalDeviceFeature><agentReady>true</agentReady></logicalDeviceFeature>
                 <maintenance><backInService>0</backInService></maintenance>
                 <privateFilter><bogus>maybe</bogus><other>true</other></privateFilter>
               </requestedMonitorFilter>
               <monitorType>device</monitorType>
               <extensions><privateData><private>
                 <x:y xmlns:x="urn:x">z</x:y>
               </private></privateData></extensions>"#,
        );
        let got = message(&xml);
        let want = Message::MonitorStart {
            device: s("42"),
            filter: MonitorFilter::from_flags(&[
                "delivered",
                "connectionCleared",
                "callInformation",
                "agentReady",
            ]),
        };
        assert_eq!(got, Ok(want));
    }

    #[test]
    fn monitor_filter_set_semantics() {
        let filter = MonitorFilter::from_flags(&["transferred", "delivered", "delivered", "held"]);
        assert_eq!(
            filter.flags().collect::<Vec<_>>(),
            ["delivered", "held", "transferred"]
        );
        let cases: &[(&str, bool)] = &[
            ("delivered", true),
            ("held", true),
            ("transferred", true),
            ("Delivered", false),
            ("established", false),
            ("", false),
            ("zzz", false),
        ];
        for (flag, want) in cases {
            assert_eq!(filter.suppresses(flag), *want, "{flag}");
        }
        assert!(MonitorFilter::default().is_empty());
        assert!(!MonitorFilter::default().suppresses("delivered"));
        assert!(!filter.is_empty());
        assert_eq!(
            MonitorFilter::from_flags(&["b", "a"]),
            MonitorFilter::from_flags(&["a", "b", "a"])
        );
    }

    #[test]
    fn event_envelopes() {
        let cases: Vec<(&str, EventInfo)> = vec![
            (
                "<ConnectionClearedEvent><monitorCrossRefID>5</monitorCrossRefID>\
                 <droppedConnection><callID>C</callID><deviceID>D</deviceID></droppedConnection>\
                 <releasingDevice><deviceIdentifier>D</deviceIdentifier></releasingDevice>\
                 <localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause>\
                 </ConnectionClearedEvent>",
                EventInfo {
                    name: s("ConnectionClearedEvent"),
                    cross_ref: Some(s("5")),
                    connection: Some((s("droppedConnection"), conn(Some("C"), Some("D")))),
                    devices: devices(&[("releasingDevice", Some("D"))]),
                    local_connection_info: Some(s("null")),
                    cause: Some(s("normalClearing")),
                },
            ),
            (
                "<TransferedEvent><monitorCrossRefID>6</monitorCrossRefID>\
                 <primaryOldCall><callID>P</callID></primaryOldCall>\
                 <secondaryOldCall><callID>S</callID></secondaryOldCall>\
                 <transferringDevice><restricted/></transferringDevice>\
                 <transferredToDevice><notKnown/></transferredToDevice>\
                 <lastRedirectionDevice><numberDialed>777</numberDialed></lastRedirectionDevice>\
                 <calledDevice><notSpecified/></calledDevice>\
                 <callingDevice><deviceIdentifier/></callingDevice></TransferedEvent>",
                EventInfo {
                    name: s("TransferedEvent"),
                    cross_ref: Some(s("6")),
                    connection: Some((s("primaryOldCall"), conn(Some("P"), None))),
                    devices: devices(&[
                        ("transferringDevice", None),
                        ("transferredToDevice", None),
                        ("lastRedirectionDevice", Some("777")),
                        ("calledDevice", None),
                        ("callingDevice", None),
                    ]),
                    local_connection_info: None,
                    cause: None,
                },
            ),
            (
                "<AgentReadyEvent><monitorCrossRefID>7</monitorCrossRefID>\
                 <agentDevice><deviceIdentifier>100</deviceIdentifier></agentDevice>\
                 <agentID>a1</agentID></AgentReadyEvent>",
                EventInfo {
                    name: s("AgentReadyEvent"),
                    cross_ref: Some(s("7")),
                    connection: None,
                    devices: devices(&[("agentDevice", Some("100"))]),
                    local_connection_info: None,
                    cause: None,
                },
            ),
            (
                "<DeliveredEvent/>",
                EventInfo {
                    name: s("DeliveredEvent"),
                    ..EventInfo::default()
                },
            ),
        ];
        for (xml, want) in cases {
            assert_eq!(message(xml), Ok(Message::Event(want)), "{xml}");
        }
    }

    #[test]
    fn is_request_by_kind() {
        let cases: Vec<(Message, bool)> = vec![
            (
                Message::StartApplicationSession {
                    application_id: s("a"),
                    protocol_versions: vec![],
                    requested_duration: None,
                },
                true,
            ),
            (Message::StopApplicationSession { session_id: s("s") }, true),
            (
                Message::ResetApplicationSessionTimer {
                    session_id: s("s"),
                    requested_duration: None,
                },
                true,
            ),
            (
                Message::SystemRegister {
                    system_status: true,
                },
                true,
            ),
            (
                Message::SystemRegisterCancel {
                    register_id: s("r"),
                },
                true,
            ),
            (Message::RequestSystemStatus, true),
            (
                Message::SystemStatus {
                    status: s("normal"),
                },
                true,
            ),
            (
                Message::MonitorStart {
                    device: s("1"),
                    filter: MonitorFilter::default(),
                },
                true,
            ),
            (Message::MonitorStop { cross_ref: s("1") }, true),
            (Message::SnapshotDevice { device: s("1") }, true),
            (
                Message::MakeCall {
                    calling_device: s("1"),
                    called_directory_number: s("2"),
                },
                true,
            ),
            (
                Message::HoldCall {
                    call: conn(Some("c"), None),
                },
                true,
            ),
            (
                Message::SetDoNotDisturb {
                    device: s("1"),
                    on: true,
                },
                true,
            ),
            (Message::Other, true),
            (
                Message::StartApplicationSessionPosResponse {
                    session_id: s("s"),
                    protocol_version: None,
                    duration: None,
                },
                false,
            ),
            (
                Message::StartApplicationSessionNegResponse { error: s("e") },
                false,
            ),
            (Message::StopApplicationSessionPosResponse, false),
            (
                Message::ResetApplicationSessionTimerPosResponse { duration: None },
                false,
            ),
            (
                Message::SystemRegisterResponse {
                    register_id: s("r"),
                },
                false,
            ),
            (Message::SystemRegisterCancelResponse, false),
            (
                Message::RequestSystemStatusResponse {
                    status: s("normal"),
                },
                false,
            ),
            (Message::SystemStatusResponse, false),
            (Message::MonitorStartResponse { cross_ref: s("1") }, false),
            (Message::MonitorStopResponse, false),
            (Message::SnapshotDeviceResponse { items: vec![] }, false),
            (
                Message::MakeCallResponse {
                    calling_device: conn(Some("c"), None),
                },
                false,
            ),
            (Message::Event(EventInfo::default()), false),
            (
                Message::ErrorCode {
                    category: s("operation"),
                    value: s("generic"),
                },
                false,
            ),
        ];
        for (msg, want) in cases {
            assert_eq!(msg.is_request(), want, "{msg:?}");
        }
    }

    /// `depth` nested `<x>` elements (plus the root) before the cross ref.
    fn nested_monitor_stop(depth: usize) -> String {
        let body = format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth));
        doc(
            "MonitorStop",
            &format!("{body}<monitorCrossRefID>9</monitorCrossRefID>"),
        )
    }

    /// A MonitorStop whose root carries `n` attributes.
    fn attributed_monitor_stop(n: usize) -> String {
        let attrs: String = (0..n).map(|i| format!(" a{i}=\"v>/\"")).collect();
        format!("<MonitorStop{attrs}><monitorCrossRefID>9</monitorCrossRefID></MonitorStop>")
    }

    #[test]
    fn shape_limits() {
        let ok = || Ok(Message::MonitorStop { cross_ref: s("9") });
        let too_deep = || Err(too_complex("levels of element nesting", MAX_DEPTH));
        let too_wide = || Err(too_complex("attributes on one element", MAX_ATTRIBUTES));
        let cases: Vec<(String, Result<Message, ParseError>)> = vec![
            (nested_monitor_stop(MAX_DEPTH - 1), ok()),
            (nested_monitor_stop(MAX_DEPTH), too_deep()),
            (nested_monitor_stop(20_000), too_deep()),
            (format!("<a>{}", "<x>".repeat(30_000)), too_deep()),
            (attributed_monitor_stop(MAX_ATTRIBUTES), ok()),
            (attributed_monitor_stop(MAX_ATTRIBUTES + 1), too_wide()),
            (attributed_monitor_stop(5_000), too_wide()),
            // Siblings, self-closing tags and markup inside comments, CDATA,
            // processing instructions and quoted values do not add depth.
            (
                doc(
                    "MonitorStop",
                    &format!(
                        "{}<!--{}--><?pi {}?><y a='>/>&gt;'/><![CDATA[{}]]>\
                         <monitorCrossRefID>9</monitorCrossRefID>",
                        "<x/><x></x>".repeat(5_000),
                        "<x>".repeat(100),
                        "<x>".repeat(100),
                        "<x>".repeat(100),
                    ),
                ),
                ok(),
            ),
        ];
        for (xml, want) in cases {
            let got = message(&xml);
            assert_eq!(got, want, "{}", xml.get(..80).unwrap_or(&xml));
        }
    }

    #[test]
    fn shape_scan_is_fast_on_hostile_frames() {
        let hostile = [
            "<x>".repeat(21_000),
            format!("<r{}/>", " a=''".repeat(13_000)),
            "<!--".repeat(16_000),
            "<".repeat(65_000),
            "<a '".repeat(16_000),
        ];
        let started = std::time::Instant::now();
        for xml in &hostile {
            assert!(parse(xml.as_bytes()).is_err());
        }
        // Quadratic behaviour would take seconds in a debug build.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn error_display() {
        let cases: &[(ParseError, &str)] = &[
            (
                ParseError::NotWellFormed(s("at 3")),
                "not well-formed XML: at 3",
            ),
            (
                ParseError::Encoding(s("invalid UTF-8 at byte 3")),
                "bad character encoding: invalid UTF-8 at byte 3",
            ),
            (
                missing("MonitorStart", "monitorObject"),
                "MonitorStart lacks mandatory element <monitorObject>",
            ),
            (
                invalid("MonitorStart", "callObject", "C1"),
                "MonitorStart has an invalid <callObject>: \"C1\"",
            ),
        ];
        for (err, want) in cases {
            assert!(err.to_string().contains(want), "{err}");
        }
    }
}
