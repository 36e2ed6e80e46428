//! HTTP handling common to every XSP endpoint: Basic auth, error bodies, pipelining and
//! malformed requests.

use super::*;
use std::io::Read;

#[test]
fn every_request_needs_basic_auth() {
    let sim = start(|_| {});
    let url = &sim.xsp_urls()[0];
    let paths = [
        ("PUT", format!("{EVENTS}/channel/nope/heartbeat")),
        ("POST", format!("{EVENTS}/user/2001@example.net")),
        ("GET", "/anything".to_string()),
        ("POST", ASYNC_CHANNEL.to_string()),
    ];
    let cases: &[(Option<(&str, &str)>, bool)] = &[
        (None, false),
        (Some((USER, "wrong")), false),
        (Some(("x", PASSWORD)), false),
    ];
    for (method, path) in &paths {
        for (auth, _) in cases {
            let mut c = Client::connect(url);
            c.send_raw(&request_with_auth(method, path, "", *auth));
            let resp = c.read_response();
            assert_eq!(resp.status, 401, "{method} {path} {auth:?}");
            assert!(
                resp.head.contains("WWW-Authenticate: Basic"),
                "{}",
                resp.head
            );
            assert!(
                resp.body
                    .contains("<ErrorInfo xmlns=\"http://schema.broadsoft.com/xsi\"><summary>"),
                "{}",
                resp.body
            );
        }
    }
    let resp = Client::connect(url).request("GET", "/anything", "");
    assert_eq!(resp.status, 404);
    assert!(
        !field(&resp.body, "summaryEnglish").is_empty()
            && !field(&resp.body, "errorCode").is_empty()
    );
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let sim = start(|_| {});
    let url = &sim.xsp_urls()[0];
    let mut ch = ChannelReader::open(url, SET, APP);
    subscribe(&sim, url, "2001@example.net");
    let doc = ch.expect_doc();
    let mut bytes = request_bytes(
        "POST",
        &format!("{EVENTS}/channel/eventresponse"),
        &ack_body(&field(&doc, "eventID"), 200),
    );
    bytes.extend(request_bytes("GET", "/unknown", ""));
    bytes.extend(request_bytes(
        "PUT",
        &format!("{EVENTS}/channel/{}/heartbeat", ch.id),
        "",
    ));
    bytes.extend(request_bytes(
        "POST",
        &format!("{EVENTS}/channel/eventresponse"),
        &ack_body("not-an-id", 200),
    ));
    let mut c = Client::connect(url);
    c.send_raw(&bytes);
    let statuses: Vec<u16> = (0..4).map(|_| c.read_response().status).collect();
    assert_eq!(statuses, [200, 404, 200, 200]);
    assert!(sim.wait_for(T, |s| s.acked() == 2 && s.unacked == 0));
}

#[test]
fn malformed_requests_are_refused_and_closed() {
    let sim = start(|_| {});
    let url = &sim.xsp_urls()[0];
    let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(70 * 1024));
    let cases: &[(&[u8], u16)] = &[
        (big.as_bytes(), 413),
        (b"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413),
        (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
        (b"NOT HTTP AT ALL\r\n\r\n", 400),
        (b"\x00\x01\x02 / HTTP/1.1\r\n\r\n", 400),
    ];
    for (raw, status) in cases {
        let mut c = Client::connect(url);
        c.send_raw(raw);
        let resp = c.read_response();
        assert_eq!(resp.status, *status);
        assert!(resp.head.contains("Connection: close"));
        let mut buf = [0u8; 16];
        assert_eq!(
            c.stream.read(&mut buf).unwrap_or(0),
            0,
            "closed after the error"
        );
    }
    // Garbage bodies are harmless.
    let mut c = Client::connect(url);
    for body in [
        "",
        "<",
        "<EventResponse><eventID>",
        "\u{0}\u{1}<statusCode>99999999</statusCode>",
    ] {
        assert_eq!(
            c.request("POST", &format!("{EVENTS}/channel/eventresponse"), body)
                .status,
            200
        );
        assert_eq!(
            c.request("POST", &format!("{EVENTS}/user/x"), body).status,
            400
        );
        assert_eq!(
            c.request("PUT", &format!("{EVENTS}/channel/bogus"), body)
                .status,
            404
        );
    }
    assert_eq!(sim.stats().acks_by_status.get(&0), Some(&4));
}

#[test]
fn idle_connections_are_closed_after_the_keep_alive_timeout() {
    let sim = start(|cfg| cfg.keep_alive_timeout = Duration::from_millis(800));
    let url = &sim.xsp_urls()[0];
    let mut c = Client::connect(url);
    // Requests closer together than the timeout keep the connection.
    for _ in 0..3 {
        let resp = c.request("GET", "/anything", "");
        assert_eq!(resp.status, 404);
        assert!(resp.head.contains("Keep-Alive: timeout=1"), "{}", resp.head);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(sim.stats().keep_alive_closes, 0);
    // Then silence: the XSP closes it, as a real one does.
    let mut buf = [0u8; 64];
    let started = std::time::Instant::now();
    let read = c.stream.read(&mut buf);
    assert!(
        matches!(read, Ok(0)),
        "{read:?} after {:?}",
        started.elapsed()
    );
    assert!(sim.wait_for(Duration::from_secs(5), |s| s.keep_alive_closes == 1));
}
