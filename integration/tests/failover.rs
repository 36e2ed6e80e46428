//! Hot standby end to end: a stream of calls over three XSPs while one
//! channel fails (acknowledgements refused with 503, the channel killed
//! with events in flight, the channel stalled). BroadWorks (the simulator)
//! re-sends what was not acknowledged on another channel after 1.5 s; every
//! CSTA event must still reach each client that monitors its device exactly
//! once, in order per call, and the clients must never see the system
//! status change. Then two connector instances on one BroadWorks.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bwcsta::csta::edition::Edition;
use bwcsta::csta::parse::Message;
use bwcsta_integration::client::{CstaClient, Received};
use bwcsta_integration::sim::{CallId, SimConfig, Simulator};
use bwcsta_integration::support::{wait_until, Bwcsta};
use parking_lot::Mutex;
use serde_json::{json, Value};

use common::{assert_schema_clean, event, monitor, T};

/// BroadWorks' acknowledgement timeout in these tests.
const ACK_TIMEOUT: Duration = Duration::from_millis(1500);
/// Calls in each stream.
const CALLS: usize = 60;
/// The fault comes after this many calls.
const FAULT_AT: usize = 15;
/// Time between calls: the stream lasts a few seconds, so that calls go on
/// across the fault and the re-sends.
const PACE: Duration = Duration::from_millis(40);
/// How long a stall lasts: past the re-send, short of bwcsta's read
/// timeout (three heartbeat intervals of 1 s), so the stall stays unknown.
const STALL: Duration = Duration::from_secs(2);
/// (calling, called): every call is seen by one or both clients.
const PAIRS: [(&str, &str); 4] = [
    ("2001", "2002"),
    ("2003", "2004"),
    ("2001", "2004"),
    ("2003", "2002"),
];
const CLIENT_A: &[&str] = &["2001", "2002"];
const CLIENT_B: &[&str] = &["2002", "2003", "2004"];

fn three_xsps() -> Simulator {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    Simulator::start(SimConfig {
        xsps: (1..=3).map(|i| (format!("xsp{i}"), loopback)).collect(),
        ack_timeout: ACK_TIMEOUT,
        ..SimConfig::default()
    })
    .expect("simulator")
}

fn start_bwcsta(sim: &Simulator, tag: &str, tweak: impl FnOnce(&mut Value)) -> Bwcsta {
    let bw = launch(sim, tag, tweak);
    let links = sim.xsp_urls().len();
    assert!(bw.wait_links_up(links, T), "links not up: {}", bw.log());
    bw
}

/// bwcsta against `sim`, listening (links not waited for).
fn launch(sim: &Simulator, tag: &str, tweak: impl FnOnce(&mut Value)) -> Bwcsta {
    common::launch(&sim.xsp_urls(), tag, |config| {
        config["xsi"]["heartbeat_interval_s"] = json!(1);
        config["csta"]["idle_timeout_s"] = json!(600);
        tweak(config);
    })
}

/// A client monitoring `devices`, with its monitorCrossRefID → device.
fn monitoring(bw: &Bwcsta, devices: &[&str]) -> (CstaClient, HashMap<String, String>) {
    let mut c = CstaClient::connect(bw.csta, Edition::Ed3).expect("connect");
    let xrefs = monitor(&mut c, devices)
        .into_iter()
        .zip(devices.iter().map(|d| d.to_string()))
        .collect();
    (c, xrefs)
}

/// Reads one client on its own thread, so that its socket never backs up
/// while the test drives the simulator.
struct Collector {
    got: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    xrefs: HashMap<String, String>,
    devices: &'static [&'static str],
}

impl Collector {
    fn start(
        (mut client, xrefs): (CstaClient, HashMap<String, String>),
        devices: &'static [&'static str],
    ) -> Collector {
        let got = Arc::new(Mutex::new(client.take_queued()));
        let stop = Arc::new(AtomicBool::new(false));
        let (g, s) = (got.clone(), stop.clone());
        let thread = std::thread::spawn(move || loop {
            match client.recv(Duration::from_millis(300)) {
                Ok(Some(r)) => g.lock().push(r),
                // Stopped, and nothing more came for a while.
                Ok(None) if s.load(Ordering::SeqCst) => return,
                Ok(None) => {}
                Err(e) => panic!("client: {e}"),
            }
        });
        Collector {
            got,
            stop,
            thread,
            xrefs,
            devices,
        }
    }

    fn events(&self) -> usize {
        self.got.lock().iter().filter(|r| r.is_event()).count()
    }

    fn finish(
        self,
    ) -> (
        Vec<Received>,
        HashMap<String, String>,
        &'static [&'static str],
    ) {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("collector");
        let got = std::mem::take(&mut *self.got.lock());
        (got, self.xrefs, self.devices)
    }
}

/// What a client monitoring `device` must see of `call`, in order.
fn expected(device: &str, from: &str, to: &str) -> Option<Vec<&'static str>> {
    let first = if device == from {
        "OriginatedEvent"
    } else if device == to {
        "DeliveredEvent"
    } else {
        return None;
    };
    Some(vec![first, "EstablishedEvent", "ConnectionClearedEvent"])
}

fn expected_count(devices: &[&str], calls: &[(CallId, &str, &str)]) -> usize {
    calls
        .iter()
        .flat_map(|(_, from, to)| devices.iter().filter_map(|d| expected(d, from, to)))
        .map(|v| v.len())
        .sum()
}

/// Every event exactly once, in order per (device, call); the only
/// SystemStatus the opening one (normal); no MonitorStop.
fn check_client(
    name: &str,
    got: &[Received],
    xrefs: &HashMap<String, String>,
    devices: &[&str],
    calls: &[(CallId, &str, &str)],
) {
    let mut seen: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in got {
        match &r.message {
            Message::SystemStatus { status } => {
                assert_eq!(status, "normal", "{name}: SystemStatus {status}")
            }
            Message::MonitorStop { .. } => panic!("{name}: MonitorStop"),
            _ => {}
        }
        let Some(e) = event(r) else { continue };
        let device = e
            .cross_ref
            .as_ref()
            .and_then(|x| xrefs.get(x))
            .unwrap_or_else(|| panic!("{name}: event for a foreign cross-ref: {e:?}"));
        let call = e
            .connection
            .as_ref()
            .and_then(|(_, c)| c.call_id.clone())
            .unwrap_or_default();
        seen.entry((device.clone(), call))
            .or_default()
            .push(e.name.clone());
    }
    let statuses = got
        .iter()
        .filter(|r| matches!(r.message, Message::SystemStatus { .. }))
        .count();
    assert_eq!(statuses, 1, "{name}: only the opening SystemStatus");
    let mut want: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (call, from, to) in calls {
        for d in devices {
            if let Some(names) = expected(d, from, to) {
                want.insert(
                    (d.to_string(), format!("{}:1", call.0)),
                    names.into_iter().map(String::from).collect(),
                );
            }
        }
    }
    for (key, names) in &want {
        assert_eq!(seen.get(key), Some(names), "{name}: {key:?}");
    }
    for key in seen.keys() {
        assert!(want.contains_key(key), "{name}: unexpected events {key:?}");
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    AcksRefused,
    ChannelKilled,
    ChannelStalled,
}

/// The faulty XSP (index) in every stream.
const VICTIM: usize = 1;

fn inject(sim: &Simulator, fault: Fault) {
    match fault {
        Fault::AcksRefused => sim.fail_acks(VICTIM, 503, 20),
        // The last call's events on it are still queued (see call_stream):
        // they die with it.
        Fault::ChannelKilled => {
            sim.close_channels(VICTIM);
            sim.stall(VICTIM, false);
        }
        Fault::ChannelStalled => sim.stall(VICTIM, true),
    }
}

/// Places the calls, injecting `fault` on the way; the calls placed.
fn call_stream(sim: &Simulator, fault: Fault) -> Vec<(CallId, &'static str, &'static str)> {
    let mut calls = Vec::new();
    let mut stalled_at = None;
    for i in 0..CALLS {
        let (from, to) = PAIRS[i % PAIRS.len()];
        if i == FAULT_AT && fault == Fault::ChannelKilled {
            // Hold this call's events on the channel, so that some are
            // surely in flight when it is killed.
            sim.stall(VICTIM, true);
        }
        let call = sim.call(from, to);
        sim.answer(call);
        sim.release(call, if i % 2 == 0 { from } else { to });
        calls.push((call, from, to));
        if i == FAULT_AT {
            inject(sim, fault);
            if fault == Fault::ChannelStalled {
                stalled_at = Some(Instant::now());
            }
        }
        if stalled_at.is_some_and(|t| t.elapsed() >= STALL) {
            sim.stall(VICTIM, false);
            stalled_at = None;
        }
        // Pacing the traffic, not waiting for anything.
        std::thread::sleep(PACE);
    }
    if let Some(t) = stalled_at {
        std::thread::sleep(STALL.saturating_sub(t.elapsed()));
        sim.stall(VICTIM, false);
    }
    calls
}

fn stream_through(fault: Fault, tag: &str) {
    let sim = three_xsps();
    let bw = start_bwcsta(&sim, tag, |_| {});
    let a = monitoring(&bw, CLIENT_A);
    let b = monitoring(&bw, CLIENT_B);
    assert!(sim.wait_for(T, |s| s.active_subscriptions().count() == 4
        && s.unacked == 0));
    let resent_before = sim.stats().events_resent;
    let (a, b) = (Collector::start(a, CLIENT_A), Collector::start(b, CLIENT_B));
    let started = Instant::now();

    let calls = call_stream(&sim, fault);

    let (want_a, want_b) = (
        expected_count(CLIENT_A, &calls),
        expected_count(CLIENT_B, &calls),
    );
    let all_in = wait_until(Duration::from_secs(30), || {
        a.events() >= want_a && b.events() >= want_b
    });
    // Nothing left to re-send: any duplicate would have come by now.
    let settled = sim.wait_for(Duration::from_secs(10), |s| s.unacked == 0);
    let took = started.elapsed();
    let resent = sim.stats().events_resent - resent_before;
    let (got_a, xa, da) = a.finish();
    let (got_b, xb, db) = b.finish();
    // Read after the clients went quiet: the status file (rewritten every
    // 0.2 s) has seen every event by now.
    let status = bw.status().unwrap_or_default();
    assert!(
        all_in,
        "{fault:?}: A got {}/{want_a}, B got {}/{want_b} events\n{}",
        got_a.iter().filter(|r| r.is_event()).count(),
        got_b.iter().filter(|r| r.is_event()).count(),
        bw.log()
    );
    assert!(
        settled,
        "{fault:?}: simulator still has unacknowledged events"
    );
    check_client("A", &got_a, &xa, da, &calls);
    check_client("B", &got_b, &xb, db, &calls);

    println!(
        "{fault:?}: {} calls, {} + {} CSTA events, {resent} Xsi events re-sent by BroadWorks, \
         {} duplicates dropped, longest held event {} ms, gaps given up {}, late events {}/{} \
         (delivered/ignored), {} reconnects of the faulty link, {:.1} s",
        calls.len(),
        want_a,
        want_b,
        status["duplicates_dropped"],
        status["max_hold_ms"],
        status["gaps_given_up"],
        status["late_events_delivered"],
        status["late_events_ignored"],
        status["xsp"][VICTIM]["reconnects"],
        took.as_secs_f64()
    );
    assert!(
        resent > 0,
        "{fault:?}: the fault made BroadWorks re-send nothing"
    );
    assert_eq!(status["gaps_given_up"], 0, "{status}");
    assert_eq!(status["late_events_ignored"], 0, "{status}");
    assert_eq!(status["status"], "normal");
    assert_schema_clean(&sim);
    if fault == Fault::ChannelKilled {
        assert!(
            bw.wait_status(T, |s| s["xsp"][VICTIM]["reconnects"].as_u64() >= Some(1)
                && s["xsp"][VICTIM]["state"] == "up"),
            "{:?}",
            bw.status()
        );
    }
}

#[test]
fn acks_refused_with_503_lose_and_double_nothing() {
    stream_through(Fault::AcksRefused, "fo-503");
}

#[test]
fn channel_killed_with_events_in_flight_loses_and_doubles_nothing() {
    stream_through(Fault::ChannelKilled, "fo-kill");
}

#[test]
fn stalled_channel_loses_and_doubles_nothing() {
    stream_through(Fault::ChannelStalled, "fo-stall");
}

/// `n` calls between 2001 and 2002; each client (monitoring both) must
/// see every event of them once.
fn calls_seen_once_by(sim: &Simulator, clients: Vec<Collector>, n: usize) {
    let mut calls = Vec::new();
    for i in 0..n {
        let call = sim.call("2001", "2002");
        sim.answer(call);
        sim.release(call, if i % 2 == 0 { "2001" } else { "2002" });
        calls.push((call, "2001", "2002"));
    }
    let want = expected_count(CLIENT_A, &calls);
    assert!(wait_until(T, || clients.iter().all(|c| c.events() >= want)));
    assert!(sim.wait_for(T, |s| s.unacked == 0));
    for (i, c) in clients.into_iter().enumerate() {
        let (got, xrefs, devices) = c.finish();
        check_client(&format!("instance {i}"), &got, &xrefs, devices, &calls);
    }
}

#[test]
fn two_instances_with_their_own_application_id_each_get_every_event_once() {
    let sim = Simulator::start(SimConfig {
        ack_timeout: ACK_TIMEOUT,
        ..SimConfig::default()
    })
    .expect("simulator");
    let one = start_bwcsta(&sim, "fo-inst1", |c| {
        c["xsi"]["application_id"] = json!("bwcsta-one");
        c["xsi"]["channel_set_id"] = json!("bwcsta-one-set");
    });
    let two = start_bwcsta(&sim, "fo-inst2", |c| {
        c["xsi"]["application_id"] = json!("bwcsta-two");
        c["xsi"]["channel_set_id"] = json!("bwcsta-two-set");
    });
    let clients = vec![
        Collector::start(monitoring(&one, CLIENT_A), CLIENT_A),
        Collector::start(monitoring(&two, CLIENT_A), CLIENT_A),
    ];
    assert!(sim.wait_for(T, |s| s.active_subscriptions().count() == 4
        && s.open_channels().count() == 4
        && s.unacked == 0));
    calls_seen_once_by(&sim, clients, 10);
    // Each instance kept its own channel set, each with one channel per XSP.
    let s = sim.stats();
    for set in ["bwcsta-one-set", "bwcsta-two-set"] {
        let open = s
            .open_channels()
            .filter(|c| c.channel_set_id == set)
            .count();
        assert_eq!(open, 2, "{set}: {:?}", s.channels);
    }
    for bw in [&one, &two] {
        assert!(!bw.log().contains("DuplicateChannelSet"), "{}", bw.log());
        assert_eq!(bw.status().unwrap()["duplicates_dropped"], 0);
    }
    assert_schema_clean(&sim);
}

#[test]
fn a_second_instance_with_the_same_application_id_ends_the_first_ones_channels() {
    let sim = Simulator::start(SimConfig::default()).expect("simulator");
    let first = start_bwcsta(&sim, "fo-dup1", |c| {
        c["xsi"]["channel_set_id"] = json!("first-set");
    });
    // Same user and application_id, its own channel set.
    let _second = launch(&sim, "fo-dup2", |c| {
        c["xsi"]["channel_set_id"] = json!("second-set");
    });
    assert!(
        sim.wait_for(T, |s| s
            .channels
            .iter()
            .any(|c| c.channel_set_id == "first-set"
                && c.close_reason.as_deref() == Some("DuplicateChannelSet"))),
        "{:?}",
        sim.stats().channels
    );
    let error_line = || {
        first
            .log()
            .lines()
            .find(|l| l.contains("ERROR") && l.contains("DuplicateChannelSet"))
            .map(str::to_owned)
    };
    assert!(wait_until(T, || error_line().is_some()), "{}", first.log());
    let line = error_line().unwrap_or_default();
    // It tells the operator what to change.
    for part in ["xsp", "bwcsta-test", "own xsi.application_id"] {
        assert!(line.contains(part), "{part:?} in {line}");
    }
    assert_schema_clean(&sim);
}
