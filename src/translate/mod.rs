//! Xsi → CSTA translation: exactly-once and in-order delivery of Xsi events,
//! the call model, and the mapping to CSTA events.
//!
//! The dispatcher offers every event it receives to [`Translator::accept`],
//! which drops duplicates (same eventID, e.g. re-sent on another channel
//! after a failure) and releases events per subscription in
//! `sequenceNumber` order (waiting for a missing one as `order` explains,
//! with what the dispatcher tells it of the channels); an event that comes
//! after its gap was given up is let through only when it still changes
//! something (`late`). [`Translator::translate`] then turns one released
//! event into the CSTA events for the monitors of its target.
//!
//! Contact-centre events (call centre and route point queues, agents) are
//! translated by [`acd`], which keeps the calls in each monitored queue;
//! [`agent`] is the table of the agent states in CSTA terms; [`route_point`]
//! keeps which route points are failed; the recording and service events
//! go through [`features`]. [`catalogue`] lists every event type of the
//! subscribed packages with its CSTA event or why it is not reported.
//!
//! In the other direction, [`control`] turns CSTA call-control requests into
//! Xsi-Actions, resolving CSTA connections through the call model, and
//! [`contact`] the agent and route point requests; both make a
//! [`plan::Plan`].

pub mod acd;
pub mod agent;
pub mod catalogue;
pub mod contact;
pub mod control;
pub mod dedup;
pub mod fanout;
pub mod features;
pub mod late;
pub mod map;
pub mod model;
pub mod order;
pub mod out;
pub mod plan;
pub mod route_point;
pub mod watch;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::csta::parse::SnapshotItem;
use crate::xsi::parse::{EventData, XsiEvent};

use self::acd::QueueModel;
use self::dedup::Dedup;
use self::model::{party_state, CallModel};
use self::order::{Offered, Sequencer};
pub use self::out::CstaEvent;
use self::route_point::RoutePointStates;
use self::watch::ChannelNews;
use crate::ratelimit::Every;

pub struct Translator {
    dedup: Dedup,
    order: Sequencer,
    pub model: CallModel,
    /// The calls in the monitored call centres' and route points' queues.
    pub queues: QueueModel,
    /// The failed route points.
    pub route_points: RoutePointStates,
    duplicates: u64,
    late: LateStats,
    late_log: Every,
    /// Unknown event types already logged (once each, [`TYPES_LOGGED`]
    /// at most).
    unknown_logged: HashSet<String>,
    pub unknown_events: u64,
    /// Types of events with an unreadable payload already logged (once
    /// each, a few dozen at most, no more than one line a second).
    malformed_logged: HashSet<String>,
    malformed_log: Every,
    pub malformed_events: u64,
}

/// Event types (unknown, or with an unreadable payload) logged once each;
/// past that many, the others are only counted: the names come from the
/// XSPs, so the sets that remember them are bounded.
const TYPES_LOGGED: usize = 64;

/// Events that came after their gap was given up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LateStats {
    /// Applied and delivered: they still changed something.
    pub delivered: u64,
    /// Counted and logged only.
    pub ignored: u64,
}

impl Default for Translator {
    fn default() -> Self {
        Self::new(order::DEFAULT_REORDER_WAIT)
    }
}

impl Translator {
    /// `reorder_wait`: `xsi.reorder_wait_s`, the longest a gap is waited for.
    pub fn new(reorder_wait: Duration) -> Self {
        Translator {
            dedup: Dedup::new(dedup::DEFAULT_WINDOW),
            order: Sequencer::new(reorder_wait),
            model: CallModel::default(),
            queues: QueueModel::default(),
            route_points: RoutePointStates::default(),
            duplicates: 0,
            late: LateStats::default(),
            late_log: Every::default(),
            unknown_logged: HashSet::new(),
            unknown_events: 0,
            malformed_logged: HashSet::new(),
            malformed_log: Every::default(),
            malformed_events: 0,
        }
    }

    /// Takes one event received on `link`; returns the events now ready,
    /// in order.
    pub fn accept(&mut self, ev: XsiEvent, link: usize, now: Instant) -> Vec<XsiEvent> {
        if !self.dedup.first_time(&ev.event_id) {
            self.duplicates += 1;
            log::debug!("duplicate event {} dropped", ev.event_id);
            return Vec::new();
        }
        match self.order.push(ev, link, now) {
            Offered::Ready(ready) => ready,
            Offered::Late(ev) => self.late(*ev, now).into_iter().collect(),
        }
    }

    /// Events released because their gap was given up.
    pub fn expire(&mut self, now: Instant) -> Vec<XsiEvent> {
        self.order.expire(now)
    }

    /// What the dispatcher learnt about channel `link` (see `watch`).
    pub fn channel_news(&mut self, link: usize, news: ChannelNews, now: Instant) {
        self.order.channel_news(link, news, now);
    }

    /// An event that came after its gap was given up: let through only when
    /// it still changes something.
    fn late(&mut self, ev: XsiEvent, now: Instant) -> Option<XsiEvent> {
        let matters = late::still_matters(&self.model, &self.queues, &ev);
        let what = if matters {
            self.late.delivered += 1;
            "still changes the call: delivered late"
        } else {
            self.late.ignored += 1;
            "changes nothing any more: ignored"
        };
        if let Some(held_back) = self.late_log.ready(now) {
            log::warn!(
                "subscription {}: event {} (sequence {}, {}) arrived after its gap was given \
                 up; it {what} ({} late events delivered, {} ignored so far{})",
                ev.subscription_id,
                ev.event_id,
                ev.sequence_number,
                late::describe(&ev),
                self.late.delivered,
                self.late.ignored,
                if held_back > 0 {
                    format!("; {held_back} not logged")
                } else {
                    String::new()
                }
            );
        }
        matters.then_some(ev)
    }

    pub fn order_stats(&self) -> order::OrderStats {
        self.order.stats()
    }

    /// The sequencer's streams, and the retired subscriptions it remembers.
    #[cfg(test)]
    pub fn order_streams(&self) -> (usize, usize) {
        self.order.streams()
    }

    pub fn late_stats(&self) -> LateStats {
        self.late
    }

    /// The CSTA events for the monitors of `user` (the event's target).
    pub fn translate(&mut self, user: &str, ev: &XsiEvent) -> Vec<CstaEvent> {
        if let EventData::Malformed { type_name, error } = &ev.data {
            self.malformed(ev, type_name, error);
            return Vec::new();
        }
        if let EventData::Unknown { type_name } = &ev.data {
            self.unknown(ev, type_name);
            return Vec::new();
        }
        features::translate(&self.model, user, &ev.data)
            .or_else(|| acd::translate(&mut self.queues, user, &ev.data))
            .or_else(|| route_point::translate(&mut self.route_points, user, &ev.data))
            .unwrap_or_else(|| map::translate(&mut self.model, user, &ev.data))
    }

    /// An event of a type without a CSTA event: deliberately not reported
    /// ([`catalogue`]: logged at debug level), or unknown (counted, logged
    /// once per type).
    fn unknown(&mut self, ev: &XsiEvent, type_name: &str) {
        if let Some(why) = catalogue::not_reported(type_name) {
            log::debug!(
                "Xsi event {} ({type_name}, target {}) is not reported: {why}",
                ev.event_id,
                ev.target_id.as_deref().unwrap_or("-")
            );
            return;
        }
        self.unknown_events += 1;
        let logged = &mut self.unknown_logged;
        if logged.len() < TYPES_LOGGED && !logged.contains(type_name) {
            logged.insert(type_name.to_owned());
            log::info!("Xsi event type {type_name} has no CSTA mapping; ignored (logged once)");
        }
    }

    /// An event whose payload could not be read: counted, logged once per
    /// type.
    fn malformed(&mut self, ev: &XsiEvent, type_name: &str, error: &str) {
        self.malformed_events += 1;
        let full = self.malformed_logged.len() >= TYPES_LOGGED;
        if full || self.malformed_logged.contains(type_name) {
            return;
        }
        if self.malformed_log.ready(Instant::now()).is_none() {
            return;
        }
        self.malformed_logged.insert(type_name.to_owned());
        log::warn!(
            "Xsi event {} ({type_name}, subscription {}, target {}) has an unreadable payload: \
             {error}; acknowledged and skipped ({} so far; logged once per type)",
            ev.event_id,
            ev.subscription_id,
            ev.target_id.as_deref().unwrap_or("-"),
            self.malformed_events
        );
    }

    pub fn forget_user(&mut self, user: &str) {
        self.model.forget_user(user);
        self.queues.forget_user(user);
        self.route_points.forget_user(user);
    }

    /// The subscription `id` exists (see `Sequencer::adopt`).
    pub fn adopt_subscription(&mut self, id: &std::sync::Arc<str>) {
        self.order.adopt(id);
    }

    /// The subscription is no longer ours (see `Sequencer::forget`).
    pub fn forget_subscription(&mut self, subscription_id: &str, now: Instant) {
        self.order.forget(subscription_id, now);
    }

    /// The creation of a subscription of `user` failed or is not wanted
    /// (see `Sequencer::forget_unadopted`).
    pub fn forget_unadopted(&mut self, user: &str, now: Instant) {
        self.order.forget_unadopted(user, now);
    }

    pub fn duplicates_dropped(&self) -> u64 {
        self.duplicates
    }

    /// SnapshotDevice data for `user` from the models: its calls, or the
    /// calls in its queue (a call centre, a route point).
    pub fn snapshot(&self, user: &str, device: &str) -> Vec<SnapshotItem> {
        let calls = self.model.parties(user).into_iter().map(|p| SnapshotItem {
            local_call_state: party_state(&p).to_owned(),
            call_id: p.csta_call,
            device_id: device.to_owned(),
        });
        let queued = self.queues.entries(user).into_iter().map(|q| SnapshotItem {
            local_call_state: q.state.to_owned(),
            call_id: q.csta_call,
            device_id: device.to_owned(),
        });
        calls.chain(queued).collect()
    }
}
