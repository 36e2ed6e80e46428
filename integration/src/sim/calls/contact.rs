//! Calls to virtual users (call centres, route points) for the contact-centre model: the
//! caller's leg alone while the call waits in a queue, then a leg for whoever it is delivered
//! to. The queue's own leg is the contact model's (it is not a user's call).

use super::{go_off_hook, CallModel, Emit, Leg, LegState, Personality};

impl CallModel {
    /// `from` dials the virtual user `to`: HookStatus Off-Hook and CallOriginated (Alerting)
    /// to `from`; nobody is rung yet.
    pub(crate) fn call_virtual(&mut self, from: &str, to: &str, now: u64) -> (u64, Vec<Emit>) {
        let n = self.new_call_number();
        let a = Leg::new(from, self.new_half(), n, Personality::Originator, to, now);
        let mut emits = Vec::new();
        go_off_hook(&mut self.off_hook, from, &mut emits);
        emits.push(self.call_event("CallOriginatedEvent", &a));
        self.calls.insert(n, super::Call { legs: vec![a] });
        (n, emits)
    }

    /// A fresh call-half number, for the leg a queue keeps of a call.
    pub(crate) fn queue_half(&mut self) -> u64 {
        self.new_half()
    }

    /// Call `n` rings `to` (CallReceived, Alerting), from its caller; `redirected_by` is the
    /// virtual user that sent it there and why.
    pub(crate) fn deliver_to(
        &mut self,
        n: u64,
        to: &str,
        redirected_by: Option<(&str, &'static str)>,
        now: u64,
    ) -> Vec<Emit> {
        let Some(caller) = self.caller_of(n) else {
            return Vec::new();
        };
        let mut leg = Leg::new(
            to,
            self.new_half(),
            n,
            Personality::Terminator,
            &caller,
            now,
        );
        leg.redirection = redirected_by.map(|(by, reason)| (by.to_string(), reason));
        let emits = vec![self.call_event("CallReceivedEvent", &leg)];
        if let Some(call) = self.calls.get_mut(&n) {
            call.legs.push(leg);
        }
        emits
    }

    /// `dn` stops being rung by call `n` (its alerting leg goes, the call stays).
    pub(crate) fn withdraw(&mut self, n: u64, dn: &str, now: u64) -> Vec<Emit> {
        let Some(call) = self.calls.get_mut(&n) else {
            return Vec::new();
        };
        let Some(i) = call
            .legs
            .iter()
            .position(|l| l.dn == dn && l.state == LegState::Alerting)
        else {
            return Vec::new();
        };
        let mut leg = call.legs.remove(i);
        leg.release("localRelease", now);
        vec![self.call_event("CallReleasedEvent", &leg)]
    }

    /// The DN of call `n`'s originator.
    pub(crate) fn caller_of(&self, n: u64) -> Option<String> {
        self.calls
            .get(&n)?
            .legs
            .iter()
            .find_map(|l| (l.personality == Personality::Originator).then(|| l.dn.clone()))
    }

    /// The state of `dn`'s leg in call `n`.
    pub(crate) fn leg_state(&self, n: u64, dn: &str) -> Option<LegState> {
        self.calls
            .get(&n)?
            .legs
            .iter()
            .find(|l| l.dn == dn)
            .map(|l| l.state)
    }
}
