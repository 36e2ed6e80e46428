//! Xsi → CSTA translation: exactly-once and in-order delivery of Xsi events,
//! the call model, and the mapping to CSTA events.
//!
//! The dispatcher offers every event it receives to [`Translator::accept`],
//! which drops duplicates (same eventID, e.g. re-sent on another channel
//! after a failure) and releases events per subscription in
//! `sequenceNumber` order; [`Translator::translate`] then turns one released
//! event into the CSTA events for the monitors of its target.

pub mod dedup;
pub mod map;
pub mod model;
pub mod order;
pub mod out;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::time::Instant;

use crate::csta::parse::SnapshotItem;
use crate::xsi::parse::{EventData, XsiEvent};

use self::dedup::Dedup;
use self::model::{party_state, CallModel};
use self::order::Sequencer;
pub use self::out::CstaEvent;

pub struct Translator {
    dedup: Dedup,
    order: Sequencer,
    pub model: CallModel,
    duplicates: u64,
    /// Unknown event types already logged (once each).
    unknown_logged: HashSet<String>,
    pub unknown_events: u64,
}

impl Default for Translator {
    fn default() -> Self {
        Self::new()
    }
}

impl Translator {
    pub fn new() -> Self {
        Translator {
            dedup: Dedup::new(dedup::DEFAULT_WINDOW),
            order: Sequencer::new(order::DEFAULT_GAP_WAIT),
            model: CallModel::default(),
            duplicates: 0,
            unknown_logged: HashSet::new(),
            unknown_events: 0,
        }
    }

    /// Takes one received event; returns the events now ready, in order.
    pub fn accept(&mut self, ev: XsiEvent, now: Instant) -> Vec<XsiEvent> {
        if !self.dedup.first_time(&ev.event_id) {
            self.duplicates += 1;
            log::debug!("duplicate event {} dropped", ev.event_id);
            return Vec::new();
        }
        self.order.push(ev, now)
    }

    /// Events released because their gap waited long enough.
    pub fn expire(&mut self, now: Instant) -> Vec<XsiEvent> {
        self.order.expire(now)
    }

    /// The CSTA events for the monitors of `user` (the event's target).
    pub fn translate(&mut self, user: &str, ev: &XsiEvent) -> Vec<CstaEvent> {
        if let EventData::Unknown { type_name } = &ev.data {
            self.unknown_events += 1;
            if self.unknown_logged.insert(type_name.clone()) {
                log::info!("Xsi event type {type_name} has no CSTA mapping; ignored (logged once)");
            }
        }
        map::translate(&mut self.model, user, &ev.data)
    }

    pub fn forget_user(&mut self, user: &str) {
        self.model.forget_user(user);
    }

    pub fn forget_subscription(&mut self, subscription_id: &str) {
        self.order.forget(subscription_id);
    }

    pub fn duplicates_dropped(&self) -> u64 {
        self.duplicates
    }

    /// SnapshotDevice data for `user` from the model.
    pub fn snapshot(&self, user: &str, device: &str) -> Vec<SnapshotItem> {
        self.model
            .parties(user)
            .into_iter()
            .map(|p| SnapshotItem {
                local_call_state: party_state(&p).to_owned(),
                call_id: p.csta_call,
                device_id: device.to_owned(),
            })
            .collect()
    }
}
