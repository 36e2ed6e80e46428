//! The faults a soak needs beyond the per-XSP flags of the hub, and the journal's records.
//!
//! Faults: heartbeats answered with an error status; acknowledgements "lost" (answered 200 but
//! never applied, so the event is re-sent after the acknowledgement timeout, as BroadWorks does
//! when the EventResponse never reached it); the acknowledgement timeout changed at run time (a
//! BroadWorks that re-sends late); subscriptions terminated by BroadWorks at any time.

use std::time::{Duration, Instant};

use super::State;
use crate::sim::journal::{payload_kind, Emitted, Fact, Journal, Record};

/// Per-XSP counters of the faults below, and the journal.
#[derive(Debug, Default)]
pub(crate) struct Chaos {
    pub(crate) journal: Journal,
    /// XSP → (status, remaining) of heartbeats to fail.
    heartbeats: Vec<(u16, u32)>,
    /// XSP → acknowledgements still to lose.
    lost_acks: Vec<u32>,
}

fn slot<T: Default + Clone>(v: &mut Vec<T>, xsp: usize) -> &mut T {
    if v.len() <= xsp {
        v.resize(xsp + 1, T::default());
    }
    &mut v[xsp]
}

impl State {
    /// The next `count` heartbeats to XSP `xsp` are answered `status`.
    pub(crate) fn fail_heartbeats(&mut self, xsp: usize, status: u16, count: u32) {
        *slot(&mut self.chaos.heartbeats, xsp) = (status, count);
    }

    /// The status to answer a heartbeat to `xsp` with instead of handling it, if one is due.
    pub(crate) fn heartbeat_fault(&mut self, xsp: usize) -> Option<u16> {
        let fault = slot(&mut self.chaos.heartbeats, xsp);
        if fault.1 == 0 {
            return None;
        }
        fault.1 -= 1;
        Some(fault.0)
    }

    /// The next `count` acknowledgements to XSP `xsp` are lost.
    pub(crate) fn lose_acks(&mut self, xsp: usize, count: u32) {
        *slot(&mut self.chaos.lost_acks, xsp) = count;
    }

    /// Whether this acknowledgement to `xsp` is lost (counted down).
    pub(super) fn ack_lost(&mut self, xsp: usize) -> bool {
        let left = slot(&mut self.chaos.lost_acks, xsp);
        if *left == 0 {
            return false;
        }
        *left -= 1;
        true
    }

    /// Unacknowledged events are re-sent `timeout` after their last send from now on.
    pub(crate) fn set_ack_timeout(&mut self, timeout: Duration) {
        self.ack_timeout = timeout;
    }

    /// BroadWorks ends every active subscription of `dn` on its own: a
    /// SubscriptionTerminatedEvent each (when the set has a live channel). Returns how many.
    pub(crate) fn terminate_subscriptions_of(&mut self, dn: &str) -> usize {
        let ids: Vec<usize> = self.subs_by_dn.get(dn).cloned().unwrap_or_default();
        for &idx in &ids {
            self.deactivate(idx, "terminated by BroadWorks");
            self.terminated_event(idx);
        }
        ids.len()
    }

    pub(crate) fn start_journal(&mut self) {
        self.chaos.journal.start();
        self.calls.notes.set_on(true);
    }

    pub(crate) fn take_journal(&mut self) -> Vec<Record> {
        self.chaos.journal.take()
    }

    /// Records event `event_id` of subscription `idx`, made from payload `data`.
    pub(super) fn journal_event(&mut self, idx: usize, event_id: &str, data: &str) {
        if !self.chaos.journal.is_on() {
            return;
        }
        let sub = &self.subs[idx];
        let fact = self
            .calls
            .notes
            .fact(data)
            .unwrap_or_else(|| self.unnoted_fact(&sub.dn, data));
        let record = Record::Event(Emitted {
            at: Instant::now(),
            dn: sub.dn.clone(),
            subscription: sub.id.clone(),
            package: sub.package.clone(),
            event_id: event_id.to_owned(),
            sequence: sub.seq,
            fact,
        });
        self.chaos.journal.push(record);
    }

    /// The fact of a payload no model noted one for: snapshots, which list what the models
    /// hold now, agent states, which the contact model holds, and the rest by their type.
    fn unnoted_fact(&self, dn: &str, data: &str) -> Fact {
        let kind = payload_kind(data).to_owned();
        match kind.as_str() {
            "CallSubscriptionEvent" => Fact::Snapshot {
                kind,
                listed: self.calls.legs_of(dn),
            },
            "ACDSubscriptionEvent" | "RoutePointSubscriptionEvent" => {
                let queued = self.contact.queued().remove(dn).unwrap_or_default();
                Fact::Snapshot {
                    kind,
                    listed: queued.into_iter().map(|call| (0, call)).collect(),
                }
            }
            "AgentSubscriptionEvent" => Fact::Snapshot {
                kind,
                listed: Vec::new(),
            },
            "AgentStateEvent" => Fact::Agent {
                state: self.agent_state(dn),
            },
            _ => Fact::Other { kind },
        }
    }

    pub(super) fn journal_subscription(&mut self, idx: usize) {
        if !self.chaos.journal.is_on() {
            return;
        }
        let sub = &self.subs[idx];
        let record = Record::SubscriptionCreated {
            at: Instant::now(),
            id: sub.id.clone(),
            dn: sub.dn.clone(),
            package: sub.package.clone(),
        };
        self.chaos.journal.push(record);
    }

    pub(super) fn journal_ended(&mut self, idx: usize, why: &str) {
        if !self.chaos.journal.is_on() {
            return;
        }
        let record = Record::SubscriptionEnded {
            at: Instant::now(),
            id: self.subs[idx].id.clone(),
            why: why.to_owned(),
        };
        self.chaos.journal.push(record);
    }

    /// The number of active subscriptions.
    pub(crate) fn active_subscriptions(&self) -> usize {
        self.subs.iter().filter(|s| s.active).count()
    }
}
