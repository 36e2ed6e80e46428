//! Per-subscription ordering by `sequenceNumber`.
//!
//! BroadWorks numbers the events of a subscription 1, 2, 3 … (wrapping from
//! 2147483647 to 1) and spreads them over the channels of the set, so two
//! consecutive events can overtake each other on different channels. Events
//! are released in sequence; one that arrives early waits, at most
//! `gap_wait` (or until `MAX_WAITING` pile up behind a gap), for the missing
//! ones, after which the gap is logged and skipped. An event older than the
//! next expected one after a skipped gap is dropped with a log line: it would
//! reorder the call model.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::ratelimit::Every;
use crate::xsi::parse::XsiEvent;

pub const DEFAULT_GAP_WAIT: Duration = Duration::from_millis(500);
/// Events held behind one gap before giving up on it. A memory guard only:
/// it must exceed what arrives within `gap_wait` at full speed (two channel
/// threads can drift apart by tens of thousands of events under load), or
/// the overtaken channel's events would be dropped as late.
pub const MAX_WAITING: usize = 32 * 1024;
const SEQ_MAX: u32 = 2_147_483_647;

fn next_seq(n: u32) -> u32 {
    if n >= SEQ_MAX {
        1
    } else {
        n + 1
    }
}

/// Distance from `from` forward to `to` in the 1..=SEQ_MAX ring.
fn ahead(from: u32, to: u32) -> u32 {
    let (from, to) = (i64::from(from), i64::from(to));
    (to - from).rem_euclid(i64::from(SEQ_MAX)) as u32
}

struct Stream {
    next: u32,
    /// Early events by sequence number, with their arrival time.
    waiting: HashMap<u32, (XsiEvent, Instant)>,
}

pub struct Sequencer {
    streams: HashMap<String, Stream>,
    gap_wait: Duration,
    pub gaps_skipped: u64,
    pub late_dropped: u64,
    gap_log: Every,
    late_log: Every,
}

impl Sequencer {
    pub fn new(gap_wait: Duration) -> Self {
        Sequencer {
            streams: HashMap::new(),
            gap_wait,
            gaps_skipped: 0,
            late_dropped: 0,
            gap_log: Every::default(),
            late_log: Every::default(),
        }
    }

    /// Offers one event; returns the events now ready, in order.
    pub fn push(&mut self, ev: XsiEvent, now: Instant) -> Vec<XsiEvent> {
        let seq = ev.sequence_number;
        let stream = self
            .streams
            .entry(ev.subscription_id.clone())
            .or_insert(Stream {
                next: 1,
                waiting: HashMap::new(),
            });
        let mut ready = Vec::new();
        if seq == stream.next {
            stream.next = next_seq(seq);
            ready.push(ev);
            drain(stream, &mut ready);
            return ready;
        }
        if ahead(stream.next, seq) > SEQ_MAX / 2 {
            self.late_dropped += 1;
            if self.late_log.ready(now).is_some() {
                log::warn!(
                    "subscription {}: event {} (sequence {seq}) arrived after its gap was skipped \
                     (expecting {}); dropped ({} late events so far)",
                    ev.subscription_id,
                    ev.event_id,
                    stream.next,
                    self.late_dropped
                );
            }
            return ready;
        }
        stream.waiting.insert(seq, (ev, now));
        if stream.waiting.len() > MAX_WAITING {
            log::warn!(
                "subscription {}: {MAX_WAITING} events wait behind sequence {}; skipping the gap",
                ev_sub(stream),
                stream.next
            );
            self.gaps_skipped += 1;
            skip_gap(stream, &mut ready);
        }
        ready
    }

    /// Releases streams whose gap has waited long enough.
    pub fn expire(&mut self, now: Instant) -> Vec<XsiEvent> {
        let mut ready = Vec::new();
        for (sub, stream) in &mut self.streams {
            let Some(oldest) = stream.waiting.values().map(|(_, t)| *t).min() else {
                continue;
            };
            if now.duration_since(oldest) >= self.gap_wait {
                if self.gap_log.ready(now).is_some() {
                    log::warn!(
                        "subscription {sub}: event(s) from sequence {} never arrived within {:?}; \
                         going on ({} gaps skipped so far)",
                        stream.next,
                        self.gap_wait,
                        self.gaps_skipped + 1
                    );
                }
                self.gaps_skipped += 1;
                skip_gap(stream, &mut ready);
            }
        }
        ready
    }

    pub fn forget(&mut self, subscription_id: &str) {
        self.streams.remove(subscription_id);
    }

    pub fn waiting(&self) -> usize {
        self.streams.values().map(|s| s.waiting.len()).sum()
    }
}

fn ev_sub(stream: &Stream) -> &str {
    stream
        .waiting
        .values()
        .next()
        .map_or("?", |(e, _)| e.subscription_id.as_str())
}

/// Moves `next` to the earliest waiting event and releases what follows.
fn skip_gap(stream: &mut Stream, ready: &mut Vec<XsiEvent>) {
    let next = stream.next;
    if let Some(&first) = stream.waiting.keys().min_by_key(|&&s| ahead(next, s)) {
        stream.next = first;
        drain(stream, ready);
    }
}

fn drain(stream: &mut Stream, ready: &mut Vec<XsiEvent>) {
    while let Some((ev, _)) = stream.waiting.remove(&stream.next) {
        stream.next = next_seq(stream.next);
        ready.push(ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xsi::parse::EventData;

    fn ev(sub: &str, seq: u32) -> XsiEvent {
        XsiEvent {
            event_id: format!("{sub}-{seq}"),
            sequence_number: seq,
            user_id: "owner".into(),
            external_application_id: "app".into(),
            subscription_id: sub.into(),
            channel_id: None,
            target_id: Some("u@d".into()),
            data: EventData::HookStatus {
                hook_status: "On-Hook".into(),
            },
        }
    }

    fn seqs(v: &[XsiEvent]) -> Vec<u32> {
        v.iter().map(|e| e.sequence_number).collect()
    }

    #[test]
    fn ring_arithmetic() {
        assert_eq!(next_seq(1), 2);
        assert_eq!(next_seq(SEQ_MAX), 1);
        assert_eq!(ahead(5, 7), 2);
        assert_eq!(ahead(SEQ_MAX, 1), 1);
        assert!(ahead(7, 5) > SEQ_MAX / 2);
    }

    #[test]
    fn in_order_passes_straight_through() {
        let mut s = Sequencer::new(DEFAULT_GAP_WAIT);
        let now = Instant::now();
        for n in 1..=5 {
            assert_eq!(seqs(&s.push(ev("a", n), now)), vec![n]);
        }
    }

    #[test]
    fn swapped_pairs_are_reordered() {
        let cases: &[(&[u32], &[u32])] = &[
            (&[2, 1, 3], &[1, 2, 3]),
            (&[2, 1, 4, 3], &[1, 2, 3, 4]),
            (&[3, 2, 1], &[1, 2, 3]),
            (&[1, 3, 2, 5, 4, 6], &[1, 2, 3, 4, 5, 6]),
        ];
        for (input, want) in cases {
            let mut s = Sequencer::new(DEFAULT_GAP_WAIT);
            let now = Instant::now();
            let mut out = Vec::new();
            for &n in *input {
                out.extend(s.push(ev("a", n), now));
            }
            assert_eq!(seqs(&out), *want, "{input:?}");
            assert_eq!(s.waiting(), 0);
        }
    }

    #[test]
    fn subscriptions_are_independent() {
        let mut s = Sequencer::new(DEFAULT_GAP_WAIT);
        let now = Instant::now();
        assert!(s.push(ev("a", 2), now).is_empty());
        assert_eq!(seqs(&s.push(ev("b", 1), now)), vec![1]);
        assert_eq!(seqs(&s.push(ev("a", 1), now)), vec![1, 2]);
    }

    #[test]
    fn gap_is_skipped_after_the_wait_and_late_event_dropped() {
        let mut s = Sequencer::new(Duration::from_millis(100));
        let t0 = Instant::now();
        assert_eq!(seqs(&s.push(ev("a", 1), t0)), vec![1]);
        assert!(s.push(ev("a", 3), t0).is_empty());
        assert!(s.push(ev("a", 4), t0).is_empty());
        assert!(s.expire(t0 + Duration::from_millis(50)).is_empty());
        assert_eq!(seqs(&s.expire(t0 + Duration::from_millis(100))), vec![3, 4]);
        assert_eq!(s.gaps_skipped, 1);
        assert!(s.push(ev("a", 2), t0).is_empty(), "late");
        assert_eq!(s.late_dropped, 1);
        assert_eq!(seqs(&s.push(ev("a", 5), t0)), vec![5]);
    }

    #[test]
    fn wraps_around() {
        let mut s = Sequencer::new(DEFAULT_GAP_WAIT);
        let now = Instant::now();
        s.streams.insert(
            "a".into(),
            Stream {
                next: SEQ_MAX - 1,
                waiting: HashMap::new(),
            },
        );
        let mut out = Vec::new();
        for n in [SEQ_MAX, SEQ_MAX - 1, 2, 1] {
            out.extend(s.push(ev("a", n), now));
        }
        assert_eq!(seqs(&out), vec![SEQ_MAX - 1, SEQ_MAX, 1, 2]);
    }

    #[test]
    fn too_many_waiting_skips_the_gap() {
        let mut s = Sequencer::new(Duration::from_secs(3600));
        let now = Instant::now();
        let mut out = Vec::new();
        for n in 2..=(MAX_WAITING as u32 + 2) {
            out.extend(s.push(ev("a", n), now));
        }
        assert_eq!(out.len(), MAX_WAITING + 1);
        assert_eq!(out[0].sequence_number, 2);
    }
}
