//! The load producer behind `Simulator::flood`: realistic call events for a set of users, as
//! fast as the channel writers take them, or at a steady rate.
//!
//! As fast as possible: events are made in batches under one state lock. Before each batch the
//! producer looks at how many documents wait in the open channels' queues and pauses briefly
//! above a high-water mark, so a slow reader throttles the flood instead of growing memory.
//!
//! Paced: event `n` is made at `start + n / rate`, one per lock, so that each leaves the
//! simulator as it would from BroadWorks at that rate (not in bursts); with `probe` the write
//! time of each is recorded (see `probe`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::calls::FloodCycle;
use super::hub::Hub;
use super::state::now_ms;

/// Events made per lock acquisition.
const BATCH: u64 = 64;
/// Queued documents (all open channels) above which the producer waits.
const HIGH_WATER: usize = 4096;

/// How a flood is paced.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pace {
    /// Events per second; `None`: as fast as the channels take them.
    pub rate: Option<f64>,
    /// Record when each event is written (latency probes).
    pub probe: bool,
}

/// Starts a flood thread; returns at once.
pub(crate) fn start(hub: &Arc<Hub>, dns: Vec<String>, count: u64, pace: Pace) {
    let hub2 = hub.clone();
    let name = format!("sim-flood-{}", hub.state.lock().counters.flood_sent);
    let started = hub.spawn(name, move || match pace.rate {
        Some(rate) if rate > 0.0 => run_paced(&hub2, &dns, count, rate, pace.probe),
        _ => run(&hub2, &dns, count, pace.probe),
    });
    if let Err(e) = started {
        hub.log(|| format!("flood not started: {e}"));
    }
}

fn run(hub: &Hub, dns: &[String], count: u64, probe: bool) {
    if dns.is_empty() {
        return;
    }
    hub.log(|| format!("flood of {count} events over {} users started", dns.len()));
    let mut cycles: Vec<FloodCycle> = dns.iter().map(|_| FloodCycle::default()).collect();
    let mut buf = String::with_capacity(2048);
    let mut done = 0u64;
    while done < count {
        if hub.is_shutting_down() {
            return;
        }
        let mut st = hub.state.lock();
        if st.queued() > HIGH_WATER {
            drop(st);
            std::thread::sleep(Duration::from_micros(200));
            continue;
        }
        let now = now_ms();
        for _ in 0..BATCH.min(count - done) {
            let k = (done % dns.len() as u64) as usize;
            st.flood_one(&mut cycles[k], &dns[k], now, &mut buf, probe);
            st.counters.flood_sent += 1;
            done += 1;
        }
    }
    hub.log(|| format!("flood of {count} events done"));
}

fn run_paced(hub: &Hub, dns: &[String], count: u64, rate: f64, probe: bool) {
    if dns.is_empty() {
        return;
    }
    hub.log(|| {
        format!(
            "flood of {count} events over {} users at {rate}/s started",
            dns.len()
        )
    });
    let mut cycles: Vec<FloodCycle> = dns.iter().map(|_| FloodCycle::default()).collect();
    let mut buf = String::with_capacity(2048);
    let start = Instant::now();
    for n in 0..count {
        if hub.is_shutting_down() {
            return;
        }
        let due = start + Duration::from_secs_f64(n as f64 / rate);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let k = (n % dns.len() as u64) as usize;
        let mut st = hub.state.lock();
        st.flood_one(&mut cycles[k], &dns[k], now_ms(), &mut buf, probe);
        st.counters.flood_sent += 1;
    }
    hub.log(|| format!("flood of {count} events done"));
}
