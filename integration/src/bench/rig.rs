//! What every benchmark part runs on: the XSP simulator (two XSPs, in this process) and the
//! real `bwcsta` binary (its own process) connected to it, plus the figures the kernel keeps
//! about processes: CPU time and resident memory.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::sim::{RequestKind, SimConfig, Simulator};
use crate::support::{free_port, test_config, Bwcsta, TempDir};

/// How long start-up (channels up) may take.
const START: Duration = Duration::from_secs(30);

/// The latencies of a real XSP, as the simulator plays them in the latency and storm parts:
/// every request answered after a few milliseconds, subscriptions and channels after 20.
pub fn realistic_delays() -> Vec<(RequestKind, Duration)> {
    let ms = Duration::from_millis;
    vec![
        (RequestKind::Channel, ms(20)),
        (RequestKind::Subscribe, ms(20)),
        (RequestKind::Refresh, ms(20)),
        (RequestKind::Unsubscribe, ms(20)),
        (RequestKind::Heartbeat, ms(5)),
        (RequestKind::Ack, ms(5)),
        (RequestKind::Actions, ms(20)),
    ]
}

/// The simulator's configuration in every measured run, bwcsta's and the relay's floor alike:
/// the defaults without the schema check (a parse per document the simulator sends or
/// receives), which is not part of what is measured.
pub fn bench_sim_config() -> SimConfig {
    SimConfig {
        schema_check: false,
        ..SimConfig::default()
    }
}

/// The simulator and a `bwcsta` using both of its XSPs, channels up.
pub struct Rig {
    pub bw: Bwcsta,
    pub sim: Simulator,
}

impl Rig {
    /// Starts both: `sim` tweaks the simulator's configuration, `cfg` bwcsta's (a test
    /// configuration with production-like timers and warnings-only logging).
    pub fn start(
        bwcsta: &Path,
        tag: &str,
        sim: impl FnOnce(&mut SimConfig),
        cfg: impl FnOnce(&mut Value),
    ) -> Result<Rig, String> {
        let mut sim_cfg = bench_sim_config();
        sim(&mut sim_cfg);
        let sim = Simulator::start(sim_cfg).map_err(|e| format!("simulator: {e}"))?;
        let dir = TempDir::new(&format!("bench-{tag}"));
        let mut config = test_config(dir.path(), free_port(), &sim.xsp_urls());
        config["csta"]["idle_timeout_s"] = 3600.into();
        config["csta"]["max_sessions"] = 16.into();
        let x = &mut config["xsi"];
        x["heartbeat_interval_s"] = 5.into();
        x["reconnect_initial_s"] = 0.5.into();
        x["reconnect_max_s"] = 5.into();
        x["request_timeout_s"] = 10.into();
        config["log"]["level"] = "warn".into();
        config["status_interval_s"] = 0.5.into();
        cfg(&mut config);
        let bw = Bwcsta::start(bwcsta, dir, &config);
        if !bw.wait_links_up(2, START) {
            return Err(format!(
                "bwcsta did not bring both channels up within {START:?}:\n{}",
                bw.log()
            ));
        }
        Ok(Rig { bw, sim })
    }

    /// bwcsta's CPU time so far (user + system, all threads), in seconds.
    pub fn bwcsta_cpu(&self) -> f64 {
        cpu_seconds(&self.bw.pid().to_string())
    }

    /// bwcsta's CPU by thread name so far (see [`cpu_by_thread`]).
    pub fn bwcsta_threads(&self) -> std::collections::BTreeMap<String, (f64, f64)> {
        cpu_by_thread(&self.bw.pid().to_string())
    }

    /// A line of bwcsta's `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`).
    pub fn bwcsta_kb(&self, key: &str) -> u64 {
        status_kb(&self.bw.pid().to_string(), key)
    }
}

impl Drop for Rig {
    /// A clean stop (SIGTERM), so that a profiler wrapping bwcsta writes its output.
    fn drop(&mut self) {
        let _ = self.bw.terminate(Duration::from_secs(10));
    }
}

/// CPU time (user + system) of process `pid` (or `self`), in seconds; 0 when unknown.
pub fn cpu_seconds(pid: &str) -> f64 {
    let (user, system) = user_system(&format!("/proc/{pid}/stat"));
    user + system
}

/// User and system CPU seconds from a `stat` file of `/proc`.
fn user_system(path: &str) -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string(path) else {
        return (0.0, 0.0);
    };
    // The fields after the command name; utime and stime are the 12th and 13th of them.
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let hz = clock_ticks();
    (ticks(11) as f64 / hz, ticks(12) as f64 / hz)
}

/// CPU seconds of process `pid` so far by thread name (threads of one name added up, e.g. the
/// CSTA session threads), as (user, system); threads that already ended are not in it.
pub fn cpu_by_thread(pid: &str) -> std::collections::BTreeMap<String, (f64, f64)> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let (u, s) = user_system(&path.join("stat").to_string_lossy());
        let e: &mut (f64, f64) = out.entry(name.trim().to_owned()).or_default();
        e.0 += u;
        e.1 += s;
    }
    out
}

/// Context switches of process `pid` so far, over its live threads
/// (voluntary: it waited; involuntary: it was preempted).
pub fn context_switches(pid: &str) -> (u64, u64) {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return (0, 0);
    };
    let mut total = (0, 0);
    for task in tasks.flatten() {
        let id = task.file_name().to_string_lossy().into_owned();
        total.0 += status_kb(&format!("{pid}/task/{id}"), "voluntary_ctxt_switches");
        total.1 += status_kb(&format!("{pid}/task/{id}"), "nonvoluntary_ctxt_switches");
    }
    total
}

/// Where CPU went between two [`cpu_by_thread`] readings, biggest first:
/// `name user+system s` for threads that used at least 1 % of the total.
pub fn cpu_split(
    before: &std::collections::BTreeMap<String, (f64, f64)>,
    after: &std::collections::BTreeMap<String, (f64, f64)>,
) -> String {
    let mut used: Vec<(String, f64, f64)> = after
        .iter()
        .map(|(name, (u, s))| {
            let (u0, s0) = before.get(name).copied().unwrap_or_default();
            (name.clone(), (u - u0).max(0.0), (s - s0).max(0.0))
        })
        .collect();
    let total: f64 = used.iter().map(|(_, u, s)| u + s).sum();
    used.sort_by(|a, b| (b.1 + b.2).total_cmp(&(a.1 + a.2)));
    used.iter()
        .filter(|(_, u, s)| u + s >= total * 0.01)
        .map(|(name, u, s)| format!("{name} {u:.2}+{s:.2} s"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        hz as f64
    } else {
        100.0
    }
}

/// A number (in kB for sizes) of a line of `/proc/<pid>/status`; 0 when
/// unknown.
pub fn status_kb(pid: &str, key: &str) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// `2001` … as many DNs as asked, from `first` on.
pub fn dns(first: u64, count: usize) -> Vec<String> {
    (first..first + count as u64)
        .map(|n| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_figures_of_this_process() {
        assert!(status_kb("self", "VmRSS") > 0);
        assert!(status_kb("self", "VmHWM") >= status_kb("self", "VmRSS") / 2);
        assert_eq!(status_kb("self", "NoSuchLine"), 0);
        assert!(cpu_seconds("self") >= 0.0);
        assert_eq!(cpu_seconds("no-such-process"), 0.0);
        let threads = cpu_by_thread("self");
        assert!(!threads.is_empty());
        let split = cpu_split(&Default::default(), &threads);
        let (voluntary, _) = context_switches("self");
        assert!(voluntary > 0);
        assert!(split.is_empty() || split.contains(" s"), "{split}");
        assert_eq!(dns(2001, 3), ["2001", "2002", "2003"]);
    }
}
