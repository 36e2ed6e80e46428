//! The grace period of a device nobody monitors any more.
//!
//! When a T-Server reconnects, its sessions close and every monitor ends,
//! and a moment later it starts them all again. Deleting each subscription
//! at once and creating it again would cost two requests per device in the
//! middle of a storm. So the last monitor's end keeps the device and its
//! subscriptions for [`GRACE`] (or until a refresh of them is due, whichever
//! comes first: nobody is worth a refresh): a MonitorStart within it adopts
//! them and is answered at once. Meanwhile the device's events are
//! acknowledged, kept in order and applied to the call and queue models, so
//! that they are right when the device is adopted, but sent to nobody (and
//! counted, `events_unowned`). When the grace ends the subscriptions are
//! deleted as before; at shutdown they are deleted with every other one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Ctx, State, Sub};

/// How long an unmonitored device keeps its subscriptions.
pub const GRACE: Duration = crate::translate::fanout::UNMONITORED_GRACE;

impl State {
    /// The last monitor of `user` (which has subscriptions) ended at `now`.
    pub(in crate::dispatcher) fn start_grace(&mut self, user: &str, now: Instant) {
        let key = self.devices.user_key(user);
        let Some(device) = self.devices.map.get_mut(user) else {
            return;
        };
        if device.idle_until.is_none() {
            self.devices.idle_devices += 1;
        }
        let until = now + GRACE;
        device.idle_until = Some(until);
        self.devices.idle.push_back((until, key));
        log::debug!(
            "{user}: no longer monitored; its subscriptions are kept for {} s",
            GRACE.as_secs()
        );
    }

    /// Ends the grace of the devices whose time is up.
    pub(in crate::dispatcher) fn grace_due(&mut self, ctx: &Ctx, now: Instant) {
        while let Some((until, _)) = self.devices.idle.front() {
            if *until > now {
                break;
            }
            let Some((until, user)) = self.devices.idle.pop_front() else {
                break;
            };
            let current = self
                .devices
                .map
                .get(&user)
                .is_some_and(|d| d.idle_until == Some(until));
            if current {
                self.end_grace(ctx, &user);
            }
        }
    }

    /// Deletes the subscriptions of unmonitored `user` and forgets it.
    pub(in crate::dispatcher) fn end_grace(&mut self, ctx: &Ctx, user: &str) {
        let Some(device) = self.devices.map.get_mut(user) else {
            return;
        };
        if !device.monitors.is_empty() || device.idle_until.take().is_none() {
            return;
        }
        self.devices.idle_devices -= 1;
        let mut deleted: Vec<Arc<str>> = Vec::new();
        device.subs.retain(|slot| match &slot.state {
            Sub::Active { id, .. } => {
                deleted.push(id.clone());
                false
            }
            Sub::Creating => true,
        });
        self.devices.active -= deleted.len();
        if device.subs.is_empty() {
            self.devices.take(user);
        }
        log::debug!(
            "{user}: not monitored again in time; deleting its {} subscription(s)",
            deleted.len()
        );
        self.translator.forget_user(user);
        for subscription_id in deleted {
            self.delete_subscription(ctx, subscription_id);
        }
    }
}
