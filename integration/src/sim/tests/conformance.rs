//! Every document the simulator sends, in every scenario it plays, passes the Xsi schema
//! check: calls, conference, snapshots, the contact centre (queues, route points and their
//! treatments and incidents, agents), and faults.

use super::*;

const ACTIONS: &str = "/com.broadsoft.xsi-actions/v2.0";

/// Subscribes `user` to `package` on `url`; the subscription id.
fn subscribe_to(c: &mut Client, user: &str, package: &str) -> String {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Subscription xmlns=\"http://schema.broadsoft.com/xsi\">\
         <event>{package}</event><expires>3600</expires><channelSetId>{SET}</channelSetId>\
         <applicationId>{APP}</applicationId></Subscription>"
    );
    let resp = c.request("POST", &format!("{EVENTS}/user/{user}"), &body);
    assert_eq!(resp.status, 200, "{package} for {user}: {}", resp.body);
    field(&resp.body, "subscriptionId")
}

/// A route point command with its schema body (none when `root` is empty); the answer's
/// status.
fn route_point(c: &mut Client, call_id: &str, verb: &str, root: &str) -> u16 {
    let body = match root {
        "" => String::new(),
        "RoutePointPlayBusy" => format!(
            "<?xml version=\"1.0\"?><{root} xmlns=\"http://schema.broadsoft.com/xsi\">\
             <busyPattern>Normal</busyPattern></{root}>"
        ),
        _ => format!("<?xml version=\"1.0\"?><{root} xmlns=\"http://schema.broadsoft.com/xsi\"/>"),
    };
    let path = format!("{ACTIONS}/routepoint/6000@example.net/calls/{call_id}/{verb}");
    c.request("PUT", &path, &body).status
}

/// The route point's leg of the next call added there, read off the channel.
fn added_at_route_point(ch: &mut ChannelReader) -> String {
    loop {
        let doc = ch.expect_doc();
        if doc_kind(&doc) == "RoutePointCallAddedEvent" {
            return field(&doc, "callId");
        }
    }
}

#[test]
fn every_scenario_sends_only_what_the_schema_allows() {
    let sim = start(|_| {});
    let url = sim.xsp_urls()[0].clone();
    sim.add_call_center("5000", &["2003"]);
    sim.add_route_point("6000");
    let mut ch = ChannelReader::open(&url, SET, APP);
    let mut c = Client::connect(&url);
    let mut subs = Vec::new();
    for user in ["2001", "2002", "2003", "2004"] {
        subs.push(subscribe_to(
            &mut c,
            &format!("{user}@example.net"),
            "Advanced Call",
        ));
    }
    // Snapshots of an agent in no call centre, of empty queues.
    subs.push(subscribe_to(
        &mut c,
        "2004@example.net",
        "Call Center Agent",
    ));
    subs.push(subscribe_to(
        &mut c,
        "2003@example.net",
        "Call Center Agent",
    ));
    subs.push(subscribe_to(
        &mut c,
        "5000@example.net",
        "Call Center Queue",
    ));
    subs.push(subscribe_to(
        &mut c,
        "6000@example.net",
        "Route Point Queue",
    ));

    // Calls: a basic call, hold, transfer, busy, click-to-dial, consultation, conference.
    let a = sim.call("2001", "2002");
    sim.answer(a);
    sim.hold(a, "2001");
    sim.retrieve(a, "2001");
    sim.blind_transfer(a, "2002", "2004");
    sim.answer(a);
    sim.release(a, "2004");
    sim.busy("2001", "2002");
    let b = sim.click_to_dial("2001", "2002");
    sim.answer(b);
    sim.answer(b);
    let d = sim.call("2001", "2004");
    sim.answer(d);
    sim.hold(b, "2001");
    sim.consult_transfer(b, d, "2001");
    sim.release(d, "2002");
    let e = sim.call("2001", "2002");
    sim.answer(e);
    let f = sim.call("2001", "2004");
    sim.answer(f);
    sim.conference(e, f, "2001");
    sim.release(e, "2001");
    sim.release(f, "2004");
    sim.call("2002", "2004");
    sim.as_failover("2002");

    // The contact centre: agent states and joins, a queued call answered, one overflowed,
    // one abandoned; route point calls with every treatment, routed and failed.
    for state in [
        "Sign-In",
        "Available",
        "Unavailable",
        "Wrap-Up",
        "Sign-Out",
        "Available",
    ] {
        assert!(sim.set_agent_state("2003", state), "{state}");
    }
    sim.agent_join("2003", "5000", false);
    sim.agent_join("2003", "5000", true);
    let q = sim.acd_call("2001", "5000").expect("queued");
    // A refresh re-issues the snapshots: now with a queued call.
    for id in &subs {
        let body =
            "<?xml version=\"1.0\"?><Subscription xmlns=\"http://schema.broadsoft.com/xsi\">\
                    <expires>3600</expires></Subscription>";
        let resp = c.request("PUT", &format!("{EVENTS}/subscription/{id}"), body);
        assert_eq!(resp.status, 200, "{}", resp.body);
    }
    assert!(sim.acd_offer(q, Some("2003")));
    sim.answer(q);
    sim.release(q, "2003");
    let o = sim.acd_call("2002", "5000").expect("queued");
    assert!(sim.acd_overflow(o, "2004"));
    sim.release(o, "2002");
    let gone = sim.acd_call("2004", "5000").expect("queued");
    sim.release(gone, "2004");
    let stranded = sim.acd_call("2004", "5000").expect("queued");
    assert!(sim.whisper(stranded));
    assert!(sim.acd_strand(stranded));
    assert!(sim.rp_state("6000", true));
    assert!(sim.rp_state("6000", false));
    sim.rp_reject("2004", "6000").expect("a route point");
    let r = sim.rp_call("2002", "6000").expect("at the route point");
    let half = added_at_route_point(&mut ch);
    assert!(sim.whisper(r));
    for (verb, body) in [
        ("PlayBusy", "RoutePointPlayBusy"),
        ("PlayMusicOnHold", "RoutePointPlayMusicOnHold"),
        ("PlayRingback", "RoutePointPlayRingBack"),
        ("PlaySilence", "RoutePointPlaySilence"),
    ] {
        assert_eq!(route_point(&mut c, &half, verb, body), 200, "{verb}");
    }
    assert!(sim.complete_treatment(r, "Timeout"));
    let path =
        format!("{ACTIONS}/routepoint/6000@example.net/calls/{half}/BlindTransfer?address=2004");
    assert_eq!(c.request("PUT", &path, "").status, 200);
    sim.rp_call("2001", "6000").expect("at the route point");
    let half2 = added_at_route_point(&mut ch);
    assert_eq!(route_point(&mut c, &half2, "Fail", ""), 200);
    let resp = c.request(
        "GET",
        &format!("{ACTIONS}/user/2003@example.net/services/CallCenter"),
        "",
    );
    assert_eq!(resp.status, 200);

    // Faults: an injected error answer, a terminated channel.
    sim.fail_requests(0, 503, 1);
    assert_eq!(c.request("GET", "/nothing", "").status, 503);
    sim.terminate_channels(0, "ExplicitDelete");

    assert!(sim.wait_for(T, |s| s.open_channels().count() == 0
        && s.events_sent() >= s.events_generated));
    let schema = sim.stats().schema;
    let sent: Vec<(&String, &String)> = schema
        .first
        .iter()
        .filter(|(kind, _)| kind.starts_with("sent"))
        .collect();
    assert!(sent.is_empty(), "{sent:#?}");
    // The bodies sent above (the channel, 8 subscriptions and their refreshes, 4
    // treatments) are valid too.
    assert_eq!(schema.received, 21);
    assert!(schema.first.is_empty(), "{:#?}", schema.first);
    eprintln!(
        "schema check: the simulator sent {} documents in every scenario, none in violation",
        schema.sent
    );
    assert!(schema.sent > 150, "{}", schema.sent);
}
