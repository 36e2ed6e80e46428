//! Subscriptions: creation and the initial event, renewal, refresh and delete, and events
//! queued while no channel is open.

use super::*;

#[test]
fn a_subscription_is_answered_then_gets_its_initial_event() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    let mut client = Client::connect(&urls[0]);
    let resp = client.request(
        "POST",
        &format!("{EVENTS}/user/2001@example.net"),
        &subscription_body(SET, APP),
    );
    assert_eq!(resp.status, 200);
    assert!(resp.body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Subscription xmlns=\"http://schema.broadsoft.com/xsi\"><subscriptionId>"));
    assert_eq!(field(&resp.body, "expires"), "3600");
    let sub_id = field(&resp.body, "subscriptionId");
    let doc = ch.expect_doc();
    assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\"><xsi:eventID>"), "{doc}");
    assert!(doc.ends_with("<xsi:eventData xsi1:type=\"xsi:CallSubscriptionEvent\"><xsi:hookStatus>On-Hook</xsi:hookStatus></xsi:eventData></xsi:Event>"), "{doc}");
    for (name, want) in [
        ("sequenceNumber", "1"),
        ("userId", USER),
        ("externalApplicationId", APP),
        ("subscriptionId", &sub_id),
        ("channelId", &ch.id),
        ("targetId", "2001@example.net"),
    ] {
        assert_eq!(field(&doc, name), want, "{name}");
    }
    assert_eq!(field(&doc, "eventID").len(), 36);
    assert_eq!(sim.stats().unacked, 1);
    ack(&mut client, &doc, 200);
    assert!(sim.wait_for(T, |s| s.unacked == 0
        && s.acked() == 1
        && s.acks_wrong_xsp == 0));
    let stats = sim.stats();
    let sub = &stats.subscriptions[0];
    assert_eq!(
        (
            sub.id.as_str(),
            sub.user_id.as_str(),
            sub.event.as_str(),
            sub.active
        ),
        (sub_id.as_str(), "2001@example.net", "Advanced Call", true)
    );
}

#[test]
fn channel_renewal_subscription_refresh_and_delete() {
    let sim = start(|_| {});
    let url = &sim.xsp_urls()[0];
    let mut ch = ChannelReader::open(url, SET, APP);
    let mut client = Client::connect(url);
    let renew = client.request(
        "PUT",
        &format!("{EVENTS}/channel/{}", ch.id),
        "<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><expires>7200</expires></Channel>",
    );
    assert_eq!(
        (
            renew.status,
            field(&renew.body, "channelId"),
            field(&renew.body, "expires")
        ),
        (200, ch.id.clone(), "7200".to_string())
    );
    let sub = subscribe(&sim, url, "2001@example.net");
    ch.expect_doc();
    let refresh = client.request("PUT", &format!("{EVENTS}/subscription/{sub}"), "<Subscription xmlns=\"http://schema.broadsoft.com/xsi\"><expires>3600</expires></Subscription>");
    assert_eq!(
        (refresh.status, field(&refresh.body, "subscriptionId")),
        (200, sub.clone())
    );
    let snap = ch.expect_doc();
    assert_eq!(
        (doc_kind(&snap), field(&snap, "sequenceNumber")),
        ("CallSubscriptionEvent".into(), "2".into())
    );
    assert_eq!(
        client
            .request("DELETE", &format!("{EVENTS}/subscription/{sub}"), "")
            .status,
        200
    );
    let term = ch.expect_doc();
    assert!(
        term.contains("<xsi:eventData xsi1:type=\"xsi:SubscriptionTerminatedEvent\"/></xsi:Event>"),
        "{term}"
    );
    assert_eq!(field(&term, "sequenceNumber"), "3");
    for (method, path) in [
        ("PUT", format!("{EVENTS}/subscription/{sub}")),
        ("DELETE", format!("{EVENTS}/subscription/{sub}")),
        ("PUT", format!("{EVENTS}/subscription/nope")),
    ] {
        let resp = client.request(method, &path, "");
        assert_eq!(resp.status, 404, "{method} {path}");
        assert!(resp.body.contains("<ErrorInfo"));
    }
    let stats = sim.stats();
    assert_eq!(
        (
            stats.subscriptions[0].refreshes,
            stats.subscriptions[0].active,
            stats.channels[0].expires
        ),
        (1, false, 7200)
    );
}

#[test]
fn subscriptions_outlive_channels_and_queue_until_one_is_back() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    subscribe(&sim, &urls[0], "2001@example.net");
    sim.call("2001", "2002");
    let mut ch = ChannelReader::open(&urls[1], SET, APP);
    let docs = [ch.expect_doc(), ch.expect_doc(), ch.expect_doc()];
    assert_eq!(
        kinds(&docs),
        [
            "CallSubscriptionEvent",
            "HookStatusEvent",
            "CallOriginatedEvent"
        ]
    );
    // The client goes away: the channel is noticed closed, the subscription stays.
    drop(ch);
    assert!(sim.wait_for(T, |s| !s.channels[0].open
        && s.channels[0].close_reason.as_deref() == Some("connection lost")));
    let call = sim.call("2001", "2003");
    sim.release(call, "2001");
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    let docs = [ch.expect_doc(), ch.expect_doc()];
    assert_eq!(kinds(&docs), ["CallOriginatedEvent", "CallReleasedEvent"]);
    assert_eq!(docs.map(|d| field(&d, "sequenceNumber")), ["4", "5"]);
    assert!(sim.stats().subscriptions[0].active);
}
