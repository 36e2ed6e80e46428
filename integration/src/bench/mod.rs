//! The benchmark suite behind `scripts/bench`: the real `bwcsta` binary against the XSP
//! simulator (in this process, with XSP latencies), measured from outside, with the figures
//! that matter to a contact centre side by side with their targets:
//!
//! 1. throughput over two channels and bwcsta's CPU per event, next to the in-process cost of
//!    the same work (`inproc`) and the ratio of the two;
//! 2. latency added between the simulator writing an event and a client reading its CSTA
//!    event, at a steady rate, next to the machine's floor measured in the same run (the same
//!    flood through a plain relay, `relay`), and with one channel cut half-way (no event may
//!    be lost);
//! 3. the monitor storm: time to the last MonitorStartResponse, and resident memory, at
//!    10 000 and 100 000 devices.
//!
//! Everything is measured, nothing asserted: the table says PASS or MISS against each target.
//! The quick mode runs every part with small loads in a few seconds (for CI).
//! Module map: `rig` (simulator, bwcsta, process figures), `load` (the CSTA clients), `parts`
//! (the runs), `relay` (the latency floor), `inproc` (the in-process yardstick), `report` (the
//! table).

pub mod inproc;
pub mod load;
pub mod parts;
pub mod relay;
pub mod report;
pub mod rig;

use std::path::PathBuf;

use crate::sim::{SimConfig, Simulator};
use parts::Throughput;
use report::{ms, thousands, Report, Verdict};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `bwcsta` binary under test.
    pub bwcsta: PathBuf,
    pub quick: bool,
    pub throughput: bool,
    pub latency: bool,
    pub storm: bool,
    /// `xsi.subscription_workers` in the storm runs (`None`: the binary's default).
    pub storm_workers: Option<usize>,
    /// Devices of the big storm, instead of the mode's.
    pub storm_devices: Option<u64>,
}

impl Options {
    /// Every part, full size.
    pub fn new(bwcsta: PathBuf) -> Options {
        Options {
            bwcsta,
            quick: false,
            throughput: true,
            latency: true,
            storm: true,
            storm_workers: None,
            storm_devices: None,
        }
    }
}

/// The loads of each part.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub flood: u64,
    /// Repetitions of the throughput run and of the in-process run.
    pub reps: usize,
    pub inproc_docs: u64,
    pub inproc_passes: usize,
    pub rate: f64,
    pub secs: f64,
    pub latency_dns: usize,
    pub storm_one: u64,
    pub storm_many: u64,
    pub storm_clients: usize,
}

impl Sizes {
    pub fn for_mode(quick: bool) -> Sizes {
        if quick {
            Sizes {
                flood: 4_000,
                reps: 1,
                inproc_docs: 2_000,
                inproc_passes: 2,
                rate: 1000.0,
                secs: 2.0,
                latency_dns: 20,
                storm_one: 400,
                storm_many: 1_200,
                storm_clients: 4,
            }
        } else {
            Sizes {
                flood: 200_000,
                reps: 3,
                inproc_docs: 20_000,
                inproc_passes: 10,
                rate: 5000.0,
                secs: 30.0,
                latency_dns: 100,
                storm_one: 10_000,
                storm_many: 100_000,
                storm_clients: 4,
            }
        }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs the parts `opts` asks for; `progress` hears one line as each part starts.
pub fn run(opts: &Options, mut progress: impl FnMut(&str)) -> Result<Report, String> {
    let mut size = Sizes::for_mode(opts.quick);
    if let Some(n) = opts.storm_devices {
        size.storm_many = n;
    }
    let q = opts.quick;
    let mut r = Report {
        title: format!(
            "bwcsta benchmark suite ({} mode): {} cores, load average {} at the start",
            if q { "quick" } else { "full" },
            cores(),
            load_average()
        ),
        ..Report::default()
    };
    if opts.throughput {
        progress(&format!(
            "throughput: {} × {} events",
            size.reps, size.flood
        ));
        let runs = parts::throughput(&opts.bwcsta, size.flood, size.reps)?;
        progress("in-process cost of the same work");
        let docs = Simulator::flood_documents(
            &SimConfig::default(),
            &["2001", "2002"],
            size.inproc_docs,
            "bench-channel",
        );
        let mut inproc = Vec::new();
        let mut split = Vec::new();
        for _ in 0..size.reps {
            inproc.push(inproc::run(&docs, size.inproc_passes)?);
            split.push(inproc::run_split(&docs, size.inproc_passes)?);
        }
        let split_us = split
            .iter()
            .map(|r| r.us_per_event)
            .fold(f64::INFINITY, f64::min);
        // Best of the repetitions on both sides: the run least disturbed by
        // whatever else the machine does.
        let best = runs
            .iter()
            .min_by(|a, b| a.us_per_event().total_cmp(&b.us_per_event()))
            .cloned()
            .unwrap_or_default();
        let ip = inproc
            .iter()
            .map(|r| r.us_per_event)
            .fold(f64::INFINITY, f64::min);
        let mut rates: Vec<f64> = runs.iter().map(Throughput::rate).collect();
        rates.sort_by(f64::total_cmp);
        let median_rate = rates.get(rates.len() / 2).copied().unwrap_or(0.0);
        let e2e_us = best.us_per_event();
        let ratio = e2e_us / ip;
        let of = if size.reps > 1 {
            format!(", best of {}", size.reps)
        } else {
            String::new()
        };
        r.info(
            format!(
                "throughput, 2 XSP channels to 1 client ({} events{})",
                best.events,
                if size.reps > 1 { ", median" } else { "" }
            ),
            format!("{} events/s", thousands(median_rate)),
        );
        r.info(
            format!("bwcsta CPU per event, end to end{of}"),
            format!("{e2e_us:.1} µs"),
        );
        r.info(
            format!("same work in process: parse + translate + CSTA frame, 1 thread{of}"),
            format!("{ip:.1} µs"),
        );
        r.info(
            format!(
                "same work split over two threads as bwcsta splits it (parse, then order + \
                 translate + frame behind a channel){of}"
            ),
            format!("{split_us:.1} µs"),
        );
        r.row(
            "ratio end to end / split in process (the design's ceiling)".into(),
            format!("{:.2}×", e2e_us / split_us),
            "≤ 1.15×",
            Verdict::of(e2e_us / split_us <= 1.15, q),
        );
        r.info(
            "ratio end to end / one thread in process".into(),
            format!("{ratio:.2}×"),
        );
        let all: Vec<String> = runs
            .iter()
            .map(|t| format!("{:.1}", t.us_per_event()))
            .collect();
        let all_ip: Vec<String> = inproc
            .iter()
            .map(|r| format!("{:.1}", r.us_per_event))
            .collect();
        let all_split: Vec<String> = split
            .iter()
            .map(|r| format!("{:.1}", r.us_per_event))
            .collect();
        r.note(format!(
            "throughput: the split in process is {:.2}× the one-thread figure: the hand-over \
             between two busy threads, with no socket involved (every run: split {}, one \
             thread {})",
            split_us / ip,
            all_split.join(" / "),
            all_ip.join(" / ")
        ));
        for (i, run) in runs.iter().enumerate() {
            r.check(
                run.received == run.events && run.acked == run.events,
                || {
                    format!(
                        "throughput run {}: {} of {} events received, {} acknowledged",
                        i + 1,
                        run.received,
                        run.events,
                        run.acked
                    )
                },
            );
        }
        let t = &best;
        r.note(format!(
            "throughput: every run's µs per event end to end {}; in the best \
             run {} of {} events received and {} acknowledged; bwcsta peak RSS {} MB; load \
             generators' CPU in it: simulator {:.2} s, client {:.2} s (bwcsta {:.2} s)",
            all.join(" / "),
            t.received,
            t.events,
            t.acked,
            t.peak_rss_kb / 1024,
            t.load.simulator,
            t.load.clients,
            t.bwcsta_cpu
        ));
        r.note(format!(
            "throughput: bwcsta's CPU by thread (user+system): {}; context switches per event: \
             {:.2} voluntary, {:.2} involuntary",
            t.split,
            t.switches.0 as f64 / t.events.max(1) as f64,
            t.switches.1 as f64 / t.events.max(1) as f64
        ));
    }
    if opts.latency {
        progress(&format!(
            "latency floor: {} events/s for {} s through a plain relay",
            size.rate, size.secs
        ));
        let floor = relay::floor(size.rate, size.secs, size.latency_dns)?;
        r.info(
            "latency floor of this machine: the same flood through a plain relay (no work): \
             p50 / p99 / max"
                .into(),
            format!(
                "{} / {} / {} ms",
                ms(floor.p50_us),
                ms(floor.p99_us),
                ms(floor.max_us)
            ),
        );
        r.check(floor.lost() == 0 && floor.duplicates == 0, || {
            format!(
                "latency floor: {} events lost, {} received twice",
                floor.lost(),
                floor.duplicates
            )
        });
        for kill in [false, true] {
            progress(&format!(
                "latency: {} events/s for {} s{}",
                size.rate,
                size.secs,
                if kill {
                    ", one channel cut half-way"
                } else {
                    ""
                }
            ));
            let l = parts::latency(&opts.bwcsta, size.rate, size.secs, size.latency_dns, kill)?;
            let value = format!("{} / {} / {} ms", ms(l.p50_us), ms(l.p99_us), ms(l.max_us));
            if kill {
                r.row(
                    format!(
                        "same, XSP 1's channel cut at {} s: p50 / p99 / max; events lost",
                        size.secs / 2.0
                    ),
                    format!("{value}; {} lost", l.lost()),
                    "none lost",
                    Verdict::of(l.lost() == 0 && l.duplicates == 0, q),
                );
            } else {
                r.row(
                    format!(
                        "added latency at {} events/s for {} s: p50 / p99 / max",
                        size.rate, size.secs
                    ),
                    value,
                    "p99 < 1 ms",
                    Verdict::of(l.p99_us < 1000.0 && l.lost() == 0, q),
                );
                // The target that holds on any machine: what bwcsta adds to
                // the p99 this machine gives any program passing events on.
                let above = (l.p99_us - floor.p99_us).max(0.0);
                r.row(
                    "bwcsta's p99 above the floor's p99".into(),
                    format!("{} ms", ms(above)),
                    "< 1 ms",
                    Verdict::of(above < 1000.0 && l.lost() == 0, q),
                );
            }
            r.note(format!(
                "latency{}: {} of {} events received, {} duplicates, {} re-sent by the \
                 simulator; load generators' CPU: simulator {:.2} s, client {:.2} s (bwcsta {:.2} s) \
                 over {:.1} s",
                if kill { " with a channel cut" } else { "" },
                l.received,
                l.sent,
                l.duplicates,
                l.resent,
                l.load.simulator,
                l.load.clients,
                l.bwcsta_cpu,
                l.secs
            ));
            r.check(l.cut_inside(), || {
                format!(
                    "latency with a channel cut: the cut came after {:?} of {} events, not \
                     within the flood",
                    l.cut_after, l.sent
                )
            });
            r.check(l.lost() == 0 && l.duplicates == 0, || {
                format!(
                    "latency{}: {} events lost, {} received twice",
                    if kill { " with a channel cut" } else { "" },
                    l.lost(),
                    l.duplicates
                )
            });
            if !kill {
                r.note(format!(
                    "latency: bwcsta's CPU by thread (user+system): {}",
                    l.split
                ));
            }
        }
    }
    if opts.storm {
        for (devices, clients) in [(size.storm_one, 1), (size.storm_many, size.storm_clients)] {
            progress(&format!(
                "monitor storm: {devices} devices over {clients} client(s)"
            ));
            let s = parts::storm(&opts.bwcsta, devices, clients, opts.storm_workers)?;
            let all = s.answered == s.devices && s.errors == 0 && s.out_of_order == 0;
            r.check(all && s.subscriptions == s.devices, || {
                format!(
                    "storm of {}: {} answered, {} errors, {} out of order, {} subscriptions",
                    s.devices, s.answered, s.errors, s.out_of_order, s.subscriptions
                )
            });
            let limit = if clients == 1 { 10.0 } else { 120.0 };
            r.row(
                format!(
                    "monitor storm, {} devices, {} client(s), {}, XSP answers in 20 ms: last \
                     answer",
                    s.devices,
                    s.clients,
                    match s.workers {
                        Some(w) => format!("{w} subscription workers"),
                        None => "default subscription workers".to_owned(),
                    }
                ),
                format!("{:.1} s", s.secs),
                &format!("< {limit:.0} s"),
                Verdict::of(all && s.secs < limit, q),
            );
            if clients > 1 {
                let peak_mb = s.peak_rss_kb as f64 / 1024.0;
                r.row(
                    format!("bwcsta peak RSS with {} monitors", s.devices),
                    format!("{peak_mb:.0} MB"),
                    "< 100 MB",
                    Verdict::of(peak_mb < 100.0, q),
                );
                r.info(
                    "resident memory per monitor".into(),
                    format!("{:.2} kB", s.kb_per_monitor()),
                );
            }
            r.note(format!(
                "storm of {} over {}: {} answered ({} errors, {} out of order), {} \
                 subscriptions at the simulator, subscription workers: {}; RSS {} → {} MB; \
                 load generators' CPU: simulator {:.2} s, clients {:.2} s (bwcsta {:.2} s)",
                s.devices,
                s.clients,
                s.answered,
                s.errors,
                s.out_of_order,
                s.subscriptions,
                s.workers.map_or("default".into(), |n| n.to_string()),
                s.rss_before_kb / 1024,
                s.rss_after_kb / 1024,
                s.load.simulator,
                s.load.clients,
                s.bwcsta_cpu
            ));
        }
    }
    Ok(r)
}
