//! The operations of the call model that move a party to another call or join calls: blind
//! transfer (a deflection while ringing), consultation transfer and the three-way conference.
//! Each returns the events it causes; none when it does not apply.

use super::{
    conference_data, event_data, record, render_call, CallModel, Emit, Leg, LegState, Personality,
};

impl CallModel {
    /// `by` blind-transfers call `n` to `to` (a deflection when `by`'s leg is still ringing).
    pub(crate) fn blind_transfer(&mut self, n: u64, by: &str, to: &str, now: u64) -> Vec<Emit> {
        let mut emits = Vec::new();
        let Some(mut call) = self.calls.remove(&n) else {
            return emits;
        };
        let Some(i) = call.legs.iter().position(|l| l.dn == by) else {
            self.calls.insert(n, call);
            return emits;
        };
        let mut gone = call.legs.remove(i);
        let reason = if gone.state == LegState::Alerting {
            "deflection"
        } else {
            "transfer"
        };
        gone.state = LegState::Detached;
        gone.allow_answer = false;
        gone.redirect = Some((to.to_string(), reason, now));
        emits.push(Emit {
            dn: gone.dn.clone(),
            data: event_data("CallRedirectedEvent", |o| {
                o.push_str("<xsi:calls>");
                render_call(o, &gone, &self.domain);
                o.push_str("</xsi:calls>");
            }),
        });
        if let Some(e) = emits.last() {
            self.notes.note(&e.data, || record::redirected_fact(&gone));
        }
        gone.release("localRelease", now);
        emits.push(self.call_event("CallReleasedEvent", &gone));
        let mut transferred = gone.remote.clone();
        for (k, leg) in call.legs.iter_mut().enumerate() {
            leg.remote = to.to_string();
            leg.state = LegState::Alerting;
            leg.held = None;
            if k == 0 {
                transferred = leg.dn.clone();
            }
        }
        for leg in &call.legs {
            emits.push(self.call_event("CallTransferredEvent", leg));
        }
        let mut target = Leg::new(
            to,
            self.new_half(),
            n,
            Personality::Terminator,
            &transferred,
            now,
        );
        target.redirection = Some((by.to_string(), reason));
        emits.push(self.call_event("CallReceivedEvent", &target));
        call.legs.push(target);
        self.calls.insert(n, call);
        self.prune_conferences(&[gone.half], &mut emits);
        self.on_hook_if_idle(&[by.to_string()], &mut emits);
        emits
    }

    /// `by`, in both calls, joins the other party of `held` with the other party of `active`.
    pub(crate) fn consult_transfer(
        &mut self,
        held: u64,
        active: u64,
        by: &str,
        now: u64,
    ) -> Vec<Emit> {
        let mut emits = Vec::new();
        let ok = held != active
            && [held, active].iter().all(|n| {
                self.calls.get(n).is_some_and(|c| {
                    c.legs.iter().any(|l| l.dn == by) && c.legs.iter().any(|l| l.dn != by)
                })
            });
        if !ok {
            return emits;
        }
        let (Some(mut h), Some(mut a)) = (self.calls.remove(&held), self.calls.remove(&active))
        else {
            return emits;
        };
        let hb = h.legs.iter().position(|l| l.dn == by).unwrap_or(0);
        let mut by_held = h.legs.remove(hb);
        let ab = a.legs.iter().position(|l| l.dn == by).unwrap_or(0);
        let mut by_active = a.legs.remove(ab);
        let (x, y) = (&mut h.legs[0], &mut a.legs[0]);
        x.remote = y.dn.clone();
        x.ext = active;
        x.held = None;
        x.state = if y.state == LegState::Alerting {
            LegState::Alerting
        } else {
            LegState::Active
        };
        y.remote = x.dn.clone();
        if y.state == LegState::RemoteHeld {
            y.state = LegState::Active;
            y.held = None;
        }
        emits.push(self.call_event("CallTransferredEvent", &h.legs[0]));
        emits.push(self.call_event("CallTransferredEvent", &a.legs[0]));
        by_held.release("localRelease", now);
        by_active.release("localRelease", now);
        emits.push(self.call_event("CallReleasedEvent", &by_held));
        emits.push(self.call_event("CallReleasedEvent", &by_active));
        a.legs.insert(0, h.legs.remove(0));
        // Any further parties of the held call would be orphans of a two-party model; drop them.
        self.calls.insert(active, a);
        self.prune_conferences(&[by_held.half, by_active.half], &mut emits);
        self.on_hook_if_idle(&[by.to_string()], &mut emits);
        emits
    }

    /// `by`, in both calls, joins them into a three-way conference.
    pub(crate) fn conference(&mut self, a: u64, b: u64, by: &str) -> Vec<Emit> {
        let mut halves = Vec::new();
        for n in [a, b] {
            let Some(call) = self.calls.get_mut(&n) else {
                return Vec::new();
            };
            let Some(leg) = call.legs.iter().find(|l| l.dn == by) else {
                return Vec::new();
            };
            halves.push(leg.half);
        }
        if a == b {
            return Vec::new();
        }
        // The controller's legs are talking again; the digest reports no per-call event here.
        for n in [a, b] {
            if let Some(call) = self.calls.get_mut(&n) {
                for leg in &mut call.legs {
                    if matches!(leg.state, LegState::Held | LegState::RemoteHeld) {
                        leg.state = LegState::Active;
                        leg.held = None;
                    }
                }
            }
        }
        let data = conference_data("ConferenceStartedEvent", "Active", &halves);
        self.notes.note(&data, || {
            record::conference_fact("ConferenceStartedEvent", &halves)
        });
        self.conferences.insert(by.to_string(), halves);
        vec![Emit {
            dn: by.to_string(),
            data,
        }]
    }
}
