//! The one client of the off-channel Xsi requests, against the XSP
//! simulator: which answers end a round of XSPs, and which failures hand a
//! request to the next XSP under each [`Retry`] rule.

use super::*;
use bwcsta_integration::sim::{SimConfig, Simulator};

/// A client of two simulated XSPs, logging in with `password`.
fn client(sim: &Simulator, password: &str) -> XsiClient {
    let urls = sim.xsp_urls();
    let settings = XsiSettings::for_test(serde_json::json!({
        "servers": [{ "name": "xsp1", "url": urls[0] }, { "name": "xsp2", "url": urls[1] }],
        "username": "cti@example.net",
        "password": password,
        "channel_set_id": "client-tests",
        "request_timeout_s": 30
    }));
    let agent = settings.agent();
    XsiClient::new(settings, Arc::new(LinkFlags::new(2)), agent)
}

#[test]
fn an_answer_for_the_request_ends_the_round_a_server_failure_does_not() {
    let sim = Simulator::start(SimConfig::default()).expect("simulator");
    let deadline = Some(Instant::now() + Duration::from_secs(30));
    let shown = "PUT Hold";
    let target = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net/calls/nothing/Hold";
    // Refused credentials (401) on both: the last failure is reported.
    let wrong = client(&sim, "wrong");
    let refused = wrong.first_answer(
        &[0, 1],
        (Method::Put, target, None),
        &shown,
        deadline,
        log::Level::Debug,
        Retry::OnServerTrouble,
    );
    let err = refused.expect_err("both refuse").detail;
    assert!(err.starts_with("xsp2: HTTP 401"), "{err}");
    // A 4xx about the request itself comes from the first XSP.
    let right = client(&sim, "secret");
    let answered = right
        .first_answer(
            &[1, 0],
            (Method::Put, target, None),
            &shown,
            deadline,
            log::Level::Debug,
            Retry::OnServerTrouble,
        )
        .expect("answered");
    assert_eq!(answered.server, 1);
    assert!(
        matches!(answered.answer, Answer::Rejected { .. }),
        "{answered:?}"
    );
    // A deadline already passed sends nothing.
    let late = right.first_answer(
        &[0, 1],
        (Method::Put, target, None),
        &shown,
        Some(Instant::now()),
        log::Level::Debug,
        Retry::OnServerTrouble,
    );
    assert!(late.expect_err("late").detail.contains("deadline"));
}

#[test]
fn order_puts_up_links_first_and_rotates() {
    let flags = LinkFlags::new(3);
    flags.set(2, true);
    for _ in 0..5 {
        let order = flags.order();
        assert_eq!(order[0], 2);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 1, 2]);
    }
    flags.set(0, true);
    let firsts: std::collections::HashSet<usize> = (0..6).map(|_| flags.order()[0]).collect();
    assert_eq!(
        firsts,
        [0, 2].into_iter().collect(),
        "both up links get turns"
    );
    assert!(LinkFlags::new(0).order().is_empty());
}

/// A client of the XSPs at `urls` (named `xsp1`, `xsp2`, … in order) with
/// attempts of `timeout_s`, trusting the test CA.
fn client_of(urls: &[String], timeout_s: f64) -> XsiClient {
    let servers: Vec<serde_json::Value> = urls
        .iter()
        .enumerate()
        .map(|(i, url)| serde_json::json!({ "name": format!("xsp{}", i + 1), "url": url }))
        .collect();
    let ca = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/integration/data/tls/test-ca.pem"
    );
    let settings = XsiSettings::for_test(serde_json::json!({
        "servers": servers,
        "username": "cti@example.net",
        "password": "secret",
        "channel_set_id": "client-tests",
        "request_timeout_s": timeout_s,
        "tls": { "ca_file": ca }
    }));
    let agent = settings.agent();
    let flags = Arc::new(LinkFlags::new(urls.len()));
    XsiClient::new(settings, flags, agent)
}

/// An address nothing listens on (bound, then released).
fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

const DND: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net/services/DoNotDisturb";
const DND_ON: &str = "<DoNotDisturb xmlns=\"http://schema.broadsoft.com/xsi\">\
    <active>true</active></DoNotDisturb>";

/// One call-control request through `client`, XSPs in order.
fn control(client: &XsiClient) -> Result<Answered, NoAnswer> {
    let order: Vec<usize> = (0..client.settings().servers.len()).collect();
    client.first_answer(
        &order,
        (Method::Put, DND, Some(DND_ON)),
        &"PUT DoNotDisturb",
        Some(Instant::now() + Duration::from_secs(30)),
        log::Level::Debug,
        Retry::OnlyIfNotActed,
    )
}

/// Xsi-Actions requests the simulator received, per XSP.
fn per_xsp(sim: &Simulator) -> [usize; 2] {
    let actions = sim.stats().actions;
    [0, 1].map(|x| actions.iter().filter(|a| a.xsp == x).count())
}

#[test]
fn call_control_goes_to_the_next_xsp_only_when_the_first_cannot_have_acted() {
    let sim = Simulator::start(SimConfig::default()).expect("simulator");
    let urls = sim.xsp_urls();
    // Nothing listens: the request never left, the next XSP carries it out.
    let unreachable = client_of(&[closed_url(), urls[0].clone()], 2.0);
    let answered = control(&unreachable).expect("answered");
    assert_eq!((answered.server, answered.answer), (1, Answer::Accepted));
    assert_eq!(per_xsp(&sim), [1, 0]);

    let both = client_of(&urls, 0.5);
    // 503: not looked at; the next XSP carries it out.
    sim.fail_actions(0, 503, 1);
    let answered = control(&both).expect("answered");
    assert_eq!((answered.server, answered.status), (1, 200));
    assert_eq!(per_xsp(&sim), [2, 1]);
    // 500: it may have been carried out; answered as it is, not repeated.
    sim.fail_actions(0, 500, 1);
    let answered = control(&both).expect("answered");
    assert_eq!((answered.server, answered.status), (0, 500));
    assert!(matches!(
        answered.answer,
        Answer::Failed { status: 500, .. }
    ));
    assert_eq!(per_xsp(&sim), [3, 1]);
    // Read, carried out, connection closed unanswered: not repeated.
    sim.drop_actions(0, 1);
    let lost = control(&both).expect_err("no answer");
    assert!(
        lost.maybe_sent && lost.detail.starts_with("xsp1: "),
        "{lost:?}"
    );
    assert_eq!(per_xsp(&sim), [4, 1]);
    // No answer within the attempt's timeout: not repeated either.
    sim.delay_actions(0, Duration::from_millis(1500));
    let slow = control(&both).expect_err("timed out");
    assert!(
        slow.maybe_sent && slow.detail.starts_with("xsp1: "),
        "{slow:?}"
    );
    sim.delay_actions(0, Duration::ZERO);
    // The slow XSP still carries it out; the other one never saw it.
    let done = sim.wait_for(Duration::from_secs(10), |s| s.actions.len() == 6);
    assert!(done, "{:?}", sim.stats().actions);
    assert_eq!(per_xsp(&sim), [5, 1]);
    // Nothing reachable at all: not sent anywhere.
    let none = client_of(&[closed_url(), closed_url()], 0.5);
    let failure = control(&none).expect_err("unreachable");
    assert!(!failure.maybe_sent, "{failure:?}");
    assert!(failure.detail.starts_with("xsp2: not sent"), "{failure:?}");
}

#[test]
fn a_failed_tls_handshake_hands_call_control_to_the_next_xsp() {
    use bwcsta_integration::support::tls_identity;
    let sim = Simulator::start(SimConfig {
        https: vec![Some(tls_identity("other-xsp")), Some(tls_identity("xsp"))],
        ..SimConfig::default()
    })
    .expect("simulator");
    // xsp1's certificate is of a CA the client does not trust.
    let answered = control(&client_of(&sim.xsp_urls(), 2.0)).expect("answered");
    assert_eq!((answered.server, answered.status), (1, 200));
    assert_eq!(per_xsp(&sim), [0, 1]);
    assert_eq!(sim.stats().tls_failures, 1);
}

#[test]
fn only_failures_before_the_request_left_count_as_unsent() {
    use std::io::{Error, ErrorKind};
    use ureq::Timeout;
    let io = |kind: ErrorKind| ureq::Error::Io(Error::new(kind, "x"));
    let cases = [
        (ureq::Error::HostNotFound, true),
        (ureq::Error::ConnectionFailed, true),
        (ureq::Error::Timeout(Timeout::Resolve), true),
        (ureq::Error::Timeout(Timeout::Connect), true),
        (io(ErrorKind::ConnectionRefused), true),
        (io(ErrorKind::HostUnreachable), true),
        (io(ErrorKind::NetworkUnreachable), true),
        (ureq::Error::Tls("handshake"), true),
        (ureq::Error::Timeout(Timeout::Global), false),
        (ureq::Error::Timeout(Timeout::SendRequest), false),
        (ureq::Error::Timeout(Timeout::RecvResponse), false),
        (ureq::Error::Timeout(Timeout::RecvBody), false),
        (io(ErrorKind::ConnectionReset), false),
        (io(ErrorKind::UnexpectedEof), false),
        (io(ErrorKind::BrokenPipe), false),
        (io(ErrorKind::TimedOut), false),
        (ureq::Error::StatusCode(500), false),
    ];
    for (error, unsent) in cases {
        assert_eq!(before_sending(&error), unsent, "{error:?}");
    }
}
