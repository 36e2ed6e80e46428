//! The soak's faults (heartbeats refused, acknowledgements lost, late re-sends, subscriptions
//! terminated by BroadWorks, an AS failover for many users), call operations that report
//! whether they applied, the live calls and the journal.

use super::*;
use crate::sim::chaos::{Fact, Record};

#[test]
fn refused_heartbeats_then_normal_ones() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    sim.fail_heartbeats(0, 404, 2);
    let path = format!("{EVENTS}/channel/{}/heartbeat", ch.id);
    let mut c = Client::connect(&urls[0]);
    for want in [404, 404, 200] {
        let resp = c.request("PUT", &path, "");
        assert_eq!(resp.status, want);
    }
    assert_eq!(kinds(&[ch.expect_doc()]), ["heartbeat"]);
    assert_eq!(
        sim.stats().channels[0].heartbeats,
        1,
        "refused ones do not count"
    );
    // Other XSPs and other requests are not affected.
    sim.fail_heartbeats(1, 500, 1);
    assert_eq!(c.request("PUT", &path, "").status, 200);
}

#[test]
fn a_lost_acknowledgement_is_answered_but_the_event_comes_again_after_the_timeout() {
    let sim = start(|c| c.ack_timeout = Duration::from_secs(30));
    let urls = sim.xsp_urls();
    let mut a = ChannelReader::open(&urls[0], SET, APP);
    let mut b = ChannelReader::open(&urls[1], SET, APP);
    subscribe(&sim, &urls[0], "2001@example.net");
    let first = a.expect_doc();
    sim.lose_acks(0, 1);
    ack(&mut Client::connect(&urls[0]), &first, 200);
    assert!(b.quiet_for(Duration::from_millis(200)), "30 s to go");
    assert_eq!(sim.unacked(), 1);
    // A BroadWorks that re-sends late: the new timeout counts from the last send.
    sim.set_ack_timeout(Duration::from_millis(100));
    let again = b.expect_doc();
    assert_eq!(field(&again, "eventID"), field(&first, "eventID"));
    ack(&mut Client::connect(&urls[1]), &again, 200);
    assert!(sim.wait_for(T, |s| s.unacked == 0));
    assert_eq!(sim.stats().acks_by_status.get(&200), Some(&1));
}

#[test]
fn broadworks_terminates_subscriptions_on_its_own() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    let id = subscribe(&sim, &urls[0], "2001@example.net");
    subscribe(&sim, &urls[0], "2002@example.net");
    let mut c = Client::connect(&urls[0]);
    for _ in 0..2 {
        ack(&mut c, &ch.expect_doc(), 200);
    }
    assert_eq!(sim.terminate_subscriptions(&["2001", "2009"]), 1);
    let doc = ch.expect_doc();
    assert_eq!(
        (doc_kind(&doc), field(&doc, "subscriptionId")),
        ("SubscriptionTerminatedEvent".into(), id.clone())
    );
    assert_eq!(sim.active_subscriptions(), 1);
    // No more events for it; the other user's still come.
    let call = sim.call("2001", "2002");
    let doc = ch.expect_doc();
    assert_eq!(
        (doc_kind(&doc), field(&doc, "targetId")),
        ("CallReceivedEvent".into(), "2002@example.net".into())
    );
    assert!(ch.quiet_for(Duration::from_millis(100)));
    let refresh = c.request(
        "PUT",
        &format!("{EVENTS}/subscription/{id}"),
        "<Subscription><expires>3600</expires></Subscription>",
    );
    assert_eq!(refresh.status, 404);
    assert!(!sim.hold(call, "2003"));
    assert!(sim.release(call, "2001"));
    assert!(!sim.answer(call), "gone");
}

#[test]
fn the_journal_records_each_event_with_the_facts_of_its_call() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    sim.start_journal();
    let sub = subscribe(&sim, &urls[0], "2002@example.net");
    let call = sim.call("2001", "2002");
    sim.answer(call);
    let live = sim.live_calls();
    assert_eq!(live.legs.len(), 2);
    let leg = live
        .legs
        .iter()
        .find(|l| l.dn == "2002")
        .expect("2002's leg");
    assert_eq!((leg.state, leg.ext), ("Active", call.0));
    sim.as_failover_many(&["2002"]);
    assert!(sim.live_calls().legs.iter().all(|l| l.dn != "2002"));
    let docs: Vec<String> = (0..5).map(|_| ch.expect_doc()).collect();
    let records = sim.take_journal();
    assert!(matches!(
        &records[0],
        Record::SubscriptionCreated { id, dn, package, .. }
            if *id == sub && dn == "2002" && package == "Advanced Call"
    ));
    let events: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 5);
    for (e, doc) in events.iter().zip(&docs) {
        assert_eq!(e.event_id, field(doc, "eventID"));
        assert_eq!(e.sequence.to_string(), field(doc, "sequenceNumber"));
        assert_eq!(e.fact.kind(), doc_kind(doc));
        assert_eq!(
            (e.dn.as_str(), e.subscription.as_str()),
            ("2002", sub.as_str())
        );
    }
    let half = leg.half;
    assert_eq!(
        events[0].fact,
        Fact::Snapshot {
            kind: "CallSubscriptionEvent".into(),
            listed: vec![]
        }
    );
    assert!(matches!(
        &events[1].fact,
        Fact::Call { kind, half: h, ext, state: "Alerting", personality: "Terminator", .. }
            if kind == "CallReceivedEvent" && *h == half && *ext == call.0
    ));
    assert_eq!(
        events[2].fact,
        Fact::Other {
            kind: "HookStatusEvent".into()
        }
    );
    assert!(matches!(
        &events[3].fact,
        Fact::Call { kind, state: "Active", .. } if kind == "CallAnsweredEvent"
    ));
    assert_eq!(
        events[4].fact,
        Fact::Snapshot {
            kind: "CallSubscriptionEvent".into(),
            listed: vec![]
        },
        "the failover's resync lists no call"
    );
    Client::connect(&urls[0]).request("DELETE", &format!("{EVENTS}/subscription/{sub}"), "");
    assert!(matches!(
        sim.take_journal().first(),
        Some(Record::SubscriptionEnded { id, why, .. }) if *id == sub && why == "deleted"
    ));
}

#[test]
fn the_control_api_injects_the_soak_faults() {
    let sim = start(|c| c.control = Some(SocketAddr::from(([127, 0, 0, 1], 0))));
    let mut c = Client::connect(&format!("http://{}", sim.control_addr().unwrap()));
    let cases: &[(&str, u16, &str)] = &[
        ("/sim/fault/heartbeats?xsp=0&code=404&count=1", 200, "ok"),
        (
            "/sim/fault/heartbeats?xsp=0&code=4&count=1",
            400,
            "bad status code",
        ),
        ("/sim/fault/lose_acks?xsp=1&count=2", 200, "ok"),
        ("/sim/fault/lose_acks?xsp=5&count=2", 400, "no xsp 5"),
        ("/sim/fault/ack_timeout?seconds=0.5", 200, "ok"),
        ("/sim/fault/ack_timeout?seconds=soon", 400, "not a duration"),
        (
            "/sim/fault/terminate_subscriptions?dns=2001,2002",
            200,
            "{\"terminated\":0}",
        ),
        (
            "/sim/fault/terminate_subscriptions?dns=,",
            400,
            "dns is empty",
        ),
        ("/sim/as_failover_many?dns=2001", 200, "ok"),
    ];
    for (path, status, text) in cases {
        let resp = c.request("POST", path, "");
        assert_eq!(resp.status, *status, "{path}: {}", resp.body);
        assert!(resp.body.contains(text), "{path}: {}", resp.body);
    }
    let mut ch = ChannelReader::open(&sim.xsp_urls()[0], SET, APP);
    let hb = format!("{EVENTS}/channel/{}/heartbeat", ch.id);
    let mut x = Client::connect(&sim.xsp_urls()[0]);
    assert_eq!(x.request("PUT", &hb, "").status, 404);
    assert_eq!(x.request("PUT", &hb, "").status, 200);
    assert_eq!(kinds(&[ch.expect_doc()]), ["heartbeat"]);
}
