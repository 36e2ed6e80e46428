//! The operations behind the public API and the control API: call scenarios, delivery
//! shaping, fault injection and observation, as methods on the hub.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::hub::{Hub, Owner};
use super::outbox::EndReason;
use super::server::poke;
use super::state::{now_ms, Close};
use super::stats::SimStats;
use super::{flood, CallId, Chunking, Delivery};

impl Hub {
    /// Runs one call-model operation and delivers its events; true when it did anything.
    fn call_op(
        &self,
        op: impl FnOnce(&mut super::calls::CallModel, u64) -> Vec<super::calls::Emit>,
    ) -> bool {
        let mut st = self.state.lock();
        let emits = op(&mut st.calls, now_ms());
        let did = !emits.is_empty();
        st.emit(emits);
        did
    }

    fn new_call(
        &self,
        op: impl FnOnce(&mut super::calls::CallModel, u64) -> (u64, Vec<super::calls::Emit>),
    ) -> CallId {
        let mut st = self.state.lock();
        let (n, emits) = op(&mut st.calls, now_ms());
        st.emit(emits);
        CallId(n)
    }

    pub(crate) fn op_call(&self, from: &str, to: &str) -> CallId {
        self.new_call(|m, now| m.call(from, to, now))
    }

    pub(crate) fn op_click_to_dial(&self, from: &str, to: &str) -> CallId {
        self.new_call(|m, now| m.click_to_dial(from, to, now))
    }

    pub(crate) fn op_busy(&self, from: &str, to: &str) -> CallId {
        self.new_call(|m, now| m.busy(from, to, now))
    }

    pub(crate) fn op_answer(&self, call: CallId) -> bool {
        self.call_op(|m, now| m.answer(call.0, now))
    }

    pub(crate) fn op_hold(&self, call: CallId, by: &str) -> bool {
        self.call_op(|m, now| m.hold(call.0, by, now))
    }

    pub(crate) fn op_retrieve(&self, call: CallId, by: &str) -> bool {
        self.call_op(|m, _| m.retrieve(call.0, by))
    }

    pub(crate) fn op_blind_transfer(&self, call: CallId, by: &str, to: &str) -> bool {
        self.call_op(|m, now| m.blind_transfer(call.0, by, to, now))
    }

    pub(crate) fn op_consult_transfer(&self, held: CallId, active: CallId, by: &str) -> bool {
        self.call_op(|m, now| m.consult_transfer(held.0, active.0, by, now))
    }

    pub(crate) fn op_conference(&self, a: CallId, b: CallId, by: &str) -> bool {
        self.call_op(|m, _| m.conference(a.0, b.0, by))
    }

    /// `by` retrieves the call parked at `at`: its call, or `None` when nothing waits there.
    pub(crate) fn op_park_retrieve(&self, by: &str, at: &str) -> Option<CallId> {
        let mut st = self.state.lock();
        let (n, _, emits) = st.calls.park_retrieve(by, at, now_ms())?;
        st.emit(emits);
        Some(CallId(n))
    }

    pub(crate) fn op_release(&self, call: CallId, by: &str) -> bool {
        self.call_op(|m, now| m.release(call.0, by, now))
    }

    pub(crate) fn op_as_failover(&self, dn: &str) -> bool {
        self.log(|| format!("AS failover for {dn}"));
        self.call_op(|m, _| m.as_failover(dn))
    }

    pub(crate) fn op_add_call_center(&self, dn: &str, agents: &[&str]) {
        self.log(|| format!("call centre {dn}, agents {}", agents.join(", ")));
        let agents: Vec<String> = agents.iter().map(|a| a.to_string()).collect();
        self.state.lock().add_call_center(dn, &agents);
    }

    pub(crate) fn op_add_route_point(&self, dn: &str) {
        self.log(|| format!("route point {dn}"));
        self.state.lock().add_route_point(dn);
    }

    pub(crate) fn op_acd_call(&self, from: &str, cc: &str) -> Option<CallId> {
        self.state.lock().acd_call(from, cc).map(CallId)
    }

    pub(crate) fn op_rp_call(&self, from: &str, rp: &str) -> Option<CallId> {
        self.state.lock().rp_call(from, rp).map(CallId)
    }

    pub(crate) fn op_acd_offer(&self, call: CallId, agent: Option<&str>) -> bool {
        self.state.lock().acd_offer(call.0, agent)
    }

    pub(crate) fn op_acd_overflow(&self, call: CallId, to: &str) -> bool {
        self.state.lock().acd_overflow(call.0, to)
    }

    pub(crate) fn op_complete_treatment(&self, call: CallId, reason: &str) -> bool {
        self.state.lock().complete_treatment(call.0, reason)
    }

    pub(crate) fn op_set_agent_state(&self, dn: &str, state: &str) -> bool {
        self.state.lock().set_agent_state(dn, state)
    }

    pub(crate) fn op_agent_join(&self, dn: &str, cc: &str, joined: bool) {
        self.state.lock().agent_join(dn, cc, joined);
    }

    pub(crate) fn op_rp_state(&self, rp: &str, failed: bool) -> bool {
        self.state.lock().rp_state(rp, failed)
    }

    pub(crate) fn op_rp_reject(&self, from: &str, rp: &str) -> Option<CallId> {
        self.state.lock().rp_reject(from, rp).map(CallId)
    }

    pub(crate) fn op_acd_strand(&self, call: CallId) -> bool {
        self.state.lock().acd_strand(call.0)
    }

    pub(crate) fn op_whisper(&self, call: CallId) -> bool {
        self.state.lock().whisper(call.0)
    }

    pub(crate) fn op_set_delivery(&self, mode: Delivery) {
        self.log(|| format!("delivery mode {mode:?}"));
        self.state.lock().set_delivery(mode);
    }

    pub(crate) fn op_set_chunking(&self, mode: Chunking) {
        self.log(|| format!("chunking mode {mode:?}"));
        self.chunking.store(mode as u8, Ordering::Relaxed);
    }

    pub(crate) fn op_close_channels(&self, xsp: usize) -> usize {
        self.log(|| format!("fault: abrupt close of the channels of xsp {xsp}"));
        self.state
            .lock()
            .close_channels_of(Some(xsp), Close::Abort, "fault: closed abruptly")
    }

    pub(crate) fn op_terminate_channels(&self, xsp: usize, reason: &str) -> usize {
        self.log(|| format!("fault: ChannelTerminatedEvent {reason} on the channels of xsp {xsp}"));
        self.state.lock().close_channels_of(
            Some(xsp),
            Close::Terminate(EndReason::from_text(reason)),
            reason,
        )
    }

    pub(crate) fn op_stall(&self, xsp: usize, on: bool) {
        if let Some(flags) = self.xsps.get(xsp) {
            self.log(|| {
                format!(
                    "fault: streams of xsp {xsp} {}",
                    if on { "stalled" } else { "resumed" }
                )
            });
            flags.stalled.store(on, Ordering::Release);
        }
    }

    pub(crate) fn op_fail_requests(&self, xsp: usize, status: u16, count: u32) {
        if let Some(flags) = self.xsps.get(xsp) {
            self.log(|| format!("fault: next {count} requests on xsp {xsp} get {status}"));
            *flags.fail.lock() = (status, count);
        }
    }

    pub(crate) fn op_fail_acks(&self, xsp: usize, status: u16, count: u32) {
        if let Some(flags) = self.xsps.get(xsp) {
            self.log(|| format!("fault: next {count} acknowledgements on xsp {xsp} get {status}"));
            *flags.fail_acks.lock() = (status, count);
        }
    }

    pub(crate) fn op_fail_actions(&self, xsp: usize, status: u16, count: u32) {
        if let Some(flags) = self.xsps.get(xsp) {
            self.log(|| format!("fault: next {count} Xsi-Actions on xsp {xsp} get {status}"));
            let mut fault = flags.action_fault.lock();
            fault.status = status;
            fault.count = count;
        }
    }

    /// Xsi-Actions on `xsp` (only those whose last path segment is `only`, when given) wait
    /// `delay` before they are handled.
    pub(crate) fn op_delay_actions(&self, xsp: usize, delay: Duration, only: Option<&str>) {
        if let Some(flags) = self.xsps.get(xsp) {
            self.log(|| {
                let which = only.map_or(String::new(), |v| format!(" ({v} only)"));
                format!("fault: Xsi-Actions on xsp {xsp}{which} delayed by {delay:?}")
            });
            let mut fault = flags.action_fault.lock();
            fault.delay = delay;
            fault.delay_only = only.map(str::to_string);
        }
    }

    pub(crate) fn op_drop_actions(&self, xsp: usize, count: u32) {
        if let Some(flags) = self.xsps.get(xsp) {
            self.log(|| {
                format!("fault: next {count} Xsi-Actions on xsp {xsp} carried out, left unanswered")
            });
            flags.action_fault.lock().drops = count;
        }
    }

    pub(crate) fn op_down(&self, xsp: usize, on: bool) {
        let Some(flags) = self.xsps.get(xsp) else {
            return;
        };
        self.log(|| format!("fault: xsp {xsp} {}", if on { "down" } else { "up" }));
        {
            let mut down = flags.down.lock();
            *down = on;
            flags.down_changed.notify_all();
        }
        if on {
            self.state
                .lock()
                .close_channels_of(Some(xsp), Close::Abort, "fault: xsp down");
            self.close_sockets(Some(Owner::Xsp(xsp)));
            // Wake the listener out of accept() so that it closes its socket.
            poke(flags.addr);
        }
    }

    pub(crate) fn op_flood(self: &Arc<Self>, dns: &[&str], count: u64, pace: flood::Pace) {
        flood::start(
            self,
            dns.iter().map(|d| d.to_string()).collect(),
            count,
            pace,
        );
    }

    pub(crate) fn op_stats(&self) -> SimStats {
        let st = self.state.lock();
        let (channels, subscriptions, counters, unacked, agent_states, queued) = (
            st.channel_infos(),
            st.subscription_infos(),
            st.counters.clone(),
            st.unacked_len(),
            st.contact.agent_states(&self.cfg.domain),
            st.contact.queued(),
        );
        let (calls_started, parked) = (st.calls.calls_started(), st.calls.parked());
        drop(st);
        SimStats {
            channels,
            subscriptions,
            acks_by_status: counters.acks_by_status,
            acks_wrong_xsp: counters.acks_wrong_xsp,
            unacked,
            events_resent: counters.events_resent,
            events_generated: counters.events_generated,
            events_dropped: counters.events_dropped,
            flood_sent: counters.flood_sent,
            channels_timed_out: counters.channels_timed_out,
            keep_alive_closes: self.keep_alive_closes.load(Ordering::Relaxed),
            tls_failures: self.tls_failures.load(Ordering::Relaxed),
            requests: self.requests(),
            actions: self.actions(),
            services: self.services.lock().clone(),
            delays: self.delays.in_force(),
            delayed: self.delays.counters(),
            connections_accepted: self.connections_accepted(),
            agent_states,
            queued,
            calls_started,
            parked: parked.into_iter().collect(),
            schema: self
                .conformance
                .as_ref()
                .map(|c| c.stats())
                .unwrap_or_default(),
        }
    }
}
