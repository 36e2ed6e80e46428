//! The oracle: the simulator's record of what happened to each call and device (its journal
//! and its live calls) against what each CSTA client got.
//!
//! 1. Expected events: the journal's events, per device and package, through the oracle's own
//!    table (`table`), each subscription's in emission order; events of a subscription that is
//!    no longer the device's (an orphan bwcsta has forgotten) are left out, and a device's view
//!    starts again when its subscription was created anew (unless BroadWorks had terminated the
//!    old one: bwcsta keeps its model then).
//! 2. For each client, an expected event is *required* when the client held a monitor of the
//!    device from before the event until at least `margin` after it (the time a re-send may
//!    take); every other one may come at most once, and when it does not, it is an allowed
//!    exception, counted by why the client was not monitoring.
//! 3. Per client, device and callID, the events received must be the expected ones in order:
//!    the best match (a small dynamic programme) leaves no required event unmatched (lost) and
//!    no received event unmatched (duplicated, or unexpected).
//! 4. At the end: the calls each client believes each monitored device has (its view) are the
//!    simulator's live calls of that device (no stuck call, none missing); every SystemStatus
//!    change matches the all-XSPs-down windows; every call-control request was answered once.

pub mod table;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use super::client::{ClientLog, End, Seen, Window};
use crate::sim::chaos::{Emitted, LiveCalls, Record};
use table::{call_id, Expect, View};

/// The settings of a check.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// Events emitted up to this instant are judged (the run's now at a periodic check).
    pub horizon: Instant,
    /// How long after its emission an event may still arrive.
    pub margin: Duration,
    /// The run is over and drained: stuck calls and unanswered requests are judged too.
    pub last: bool,
    /// How long a call-control request may take.
    pub request_timeout: Duration,
}

/// One broken rule, with what both sides saw around it.
#[derive(Clone, Debug)]
pub struct Violation {
    pub at: Instant,
    pub what: String,
    pub context: Vec<String>,
}

/// The oracle's findings.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    /// Events the simulator emitted (every subscription).
    pub emitted: u64,
    /// CSTA events expected, over the clients, required ones.
    pub required: u64,
    pub received: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub unexpected: u64,
    pub stuck: u64,
    pub missing: u64,
    /// Events the table does not know (none expected of them).
    pub unmodelled: u64,
    /// Events of subscriptions bwcsta no longer held.
    pub orphaned: u64,
    /// Optional events that did not come, by why the client was not monitoring.
    pub exceptions: BTreeMap<&'static str, u64>,
    pub requests: u64,
    pub unanswered: u64,
    pub answered_twice: u64,
    pub status_changes: u64,
    pub violations: Vec<Violation>,
}

impl Findings {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// One expected event for one device.
#[derive(Clone, Debug)]
struct Expected {
    at: Instant,
    dn: String,
    expect: Expect,
    /// Index of the journal record it comes from.
    record: usize,
}

fn class(package: &str) -> u8 {
    match package {
        "Call Center Agent" => 1,
        "Call Center Queue" | "Route Point Queue" => 2,
        _ => 0,
    }
}

/// Step 1: the expected events of every device, in emission order.
fn expectations(journal: &[Record], f: &mut Findings) -> Vec<Expected> {
    // (dn, class) → (current subscription, view); subscription → its (dn, class), how it ended.
    let mut devices: HashMap<(String, u8), (String, View)> = HashMap::new();
    let mut subs: HashMap<&str, (String, u8)> = HashMap::new();
    let mut ended: HashMap<&str, &str> = HashMap::new();
    let mut out = Vec::new();
    for (i, r) in journal.iter().enumerate() {
        match r {
            Record::SubscriptionCreated {
                id, dn, package, ..
            } => {
                let key = (dn.clone(), class(package));
                subs.insert(id, key.clone());
                let entry = devices
                    .entry(key)
                    .or_insert_with(|| (id.clone(), View::default()));
                // bwcsta keeps the device's model when BroadWorks ended the subscription.
                let kept = ended.get(entry.0.as_str()) == Some(&"terminated by BroadWorks");
                if !kept {
                    f.unmodelled += entry.1.unmodelled;
                    entry.1 = View::default();
                }
                entry.0 = id.clone();
            }
            Record::SubscriptionEnded { id, why, .. } => {
                ended.insert(id, why);
            }
            Record::Event(e) => {
                f.emitted += 1;
                let Some(key) = subs.get(e.subscription.as_str()) else {
                    f.orphaned += 1;
                    continue;
                };
                let Some((current, view)) = devices.get_mut(key) else {
                    continue;
                };
                if *current != e.subscription {
                    f.orphaned += 1;
                    continue;
                }
                for expect in view.apply(&e.fact, e.sequence == 1) {
                    out.push(Expected {
                        at: e.at,
                        dn: e.dn.clone(),
                        expect,
                        record: i,
                    });
                }
            }
        }
    }
    f.unmodelled += devices.values().map(|(_, v)| v.unmodelled).sum::<u64>();
    out
}

/// Why a client was not monitoring at `at`, or `None` when the event is required of it.
fn coverage(
    windows: &[&Window],
    at: Instant,
    check: &Check,
    all_down: &[(Instant, Instant)],
) -> Option<&'static str> {
    let m = check.margin;
    let required = windows.iter().any(|w| {
        let end = w.end.map_or(check.horizon, |(t, _)| t.min(check.horizon));
        w.start <= at && at + m <= end
    });
    if required {
        return None;
    }
    if all_down.iter().any(|&(d, u)| d <= at + m && at <= u + m) {
        return Some("all XSPs down: MonitorStop, monitors started again");
    }
    // The window this event fell at the edge of, or after.
    let near = windows
        .iter()
        .filter(|w| w.start <= at + m)
        .max_by_key(|w| w.start);
    Some(match near.and_then(|w| w.end) {
        Some((_, End::Disconnected)) => "client disconnected",
        Some((_, End::ClientStop)) => "monitor stopped by the client",
        Some((_, End::ServerStop)) => "monitor stopped by the server (subscription lost)",
        None if near.is_some() => "monitor just started",
        None => "before the first monitor",
    })
}

/// Step 3 for one group: the cheapest match of `expected` (with whether each is required) and
/// `received` (arrival times); returns (lost indexes, extra indexes).
fn align(expected: &[(&Expected, bool)], received: &[&Seen]) -> (Vec<usize>, Vec<usize>) {
    const EXTRA: u32 = 1000;
    let (m, n) = (expected.len(), received.len());
    let mut cost = vec![vec![u32::MAX; n + 1]; m + 1];
    cost[0][0] = 0;
    for i in 0..=m {
        for j in 0..=n {
            let c = cost[i][j];
            if c == u32::MAX {
                continue;
            }
            if i < m {
                let skip = c + u32::from(expected[i].1);
                cost[i + 1][j] = cost[i + 1][j].min(skip);
            }
            if j < n {
                cost[i][j + 1] = cost[i][j + 1].min(c + EXTRA);
            }
            if i < m && j < n && fits(expected[i].0, received[j]) {
                cost[i + 1][j + 1] = cost[i + 1][j + 1].min(c);
            }
        }
    }
    let (mut i, mut j) = (m, n);
    let (mut lost, mut extra) = (Vec::new(), Vec::new());
    while i > 0 || j > 0 {
        let c = cost[i][j];
        if i > 0 && j > 0 && fits(expected[i - 1].0, received[j - 1]) && cost[i - 1][j - 1] == c {
            i -= 1;
            j -= 1;
        } else if i > 0
            && cost[i - 1][j] != u32::MAX
            && cost[i - 1][j] + u32::from(expected[i - 1].1) == c
        {
            i -= 1;
            if expected[i].1 {
                lost.push(i);
            }
        } else {
            j -= 1;
            extra.push(j);
        }
    }
    lost.reverse();
    extra.reverse();
    (lost, extra)
}

fn fits(e: &Expected, r: &Seen) -> bool {
    e.expect.kind == r.kind && r.at >= e.at
}

fn describe_seen(client: &str, s: &Seen) -> String {
    format!(
        "client {client} got {} call={} conn={} state={}",
        s.kind,
        s.call.as_deref().unwrap_or("-"),
        s.conn_device.as_deref().unwrap_or("-"),
        s.state.as_deref().unwrap_or("-")
    )
}

fn describe_emitted(e: &Emitted) -> String {
    format!(
        "simulator emitted {} for {} (subscription {}, sequence {}, eventID {}): {:?}",
        e.fact.kind(),
        e.dn,
        e.subscription,
        e.sequence,
        e.event_id,
        e.fact
    )
}

/// Checks everything `journal` and `clients` show against each other.
pub fn check(
    journal: &[Record],
    clients: &[ClientLog],
    all_down: &[(Instant, Instant)],
    live: Option<&(LiveCalls, BTreeMap<String, Vec<u64>>)>,
    c: &Check,
) -> Findings {
    let mut f = Findings::default();
    let expected = expectations(journal, &mut f);
    // Events emitted within the margin before the horizon may still be on their way: they are
    // matched like the others (so that what came of them is not taken for something else),
    // but not required yet.
    let settled = |at: Instant| at + c.margin <= c.horizon;
    let mut by_device: HashMap<&str, Vec<&Expected>> = HashMap::new();
    for e in expected.iter().filter(|e| e.at <= c.horizon) {
        by_device.entry(e.dn.as_str()).or_default().push(e);
    }
    let t0 = journal.first().map_or(c.horizon, Record::at);
    for client in clients {
        let mut windows: HashMap<&str, Vec<&Window>> = HashMap::new();
        for w in &client.windows {
            windows.entry(w.device.as_str()).or_default().push(w);
        }
        let mut received: HashMap<(&str, &str), Vec<&Seen>> = HashMap::new();
        for s in &client.events {
            let call = s.call.as_deref().unwrap_or("");
            let call = if s.kind.starts_with("Agent") {
                ""
            } else {
                call
            };
            received
                .entry((s.device.as_str(), call))
                .or_default()
                .push(s);
        }
        f.received += client.events.len() as u64;
        let mut groups: HashMap<(&str, &str), Vec<(&Expected, bool)>> = HashMap::new();
        for (dn, list) in &by_device {
            let Some(ws) = windows.get(dn) else {
                continue;
            };
            for e in list {
                let why = coverage(ws, e.at, c, all_down);
                let required = why.is_none() && !e.expect.optional && settled(e.at);
                if required {
                    f.required += 1;
                }
                let call = e.expect.call.as_deref().unwrap_or("");
                groups.entry((dn, call)).or_default().push((e, required));
            }
        }
        let mut keys: BTreeSet<(&str, &str)> = groups.keys().copied().collect();
        keys.extend(received.keys().copied());
        for key in keys {
            let exp = groups.get(&key).map_or(&[][..], Vec::as_slice);
            let got = received.get(&key).map_or(&[][..], Vec::as_slice);
            let (lost, extra) = align(exp, got);
            let context = || {
                let mut ctx: Vec<(Instant, String)> = exp
                    .iter()
                    .filter_map(|(e, _)| match journal.get(e.record) {
                        Some(Record::Event(em)) => Some((em.at, describe_emitted(em))),
                        _ => None,
                    })
                    .collect();
                ctx.extend(got.iter().map(|s| (s.at, describe_seen(&client.name, s))));
                ctx.sort_by_key(|(at, _)| *at);
                ctx.dedup();
                ctx.into_iter()
                    .map(|(at, line)| {
                        format!("+{:.3} s {line}", at.duration_since(t0).as_secs_f64())
                    })
                    .collect::<Vec<_>>()
            };
            for &i in &lost {
                f.lost += 1;
                let (e, _) = exp[i];
                f.violations.push(Violation {
                    at: e.at + c.margin,
                    what: format!(
                        "client {} lost {} of call {} on device {} (emitted at +{:.3} s)",
                        client.name,
                        e.expect.kind,
                        key.1,
                        key.0,
                        e.at.duration_since(t0).as_secs_f64()
                    ),
                    context: context(),
                });
            }
            for &j in &extra {
                let s = got[j];
                // A late arrival of an event emitted after the horizon is judged next time.
                if !c.last && s.at + c.margin > c.horizon {
                    continue;
                }
                let expected_n = exp.iter().filter(|(e, _)| e.expect.kind == s.kind).count();
                let got_n = got.iter().filter(|g| g.kind == s.kind).count();
                let what = if expected_n > 0 && got_n > expected_n {
                    f.duplicated += 1;
                    "a duplicate"
                } else {
                    f.unexpected += 1;
                    "an unexpected (or out-of-order)"
                };
                f.violations.push(Violation {
                    at: s.at,
                    what: format!(
                        "client {} got {what} {} of call {} on device {} at +{:.3} s",
                        client.name,
                        s.kind,
                        key.1,
                        key.0,
                        s.at.duration_since(t0).as_secs_f64()
                    ),
                    context: context(),
                });
            }
            count_exceptions(&mut f, exp, got, &windows, key.0, c, all_down);
        }
        check_requests(&mut f, client, c);
        for (at, what) in &client.strays {
            f.violations.push(Violation {
                at: *at,
                what: format!("client {}: {what}", client.name),
                context: Vec::new(),
            });
        }
        if c.last {
            if let Some(live) = live {
                check_calls(&mut f, client, live);
            }
        }
    }
    check_statuses(&mut f, clients, all_down, c, t0);
    f.violations.sort_by_key(|v| v.at);
    f
}

/// Counts the optional events of one group that did not come, by why.
fn count_exceptions(
    f: &mut Findings,
    exp: &[(&Expected, bool)],
    got: &[&Seen],
    windows: &HashMap<&str, Vec<&Window>>,
    dn: &str,
    c: &Check,
    all_down: &[(Instant, Instant)],
) {
    let optional: Vec<&Expected> = exp.iter().filter(|(_, r)| !r).map(|(e, _)| *e).collect();
    if optional.is_empty() {
        return;
    }
    let Some(ws) = windows.get(dn) else {
        return;
    };
    let first = ws.iter().map(|w| w.start).min();
    // Of each kind, the optional ones beyond what came (after the required ones took theirs).
    let mut kinds: BTreeMap<&str, (usize, usize, Vec<&Expected>)> = BTreeMap::new();
    for (e, required) in exp {
        if e.at + c.margin > c.horizon {
            continue;
        }
        let k = kinds.entry(e.expect.kind).or_default();
        if *required {
            k.0 += 1;
        } else {
            k.2.push(e);
        }
    }
    for g in got {
        if let Some(k) = kinds.get_mut(g.kind.as_str()) {
            k.1 += 1;
        }
    }
    for (_, (required, came, optional)) in kinds {
        let came_optional = came.saturating_sub(required);
        for e in optional.iter().skip(came_optional) {
            if first.is_some_and(|t| e.at + c.margin < t) {
                continue;
            }
            let why = if e.expect.optional {
                "resync of a subscription created anew"
            } else {
                coverage(ws, e.at, c, all_down).unwrap_or("monitor just started")
            };
            *f.exceptions.entry(why).or_default() += 1;
        }
    }
}

fn check_requests(f: &mut Findings, client: &ClientLog, c: &Check) {
    for r in &client.requests {
        f.requests += 1;
        match r.answers.len() {
            1 => {}
            0 if r.abandoned => {}
            0 if c.last || r.sent + c.request_timeout + c.margin <= c.horizon => {
                f.unanswered += 1;
                f.violations.push(Violation {
                    at: r.sent + c.request_timeout,
                    what: format!(
                        "client {}: request `{}` never answered",
                        client.name, r.what
                    ),
                    context: Vec::new(),
                });
            }
            0 => {}
            _ => {
                f.answered_twice += 1;
                f.violations.push(Violation {
                    at: r.answers[1].0,
                    what: format!(
                        "client {}: request `{}` answered {} times: {:?}",
                        client.name,
                        r.what,
                        r.answers.len(),
                        r.answers.iter().map(|(_, a)| a).collect::<Vec<_>>()
                    ),
                    context: Vec::new(),
                });
            }
        }
    }
}

/// The callIDs each device has at the simulator: its legs (a conference's by the callID of
/// its first leg), a queue's calls.
pub fn live_calls_by_device(
    live: &LiveCalls,
    queued: &BTreeMap<String, Vec<u64>>,
) -> HashMap<String, BTreeSet<String>> {
    let ext_of: HashMap<u64, u64> = live.legs.iter().map(|l| (l.half, l.ext)).collect();
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for leg in &live.legs {
        let conf = live
            .conferences
            .iter()
            .find(|(dn, halves)| *dn == leg.dn && halves.contains(&leg.half))
            .and_then(|(_, halves)| halves.iter().find_map(|h| ext_of.get(h)));
        let ext = conf.copied().unwrap_or(leg.ext);
        out.entry(leg.dn.clone()).or_default().insert(call_id(ext));
    }
    for (dn, calls) in queued {
        out.entry(dn.clone())
            .or_default()
            .extend(calls.iter().map(|&n| call_id(n)));
    }
    out
}

fn check_calls(
    f: &mut Findings,
    client: &ClientLog,
    live: &(LiveCalls, BTreeMap<String, Vec<u64>>),
) {
    let want = live_calls_by_device(&live.0, &live.1);
    let empty = BTreeSet::new();
    let mut devices: Vec<&String> = client.views.keys().collect();
    devices.sort();
    for device in devices {
        let have = &client.views[device];
        let should = want.get(device).unwrap_or(&empty);
        let stuck: Vec<&String> = have.difference(should).collect();
        let missing: Vec<&String> = should.difference(have).collect();
        f.stuck += stuck.len() as u64;
        f.missing += missing.len() as u64;
        if !stuck.is_empty() || !missing.is_empty() {
            let mut context: Vec<String> = client
                .events
                .iter()
                .filter(|s| s.device == *device)
                .rev()
                .take(12)
                .map(|s| describe_seen(&client.name, s))
                .collect();
            context.reverse();
            f.violations.push(Violation {
                at: Instant::now(),
                what: format!(
                    "client {} at the end, device {device}: stuck {stuck:?} (BroadWorks ended \
                     them), missing {missing:?} (BroadWorks has them); the simulator has \
                     {should:?}",
                    client.name
                ),
                context,
            });
        }
    }
}

/// SystemStatus `disabled` only in an all-down window (each connected client gets one, then
/// `normal` once a link is back).
fn check_statuses(
    f: &mut Findings,
    clients: &[ClientLog],
    all_down: &[(Instant, Instant)],
    c: &Check,
    t0: Instant,
) {
    let notice = Duration::from_secs(5);
    let back = Duration::from_secs(20);
    for client in clients {
        f.status_changes += client.statuses.len() as u64;
        for (at, status) in &client.statuses {
            if status == "disabled" && !all_down.iter().any(|&(d, u)| d <= *at && *at <= u + back) {
                f.violations.push(Violation {
                    at: *at,
                    what: format!(
                        "client {} got SystemStatus disabled outside every all-XSPs-down window",
                        client.name
                    ),
                    context: Vec::new(),
                });
            }
        }
        for &(d, u) in all_down {
            if u + back > c.horizon {
                continue;
            }
            // Connected all along (no window of its ended by a disconnection around it).
            let dropped = client.windows.iter().any(
                |w| matches!(w.end, Some((t, End::Disconnected)) if t + back >= d && t <= u + back),
            );
            if dropped || client.windows.iter().all(|w| w.start > d) {
                continue;
            }
            let disabled = client
                .statuses
                .iter()
                .any(|(t, s)| s == "disabled" && d <= *t && *t <= d + notice);
            let normal = client
                .statuses
                .iter()
                .any(|(t, s)| s == "normal" && u <= *t && *t <= u + back);
            if !disabled || !normal {
                f.violations.push(Violation {
                    at: if disabled { u + back } else { d + notice },
                    what: format!(
                        "client {}: all XSPs down from +{:.1} s to +{:.1} s but SystemStatus {}",
                        client.name,
                        signed(d, t0),
                        signed(u, t0),
                        if disabled {
                            "normal did not follow"
                        } else {
                            "disabled did not come"
                        }
                    ),
                    context: client
                        .statuses
                        .iter()
                        .map(|(t, s)| {
                            format!("{s} at {:+.1} s from the window's start", signed(*t, d))
                        })
                        .collect(),
                });
            }
        }
    }
}

fn signed(t: Instant, from: Instant) -> f64 {
    if t >= from {
        t.duration_since(from).as_secs_f64()
    } else {
        -from.duration_since(t).as_secs_f64()
    }
}

/// The fact of a journal event, for tests.
#[cfg(test)]
fn emitted(at: Instant, dn: &str, sub: &str, seq: u32, fact: crate::sim::chaos::Fact) -> Record {
    Record::Event(Emitted {
        at,
        dn: dn.into(),
        subscription: sub.into(),
        package: "Advanced Call".into(),
        event_id: format!("e{seq}"),
        sequence: seq,
        fact,
    })
}
