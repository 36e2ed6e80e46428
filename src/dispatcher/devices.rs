//! Monitored devices and their BroadWorks subscriptions.
//!
//! A device (a BroadWorks user) has the subscriptions of its kind (SPEC §6:
//! `xsi.event_package` for a user, that and `Call Center Agent` for an
//! agent, `Call Center Queue` for a call centre, `Route Point Queue` for a
//! route point), however many sessions monitor it. They are created by the
//! first MonitorStart, each refreshed at half its lifetime, recreated when
//! BroadWorks drops it, and all deleted when the last monitor stops.
//! MonitorStart is answered once every subscription of the device exists
//! (or with an error as soon as one cannot be created; the others are then
//! deleted).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Ctx, State};
use crate::csta::build::{self, ErrorCategory};
use crate::csta::frame::InvokeId;
use crate::csta::parse::MonitorFilter;
use crate::event::{ClientId, SubscriptionError, SubscriptionResult};
use crate::xsi::packages::DeviceKind;
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
    pub kind: DeviceKind,
    /// One per package of the kind, in [`DeviceKind::packages`] order (a
    /// package whose creation came back after the last monitor stopped is
    /// gone already).
    subs: Vec<Slot>,
    /// MonitorStarts waiting for every subscription of the device.
    waiters: Vec<Waiter>,
}

struct Slot {
    package: String,
    state: Sub,
}

enum Sub {
    /// Creation in flight.
    Creating,
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

impl Device {
    /// Every subscription of the device exists.
    fn ready(&self) -> bool {
        !self.subs.is_empty()
            && self
                .subs
                .iter()
                .all(|s| matches!(s.state, Sub::Active { .. }))
    }

    fn slot_with_id(&mut self, sub_id: &str) -> Option<&mut Slot> {
        self.subs
            .iter_mut()
            .find(|s| matches!(&s.state, Sub::Active { id, .. } if id == sub_id))
    }

    fn creating(&self, package: &str) -> Option<usize> {
        self.subs
            .iter()
            .position(|s| s.package == package && matches!(s.state, Sub::Creating))
    }
}

impl Devices {
    pub fn active_subscriptions(&self) -> usize {
        self.map
            .values()
            .flat_map(|d| &d.subs)
            .filter(|s| matches!(s.state, Sub::Active { .. }))
            .count()
    }

    pub fn get(&self, user: &str) -> Option<&Device> {
        self.map.get(user)
    }

    /// The device's subscriptions all exist (its monitors were answered).
    pub fn is_ready(&self, user: &str) -> bool {
        self.map.get(user).is_some_and(Device::ready)
    }

    /// The kind of a device someone monitors.
    pub fn kind(&self, user: &str) -> Option<DeviceKind> {
        self.map.get(user).map(|d| d.kind)
    }

    /// Removes and returns the pending MonitorStart of (client, xref), if
    /// that monitor has not been answered yet.
    pub fn take_waiter(&mut self, user: &str, client: ClientId, xref: &str) -> Option<InvokeId> {
        let waiters = &mut self.map.get_mut(user)?.waiters;
        let pos = waiters
            .iter()
            .position(|w| w.client == client && w.cross_ref == xref)?;
        Some(waiters.remove(pos).invoke_id)
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
            if self.devices.is_ready(&user) {
                let xml = build::monitor_start_response(ns, &existing);
                self.respond(ctx, id, invoke_id, &xml);
            } else if let Some(d) = self.devices.map.get_mut(&user) {
                d.waiters.push(Waiter {
                    client: id,
                    invoke_id,
                    cross_ref: existing,
                });
            }
            return;
        }
        let kind = ctx.cfg.devices.kind_of(&device, &user);
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
        log::info!(
            "{id} ({peer}) monitors {device} as {user} ({}), monitorCrossRefID {cross_ref}",
            kind.label()
        );
        let d = self
            .devices
            .map
            .entry(user.clone())
            .or_insert_with(|| Device {
                monitors: Vec::new(),
                kind,
                subs: Vec::new(),
                waiters: Vec::new(),
            });
        d.monitors.push((id, cross_ref.clone()));
        if d.ready() {
            let xml = build::monitor_start_response(ns, &cross_ref);
            self.respond(ctx, id, invoke_id, &xml);
            return;
        }
        d.waiters.push(Waiter {
            client: id,
            invoke_id,
            cross_ref,
        });
        self.ensure_subscriptions(ctx, &user);
    }

    /// Starts the creation of every subscription `user`'s kind needs that
    /// neither exists nor is being created.
    fn ensure_subscriptions(&mut self, ctx: &Ctx, user: &str) {
        let Some(d) = self.devices.map.get_mut(user) else {
            return;
        };
        let mut jobs = Vec::new();
        for package in d.kind.packages(&ctx.cfg.event_package) {
            if d.subs.iter().any(|s| s.package == package) {
                continue;
            }
            d.subs.push(Slot {
                package: package.clone(),
                state: Sub::Creating,
            });
            ctx.known.begin_create(user);
            jobs.push(Job::Create {
                user: user.to_owned(),
                package,
            });
        }
        // Keep the packages' order: the first one resynchronises snapshots.
        let order = d.kind.packages(&ctx.cfg.event_package);
        d.subs
            .sort_by_key(|s| order.iter().position(|p| *p == s.package));
        for job in jobs {
            self.queue_job(ctx, job);
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

    /// Takes one monitor off a device; the last one deletes its
    /// subscriptions (those still being created are deleted when their
    /// creation reports back).
    pub(super) fn release_monitor(&mut self, ctx: &Ctx, id: ClientId, xref: &str, user: &str) {
        let Some(device) = self.devices.map.get_mut(user) else {
            return;
        };
        device.monitors.retain(|(c, x)| !(*c == id && x == xref));
        device
            .waiters
            .retain(|w| !(w.client == id && w.cross_ref == xref));
        if !device.monitors.is_empty() {
            return;
        }
        let mut deleted = Vec::new();
        device.subs.retain(|slot| match &slot.state {
            Sub::Active { id, .. } => {
                deleted.push(id.clone());
                false
            }
            Sub::Creating => true,
        });
        if device.subs.is_empty() {
            self.devices.map.remove(user);
        }
        self.translator.forget_user(user);
        self.route_point_unmonitored(ctx, user);
        for sub_id in deleted {
            self.delete_subscription(ctx, sub_id);
        }
    }

    /// Forgets a subscription and deletes it at the XSP.
    fn delete_subscription(&mut self, ctx: &Ctx, subscription_id: String) {
        ctx.known.forget(&subscription_id);
        self.translator.forget_subscription(&subscription_id);
        self.queue_job(ctx, Job::Delete { subscription_id });
    }

    pub(super) fn on_subscription(&mut self, ctx: &Ctx, result: SubscriptionResult) {
        match result {
            SubscriptionResult::Created {
                user,
                package,
                subscription_id,
                expires,
            } => self.subscription_created(ctx, &user, &package, subscription_id, expires),
            SubscriptionResult::Failed {
                user,
                package,
                error,
            } => self.subscription_failed(ctx, &user, &package, error),
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

    fn subscription_created(
        &mut self,
        ctx: &Ctx,
        user: &str,
        package: &str,
        sub_id: String,
        expires: Duration,
    ) {
        ctx.known.end_create(user, Some(&sub_id));
        let device = self.devices.map.get_mut(user);
        let Some((device, at)) = device.and_then(|d| d.creating(package).map(|at| (d, at))) else {
            // Nobody waits for it (the device failed, or a second creation
            // of the same package): not ours to keep.
            log::debug!("subscription {sub_id} for {user} ({package}) is not needed; deleting it");
            self.delete_subscription(ctx, sub_id);
            return;
        };
        if device.monitors.is_empty() {
            // Every monitor stopped while the creation was in flight.
            device.subs.remove(at);
            if device.subs.is_empty() {
                self.devices.map.remove(user);
            }
            self.delete_subscription(ctx, sub_id);
            return;
        }
        log::info!(
            "subscription {sub_id} for {user} ({package}) active ({}s)",
            expires.as_secs()
        );
        device.subs[at].state = Sub::Active {
            id: sub_id,
            refresh_at: refresh_at(expires),
            refreshing: false,
        };
        if !device.ready() {
            return;
        }
        for w in std::mem::take(&mut device.waiters) {
            let ns = self.ns(ctx, w.client);
            let xml = build::monitor_start_response(ns, &w.cross_ref);
            self.respond(ctx, w.client, w.invoke_id, &xml);
        }
    }

    fn subscription_failed(
        &mut self,
        ctx: &Ctx,
        user: &str,
        package: &str,
        error: SubscriptionError,
    ) {
        ctx.known.end_create(user, None);
        if self
            .devices
            .map
            .get(user)
            .and_then(|d| d.creating(package))
            .is_none()
        {
            return;
        }
        let Some(device) = self.devices.map.remove(user) else {
            return;
        };
        log::warn!("cannot subscribe to {user} ({package}): {error}");
        let (category, value) = match error {
            SubscriptionError::Rejected { .. } => (ErrorCategory::Operation, "invalidDeviceID"),
            SubscriptionError::Unavailable { .. } => (
                ErrorCategory::SystemResourceAvailability,
                "resourceOutOfService",
            ),
        };
        // The device's other subscriptions go with it; those still being
        // created are deleted when they report back.
        for slot in &device.subs {
            if let Sub::Active { id, .. } = &slot.state {
                self.delete_subscription(ctx, id.clone());
            }
        }
        let waiting: Vec<(ClientId, InvokeId)> = device
            .waiters
            .iter()
            .map(|w| (w.client, w.invoke_id))
            .collect();
        self.translator.forget_user(user);
        self.route_point_unmonitored(ctx, user);
        for (client, xref) in &device.monitors {
            if let Some(s) = self.sessions.get_mut(*client) {
                s.monitors.remove(xref);
                s.by_user.remove(user);
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
        let Some(slot) = self
            .devices
            .map
            .get_mut(user)
            .and_then(|d| d.slot_with_id(sub_id))
        else {
            return;
        };
        let package = slot.package.clone();
        slot.state = Sub::Creating;
        log::warn!(
            "subscription {sub_id} for {user} ({package}) ended ({why}); creating a new one"
        );
        ctx.known.forget(sub_id);
        self.translator.forget_subscription(sub_id);
        ctx.known.begin_create(user);
        self.queue_job(
            ctx,
            Job::Create {
                user: user.to_owned(),
                package,
            },
        );
    }

    pub(super) fn refresh_due(&mut self, ctx: &Ctx, now: Instant) {
        let mut due = Vec::new();
        for (user, device) in &mut self.devices.map {
            for slot in &mut device.subs {
                if let Sub::Active {
                    id,
                    refresh_at,
                    refreshing,
                } = &mut slot.state
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
        }
        for job in due {
            self.queue_job(ctx, job);
        }
    }

    /// Asks for a refresh of the device's first subscription now (SnapshotDevice
    /// resynchronisation); false when the device is not ready.
    pub(super) fn refresh_now(&mut self, ctx: &Ctx, user: &str) -> bool {
        let Some(device) = self.devices.map.get_mut(user).filter(|d| d.ready()) else {
            return false;
        };
        if let Some(Slot {
            state: Sub::Active { id, refreshing, .. },
            ..
        }) = device.subs.first_mut()
        {
            if !*refreshing {
                *refreshing = true;
                let job = Job::Refresh {
                    user: user.to_owned(),
                    subscription_id: id.clone(),
                };
                self.queue_job(ctx, job);
            }
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
