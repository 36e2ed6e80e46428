//! Per-subscription ordering by `sequenceNumber`, and when to give a gap up.
//!
//! BroadWorks numbers the events of a subscription 1, 2, 3 … (wrapping from
//! 2147483647 to 1) and spreads them over the channels of the set, so two
//! consecutive events can overtake each other on different channels. Events
//! are released in sequence; an early one waits for the missing ones. A gap
//! that fills is released at once, whatever the time. One that does not is
//! given up (logged, counted, the waiting events released):
//!
//! - after `reorder_wait` (`xsi.reorder_wait_s`), always: that covers the
//!   re-send BroadWorks makes, on another channel, of an event whose channel
//!   died or whose acknowledgement failed;
//! - after [`QUIET_SETTLE`] already when the channels prove that nothing
//!   can fill it any more: no fault (a channel down, acknowledgements
//!   refused) since `reorder_wait` before the gap opened, so no re-send is
//!   due, and every channel that is up has either opened after the gap or
//!   delivered a later event of the same subscription. A channel writes its
//!   documents in order, so a channel that delivered event n+2 has
//!   delivered n too, if it ever carried it. Merely "delivered something
//!   since the gap opened" is no proof: a channel that was stalled delivers
//!   its backlog, older than the gap, when it resumes. A stalled channel
//!   proves nothing, so its gaps wait for the re-send although the stall is
//!   not known yet (that takes a read timeout of three heartbeat intervals);
//! - when [`MAX_WAITING`] events pile up behind it (a memory guard).
//!
//! An event older than the next expected one (its gap was given up) is
//! handed back as [`Offered::Late`]; the translator decides whether it
//! still changes anything. The longest time an event was held is measured.
//!
//! A subscription the dispatcher forgets (deleted, ended, or one whose
//! creation failed after its first events came) is remembered as retired
//! for twice `reorder_wait`: an event of it still in flight is dropped
//! (counted) instead of opening a new stream that would expect sequence 1,
//! report a false gap and never be removed.

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ratelimit::Every;
use crate::xsi::parse::XsiEvent;

use super::watch::{ChannelNews, ChannelWatch};

/// The `xsi.reorder_wait_s` default, which the configuration says.
pub use crate::config::DEFAULT_REORDER_WAIT;

/// How long a gap waits at least even when the channels prove it cannot
/// fill any more: a margin in case BroadWorks hands a subscription's events
/// to a channel not strictly in sequence order, and the fixed wait of
/// earlier versions, so a healthy system loses nothing it did not before.
pub const QUIET_SETTLE: Duration = Duration::from_millis(500);
/// Events held behind one gap before giving up on it. A memory guard only:
/// it must exceed what arrives within the wait at full speed (two channel
/// threads can drift apart by tens of thousands of events under load), or
/// the overtaken channel's events would come late.
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

/// What an offered event releases.
#[derive(Debug)]
pub enum Offered {
    /// The events now next in their subscription's sequence (none when the
    /// offered one waits).
    Ready(Vec<XsiEvent>),
    /// The offered event is behind the sequence: its gap was given up
    /// before it came (rare: boxed).
    Late(Box<XsiEvent>),
}

/// `later` comes after `seq` in the ring (within half of it).
fn is_after(seq: u32, later: u32) -> bool {
    later != seq && ahead(seq, later) < SEQ_MAX / 2
}

/// Why a gap was given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GiveUp {
    /// `reorder_wait` passed.
    Waited,
    /// The channels show nothing can fill it any more.
    Quiet,
    /// Too many events behind it.
    Full,
}

/// One subscription's sequence. Kept small, since every monitored device
/// has one: the state of an open gap lives in a [`Gap`] that exists only
/// while events wait.
struct Stream {
    next: u32,
    /// Per link: the furthest sequence number it delivered.
    furthest_on: Vec<Option<u32>>,
    gap: Option<Box<Gap>>,
}

/// Events waiting behind a missing `next`.
struct Gap {
    /// Early events by sequence number, with their arrival time.
    waiting: HashMap<u32, (XsiEvent, Instant)>,
    /// Waiting sequence numbers in arrival order (some already released):
    /// the front one still waiting arrived first.
    arrivals: VecDeque<(u32, Instant)>,
    /// Arrival of the earliest waiting event: since when `next` is missing.
    since: Instant,
}

impl Stream {
    fn new() -> Stream {
        Stream {
            next: 1,
            furthest_on: Vec::new(),
            gap: None,
        }
    }

    /// Since when `next` is missing, while events wait.
    fn since(&self) -> Option<Instant> {
        self.gap.as_ref().map(|g| g.since)
    }

    fn waiting(&self) -> usize {
        self.gap.as_ref().map_or(0, |g| g.waiting.len())
    }

    fn delivered_on(&mut self, link: usize, seq: u32) {
        if self.furthest_on.len() <= link {
            self.furthest_on.resize(link + 1, None);
        }
        let slot = &mut self.furthest_on[link];
        if slot.is_none_or(|f| is_after(f, seq)) {
            *slot = Some(seq);
        }
    }

    /// Link `link` delivered an event after the missing `next`.
    fn passed_gap(&self, link: usize) -> bool {
        self.furthest_on
            .get(link)
            .copied()
            .flatten()
            .is_some_and(|f| is_after(self.next, f))
    }

    /// Recomputes `since` after events were released (amortised O(1)); the
    /// gap closes when nothing waits any more.
    fn update_since(&mut self) {
        let Some(gap) = self.gap.as_mut() else {
            return;
        };
        while let Some(&(seq, t)) = gap.arrivals.front() {
            if gap.waiting.get(&seq).is_some_and(|(_, at)| *at == t) {
                break;
            }
            gap.arrivals.pop_front();
        }
        match gap.arrivals.front() {
            Some(&(_, t)) => gap.since = t,
            None => self.gap = None,
        }
    }
}

/// Counters for the status file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderStats {
    pub gaps_given_up: u64,
    /// Of those, given up before `reorder_wait` because nothing could fill them.
    pub gaps_given_up_early: u64,
    /// Longest time an event waited behind a gap.
    pub max_hold: Duration,
    /// Events of a retired (forgotten) subscription, dropped.
    pub retired_dropped: u64,
}

pub struct Sequencer {
    /// By subscription id: the dispatcher's own copy of the id once it
    /// knows the subscription ([`Sequencer::adopt`]).
    streams: HashMap<Arc<str>, Stream>,
    /// Streams opened by an event before the dispatcher adopted their
    /// subscription, with the event's target: forgotten with that user's
    /// failed creation ([`Sequencer::forget_unadopted`]).
    unadopted: HashMap<Arc<str>, String>,
    /// Subscriptions forgotten lately, with when.
    retired: HashMap<Arc<str>, Instant>,
    /// The same, oldest first, to let them go after [`Sequencer::retire_for`].
    retired_order: VecDeque<(Arc<str>, Instant)>,
    /// Streams with events waiting: the timer looks at the streams only
    /// when there are any.
    open_gaps: usize,
    reorder_wait: Duration,
    settle: Duration,
    watch: ChannelWatch,
    stats: OrderStats,
    gap_log: Every,
}

impl Sequencer {
    pub fn new(reorder_wait: Duration) -> Self {
        Sequencer {
            streams: HashMap::new(),
            unadopted: HashMap::new(),
            retired: HashMap::new(),
            retired_order: VecDeque::new(),
            open_gaps: 0,
            reorder_wait,
            settle: QUIET_SETTLE.min(reorder_wait),
            watch: ChannelWatch::default(),
            stats: OrderStats::default(),
            gap_log: Every::default(),
        }
    }

    pub fn stats(&self) -> OrderStats {
        self.stats
    }

    /// What the dispatcher learnt about channel `link`.
    pub fn channel_news(&mut self, link: usize, news: ChannelNews, now: Instant) {
        self.watch.news(link, news, now);
    }

    /// Offers one (first-time) event received on `link`; returns the events
    /// now released.
    pub fn push(&mut self, ev: XsiEvent, link: usize, now: Instant) -> Offered {
        let seq = ev.sequence_number;
        let mut out = Vec::new();
        let Some(stream) = self.streams.get_mut(ev.subscription_id.as_str()) else {
            if self.retired.contains_key(ev.subscription_id.as_str()) {
                self.stats.retired_dropped += 1;
                log::debug!(
                    "event {} of forgotten subscription {} dropped",
                    ev.event_id,
                    ev.subscription_id
                );
                return Offered::Ready(out);
            }
            let mut stream = Stream::new();
            let sub: Arc<str> = Arc::from(ev.subscription_id.as_str());
            if let Some(target) = &ev.target_id {
                self.unadopted.insert(sub.clone(), target.clone());
            }
            stream.delivered_on(link, seq);
            offer(&mut stream, ev, now, &mut out, &mut self.stats);
            self.open_gaps += usize::from(stream.gap.is_some());
            self.streams.insert(sub, stream);
            return Offered::Ready(out);
        };
        if seq != stream.next && ahead(stream.next, seq) > SEQ_MAX / 2 {
            return Offered::Late(Box::new(ev));
        }
        stream.delivered_on(link, seq);
        let full = (stream.waiting() >= MAX_WAITING).then(|| ev.subscription_id.clone());
        let had_gap = stream.gap.is_some();
        offer(stream, ev, now, &mut out, &mut self.stats);
        let has_gap = stream.gap.is_some();
        self.gap_changed(had_gap, has_gap);
        if let Some(sub) = full {
            if self
                .streams
                .get(sub.as_str())
                .is_some_and(|s| s.waiting() > MAX_WAITING)
            {
                self.give_up(&sub, now, GiveUp::Full, &mut out);
            }
        }
        Offered::Ready(out)
    }

    /// Keeps the count of open gaps.
    fn gap_changed(&mut self, had: bool, has: bool) {
        match (had, has) {
            (false, true) => self.open_gaps += 1,
            (true, false) => self.open_gaps = self.open_gaps.saturating_sub(1),
            _ => {}
        }
    }

    /// Gives up the gaps that waited long enough; returns what that releases.
    pub fn expire(&mut self, now: Instant) -> Vec<XsiEvent> {
        self.unretire(now);
        let mut out = Vec::new();
        if self.open_gaps == 0 {
            return out;
        }
        let due: Vec<Arc<str>> = self
            .streams
            .iter()
            .filter(|(_, s)| s.gap.is_some())
            .map(|(sub, _)| sub.clone())
            .collect();
        for sub in due {
            // Giving one gap up can leave another behind it that has
            // waited as long: keep going while one is due.
            while let Some(why) = self.due(&sub, now) {
                self.give_up(&sub, now, why, &mut out);
            }
        }
        out
    }

    fn due(&self, sub: &str, now: Instant) -> Option<GiveUp> {
        let stream = self.streams.get(sub)?;
        let since = stream.since()?;
        let waited = now.saturating_duration_since(since);
        if waited >= self.reorder_wait {
            Some(GiveUp::Waited)
        } else if waited >= self.settle && self.unfillable(stream, since) {
            Some(GiveUp::Quiet)
        } else {
            None
        }
    }

    /// Nothing can fill `stream`'s gap, open since `since`, any more: no
    /// re-send is due, and every open channel either opened after the gap
    /// or delivered a later event of the subscription.
    fn unfillable(&self, stream: &Stream, since: Instant) -> bool {
        if !self.watch.no_fault_since(since, self.reorder_wait) {
            return false;
        }
        let mut up = self.watch.up().peekable();
        up.peek().is_some() && up.all(|(link, up_at)| up_at > since || stream.passed_gap(link))
    }

    /// Skips the first gap of `sub`: moves on to the earliest waiting event
    /// and releases what follows it.
    fn give_up(&mut self, sub: &str, now: Instant, why: GiveUp, out: &mut Vec<XsiEvent>) {
        let Some(stream) = self.streams.get_mut(sub) else {
            return;
        };
        let next = stream.next;
        let first = stream
            .gap
            .as_ref()
            .and_then(|g| g.waiting.keys().min_by_key(|&&s| ahead(next, s)).copied());
        let Some(first) = first else {
            if stream.gap.take().is_some() {
                self.open_gaps = self.open_gaps.saturating_sub(1);
            }
            return;
        };
        let waited = stream
            .since()
            .map_or(Duration::ZERO, |s| now.saturating_duration_since(s));
        self.stats.gaps_given_up += 1;
        if why == GiveUp::Quiet {
            self.stats.gaps_given_up_early += 1;
        }
        let missing = if ahead(next, first) == 1 {
            format!("event {next}")
        } else {
            let last = if first == 1 { SEQ_MAX } else { first - 1 };
            format!("events {next}..{last}")
        };
        let reason = match why {
            GiveUp::Waited => format!(
                "not re-sent within xsi.reorder_wait_s ({:?})",
                self.reorder_wait
            ),
            GiveUp::Quiet => {
                "no channel can still deliver it (each has delivered later events, no fault)"
                    .to_owned()
            }
            GiveUp::Full => format!("{MAX_WAITING} events wait behind it"),
        };
        if let Some(held_back) = self.gap_log.ready(now) {
            log::warn!(
                "subscription {sub}: sequence {missing} missing for {} ms: {reason}; going on \
                 ({} gaps given up so far{})",
                waited.as_millis(),
                self.stats.gaps_given_up,
                if held_back > 0 {
                    format!(", {held_back} not logged")
                } else {
                    String::new()
                }
            );
        }
        stream.next = first;
        drain(stream, now, out, &mut self.stats);
        if stream.gap.is_none() {
            self.open_gaps = self.open_gaps.saturating_sub(1);
        }
    }

    /// The subscription `id` exists: its stream is keyed by this copy of
    /// the id (shared with the dispatcher), made now if no event came yet.
    pub fn adopt(&mut self, id: &Arc<str>) {
        let stream = match self.streams.remove_entry(&**id) {
            Some((_, stream)) => stream,
            None => Stream::new(),
        };
        self.unadopted.remove(&**id);
        self.retired.remove(&**id);
        self.streams.insert(id.clone(), stream);
    }

    /// The subscription is no longer ours: its stream goes, and events of
    /// it still in flight are dropped for a while (see the module doc).
    pub fn forget(&mut self, subscription_id: &str, now: Instant) {
        let key = match self.streams.remove_entry(subscription_id) {
            Some((key, stream)) => {
                self.gap_changed(stream.gap.is_some(), false);
                key
            }
            None => Arc::from(subscription_id),
        };
        self.unadopted.remove(subscription_id);
        self.retired.insert(key.clone(), now);
        self.retired_order.push_back((key, now));
    }

    /// The creation of `user`'s subscription failed or is not wanted: the
    /// streams its events opened before any subscription was adopted are
    /// forgotten.
    pub fn forget_unadopted(&mut self, user: &str, now: Instant) {
        if self.unadopted.is_empty() {
            return;
        }
        let subs: Vec<Arc<str>> = self
            .unadopted
            .iter()
            .filter(|(_, target)| target.as_str() == user)
            .map(|(sub, _)| sub.clone())
            .collect();
        for sub in subs {
            self.forget(&sub, now);
        }
    }

    /// How long a forgotten subscription is remembered.
    pub fn retire_for(&self) -> Duration {
        (self.reorder_wait * 2).max(Duration::from_secs(1))
    }

    /// Lets the retired subscriptions older than [`retire_for`] go.
    fn unretire(&mut self, now: Instant) {
        let keep = self.retire_for();
        while let Some((sub, at)) = self.retired_order.front() {
            if now.saturating_duration_since(*at) < keep {
                break;
            }
            if self.retired.get(sub) == Some(at) {
                self.retired.remove(sub);
            }
            self.retired_order.pop_front();
        }
    }

    /// Subscriptions with a stream, and those remembered as retired.
    #[cfg(test)]
    pub fn streams(&self) -> (usize, usize) {
        (self.streams.len(), self.retired.len())
    }

    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.streams.values().map(Stream::waiting).sum()
    }
}

/// Takes an event that is not behind the sequence.
fn offer(
    stream: &mut Stream,
    ev: XsiEvent,
    now: Instant,
    out: &mut Vec<XsiEvent>,
    stats: &mut OrderStats,
) {
    if ev.sequence_number == stream.next {
        stream.next = next_seq(stream.next);
        out.push(ev);
        drain(stream, now, out, stats);
    } else {
        let gap = stream.gap.get_or_insert_with(|| {
            Box::new(Gap {
                waiting: HashMap::new(),
                arrivals: VecDeque::new(),
                since: now,
            })
        });
        gap.arrivals.push_back((ev.sequence_number, now));
        gap.waiting.insert(ev.sequence_number, (ev, now));
        gap.since = gap.since.min(now);
    }
}

/// Releases the waiting events that follow `next` without a gap.
fn drain(stream: &mut Stream, now: Instant, out: &mut Vec<XsiEvent>, stats: &mut OrderStats) {
    let mut released = false;
    while let Some((ev, arrived)) = stream
        .gap
        .as_mut()
        .and_then(|g| g.waiting.remove(&stream.next))
    {
        stream.next = next_seq(stream.next);
        stats.max_hold = stats.max_hold.max(now.saturating_duration_since(arrived));
        out.push(ev);
        released = true;
    }
    if released {
        stream.update_since();
    }
}
