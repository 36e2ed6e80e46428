//! Shared set-up for the end-to-end tests: a simulator with two XSPs and
//! bwcsta configured against it.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use bwcsta::csta::edition::Edition;
use bwcsta::csta::parse::{EventInfo, Message};
use bwcsta_integration::client::{CstaClient, Received};
use bwcsta_integration::sim::{SimConfig, Simulator};
use bwcsta_integration::support::{free_port, test_config, Bwcsta, TempDir};

pub const BIN: &str = env!("CARGO_BIN_EXE_bwcsta");
pub const T: Duration = Duration::from_secs(10);

pub struct Rig {
    pub sim: Simulator,
    pub bw: Bwcsta,
}

pub fn sim() -> Simulator {
    Simulator::start(SimConfig {
        ack_timeout: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .expect("simulator")
}

/// As [`sim`], granting subscriptions 2 s: bwcsta refreshes them every
/// second, so the grace period of a device nobody monitors any more ends
/// within a second or two (at its next refresh) instead of 30 s.
pub fn sim_short_subscriptions() -> Simulator {
    Simulator::start(SimConfig {
        ack_timeout: Duration::from_secs(5),
        subscription_expires: Some(2),
        ..SimConfig::default()
    })
    .expect("simulator")
}

/// Simulator + bwcsta with both links up.
pub fn rig(tag: &str, tweak: impl FnOnce(&mut serde_json::Value)) -> Rig {
    rig_with(sim(), tag, tweak)
}

/// As [`rig`], with a simulator configured by the caller.
pub fn rig_with(sim: Simulator, tag: &str, tweak: impl FnOnce(&mut serde_json::Value)) -> Rig {
    let bw = launch(&sim.xsp_urls(), tag, tweak);
    assert!(bw.wait_links_up(2, T), "links not up: {}", bw.log());
    Rig { sim, bw }
}

/// bwcsta on the test configuration for the XSPs at `xsp_urls`, changed by `tweak`, once it
/// listens (its XSP links not waited for).
pub fn launch(
    xsp_urls: &[String],
    tag: &str,
    tweak: impl FnOnce(&mut serde_json::Value),
) -> Bwcsta {
    launch_with_env(xsp_urls, tag, &[], tweak)
}

/// As [`launch`], with extra environment variables for the process.
pub fn launch_with_env(
    xsp_urls: &[String],
    tag: &str,
    env: &[(&str, &Path)],
    tweak: impl FnOnce(&mut serde_json::Value),
) -> Bwcsta {
    let dir = TempDir::new(tag);
    let mut config = test_config(dir.path(), free_port(), xsp_urls);
    tweak(&mut config);
    let bw = Bwcsta::start_with_env(BIN.as_ref(), dir, &config, env);
    assert!(bw.wait_listening(T), "{}", bw.log());
    bw
}

pub fn client(rig: &Rig, device: &str) -> (CstaClient, String) {
    let mut c = CstaClient::connect(rig.bw.csta, Edition::Ed3).expect("connect");
    let xref = c
        .monitor_start(device, T)
        .expect("io")
        .unwrap_or_else(|e| panic!("MonitorStart {device}: {e}"));
    (c, xref)
}

pub fn event(r: &Received) -> Option<&EventInfo> {
    match &r.message {
        Message::Event(e) => Some(e),
        _ => None,
    }
}

/// Waits for the next event named `name`; panics with what came instead.
pub fn expect_event(c: &mut CstaClient, name: &str) -> EventInfo {
    let r = c
        .wait_for(T, |r| event(r).is_some_and(|e| e.name == name))
        .expect("io");
    match r.and_then(|r| event(&r).cloned()) {
        Some(e) => e,
        None => {
            let got: Vec<String> = c.take_queued().iter().map(|r| r.root.clone()).collect();
            panic!("no {name}; received {got:?}")
        }
    }
}

/// Every event received within `quiet` of silence.
pub fn drain_events(c: &mut CstaClient, quiet: Duration) -> Vec<EventInfo> {
    let mut out: Vec<EventInfo> = c
        .take_queued()
        .iter()
        .filter_map(|r| event(r).cloned())
        .collect();
    while let Ok(Some(r)) = c.recv(quiet) {
        if let Some(e) = event(&r) {
            out.push(e.clone());
        }
    }
    out
}

pub fn device<'a>(e: &'a EventInfo, field: &str) -> Option<&'a str> {
    e.devices
        .iter()
        .find(|(n, _)| n == field)
        .and_then(|(_, v)| v.as_deref())
}

/// Waits for the ConnectionClearedEvent that ends a call, then returns the
/// names of every event received up to it, in order.
pub fn names_until_cleared(c: &mut CstaClient) -> Vec<String> {
    expect_event(c, "ConnectionClearedEvent");
    let mut names: Vec<String> = drain_events(c, Duration::from_millis(300))
        .into_iter()
        .map(|e| e.name)
        .collect();
    names.push("ConnectionClearedEvent".into());
    names
}
