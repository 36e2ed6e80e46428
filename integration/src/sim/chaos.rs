//! What a soak run needs of the simulator beyond the tests' API: the faults it injects at
//! random (heartbeats refused, acknowledgements lost, late re-sends, subscriptions terminated by
//! BroadWorks, an Application Server failover for many users), and the simulator's own record
//! of what happened: the journal of every event it emitted with the facts of its call (see
//! `journal`), and its live calls. The call operations ([`Simulator::answer`] …) say whether
//! they still applied.

use std::time::Duration;

use super::hub::Hub;
use super::Simulator;

pub use super::calls::record::{LiveCalls, LiveLeg};
pub use super::journal::{Emitted, Fact, Record};

impl Simulator {
    /// The next `count` heartbeats to XSP `xsp` are answered `status` (with an ErrorInfo
    /// body) instead of being handled.
    pub fn fail_heartbeats(&self, xsp: usize, status: u16, count: u32) {
        self.hub.op_fail_heartbeats(xsp, status, count);
    }

    /// The next `count` EventResponses to XSP `xsp` are answered 200 but never applied, as if
    /// they had not reached BroadWorks: their events are re-sent after the acknowledgement
    /// timeout.
    pub fn lose_acks(&self, xsp: usize, count: u32) {
        self.hub.op_lose_acks(xsp, count);
    }

    /// Unacknowledged events are re-sent `timeout` after they were sent, from now on (the
    /// configured `ack_timeout` until changed).
    pub fn set_ack_timeout(&self, timeout: Duration) {
        self.hub.op_set_ack_timeout(timeout);
    }

    /// BroadWorks terminates every active subscription of each of `dns` on its own
    /// (SubscriptionTerminatedEvent); returns how many.
    pub fn terminate_subscriptions(&self, dns: &[&str]) -> usize {
        self.hub.op_terminate_subscriptions(dns)
    }

    /// An Application Server failover for each of `dns` (see [`Simulator::as_failover`]).
    pub fn as_failover_many(&self, dns: &[&str]) {
        for dn in dns {
            self.hub.op_as_failover(dn);
        }
    }

    /// From now on every event emitted and every subscription created or ended is recorded
    /// (see [`Simulator::take_journal`]).
    pub fn start_journal(&self) {
        self.hub.state.lock().start_journal();
    }

    /// The records since the last call, oldest first.
    pub fn take_journal(&self) -> Vec<Record> {
        self.hub.state.lock().take_journal()
    }

    /// Every leg of every live call, and the conferences.
    pub fn live_calls(&self) -> LiveCalls {
        self.hub.state.lock().calls.live()
    }

    /// Active subscriptions (cheaper than [`Simulator::stats`]).
    pub fn active_subscriptions(&self) -> usize {
        self.hub.state.lock().active_subscriptions()
    }

    /// Events sent and not acknowledged yet.
    pub fn unacked(&self) -> usize {
        self.hub.state.lock().unacked_len()
    }
}

impl Hub {
    pub(crate) fn op_fail_heartbeats(&self, xsp: usize, status: u16, count: u32) {
        self.log(|| format!("fault: next {count} heartbeats on xsp {xsp} get {status}"));
        self.state.lock().fail_heartbeats(xsp, status, count);
    }

    pub(crate) fn op_lose_acks(&self, xsp: usize, count: u32) {
        self.log(|| format!("fault: next {count} acknowledgements on xsp {xsp} lost"));
        self.state.lock().lose_acks(xsp, count);
    }

    pub(crate) fn op_set_ack_timeout(&self, timeout: Duration) {
        self.log(|| format!("acknowledgement timeout {timeout:?}"));
        self.state.lock().set_ack_timeout(timeout);
    }

    pub(crate) fn op_terminate_subscriptions(&self, dns: &[&str]) -> usize {
        self.log(|| {
            format!(
                "fault: subscriptions of {} users terminated by BroadWorks",
                dns.len()
            )
        });
        let mut st = self.state.lock();
        dns.iter().map(|dn| st.terminate_subscriptions_of(dn)).sum()
    }
}
