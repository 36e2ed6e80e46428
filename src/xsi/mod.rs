//! The Xsi side (BroadWorks Xsi-Events and Xsi-Actions), in two layers.
//!
//! Protocol pieces, sans-IO (bytes or values in, values out; no sockets,
//! no threads, no clock):
//! - [`splitter`] cuts the de-chunked event-channel stream into documents;
//! - [`parse`] turns one document into typed values;
//! - [`body`] builds request paths and XML bodies;
//! - [`actions`] builds Xsi-Actions (call control) requests and reads their
//!   answers;
//! - [`packages`] says which event packages a device of each kind needs;
//! - [`vocab`] types BroadWorks' vocabularies (the agent states).
//!
//! Thread modules, which own sockets and use the pieces above:
//! - [`link`]: one XSP's event channel (open, read, reconnect);
//! - [`control`]: that channel's acknowledgements, heartbeats, renewal and
//!   deletion, on requests beside the stream;
//! - [`subscriber`]: the workers that create, refresh and delete
//!   subscriptions over ureq;
//! - [`executor`]: the workers that run call control (Xsi-Actions) over
//!   ureq, on a queue of their own;
//! - [`client`]: the HTTP client both kinds of workers send through (one
//!   request on one XSP, the next XSP when one fails).
//!
//! Shared by them: [`settings`] (the configuration as the Xsi side uses it,
//! made once at start-up), [`known`] (the subscriptions bwcsta owns,
//! written by the dispatcher, read by the link threads) and [`shared`] (the
//! state of one link that its link and control threads both hold).
/// The content type of every Xsi request body bwcsta sends (channel,
/// acknowledgements, renewals, subscriptions, Xsi-Actions).
pub const CONTENT_TYPE: &str = "application/xml; charset=UTF-8";

/// Largest answer body read from an XSP on a short request (channel
/// renewal, heartbeat, subscription, call control).
pub const MAX_BODY: usize = 64 * 1024;

pub mod actions;
pub mod body;
pub mod client;
pub mod control;
pub mod executor;
pub mod known;
pub mod link;
pub mod packages;
pub mod parse;
pub mod settings;
pub mod shared;
pub mod splitter;
pub mod subscriber;
pub mod vocab;
