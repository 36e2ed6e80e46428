//! The closed set of messages that flow into the dispatcher.
//!
//! Every I/O thread (CSTA session readers, the CSTA listener, XSP channel
//! threads, subscription workers) holds a clone of one `Sender<Event>`; the
//! dispatcher is the only receiver. Payloads are parsed before they are sent
//! (XML parsing is the expensive part and runs in the I/O threads), so the
//! dispatcher only routes and keeps state.

use std::fmt;
use std::net::TcpStream;
use std::time::Duration;

use crossbeam_channel::Sender;

use crate::capture::{LinkChange, LinkRecord};
use crate::csta::clients::Peer;
use crate::csta::frame::InvokeId;
use crate::csta::parse::Incoming;
use crate::xsi::actions::ActionOutcome;
use crate::xsi::parse::XsiEvent;

/// A CSTA client connection, numbered from 1 in accept order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub u64);

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client#{}", self.0)
    }
}

/// Index of an XSP in `xsi.servers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkId(pub usize);

pub enum Event {
    Client(ClientId, ClientEvent),
    Link(LinkId, LinkEvent),
    Subscription(SubscriptionResult),
    Action(ActionResult),
}

/// Outcome of a call-control job (see `xsi::executor`).
pub struct ActionResult {
    /// The job's id, chosen by the dispatcher.
    pub id: u64,
    pub outcome: ActionOutcome,
}

/// What the dispatcher may send to a session's writer thread.
pub enum Outbound {
    Frame(Vec<u8>),
    /// Flush what is queued, then close the connection.
    Close,
}

pub enum ClientEvent {
    Connected {
        /// Its address, and its `csta.clients` entry when it has one.
        peer: Peer,
        outbox: Sender<Outbound>,
        /// A clone of the socket, to cut a client off (slow consumer).
        socket: TcpStream,
    },
    Request {
        invoke_id: InvokeId,
        incoming: Box<Incoming>,
    },
    /// A frame whose payload is not a well-formed XML document.
    BadXml {
        invoke_id: InvokeId,
        error: String,
    },
    /// A known request with a missing or invalid mandatory element.
    Invalid {
        invoke_id: InvokeId,
        error: String,
    },
    /// The client sent nothing for `csta.idle_timeout_s`: probe it with a
    /// SystemStatus (any answer keeps it connected).
    Idle,
    Closed {
        reason: String,
    },
}

pub enum LinkEvent {
    Connecting,
    Up {
        channel_id: String,
    },
    Down {
        reason: String,
    },
    /// Parsed Xsi events, already acknowledged to the XSP, in arrival
    /// order: everything one socket read brought, sent as one message so a
    /// burst costs one wake-up of the dispatcher, not one per event.
    Xsi(Vec<XsiEvent>),
    /// `count` acknowledgements were refused or could not be sent:
    /// BroadWorks will re-send those events on another channel.
    AckFailed {
        count: usize,
    },
}

/// What a capture records of a link event (see `capture::link`).
impl LinkRecord for LinkEvent {
    fn change(&self) -> Option<(LinkChange, &dyn fmt::Display)> {
        match self {
            LinkEvent::Up { channel_id } => Some((LinkChange::Up, channel_id)),
            LinkEvent::Down { reason } => Some((LinkChange::Down, reason)),
            LinkEvent::AckFailed { count } => Some((LinkChange::AckFailed, count)),
            LinkEvent::Connecting | LinkEvent::Xsi(_) => None,
        }
    }
}

/// Outcome of a subscription HTTP job (see `xsi::subscriber`).
pub enum SubscriptionResult {
    Created {
        user: String,
        /// The event package subscribed.
        package: String,
        subscription_id: String,
        expires: Duration,
    },
    Refreshed {
        user: String,
        subscription_id: String,
        expires: Duration,
    },
    /// The refresh failed for another reason; retried later.
    RefreshFailed {
        user: String,
        subscription_id: String,
    },
    /// The XSP does not know the subscription any more (404 on refresh).
    Gone {
        user: String,
        subscription_id: String,
    },
    Deleted {
        subscription_id: String,
    },
    Failed {
        user: String,
        package: String,
        error: SubscriptionError,
    },
}

/// Why a subscription could not be created; decides the CSTA error.
#[derive(Debug, Clone)]
pub enum SubscriptionError {
    /// The XSP refused the user (4xx): unknown or out-of-scope device.
    Rejected { status: u16, detail: String },
    /// No XSP could be reached or they failed (5xx, timeouts).
    Unavailable { detail: String },
}

impl fmt::Display for SubscriptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscriptionError::Rejected { status, detail } => {
                write!(f, "rejected by the XSP ({status}): {detail}")
            }
            SubscriptionError::Unavailable { detail } => write!(f, "no XSP available: {detail}"),
        }
    }
}

impl fmt::Debug for Event {
    /// Compact: names and ids only, never payload text (phone numbers).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Client(id, ev) => {
                let what = match ev {
                    ClientEvent::Connected { peer, .. } => format!("connected from {peer}"),
                    ClientEvent::Request {
                        invoke_id,
                        incoming,
                    } => {
                        format!("{} #{invoke_id}", incoming.root)
                    }
                    ClientEvent::BadXml { invoke_id, .. } => format!("bad XML #{invoke_id}"),
                    ClientEvent::Invalid { invoke_id, .. } => format!("invalid #{invoke_id}"),
                    ClientEvent::Idle => "idle".to_owned(),
                    ClientEvent::Closed { reason } => format!("closed: {reason}"),
                };
                write!(f, "{id} {what}")
            }
            Event::Link(LinkId(i), ev) => {
                let what = match ev {
                    LinkEvent::Connecting => "connecting".to_owned(),
                    LinkEvent::Up { channel_id } => format!("up {channel_id}"),
                    LinkEvent::Down { reason } => format!("down: {reason}"),
                    LinkEvent::Xsi(e) => format!("{} event(s)", e.len()),
                    LinkEvent::AckFailed { count } => format!("{count} ack(s) failed"),
                };
                write!(f, "link#{i} {what}")
            }
            Event::Subscription(r) => match r {
                SubscriptionResult::Created { user, package, .. } => {
                    write!(f, "subscription created {user} ({package})")
                }
                SubscriptionResult::Refreshed { user, .. } => {
                    write!(f, "subscription refreshed {user}")
                }
                SubscriptionResult::Gone { user, .. } => write!(f, "subscription gone {user}"),
                SubscriptionResult::RefreshFailed { user, .. } => {
                    write!(f, "subscription refresh failed {user}")
                }
                SubscriptionResult::Deleted { subscription_id } => {
                    write!(f, "subscription deleted {subscription_id}")
                }
                SubscriptionResult::Failed { user, package, .. } => {
                    write!(f, "subscription failed {user} ({package})")
                }
            },
            Event::Action(r) => {
                let what = if r.outcome.is_ok() { "done" } else { "failed" };
                write!(f, "action #{} {what}", r.id)
            }
        }
    }
}
