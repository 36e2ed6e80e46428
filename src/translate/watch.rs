//! What the sequencer knows of the event channels: which are up, when each
//! last delivered a document, and when the last fault was seen.
//!
//! BroadWorks re-sends an event, on another channel of the set, when the
//! channel it went out on died or its acknowledgement failed. Such a re-send
//! comes within BroadWorks' acknowledgement timeout of the fault, which
//! `xsi.reorder_wait_s` is meant to cover. Without a fault, an event missing
//! from a subscription's sequence can only still be on its way on a channel
//! that has not delivered anything since the gap opened (a channel writes
//! its documents in order, so one that has delivered something newer has
//! delivered the missing event too, if it ever carried it). [`quiet_since`]
//! answers that question; the times are the dispatcher's (the order in which
//! it took the documents from its inbox), injected by the caller.
//!
//! [`quiet_since`]: ChannelWatch::quiet_since

use std::time::{Duration, Instant};

/// What the dispatcher tells the sequencer about one channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelNews {
    /// The channel is open (its `Channel` document arrived).
    Up,
    /// The channel is gone: events in flight on it will be re-sent elsewhere.
    Down,
    /// The channel delivered a document (events or a heartbeat).
    Data,
    /// Acknowledgements were refused or could not be sent: BroadWorks will
    /// re-send those events, and may end the channel.
    AckFailed,
}

#[derive(Clone, Copy, Debug, Default)]
struct Channel {
    up: bool,
    last_data: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct ChannelWatch {
    channels: Vec<Channel>,
    last_fault: Option<Instant>,
}

impl ChannelWatch {
    pub fn news(&mut self, link: usize, news: ChannelNews, now: Instant) {
        if self.channels.len() <= link {
            self.channels.resize(link + 1, Channel::default());
        }
        let ch = &mut self.channels[link];
        match news {
            ChannelNews::Up => {
                // A new channel carries nothing sent before it existed.
                ch.up = true;
                ch.last_data = Some(now);
            }
            ChannelNews::Down => {
                ch.up = false;
                self.fault(now);
            }
            ChannelNews::Data => ch.last_data = Some(now),
            ChannelNews::AckFailed => self.fault(now),
        }
    }

    fn fault(&mut self, now: Instant) {
        if self.last_fault.is_none_or(|f| f < now) {
            self.last_fault = Some(now);
        }
    }

    /// True when an event missing since `since` can no longer arrive: no
    /// fault since `since - window` (whose re-sends could still come), at
    /// least one channel up, and every channel that is up has delivered a
    /// document after `since`.
    pub fn quiet_since(&self, since: Instant, window: Duration) -> bool {
        let fault_settled = self
            .last_fault
            .is_none_or(|f| since.checked_duration_since(f).is_some_and(|d| d >= window));
        let mut up = self.channels.iter().filter(|c| c.up).peekable();
        fault_settled && up.peek().is_some() && up.all(|c| c.last_data.is_some_and(|t| t > since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChannelNews::*;

    #[test]
    fn quiet_needs_every_up_channel_to_deliver_after_the_gap_and_no_recent_fault() {
        let window = Duration::from_secs(5);
        let t0 = Instant::now() + Duration::from_secs(100);
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // (news so far as (link, news, at ms), gap since ms, asked at, want)
        type Case = (&'static [(usize, ChannelNews, u64)], u64, bool);
        let cases: &[(&str, Case)] = &[
            ("nothing up", (&[], 0, false)),
            ("up, nothing since", (&[(0, Up, 0), (1, Up, 0)], 10, false)),
            (
                "both delivered after",
                (
                    &[(0, Up, 0), (1, Up, 0), (0, Data, 20), (1, Data, 30)],
                    10,
                    true,
                ),
            ),
            (
                "one silent (stalled?)",
                (
                    &[(0, Up, 0), (1, Up, 0), (0, Data, 20), (1, Data, 5)],
                    10,
                    false,
                ),
            ),
            (
                "delivered at the very gap time is not after",
                (&[(0, Up, 0), (0, Data, 10)], 10, false),
            ),
            (
                "a down channel does not count",
                (&[(0, Up, 0), (1, Up, 0), (0, Data, 20)], 10, false),
            ),
            (
                "... but its going down is a fault",
                (
                    &[(0, Up, 0), (1, Up, 0), (1, Down, 8), (0, Data, 20)],
                    10,
                    false,
                ),
            ),
            (
                "a fault long before the gap is settled",
                (
                    &[
                        (0, Up, 0),
                        (1, Up, 0),
                        (1, Down, 1),
                        (1, Up, 2),
                        (0, Data, 6020),
                        (1, Data, 6030),
                    ],
                    6010,
                    true,
                ),
            ),
            (
                "a fault within the window before the gap is not",
                (
                    &[(0, Up, 0), (0, AckFailed, 2000), (0, Data, 6020)],
                    6010,
                    false,
                ),
            ),
            (
                "a fault after the gap opened",
                (&[(0, Up, 0), (0, Data, 20), (0, AckFailed, 30)], 10, false),
            ),
            (
                "a channel up after the gap counts as delivered",
                (&[(0, Up, 0), (0, Data, 20), (2, Up, 30)], 10, true),
            ),
        ];
        for (name, (script, since, want)) in cases {
            let mut w = ChannelWatch::default();
            for &(link, news, ms) in *script {
                w.news(link, news, at(ms));
            }
            assert_eq!(w.quiet_since(at(*since), window), *want, "{name}");
        }
    }
}
