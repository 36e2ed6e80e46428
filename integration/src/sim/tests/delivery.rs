//! Event delivery over a channel set: round-robin, acknowledgements and re-sends, the
//! Duplicate/SwapPairs delivery modes and stream chunking.

use super::*;

#[test]
fn events_alternate_between_the_channels_of_a_set() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut a = ChannelReader::open(&urls[0], SET, APP);
    let mut b = ChannelReader::open(&urls[1], SET, APP);
    subscribe(&sim, &urls[0], "2001@example.net");
    sim.call("2001", "2002");
    let (a1, b1, a2) = (a.expect_doc(), b.expect_doc(), a.expect_doc());
    assert_eq!(
        kinds(&[a1.clone(), b1.clone(), a2.clone()]),
        [
            "CallSubscriptionEvent",
            "HookStatusEvent",
            "CallOriginatedEvent"
        ]
    );
    assert_eq!(
        [
            field(&a1, "sequenceNumber"),
            field(&b1, "sequenceNumber"),
            field(&a2, "sequenceNumber")
        ],
        ["1", "2", "3"]
    );
    assert_eq!(
        (field(&a1, "channelId"), field(&b1, "channelId")),
        (a.id.clone(), b.id.clone())
    );
    let stats = sim.stats();
    assert_eq!(
        stats
            .channels
            .iter()
            .map(|c| c.events_sent)
            .collect::<Vec<_>>(),
        [2, 1]
    );
}

#[test]
fn an_unacknowledged_event_is_resent_on_the_other_channel() {
    let sim = start(|c| c.ack_timeout = Duration::from_millis(100));
    let urls = sim.xsp_urls();
    let mut a = ChannelReader::open(&urls[0], SET, APP);
    let mut b = ChannelReader::open(&urls[1], SET, APP);
    subscribe(&sim, &urls[0], "2001@example.net");
    let first = a.expect_doc();
    let again = b.expect_doc();
    assert_eq!(
        (field(&again, "eventID"), field(&again, "sequenceNumber")),
        (field(&first, "eventID"), "1".to_string())
    );
    assert_eq!(field(&again, "channelId"), b.id);
    ack(&mut Client::connect(&urls[1]), &again, 200);
    assert!(sim.wait_for(T, |s| s.unacked == 0
        && s.events_resent >= 1
        && s.acks_wrong_xsp == 0));
}

#[test]
fn acknowledgement_status_codes() {
    // (status, subscription still active, event re-sent on the other channel, first channel still open)
    let cases = [
        (200, true, false, true),
        (400, true, false, true),
        (481, false, false, true),
        (500, true, true, true),
        (404, true, true, false),
    ];
    for (status, active, resent, open) in cases {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        let mut a = ChannelReader::open(&urls[0], SET, APP);
        let mut b = ChannelReader::open(&urls[1], SET, APP);
        subscribe(&sim, &urls[0], "2001@example.net");
        let doc = a.expect_doc();
        ack(&mut Client::connect(&urls[0]), &doc, status);
        assert!(
            sim.wait_for(T, |s| s.acks_by_status.get(&status) == Some(&1)),
            "status {status}"
        );
        let stats = sim.stats();
        assert_eq!(stats.subscriptions[0].active, active, "status {status}");
        assert_eq!(stats.channels[0].open, open, "status {status}");
        if resent {
            assert_eq!(
                field(&b.expect_doc(), "eventID"),
                field(&doc, "eventID"),
                "status {status}"
            );
        } else {
            assert!(b.quiet_for(Duration::from_millis(100)), "status {status}");
            assert_eq!(stats.unacked, 0);
        }
        if !open {
            assert_eq!(doc_kind(&a.expect_doc()), "ChannelTerminatedEvent");
        }
        if !active {
            sim.call("2001", "2002");
            assert!(
                a.quiet_for(Duration::from_millis(100)),
                "no events after 481"
            );
        }
    }
}

#[test]
fn duplicate_and_swapped_delivery() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut a = ChannelReader::open(&urls[0], SET, APP);
    let mut b = ChannelReader::open(&urls[1], SET, APP);
    sim.set_delivery(Delivery::Duplicate);
    subscribe(&sim, &urls[0], "2001@example.net");
    let (da, db) = (a.expect_doc(), b.expect_doc());
    assert_eq!(field(&da, "eventID"), field(&db, "eventID"));
    assert_ne!(field(&da, "channelId"), field(&db, "channelId"));
    sim.set_delivery(Delivery::SwapPairs);
    sim.hold(sim.call("2001", "2002"), "2001"); // HookStatus (seq 2) and CallOriginated (seq 3)
    let mut got = [a.expect_doc(), b.expect_doc()];
    got.sort_by_key(|d| field(d, "channelId") != a.id);
    let seqs = got.map(|d| field(&d, "sequenceNumber"));
    assert_eq!(
        seqs,
        ["3", "2"],
        "seq 3 goes out first, on the next channel in turn"
    );
    sim.set_delivery(Delivery::Normal);
}

#[test]
fn split_and_coalesced_chunks_carry_the_same_documents() {
    let sim = start(|_| {});
    let url = &sim.xsp_urls()[0];
    let mut ch = ChannelReader::open(url, SET, APP);
    sim.set_chunking(Chunking::Split);
    subscribe(&sim, url, "2001@example.net");
    sim.call("2001", "2002");
    let docs: Vec<String> = (0..3).map(|_| ch.expect_doc()).collect();
    assert_eq!(
        kinds(&docs),
        [
            "CallSubscriptionEvent",
            "HookStatusEvent",
            "CallOriginatedEvent"
        ]
    );
    assert!(ch.chunk_sizes.len() > 2 * 3, "{:?}", ch.chunk_sizes);
    sim.set_chunking(Chunking::Coalesce);
    sim.stall(0, true);
    let call = sim.call("2001", "2003");
    sim.release(call, "2001");
    let before = ch.chunk_sizes.len();
    sim.stall(0, false);
    let docs: Vec<String> = (0..2).map(|_| ch.expect_doc()).collect();
    assert_eq!(kinds(&docs), ["CallOriginatedEvent", "CallReleasedEvent"]);
    assert_eq!(
        ch.chunk_sizes.len(),
        before + 1,
        "one chunk for the queued documents"
    );
}

#[test]
fn refused_acknowledgements_leave_the_event_for_a_re_send() {
    let sim = start(|c| c.ack_timeout = Duration::from_millis(300));
    let urls = sim.xsp_urls();
    let mut a = ChannelReader::open(&urls[0], SET, APP);
    let mut b = ChannelReader::open(&urls[1], SET, APP);
    subscribe(&sim, &urls[0], "2001@example.net");
    let doc = a.expect_doc();
    sim.fail_acks(0, 503, 1);
    let mut client = Client::connect(&urls[0]);
    let refused = client.request(
        "POST",
        &format!("{EVENTS}/channel/eventresponse"),
        &ack_body(&field(&doc, "eventID"), 200),
    );
    assert_eq!(refused.status, 503);
    // Other requests are not refused; the event comes again on the other
    // channel after the ack timeout, and that ack is taken.
    let hb = client.request("PUT", &format!("{EVENTS}/channel/{}/heartbeat", a.id), "");
    assert_eq!(hb.status, 200);
    let again = b.expect_doc();
    assert_eq!(field(&again, "eventID"), field(&doc, "eventID"));
    ack(&mut Client::connect(&urls[1]), &again, 200);
    assert!(sim.wait_for(T, |s| s.unacked == 0 && s.events_resent == 1));
}
