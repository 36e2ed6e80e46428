//! Shared set-up for the end-to-end tests: a simulator with two XSPs and
//! bwcsta configured against it.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use bwcsta::csta::edition::Edition;
use bwcsta::csta::frame::InvokeId;
use bwcsta::csta::parse::{EventInfo, Message};
use bwcsta_integration::client::{CstaClient, Received};
use bwcsta_integration::commands::command_xml;
use bwcsta_integration::sim::{ActionRecord, SimConfig, Simulator};
use bwcsta_integration::support::{free_port, test_config, Bwcsta, TempDir};

pub const BIN: &str = env!("CARGO_BIN_EXE_bwcsta");
pub const T: Duration = Duration::from_secs(10);

pub struct Rig {
    pub sim: Simulator,
    pub bw: Bwcsta,
}

/// Every scenario runs against documents BroadWorks could send: a test that passed
/// checks, as its rig goes, that the simulator's schema check saw its documents and found
/// nothing wrong in them or in bwcsta's requests (see [`assert_schema_clean`]). Only a
/// flood test turns the check off ([`sim_unchecked`]).
impl Drop for Rig {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.sim.stats().schema.on {
            assert_schema_clean(&self.sim);
        }
    }
}

/// The simulator checked documents against the Xsi schema (it sent some) and found no
/// violation in what it sent or received; the first violation of each kind otherwise.
pub fn assert_schema_clean(sim: &Simulator) {
    let schema = sim.stats().schema;
    assert!(
        schema.on && schema.sent > 0,
        "the simulator's schema check saw nothing: {schema:?}"
    );
    assert!(
        schema.violations.is_empty(),
        "schema violations {:?}; the first of each kind:\n{}",
        schema.violations,
        schema
            .first
            .iter()
            .map(|(kind, first)| format!("{kind}: {first}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "schema check: {} documents sent, {} bodies received, no violation",
        schema.sent, schema.received
    );
}

pub fn sim() -> Simulator {
    Simulator::start(SimConfig {
        ack_timeout: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .expect("simulator")
}

/// As [`sim`], without the schema check: a flood of tens of thousands of events must not
/// pay a parse per document.
pub fn sim_unchecked() -> Simulator {
    Simulator::start(SimConfig {
        ack_timeout: Duration::from_secs(5),
        schema_check: false,
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
    let xref = monitor(&mut c, &[device]).remove(0);
    (c, xref)
}

/// Starts monitors for `devices` on `c`; returns their cross-ref ids.
pub fn monitor(c: &mut CstaClient, devices: &[&str]) -> Vec<String> {
    devices
        .iter()
        .map(|d| {
            c.monitor_start(d, T)
                .expect("io")
                .unwrap_or_else(|e| panic!("MonitorStart {d}: {e}"))
        })
        .collect()
}

/// Sends the request of command `line` (see `commands`); returns its invoke id.
pub fn send_only(c: &mut CstaClient, line: &str) -> InvokeId {
    let xml = command_xml(c.ns(), line)
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .unwrap_or_else(|| panic!("{line}: no request"));
    c.request(&xml).expect("send")
}

/// Sends the request of command `line`; returns its answer (a response or an error with its
/// invoke id; the server's own requests may share an invoke id, so they are not answers).
pub fn send(c: &mut CstaClient, line: &str) -> Received {
    let id = send_only(c, line);
    let r = c
        .wait_for(T, |r| {
            r.invoke_id == id && (r.root.ends_with("Response") || r.root == "CSTAErrorCode")
        })
        .expect("io");
    r.unwrap_or_else(|| panic!("{line}: no answer"))
}

/// `line` must be answered with `root`.
pub fn ok(c: &mut CstaClient, line: &str, root: &str) -> Received {
    let r = send(c, line);
    assert_eq!(r.root, root, "{line}: {}", r.xml);
    r
}

/// The CSTA callID of an event's connection.
pub fn call_of(e: &EventInfo) -> Option<&str> {
    e.connection
        .as_ref()
        .and_then(|(_, c)| c.call_id.as_deref())
}

/// The next event `name`, for monitor `xref` and on CSTA call `call` where given; panics with
/// the events that came instead.
pub fn wait_event(
    c: &mut CstaClient,
    name: &str,
    xref: Option<&str>,
    call: Option<&str>,
) -> EventInfo {
    let r = c
        .wait_for(T, |r| {
            event(r).is_some_and(|e| {
                e.name == name
                    && xref.is_none_or(|xref| e.cross_ref.as_deref() == Some(xref))
                    && call.is_none_or(|call| call_of(e) == Some(call))
            })
        })
        .expect("io");
    match r.as_ref().and_then(event) {
        Some(e) => e.clone(),
        None => {
            let got: Vec<String> = c
                .take_queued()
                .iter()
                .filter_map(|r| {
                    event(r).map(|e| format!("{}@{:?}{:?}", e.name, e.cross_ref, call_of(e)))
                })
                .collect();
            panic!("no {name} for monitor {xref:?} on {call:?}; received {got:?}")
        }
    }
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

/// `line` must be answered with CSTAErrorCode `category`/`value`.
pub fn refused(c: &mut CstaClient, line: &str, category: &str, value: &str) {
    let r = send(c, line);
    match &r.message {
        Message::ErrorCode {
            category: got_category,
            value: got_value,
        } => assert_eq!(
            (got_category.as_str(), got_value.as_str()),
            (category, value),
            "{line}"
        ),
        _ => panic!("{line}: expected an error, got {}", r.xml),
    }
}

/// The Xsi-Actions the simulator received since the last call.
pub struct Actions<'a> {
    sim: &'a Simulator,
    pub seen: usize,
}

impl Actions<'_> {
    pub fn new(sim: &Simulator) -> Actions<'_> {
        Actions { sim, seen: 0 }
    }

    pub fn take(&mut self) -> Vec<ActionRecord> {
        let all = self.sim.stats().actions;
        let new = all[self.seen.min(all.len())..].to_vec();
        self.seen = all.len();
        new
    }

    /// The new requests must be exactly `want`: (method, path, query, status).
    pub fn expect(&mut self, want: &[(&str, String, &str, u16)]) -> Vec<ActionRecord> {
        let got = self.take();
        let seen: Vec<(&str, String, &str, u16)> = got
            .iter()
            .map(|a| (a.method, a.path.clone(), a.query.as_str(), a.status))
            .collect();
        assert_eq!(seen, want);
        got
    }

    /// No Xsi request at all since the last look.
    pub fn none(&mut self) {
        assert_eq!(self.take(), [], "no Xsi request expected");
    }
}

/// Deletes subscription `id` at XSP 1 as an administrator would (BroadWorks
/// then sends its SubscriptionTerminatedEvent); the HTTP status.
pub fn delete_subscription(sim: &Simulator, id: &str) -> u16 {
    let url = format!(
        "{}/com.broadsoft.xsi-events/v2.0/subscription/{id}",
        sim.xsp_urls()[0]
    );
    let auth = bwcsta::http::wire::basic_auth("cti@example.net", "secret");
    ureq::delete(&url)
        .header("Authorization", &auth)
        .call()
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}
