//! Parses one Xsi-Events document (as cut by the splitter, or an HTTP
//! response body) into typed values.
//!
//! Elements are matched by **local name** only. Real events use the prefix
//! `xsi` for the BroadSoft namespace and `xsi1` for XMLSchema-instance, while
//! `Channel` and `Subscription` documents use a default namespace; other
//! servers or simulators may pick other prefixes, and nothing in the Xsi
//! vocabulary needs namespaces to be told apart. The `type` attribute is
//! likewise found by local name in any namespace, and its QName value is
//! reduced to its local part (`xsi:CallReceivedEvent` → `CallReceivedEvent`).
//!
//! Invariants and policy:
//! - One DOM walk: every element is visited at most once, children are
//!   dispatched with a `match` on the local name; there are no searches from
//!   the root. This runs for every event, so it stays allocation-light (the
//!   sxd parse itself dominates the cost).
//! - Unknown elements are ignored and unknown `eventData` types become
//!   [`EventData::Unknown`], so a newer server never breaks the connector.
//!   A payload that cannot be read in a valid envelope becomes
//!   [`EventData::Malformed`]: the event is still acknowledged and takes
//!   its place in the sequence (no gap), only its content is lost.
//!   Only what the connector cannot work without (event id, sequence number,
//!   subscription id, call id, tracking id …) is mandatory
//!   ([`XsiParseError::Missing`]); a value of the wrong shape is
//!   [`XsiParseError::Invalid`].
//! - Text values are trimmed of XML whitespace (the samples are
//!   pretty-printed by some servers; every Xsi value is a token).
//! - Documents over 4 KiB nested deeper than [`crate::xml::shape::MAX_DEPTH`]
//!   or with more than [`crate::xml::shape::MAX_ATTRIBUTES`] on one element
//!   are refused before parsing (the parser is quadratic in both; smaller
//!   documents cannot make it slow).
//! - Documents are UTF-8, except that an explicit `encoding="ISO-8859-1"`
//!   declaration is honoured: the spec says platform errors (`ErrorInfo`) use
//!   the XSP's default charset, and the one real sample is Latin-1.
//!
//! Layout: this file holds the types, [`parse_doc`] and the decoding of the
//! bytes; `documents` reads each kind of root and the event payloads,
//! `call` reads the `call` object, `contact` the contact-centre payloads
//! (queue, route point and agent events), `route_point` the route point's
//! own state, `features` the recording and service events and the service
//! documents of the feature requests, `dom` holds the element helpers.

use std::fmt;

use sxd_document::dom::Element;

mod call;
mod documents;
mod dom;

use crate::xml::read::{read_root, ReadError, ShapeScan};
use documents::parse_root;

/// A parsed top-level Xsi document.
// `Event` is far larger than the other variants; boxing it would cost an
// allocation per event for no gain, since a document is built once and moved.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XsiDoc {
    /// `<Channel>`: the channel-add response (first document on the stream)
    /// and the body of the channel-renew (PUT) response.
    Channel {
        channel_id: String,
        expires: Option<u32>,
    },
    /// `<ChannelHeartBeat/>` (also the `ChannelHeartbeat` spelling).
    Heartbeat,
    /// `xsi:Event` of type `SubscriptionEvent`: must be acknowledged.
    Event(XsiEvent),
    /// `xsi:Event` of type `ChannelTerminatedEvent`: the last document on
    /// the stream; not acknowledged. Both fields are empty when absent, since
    /// the termination matters more than its details.
    ChannelTerminated { channel_id: String, reason: String },
    /// `xsi:Event` of type `ErrorEvent`: the server saw something it did not
    /// expect on the channel connection.
    ErrorEvent {
        code: Option<String>,
        message: Option<String>,
    },
    /// `<Subscription>`: response to a subscription POST or PUT.
    Subscription {
        subscription_id: String,
        expires: Option<u32>,
    },
    /// `<ErrorInfo>`: error body of an Xsi request. `summary` prefers
    /// `summaryEnglish` over the localized `summary`.
    ErrorInfo {
        summary: Option<String>,
        error_code: Option<String>,
    },
    /// `<CallStartInfo>`: answer to an Xsi-Actions `calls/new`. Its
    /// element is `externalTrackingId` (events say `extTrackingId`).
    CallStartInfo {
        call_id: String,
        external_tracking_id: String,
    },
    /// `<CallCenter>`: answer to `GET …/services/CallCenter`, the agent's
    /// `agentACDState` (`Sign-In`, `Available`, …) when given.
    CallCenter { agent_acd_state: Option<String> },
    /// `<DoNotDisturb>`: answer to `GET …/services/DoNotDisturb`.
    DoNotDisturb { active: bool },
    /// `<CallForwardingAlways>`: answer to `GET …/services/CallForwardingAlways`.
    CallForwardingAlways {
        active: bool,
        forward_to: Option<String>,
    },
    /// Any other root element, by local name.
    Other(String),
}

/// The envelope of a subscription event plus its decoded payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XsiEvent {
    pub event_id: String,
    pub sequence_number: u32,
    /// The subscription owner: `userId`, or `clientId` when a client
    /// application owns the subscription.
    pub user_id: String,
    /// Empty when the server left it out.
    pub external_application_id: String,
    pub subscription_id: String,
    /// `None` for events delivered by HTTP contact.
    pub channel_id: Option<String>,
    /// The user the event is about; absent in some snapshot events.
    pub target_id: Option<String>,
    pub data: EventData,
}

/// The `eventData` payload, by its `type`.
// `Call` dominates the size; see `XsiDoc` for why it is not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    /// One of the single-call events.
    Call { kind: CallEventKind, call: Call },
    /// `CallRedirectedEvent`: the user redirected one or more calls.
    Redirected { calls: Vec<Call> },
    /// `CallSubscriptionEvent` (`resync == false`) or
    /// `CallSubscriptionResyncEvent`: a snapshot of the user's calls. A
    /// `conference` element in the snapshot is not decoded; its legs appear
    /// in `calls` anyway.
    Subscription {
        resync: bool,
        calls: Vec<Call>,
        hook_status: Option<String>,
    },
    /// `HookStatusEvent`.
    HookStatus { hook_status: String },
    /// One of the conference events.
    Conference {
        kind: ConferenceEventKind,
        conference: Conference,
    },
    /// `SubscriptionTerminatedEvent`: the subscription is gone.
    SubscriptionTerminated,
    /// A Call Center Queue or Route Point Queue event about one call.
    Queue {
        kind: QueueEventKind,
        event: QueueEvent,
    },
    /// `ACDSubscriptionEvent` / `RoutePointSubscriptionEvent` (and their
    /// `…ResyncEvent`): the calls in the queue.
    QueueSnapshot {
        route_point: bool,
        entries: Vec<QueueEntry>,
    },
    /// `AgentStateEvent` (`snapshot == false`) or `AgentSubscriptionEvent`:
    /// the agent's ACD state (`Sign-In`, `Available`, `Unavailable`,
    /// `Wrap-Up`, `Sign-Out`); a snapshot may lack it.
    AgentState {
        state: Option<String>,
        snapshot: bool,
    },
    /// `ACDAgentJoinUpdateEvent`: the agent joined (or left) the call
    /// centre `acd_user_id`.
    AgentJoin { acd_user_id: String, joined: bool },
    /// A recording event of a call, or a service event (`Do Not Disturb`,
    /// `Call Forwarding Always` packages).
    Feature(FeatureEvent),
    /// `RoutePointFailedEvent` (`failed`, with its `stateChangeReason`) or
    /// `RoutePointRecoveredEvent`: the route point itself went out of or
    /// back into service.
    RoutePointState {
        failed: bool,
        reason: Option<String>,
    },
    /// Any other type: never an error.
    Unknown { type_name: String },
    /// A payload that cannot be read (a mandatory element missing, a value
    /// of the wrong shape) in a valid envelope: still acknowledged and kept
    /// in sequence, never translated.
    Malformed { type_name: String, error: String },
}

/// Declares a fieldless enum together with its wire type names, so the two
/// directions of the mapping cannot drift apart.
macro_rules! event_kinds {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            /// Every kind, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The kind for an `eventData` type name (prefix already
            /// stripped). Exact match first; ASCII case is ignored as a
            /// fallback because the spec and the XSD disagree on the case of
            /// some names.
            pub fn from_type_name(type_name: &str) -> Option<Self> {
                match type_name {
                    $($wire => Some($name::$variant),)+
                    _ => Self::ALL
                        .iter()
                        .copied()
                        .find(|kind| kind.type_name().eq_ignore_ascii_case(type_name)),
                }
            }

            /// The wire type name, e.g. `CallReceivedEvent`.
            pub fn type_name(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
        }
    };
}

event_kinds! {
    /// The events whose payload is exactly one `<call>`.
    CallEventKind {
        Originating => "CallOriginatingEvent",
        Originated => "CallOriginatedEvent",
        Collecting => "CallCollectingEvent",
        Received => "CallReceivedEvent",
        Answered => "CallAnsweredEvent",
        Held => "CallHeldEvent",
        Retrieved => "CallRetrievedEvent",
        Releasing => "CallReleasingEvent",
        Released => "CallReleasedEvent",
        Transferred => "CallTransferredEvent",
        Forwarded => "CallForwardedEvent",
        Updated => "CallUpdatedEvent",
        Detached => "CallDetachedEvent",
        PickedUp => "CallPickedUpEvent",
        ParkRetrieved => "CallParkRetrievedEvent",
        Monitored => "CallMonitoredEvent",
        BargedIn => "CallBargedInEvent",
    }
}

event_kinds! {
    /// The conference events whose payload is one `<conference>`.
    ConferenceEventKind {
        Started => "ConferenceStartedEvent",
        Held => "ConferenceHeldEvent",
        Retrieved => "ConferenceRetrievedEvent",
        Released => "ConferenceReleasedEvent",
        Updated => "ConferenceUpdatedEvent",
    }
}

mod contact;
mod features;
mod route_point;

pub use contact::{QueueEntry, QueueEvent, QueueEventKind};
pub use features::{FeatureEvent, RecordingEventKind};

/// The `conference` object of a conference event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conference {
    pub state: Option<String>,
    /// `conferenceParticipantList/conferenceParticipant/callId`, in order.
    pub participants: Vec<String>,
}

/// The `call` object (xsd `Call`), reduced to what the connector uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub call_id: String,
    /// Shared by both legs of a call: the correlation key.
    pub ext_tracking_id: String,
    pub network_call_id: Option<String>,
    pub personality: Personality,
    pub state: CallState,
    /// `releaseCause/internalReleaseCause`.
    pub release_cause: Option<String>,
    pub releasing_party: Option<String>,
    pub remote_party: RemoteParty,
    /// The most recent entry of `redirections` (see [`Redirection`]).
    pub redirection: Option<Redirection>,
    /// Set when the local user redirected the call.
    pub redirect: Option<Redirect>,
    pub recall_type: Option<String>,
    /// `allowAnswer` present: the call can be answered remotely.
    pub allow_answer: bool,
    /// `allowRetrieve` present: the held call can be retrieved.
    pub allow_retrieve: bool,
    /// Epoch milliseconds.
    pub start_time: Option<u64>,
    pub answer_time: Option<u64>,
    pub held_time: Option<u64>,
    pub release_time: Option<u64>,
}

/// `call/personality`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Personality {
    Originator,
    Terminator,
    /// `Click-to-Dial`.
    ClickToDial,
    /// Anything else, verbatim (empty when the element is absent).
    Other(String),
}

impl Personality {
    /// Decodes the wire value.
    pub fn from_wire(value: &str) -> Self {
        match value {
            "Originator" => Personality::Originator,
            "Terminator" => Personality::Terminator,
            "Click-to-Dial" => Personality::ClickToDial,
            other => Personality::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Personality::Originator => "Originator",
            Personality::Terminator => "Terminator",
            Personality::ClickToDial => "Click-to-Dial",
            Personality::Other(other) => other,
        }
    }
}

/// `call/state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    Alerting,
    Active,
    Held,
    /// `Remote Held`.
    RemoteHeld,
    Detached,
    Released,
    Idle,
    /// Anything else, verbatim (empty when the element is absent).
    Other(String),
}

impl CallState {
    /// Decodes the wire value.
    pub fn from_wire(value: &str) -> Self {
        match value {
            "Alerting" => CallState::Alerting,
            "Active" => CallState::Active,
            "Held" => CallState::Held,
            "Remote Held" => CallState::RemoteHeld,
            "Detached" => CallState::Detached,
            "Released" => CallState::Released,
            "Idle" => CallState::Idle,
            other => CallState::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            CallState::Alerting => "Alerting",
            CallState::Active => "Active",
            CallState::Held => "Held",
            CallState::RemoteHeld => "Remote Held",
            CallState::Detached => "Detached",
            CallState::Released => "Released",
            CallState::Idle => "Idle",
            CallState::Other(other) => other,
        }
    }
}

/// `call/remoteParty`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteParty {
    pub name: Option<String>,
    /// A URI such as `tel:+15007003333` or `sip:…`.
    pub address: Option<String>,
    /// Only for internal users.
    pub user_id: Option<String>,
    pub user_dn: Option<String>,
    /// Group, Enterprise, Network, Emergency, …
    pub call_type: Option<String>,
    /// `privacy` present: presentation restricted.
    pub privacy: bool,
}

/// One entry of `call/redirections`.
///
/// The XSD documents `RedirectionList` as "ordered from most recent to least
/// recent", so the entry kept is the **first** in document order: the last
/// redirection that happened (CSTA's `lastRedirectionDevice`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redirection {
    /// `party/address`.
    pub party: Option<String>,
    pub reason: Option<String>,
}

/// `call/redirect`: the local user redirected the call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redirect {
    pub address: Option<String>,
    pub reason: Option<String>,
}

/// Why a document could not be turned into an [`XsiDoc`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XsiParseError {
    /// Not XML, not UTF-8 (or declared Latin-1), or no root element.
    NotWellFormed(String),
    /// A mandatory element or attribute is absent.
    Missing(&'static str),
    /// An element has a value of the wrong shape (the value is cut to a
    /// short prefix so a hostile document cannot bloat the logs).
    Invalid {
        element: &'static str,
        value: String,
    },
}

impl fmt::Display for XsiParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XsiParseError::NotWellFormed(why) => {
                write!(f, "Xsi document is not well-formed: {why}")
            }
            XsiParseError::Missing(element) => write!(f, "Xsi document lacks mandatory {element}"),
            XsiParseError::Invalid { element, value } => {
                write!(f, "Xsi document has an invalid {element}: {value:?}")
            }
        }
    }
}

impl std::error::Error for XsiParseError {}

type Result<T> = std::result::Result<T, XsiParseError>;

/// Documents up to this size skip the shape scan: they cannot nest deep
/// enough to cost the parser more than about a millisecond, and the scan
/// would add some 5 % to every ordinary event (1–2 KB).
const SHAPE_CHECK_ABOVE: usize = 4096;

/// Parses one complete XML document.
pub fn parse_doc(xml: &[u8]) -> Result<XsiDoc> {
    read_root(xml, ShapeScan::Above(SHAPE_CHECK_ABOVE), parse_root)
}

impl From<ReadError> for XsiParseError {
    fn from(e: ReadError) -> Self {
        XsiParseError::NotWellFormed(e.to_string())
    }
}

/// Reduces a QName value such as `xsi:CallReceivedEvent` to its local part.
/// Values without a prefix are returned unchanged.
pub fn strip_type_prefix(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, local)| local)
}

/// The value of the element's `type` attribute (local name `type`, any
/// namespace), prefix stripped.
pub fn element_type<'d>(element: &Element<'d>) -> Option<&'d str> {
    element
        .attributes()
        .into_iter()
        .find(|attribute| attribute.name().local_part() == "type")
        .map(|attribute| strip_type_prefix(attribute.value()))
}

#[cfg(test)]
mod tests;
