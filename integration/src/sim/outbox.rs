//! What the state hands a channel's writer (`stream`): the messages of its queue ([`Out`]),
//! the event documents shared by every channel they are sent on ([`EventDoc`]), and the
//! counters and flags both sides hold ([`ChannelShared`]). A leaf, so that the state, which
//! queues, and the writer, which takes the hub and through it the state, do not import each
//! other.

use std::fmt;
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
    Terminate(EndReason),
    /// End the body (no event) and close.
    Finish,
}

/// Why BroadWorks terminates a channel: the `reason` of its `ChannelTerminatedEvent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EndReason {
    /// Another channel set took the user and application id over.
    DuplicateChannelSet,
    /// The client deleted the channel.
    ExplicitDelete,
    /// The client answered an event 404: it does not know the channel.
    UnknownChannel,
    /// The channel's expiry passed without a renewal.
    Expired,
    /// Any other reason (injected through the control API).
    Other(String),
}

impl EndReason {
    /// The reason as the event says it.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            EndReason::DuplicateChannelSet => "DuplicateChannelSet",
            EndReason::ExplicitDelete => "ExplicitDelete",
            EndReason::UnknownChannel => "UnknownChannel",
            EndReason::Expired => "Expired",
            EndReason::Other(reason) => reason,
        }
    }

    /// The reason named `text` (a known one by its variant).
    pub(crate) fn from_text(text: &str) -> EndReason {
        [
            EndReason::DuplicateChannelSet,
            EndReason::ExplicitDelete,
            EndReason::UnknownChannel,
            EndReason::Expired,
        ]
        .into_iter()
        .find(|known| known.as_str() == text)
        .unwrap_or_else(|| EndReason::Other(text.to_owned()))
    }
}

impl fmt::Display for EndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counters and flags shared between a channel's writer and the state.
#[derive(Debug, Default)]
pub(crate) struct ChannelShared {
    pub events_sent: AtomicU64,
    /// Set when the channel is closed abruptly: the writer stops at once.
    pub abort: AtomicBool,
}

#[cfg(test)]
mod tests {
    use super::EndReason;

    #[test]
    fn end_reasons_read_back_from_their_text() {
        let cases = [
            ("DuplicateChannelSet", EndReason::DuplicateChannelSet),
            ("ExplicitDelete", EndReason::ExplicitDelete),
            ("UnknownChannel", EndReason::UnknownChannel),
            ("Expired", EndReason::Expired),
            ("Maintenance", EndReason::Other("Maintenance".into())),
        ];
        for (text, reason) in cases {
            assert_eq!(EndReason::from_text(text), reason, "{text}");
            assert_eq!(reason.to_string(), text);
        }
    }
}
