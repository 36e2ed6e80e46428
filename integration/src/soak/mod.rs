//! The soak behind `scripts/soak`: the real `bwcsta` against the simulator (2 or 3 XSPs) and
//! three CSTA clients — a pair monitoring every device as a T-Server HA pair does, and one that
//! monitors a changing few and sends call-control requests — with steady call traffic on every
//! device while a seeded random schedule injects overlapping faults; an oracle checks, every
//! minute and at the end, the clients against the simulator's own record of what happened, and
//! resource figures sampled all along must not keep growing. One table at the end.
//!
//! Module map (the seeded PRNG is `crate::rng`): `schedule` (the fault plan), `traffic` (the calls),
//! `client` (the CSTA clients and what they record), `oracle` (the checks, with its own event
//! table), `resources` (sampling and the growth rule), `report` (the table).

pub mod client;
pub mod oracle;
pub mod report;
pub mod resources;
pub mod schedule;
pub mod traffic;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::bench::rig::dns;
use crate::rng::Rng;
use crate::sim::chaos::Record;
use crate::sim::{Delivery, SimConfig, Simulator};
use crate::support::{free_port, test_config, wait_until, Bwcsta, TempDir};
use client::ClientLog;
use client::{Client, Command};
use oracle::Check;
use report::{Counters, Summary};
use schedule::{Fault, Planned, Shape};
use traffic::Traffic;

/// `xsi.reorder_wait_s` of the run.
const REORDER_WAIT: Duration = Duration::from_secs(5);
/// The simulator's acknowledgement timeout outside late re-send windows.
const ACK_TIMEOUT: Duration = Duration::from_secs(2);
/// `xsi.request_timeout_s`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
/// How long after its emission an event may still arrive: a late re-send (up to the reorder
/// wait) and the wait behind it.
const MARGIN: Duration = Duration::from_secs(12);
const CALL_CENTER: &str = "5000";
const AGENTS: usize = 10;

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub bwcsta: PathBuf,
    pub minutes: f64,
    pub seed: u64,
    pub calls_per_s: f64,
    pub devices: usize,
    pub xsps: usize,
    /// Turn on bwcsta's capture into this directory.
    pub capture: Option<PathBuf>,
}

impl Options {
    pub fn new(bwcsta: PathBuf) -> Options {
        Options {
            bwcsta,
            minutes: 30.0,
            seed: 1,
            calls_per_s: 5.0,
            devices: 1000,
            xsps: 3,
            capture: None,
        }
    }
}

/// Everything recorded so far.
#[derive(Default)]
struct Store {
    journal: Vec<Record>,
    clients: Vec<ClientLog>,
}

impl Store {
    fn drain(&mut self, sim: &Simulator, clients: &[Client]) {
        self.journal.extend(sim.take_journal());
        // The events move over (they are many); the rest is copied as it is now.
        for (data, c) in self.clients.iter_mut().zip(clients) {
            let (new_events, mut now) = {
                let mut log = c.log.lock();
                let new_events = std::mem::take(&mut log.events);
                (new_events, log.clone())
            };
            now.events = std::mem::take(&mut data.events);
            now.events.extend(new_events);
            *data = now;
        }
    }
}

/// The faults being applied and undone.
struct Chaos<'a> {
    sim: &'a Simulator,
    clients: &'a [Client],
    rng: Rng,
    users: Vec<String>,
    /// Every monitored device (for terminated subscriptions).
    all: Vec<String>,
    churn_pool: Vec<String>,
    churned: Vec<String>,
    /// (until, fault) of lasting faults in force.
    active: Vec<(Instant, Fault)>,
    /// The all-down windows so far (start, end).
    all_down: Vec<(Instant, Instant)>,
    xsps: usize,
}

impl Chaos<'_> {
    fn begin(&mut self, p: &Planned, now: Instant) {
        let sim = self.sim;
        match &p.fault {
            Fault::Kill { xsp } => {
                sim.close_channels(*xsp);
            }
            Fault::Stall { xsp } => sim.stall(*xsp, true),
            Fault::Close { xsp } => {
                sim.terminate_channels(*xsp, "NonResponsiveChannel");
            }
            Fault::AcksRefused { xsp, status, count } => sim.fail_acks(*xsp, *status, *count),
            Fault::AcksLost { xsp, count } => sim.lose_acks(*xsp, *count),
            Fault::Heartbeat404 { xsp } => sim.fail_heartbeats(*xsp, 404, 1),
            Fault::XspDown { xsp } => sim.down(*xsp, true),
            Fault::AllDown => {
                for x in 0..self.xsps {
                    sim.down(x, true);
                }
                self.all_down.push((now, now + Duration::from_secs(3600)));
            }
            Fault::AsFailover { users } => {
                let picked = self.pick(&self.users.clone(), *users);
                let dns: Vec<&str> = picked.iter().map(String::as_str).collect();
                sim.as_failover_many(&dns);
            }
            Fault::SubscriptionsTerminated { users } => {
                let picked = self.pick(&self.all.clone(), *users);
                let dns: Vec<&str> = picked.iter().map(String::as_str).collect();
                sim.terminate_subscriptions(&dns);
            }
            Fault::LateResend { timeout } => sim.set_ack_timeout(*timeout),
            Fault::Duplicates => sim.set_delivery(Delivery::Duplicate),
            Fault::Swapped => sim.set_delivery(Delivery::SwapPairs),
            Fault::ClientDrop { client } => {
                if let Some(c) = self.clients.get(*client) {
                    let _ = c.tx.send(Command::Drop(p.until - p.at));
                }
            }
            Fault::MonitorChurn { count } => self.churn(*count),
        }
        if p.until > p.at {
            self.active.push((now + (p.until - p.at), p.fault.clone()));
        }
    }

    /// Undoes the lasting faults whose time is up (all of them with `all`).
    fn end_due(&mut self, now: Instant, all: bool) {
        let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.active)
            .into_iter()
            .partition(|(until, _)| all || *until <= now);
        self.active = keep;
        for (_, fault) in due {
            let sim = self.sim;
            match fault {
                Fault::Stall { xsp } => sim.stall(xsp, false),
                Fault::XspDown { xsp } => sim.down(xsp, false),
                Fault::AllDown => {
                    for x in 0..self.xsps {
                        sim.down(x, false);
                    }
                    if let Some(w) = self.all_down.last_mut() {
                        w.1 = now;
                    }
                }
                Fault::LateResend { .. } => {
                    let longest = self
                        .active
                        .iter()
                        .filter_map(|(_, f)| match f {
                            Fault::LateResend { timeout } => Some(*timeout),
                            _ => None,
                        })
                        .max();
                    sim.set_ack_timeout(longest.unwrap_or(ACK_TIMEOUT));
                }
                Fault::Duplicates | Fault::Swapped => {
                    let other = self.active.iter().rev().find_map(|(_, f)| match f {
                        Fault::Duplicates => Some(Delivery::Duplicate),
                        Fault::Swapped => Some(Delivery::SwapPairs),
                        _ => None,
                    });
                    sim.set_delivery(other.unwrap_or(Delivery::Normal));
                }
                _ => {}
            }
        }
    }

    fn pick(&mut self, from: &[String], n: usize) -> Vec<String> {
        let mut v = from.to_vec();
        self.rng.shuffle(&mut v);
        v.truncate(n);
        v
    }

    /// The churning client (the last) stops `count` monitors and starts `count` others.
    fn churn(&mut self, count: usize) {
        let Some(c) = self.clients.last() else {
            return;
        };
        let monitored: Vec<String> = self
            .churn_pool
            .iter()
            .filter(|d| !self.churned.contains(d))
            .cloned()
            .collect();
        let stop = self.pick(&monitored, count);
        let start = self.pick(&self.churned.clone(), count);
        self.churned.retain(|d| !start.contains(d));
        self.churned.extend(stop.iter().cloned());
        let _ = c.tx.send(Command::StopMonitors(stop));
        let _ = c.tx.send(Command::StartMonitors(start));
    }
}

/// The simulator and bwcsta for `opts`, links up.
fn start(opts: &Options, agents: &[String]) -> Result<(Simulator, Bwcsta), String> {
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let sim = Simulator::start(SimConfig {
        xsps: (1..=opts.xsps)
            .map(|i| (format!("xsp{i}"), loopback))
            .collect(),
        ack_timeout: ACK_TIMEOUT,
        subscription_expires: Some(120),
        ..SimConfig::default()
    })
    .map_err(|e| format!("simulator: {e}"))?;
    sim.start_journal();
    let agent_refs: Vec<&str> = agents.iter().map(String::as_str).collect();
    sim.add_call_center(CALL_CENTER, &agent_refs);
    let dir = TempDir::new("soak");
    let mut config = test_config(dir.path(), free_port(), &sim.xsp_urls());
    config["csta"]["max_sessions"] = 8.into();
    let x = &mut config["xsi"];
    x["heartbeat_interval_s"] = 1.into();
    x["reconnect_initial_s"] = 0.2.into();
    x["reconnect_max_s"] = 2.into();
    x["request_timeout_s"] = REQUEST_TIMEOUT.as_secs().into();
    x["reorder_wait_s"] = REORDER_WAIT.as_secs().into();
    config["devices"] = serde_json::json!({
        "call_centers": [CALL_CENTER],
        "agents": ["80*"],
    });
    config["log"]["level"] = "info".into();
    config["status_interval_s"] = 1.into();
    if let Some(capture) = &opts.capture {
        config["capture"] =
            serde_json::json!({ "dir": capture, "max_bytes": 104_857_600, "keep": 20 });
    }
    let bw = Bwcsta::start(&opts.bwcsta, dir, &config);
    if !bw.wait_links_up(opts.xsps, Duration::from_secs(30)) {
        return Err(format!("bwcsta did not bring its links up:\n{}", bw.log()));
    }
    Ok((sim, bw))
}

/// Runs the soak `opts` asks for; `progress` hears a line now and then.
pub fn run(opts: &Options, mut progress: impl FnMut(&str)) -> Result<Summary, String> {
    let root = Rng::new(opts.seed);
    let users = dns(20_001, opts.devices);
    let agents = dns(8001, AGENTS);
    let mut all: Vec<String> = users.clone();
    all.extend(agents.iter().cloned());
    all.push(CALL_CENTER.to_owned());
    let (sim, mut bw) = start(opts, &agents)?;
    let mut traffic = Traffic::new(
        root.fork(1),
        users.clone(),
        agents.clone(),
        CALL_CENTER,
        opts.calls_per_s,
    );
    traffic.agents_ready(&sim);
    // The HA pair monitors everything; the third client a changing half of a pool of users.
    let pool: Vec<String> = users.iter().take(100).cloned().collect();
    let churned: Vec<String> = pool.iter().skip(pool.len() / 2).cloned().collect();
    let third: Vec<String> = pool.iter().take(pool.len() / 2).cloned().collect();
    let clients = vec![
        Client::start("A", bw.csta, all.clone(), root.fork(2)),
        Client::start("B", bw.csta, all.clone(), root.fork(3)),
        Client::start("C", bw.csta, third.clone(), root.fork(4)),
    ];
    let wants = [all.len(), all.len(), third.len()];
    progress(&format!(
        "soak: seed {}, {} XSPs, {} devices; monitoring",
        opts.seed,
        opts.xsps,
        all.len()
    ));
    let settled = |clients: &[Client]| clients.iter().zip(wants).all(|(c, w)| c.settled(w));
    if !wait_until(Duration::from_secs(120), || settled(&clients)) {
        return Err(format!(
            "the clients could not monitor their devices:\n{}",
            bw.log()
        ));
    }
    let length = Duration::from_secs_f64(opts.minutes * 60.0);
    let shape = Shape {
        length,
        xsps: opts.xsps,
        clients: clients.len(),
        reorder_wait: REORDER_WAIT,
        per_minute: 20.0,
    };
    let plan = schedule::plan(&mut root.fork(5), &shape);
    let mut summary = Summary {
        seed: opts.seed,
        minutes: opts.minutes,
        xsps: opts.xsps,
        devices: opts.devices,
        calls_per_s: opts.calls_per_s,
        faults: schedule::count_by_kind(&plan),
        ..Summary::default()
    };
    let mut store = Store {
        clients: clients
            .iter()
            .map(|c| ClientLog {
                name: c.log.lock().name.clone(),
                ..ClientLog::default()
            })
            .collect(),
        ..Store::default()
    };
    let mut chaos = Chaos {
        sim: &sim,
        clients: &clients,
        rng: root.fork(6),
        users: users.clone(),
        all: all.clone(),
        churn_pool: pool,
        churned,
        active: Vec::new(),
        all_down: Vec::new(),
        xsps: opts.xsps,
    };
    let mut side = root.fork(7);
    let t0 = Instant::now();
    let sample_every = Duration::from_secs_f64((length.as_secs_f64() / 60.0).clamp(2.0, 10.0));
    let mut samples = vec![resources::sample(bw.pid(), sim.active_subscriptions())];
    let (mut next_sample, mut next_drain, mut next_check) =
        (t0 + sample_every, t0, t0 + Duration::from_secs(60));
    let mut next_control = t0;
    let mut planned = plan.iter().peekable();
    let end = t0 + length;
    progress(&format!(
        "soak: {} faults planned over {:.1} min",
        plan.len(),
        opts.minutes
    ));
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        traffic.tick(&sim, now);
        while let Some(p) = planned.next_if(|p| t0 + p.at <= now) {
            chaos.begin(p, now);
        }
        chaos.end_due(now, false);
        if now >= next_control {
            next_control = now + Duration::from_secs_f64(side.range(1.0, 6.0));
            let who = if side.chance(0.8) { 2 } else { 0 };
            let _ = clients[who].tx.send(Command::Control);
        }
        if now >= next_drain {
            next_drain = now + Duration::from_secs(1);
            store.drain(&sim, &clients);
        }
        if now >= next_sample {
            next_sample = now + sample_every;
            samples.push(resources::sample(bw.pid(), sim.active_subscriptions()));
        }
        if now >= next_check {
            next_check = now + Duration::from_secs(60);
            store.drain(&sim, &clients);
            let f = oracle::check(
                &store.journal,
                &store.clients,
                &chaos.all_down,
                None,
                &Check {
                    horizon: now,
                    margin: MARGIN,
                    last: false,
                    request_timeout: REQUEST_TIMEOUT,
                },
            );
            progress(&format!(
                "soak: minute {:.0}: {} events emitted, {} received, {} violations{}",
                now.duration_since(t0).as_secs_f64() / 60.0,
                f.emitted,
                f.received,
                f.violations.len(),
                f.violations
                    .first()
                    .map_or(String::new(), |v| format!(" (first: {})", v.what))
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // The drain: faults undone, no new calls; every client monitoring again; nothing left to
    // re-send; then the margin for the last events.
    chaos.end_due(Instant::now(), true);
    let drain_start = Instant::now();
    summary.chaos_s = drain_start.duration_since(t0).as_secs_f64();
    progress("soak: draining");
    if !wait_until(Duration::from_secs(120), || {
        settled(&clients) && sim.unacked() == 0
    }) {
        summary
            .failures
            .push("the run did not settle within 120 s after the faults ended".into());
    }
    std::thread::sleep(MARGIN.saturating_sub(drain_start.elapsed()));
    if !wait_until(Duration::from_secs(60), || {
        settled(&clients) && sim.unacked() == 0
    }) {
        summary
            .failures
            .push("the run did not settle again after the margin".into());
    }
    samples.push(resources::sample(bw.pid(), sim.active_subscriptions()));
    store.drain(&sim, &clients);
    let live = (sim.live_calls(), sim.stats().queued);
    let horizon = Instant::now();
    summary.drain_s = horizon.duration_since(drain_start).as_secs_f64();
    summary.findings = oracle::check(
        &store.journal,
        &store.clients,
        &chaos.all_down,
        Some(&live),
        &Check {
            horizon,
            margin: MARGIN,
            last: true,
            request_timeout: REQUEST_TIMEOUT,
        },
    );
    summary.trends = resources::judge(&samples);
    summary.traffic = traffic.counts;
    summary.clients = store
        .clients
        .iter()
        .map(|c| (c.name.clone(), c.events.len() as u64))
        .collect();
    summary.counters = bw
        .status()
        .map(|s| Counters::from_status(&s))
        .unwrap_or_default();
    drop(clients);
    let _ = bw.terminate(Duration::from_secs(10));
    Ok(summary)
}
