//! End-to-end tests of the simulator over real sockets, grouped by theme; the shared helpers
//! (`start`, `subscribe`, `ack`, `kinds`) live here, the raw-socket clients in `testclient`.

use super::testclient::*;
use super::*;

mod actions;
mod call_events;
mod channels;
mod chaos;
mod conformance;
mod control_api;
mod delays;
mod delivery;
mod faults;
mod features;
mod requests;
mod subscriptions;
mod throughput;

const T: Duration = Duration::from_secs(5);
const SET: &str = "bwcsta-set";
const APP: &str = "bwcsta-app";

/// A simulator with a long ack timeout (no surprise re-sends), tweaked by `f`.
fn start(f: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut cfg = SimConfig {
        ack_timeout: Duration::from_secs(30),
        ..SimConfig::default()
    };
    f(&mut cfg);
    Simulator::start(cfg).expect("start")
}

/// Subscribes to `user` on `url` and waits until the initial event has been generated.
fn subscribe(sim: &Simulator, url: &str, user: &str) -> String {
    let resp = Client::connect(url).request(
        "POST",
        &format!("{EVENTS}/user/{user}"),
        &subscription_body(SET, APP),
    );
    assert_eq!(resp.status, 200, "{}", resp.body);
    let id = field(&resp.body, "subscriptionId");
    assert!(sim.wait_for(T, |s| s
        .subscriptions
        .iter()
        .any(|x| x.id == id && x.last_sequence >= 1)));
    id
}

fn ack(client: &mut Client, doc: &str, status: u16) {
    let resp = client.request(
        "POST",
        &format!("{EVENTS}/channel/eventresponse"),
        &ack_body(&field(doc, "eventID"), status),
    );
    assert_eq!(resp.status, 200);
}

fn kinds(docs: &[String]) -> Vec<String> {
    docs.iter().map(|d| doc_kind(d)).collect()
}
