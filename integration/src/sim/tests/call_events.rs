//! The call model seen through the event streams: a basic call from dialling to release.

use super::*;

#[test]
fn a_call_reaches_both_parties_in_order_with_one_tracking_id() {
    let sim = start(|_| {});
    let url = &sim.xsp_urls()[0];
    let mut ch = ChannelReader::open(url, SET, APP);
    let mut client = Client::connect(url);
    subscribe(&sim, url, "2001@example.net");
    subscribe(&sim, url, "2002@example.net");
    for _ in 0..2 {
        ack(&mut client, &ch.expect_doc(), 200);
    }
    let call = sim.call("2001", "2002");
    let docs: Vec<String> = (0..3).map(|_| ch.expect_doc()).collect();
    let by_target = |docs: &[String], user: &str| {
        docs.iter()
            .filter(|d| field(d, "targetId") == user)
            .cloned()
            .collect::<Vec<_>>()
    };
    let (a, b) = (
        by_target(&docs, "2001@example.net"),
        by_target(&docs, "2002@example.net"),
    );
    assert_eq!(kinds(&a), ["HookStatusEvent", "CallOriginatedEvent"]);
    assert_eq!(kinds(&b), ["CallReceivedEvent"]);
    assert_eq!(
        a.iter()
            .map(|d| field(d, "sequenceNumber"))
            .collect::<Vec<_>>(),
        ["2", "3"]
    );
    assert_eq!(field(&b[0], "sequenceNumber"), "2");
    let ext = format!("{}:1", call.0);
    assert_eq!(
        (field(&a[1], "extTrackingId"), field(&b[0], "extTrackingId")),
        (ext.clone(), ext.clone())
    );
    assert_eq!(
        (
            field(&a[1], "personality"),
            field(&a[1], "address"),
            field(&a[1], "callType")
        ),
        ("Originator".into(), "tel:2002".into(), "Group".into())
    );
    assert_eq!(
        (field(&b[0], "personality"), field(&b[0], "state")),
        ("Terminator".into(), "Alerting".into())
    );
    assert!(b[0].contains("<xsi:allowAnswer/>"));
    for d in &docs {
        ack(&mut client, d, 200);
    }
    sim.answer(call);
    sim.release(call, "2002");
    let docs: Vec<String> = (0..7).map(|_| ch.expect_doc()).collect();
    let seen: Vec<(String, String)> = docs
        .iter()
        .map(|d| (field(d, "targetId")[..4].to_string(), doc_kind(d)))
        .collect();
    let want = [
        ("2002", "HookStatusEvent"),
        ("2002", "CallAnsweredEvent"),
        ("2001", "CallAnsweredEvent"),
        ("2002", "CallReleasedEvent"),
        ("2001", "CallReleasedEvent"),
        ("2002", "HookStatusEvent"),
        ("2001", "HookStatusEvent"),
    ];
    assert_eq!(seen, want.map(|(a, b)| (a.to_string(), b.to_string())));
    assert!(docs
        .iter()
        .filter(|d| doc_kind(d).starts_with("Call"))
        .all(|d| field(d, "extTrackingId") == ext));
}
