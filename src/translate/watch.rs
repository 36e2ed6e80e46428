//! What the sequencer knows of the event channels: which are up (and since
//! when), and when the last fault was seen.
//!
//! BroadWorks re-sends an event, on another channel of the set, when the
//! channel it went out on died or its acknowledgement failed. Such a
//! re-send comes within BroadWorks' acknowledgement timeout of the fault,
//! which `xsi.reorder_wait_s` is meant to cover: after a fault, a gap is
//! waited for that long. Without a fault a missing event can only still be
//! on its way on a channel that is up; the sequencer asks each of them for
//! proof that it is not (see `order`). The times are the dispatcher's,
//! injected by the caller.

use std::time::{Duration, Instant};

/// What the dispatcher tells the sequencer about one channel: the change
/// a capture records too (one type, so replay feeds the sequencer what the
/// daemon's got).
pub use crate::capture::format::LinkChange as ChannelNews;

#[derive(Debug, Default)]
pub struct ChannelWatch {
    /// Per link: when its current channel came up (None while it is down).
    up_since: Vec<Option<Instant>>,
    last_fault: Option<Instant>,
}

impl ChannelWatch {
    pub fn news(&mut self, link: usize, news: ChannelNews, now: Instant) {
        if self.up_since.len() <= link {
            self.up_since.resize(link + 1, None);
        }
        match news {
            ChannelNews::Up => self.up_since[link] = Some(now),
            ChannelNews::Down => {
                self.up_since[link] = None;
                self.fault(now);
            }
            ChannelNews::AckFailed => self.fault(now),
        }
    }

    fn fault(&mut self, now: Instant) {
        if self.last_fault.is_none_or(|f| f < now) {
            self.last_fault = Some(now);
        }
    }

    /// No fault since `since - window`: no re-send is due that could fill a
    /// gap open since `since`.
    pub fn no_fault_since(&self, since: Instant, window: Duration) -> bool {
        self.last_fault
            .is_none_or(|f| since.checked_duration_since(f).is_some_and(|d| d >= window))
    }

    /// The links whose channel is up, with the time it came up.
    pub fn up(&self) -> impl Iterator<Item = (usize, Instant)> + '_ {
        self.up_since
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.map(|t| (i, t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChannelNews::*;

    #[test]
    fn faults_and_channels_up() {
        let window = Duration::from_secs(5);
        let t0 = Instant::now() + Duration::from_secs(100);
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // (news as (link, news, at ms), gap since ms, no fault?, up links)
        type Case = (
            &'static [(usize, ChannelNews, u64)],
            u64,
            bool,
            &'static [usize],
        );
        let cases: &[(&str, Case)] = &[
            ("nothing", (&[], 0, true, &[])),
            ("two up", (&[(0, Up, 0), (2, Up, 5)], 10, true, &[0, 2])),
            (
                "down is a fault and not up",
                (&[(0, Up, 0), (1, Up, 0), (1, Down, 8)], 10, false, &[0]),
            ),
            (
                "a fault long before the gap is settled",
                (&[(0, Up, 0), (0, Down, 1), (0, Up, 2)], 6010, true, &[0]),
            ),
            (
                "a fault within the window before the gap",
                (&[(0, Up, 0), (0, AckFailed, 2000)], 6010, false, &[0]),
            ),
            (
                "a fault after the gap opened",
                (&[(0, Up, 0), (0, AckFailed, 30)], 10, false, &[0]),
            ),
        ];
        for (name, (script, since, no_fault, up)) in cases {
            let mut w = ChannelWatch::default();
            for &(link, news, ms) in *script {
                w.news(link, news, at(ms));
            }
            assert_eq!(w.no_fault_since(at(*since), window), *no_fault, "{name}");
            let links: Vec<usize> = w.up().map(|(i, _)| i).collect();
            assert_eq!(links, *up, "{name}");
        }
    }
}
