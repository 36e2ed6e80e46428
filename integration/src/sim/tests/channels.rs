//! Event channels: the stream's first document, heartbeats and their timeout, deletion.

use super::*;

#[test]
fn a_channel_stream_starts_with_the_channel_document() {
    let sim = start(|_| {});
    let ch = ChannelReader::open(&sim.xsp_urls()[1], SET, APP);
    assert!(
        ch.head.contains("Content-Type: text/xml;charset=UTF-8"),
        "{}",
        ch.head
    );
    assert!(
        ch.head.contains("Transfer-Encoding: chunked"),
        "{}",
        ch.head
    );
    let expected = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><channelId>{}</channelId><expires>3600</expires></Channel>",
        ch.id
    );
    assert_eq!(ch.first_chunk, expected);
    assert_eq!(ch.chunk_sizes, [expected.len()]);
    let stats = sim.stats();
    let info = &stats.channels[0];
    assert_eq!(
        (
            info.id.as_str(),
            info.xsp,
            info.channel_set_id.as_str(),
            info.application_id.as_str(),
            info.open
        ),
        (ch.id.as_str(), 1, SET, APP, true)
    );
}

#[test]
fn heartbeats_are_answered_on_the_owning_xsp_only() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    let path = format!("{EVENTS}/channel/{}/heartbeat", ch.id);
    // (xsp, path, status)
    let cases = [
        (1, path.clone(), 404),
        (0, format!("{EVENTS}/channel/unknown/heartbeat"), 404),
        (0, path.clone(), 200),
    ];
    for (xsp, p, status) in &cases {
        let resp = Client::connect(&urls[*xsp]).request("PUT", p, "");
        assert_eq!(resp.status, *status, "xsp {xsp} {p}");
        if *status == 200 {
            assert!(resp.head.contains("Content-Length: 0") && resp.body.is_empty());
        } else {
            assert!(resp.body.contains("<ErrorInfo"));
        }
    }
    assert_eq!(ch.expect_doc(), stream::HEARTBEAT_DOC);
    assert_eq!(sim.stats().channels[0].heartbeats, 1);
}

#[test]
fn deleting_a_channel_ends_its_stream() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    let path = format!("{EVENTS}/channel/{}", ch.id);
    assert_eq!(
        Client::connect(&urls[1])
            .request("DELETE", &path, "")
            .status,
        404
    );
    assert_eq!(
        Client::connect(&urls[0])
            .request("DELETE", &path, "")
            .status,
        200
    );
    let doc = ch.expect_doc();
    assert_eq!(
        doc,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:ChannelTerminatedEvent\"><xsi:channelId>{}</xsi:channelId><xsi:reason>ExplicitDelete</xsi:reason></xsi:Event>", ch.id)
    );
    assert_eq!(ch.next_doc(T), testclient::Item::End);
    assert_eq!(ch.next_doc(T), testclient::Item::Eof);
    let stats = sim.stats();
    assert!(stats.channels[0].deleted_explicitly && !stats.channels[0].open);
    assert_eq!(
        Client::connect(&urls[0])
            .request("DELETE", &path, "")
            .status,
        404
    );
}

#[test]
fn channels_without_heartbeats_time_out() {
    let sim = start(|c| c.event_timeout = Some(Duration::from_millis(150)));
    let mut ch = ChannelReader::open(&sim.xsp_urls()[0], SET, APP);
    assert_eq!(ch.next_doc(T), testclient::Item::End);
    assert!(sim.wait_for(T, |s| s.channels_timed_out == 1 && !s.channels[0].open));
}
