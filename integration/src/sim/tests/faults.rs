//! Fault injection and shutdown: closed, terminated and stalled streams, injected statuses, a
//! down XSP, and dropping the simulator.

use super::*;
use std::io::Read;
use std::net::TcpStream;

#[test]
fn faults_close_terminate_stall_and_fail() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    // Abrupt close: EOF without the terminating chunk.
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    sim.close_channels(0);
    assert_eq!(ch.next_doc(T), testclient::Item::Eof);
    assert!(sim.wait_for(T, |s| !s.channels[0].open));
    // Terminate: the event, then the end of the body.
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    sim.terminate_channels(0, "NonResponsiveChannel");
    let doc = ch.expect_doc();
    assert_eq!(
        (
            doc_kind(&doc),
            field(&doc, "reason"),
            field(&doc, "channelId")
        ),
        (
            "ChannelTerminatedEvent".into(),
            "NonResponsiveChannel".into(),
            ch.id.clone()
        )
    );
    assert_eq!(ch.next_doc(T), testclient::Item::End);
    // Stall: nothing is written, requests are still answered; everything comes after.
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    sim.stall(0, true);
    subscribe(&sim, &urls[0], "2001@example.net");
    let hb = Client::connect(&urls[0]).request(
        "PUT",
        &format!("{EVENTS}/channel/{}/heartbeat", ch.id),
        "",
    );
    assert_eq!(hb.status, 200);
    assert!(ch.quiet_for(Duration::from_millis(150)));
    sim.stall(0, false);
    assert_eq!(
        kinds(&[ch.expect_doc(), ch.expect_doc()]),
        ["CallSubscriptionEvent", "heartbeat"]
    );
    // Injected statuses, then normal service.
    sim.fail_requests(1, 503, 2);
    let mut c = Client::connect(&urls[1]);
    for want in [503, 503, 404] {
        let resp = c.request("GET", "/nothing", "");
        assert_eq!(resp.status, want);
        assert!(resp.body.contains("<ErrorInfo"));
    }
    sim.fail_requests(1, 500, 1);
    let resp = Client::connect(&urls[1]).request("POST", ASYNC_CHANNEL, &channel_body(SET, APP));
    assert_eq!(resp.status, 500, "channel POSTs fail too");
    let statuses: Vec<u16> = sim
        .stats()
        .requests
        .iter()
        .filter(|r| r.xsp == 1)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 503, 404, 500]);
}

#[test]
fn a_down_xsp_refuses_connections() {
    let sim = start(|_| {});
    let urls = sim.xsp_urls();
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    let mut idle = Client::connect(&urls[0]);
    sim.down(0, true);
    assert_eq!(ch.next_doc(T), testclient::Item::Eof);
    let mut buf = [0u8; 16];
    assert_eq!(
        idle.stream.read(&mut buf).unwrap_or(0),
        0,
        "request connections are closed too"
    );
    let refused = |url: &str| TcpStream::connect(host_of(url)).is_err();
    let deadline = Instant::now() + T;
    while !refused(&urls[0]) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(refused(&urls[0]));
    assert!(!refused(&urls[1]));
    sim.down(0, false);
    let deadline = Instant::now() + T;
    while refused(&urls[0]) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        Client::connect(&urls[0]).request("GET", "/x", "").status,
        404
    );
    assert!(sim.wait_for(T, |s| !s.channels[0].open));
}

#[test]
fn dropping_the_simulator_closes_everything() {
    let sim = start(|c| c.control = Some(SocketAddr::from(([127, 0, 0, 1], 0))));
    let urls = sim.xsp_urls();
    let mut ch = ChannelReader::open(&urls[0], SET, APP);
    let mut idle = Client::connect(&urls[1]);
    let ctl = Client::connect(&format!("http://{}", sim.control_addr().unwrap()));
    sim.stall(0, true);
    sim.down(1, true);
    let t0 = Instant::now();
    drop(sim);
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "drop took {:?}",
        t0.elapsed()
    );
    assert_eq!(ch.next_doc(T), testclient::Item::Eof);
    let mut buf = [0u8; 8];
    assert_eq!(idle.stream.read(&mut buf).unwrap_or(0), 0);
    drop(ctl);
    assert!(TcpStream::connect(host_of(&urls[0])).is_err());
}
