//! Resource figures sampled all along the run — bwcsta's resident memory, open file descriptors
//! and threads (from `/proc`), and the subscriptions the XSPs hold — and the rule that fails a
//! run when one keeps growing.
//!
//! "Keeps growing": over the second half of the run (its first half is warm-up: caches, the
//! allocator's pools, the monitors of every client), the least-squares slope of the figure,
//! times that half's length, exceeds the figure's slack plus 5 % of its mean; or its last value
//! exceeds 1.5 × its first plus the slack. The slack absorbs the noise of a short run:
//! 16 MB of memory, 32 descriptors, 16 threads, 32 subscriptions plus 2 %. With fewer than six
//! samples in the second half nothing is judged.

use std::time::Instant;

use crate::bench::rig::status_kb;

/// One sample.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub at: Instant,
    pub rss_kb: u64,
    pub fds: u64,
    pub threads: u64,
    pub subscriptions: u64,
}

/// Takes a sample of process `pid`, with the XSPs' `subscriptions`.
pub fn sample(pid: u32, subscriptions: usize) -> Sample {
    let pid = pid.to_string();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64);
    Sample {
        at: Instant::now(),
        rss_kb: status_kb(&pid, "VmRSS"),
        fds,
        threads: status_kb(&pid, "Threads"),
        subscriptions: subscriptions as u64,
    }
}

/// One figure over the run, judged.
#[derive(Clone, Debug)]
pub struct Trend {
    pub name: &'static str,
    pub unit: &'static str,
    pub first: f64,
    pub last: f64,
    /// The second half's slope × its length, in the figure's unit.
    pub growth: f64,
    pub limit: f64,
    pub grows: bool,
}

fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// The trend of each figure of `samples` (taken from the end of warm-up on).
pub fn judge(samples: &[Sample]) -> Vec<Trend> {
    type Figure = (&'static str, &'static str, fn(&Sample) -> f64, f64, f64);
    let figures: [Figure; 4] = [
        (
            "resident memory",
            "MB",
            |s| s.rss_kb as f64 / 1024.0,
            16.0,
            0.0,
        ),
        ("open file descriptors", "", |s| s.fds as f64, 32.0, 0.0),
        ("threads", "", |s| s.threads as f64, 16.0, 0.0),
        (
            "subscriptions at the XSPs",
            "",
            |s| s.subscriptions as f64,
            32.0,
            0.02,
        ),
    ];
    let Some(t0) = samples.first().map(|s| s.at) else {
        return Vec::new();
    };
    let second = &samples[samples.len() / 2..];
    figures
        .iter()
        .map(|&(name, unit, value, slack, rel)| {
            let first = samples.first().map_or(0.0, value);
            let last = samples.last().map_or(0.0, value);
            let points: Vec<(f64, f64)> = second
                .iter()
                .map(|s| (s.at.duration_since(t0).as_secs_f64(), value(s)))
                .collect();
            let span = points.last().map_or(0.0, |p| p.0) - points.first().map_or(0.0, |p| p.0);
            let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len().max(1) as f64;
            let growth = slope(&points) * span;
            let limit = slack + mean * (0.05 + rel);
            let judged = points.len() >= 6;
            let grows = judged && (growth > limit || last > first * 1.5 + slack + mean * rel);
            Trend {
                name,
                unit,
                first,
                last,
                growth,
                limit,
                grows,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn series(values: impl Fn(usize) -> u64) -> Vec<Sample> {
        let t0 = Instant::now();
        (0..40)
            .map(|i| Sample {
                at: t0 + Duration::from_secs(5 * i as u64),
                rss_kb: values(i),
                fds: 40,
                threads: 30,
                subscriptions: 2000,
            })
            .collect()
    }

    #[test]
    fn steady_and_noisy_figures_pass_a_growing_one_fails() {
        let steady = judge(&series(|i| 50_000 + (i as u64 % 3) * 3000));
        assert!(steady.iter().all(|t| !t.grows), "{steady:?}");
        // 2 MB a sample over 40 samples: 40 MB over the second half.
        let leak = judge(&series(|i| 50_000 + i as u64 * 2048));
        assert!(leak[0].grows, "{leak:?}");
        assert!(leak[1..].iter().all(|t| !t.grows), "{leak:?}");
        assert_eq!(leak[0].first.round(), 49.0);
        // Too few samples to judge.
        assert!(judge(&series(|i| 1000 * i as u64)[..8])
            .iter()
            .all(|t| !t.grows));
        assert!(judge(&[]).is_empty());
        assert!(sample(std::process::id(), 3).threads >= 1);
    }
}
