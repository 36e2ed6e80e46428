//! Response delays: each kind on its own, requests in flight at once each waiting from their
//! own arrival (never in turn), set from the configuration or the control API.

use super::*;
use std::io::Read;

#[test]
fn requests_on_different_connections_wait_at_the_same_time() {
    // A delay far longer than the test: what counts is that all of them wait at once.
    let sim = start(|c| c.delays = vec![(RequestKind::Subscribe, Duration::from_secs(120))]);
    let url = sim.xsp_urls()[0].clone();
    let clients: Vec<_> = (0..8)
        .map(|n| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(&url);
                let _ = c.stream.set_read_timeout(Some(Duration::from_secs(180)));
                let path = format!("{EVENTS}/user/20{n:02}@example.net");
                c.send_raw(&request_bytes("POST", &path, &subscription_body(SET, APP)));
                // The answer comes when the simulator stops; nothing to check in it.
                let mut scratch = [0u8; 1024];
                let _ = c.stream.read(&mut scratch);
            })
        })
        .collect();
    assert!(
        sim.wait_for(Duration::from_secs(30), |s| s.delayed.peak_waiting == 8),
        "{:?}",
        sim.stats().delayed
    );
    assert_eq!(
        sim.stats().subscriptions.len(),
        0,
        "handled only after the delay"
    );
    // Other kinds are not delayed.
    let mut c = Client::connect(&url);
    let resp = c.request("GET", &format!("{EVENTS}/channelset/{SET}"), "");
    assert_eq!(resp.status, 404);
    drop(sim);
    for t in clients {
        let _ = t.join();
    }
}

#[test]
fn pipelined_requests_each_wait_from_their_own_arrival() {
    let delay = Duration::from_millis(400);
    let sim = start(|c| c.delays = vec![(RequestKind::Ack, delay)]);
    let url = &sim.xsp_urls()[0];
    let mut c = Client::connect(url);
    let path = format!("{EVENTS}/channel/eventresponse");
    let mut five = Vec::new();
    for n in 0..5 {
        five.extend(request_bytes(
            "POST",
            &path,
            &ack_body(&format!("e{n}"), 200),
        ));
    }
    let sent = Instant::now();
    c.send_raw(&five);
    for _ in 0..5 {
        assert_eq!(c.read_response().status, 200);
    }
    assert!(sent.elapsed() >= delay, "answered after the delay");
    let counters = sim.stats().delayed;
    // Every one was delayed, one at a time on the one connection. How many
    // had to sleep depends on how the five arrived: in one read, only the
    // first (the others were due by the time their turn came); in several,
    // up to all five.
    assert_eq!(counters.delayed, 5, "{counters:?}");
    assert_eq!(counters.peak_waiting, 1, "{counters:?}");
    assert!((1..=5).contains(&counters.slept), "{counters:?}");
}

#[test]
fn delays_are_set_from_the_control_api_and_shown_in_the_stats() {
    let sim = start(|c| c.control = Some(SocketAddr::from(([127, 0, 0, 1], 0))));
    let ctl = format!("http://{}", sim.control_addr().unwrap());
    let mut c = Client::connect(&ctl);
    let cases: &[(&str, u16, &str)] = &[
        ("/sim/delay?kind=subscribe&seconds=0.02", 200, "ok"),
        ("/sim/delay?kind=all&seconds=0.005", 200, "ok"),
        ("/sim/delay?kind=heartbeat&seconds=0", 200, "ok"),
        ("/sim/delay?kind=sometimes&seconds=1", 400, "unknown kind"),
        ("/sim/delay?kind=ack&seconds=soon", 400, "not a duration"),
        ("/sim/delay?kind=ack", 400, "missing parameter seconds"),
    ];
    for (path, status, body) in cases {
        let resp = c.request("POST", path, "");
        assert_eq!(resp.status, *status, "{path}: {}", resp.body);
        assert!(resp.body.contains(body), "{path}: {}", resp.body);
    }
    let brief = c.request("GET", "/sim/stats?brief=1", "");
    let v: serde_json::Value = serde_json::from_str(&brief.body).unwrap();
    let in_force = &v["delays"]["in_force"];
    assert_eq!(in_force["subscribe"], serde_json::json!(0.005));
    assert_eq!(in_force["actions"], serde_json::json!(0.005));
    assert_eq!(in_force.get("heartbeat"), None, "zero is no delay");
    assert_eq!(v["subscriptions_active"], serde_json::json!(0));
    assert_eq!(v.get("subscriptions"), None);
    sim.set_delay(RequestKind::Actions, Duration::ZERO);
    assert!(!sim
        .stats()
        .delays
        .iter()
        .any(|(k, _)| *k == RequestKind::Actions));
}
