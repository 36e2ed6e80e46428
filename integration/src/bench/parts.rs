//! The parts of the suite, each on a fresh simulator and bwcsta: throughput (a flood as fast as
//! it goes), latency (a paced, probed flood, optionally losing a channel half-way) and the
//! monitor storm (MonitorStarts pipelined by several clients at once).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::load::{LoadClient, Monitored};
use super::rig::{context_switches, cpu_seconds, cpu_split, dns, realistic_delays, Rig};
use crate::clock::thread_cpu_ns;
use crate::sim::Pace;

fn io(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Runs `f` on a named thread and returns its result with the thread's CPU time (s).
fn on_thread<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<(T, f64)>, String> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let started = thread_cpu_ns();
            let value = f();
            (value, (thread_cpu_ns() - started) as f64 / 1e9)
        })
        .map_err(|e| format!("thread {name}: {e}"))
}

fn join<T>(handle: std::thread::JoinHandle<T>) -> Result<T, String> {
    handle
        .join()
        .map_err(|_| "a load thread panicked".to_owned())
}

/// CPU seconds used by the load generators: the simulator (this process less the client
/// threads) and the clients.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadCpu {
    pub simulator: f64,
    pub clients: f64,
}

impl LoadCpu {
    fn new(process: f64, clients: f64) -> LoadCpu {
        LoadCpu {
            simulator: (process - clients).max(0.0),
            clients,
        }
    }
}

/// One flood through bwcsta.
#[derive(Clone, Debug, Default)]
pub struct Throughput {
    pub events: u64,
    pub received: u64,
    pub secs: f64,
    pub bwcsta_cpu: f64,
    pub peak_rss_kb: u64,
    /// Flood events acknowledged during this run.
    pub acked: u64,
    pub load: LoadCpu,
    /// bwcsta's CPU by thread (user+system).
    pub split: String,
    /// bwcsta's context switches (voluntary, involuntary) during the flood.
    pub switches: (u64, u64),
}

impl Throughput {
    pub fn rate(&self) -> f64 {
        self.received as f64 / self.secs.max(1e-9)
    }

    /// bwcsta's CPU per event, µs.
    pub fn us_per_event(&self) -> f64 {
        self.bwcsta_cpu * 1e6 / self.events.max(1) as f64
    }
}

/// `reps` floods of `n` events over two channels to one client monitoring
/// both DNs, on one bwcsta.
pub fn throughput(bwcsta: &Path, n: u64, reps: usize) -> Result<Vec<Throughput>, String> {
    let rig = Rig::start(
        bwcsta,
        "throughput",
        |c| c.ack_timeout = Duration::from_secs(30),
        |_| {},
    )?;
    let mut client = LoadClient::connect(rig.bw.csta).map_err(io("connect"))?;
    let devices = dns(2001, 2);
    let m = client
        .monitor(&devices, Duration::from_secs(30))
        .map_err(io("monitor"))?;
    if m.answered != 2 {
        return Err(format!("MonitorStarts not answered: {m:?}"));
    }
    let pid = rig.bw.pid().to_string();
    let mut runs = Vec::new();
    // The two initial events are acknowledged before any flood.
    let mut acked_before = 2;
    for rep in 0..reps.max(1) {
        let counter = on_thread("bench-count", move || {
            let counted = client.count_events(n, Duration::from_secs(10));
            (counted, client)
        })?;
        let threads0 = rig.bwcsta_threads();
        let switches0 = context_switches(&pid);
        let (cpu0, self0) = (rig.bwcsta_cpu(), cpu_seconds("self"));
        let t0 = Instant::now();
        rig.sim.flood(&["2001", "2002"], n);
        let ((counted, back), client_cpu) = join(counter)?;
        client = back;
        let (received, last) = counted.map_err(io("client"))?;
        let (cpu1, self1) = (rig.bwcsta_cpu(), cpu_seconds("self"));
        let split = cpu_split(&threads0, &rig.bwcsta_threads());
        let switches1 = context_switches(&pid);
        // Every flood event, acknowledged.
        let want = (rep as u64 + 1) * n + 2;
        rig.sim
            .wait_for(Duration::from_secs(10), |s| s.acked() >= want);
        let acked_now = rig.sim.stats().acked();
        runs.push(Throughput {
            events: n,
            received,
            secs: last.duration_since(t0).as_secs_f64(),
            bwcsta_cpu: cpu1 - cpu0,
            peak_rss_kb: rig.bwcsta_kb("VmHWM"),
            acked: acked_now.saturating_sub(acked_before),
            load: LoadCpu::new(self1 - self0, client_cpu),
            split,
            switches: (switches1.0 - switches0.0, switches1.1 - switches0.1),
        });
        acked_before = acked_now;
    }
    Ok(runs)
}

#[derive(Clone, Debug, Default)]
pub struct Latency {
    pub sent: u64,
    /// Distinct flood events received.
    pub received: u64,
    pub duplicates: u64,
    /// Events written more than once by the simulator (re-sent after a lost channel).
    pub resent: u64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    pub secs: f64,
    pub bwcsta_cpu: f64,
    pub load: LoadCpu,
    /// bwcsta's CPU by thread (user+system).
    pub split: String,
    /// With a channel cut: how many flood events the simulator had written
    /// when it cut the channel.
    pub cut_after: Option<u64>,
}

impl Latency {
    /// The channel was cut within the flood: after some events, before
    /// the last (`true` without a cut).
    pub fn cut_inside(&self) -> bool {
        self.cut_after.is_none_or(|k| 0 < k && k < self.sent)
    }

    pub fn lost(&self) -> u64 {
        self.sent.saturating_sub(self.received)
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A flood of `rate` events/s for `secs` over `dn_count` DNs, at realistic XSP latency; each
/// event's time from the simulator writing it to the client reading its CSTA event. With
/// `kill`, XSP 1's channel is cut half-way.
pub fn latency(
    bwcsta: &Path,
    rate: f64,
    secs: f64,
    dn_count: usize,
    kill: bool,
) -> Result<Latency, String> {
    let rig = Rig::start(
        bwcsta,
        if kill { "latency-kill" } else { "latency" },
        |c| c.delays = realistic_delays(),
        |_| {},
    )?;
    let devices = dns(4001, dn_count);
    let mut client = LoadClient::connect(rig.bw.csta).map_err(io("connect"))?;
    let m = client
        .monitor(&devices, Duration::from_secs(60))
        .map_err(io("monitor"))?;
    if m.answered != dn_count as u64 {
        return Err(format!("MonitorStarts not answered: {m:?}"));
    }
    let n = (rate * secs).round() as u64;
    let recorder = on_thread("bench-latency", move || {
        client.record_events(n, Duration::from_secs(10))
    })?;
    let threads0 = rig.bwcsta_threads();
    let (cpu0, self0) = (rig.bwcsta_cpu(), cpu_seconds("self"));
    let t0 = Instant::now();
    let names: Vec<&str> = devices.iter().map(String::as_str).collect();
    let pace = Pace {
        rate: Some(rate),
        probe: true,
    };
    rig.sim.flood_paced(&names, n, pace);
    let mut cut_after = None;
    if kill {
        std::thread::sleep(Duration::from_secs_f64(secs / 2.0));
        cut_after = Some(rig.sim.probes_recorded() as u64);
        rig.sim.close_channels(0);
    }
    let (recorded, client_cpu) = join(recorder)?;
    let elapsed = t0.elapsed().as_secs_f64();
    let (seen, _other) = recorded.map_err(io("client"))?;
    let (cpu1, self1) = (rig.bwcsta_cpu(), cpu_seconds("self"));
    let split = cpu_split(&threads0, &rig.bwcsta_threads());
    let figures = latencies(n, &rig.sim.take_probes(), seen);
    Ok(Latency {
        secs: elapsed,
        bwcsta_cpu: cpu1 - cpu0,
        load: LoadCpu::new(self1 - self0, client_cpu),
        split,
        cut_after,
        ..figures
    })
}

/// The latency figures of a flood of `sent` probed events: `probes` are the simulator's write
/// times (a re-sent event is written again: its first write counts), `seen` the client's read
/// times (an event read twice is a duplicate).
pub fn latencies(sent: u64, probes: &[(u64, u64)], seen: Vec<(u64, u64)>) -> Latency {
    let mut first_write: HashMap<u64, u64> = HashMap::with_capacity(sent as usize);
    let mut resent = 0u64;
    for &(key, at) in probes {
        match first_write.get_mut(&key) {
            Some(t) => {
                resent += 1;
                *t = (*t).min(at);
            }
            None => {
                first_write.insert(key, at);
            }
        }
    }
    let mut got: HashMap<u64, u64> = HashMap::with_capacity(seen.len());
    let mut duplicates = 0u64;
    let mut latencies = Vec::with_capacity(seen.len());
    for (key, at) in seen {
        if got.insert(key, at).is_some() {
            duplicates += 1;
            continue;
        }
        if let Some(sent) = first_write.get(&key) {
            latencies.push(at.saturating_sub(*sent));
        }
    }
    latencies.sort_unstable();
    let us = |ns: u64| ns as f64 / 1000.0;
    Latency {
        sent,
        received: got.len() as u64,
        duplicates,
        resent,
        p50_us: us(percentile(&latencies, 50.0)),
        p99_us: us(percentile(&latencies, 99.0)),
        max_us: us(latencies.last().copied().unwrap_or(0)),
        ..Latency::default()
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Storm {
    pub devices: u64,
    pub clients: usize,
    pub workers: Option<usize>,
    pub secs: f64,
    pub answered: u64,
    pub errors: u64,
    pub out_of_order: u64,
    pub subscriptions: u64,
    pub rss_before_kb: u64,
    pub rss_after_kb: u64,
    pub peak_rss_kb: u64,
    pub bwcsta_cpu: f64,
    pub load: LoadCpu,
}

impl Storm {
    /// Resident memory added per monitor, kB.
    pub fn kb_per_monitor(&self) -> f64 {
        self.rss_after_kb.saturating_sub(self.rss_before_kb) as f64 / self.devices.max(1) as f64
    }
}

/// `devices` MonitorStarts split over `clients` connections, all sent at once, against XSPs
/// answering subscriptions after 20 ms, with `workers` subscription workers (or bwcsta's
/// default).
pub fn storm(
    bwcsta: &Path,
    devices: u64,
    clients: usize,
    workers: Option<usize>,
) -> Result<Storm, String> {
    let rig = Rig::start(
        bwcsta,
        "storm",
        |c| {
            c.delays = realistic_delays();
            c.ack_timeout = Duration::from_secs(30);
        },
        |cfg| {
            if let Some(n) = workers {
                cfg["xsi"]["subscription_workers"] = n.into();
            }
        },
    )?;
    let clients = clients.max(1);
    let per = devices / clients as u64;
    // Generous: ten times what 4 workers need at 20 ms a subscription.
    let timeout = Duration::from_secs(60).max(Duration::from_millis(per * clients as u64 * 50));
    let mut conns = Vec::new();
    for _ in 0..clients {
        conns.push(LoadClient::connect(rig.bw.csta).map_err(io("connect"))?);
    }
    let rss_before_kb = rig.bwcsta_kb("VmRSS");
    let (cpu0, self0) = (rig.bwcsta_cpu(), cpu_seconds("self"));
    let t0 = Instant::now();
    let mut threads = Vec::new();
    for (c, mut conn) in conns.into_iter().enumerate() {
        let mine = dns(100_000 + c as u64 * per, per as usize);
        threads.push(on_thread(&format!("bench-storm-{c}"), move || {
            conn.monitor(&mine, timeout).map(|m| (m, conn))
        })?);
    }
    let mut total = Monitored::default();
    let mut last = t0;
    let mut client_cpu = 0.0;
    let mut keep = Vec::new();
    for t in threads {
        let (result, cpu) = join(t)?;
        let (m, conn) = result.map_err(io("storm client"))?;
        client_cpu += cpu;
        total.answered += m.answered;
        total.errors += m.errors;
        total.out_of_order += m.out_of_order;
        last = last.max(m.last_answer.unwrap_or(t0));
        keep.push(conn);
    }
    let secs = last.duration_since(t0).as_secs_f64();
    let (cpu1, self1) = (rig.bwcsta_cpu(), cpu_seconds("self"));
    let rss_after_kb = rig.bwcsta_kb("VmRSS");
    let subscriptions = rig.sim.stats().active_subscriptions().count() as u64;
    Ok(Storm {
        devices: per * clients as u64,
        clients,
        workers,
        secs,
        answered: total.answered,
        errors: total.errors,
        out_of_order: total.out_of_order,
        subscriptions,
        rss_before_kb,
        rss_after_kb,
        peak_rss_kb: rig.bwcsta_kb("VmHWM"),
        bwcsta_cpu: cpu1 - cpu0,
        load: LoadCpu::new(self1 - self0, client_cpu),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
        let lat = Latency {
            sent: 10,
            received: 9,
            ..Latency::default()
        };
        assert_eq!(lat.lost(), 1);
    }
}
