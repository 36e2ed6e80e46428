//! The dispatcher: the one thread where CSTA sessions, XSP links and
//! subscriptions meet.
//!
//! It receives every [`Event`] on one inbox, keeps the state (sessions and
//! their monitors, devices and their subscriptions, link health, counters,
//! the call model) under one `parking_lot` lock that the status writer also
//! takes for its snapshots, and answers by queueing frames to the session
//! writers with `try_send`: a session whose queue is full is cut off, never
//! waited for. Subscription HTTP and call control (Xsi-Actions) run on
//! worker threads of their own; the dispatcher only queues jobs for them and
//! consumes their results.
//!
//! `State` is driven only through [`Event`]s and the timer tick, so the
//! tests (`dispatcher/tests/`) drive it the same way over in-memory channels
//! and check the frames queued to sessions and the jobs queued to workers.

mod answers;
mod control;
mod devices;
mod jobs;
mod links;
mod monitor;
mod routing;
mod scope;
mod sessions;
mod snapshot;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{select, tick, Receiver, Sender};
use parking_lot::Mutex;

use crate::config::DevicesConfig;
use crate::csta::edition::Edition;
use crate::device::FeaturePackage;
use crate::event::{Event, LinkEvent};
use crate::status::{StatusDoc, XspStatus};
use crate::translate::Translator;
use crate::xsi::client::LinkFlags;
use crate::xsi::known::KnownSubscriptions;
use crate::xsi::subscriber::Job;

pub use control::ActionQueue;
pub use devices::Devices;
pub use links::Links;
pub use sessions::Sessions;

/// Settings the dispatcher needs, taken from the configuration.
pub struct DispatcherConfig {
    pub edition: Edition,
    pub system_status_on_connect: bool,
    pub default_domain: Option<String>,
    pub link_names: Vec<String>,
    /// `xsi.reorder_wait_s`.
    pub reorder_wait: Duration,
    /// `xsi.subscription_workers`: how many threads run subscription jobs.
    pub subscription_workers: usize,
    /// `xsi.event_package`: the call package of users and agents.
    pub event_package: String,
    /// `xsi.feature_packages`: extra packages of users and agents.
    pub feature_packages: Vec<FeaturePackage>,
    /// `devices`: which devices are call centres, route points, agents.
    pub devices: DevicesConfig,
}

/// What the dispatcher talks to besides its inbox.
pub struct Ctx {
    pub cfg: DispatcherConfig,
    pub jobs: Sender<Job>,
    pub actions: ActionQueue,
    pub known: Arc<KnownSubscriptions>,
    pub flags: Arc<LinkFlags>,
    pub status_poke: Option<Sender<()>>,
}

/// Everything the dispatcher owns.
pub struct State {
    pub started: String,
    pub sessions: Sessions,
    pub devices: Devices,
    pub links: Links,
    pub translator: Translator,
    pub events_in: u64,
    pub events_out: u64,
    /// Events acknowledged but sent to nobody: of a subscription no longer
    /// (or not) the device's, or of a device nobody monitors.
    pub events_unowned: u64,
    snapshots: Vec<snapshot::PendingSnapshot>,
    control: control::CallControl,
    routing: routing::Routing,
}

pub struct Dispatcher {
    ctx: Ctx,
    state: Arc<Mutex<State>>,
}

/// How often timers (gap waits, subscription refresh) are looked at.
const TICK: Duration = Duration::from_millis(50);
/// Events handled per lock acquisition, so the status writer is not starved.
const BATCH: usize = 512;

impl Dispatcher {
    pub fn new(ctx: Ctx) -> Self {
        let state = State::new(&ctx.cfg);
        Dispatcher {
            ctx,
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// A closure producing the status document, for the status writer.
    pub fn snapshot_fn(&self) -> crate::status::Snapshot {
        let state = self.state.clone();
        Arc::new(move || state.lock().status_doc())
    }

    /// Runs until `stop` fires or every sender of `inbox` is gone.
    pub fn run(self, inbox: Receiver<Event>, stop: Receiver<()>) {
        let ticker = tick(TICK);
        loop {
            select! {
                recv(inbox) -> ev => {
                    let Ok(ev) = ev else { break };
                    let mut st = self.state.lock();
                    st.handle(&self.ctx, ev);
                    for ev in inbox.try_iter().take(BATCH) {
                        st.handle(&self.ctx, ev);
                    }
                    st.flush(&self.ctx);
                }
                recv(ticker) -> _ => {
                    let mut st = self.state.lock();
                    st.on_tick(&self.ctx, Instant::now());
                    st.flush(&self.ctx);
                }
                recv(stop) -> _ => break,
            }
        }
        log::info!("dispatcher stopped");
    }
}

impl State {
    /// No sessions or devices yet, every link connecting.
    fn new(cfg: &DispatcherConfig) -> State {
        State {
            started: crate::time::rfc3339_now(),
            sessions: Sessions::default(),
            // Two jobs per worker: one running, the next at hand.
            devices: Devices::new(cfg.subscription_workers * 2),
            links: Links::new(&cfg.link_names),
            translator: Translator::new(cfg.reorder_wait),
            events_in: 0,
            events_out: 0,
            events_unowned: 0,
            snapshots: Vec::new(),
            control: control::CallControl::default(),
            routing: routing::Routing::default(),
        }
    }

    fn handle(&mut self, ctx: &Ctx, ev: Event) {
        log::trace!("{ev:?}");
        match ev {
            Event::Client(id, ev) => self.on_client(ctx, id, ev),
            Event::Link(id, LinkEvent::Xsi(events)) => {
                for xsi in events {
                    self.on_xsi(ctx, id, xsi);
                }
            }
            Event::Link(id, ev) => self.on_link(ctx, id, ev),
            Event::Subscription(result) => self.on_subscription(ctx, result),
            Event::Action(result) => self.on_action(ctx, result),
        }
    }

    fn on_tick(&mut self, ctx: &Ctx, now: Instant) {
        for ev in self.translator.expire(now) {
            self.deliver(ctx, ev);
        }
        self.refresh_due(ctx, now);
        self.grace_due(ctx, now);
        self.snapshot_timeouts(ctx, now);
        self.control_timeouts(ctx, now);
    }

    /// Sends what was queued while handling, cuts off slow clients and
    /// hands the subscription workers their next jobs.
    fn flush(&mut self, ctx: &Ctx) {
        for (id, reason) in self.sessions.take_failed() {
            self.drop_session(ctx, id, &reason);
        }
        self.pump_jobs(ctx);
    }

    pub fn overall_normal(&self) -> bool {
        self.links.any_up()
    }

    fn status_doc(&self) -> StatusDoc {
        let order = self.translator.order_stats();
        let late = self.translator.late_stats();
        let (jobs_queued, jobs_in_flight) = self.devices.jobs();
        StatusDoc {
            version: env!("CARGO_PKG_VERSION"),
            pid: std::process::id(),
            started: self.started.clone(),
            status: if self.overall_normal() {
                "normal"
            } else {
                "disabled"
            },
            xsp: self.links.iter().map(XspStatus::from).collect(),
            csta: self.sessions.status(),
            subscriptions: self.devices.active_subscriptions(),
            unmonitored_devices: self.devices.idle_devices(),
            subscription_jobs_queued: jobs_queued,
            subscription_jobs_in_flight: jobs_in_flight,
            events_in: self.events_in,
            events_out: self.events_out,
            events_malformed: self.translator.malformed_events,
            events_unowned: self.events_unowned + order.retired_dropped,
            duplicates_dropped: self.translator.duplicates_dropped(),
            gaps_given_up: order.gaps_given_up,
            gaps_given_up_early: order.gaps_given_up_early,
            late_events_delivered: late.delivered,
            late_events_ignored: late.ignored,
            max_hold_ms: u64::try_from(order.max_hold.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

#[cfg(test)]
mod tests;
