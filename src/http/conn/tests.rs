//! Tests of the blocking HTTP connection, against scripted local servers.

use super::*;
use std::io::{BufRead, BufReader};
use std::net::{Shutdown, TcpListener};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

const SHORT: Duration = Duration::from_secs(5);

fn target(addr: SocketAddr) -> Target {
    Target {
        https: false,
        host: addr.ip().to_string(),
        port: addr.port(),
        base_path: String::new(),
    }
}

/// A one-connection server running `script` on the accepted socket.
fn serve<F>(script: F) -> (SocketAddr, thread::JoinHandle<()>)
where
    F: FnOnce(TcpStream) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let handle = thread::spawn(move || {
        let (socket, _) = listener.accept().expect("accept");
        socket.set_read_timeout(Some(SHORT)).expect("timeout");
        script(socket);
    });
    (addr, handle)
}

fn connect(addr: SocketAddr, io_timeout: Duration) -> Conn {
    Conn::connect(&target(addr), Some(addr), None, SHORT, io_timeout).expect("connect")
}

/// Reads one request (head and Content-Length body); `None` at EOF.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<String>, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let request_line = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let header = line.trim_end().to_owned();
        if header.is_empty() {
            break;
        }
        headers.push(header);
    }
    let length = headers
        .iter()
        .find_map(|h| h.strip_prefix("Content-Length: "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((request_line, headers, body))
}

fn request_bytes(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    wire::write_request(
        &mut out,
        method,
        path,
        "xsp",
        Some("Basic dTpw"),
        None,
        body,
    );
    out
}

#[test]
fn simple_request_and_response() {
    let (addr, server) = serve(|socket| {
        let mut reader = BufReader::new(socket.try_clone().expect("clone"));
        let (line, headers, body) = read_request(&mut reader).expect("request");
        assert_eq!(line, "POST /x HTTP/1.1");
        assert!(headers.contains(&"Host: xsp".to_owned()), "{headers:?}");
        assert!(headers.contains(&"Authorization: Basic dTpw".to_owned()));
        assert!(headers.contains(&"Content-Type: application/xml".to_owned()));
        assert_eq!(body, b"<a/>");
        let mut socket = socket;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            .expect("write");
    });
    let mut conn = connect(addr, SHORT);
    assert_eq!(conn.peer_addr(), addr);
    let (head, body) = conn
        .request(
            "POST",
            "/x",
            "xsp",
            Some("Basic dTpw"),
            Some("application/xml"),
            b"<a/>",
            100,
        )
        .expect("request");
    assert_eq!((head.status, body.as_slice()), (200, b"hello".as_slice()));
    assert!(conn.is_reusable());
    server.join().expect("server");
}

#[test]
fn keep_alive_reuses_the_connection() {
    let (addr, server) = serve(|socket| {
        let mut reader = BufReader::new(socket.try_clone().expect("clone"));
        let mut socket = socket;
        for n in 0..2 {
            let (line, _, _) = read_request(&mut reader).expect("request");
            assert_eq!(line, format!("PUT /r{n} HTTP/1.1"));
            let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr{n}");
            socket.write_all(reply.as_bytes()).expect("write");
        }
        // The listener accepted once: both requests shared the socket.
        assert!(read_request(&mut reader).is_none());
    });
    let mut conn = connect(addr, SHORT);
    for n in 0..2 {
        let (head, body) = conn
            .request("PUT", &format!("/r{n}"), "xsp", None, None, b"", 100)
            .expect("request");
        assert_eq!((head.status, body), (200, format!("r{n}").into_bytes()));
    }
    drop(conn);
    server.join().expect("server");
}

#[test]
fn pipelined_requests_in_one_write() {
    let (addr, server) = serve(|socket| {
        let mut reader = BufReader::new(socket.try_clone().expect("clone"));
        let mut socket = socket;
        for n in 0..3 {
            let (line, _, body) = read_request(&mut reader).expect("request");
            assert_eq!(
                line,
                "POST /com.broadsoft.xsi-events/v2.0/channel/eventresponse HTTP/1.1"
            );
            assert_eq!(body, format!("ack{n}").into_bytes());
        }
        // All three answers in one write, each framed differently.
        socket
            .write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n\
HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nbad",
            )
            .expect("write");
    });
    let mut conn = connect(addr, SHORT);
    let mut batch = Vec::new();
    for n in 0..3 {
        batch.extend(request_bytes(
            "POST",
            "/com.broadsoft.xsi-events/v2.0/channel/eventresponse",
            format!("ack{n}").as_bytes(),
        ));
    }
    conn.send(&batch).expect("send");
    let mut answers = Vec::new();
    for _ in 0..3 {
        let head = conn.read_head(1024).expect("head");
        let body = conn.read_body(&head, 100).expect("body");
        answers.push((head.status, body));
    }
    assert_eq!(
        answers,
        vec![
            (200, b"".to_vec()),
            (200, b"ok".to_vec()),
            (404, b"bad".to_vec())
        ]
    );
    assert!(conn.buffered().is_empty());
    server.join().expect("server");
}

/// The event channel: chunks arrive over time, split anywhere; each
/// read hands over what has arrived.
#[test]
fn endless_chunked_stream_read_incrementally() {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let pieces: Vec<&'static [u8]> = vec![
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n",
        b"6\r\nsec",
        b"ond\r\n",
        b"5;ext=1\r\nthird\r\n6\r\nfour",
        b"th\r\n0\r\n\r\n",
    ];
    let (addr, server) = serve(move |socket| {
        let mut reader = BufReader::new(socket.try_clone().expect("clone"));
        let mut socket = socket;
        read_request(&mut reader).expect("request");
        for piece in pieces {
            socket.write_all(piece).expect("write");
            // Wait until the client has consumed this piece.
            if go_rx.recv().is_err() {
                return;
            }
        }
    });
    let mut conn = connect(addr, SHORT);
    conn.send(&request_bytes("POST", "/channel", b"<Channel/>"))
        .expect("send");
    let head = conn.read_head(1024).expect("head");
    assert_eq!(head.body, BodyKind::Chunked);
    let mut decoder = ChunkedDecoder::new();
    // What each piece carries once de-chunked: data is handed over as
    // soon as it arrives, even the part of a chunk ("sec").
    let expected: [&[u8]; 5] = [b"first", b"sec", b"ond", b"thirdfour", b"th"];
    for (step, want) in expected.iter().enumerate() {
        let mut out = Vec::new();
        while out.len() < want.len() {
            let added = conn
                .read_stream_chunk(&mut decoder, &mut out)
                .expect("chunk");
            assert!(added > 0, "step {step}");
        }
        assert_eq!(out, *want, "step {step}");
        assert!(conn.buffered().is_empty(), "step {step}");
        go_tx.send(()).expect("go");
    }
    let mut out = Vec::new();
    assert_eq!(
        conn.read_stream_chunk(&mut decoder, &mut out).expect("end"),
        0
    );
    assert!(decoder.is_done());
    assert_eq!(
        conn.read_stream_chunk(&mut decoder, &mut out)
            .expect("still end"),
        0
    );
    drop(go_tx);
    server.join().expect("server");
}

#[test]
fn stalled_server_times_out() {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (addr, server) = serve(move |socket| {
        let mut reader = BufReader::new(socket);
        read_request(&mut reader).expect("request");
        // Say nothing until the test is over.
        let _ = done_rx.recv();
    });
    let mut conn = connect(addr, Duration::from_millis(200));
    let started = Instant::now();
    let result = conn.request("PUT", "/hb", "xsp", None, None, b"", 100);
    let elapsed = started.elapsed();
    assert!(matches!(result, Err(HttpError::TimedOut)), "{result:?}");
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    // Broken from now on, without touching the socket.
    assert!(!conn.is_reusable());
    assert!(matches!(conn.send(b"x"), Err(HttpError::Broken)));
    assert!(matches!(conn.read_head(100), Err(HttpError::Broken)));
    done_tx.send(()).expect("done");
    server.join().expect("server");
}

#[test]
fn stream_stall_times_out_after_set_read_timeout() {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (addr, server) = serve(move |mut socket| {
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
            .expect("write");
        let _ = done_rx.recv();
    });
    let mut conn = connect(addr, SHORT);
    let head = conn.read_head(1024).expect("head");
    assert_eq!(head.body, BodyKind::Chunked);
    conn.set_read_timeout(Duration::from_millis(100))
        .expect("timeout");
    let mut decoder = ChunkedDecoder::new();
    let mut out = Vec::new();
    assert_eq!(
        conn.read_stream_chunk(&mut decoder, &mut out)
            .expect("chunk"),
        3
    );
    let started = Instant::now();
    let result = conn.read_stream_chunk(&mut decoder, &mut out);
    assert!(matches!(result, Err(HttpError::TimedOut)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    done_tx.send(()).expect("done");
    server.join().expect("server");
}

#[test]
fn shutdown_handle_unblocks_a_blocked_read() {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (got_tx, got_rx) = mpsc::channel::<()>();
    let (addr, server) = serve(move |socket| {
        let mut reader = BufReader::new(socket);
        read_request(&mut reader).expect("request");
        got_tx.send(()).expect("got");
        let _ = done_rx.recv();
    });
    // A long read timeout: only the shutdown can end the read quickly.
    let mut conn = connect(addr, Duration::from_secs(30));
    let handle = conn.shutdown_handle().expect("handle");
    conn.send(&request_bytes("POST", "/channel", b""))
        .expect("send");
    got_rx.recv().expect("server got the request");
    let (result_tx, result_rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let result = conn.read_head(1024);
        result_tx.send(result.map(|h| h.status)).expect("result");
    });
    // Give the reader a moment to block in read(); the outcome is the
    // same if the shutdown wins the race.
    thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    handle.shutdown(Shutdown::Both).expect("shutdown");
    let result = result_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the read returned");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(result, Err(HttpError::Closed) | Err(HttpError::Io(_))),
        "{result:?}"
    );
    reader.join().expect("reader");
    done_tx.send(()).expect("done");
    server.join().expect("server");
}

/// The server closes at various points: every one is `Closed`.
#[test]
fn server_closing_early_is_closed() {
    let replies: &[&[u8]] = &[
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Le",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    ];
    for reply in replies {
        let (addr, server) = serve(move |socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            read_request(&mut reader).expect("request");
            let mut socket = socket;
            socket.write_all(reply).expect("write");
            // Dropping the socket closes it.
        });
        let mut conn = connect(addr, SHORT);
        let result = conn.request("GET", "/", "xsp", None, None, b"", 100);
        assert!(
            matches!(result, Err(HttpError::Closed)),
            "{}: {result:?}",
            String::from_utf8_lossy(reply)
        );
        server.join().expect("server");
    }
}

#[test]
fn bodies_by_kind_and_limits() {
    // (reply, limit, expected body or None for BodyTooLarge, reusable)
    type Case = (&'static [u8], usize, Option<&'static [u8]>, bool);
    let cases: Vec<Case> = vec![
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
            3,
            Some(b"abc"),
            true,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd",
            3,
            None,
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n",
            4,
            Some(b"abcd"),
            true,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n",
            3,
            None,
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
            100,
            Some(b"until close"),
            false,
        ),
        (b"HTTP/1.1 200 OK\r\n\r\nuntil close", 5, None, false),
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            0,
            Some(b""),
            true,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            10,
            None,
            false,
        ),
    ];
    for (reply, limit, expected, reusable) in cases {
        let (addr, server) = serve(move |socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            read_request(&mut reader).expect("request");
            let mut socket = socket;
            socket.write_all(reply).expect("write");
        });
        let mut conn = connect(addr, SHORT);
        let result = conn.request("GET", "/", "xsp", None, None, b"", limit);
        let label = String::from_utf8_lossy(reply);
        match expected {
            Some(body) => {
                let (_, got) = result.unwrap_or_else(|e| panic!("{label}: {e}"));
                assert_eq!(got, body, "{label}");
            }
            None => match result {
                Err(HttpError::BodyTooLarge { limit: l }) => assert_eq!(l, limit, "{label}"),
                Err(HttpError::Wire(WireError::BadContentLength)) => {}
                other => panic!("{label}: {other:?}"),
            },
        }
        assert_eq!(conn.is_reusable(), reusable, "{label}");
        server.join().expect("server");
    }
}

#[test]
fn closing_connection_refuses_more_requests() {
    let (addr, server) = serve(|socket| {
        let mut reader = BufReader::new(socket.try_clone().expect("clone"));
        read_request(&mut reader).expect("request");
        let mut socket = socket;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .expect("write");
    });
    let mut conn = connect(addr, SHORT);
    let (head, _) = conn
        .request("GET", "/", "xsp", None, None, b"", 10)
        .expect("first");
    assert!(!head.keep_alive());
    assert!(!conn.is_reusable());
    let second = conn.request("GET", "/", "xsp", None, None, b"", 10);
    assert!(matches!(second, Err(HttpError::Closed)), "{second:?}");
    server.join().expect("server");
}

#[test]
fn malformed_response_is_a_wire_error() {
    let (addr, server) = serve(|socket| {
        let mut reader = BufReader::new(socket.try_clone().expect("clone"));
        read_request(&mut reader).expect("request");
        let mut socket = socket;
        socket.write_all(b"SIP/2.0 200 OK\r\n\r\n").expect("write");
    });
    let mut conn = connect(addr, SHORT);
    let result = conn.request("GET", "/", "xsp", None, None, b"", 10);
    assert!(
        matches!(result, Err(HttpError::Wire(WireError::BadStatusLine))),
        "{result:?}"
    );
    server.join().expect("server");
}

#[test]
fn connect_failures() {
    // A port nobody listens on: bind, note the address, close.
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("addr");
    let result = Conn::connect(&target(addr), Some(addr), None, SHORT, SHORT);
    match result {
        Err(HttpError::Connect { addr: a, .. }) => assert_eq!(a, addr.to_string()),
        other => panic!("{other:?}"),
    }
    let https = Target {
        https: true,
        ..target(addr)
    };
    let result = Conn::connect(&https, Some(addr), None, SHORT, SHORT);
    assert!(matches!(result, Err(HttpError::Tls(_))), "{result:?}");
    let unresolvable = Target {
        host: "name.invalid".to_owned(),
        ..target(addr)
    };
    let result = Conn::connect(&unresolvable, None, None, SHORT, SHORT);
    assert!(
        matches!(result, Err(HttpError::Connect { .. })),
        "{result:?}"
    );
}

#[test]
fn connect_resolves_the_host_name() {
    let (addr, server) = serve(|socket| {
        let mut reader = BufReader::new(socket.try_clone().expect("clone"));
        read_request(&mut reader).expect("request");
        let mut socket = socket;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .expect("write");
    });
    let by_name = Target {
        host: "localhost".to_owned(),
        ..target(addr)
    };
    // "localhost" may resolve to ::1 first; the IPv4 one must be tried.
    let mut conn = Conn::connect(&by_name, None, None, SHORT, SHORT).expect("connect");
    assert_eq!(conn.peer_addr(), addr);
    let (head, _) = conn
        .request("GET", "/", "localhost", None, None, b"", 10)
        .expect("request");
    assert_eq!(head.status, 200);
    server.join().expect("server");
}

#[test]
fn errors_display() {
    let cases = [
        (
            HttpError::Connect {
                addr: "10.0.0.1:443".into(),
                source: io::Error::new(io::ErrorKind::ConnectionRefused, "refused"),
            },
            "cannot connect to 10.0.0.1:443: refused",
        ),
        (HttpError::Tls("bad cert".into()), "TLS failure: bad cert"),
        (HttpError::Io(io::Error::other("boom")), "I/O error: boom"),
        (HttpError::TimedOut, "timed out"),
        (HttpError::Closed, "closed by the peer"),
        (
            HttpError::Wire(WireError::BadChunk),
            "bad HTTP response: malformed chunked body",
        ),
        (HttpError::BodyTooLarge { limit: 7 }, "exceeds 7 bytes"),
        (HttpError::Broken, "unusable"),
    ];
    for (err, text) in cases {
        assert!(err.to_string().contains(text), "{err}");
    }
    let kinds = [
        (io::ErrorKind::WouldBlock, true),
        (io::ErrorKind::TimedOut, true),
        (io::ErrorKind::ConnectionReset, false),
    ];
    for (kind, timed_out) in kinds {
        assert_eq!(
            matches!(io_error(io::Error::from(kind)), HttpError::TimedOut),
            timed_out,
            "{kind:?}"
        );
    }
}
