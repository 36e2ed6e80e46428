//! Monitored devices and their BroadWorks subscriptions.
//!
//! A device (a BroadWorks user) has the subscriptions of its kind (README, Contact centre:
//! `xsi.event_package` for a user, that and `Call Center Agent` for an
//! agent, `Call Center Queue` for a call centre, `Route Point Queue` for a
//! route point; users and agents also one per `xsi.feature_packages`
//! entry), however many sessions monitor it. They are created by the
//! first MonitorStart, each refreshed at half its lifetime, recreated when
//! BroadWorks drops it, and all deleted when the last monitor stops — after
//! a grace period (`grace`), so that a client reconnecting at once adopts
//! them instead of deleting and creating each again.
//! MonitorStart is answered once every subscription of the device exists
//! (or with an error as soon as one cannot be created; the others are then
//! deleted), in the order the session asked (see `answers`).
//!
//! The subscription requests wait in a [`JobQueue`] with a lane per client,
//! so that a storm of MonitorStarts from one client delays nobody else's;
//! a job is looked at again as it leaves the queue, and dropped when nobody
//! needs it any more (its client went away). A contact centre monitors tens
//! of thousands of devices, so a device is kept small: one shared copy of
//! its user id and of each subscription id, and lists that hold their one
//! usual item inline (see `monitor`).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::answers::Slot as Answer;
use super::jobs::{JobQueue, Lane};
use super::monitor::{CrossRef, Monitor, MonitorList, OneOrMany};
use super::{Ctx, State};
use crate::csta::build::{self, operation, system_resource, ErrorCategory};
use crate::csta::frame::InvokeId;
use crate::csta::parse::MonitorFilter;
use crate::device::DeviceKind;
use crate::event::{ClientId, SubscriptionError, SubscriptionResult};
use crate::ratelimit::Every;
use crate::xsi::subscriber::Job;

pub struct Devices {
    /// user id → device. The key is the one copy of the user id that the
    /// device's monitors and jobs share.
    map: HashMap<Arc<str>, Device>,
    next_cross_ref: u64,
    /// The event package names in use, one copy each.
    packages: Vec<Arc<str>>,
    /// Subscription jobs waiting for a worker.
    jobs: JobQueue,
    /// No refresh is due before this; the devices are not looked at until
    /// then.
    next_refresh: Option<Instant>,
    /// Active subscriptions, counted as they change (the status file asks
    /// for it often; a contact centre has tens of thousands).
    active: usize,
    /// Devices nobody monitors that keep their subscriptions for now, by
    /// the end of their grace period (an entry whose device was adopted or
    /// idled again meanwhile is skipped).
    idle: VecDeque<(Instant, Arc<str>)>,
    /// Devices in their grace period.
    idle_devices: usize,
    /// Failed devices: one line a second at most (an XSP down fails every
    /// MonitorStart of a storm).
    fail_log: Every,
}

pub struct Device {
    /// (session, monitorCrossRefID) of every monitor on this user.
    pub monitors: MonitorList,
    pub kind: DeviceKind,
    /// One per package of the kind, in [`DeviceKind::packages`] order (a
    /// package whose creation came back after the last monitor stopped is
    /// gone already).
    subs: OneOrMany<Slot>,
    /// MonitorStarts waiting for every subscription of the device.
    waiters: OneOrMany<Waiter>,
    /// Nobody monitors the device: its subscriptions are deleted at this
    /// instant unless a MonitorStart adopts them first.
    idle_until: Option<Instant>,
}

struct Slot {
    package: Arc<str>,
    state: Sub,
}

enum Sub {
    /// Creation in flight.
    Creating,
    Active {
        /// Shared with the known-subscriptions set and the sequencer.
        id: Arc<str>,
        refresh_at: Instant,
        refreshing: bool,
    },
}

#[derive(Clone, Copy, Debug)]
struct Waiter {
    client: ClientId,
    /// The MonitorStart's answer slot in its session.
    answer: Answer,
    cross_ref: CrossRef,
    /// A second MonitorStart of a monitor that exists (and may have been
    /// answered already).
    again: bool,
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
            .as_mut_slice()
            .iter_mut()
            .find(|s| matches!(&s.state, Sub::Active { id, .. } if **id == *sub_id))
    }

    fn creating(&self, package: &str) -> Option<usize> {
        self.subs
            .iter()
            .position(|s| *s.package == *package && matches!(s.state, Sub::Creating))
    }

    fn active(&self) -> usize {
        self.subs
            .iter()
            .filter(|s| matches!(s.state, Sub::Active { .. }))
            .count()
    }

    /// Whether an event of `sub_id` is the device's: one of its
    /// subscriptions, or maybe the one being created (its first events can
    /// come before the answer to the request).
    pub fn owns(&self, sub_id: &str) -> bool {
        self.subs.iter().any(|s| match &s.state {
            Sub::Active { id, .. } => **id == *sub_id,
            Sub::Creating => true,
        })
    }

    /// Nobody monitors the device, which keeps its subscriptions for now.
    pub fn is_idle(&self) -> bool {
        self.idle_until.is_some()
    }
}

impl Devices {
    /// No devices; up to `in_flight` subscription jobs with the workers at
    /// once.
    pub fn new(in_flight: usize) -> Self {
        Devices {
            map: HashMap::new(),
            next_cross_ref: 0,
            packages: Vec::new(),
            jobs: JobQueue::new(in_flight),
            next_refresh: None,
            active: 0,
            idle: VecDeque::new(),
            idle_devices: 0,
            fail_log: Every::default(),
        }
    }

    /// Subscription jobs (waiting for their turn, with the workers).
    pub fn jobs(&self) -> (usize, usize) {
        (self.jobs.queued(), self.jobs.in_flight())
    }

    /// Subscriptions held at BroadWorks (unmonitored devices' included).
    pub fn active_subscriptions(&self) -> usize {
        self.active
    }

    /// Devices nobody monitors that keep their subscriptions for now.
    pub fn idle_devices(&self) -> usize {
        self.idle_devices
    }

    /// Removes a device, keeping the counts.
    fn take(&mut self, user: &str) -> Option<Device> {
        let device = self.map.remove(user)?;
        self.active -= device.active();
        if device.is_idle() {
            self.idle_devices -= 1;
        }
        Some(device)
    }

    /// The counts kept as they change, against a count of everything.
    #[cfg(test)]
    pub fn check_counts(&self) {
        let active: usize = self.map.values().map(Device::active).sum();
        let idle = self.map.values().filter(|d| d.is_idle()).count();
        assert_eq!(self.active, active, "active subscriptions");
        assert_eq!(self.idle_devices, idle, "idle devices");
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

    /// The monitorCrossRefID of `client`'s monitor of `user`, if any.
    pub fn monitor_of(&self, user: &str, client: ClientId) -> Option<CrossRef> {
        let device = self.map.get(user)?;
        device
            .monitors
            .iter()
            .find(|(c, _)| *c == client)
            .map(|(_, x)| *x)
    }

    /// Removes the MonitorStarts of (client, xref) still waiting: their
    /// answer slots, and whether the monitor itself was answered already
    /// (only second MonitorStarts of it wait).
    pub fn take_waiters(
        &mut self,
        user: &str,
        client: ClientId,
        xref: CrossRef,
    ) -> (Vec<Answer>, bool) {
        let Some(device) = self.map.get_mut(user) else {
            return (Vec::new(), true);
        };
        let mut slots = Vec::new();
        let mut answered = true;
        while let Some(w) = device
            .waiters
            .take_first(|w| w.client == client && w.cross_ref == xref)
        {
            answered &= w.again;
            slots.push(w.answer);
        }
        (slots, answered)
    }

    fn next_cross_ref(&mut self) -> CrossRef {
        self.next_cross_ref += 1;
        CrossRef(self.next_cross_ref)
    }

    /// The shared copy of `user` when the device exists, else a new one.
    fn user_key(&self, user: &str) -> Arc<str> {
        match self.map.get_key_value(user) {
            Some((key, _)) => key.clone(),
            None => Arc::from(user),
        }
    }

    /// The one copy of a package name.
    fn package(&mut self, name: &str) -> Arc<str> {
        if let Some(p) = self.packages.iter().find(|p| ***p == *name) {
            return p.clone();
        }
        let p: Arc<str> = Arc::from(name);
        self.packages.push(p.clone());
        p
    }

    /// A refresh is due at `at`: the next look at the devices is no later.
    fn refresh_due_at(&mut self, at: Instant) {
        if self.next_refresh.is_none_or(|next| at < next) {
            self.next_refresh = Some(at);
        }
    }
}

pub use crate::translate::fanout::user_for;

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
        let device = device.trim();
        if device.is_empty() {
            let xml = build::error_code(ns, ErrorCategory::Operation, operation::INVALID_DEVICE_ID);
            self.answer_start_now(ctx, id, invoke_id, xml);
            return;
        }
        let user = self
            .devices
            .user_key(&user_for(device, ctx.cfg.default_domain.as_deref()));
        if let Some(existing) = self.devices.monitor_of(&user, id) {
            // Monitoring the same device twice returns the same id — but only
            // once the first MonitorStart has been answered.
            let Some(answer) = self.reserve_start(id, invoke_id) else {
                return;
            };
            if self.devices.is_ready(&user) {
                let xml = build::monitor_start_response(ns, existing.text().as_str());
                self.answer_start(ctx, id, answer, xml);
            } else if let Some(d) = self.devices.map.get_mut(&user) {
                d.waiters.push(Waiter {
                    client: id,
                    answer,
                    cross_ref: existing,
                    again: true,
                });
            }
            return;
        }
        let kind = ctx.cfg.devices.kind_of(device, &user);
        let cross_ref = self.devices.next_cross_ref();
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        let peer = session.peer.clone();
        let answer = session.starts.reserve(invoke_id);
        session
            .monitors
            .insert(cross_ref, Monitor::new(user.clone(), device, filter));
        // One line per monitor would be a hundred thousand in a storm.
        log::debug!(
            "{id} ({peer}) monitors {device} as {user} ({}), monitorCrossRefID {cross_ref}",
            kind.label()
        );
        let d = self
            .devices
            .map
            .entry(user.clone())
            .or_insert_with(|| Device {
                monitors: MonitorList::default(),
                kind,
                subs: OneOrMany::default(),
                waiters: OneOrMany::default(),
                idle_until: None,
            });
        d.monitors.push((id, cross_ref));
        if d.idle_until.take().is_some() {
            // Back within its grace period: its subscriptions are adopted.
            self.devices.idle_devices -= 1;
            log::debug!("{user}: monitored again; its subscriptions are kept");
        }
        if d.ready() {
            let xml = build::monitor_start_response(ns, cross_ref.text().as_str());
            self.answer_start(ctx, id, answer, xml);
            return;
        }
        d.waiters.push(Waiter {
            client: id,
            answer,
            cross_ref,
            again: false,
        });
        self.ensure_subscriptions(ctx, &user, Lane::Client(id));
    }

    /// Starts the creation of every subscription `user`'s kind needs that
    /// neither exists nor is being created, in `lane`.
    fn ensure_subscriptions(&mut self, ctx: &Ctx, user: &Arc<str>, lane: Lane) {
        let Some(kind) = self.devices.kind(user) else {
            return;
        };
        let order: Vec<Arc<str>> = kind
            .subscribed(&ctx.cfg.event_package, &ctx.cfg.feature_packages)
            .iter()
            .map(|p| self.devices.package(p))
            .collect();
        let Some(d) = self.devices.map.get_mut(user) else {
            return;
        };
        let mut jobs = Vec::new();
        for package in &order {
            if d.subs.iter().any(|s| s.package == *package) {
                continue;
            }
            d.subs.push(Slot {
                package: package.clone(),
                state: Sub::Creating,
            });
            ctx.known.begin_create(user);
            jobs.push(Job::Create {
                user: user.clone(),
                package: package.clone(),
            });
        }
        // Keep the packages' order: the first one resynchronises snapshots.
        d.subs
            .as_mut_slice()
            .sort_by_key(|s| order.iter().position(|p| *p == s.package));
        for job in jobs {
            self.queue_job(lane, job);
        }
    }

    pub(super) fn monitor_stop(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        xref_text: &str,
    ) {
        let ns = self.ns(ctx, id);
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        let xref = CrossRef::parse(xref_text);
        let Some((xref, monitor)) = xref.and_then(|x| Some((x, session.monitors.remove(&x)?)))
        else {
            log::info!(
                "{id} ({}): MonitorStop of unknown monitorCrossRefID {xref_text}",
                session.peer
            );
            let value = operation::INVALID_MONITOR_CROSS_REF_ID;
            self.respond_error(ctx, id, invoke_id, ErrorCategory::Operation, value);
            return;
        };
        log::info!(
            "{id} ({}) stops monitoring {} ({xref})",
            session.peer,
            monitor.device()
        );
        // Stopped before its subscriptions existed: the MonitorStart (and
        // any second one) is answered (the monitor did exist), then the stop.
        for answer in self.devices.take_waiters(&monitor.user, id, xref).0 {
            let xml = build::monitor_start_response(ns, xref.text().as_str());
            self.answer_start(ctx, id, answer, xml);
        }
        self.release_monitor(ctx, id, xref, &monitor.user);
        self.respond(ctx, id, invoke_id, &build::monitor_stop_response(ns));
    }

    /// Takes one monitor off a device; after the last one the device keeps
    /// its subscriptions for a grace period (see `grace`); those still
    /// being created are dropped when their job leaves the queue, or
    /// deleted when their creation reports back.
    pub(super) fn release_monitor(&mut self, ctx: &Ctx, id: ClientId, xref: CrossRef, user: &str) {
        let Some(device) = self.devices.map.get_mut(user) else {
            return;
        };
        device.monitors.retain(|(c, x)| !(*c == id && *x == xref));
        device
            .waiters
            .retain(|w| !(w.client == id && w.cross_ref == xref));
        if !device.monitors.is_empty() {
            return;
        }
        if device.active() > 0 {
            self.start_grace(user, Instant::now());
        } else {
            if device.subs.is_empty() {
                self.devices.take(user);
            }
            self.translator.forget_user(user);
        }
        self.route_point_unmonitored(ctx, user);
    }

    /// Forgets a subscription and deletes it at the XSP.
    fn delete_subscription(&mut self, ctx: &Ctx, subscription_id: Arc<str>) {
        ctx.known.forget(&subscription_id);
        self.translator
            .forget_subscription(&subscription_id, Instant::now());
        self.queue_job(Lane::Upkeep, Job::Delete { subscription_id });
    }

    pub(super) fn on_subscription(&mut self, ctx: &Ctx, result: SubscriptionResult) {
        self.devices.jobs.done();
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

    fn subscription_created(
        &mut self,
        ctx: &Ctx,
        user: &str,
        package: &str,
        sub_id: String,
        expires: Duration,
    ) {
        let sub_id: Arc<str> = Arc::from(sub_id);
        ctx.known.end_create(user, Some(sub_id.clone()));
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
                self.devices.take(user);
            }
            self.delete_subscription(ctx, sub_id);
            return;
        }
        log::debug!(
            "subscription {sub_id} for {user} ({package}) active ({}s)",
            expires.as_secs()
        );
        let next = refresh_at(expires);
        self.translator.adopt_subscription(&sub_id);
        if let Some(slot) = device.subs.as_mut_slice().get_mut(at) {
            slot.state = Sub::Active {
                id: sub_id,
                refresh_at: next,
                refreshing: false,
            };
            self.devices.active += 1;
        }
        let waiters = if device.ready() {
            std::mem::take(&mut device.waiters)
        } else {
            OneOrMany::default()
        };
        self.devices.refresh_due_at(next);
        for w in waiters.iter() {
            let ns = self.ns(ctx, w.client);
            let xml = build::monitor_start_response(ns, w.cross_ref.text().as_str());
            self.answer_start(ctx, w.client, w.answer, xml);
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
        let Some(device) = self.devices.take(user) else {
            return;
        };
        if let Some(held_back) = self.devices.fail_log.ready(Instant::now()) {
            let others = if held_back > 0 {
                format!(" ({held_back} more devices failed since the last line)")
            } else {
                String::new()
            };
            log::warn!("cannot subscribe to {user} ({package}): {error}{others}");
        }
        let (category, value) = match error {
            SubscriptionError::Rejected { .. } => {
                (ErrorCategory::Operation, operation::INVALID_DEVICE_ID)
            }
            SubscriptionError::Unavailable { .. } => (
                ErrorCategory::SystemResourceAvailability,
                system_resource::RESOURCE_OUT_OF_SERVICE,
            ),
        };
        // The device's other subscriptions go with it; those still being
        // created are dropped or deleted when their job comes up.
        for slot in device.subs.iter() {
            if let Sub::Active { id, .. } = &slot.state {
                self.delete_subscription(ctx, id.clone());
            }
        }
        self.translator.forget_user(user);
        // Events of the failed creation may have come already.
        self.translator.forget_unadopted(user, Instant::now());
        self.route_point_unmonitored(ctx, user);
        for (client, xref) in device.monitors.iter() {
            if let Some(s) = self.sessions.get_mut(*client) {
                s.monitors.remove(xref);
            }
            // A monitor that was already answered (its subscription is being
            // recreated) ends with a server-initiated MonitorStop, so the
            // client knows to start it again.
            // (A second MonitorStart waiting for the same monitor does not
            // make it unanswered.)
            let answered = !device
                .waiters
                .iter()
                .any(|w| w.cross_ref == *xref && !w.again);
            if answered {
                let who = self.sessions.who(*client);
                log::warn!("{who}: monitor {xref} on {user} ended: its subscription is gone");
                let ns = self.ns(ctx, *client);
                self.sessions
                    .send_request(*client, &build::monitor_stop(ns, xref.text().as_str()));
            }
        }
        for w in device.waiters.iter() {
            let ns = self.ns(ctx, w.client);
            let xml = build::error_code(ns, category, value);
            self.answer_start(ctx, w.client, w.answer, xml);
        }
    }

    /// BroadWorks dropped a subscription we still need: make a new one.
    pub(super) fn subscription_gone(&mut self, ctx: &Ctx, user: &str, sub_id: &str, why: &str) {
        let user = self.devices.user_key(user);
        let Some(slot) = self
            .devices
            .map
            .get_mut(&user)
            .and_then(|d| d.slot_with_id(sub_id))
        else {
            return;
        };
        let package = slot.package.clone();
        slot.state = Sub::Creating;
        self.devices.active -= 1;
        log::warn!(
            "subscription {sub_id} for {user} ({package}) ended ({why}); creating a new one"
        );
        ctx.known.forget(sub_id);
        self.translator.forget_subscription(sub_id, Instant::now());
        ctx.known.begin_create(&user);
        self.queue_job(Lane::Upkeep, Job::Create { user, package });
    }

    fn queue_job(&mut self, lane: Lane, job: Job) {
        self.devices.jobs.push(lane, job);
    }

    /// Hands the workers the jobs they have room for, in turn, dropping
    /// those nobody needs any more. Never waits: the channel is unbounded
    /// and holds at most the queue's in-flight limit.
    pub(super) fn pump_jobs(&mut self, ctx: &Ctx) {
        while let Some(job) = self.devices.jobs.next() {
            if !self.still_needed(ctx, &job) {
                self.devices.jobs.cancel();
                continue;
            }
            if ctx.jobs.send(job).is_err() {
                log::error!("subscription workers are gone; job dropped");
                self.devices.jobs.cancel();
            }
        }
    }

    /// Client `id` is gone: its waiting jobs are dropped, or left to the
    /// upkeep lane when another client now waits for them too.
    pub(super) fn drop_lane(&mut self, ctx: &Ctx, id: ClientId) {
        for job in self.devices.jobs.take_lane(Lane::Client(id)) {
            if self.still_needed(ctx, &job) {
                self.queue_job(Lane::Upkeep, job);
            }
        }
    }

    /// Whether `job` still has a purpose; a creation nobody waits for any
    /// more is forgotten here, before it costs a request.
    fn still_needed(&mut self, ctx: &Ctx, job: &Job) -> bool {
        match job {
            Job::Create { user, package } => {
                let wanted = self
                    .devices
                    .map
                    .get(&**user)
                    .is_some_and(|d| !d.monitors.is_empty());
                if wanted {
                    return true;
                }
                // Nobody monitors the device any more (or it failed): its
                // creation ends here.
                ctx.known.end_create(user, None);
                if let Some(device) = self.devices.map.get_mut(&**user) {
                    if let Some(at) = device.creating(package) {
                        device.subs.remove(at);
                    }
                    if device.subs.is_empty() {
                        self.devices.take(user);
                    }
                }
                false
            }
            Job::Refresh {
                user,
                subscription_id,
            } => self
                .devices
                .map
                .get_mut(&**user)
                .and_then(|d| d.slot_with_id(subscription_id))
                .is_some(),
            Job::Delete { .. } => true,
        }
    }
}

mod grace;
mod refresh;

#[cfg(test)]
pub use grace::GRACE;
use refresh::{refresh_at, REFRESH_RETRY};
