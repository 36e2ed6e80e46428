//! The load producer behind `Simulator::flood`: realistic call events for a set of users, as
//! fast as the channel writers take them.
//!
//! Events are made in batches under one state lock. Before each batch the producer looks at
//! how many documents wait in the open channels' queues and pauses briefly above a high-water
//! mark, so a slow reader throttles the flood instead of growing memory.

use std::sync::Arc;
use std::time::Duration;

use super::calls::FloodCycle;
use super::hub::Hub;
use super::state::now_ms;

/// Events made per lock acquisition.
const BATCH: u64 = 64;
/// Queued documents (all open channels) above which the producer waits.
const HIGH_WATER: usize = 4096;

/// Starts a flood thread; returns at once.
pub(crate) fn start(hub: &Arc<Hub>, dns: Vec<String>, count: u64) {
    let hub2 = hub.clone();
    let name = format!("sim-flood-{}", hub.state.lock().counters.flood_sent);
    let started = hub.spawn(name, move || run(&hub2, &dns, count));
    if let Err(e) = started {
        hub.log(|| format!("flood not started: {e}"));
    }
}

fn run(hub: &Hub, dns: &[String], count: u64) {
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
            st.flood_one(&mut cycles[k], &dns[k], now, &mut buf);
            st.counters.flood_sent += 1;
            done += 1;
        }
    }
    hub.log(|| format!("flood of {count} events done"));
}
