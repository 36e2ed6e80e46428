//! What the state hands a channel's writer (`stream`): the messages of its queue ([`Out`]),
//! the event documents shared by every channel they are sent on ([`EventDoc`]), and the
//! counters and flags both sides hold ([`ChannelShared`]). A leaf, so that the state, which
//! queues, and the writer, which takes the hub and through it the state, do not import each
//! other.

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

/// One event document, shared by every channel it is (re-)sent on. The channel id is not in
/// `text`: it goes at byte `split`, so one document serves any channel.
#[derive(Debug)]
pub(crate) struct EventDoc {
    pub key: u128,
    /// Index of the subscription it belongs to.
    pub sub: usize,
    pub text: String,
    pub split: usize,
    /// A flood event's probe key, when its write time is recorded (see `probe`).
    pub probe: Option<u64>,
}

impl EventDoc {
    /// The document as sent on channel `channel_id`, appended to `out`.
    pub(crate) fn render(&self, channel_id: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.text.as_bytes()[..self.split]);
        out.extend_from_slice(channel_id.as_bytes());
        out.extend_from_slice(&self.text.as_bytes()[self.split..]);
    }

    pub(crate) fn len_on(&self, channel_id: &str) -> usize {
        self.text.len() + channel_id.len()
    }
}

/// A message to a channel writer.
#[derive(Debug)]
pub(crate) enum Out {
    Event(Arc<EventDoc>),
    Heartbeat,
    /// Write a `ChannelTerminatedEvent` with this reason, end the body and close.
    Terminate(String),
    /// End the body (no event) and close.
    Finish,
}

/// Counters and flags shared between a channel's writer and the state.
#[derive(Debug, Default)]
pub(crate) struct ChannelShared {
    pub events_sent: AtomicU64,
    /// Set when the channel is closed abruptly: the writer stops at once.
    pub abort: AtomicBool,
}
