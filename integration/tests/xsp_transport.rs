//! The transport toward the XSPs end to end: HTTPS with the one trust rule
//! (`xsi.tls`), and keep-alive connections that the XSPs close when idle.

mod common;

use std::time::Duration;

use bwcsta::csta::parse::Message;
use bwcsta_integration::client::{describe, CstaClient};
use bwcsta_integration::sim::{SimConfig, SimStats, Simulator};
use bwcsta_integration::support::{data_file, tls_identity, wait_until, Bwcsta};
use common::*;

/// A simulator whose XSPs present these identities (`None`: plain HTTP).
fn sim_with(https: Vec<Option<&str>>, tweak: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut cfg = SimConfig {
        ack_timeout: Duration::from_secs(5),
        https: https.iter().map(|name| name.map(tls_identity)).collect(),
        ..SimConfig::default()
    };
    cfg.xsps.truncate(https.len());
    tweak(&mut cfg);
    Simulator::start(cfg).expect("simulator")
}

/// `xsi.tls.ca_file` for the test CA.
fn test_ca() -> serde_json::Value {
    serde_json::json!(data_file("tls/test-ca.pem"))
}

/// bwcsta against `sim`, not waiting for links (some are meant to fail).
fn start(
    sim: &Simulator,
    tag: &str,
    env: &[(&str, &std::path::Path)],
    tweak: impl FnOnce(&mut serde_json::Value),
) -> Bwcsta {
    launch_with_env(&sim.xsp_urls(), tag, env, |config| {
        slack(config);
        tweak(config);
    })
}

/// A TLS handshake plus a request can take long on a loaded test machine:
/// more room than the 2 s of the shared test configuration.
fn slack(config: &mut serde_json::Value) {
    config["xsi"]["request_timeout_s"] = 5.into();
}

fn connect(bw: &Bwcsta) -> CstaClient {
    CstaClient::connect(bw.csta, bwcsta::csta::edition::Edition::Ed3).expect("connect")
}

fn acked_everything(s: &SimStats) -> bool {
    s.events_generated > 0 && s.unacked == 0 && s.acked() >= s.events_generated
}

fn log_lines_with(bw: &Bwcsta, needle: &str) -> Vec<String> {
    bw.log()
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

#[test]
fn https_xsps_trusted_through_the_ca_file_carry_everything() {
    let sim = sim_with(vec![Some("xsp"), Some("xsp")], |_| {});
    assert!(sim.xsp_urls().iter().all(|u| u.starts_with("https://")));
    let rig = rig_with(sim, "tls-ok", |c| {
        slack(c);
        c["xsi"]["tls"]["ca_file"] = test_ca();
    });
    // Subscriptions (ureq) over TLS.
    let (mut a, _) = client(&rig, "2001");
    let (mut b, _) = client(&rig, "2002");
    // Events over both TLS streams, acknowledged over TLS.
    let call = rig.sim.call("2001", "2002");
    expect_event(&mut b, "DeliveredEvent");
    rig.sim.answer(call);
    expect_event(&mut a, "EstablishedEvent");
    rig.sim.release(call, "2001");
    expect_event(&mut b, "ConnectionClearedEvent");
    let sim = &rig.sim;
    assert!(
        sim.wait_for(T, |s| acked_everything(s)
            && s.open_channels().count() == 2
            && s.open_channels().all(|c| c.heartbeats >= 2)),
        "{:?}",
        sim.stats()
    );
    let s = sim.stats();
    assert_eq!(
        (s.tls_failures, s.events_resent, s.acks_wrong_xsp),
        (0, 0, 0)
    );
    assert_eq!(s.active_subscriptions().count(), 2);
    assert!(!rig.bw.log().contains("accept_invalid_certs"));
}

#[test]
fn an_xsp_the_ca_does_not_sign_is_refused_once_in_the_log_and_retried() {
    // xsp1 is signed by the test CA, xsp2 by another one.
    let sim = sim_with(vec![Some("xsp"), Some("other-xsp")], |_| {});
    let bw = start(&sim, "tls-refused", &[], |c| {
        c["xsi"]["tls"]["ca_file"] = test_ca()
    });
    assert!(
        bw.wait_status(T, |s| s["xsp"][0]["state"] == "up"
            && s["xsp"][1]["state"] != "up"
            && s["xsp"][1]["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("certificate verify failed"))),
        "{}",
        bw.log()
    );
    // Reconnects with backoff (0.1 s doubling to 0.5 s): several refused
    // handshakes, yet one log line naming the XSP and the problem.
    assert!(sim.wait_for(T, |s| s.tls_failures >= 4), "{}", bw.log());
    let lines = log_lines_with(&bw, "certificate verify failed");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let url = &sim.xsp_urls()[1];
    let want = format!(
        "xsp2: cannot open channel: TLS handshake with {} failed (its certificate is not \
         signed by a CA of xsi.tls.ca_file): ",
        url.trim_start_matches("https://")
    );
    assert!(
        lines[0].contains(&want),
        "{}\nshould contain {want}",
        lines[0]
    );
    // The other XSP is unaffected: subscriptions and events go through it.
    let mut a = connect(&bw);
    assert!(a.monitor_start("2001", T).expect("io").is_ok());
    rig_call_reaches(&sim, &mut a);
    let s = sim.stats();
    assert!(s.channels.iter().all(|c| c.xsp == 0), "{:?}", s.channels);
    assert!(
        s.requests.iter().all(|r| r.xsp == 0),
        "no request reached xsp2"
    );
    assert_eq!(bw.status().expect("status")["status"], "normal");
}

fn rig_call_reaches(sim: &Simulator, a: &mut CstaClient) {
    let call = sim.call("2001", "2002");
    expect_event(a, "OriginatedEvent");
    sim.release(call, "2001");
    expect_event(a, "ConnectionClearedEvent");
    assert!(sim.wait_for(T, acked_everything), "{:?}", sim.stats());
}

#[test]
fn subscriptions_refuse_an_xsp_the_ca_does_not_sign() {
    let sim = sim_with(vec![Some("other-xsp")], |_| {});
    let bw = start(&sim, "tls-sub-refused", &[], |c| {
        c["xsi"]["tls"]["ca_file"] = test_ca()
    });
    assert!(
        bw.wait_status(T, |s| s["status"] == "disabled"
            && s["xsp"][0]["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("certificate verify failed"))),
        "{}",
        bw.log()
    );
    let mut a = connect(&bw);
    let answer = a.monitor_start("2001", T).expect("io");
    assert_eq!(
        answer,
        Err("systemResourceAvailibility/resourceOutOfService".to_owned())
    );
    assert!(
        wait_until(T, || bw
            .log()
            .contains("cannot subscribe to 2001@example.net")),
        "{}",
        bw.log()
    );
    // The subscription's own handshake failed: no HTTP request ever
    // reached the XSP.
    let line = log_lines_with(&bw, "cannot subscribe to 2001@example.net").join("\n");
    assert!(line.contains("certificate verify failed"), "{line}");
    let s = sim.stats();
    assert!(s.subscriptions.is_empty() && s.requests.is_empty(), "{s:?}");
}

#[test]
fn the_ca_file_replaces_the_system_roots_for_channels_and_subscriptions() {
    // The XSP's certificate is signed by the "other" CA, made a system root
    // here through OpenSSL's SSL_CERT_FILE.
    let sim = sim_with(vec![Some("other-xsp")], |_| {});
    let system_root = data_file("tls/other-ca.pem");
    let env = [("SSL_CERT_FILE", system_root.as_path())];

    // Without ca_file the system roots apply: the XSP is trusted.
    let bw = start(&sim, "tls-system-roots", &env, |_| {});
    assert!(bw.wait_links_up(1, T), "{}", bw.log());
    let mut a = connect(&bw);
    assert!(a.monitor_start("2001", T).expect("io").is_ok());
    drop(a);
    drop(bw);
    assert!(sim.wait_for(T, |s| s.open_channels().count() == 0));

    // With ca_file only its CA is trusted, for channels and subscriptions.
    let failures = sim.stats().tls_failures;
    let bw = start(&sim, "tls-replaced-roots", &env, |c| {
        c["xsi"]["tls"]["ca_file"] = test_ca()
    });
    assert!(
        bw.wait_status(T, |s| s["xsp"][0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("certificate verify failed"))),
        "{}",
        bw.log()
    );
    let mut a = connect(&bw);
    assert_eq!(
        a.monitor_start("2002", T).expect("io"),
        Err("systemResourceAvailibility/resourceOutOfService".to_owned())
    );
    // The channel's and the subscription's handshakes both failed (the
    // simulator counts a failure once its side of the handshake ends).
    assert!(sim.wait_for(T, |s| s.tls_failures >= failures + 2));
    let s = sim.stats();
    assert!(
        s.subscriptions
            .iter()
            .all(|sub| sub.user_id != "2002@example.net"),
        "{:?}",
        s.subscriptions
    );
}

#[test]
fn accept_invalid_certs_works_and_is_warned_about_at_start() {
    let sim = sim_with(vec![Some("other-xsp")], |_| {});
    let bw = start(&sim, "tls-invalid-ok", &[], |c| {
        c["xsi"]["tls"]["accept_invalid_certs"] = true.into()
    });
    assert!(bw.wait_links_up(1, T), "{}", bw.log());
    let warnings = log_lines_with(&bw, "xsi.tls.accept_invalid_certs is true");
    assert_eq!(warnings.len(), 1, "{}", bw.log());
    assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
    let mut a = connect(&bw);
    assert!(a.monitor_start("2001", T).expect("io").is_ok());
    rig_call_reaches(&sim, &mut a);
}

#[test]
fn heartbeats_acks_and_renewals_survive_keep_alive_closes() {
    // The XSPs close request connections idle for 0.15 s; bwcsta's
    // heartbeats (every 0.4 s) and renewals (channels granted 4 s, renewed
    // after 3 s) nearly always find theirs closed (bwcsta reuses a
    // connection idle up to 2 s, as XSPs keep one 4 s). One XSP speaks HTTPS.
    let sim = sim_with(vec![None, Some("xsp")], |cfg| {
        cfg.keep_alive_timeout = Duration::from_millis(150);
        cfg.channel_expires = Some(4);
    });
    let rig = rig_with(sim, "keep-alive", |c| {
        slack(c);
        c["xsi"]["tls"]["ca_file"] = test_ca();
        c["xsi"]["heartbeat_interval_s"] = 0.4.into();
        c["xsi"]["channel_expires_s"] = 4.into();
    });
    let (mut a, _) = client(&rig, "2001");
    let (mut b, _) = client(&rig, "2002");
    let renewals = |s: &SimStats, id: &str| {
        let path = format!("/com.broadsoft.xsi-events/v2.0/channel/{id}");
        s.requests
            .iter()
            .filter(|r| r.method == "PUT" && *r.path == *path && r.status == 200)
            .count()
    };
    // Calls spread over several idle closes: their acks meet closed
    // connections too.
    for round in 0..4 {
        let closes = rig.sim.stats().keep_alive_closes;
        assert!(
            rig.sim.wait_for(T, |s| s.keep_alive_closes >= closes + 2),
            "round {round}"
        );
        let call = rig.sim.call("2001", "2002");
        expect_event(&mut b, "DeliveredEvent");
        rig.sim.release(call, "2002");
        expect_event(&mut a, "ConnectionClearedEvent");
    }
    assert!(
        rig.sim.wait_for(T, |s| {
            let open: Vec<_> = s.open_channels().collect();
            acked_everything(s)
                && open.len() == 2
                && open
                    .iter()
                    .all(|c| c.heartbeats >= 4 && renewals(s, &c.id) >= 1)
        }),
        "{:?}",
        rig.sim.stats()
    );
    let s = rig.sim.stats();
    assert!(s.keep_alive_closes >= 8, "{}", s.keep_alive_closes);
    // No channel was lost: the two first channels are the only ones, no
    // event was re-sent, no link reconnected, the clients saw nothing.
    assert_eq!(s.channels.len(), 2, "{:?}", s.channels);
    assert_eq!((s.events_resent, s.unacked), (0, 0));
    let status = rig.bw.status().expect("status");
    for x in status["xsp"].as_array().expect("xsp") {
        assert_eq!(
            (x["state"].as_str(), x["reconnects"].as_u64()),
            (Some("up"), Some(0))
        );
    }
    for c in [&mut a, &mut b] {
        for r in c.take_queued() {
            let bad = match &r.message {
                Message::SystemStatus { status } => status != "normal",
                Message::MonitorStop { .. } => true,
                _ => false,
            };
            assert!(!bad, "{}", describe(&r));
        }
    }
    let log = rig.bw.log();
    for bad in ["channel lost", "could not acknowledge", "heartbeat failed"] {
        assert!(!log.contains(bad), "{bad}: {log}");
    }
}
