//! Monitored devices and their BroadWorks subscriptions.
//!
//! A device (a BroadWorks user) has one subscription however many sessions
//! monitor it; the subscription is created by the first MonitorStart,
//! refreshed at half its lifetime, recreated when BroadWorks drops it, and
//! deleted when the last monitor stops. MonitorStart is answered once the
//! subscription exists (or with an error when it cannot be created).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Ctx, State};
use crate::csta::build::{self, ErrorCategory};
use crate::csta::frame::InvokeId;
use crate::csta::parse::MonitorFilter;
use crate::event::{ClientId, SubscriptionError, SubscriptionResult};
use crate::xsi::subscriber::Job;

use super::sessions::Monitor;

#[derive(Default)]
pub struct Devices {
    /// user id → device.
    map: HashMap<String, Device>,
    next_cross_ref: u64,
}

pub struct Device {
    /// (session, monitorCrossRefID) of every monitor on this user.
    pub monitors: Vec<(ClientId, String)>,
    sub: Sub,
}

enum Sub {
    /// Creation in flight; MonitorStarts waiting for its outcome.
    Creating { waiters: Vec<Waiter> },
    Active {
        id: String,
        refresh_at: Instant,
        refreshing: bool,
    },
}

struct Waiter {
    client: ClientId,
    invoke_id: InvokeId,
    cross_ref: String,
}

impl Devices {
    pub fn active_subscriptions(&self) -> usize {
        self.map
            .values()
            .filter(|d| matches!(d.sub, Sub::Active { .. }))
            .count()
    }

    pub fn get(&self, user: &str) -> Option<&Device> {
        self.map.get(user)
    }

    pub fn subscription_id(&self, user: &str) -> Option<&str> {
        match &self.map.get(user)?.sub {
            Sub::Active { id, .. } => Some(id),
            Sub::Creating { .. } => None,
        }
    }

    /// Removes and returns the pending MonitorStart of (client, xref), if
    /// that monitor has not been answered yet.
    pub fn take_waiter(&mut self, user: &str, client: ClientId, xref: &str) -> Option<InvokeId> {
        match &mut self.map.get_mut(user)?.sub {
            Sub::Creating { waiters } => {
                let pos = waiters
                    .iter()
                    .position(|w| w.client == client && w.cross_ref == xref)?;
                Some(waiters.remove(pos).invoke_id)
            }
            Sub::Active { .. } => None,
        }
    }

    fn next_cross_ref(&mut self) -> String {
        self.next_cross_ref += 1;
        self.next_cross_ref.to_string()
    }
}

/// `2001` → `2001@<default_domain>`; ids with `@` are used as they are.
pub fn user_for(device: &str, default_domain: Option<&str>) -> String {
    match default_domain {
        Some(domain) if !device.contains('@') => format!("{device}@{domain}"),
        _ => device.to_owned(),
    }
}

/// A failed refresh is tried again after this long.
const REFRESH_RETRY: Duration = Duration::from_secs(30);

/// Refresh at half the granted lifetime, at least a second from now.
fn refresh_at(expires: Duration) -> Instant {
    Instant::now() + (expires / 2).max(Duration::from_secs(1))
}

impl State {
    pub(super) fn monitor_start(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        device: String,
        filter: MonitorFilter,
    ) {
        let ns = self.ns(ctx, id);
        let device = device.trim().to_owned();
        if device.is_empty() {
            let xml = build::error_code(ns, ErrorCategory::Operation, "invalidDeviceID");
            self.respond(ctx, id, invoke_id, &xml);
            return;
        }
        let user = user_for(&device, ctx.cfg.default_domain.as_deref());
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        if let Some(existing) = session.by_user.get(&user).cloned() {
            // Monitoring the same device twice returns the same id — but only
            // once the first MonitorStart has been answered.
            if self.devices.subscription_id(&user).is_some() {
                let xml = build::monitor_start_response(ns, &existing);
                self.respond(ctx, id, invoke_id, &xml);
            } else if let Some(Device {
                sub: Sub::Creating { waiters },
                ..
            }) = self.devices.map.get_mut(&user)
            {
                waiters.push(Waiter {
                    client: id,
                    invoke_id,
                    cross_ref: existing,
                });
            }
            return;
        }
        let cross_ref = self.devices.next_cross_ref();
        let peer = session.peer;
        session.by_user.insert(user.clone(), cross_ref.clone());
        session.monitors.insert(
            cross_ref.clone(),
            Monitor {
                user: user.clone(),
                device: device.clone(),
                filter,
            },
        );
        log::info!("{id} ({peer}) monitors {device} as {user}, monitorCrossRefID {cross_ref}");
        let waiter = Waiter {
            client: id,
            invoke_id,
            cross_ref: cross_ref.clone(),
        };
        match self.devices.map.get_mut(&user) {
            Some(d) => {
                d.monitors.push((id, cross_ref.clone()));
                match &mut d.sub {
                    Sub::Creating { waiters } => waiters.push(waiter),
                    Sub::Active { .. } => {
                        let xml = build::monitor_start_response(ns, &cross_ref);
                        self.respond(ctx, id, invoke_id, &xml);
                    }
                }
            }
            None => {
                self.devices.map.insert(
                    user.clone(),
                    Device {
                        monitors: vec![(id, cross_ref)],
                        sub: Sub::Creating {
                            waiters: vec![waiter],
                        },
                    },
                );
                ctx.known.begin_create(&user);
                self.queue_job(ctx, Job::Create { user });
            }
        }
    }

    pub(super) fn monitor_stop(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        xref: &str,
    ) {
        let ns = self.ns(ctx, id);
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        let Some(monitor) = session.monitors.remove(xref) else {
            log::info!(
                "{id} ({}): MonitorStop of unknown monitorCrossRefID {xref}",
                session.peer
            );
            let xml = build::error_code(ns, ErrorCategory::Operation, "invalidMonitorCrossRefID");
            self.respond(ctx, id, invoke_id, &xml);
            return;
        };
        session.by_user.remove(&monitor.user);
        log::info!(
            "{id} ({}) stops monitoring {} ({xref})",
            session.peer,
            monitor.device
        );
        self.release_monitor(ctx, id, xref, &monitor.user);
        self.respond(ctx, id, invoke_id, &build::monitor_stop_response(ns));
    }

    /// Takes one monitor off a device; the last one deletes the subscription.
    pub(super) fn release_monitor(&mut self, ctx: &Ctx, id: ClientId, xref: &str, user: &str) {
        let Some(device) = self.devices.map.get_mut(user) else {
            return;
        };
        device.monitors.retain(|(c, x)| !(*c == id && x == xref));
        if let Sub::Creating { waiters } = &mut device.sub {
            waiters.retain(|w| !(w.client == id && w.cross_ref == xref));
        }
        if !device.monitors.is_empty() {
            return;
        }
        match &device.sub {
            Sub::Active { id: sub_id, .. } => {
                let sub_id = sub_id.clone();
                ctx.known.forget(&sub_id);
                self.translator.forget_subscription(&sub_id);
                self.devices.map.remove(user);
                self.translator.forget_user(user);
                self.queue_job(
                    ctx,
                    Job::Delete {
                        subscription_id: sub_id,
                    },
                );
            }
            // Deleted when the creation reports back with nobody waiting.
            Sub::Creating { .. } => {}
        }
    }

    pub(super) fn on_subscription(&mut self, ctx: &Ctx, result: SubscriptionResult) {
        match result {
            SubscriptionResult::Created {
                user,
                subscription_id,
                expires,
            } => self.subscription_created(ctx, user, subscription_id, expires),
            SubscriptionResult::Failed { user, error } => {
                self.subscription_failed(ctx, user, error)
            }
            SubscriptionResult::Refreshed {
                user,
                subscription_id,
                expires,
            } => self.refresh_done(&user, &subscription_id, refresh_at(expires)),
            SubscriptionResult::RefreshFailed {
                user,
                subscription_id,
            } => self.refresh_done(&user, &subscription_id, Instant::now() + REFRESH_RETRY),
            SubscriptionResult::Gone {
                user,
                subscription_id,
            } => self.subscription_gone(ctx, &user, &subscription_id, "unknown to the XSP"),
            // The worker logged it; nothing is left to update.
            SubscriptionResult::Deleted { .. } => {}
        }
    }

    /// A refresh finished: the next one is due at `next`.
    fn refresh_done(&mut self, user: &str, subscription_id: &str, next: Instant) {
        if let Some(Device {
            sub:
                Sub::Active {
                    id,
                    refresh_at,
                    refreshing,
                },
            ..
        }) = self.devices.map.get_mut(user)
        {
            if id == subscription_id {
                *refresh_at = next;
                *refreshing = false;
            }
        }
    }

    fn subscription_created(&mut self, ctx: &Ctx, user: String, sub_id: String, expires: Duration) {
        ctx.known.end_create(&user, Some(&sub_id));
        let Some(device) = self.devices.map.get_mut(&user) else {
            return;
        };
        let waiters = match &mut device.sub {
            Sub::Creating { waiters } => std::mem::take(waiters),
            Sub::Active { .. } => Vec::new(),
        };
        if device.monitors.is_empty() {
            // Every monitor stopped while the creation was in flight.
            ctx.known.forget(&sub_id);
            self.devices.map.remove(&user);
            self.queue_job(
                ctx,
                Job::Delete {
                    subscription_id: sub_id,
                },
            );
            return;
        }
        log::info!(
            "subscription {sub_id} for {user} active ({}s)",
            expires.as_secs()
        );
        device.sub = Sub::Active {
            id: sub_id,
            refresh_at: refresh_at(expires),
            refreshing: false,
        };
        for w in waiters {
            let ns = self.ns(ctx, w.client);
            let xml = build::monitor_start_response(ns, &w.cross_ref);
            self.respond(ctx, w.client, w.invoke_id, &xml);
        }
    }

    fn subscription_failed(&mut self, ctx: &Ctx, user: String, error: SubscriptionError) {
        ctx.known.end_create(&user, None);
        let Some(device) = self.devices.map.remove(&user) else {
            return;
        };
        log::warn!("cannot subscribe to {user}: {error}");
        let (category, value) = match error {
            SubscriptionError::Rejected { .. } => (ErrorCategory::Operation, "invalidDeviceID"),
            SubscriptionError::Unavailable { .. } => (
                ErrorCategory::SystemResourceAvailability,
                "resourceOutOfService",
            ),
        };
        let waiting: Vec<(ClientId, InvokeId)> = match &device.sub {
            Sub::Creating { waiters } => waiters.iter().map(|w| (w.client, w.invoke_id)).collect(),
            Sub::Active { .. } => Vec::new(),
        };
        self.translator.forget_user(&user);
        for (client, xref) in &device.monitors {
            if let Some(s) = self.sessions.get_mut(*client) {
                s.monitors.remove(xref);
                s.by_user.remove(&user);
            }
            // A monitor that was already answered (its subscription is being
            // recreated) ends with a server-initiated MonitorStop, so the
            // client knows to start it again.
            let answered = !waiting.iter().any(|(c, _)| c == client);
            if answered {
                log::warn!("{client}: monitor {xref} on {user} ended: its subscription is gone");
                let ns = self.ns(ctx, *client);
                self.sessions
                    .send_request(*client, &build::monitor_stop(ns, xref));
            }
        }
        for (client, invoke_id) in waiting {
            let ns = self.ns(ctx, client);
            self.respond(
                ctx,
                client,
                invoke_id,
                &build::error_code(ns, category, value),
            );
        }
    }

    /// BroadWorks dropped a subscription we still need: make a new one.
    pub(super) fn subscription_gone(&mut self, ctx: &Ctx, user: &str, sub_id: &str, why: &str) {
        let Some(device) = self.devices.map.get_mut(user) else {
            return;
        };
        match &device.sub {
            Sub::Active { id, .. } if id == sub_id => {}
            _ => return,
        }
        log::warn!("subscription {sub_id} for {user} ended ({why}); creating a new one");
        ctx.known.forget(sub_id);
        self.translator.forget_subscription(sub_id);
        device.sub = Sub::Creating {
            waiters: Vec::new(),
        };
        ctx.known.begin_create(user);
        self.queue_job(
            ctx,
            Job::Create {
                user: user.to_owned(),
            },
        );
    }

    pub(super) fn refresh_due(&mut self, ctx: &Ctx, now: Instant) {
        let mut due = Vec::new();
        for (user, device) in &mut self.devices.map {
            if let Sub::Active {
                id,
                refresh_at,
                refreshing,
            } = &mut device.sub
            {
                if !*refreshing && *refresh_at <= now {
                    *refreshing = true;
                    due.push(Job::Refresh {
                        user: user.clone(),
                        subscription_id: id.clone(),
                    });
                }
            }
        }
        for job in due {
            self.queue_job(ctx, job);
        }
    }

    /// Asks for a refresh now (SnapshotDevice resynchronisation).
    pub(super) fn refresh_now(&mut self, ctx: &Ctx, user: &str) -> bool {
        let Some(Device {
            sub: Sub::Active { id, refreshing, .. },
            ..
        }) = self.devices.map.get_mut(user)
        else {
            return false;
        };
        if !*refreshing {
            *refreshing = true;
            let job = Job::Refresh {
                user: user.to_owned(),
                subscription_id: id.clone(),
            };
            self.queue_job(ctx, job);
        }
        true
    }

    fn queue_job(&self, ctx: &Ctx, job: Job) {
        // Unbounded queue: the dispatcher must never wait for HTTP workers.
        if ctx.jobs.send(job).is_err() {
            log::error!("subscription workers are gone; job dropped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_mapping() {
        let cases = [
            ("2001", Some("example.net"), "2001@example.net"),
            ("2001@other.org", Some("example.net"), "2001@other.org"),
            ("2001", None, "2001"),
            ("+15551234", Some("d"), "+15551234@d"),
        ];
        for (device, domain, want) in cases {
            assert_eq!(user_for(device, domain), want, "{device}");
        }
    }
}
