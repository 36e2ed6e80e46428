//! Capture and replay end to end: bwcsta with a `capture` section records a
//! call placed by the simulator; `bwcsta replay` on the capture directory
//! prints exactly the CSTA events each client received, and the capture
//! masks every password and the credentials that its traffic held.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use bwcsta_integration::client::{snapshot_device_xml, CstaClient};
use bwcsta_integration::sim::Delivery;
use common::*;
use serde_json::json;

/// A CSTA client that keeps every event frame it receives, in order.
struct Recorder {
    client: CstaClient,
    events: Vec<String>,
}

impl Recorder {
    fn new(rig: &Rig, device: &str) -> Recorder {
        let (mut client, _) = client(rig, device);
        let events = client
            .take_queued()
            .into_iter()
            .filter(|r| r.is_event())
            .map(|r| r.xml)
            .collect();
        Recorder { client, events }
    }

    fn port(&self) -> u16 {
        self.client.stream().local_addr().unwrap().port()
    }

    /// Reads until an event whose root is `name` arrived.
    fn wait(&mut self, name: &str) {
        let deadline = std::time::Instant::now() + T;
        while std::time::Instant::now() < deadline {
            if let Some(r) = self.client.recv(Duration::from_millis(100)).expect("io") {
                if r.is_event() {
                    self.events.push(r.xml);
                    if r.root == name {
                        return;
                    }
                }
            }
        }
        panic!("no {name} within {T:?}; got {:?}", self.events);
    }

    /// Everything received until `quiet` passes without a frame.
    fn drain(&mut self, quiet: Duration) -> Vec<String> {
        while let Ok(Some(r)) = self.client.recv(quiet) {
            if r.is_event() {
                self.events.push(r.xml);
            }
        }
        std::mem::take(&mut self.events)
    }
}

#[test]
fn a_captured_call_replays_to_the_events_the_clients_got() {
    let mut rig = rig("capture-call", |c| {
        let dir = c["log"]["file"]
            .as_str()
            .unwrap()
            .replace("bwcsta.log", "capture");
        c["capture"] = json!({ "dir": dir });
    });
    let mut a = Recorder::new(&rig, "2001");
    let mut b = Recorder::new(&rig, "2002");

    // Frames holding secrets, each answered: an agent login's password,
    // and the Xsi password and Basic credentials (test_config's "secret")
    // where a careless client put them. The capture must mask them all.
    let basic = bwcsta::http::wire::basic_auth("cti@example.net", "secret");
    let token = basic.trim_start_matches("Basic ").to_owned();
    let ns = a.client.ns();
    for xml in [
        format!(
            "<SetAgentState xmlns=\"{ns}\"><device>2001</device>\
             <requestedAgentState>loggedOn</requestedAgentState><agentID>4711</agentID>\
             <agentPassword>pw-4711-agent</agentPassword></SetAgentState>"
        ),
        snapshot_device_xml(ns, "secret"),
        snapshot_device_xml(ns, &token),
    ] {
        let id = a.client.request(&xml).expect("send");
        a.client.response(id, T).expect("answered");
    }

    // One call through its life, with events duplicated over both
    // channels for part of it (dropped once by the daemon, and so by the
    // replay).
    let sim = &rig.sim;
    let call = sim.call("2001", "2002");
    b.wait("DeliveredEvent");
    sim.set_delivery(Delivery::Duplicate);
    sim.answer(call);
    a.wait("EstablishedEvent");
    sim.hold(call, "2001");
    b.wait("HeldEvent");
    sim.set_delivery(Delivery::Normal);
    sim.retrieve(call, "2001");
    a.wait("RetrievedEvent");
    sim.release(call, "2002");
    a.wait("ConnectionClearedEvent");
    b.wait("ConnectionClearedEvent");
    let quiet = Duration::from_millis(300);
    let got: BTreeMap<u16, Vec<String>> = [(a.port(), a.drain(quiet)), (b.port(), b.drain(quiet))]
        .into_iter()
        .collect();
    drop((a, b));
    let (status, _) = rig.bw.terminate(T).expect("bwcsta stops");
    assert_eq!(status.code(), Some(0), "{}", rig.bw.log());

    let dir = rig.bw.path("capture");
    let capture = std::fs::read(dir.join("bwcsta.cap")).expect("capture file");
    let text = String::from_utf8_lossy(&capture);
    for link in ["xsp1", "xsp2"] {
        assert!(
            text.contains(&format!("Z xsi {link} - ")),
            "documents of {link} captured"
        );
    }
    assert!(
        text.contains("Z link xsp1 - "),
        "channel changes of the links"
    );
    assert!(text.contains(" csta-in client#"), "frames from clients");
    assert!(text.contains(" csta-out client#"), "frames to clients");
    assert!(text.contains(" csta-close client#"), "connection ends");
    assert!(!text.contains(" dropped "), "nothing dropped");
    // The frames with secrets are there, masked: never the password, the
    // Basic credentials or the agent's password.
    for masked in [
        "<agentPassword>********</agentPassword>",
        "<snapshotObject>********</snapshotObject>",
    ] {
        assert!(text.contains(masked), "{masked:?} not in the capture");
    }
    for secret in ["secret", token.as_str(), "pw-4711-agent", "Authorization"] {
        assert!(!text.contains(secret), "{secret:?} in the capture");
    }

    let out = Command::new(BIN)
        .arg("replay")
        .arg(&dir)
        .output()
        .expect("bwcsta replay");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    // The replayed events per client.
    let mut replayed: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for line in stdout.lines().filter(|l| !l.starts_with('#')) {
        let mut f = line.splitn(3, ' ');
        let (_time, client, xml) = (f.next(), f.next().unwrap(), f.next().unwrap());
        let port: u16 = client.rsplit(':').next().unwrap().parse().unwrap();
        replayed.entry(port).or_default().push(xml.to_owned());
    }
    // Three views of one truth: what the clients decoded from their
    // sockets, what the capture recorded as sent, and what the replay
    // computes from the Xsi side alone.
    let sent = sent_by_port(&capture);
    for (port, events) in &got {
        assert!(
            events.len() >= 5,
            "client on {port} got {} events",
            events.len()
        );
        assert_eq!(
            sent.get(port),
            Some(events),
            "capture of what was sent to {port}"
        );
        assert_eq!(
            replayed.get(port),
            Some(events),
            "replay for the client on port {port}\nstdout:\n{stdout}"
        );
    }
    assert_eq!(
        stderr.matches(": identical").count(),
        2,
        "replay compares itself with the capture: {stderr}"
    );
    assert!(stdout.contains("CallReceivedEvent"), "Xsi side described");
}

/// The event frames the capture recorded as sent, by client port.
fn sent_by_port(capture: &[u8]) -> BTreeMap<u16, Vec<String>> {
    let (records, error) = bwcsta::capture::format::decode(capture);
    assert_eq!(error, None);
    let mut out: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for r in records {
        if r.kind != bwcsta::capture::Kind::CstaOut || r.tag != "9999" {
            continue;
        }
        let port: u16 = r.source.rsplit(':').next().unwrap().parse().unwrap();
        out.entry(port)
            .or_default()
            .push(String::from_utf8(r.payload).unwrap());
    }
    out
}
