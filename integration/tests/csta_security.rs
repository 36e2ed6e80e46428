//! Securing the CSTA link end to end (README, "Securing the CSTA link"): the
//! real binary with `csta.tls` and `csta.clients`, certificates made at test
//! time. Every refusal (a plaintext client, no certificate, a certificate of
//! another CA, an expired one, a certificate name no entry has, an entry's
//! `max_sessions`) closes the connection without an XML answer and logs one
//! line naming the peer and why; a named client is held to its devices and
//! its `control`, sees only its own devices' events, and is named in the
//! status file. Run with `--nocapture` to see the refusal matrix.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use bwcsta::csta::edition::Edition;
use bwcsta::csta::frame::{self, InvokeId};
use bwcsta::csta::parse::Message;
use bwcsta_integration::certs::{issue, Issued, Kind, Pki};
use bwcsta_integration::client::{request_system_status_xml, CstaClient};
use bwcsta_integration::sim::CallId;
use bwcsta_integration::support::{wait_until, Bwcsta, TempDir};
use common::*;
use serde_json::json;

const ED3: &str = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

/// A RequestSystemStatus frame, what a refused client tries to send.
fn request_frame() -> Vec<u8> {
    let xml = request_system_status_xml(ED3);
    frame::encode(InvokeId::new(1).expect("id"), xml.as_bytes()).expect("frame")
}

/// Everything a connection receives until the server closes it (or 10 s).
fn until_closed(mut stream: impl Read) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

/// A plaintext client on the TLS port: its local port, and what it got.
fn plaintext(addr: SocketAddr) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(T)).expect("timeout");
    let port = stream.local_addr().expect("local").port();
    let _ = stream.write_all(&request_frame());
    (port, until_closed(stream))
}

/// A TLS client presenting `identity` (none: no certificate): its local
/// port, and what it got after sending a request (when its side of the
/// handshake got that far).
fn tls_attempt(addr: SocketAddr, pki: &Pki, identity: Option<&Issued>) -> (u16, Vec<u8>) {
    let connector = pki.client_tls(identity).connector().expect("connector");
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(T)).expect("timeout");
    let port = stream.local_addr().expect("local").port();
    match connector.connect("127.0.0.1", stream) {
        Ok(mut tls) => {
            let _ = tls.write_all(&request_frame());
            (port, until_closed(tls))
        }
        // Refused during the client's side of the handshake (TLS 1.2).
        Err(_) => (port, Vec::new()),
    }
}

/// The log line of the refusal of the connection from local port `port`,
/// from `refused` on.
fn refusal_line(bw: &Bwcsta, port: u16) -> String {
    let needle = format!("refused CSTA connection from 127.0.0.1:{port}: ");
    assert!(
        wait_until(T, || bw.log().contains(&needle)),
        "no refusal of port {port}:\n{}",
        bw.log()
    );
    let log = bw.log();
    let line = log
        .lines()
        .find(|l| l.contains(&needle))
        .unwrap_or_default();
    line[line.find("refused").unwrap_or(0)..].to_owned()
}

/// Simulator and bwcsta with `csta.tls` (client certificates of the test
/// CA required) and `clients`; the files live in `files`.
fn tls_rig(tag: &str, pki: &Pki, files: &TempDir, clients: serde_json::Value) -> Rig {
    let (cert, key) = pki.server.write(files.path(), "csta");
    let (ca, _) = pki.ca.write(files.path(), "clients-ca");
    rig(tag, |c| {
        c["csta"]["tls"] = json!({ "cert_file": cert, "key_file": key, "client_ca_file": ca });
        c["csta"]["clients"] = clients;
    })
}

/// `line` must be answered with CSTAErrorCode operation/`value`.
fn refused_with(c: &mut CstaClient, line: &str, value: &str) {
    let r = send(c, line);
    match &r.message {
        Message::ErrorCode { category, value: v } => {
            assert_eq!(
                (category.as_str(), v.as_str()),
                ("operation", value),
                "{line}"
            )
        }
        _ => panic!("{line}: expected {value}, got {}", r.xml),
    }
}

/// The log line (from the session's name on) that contains `needle`.
fn logged(bw: &Bwcsta, needle: &str) -> String {
    assert!(
        wait_until(T, || bw.log().contains(needle)),
        "no log line with {needle:?}:\n{}",
        bw.log()
    );
    let log = bw.log();
    let line = log.lines().find(|l| l.contains(needle)).unwrap_or_default();
    line[line.find("client#").unwrap_or(0)..].to_owned()
}

#[test]
fn every_refusal_is_one_log_line_and_no_xml() {
    let pki = Pki::new();
    let files = TempDir::new("csta-tls-files");
    let intruder = issue(
        "intruder.example.net",
        Kind::Client,
        Some(&pki.ca),
        (-1, 30),
    );
    let rig = tls_rig(
        "csta-tls",
        &pki,
        &files,
        json!([
            { "name": "tserver-a", "certificate_cn": "tserver-a.example.net",
              "devices": ["2001"], "max_sessions": 1 },
            { "name": "wallboard", "allow": ["127.0.0.1"], "certificate_cn": "wallboard.example.net",
              "devices": ["2002", "2003"], "control": false }
        ]),
    );
    let addr = rig.bw.csta;
    // Held while the second tserver-a connection is refused.
    let first = CstaClient::connect_tls(addr, Edition::Ed3, &pki.client_tls(Some(&pki.client)))
        .expect("tserver-a");
    // `None`: a plaintext client; else the certificate (if any) of a TLS one.
    let cases: [(&str, Option<Option<&Issued>>, &str); 6] = [
        (
            "plaintext client",
            None,
            "TLS handshake failed: the client sent byte 0x00 where a TLS handshake starts \
             (plaintext client?)",
        ),
        (
            "no client certificate",
            Some(None),
            "TLS handshake failed: no client certificate (csta.tls.client_ca_file requires one)",
        ),
        (
            "certificate of another CA",
            Some(Some(&pki.stranger)),
            "TLS handshake failed: client certificate CN=\"tserver-a.example.net\" is not \
             signed by csta.tls.client_ca_file (unknown CA: unable to get local issuer \
             certificate)",
        ),
        (
            "expired certificate",
            Some(Some(&pki.expired)),
            "TLS handshake failed: client certificate CN=\"tserver-a.example.net\" expired on ",
        ),
        (
            "certificate CN of no client",
            Some(Some(&intruder)),
            "matches no csta.clients entry (address 127.0.0.1, certificate CN \
             \"intruder.example.net\")",
        ),
        (
            "client's max_sessions reached",
            Some(Some(&pki.client)),
            "csta.clients[0] (tserver-a): its max_sessions (1) reached",
        ),
    ];
    for (case, tls, why) in cases {
        let (port, received) = match tls {
            None => plaintext(addr),
            Some(identity) => tls_attempt(addr, &pki, identity),
        };
        assert_eq!(received, b"", "{case}: no XML answer");
        let line = refusal_line(&rig.bw, port);
        let expected = format!("refused CSTA connection from 127.0.0.1:{port}: {why}");
        assert!(
            line.starts_with(&expected),
            "{case}:\n{line}\nexpected {expected}"
        );
        eprintln!("refusal matrix | {case} | {line}");
    }
    drop(first);
}

#[test]
fn named_clients_are_held_to_their_devices_and_see_only_their_events() {
    let pki = Pki::new();
    let files = TempDir::new("csta-scope-files");
    let rig = tls_rig(
        "csta-scope",
        &pki,
        &files,
        json!([
            { "name": "tserver-a", "certificate_cn": "tserver-a.example.net", "devices": ["2001"] },
            { "name": "wallboard", "certificate_cn": "wallboard.example.net",
              "devices": ["2002", "2003"], "control": false }
        ]),
    );
    let addr = rig.bw.csta;
    let mut a = CstaClient::connect_tls(addr, Edition::Ed3, &pki.client_tls(Some(&pki.client)))
        .expect("tserver-a");
    let mut w = CstaClient::connect_tls(addr, Edition::Ed3, &pki.client_tls(Some(&pki.wallboard)))
        .expect("wallboard");
    let xa = monitor(&mut a, &["2001"]).remove(0);
    let refused = a.monitor_start("2002", T).expect("io");
    assert_eq!(
        refused,
        Err("operation/privilegeViolationSpecifiedDevice".to_owned())
    );
    eprintln!(
        "scope | MonitorStart outside the devices | {}",
        logged(&rig.bw, "MonitorStart 0002 refused")
    );
    refused_with(&mut a, "make 2002 2001", "privilegeViolationCallingDevice");
    eprintln!(
        "scope | MakeCall from outside the devices | {}",
        logged(&rig.bw, "MakeCall 0003 refused")
    );
    let xw = monitor(&mut w, &["2002", "2003"]);
    refused_with(
        &mut w,
        "make 2002 2003",
        "privilegeViolationSpecifiedDevice",
    );
    eprintln!(
        "scope | control false | {}",
        logged(
            &rig.bw,
            "(privilegeViolationSpecifiedDevice): client wallboard has control"
        )
    );
    assert_eq!(rig.sim.stats().actions, [], "no Xsi request for a refusal");

    // A three-way conference of 2001 with 2002 and 2003: tserver-a sees it
    // on its own monitor only, the others as device ids; the wallboard's
    // devices' own events go to the wallboard.
    let sim = &rig.sim;
    let call = sim.call("2001", "2002");
    sim.answer(call);
    wait_event(&mut a, "EstablishedEvent", Some(&xa), None);
    ok(&mut a, "consult 1:1 2001 2003", "ConsultationCallResponse");
    ok(&mut a, "answer 2:1 2001", "AnswerCallResponse");
    sim.answer(CallId(2));
    wait_event(&mut a, "EstablishedEvent", Some(&xa), Some("2:1"));
    ok(&mut a, "conference 1:1 2:1 2001", "ConferenceCallResponse");
    let conferenced = wait_event(&mut a, "ConferencedEvent", Some(&xa), None);
    // Call-control lines name the client too, also those written when the
    // Xsi result comes back.
    let done = logged(&rig.bw, "ConferenceCall on 2001 done");
    assert!(done.contains("(tserver-a, 127.0.0.1:"), "{done}");
    let parties: Vec<&str> = conferenced
        .devices
        .iter()
        .filter_map(|(_, d)| d.as_deref())
        .collect();
    assert!(
        parties.iter().any(|d| *d == "2002" || *d == "2003"),
        "the outside parties as device ids: {conferenced:?}"
    );
    wait_event(&mut w, "EstablishedEvent", Some(&xw[0]), None);
    wait_event(&mut w, "EstablishedEvent", Some(&xw[1]), None);
    let seen = drain_events(&mut a, std::time::Duration::from_millis(300));
    assert!(
        seen.iter()
            .all(|e| e.cross_ref.as_deref() == Some(xa.as_str())),
        "only tserver-a's own monitor: {seen:?}"
    );

    // The status file names each client.
    assert!(
        rig.bw.wait_status(T, |s| {
            let mut names: Vec<&str> = s["csta"]
                .as_array()
                .map(|c| c.iter().filter_map(|e| e["client"].as_str()).collect())
                .unwrap_or_default();
            names.sort_unstable();
            names == ["tserver-a", "wallboard"]
        }),
        "status: {:?}",
        rig.bw.status()
    );
}

#[test]
fn without_clients_and_tls_the_port_is_as_before() {
    let rig = rig("csta-open", |_| {});
    let (mut c, x) = client(&rig, "3999");
    ok(&mut c, "snapshot 3999", "SnapshotDeviceResponse");
    let status = rig.bw.status().expect("status");
    assert!(status["csta"][0]["client"].is_null(), "{status}");
    assert!(!x.is_empty());
    assert!(!rig.bw.log().contains("refused"), "{}", rig.bw.log());
}
