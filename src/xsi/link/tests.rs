//! The link thread: backoff jitter, and recovery from panics of the link
//! and control threads, against the XSP simulator.

use super::*;
use bwcsta_integration::sim::{SimConfig, Simulator};
use std::net::SocketAddr;

#[test]
fn jitter_stays_within_a_quarter() {
    let mut seed = 12345;
    for ms in [10u64, 1000, 30_000] {
        let base = Duration::from_millis(ms);
        for _ in 0..200 {
            let d = with_jitter(base, &mut seed);
            assert!(d >= base && d <= base + base / 4, "{d:?} for {base:?}");
        }
    }
}

const WAIT: Duration = Duration::from_secs(10);

/// One simulated XSP called `name`, and a link to it with short timers.
struct Rig {
    sim: Simulator,
    link: Option<LinkHandle>,
    events: Receiver<Event>,
}

impl Rig {
    fn start(name: &str) -> Rig {
        let sim = Simulator::start(SimConfig {
            xsps: vec![(name.to_owned(), SocketAddr::from(([127, 0, 0, 1], 0)))],
            ..SimConfig::default()
        })
        .expect("simulator");
        let settings = XsiSettings::for_test(serde_json::json!({
            "servers": [{ "name": name, "url": sim.xsp_urls()[0] }],
            "username": "cti@example.net",
            "password": "secret",
            "channel_set_id": "link-tests",
            "heartbeat_interval_s": 0.2,
            "reconnect_initial_s": 0.05,
            "reconnect_max_s": 0.2,
            "request_timeout_s": 5
        }));
        let (inbox, events) = bounded(1024);
        let known = Arc::new(KnownSubscriptions::new());
        let link = LinkHandle::start(LinkId(0), settings, inbox, known).expect("link");
        Rig {
            sim,
            link: Some(link),
            events,
        }
    }

    /// The next link state change (events are skipped), within [`WAIT`].
    fn next_state(&self) -> LinkEvent {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Event::Link(LinkId(0), LinkEvent::Xsi(_) | LinkEvent::AckFailed { .. })) => {}
                Ok(Event::Link(LinkId(0), ev)) => return ev,
                Ok(other) => panic!("unexpected {other:?}"),
                Err(e) => panic!("no link event within {WAIT:?}: {e}"),
            }
        }
    }

    fn expect_up(&self) -> String {
        match self.next_state() {
            LinkEvent::Connecting => self.expect_up(),
            LinkEvent::Up { channel_id } => channel_id,
            LinkEvent::Down { reason } => panic!("down: {reason}"),
            LinkEvent::Xsi(_) | LinkEvent::AckFailed { .. } => unreachable!(),
        }
    }

    fn expect_down(&self) -> String {
        match self.next_state() {
            LinkEvent::Down { reason } => reason,
            other => panic!("expected Down, got {:?}", Event::Link(LinkId(0), other)),
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if let Some(link) = self.link.take() {
            let _ = link.finish_stop(Instant::now() + Duration::from_secs(5));
        }
    }
}

#[test]
fn a_panic_in_the_link_thread_reports_down_and_reconnects() {
    let rig = Rig::start("panic-link");
    let first = rig.expect_up();
    // The next document on the stream (a heartbeat) makes the thread panic.
    thread::inject::arm("xsp-panic-link", "link document");
    let reason = rig.expect_down();
    assert!(
        reason.starts_with("link thread panicked: injected panic at link document"),
        "{reason}"
    );
    let second = rig.expect_up();
    assert_ne!(first, second, "a new channel");
    // The old channel's stream was closed with the panic: one channel left.
    assert!(
        rig.sim.wait_for(WAIT, |s| s.open_channels().count() == 1),
        "{:?}",
        rig.sim.stats().channels
    );
}

#[test]
fn a_panic_in_the_control_thread_kills_the_channel_and_reconnects() {
    let rig = Rig::start("panic-ctl");
    let first = rig.expect_up();
    // The next heartbeat makes the control thread panic; its end guard
    // kills the channel, which the link thread reports.
    thread::inject::arm("xsp-panic-ctl-ctl", "control heartbeat");
    let reason = rig.expect_down();
    assert!(
        reason.starts_with("control thread died: injected panic at control heartbeat"),
        "{reason}"
    );
    let second = rig.expect_up();
    assert_ne!(first, second, "a new channel");
    // Heartbeats flow again on the new channel, from a new control thread.
    let beats = |s: &bwcsta_integration::sim::SimStats| {
        s.requests
            .iter()
            .filter(|r| r.path.contains(&*format!("/channel/{second}/heartbeat")))
            .count()
    };
    assert!(rig.sim.wait_for(WAIT, |s| beats(s) >= 2));
}

#[test]
fn tls_failures_say_where_to_look() {
    let target = Target {
        https: true,
        host: "xsp1.example.net".to_owned(),
        port: 443,
        base_path: String::new(),
    };
    let untrusted = "error:0A000086:SSL routines:tls_post_process_server_certificate:\
                     certificate verify failed:../ssl/statem/statem_clnt.c:1889: \
                     (unable to get local issuer certificate)";
    let expired =
        "error:0A000086:SSL routines::certificate verify failed: (certificate has expired)";
    let cases = [
        (untrusted, true, "not signed by a CA of xsi.tls.ca_file"),
        (untrusted, false, "not signed by a CA the system trusts"),
        (expired, true, "failed: error:0A000086"),
        ("unexpected EOF", false, "failed: unexpected EOF"),
    ];
    for (why, ca_file, want) in cases {
        let text = tls_failure(&target, why, ca_file);
        assert!(
            text.starts_with("TLS handshake with xsp1.example.net failed") && text.contains(want),
            "{text}"
        );
        assert!(text.ends_with(why), "{text}");
    }
}

#[test]
fn channel_terminated_reasons() {
    // (reason, end, as logged and reported)
    let cases = [
        (
            "DuplicateChannelSet",
            Lost::DuplicateChannelSet,
            "ChannelTerminatedEvent (DuplicateChannelSet)",
        ),
        (
            "ExplicitDelete",
            Lost::Other("ChannelTerminatedEvent (ExplicitDelete)".into()),
            "ChannelTerminatedEvent (ExplicitDelete)",
        ),
        (
            "duplicatechannelset",
            Lost::Other("ChannelTerminatedEvent (duplicatechannelset)".into()),
            "ChannelTerminatedEvent (duplicatechannelset)",
        ),
    ];
    for (reason, want, text) in cases {
        let lost = Lost::terminated(reason);
        assert_eq!(lost.to_string(), text, "{reason}");
        assert_eq!(lost, want, "{reason}");
    }
}

#[test]
fn the_reasons_acted_on_are_the_schema_s() {
    let reasons = bwcsta_integration::schema::xsi::schema().enum_values("ChannelTerminatedReason");
    assert!(reasons.contains(&DUPLICATE_CHANNEL_SET), "{reasons:?}");
}
