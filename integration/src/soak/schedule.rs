//! The seeded fault schedule: when each fault starts and ends, planned before the run from the
//! seed alone (so a run can be replayed), with faults that overlap but never take every link
//! down at once except in the planned all-XSPs-down windows.
//!
//! Rules, checked by the tests:
//! - every kind comes at least once in the first three quarters of the run (short runs too),
//!   then more at random, about `per_minute` a minute;
//! - a fault that breaks an XSP's link (its stream killed, stalled or closed, acknowledgements
//!   refused with 404, a heartbeat refused, the XSP down) keeps that XSP busy for its duration
//!   plus [`RECOVERY`]; at most `xsps - 1` XSPs are busy at once, and at most one is stalled
//!   (a stall is silent: the re-send of an event sent there must find a live channel within
//!   the acknowledgement timeout);
//! - no link fault comes near an all-down window, so every `disabled` is the window's;
//! - nothing starts in the last tenth of the run, which is left for things to settle.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::rng::Rng;

/// How long a link stays busy after its fault ended: detection, the reconnect backoff, a new
/// channel.
pub const RECOVERY: Duration = Duration::from_secs(6);
/// Link faults keep this far from an all-down window.
const ALL_DOWN_MARGIN: Duration = Duration::from_secs(8);

/// One kind of fault, with what it needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// XSP `xsp`'s channel stream killed (socket closed abruptly).
    Kill { xsp: usize },
    /// XSP `xsp`'s streams write nothing for a while.
    Stall { xsp: usize },
    /// XSP `xsp` closes its channel (ChannelTerminatedEvent).
    Close { xsp: usize },
    /// The next `count` acknowledgements to `xsp` refused with `status` (500: the event is
    /// re-sent elsewhere at once; 404: BroadWorks also drops the channel).
    AcksRefused { xsp: usize, status: u16, count: u32 },
    /// The next `count` acknowledgements to `xsp` lost: re-sent after the timeout.
    AcksLost { xsp: usize, count: u32 },
    /// A heartbeat to `xsp` answered 404.
    Heartbeat404 { xsp: usize },
    /// XSP `xsp` down (connections refused and closed), then back.
    XspDown { xsp: usize },
    /// Every XSP down at once, then back.
    AllDown,
    /// An Application Server failover for `users` random users.
    AsFailover { users: usize },
    /// BroadWorks terminates the subscriptions of `users` random users.
    SubscriptionsTerminated { users: usize },
    /// BroadWorks re-sends unacknowledged events only after `timeout` for a while.
    LateResend { timeout: Duration },
    /// Every event sent on two channels for a while.
    Duplicates,
    /// Consecutive events of a subscription swapped for a while.
    Swapped,
    /// CSTA client `client` disconnects, then reconnects and monitors again.
    ClientDrop { client: usize },
    /// The churning client stops `count` of its monitors and starts `count` others.
    MonitorChurn { count: usize },
}

impl Fault {
    /// The name of its kind, for the report.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Kill { .. } => "channel stream killed",
            Fault::Stall { .. } => "channel stalled",
            Fault::Close { .. } => "channel closed by the XSP",
            Fault::AcksRefused { status: 404, .. } => "acknowledgements refused (404)",
            Fault::AcksRefused { .. } => "acknowledgements refused (500)",
            Fault::AcksLost { .. } => "acknowledgements lost",
            Fault::Heartbeat404 { .. } => "heartbeat answered 404",
            Fault::XspDown { .. } => "XSP down and back",
            Fault::AllDown => "all XSPs down",
            Fault::AsFailover { .. } => "AS failover (resync)",
            Fault::SubscriptionsTerminated { .. } => "subscriptions terminated by BroadWorks",
            Fault::LateResend { .. } => "late re-sends",
            Fault::Duplicates => "events delivered twice",
            Fault::Swapped => "events swapped",
            Fault::ClientDrop { .. } => "CSTA client disconnected",
            Fault::MonitorChurn { .. } => "monitors stopped and started",
        }
    }

    /// The XSP whose link it breaks, if it breaks one.
    pub fn breaks(&self) -> Option<usize> {
        match *self {
            Fault::Kill { xsp }
            | Fault::Stall { xsp }
            | Fault::Close { xsp }
            | Fault::Heartbeat404 { xsp }
            | Fault::XspDown { xsp }
            | Fault::AcksRefused {
                xsp, status: 404, ..
            } => Some(xsp),
            _ => None,
        }
    }
}

/// A fault with its start and, for those that last, its end (offsets from the run's start).
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub at: Duration,
    /// When it is undone (the stall lifted, the XSP back…); `at` for instant faults.
    pub until: Duration,
    pub fault: Fault,
}

/// What the plan is made for.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub length: Duration,
    pub xsps: usize,
    pub clients: usize,
    /// `xsi.reorder_wait_s`: late re-sends stay within it.
    pub reorder_wait: Duration,
    /// Faults a minute beyond the first of each kind.
    pub per_minute: f64,
}

/// A fault of `kind` (index into the kinds of [`kinds`]) with its parameters drawn.
fn draw(rng: &mut Rng, kind: usize, shape: &Shape) -> (Fault, Duration) {
    let secs = |rng: &mut Rng, lo: f64, hi: f64| Duration::from_secs_f64(rng.range(lo, hi));
    let xsp = 0;
    match kind {
        0 => (Fault::Kill { xsp }, Duration::ZERO),
        1 => (Fault::Stall { xsp }, secs(rng, 0.5, 4.0)),
        2 => (Fault::Close { xsp }, Duration::ZERO),
        3 => (
            Fault::AcksRefused {
                xsp,
                status: 500,
                count: 1 + rng.below(20) as u32,
            },
            Duration::ZERO,
        ),
        4 => (
            Fault::AcksRefused {
                xsp,
                status: 404,
                count: 1,
            },
            Duration::ZERO,
        ),
        5 => (
            Fault::AcksLost {
                xsp,
                count: 1 + rng.below(20) as u32,
            },
            Duration::ZERO,
        ),
        6 => (Fault::Heartbeat404 { xsp }, Duration::ZERO),
        7 => (Fault::XspDown { xsp }, secs(rng, 1.0, 6.0)),
        8 => (Fault::AllDown, secs(rng, 2.0, 6.0)),
        9 => (
            Fault::AsFailover {
                users: 1 + rng.below(30),
            },
            Duration::ZERO,
        ),
        10 => (
            Fault::SubscriptionsTerminated {
                users: 1 + rng.below(30),
            },
            Duration::ZERO,
        ),
        11 => {
            let wait = shape.reorder_wait.as_secs_f64();
            let timeout = rng.range(wait * 0.5, (wait - 1.0).max(wait * 0.5));
            (
                Fault::LateResend {
                    timeout: Duration::from_secs_f64(timeout),
                },
                secs(rng, 5.0, 15.0),
            )
        }
        12 => (Fault::Duplicates, secs(rng, 2.0, 8.0)),
        13 => (Fault::Swapped, secs(rng, 2.0, 8.0)),
        14 => (
            Fault::ClientDrop {
                client: rng.below(shape.clients.max(1)),
            },
            secs(rng, 0.5, 4.0),
        ),
        _ => (
            Fault::MonitorChurn {
                count: 1 + rng.below(10),
            },
            Duration::ZERO,
        ),
    }
}

/// How many kinds [`draw`] knows.
const KINDS: usize = 16;
/// The all-down kind: placed apart, at most every few minutes.
const ALL_DOWN: usize = 8;

/// The names of every kind, in the report's order.
pub fn kinds() -> Vec<&'static str> {
    let shape = Shape {
        length: Duration::from_secs(60),
        xsps: 3,
        clients: 3,
        reorder_wait: Duration::from_secs(5),
        per_minute: 0.0,
    };
    let mut rng = Rng::new(0);
    (0..KINDS)
        .map(|k| draw(&mut rng, k, &shape).0.kind())
        .collect()
}

fn with_xsp(fault: Fault, x: usize) -> Fault {
    match fault {
        Fault::Kill { .. } => Fault::Kill { xsp: x },
        Fault::Stall { .. } => Fault::Stall { xsp: x },
        Fault::Close { .. } => Fault::Close { xsp: x },
        Fault::AcksRefused { status, count, .. } => Fault::AcksRefused {
            xsp: x,
            status,
            count,
        },
        Fault::AcksLost { count, .. } => Fault::AcksLost { xsp: x, count },
        Fault::Heartbeat404 { .. } => Fault::Heartbeat404 { xsp: x },
        Fault::XspDown { .. } => Fault::XspDown { xsp: x },
        other => other,
    }
}

/// Which XSPs are busy (and which stalled) over time: the intervals taken so far.
#[derive(Default)]
struct Busy {
    /// (from, to, xsp, stall)
    taken: Vec<(Duration, Duration, usize, bool)>,
}

impl Busy {
    /// An XSP free over `[from, to)` under the rules, the first from `start`'s rotation.
    fn free(
        &self,
        from: Duration,
        to: Duration,
        stall: bool,
        shape: &Shape,
        start: usize,
    ) -> Option<usize> {
        let overlapping: Vec<&(Duration, Duration, usize, bool)> = self
            .taken
            .iter()
            .filter(|(f, t, _, _)| *f < to && from < *t)
            .collect();
        if stall && overlapping.iter().any(|(_, _, _, s)| *s) {
            return None;
        }
        // At most xsps - 1 busy at any instant: checked at each start inside the span.
        let mut instants: Vec<Duration> = vec![from];
        instants.extend(
            overlapping
                .iter()
                .map(|(f, _, _, _)| *f)
                .filter(|f| *f > from),
        );
        let busy_at = |at: Duration| -> Vec<usize> {
            let mut v: Vec<usize> = overlapping
                .iter()
                .filter(|(f, t, _, _)| *f <= at && at < *t)
                .map(|(_, _, x, _)| *x)
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        (0..shape.xsps)
            .map(|k| (start + k) % shape.xsps)
            .find(|&x| {
                instants.iter().all(|&at| {
                    let busy = busy_at(at);
                    !busy.contains(&x) && busy.len() + 1 < shape.xsps
                })
            })
    }
}

/// The plan for `shape`, from `rng`; sorted by start.
pub fn plan(rng: &mut Rng, shape: &Shape) -> Vec<Planned> {
    let length = shape.length;
    let frac = |f: f64| length.mul_f64(f);
    // The all-down windows: one per six minutes (at least one), in the middle of the run.
    let windows = ((length.as_secs_f64() / 360.0).floor() as usize).max(1);
    let mut out = Vec::new();
    let mut all_down: Vec<(Duration, Duration)> = Vec::new();
    for w in 0..windows {
        let slot = 0.6 / windows as f64;
        let at = frac(0.2 + slot * w as f64 + rng.range(0.0, slot * 0.5));
        let (fault, lasts) = draw(rng, ALL_DOWN, shape);
        all_down.push((at, at + lasts));
        out.push(Planned {
            at,
            until: at + lasts,
            fault,
        });
    }
    // One of each other kind over the first three quarters, then random ones; the first ones
    // are placed first, so that the random ones cannot crowd them out.
    let mut first: Vec<usize> = (0..KINDS).filter(|&k| k != ALL_DOWN).collect();
    rng.shuffle(&mut first);
    let step = 0.7 / first.len() as f64;
    let mut wanted: Vec<(Duration, usize)> = first
        .iter()
        .enumerate()
        .map(|(i, &k)| (frac(0.05 + step * (i as f64 + rng.unit())), k))
        .collect();
    let mut extra: Vec<(Duration, usize)> = Vec::new();
    for _ in 0..(shape.per_minute * length.as_secs_f64() / 60.0).round() as usize {
        let mut k = rng.below(KINDS - 1);
        if k >= ALL_DOWN {
            k += 1;
        }
        extra.push((frac(rng.range(0.05, 0.9)), k));
    }
    extra.sort_by_key(|(at, _)| *at);
    wanted.extend(extra);
    let mut busy = Busy::default();
    let last_start = frac(0.9);
    for (at, kind) in wanted {
        let (fault, lasts) = draw(rng, kind, shape);
        if fault.breaks().is_none() {
            out.push(Planned {
                at,
                until: at + lasts,
                fault,
            });
            continue;
        }
        // A link fault: the first time from `at` when an XSP is free and no all-down window
        // is near, trying every half second (from the start again when it does not fit
        // after `at`).
        let stall = matches!(fault, Fault::Stall { .. });
        let tries = std::iter::successors(Some(at), |t| Some(*t + Duration::from_millis(500)))
            .take_while(|t| *t <= last_start)
            .chain(
                std::iter::successors(Some(frac(0.05)), |t| Some(*t + Duration::from_millis(500)))
                    .take_while(|t| *t < at),
            );
        for start in tries {
            let end = start + lasts + RECOVERY;
            let near_all_down = all_down
                .iter()
                .any(|&(f, t)| start < t + ALL_DOWN_MARGIN && f < end + ALL_DOWN_MARGIN);
            if near_all_down {
                continue;
            }
            if let Some(x) = busy.free(start, end, stall, shape, rng.below(shape.xsps)) {
                busy.taken.push((start, end, x, stall));
                out.push(Planned {
                    at: start,
                    until: start + lasts,
                    fault: with_xsp(fault, x),
                });
                break;
            }
        }
    }
    out.sort_by_key(|p| p.at);
    out
}

/// How many of each kind `plan` holds, every kind listed.
pub fn count_by_kind(plan: &[Planned]) -> BTreeMap<&'static str, usize> {
    let mut counts: BTreeMap<&'static str, usize> = kinds().into_iter().map(|k| (k, 0)).collect();
    for p in plan {
        *counts.entry(p.fault.kind()).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(secs: u64, xsps: usize) -> Shape {
        Shape {
            length: Duration::from_secs(secs),
            xsps,
            clients: 3,
            reorder_wait: Duration::from_secs(5),
            per_minute: 20.0,
        }
    }

    #[test]
    fn a_short_run_still_gets_every_kind_and_a_long_one_many() {
        for seed in 0..20 {
            let s = shape(60, 3);
            let p = plan(&mut Rng::new(seed), &s);
            let counts = count_by_kind(&p);
            assert_eq!(counts.len(), KINDS, "{counts:?}");
            assert!(counts.values().all(|&n| n >= 1), "seed {seed}: {counts:?}");
            assert!(p.iter().all(|f| f.at <= s.length.mul_f64(0.9)));
            assert!(p.windows(2).all(|w| w[0].at <= w[1].at));
        }
        let p = plan(&mut Rng::new(1), &shape(1800, 3));
        let counts = count_by_kind(&p);
        assert_eq!(counts["all XSPs down"], 5);
        assert!(p.len() > 500, "{}", p.len());
        assert_eq!(
            plan(&mut Rng::new(5), &shape(600, 2)),
            plan(&mut Rng::new(5), &shape(600, 2))
        );
    }

    #[test]
    fn links_never_all_break_at_once_outside_the_all_down_windows() {
        for (seed, xsps) in [(1, 3), (2, 2), (3, 3), (4, 2)] {
            let s = shape(1200, xsps);
            let p = plan(&mut Rng::new(seed), &s);
            let spans: Vec<(Duration, Duration, usize, bool)> = p
                .iter()
                .filter_map(|f| {
                    let x = f.fault.breaks()?;
                    Some((
                        f.at,
                        f.until + RECOVERY,
                        x,
                        matches!(f.fault, Fault::Stall { .. }),
                    ))
                })
                .collect();
            let downs: Vec<(Duration, Duration)> = p
                .iter()
                .filter(|f| f.fault == Fault::AllDown)
                .map(|f| (f.at, f.until))
                .collect();
            for &(from, to, _, _) in &spans {
                let mut busy: Vec<usize> = spans
                    .iter()
                    .filter(|(f, t, _, _)| *f <= from && from < *t)
                    .map(|s| s.2)
                    .collect();
                busy.sort_unstable();
                busy.dedup();
                assert!(busy.len() < xsps, "seed {seed}: {busy:?} busy at {from:?}");
                let stalls = spans
                    .iter()
                    .filter(|(f, t, _, s)| *s && *f <= from && from < *t)
                    .count();
                assert!(stalls <= 1);
                assert!(downs
                    .iter()
                    .all(|&(f, t)| to + ALL_DOWN_MARGIN <= f || t + ALL_DOWN_MARGIN <= from));
            }
        }
    }
}
