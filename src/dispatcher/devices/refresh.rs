//! Subscription refreshes: each at half its granted lifetime, looked at
//! only when one is due; a failed one is tried again later. A device in its
//! grace period is not refreshed: its grace ends instead.

use std::time::{Duration, Instant};

use super::super::jobs::Lane;
use super::{Ctx, Slot, State, Sub};
use crate::event::ClientId;
use crate::xsi::subscriber::Job;

/// A failed refresh is tried again after this long.
pub(super) const REFRESH_RETRY: Duration = Duration::from_secs(30);
/// Refreshes due this much later are made with those due now, so that the
/// devices are looked at about once a second while refreshes are due, not
/// at every tick.
const REFRESH_SLACK: Duration = Duration::from_secs(1);

/// Refresh at half the granted lifetime, at least a second from now.
pub(super) fn refresh_at(expires: Duration) -> Instant {
    Instant::now() + (expires / 2).max(Duration::from_secs(1))
}

impl State {
    /// A refresh finished: the next one is due at `next`.
    pub(in crate::dispatcher) fn refresh_done(
        &mut self,
        user: &str,
        subscription_id: &str,
        next: Instant,
    ) {
        self.devices.refresh_due_at(next);
        let slot = self
            .devices
            .map
            .get_mut(user)
            .and_then(|d| d.slot_with_id(subscription_id));
        if let Some(Slot {
            state:
                Sub::Active {
                    refresh_at,
                    refreshing,
                    ..
                },
            ..
        }) = slot
        {
            *refresh_at = next;
            *refreshing = false;
        }
    }

    pub(in crate::dispatcher) fn refresh_due(&mut self, ctx: &Ctx, now: Instant) {
        if self.devices.next_refresh.is_none_or(|next| now < next) {
            return;
        }
        let horizon = now + REFRESH_SLACK;
        let mut next: Option<Instant> = None;
        let mut due = Vec::new();
        let mut idle_due = Vec::new();
        for (user, device) in &mut self.devices.map {
            let idle = device.is_idle();
            for slot in device.subs.as_mut_slice() {
                let Sub::Active {
                    id,
                    refresh_at,
                    refreshing,
                } = &mut slot.state
                else {
                    continue;
                };
                if *refreshing {
                    continue;
                }
                if *refresh_at <= horizon && idle {
                    // Not refreshed for nobody: its grace ends now.
                    idle_due.push(user.clone());
                    break;
                }
                if *refresh_at <= horizon {
                    *refreshing = true;
                    due.push(Job::Refresh {
                        user: user.clone(),
                        subscription_id: id.clone(),
                    });
                } else if next.is_none_or(|n| *refresh_at < n) {
                    next = Some(*refresh_at);
                }
            }
        }
        self.devices.next_refresh = next;
        for job in due {
            self.queue_job(Lane::Upkeep, job);
        }
        for user in idle_due {
            self.end_grace(ctx, &user);
        }
    }

    /// Asks for a refresh of the device's first subscription now
    /// (SnapshotDevice resynchronisation for `id`); false when the device is
    /// not ready.
    pub(in crate::dispatcher) fn refresh_now(&mut self, id: ClientId, user: &str) -> bool {
        let key = self.devices.user_key(user);
        let Some(device) = self.devices.map.get_mut(user).filter(|d| d.ready()) else {
            return false;
        };
        if let Some(Slot {
            state:
                Sub::Active {
                    id: sub_id,
                    refreshing,
                    ..
                },
            ..
        }) = device.subs.as_mut_slice().first_mut()
        {
            if !*refreshing {
                *refreshing = true;
                let job = Job::Refresh {
                    user: key,
                    subscription_id: sub_id.clone(),
                };
                self.queue_job(Lane::Client(id), job);
            }
        }
        true
    }
}
