//! The JSON control API driving the simulator.

use super::*;

#[test]
fn the_control_api_drives_the_simulator() {
    let sim = start(|c| c.control = Some(SocketAddr::from(([127, 0, 0, 1], 0))));
    let ctl = format!("http://{}", sim.control_addr().unwrap());
    let url = &sim.xsp_urls()[0];
    let mut ch = ChannelReader::open(url, SET, APP);
    subscribe(&sim, url, "2002@example.net");
    ch.expect_doc();
    let mut c = Client::connect(&ctl);
    let cases: &[(&str, &str, u16, &str)] = &[
        ("POST", "/sim/call?from=2001&to=2002", 200, "{\"call\":1}"),
        ("POST", "/sim/answer?call=1", 200, "{\"ok\":true}"),
        ("POST", "/sim/answer?call=99", 400, "not applicable"),
        ("POST", "/sim/call?from=2001", 400, "missing parameter to"),
        ("POST", "/sim/hold?call=x&by=2001", 400, "not a number"),
        (
            "POST",
            "/sim/delivery?mode=sideways",
            400,
            "unknown delivery mode",
        ),
        ("POST", "/sim/chunking?mode=one", 200, "ok"),
        (
            "POST",
            "/sim/fault/status?xsp=9&code=503&count=1",
            400,
            "no xsp 9",
        ),
        (
            "POST",
            "/sim/fault/stall?xsp=1&on=maybe",
            400,
            "must be 1 or 0",
        ),
        ("POST", "/sim/fault/stall?xsp=1&on=0", 200, "ok"),
        ("POST", "/sim/fault/acks?xsp=1&code=503&count=0", 200, "ok"),
        (
            "POST",
            "/sim/fault/acks?xsp=1&code=5&count=1",
            400,
            "bad status code",
        ),
        (
            "POST",
            "/sim/fault/action_status?xsp=1&code=500&count=1",
            200,
            "ok",
        ),
        (
            "POST",
            "/sim/fault/action_delay?xsp=1&ms=x",
            400,
            "not a number",
        ),
        ("POST", "/sim/fault/action_delay?xsp=0&ms=0", 200, "ok"),
        ("POST", "/sim/nope", 404, "unknown command"),
        ("DELETE", "/sim/stats", 405, "not allowed"),
    ];
    for (method, path, status, body) in cases {
        let resp = c.request(method, path, "");
        assert_eq!(resp.status, *status, "{path}: {}", resp.body);
        assert!(resp.body.contains(body), "{path}: {}", resp.body);
        assert!(resp.head.contains("Content-Type: application/json"));
    }
    assert_eq!(
        kinds(&[ch.expect_doc(), ch.expect_doc()]),
        ["CallReceivedEvent", "HookStatusEvent"]
    );
    let stats = c.request("GET", "/sim/stats", "");
    let v: serde_json::Value = serde_json::from_str(&stats.body).unwrap();
    assert_eq!(v["channels"][0]["id"], serde_json::json!(ch.id));
    assert_eq!(
        v["subscriptions"][0]["user_id"],
        serde_json::json!("2002@example.net")
    );
    assert!(v["events_generated"].as_u64().unwrap() >= 3);
    // The injected Xsi-Actions failure is waiting on xsp 1.
    let path = "/com.broadsoft.xsi-actions/v2.0/user/2002@example.net/services/DoNotDisturb";
    let mut x = Client::connect(&sim.xsp_urls()[1]);
    assert_eq!(x.request("PUT", path, "<active>true</active>").status, 500);
    assert_eq!(x.request("PUT", path, "<active>true</active>").status, 200);
}
