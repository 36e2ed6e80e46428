//! Events of the shared BroadWorks: building the `SubscriptionEvent` envelope, delivery modes,
//! round-robin routing over a set's live channels, acknowledgements, re-sends and the
//! housekeeping tick.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::contact::PackageClass;
use super::{
    Close, State, Unacked, EVENT_OPEN, MAX_CHANNEL_QUEUE, MAX_PENDING, MAX_UNACKED, SWAP_HOLD,
};
use crate::sim::calls::{Emit, FloodCycle};
use crate::sim::ids;
use crate::sim::outbox::{EndReason, EventDoc, Out};
use crate::sim::xml::DECL;
use crate::sim::Delivery;

impl State {
    /// Builds the next event of subscription `idx` around `data` (an `xsi:eventData` element).
    pub(super) fn new_event(&mut self, idx: usize, data: &str) -> Arc<EventDoc> {
        Arc::new(self.event_doc(idx, data, None))
    }

    fn event_doc(&mut self, idx: usize, data: &str, probe: Option<u64>) -> EventDoc {
        let (key, event_id) = self.ids.next();
        let sub = &mut self.subs[idx];
        sub.seq = if sub.seq >= 2_147_483_647 {
            1
        } else {
            sub.seq + 1
        };
        let mut text = String::with_capacity(
            DECL.len()
                + EVENT_OPEN.len()
                + 120
                + sub.env_mid.len()
                + sub.env_target.len()
                + data.len(),
        );
        text.push_str(DECL);
        text.push_str(EVENT_OPEN);
        text.push_str(&event_id);
        let _ = write!(text, "</xsi:eventID><xsi:sequenceNumber>{}", sub.seq);
        text.push_str(&sub.env_mid);
        let split = text.len();
        text.push_str(&sub.env_target);
        text.push_str(data);
        text.push_str("</xsi:Event>");
        self.counters.events_generated += 1;
        self.journal_event(idx, &event_id, data);
        EventDoc {
            key,
            sub: idx,
            text,
            split,
            probe,
        }
    }

    /// Delivers call events to the active subscriptions of each emit's DN, then lets the
    /// contact centre see what the operation changed (`State::contact_sync`).
    pub(crate) fn emit(&mut self, emits: Vec<Emit>) {
        self.deliver_emits(emits);
        self.contact_sync();
    }

    /// Delivers call events to the active subscriptions of each emit's DN.
    pub(crate) fn deliver_emits(&mut self, emits: Vec<Emit>) {
        for e in emits {
            self.emit_data(&e.dn, &e.data);
        }
    }

    /// Delivers one payload to every active subscription of `dn` of the payload's package
    /// (call events to the call packages, queue events to the queue packages, …); returns
    /// how many.
    pub(crate) fn emit_data(&mut self, dn: &str, data: &str) -> usize {
        self.emit_probed(dn, data, None)
    }

    fn emit_probed(&mut self, dn: &str, data: &str, probe: Option<u64>) -> usize {
        let Some(targets) = self.subs_by_dn.get(dn) else {
            return 0;
        };
        let class = PackageClass::of_data(data);
        let targets: Vec<usize> = targets
            .iter()
            .copied()
            .filter(|&idx| self.subs[idx].class == class)
            .collect();
        for &idx in &targets {
            let doc = Arc::new(self.event_doc(idx, data, probe));
            self.deliver(doc);
        }
        targets.len()
    }

    /// The next flood event for `dn` (one per subscription); false when `dn` has none. With
    /// `probe`, the time each copy is written to a channel is recorded.
    pub(crate) fn flood_one(
        &mut self,
        cycle: &mut FloodCycle,
        dn: &str,
        now: u64,
        buf: &mut String,
        probe: bool,
    ) -> bool {
        if self.subs_by_dn.get(dn).is_none_or(|v| v.is_empty()) {
            return false;
        }
        let key = self.calls.flood_event(cycle, dn, now, buf);
        self.emit_probed(dn, buf, probe.then_some(key));
        true
    }

    /// `count` flood events over `dns` as a channel called `channel_id` carries them, with a
    /// subscription (of this state, which is then of no further use) for each DN.
    pub(crate) fn flood_documents(
        &mut self,
        dns: &[&str],
        count: u64,
        channel_id: &str,
    ) -> Vec<Vec<u8>> {
        let subs: Vec<usize> = dns
            .iter()
            .map(|dn| {
                let user = format!("{dn}@{}", self.domain);
                self.subscribe(&user, "Advanced Call", None, "flood", "flood")
                    .0
            })
            .collect();
        let mut cycles: Vec<FloodCycle> = dns.iter().map(|_| FloodCycle::default()).collect();
        let mut buf = String::with_capacity(2048);
        let now = super::now_ms();
        (0..count)
            .map(|n| {
                let k = (n % dns.len().max(1) as u64) as usize;
                self.calls
                    .flood_event(&mut cycles[k], dns[k], now, &mut buf);
                let doc = self.event_doc(subs[k], &buf, None);
                let mut out = Vec::with_capacity(doc.len_on(channel_id));
                doc.render(channel_id, &mut out);
                out
            })
            .collect()
    }

    /// Sends a new event according to the delivery mode.
    pub(super) fn deliver(&mut self, doc: Arc<EventDoc>) {
        match self.delivery {
            Delivery::Normal => self.route(doc, &[]),
            Delivery::Duplicate => {
                let Some(first) = self.pick(doc.sub, &[]) else {
                    self.pend(doc);
                    return;
                };
                let mut sent_on = vec![first];
                if let Some(second) = self.pick(doc.sub, &[first]) {
                    sent_on.push(second);
                }
                for &c in &sent_on {
                    self.send_on(c, &doc);
                }
                self.track(doc, sent_on);
            }
            Delivery::SwapPairs => {
                let sub = doc.sub;
                match self.subs[sub].swap_held.take() {
                    Some((held, _)) => {
                        self.route(doc, &[]);
                        self.route(held, &[]);
                    }
                    None => self.subs[sub].swap_held = Some((doc, Instant::now())),
                }
            }
        }
    }

    /// Sends any events held back by SwapPairs (when the mode changes or they waited too long).
    pub(crate) fn flush_swapped(&mut self, older_than: Duration) {
        let now = Instant::now();
        for idx in 0..self.subs.len() {
            let due = self.subs[idx]
                .swap_held
                .as_ref()
                .is_some_and(|(_, at)| now.duration_since(*at) >= older_than);
            if due {
                if let Some((doc, _)) = self.subs[idx].swap_held.take() {
                    self.route(doc, &[]);
                }
            }
        }
    }

    /// Sends `doc` on the subscription's next live channel not in `exclude`, or queues it.
    pub(super) fn route(&mut self, doc: Arc<EventDoc>, exclude: &[usize]) {
        match self.pick(doc.sub, exclude) {
            Some(c) => {
                self.send_on(c, &doc);
                self.track(doc, vec![c]);
            }
            None => self.pend(doc),
        }
    }

    fn pend(&mut self, doc: Arc<EventDoc>) {
        let set_id = &self.subs[doc.sub].set_id;
        let set = self.sets.entry(set_id.clone()).or_default();
        set.pending.push_back(doc);
        if set.pending.len() > MAX_PENDING {
            set.pending.pop_front();
            self.counters.events_dropped += 1;
        }
    }

    /// The next live channel of the subscription's set, round-robin, skipping `exclude`.
    fn pick(&mut self, sub: usize, exclude: &[usize]) -> Option<usize> {
        let s = &mut self.subs[sub];
        let live = &self.sets.get(&s.set_id)?.live;
        let n = live.len();
        for k in 0..n {
            let c = live[(s.rr + k) % n];
            if !exclude.contains(&c) {
                s.rr = (s.rr + k + 1) % n;
                return Some(c);
            }
        }
        None
    }

    fn send_on(&mut self, c: usize, doc: &Arc<EventDoc>) {
        if let Some(tx) = self.channels[c].tx.as_ref() {
            // An overfull queue (a stalled reader) gets nothing more; the re-send timer retries.
            if tx.len() < MAX_CHANNEL_QUEUE {
                let _ = tx.send(Out::Event(doc.clone()));
            }
        }
    }

    fn track(&mut self, doc: Arc<EventDoc>, sent_on: Vec<usize>) {
        self.stamp += 1;
        let key = doc.key;
        self.unacked.insert(
            key,
            Unacked {
                doc,
                sent_on,
                stamp: self.stamp,
            },
        );
        self.unacked_order
            .push_back((key, self.stamp, Instant::now()));
        while self.unacked.len() > MAX_UNACKED {
            let Some((k, stamp, _)) = self.unacked_order.pop_front() else {
                break;
            };
            if self.unacked.get(&k).is_some_and(|u| u.stamp == stamp) {
                self.unacked.remove(&k);
                self.counters.events_dropped += 1;
            }
        }
    }

    /// Handles an EventResponse received on XSP `xsp`.
    pub(crate) fn ack(&mut self, xsp: usize, event_id: Option<&str>, status: u16) {
        if self.ack_lost(xsp) {
            return;
        }
        *self.counters.acks_by_status.entry(status).or_default() += 1;
        let Some(key) = event_id.and_then(ids::parse) else {
            return;
        };
        let Some(entry) = self.unacked.get(&key) else {
            return;
        };
        if !entry.sent_on.iter().any(|&c| self.channels[c].xsp == xsp) {
            self.counters.acks_wrong_xsp += 1;
        }
        let last = *entry.sent_on.last().unwrap_or(&0);
        if let Some(ch) = self.channels.get_mut(last) {
            ch.acks += 1;
        }
        let Some(entry) = self.unacked.remove(&key) else {
            return;
        };
        match status {
            404 => {
                // The client does not know the channel: it is deleted, the event goes elsewhere.
                self.terminate_channel(last, EndReason::UnknownChannel);
                self.counters.events_resent += 1;
                self.route(entry.doc, &[]);
            }
            500 => {
                self.counters.events_resent += 1;
                self.route(entry.doc, &[last]);
            }
            481 => {
                let sub = entry.doc.sub;
                if self.subs[sub].active {
                    self.deactivate(sub, "deleted by EventResponse 481");
                }
            }
            _ => {}
        }
    }

    /// Periodic work: re-sends, heartbeat timeouts, expiry, SwapPairs flush.
    pub(crate) fn tick(&mut self) {
        let now = Instant::now();
        // Unacknowledged events past the timeout go to another live channel of their set.
        let mut due = std::mem::take(&mut self.stuck);
        while let Some(&(key, stamp, at)) = self.unacked_order.front() {
            if now.duration_since(at) < self.ack_timeout {
                break;
            }
            self.unacked_order.pop_front();
            if self.unacked.get(&key).is_some_and(|u| u.stamp == stamp) {
                due.push(key);
            }
        }
        for key in due {
            let Some(entry) = self.unacked.get(&key) else {
                continue;
            };
            let exclude = entry.sent_on.clone();
            let sub = entry.doc.sub;
            match self.pick(sub, &exclude) {
                Some(c) => {
                    if let Some(entry) = self.unacked.remove(&key) {
                        self.send_on(c, &entry.doc);
                        self.counters.events_resent += 1;
                        self.track(entry.doc, vec![c]);
                    }
                }
                None => self.stuck.push(key),
            }
        }
        // Channels without heartbeats, and expired channels.
        for idx in 0..self.channels.len() {
            let ch = &self.channels[idx];
            if !ch.open {
                continue;
            }
            if self
                .event_timeout
                .is_some_and(|t| now.duration_since(ch.last_heartbeat) > t)
            {
                self.counters.channels_timed_out += 1;
                self.close_channel(idx, Close::Finish, "no heartbeat within eventTimeout");
            } else if ch.expires_at.is_some_and(|at| now >= at) {
                self.terminate_channel(idx, EndReason::Expired);
            }
        }
        // Expired subscriptions.
        for idx in 0..self.subs.len() {
            if self.subs[idx].active && self.subs[idx].expires_at.is_some_and(|at| now >= at) {
                self.deactivate(idx, "expired");
                self.terminated_event(idx);
            }
        }
        self.flush_swapped(SWAP_HOLD);
    }

    pub(crate) fn set_delivery(&mut self, mode: Delivery) {
        self.delivery = mode;
        if mode != Delivery::SwapPairs {
            self.flush_swapped(Duration::ZERO);
        }
    }
}
