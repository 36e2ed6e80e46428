//! The file checks on generated certificates, the refusal phrases, and
//! real handshakes: each refusal told apart, and a verified client's
//! connection carrying bytes both ways through the two halves.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bwcsta_integration::certs::{issue, Issued, Kind, Pki};

use super::*;

const WAIT: Duration = Duration::from_secs(10);

fn path(name: &str) -> PathBuf {
    PathBuf::from(format!("/etc/bwcsta/{name}"))
}

fn settings(
    server: &Issued,
    key: &Issued,
    ca: Option<&Issued>,
) -> Result<TlsSettings, FileProblems> {
    let now = now().expect("clock");
    let (cert_file, key_file, ca_file) = (path("cert.pem"), path("key.pem"), path("ca.pem"));
    TlsSettings::from_pem(
        Some((&cert_file, &server.cert)),
        Some((&key_file, &key.key)),
        ca.map(|ca| Some((ca_file.as_path(), ca.cert.as_slice()))),
        &now,
    )
}

#[test]
fn good_files_give_settings_and_each_bad_file_its_own_problem() {
    let pki = Pki::new();
    let good = settings(&pki.server, &pki.server, Some(&pki.ca)).expect("good files");
    assert!(good.client_certificates());
    assert!(!settings(&pki.server, &pki.server, None)
        .expect("without CA")
        .client_certificates());
    // The key is never shown.
    assert!(!format!("{good:?}").contains("key: ["), "{good:?}");

    let bad = settings(&pki.expired, &pki.expired, Some(&pki.expired)).expect_err("expired");
    let expired = bad.cert_file.expect("cert problem");
    assert!(
        expired.starts_with("certificate CN=\"tserver-a.example.net\" expired on "),
        "{expired}"
    );
    assert!(bad.client_ca_file.is_some_and(|w| w.contains("expired on")));
    assert_eq!(bad.key_file, None, "the key is its certificate's");

    // A file that could not be read is not checked; the others are.
    let now = now().expect("clock");
    let unread = TlsSettings::from_pem(None, Some((&path("key.pem"), b"junk")), Some(None), &now)
        .expect_err("unreadable files");
    assert_eq!(unread.cert_file, None);
    assert!(unread
        .key_file
        .is_some_and(|w| w.starts_with("not a PEM private key")));

    let mismatch = settings(&pki.server, &pki.client, None).expect_err("mismatch");
    assert_eq!(
        mismatch,
        FileProblems {
            key_file: Some(
                "the key does not belong to the certificate of csta.tls.cert_file \
                 (/etc/bwcsta/cert.pem)"
                    .to_owned()
            ),
            ..FileProblems::default()
        }
    );
}

#[test]
fn what_is_not_a_certificate_or_a_key_is_said_plainly() {
    let now = now().expect("clock");
    let pki = Pki::new();
    let future = issue("later", Kind::Client, Some(&pki.ca), (2, 30));
    let cases: &[(&[u8], &str)] = &[
        (b"", "no PEM certificate in the file"),
        (b"hello", "no PEM certificate in the file"),
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "not PEM certificates: ",
        ),
        (&pki.server.key, "no PEM certificate in the file"),
        (
            &future.cert,
            "certificate CN=\"later\" is not valid before ",
        ),
    ];
    for (pem, needle) in cases {
        let why = certificates(pem, &now).expect_err("refused");
        assert!(why.starts_with(needle), "{why}");
    }
    let chain = [pki.server.cert.clone(), pki.ca.cert.clone()].concat();
    assert_eq!(certificates(&chain, &now).expect("chain").len(), 2);
    for key in [&b""[..], b"junk", &pki.server.cert] {
        let why = private_key(key).expect_err("not a key");
        assert!(why.starts_with("not a PEM private key"), "{why}");
        assert!(!why.contains("BEGIN"), "never quotes the file: {why}");
    }
    let key = private_key(&pki.client.key).expect("key");
    let cert = &certificates(&pki.client.cert, &now).expect("cert")[0];
    assert!(key_matches(cert, &key));
    assert_eq!(common_name(cert).as_deref(), Some("tserver-a.example.net"));
}

#[test]
fn each_refusal_has_its_own_phrase() {
    let refused = |code: i32, reason: &str| {
        Failure::Certificate(Box::new(Refused {
            code,
            reason: reason.to_owned(),
            common_name: Some("tserver-a".to_owned()),
            not_before: "Jan  1 00:00:00 2020 GMT".to_owned(),
            not_after: "Jan  2 00:00:00 2020 GMT".to_owned(),
        }))
    };
    let cases = [
        (
            Failure::Plaintext(0),
            "the client sent byte 0x00 where a TLS handshake starts (plaintext client?)",
        ),
        (
            Failure::ClosedEarly,
            "the client closed the connection before its hello",
        ),
        (Failure::TimedOut, "not finished within 10 s"),
        (
            refused(10, "certificate has expired"),
            "client certificate CN=\"tserver-a\" expired on Jan  2 00:00:00 2020 GMT",
        ),
        (
            refused(9, "certificate is not yet valid"),
            "client certificate CN=\"tserver-a\" is not valid before Jan  1 00:00:00 2020 GMT",
        ),
        (
            refused(20, "unable to get local issuer certificate"),
            "client certificate CN=\"tserver-a\" is not signed by csta.tls.client_ca_file \
             (unknown CA: unable to get local issuer certificate)",
        ),
        (
            refused(7, "certificate signature failure"),
            "client certificate CN=\"tserver-a\" refused: certificate signature failure",
        ),
        (
            Failure::NoCertificate,
            "no client certificate (csta.tls.client_ca_file requires one)",
        ),
        (
            Failure::Other("no shared cipher".to_owned()),
            "no shared cipher",
        ),
    ];
    let mut kinds = Vec::new();
    for (failure, want) in cases {
        assert_eq!(failure.to_string(), format!("TLS handshake failed: {want}"));
        kinds.push(failure.kind());
    }
    kinds.dedup();
    assert_eq!(kinds.len(), 9, "each its own kind: {kinds:?}");
}

/// A server for the CSTA TLS handshake with the Pki's server certificate,
/// asking for client certificates of its CA.
fn server(pki: &Pki) -> TlsServer {
    let settings = settings(&pki.server, &pki.server, Some(&pki.ca)).expect("settings");
    TlsServer::new(&settings).expect("server")
}

/// Runs `client` against one accepted connection; the server's result.
fn handshake(
    server: &TlsServer,
    deadline: Duration,
    client: impl FnOnce(TcpStream) + Send + 'static,
) -> Result<TlsConn, Failure> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let peer = std::thread::spawn(move || {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(WAIT)).expect("timeout");
        client(stream);
    });
    let (socket, _) = listener.accept().expect("accept");
    let result = server.accept(socket, Instant::now() + deadline);
    peer.join().expect("client thread");
    result
}

/// A native-tls client trusting the test CA, presenting `identity`.
fn tls_client(pki: &Pki, identity: Option<&Issued>) -> impl FnOnce(TcpStream) + Send + 'static {
    let connector = pki.client_tls(identity).connector().expect("connector");
    move |stream| {
        // With TLS 1.3 the client may finish before the server refuses its
        // certificate: whatever it sees, it sees no CSTA answer.
        if let Ok(mut tls) = connector.connect("localhost", stream) {
            let mut buf = [0u8; 16];
            let _ = tls.read(&mut buf);
        }
    }
}

#[test]
fn handshakes_are_refused_each_for_its_own_reason() {
    let pki = Pki::new();
    let server = server(&pki);
    let refusal = |result: Result<TlsConn, Failure>| match result {
        Ok(_) => panic!("accepted"),
        Err(why) => why.to_string(),
    };
    let plaintext = handshake(&server, WAIT, |mut s| {
        let frame = b"\0\0\0\x2a0001<RequestSystemStatus/>";
        s.write_all(frame).expect("write");
        let mut buf = [0u8; 16];
        assert!(matches!(s.read(&mut buf), Ok(0) | Err(_)), "no answer");
    });
    assert_eq!(
        refusal(plaintext),
        "TLS handshake failed: the client sent byte 0x00 where a TLS handshake starts \
         (plaintext client?)"
    );
    let anonymous = refusal(handshake(&server, WAIT, tls_client(&pki, None)));
    assert_eq!(
        anonymous,
        "TLS handshake failed: no client certificate (csta.tls.client_ca_file requires one)"
    );
    let stranger = refusal(handshake(
        &server,
        WAIT,
        tls_client(&pki, Some(&pki.stranger)),
    ));
    assert_eq!(
        stranger,
        "TLS handshake failed: client certificate CN=\"tserver-a.example.net\" is not signed \
         by csta.tls.client_ca_file (unknown CA: unable to get local issuer certificate)"
    );
    let expired = refusal(handshake(
        &server,
        WAIT,
        tls_client(&pki, Some(&pki.expired)),
    ));
    assert!(
        expired.starts_with(
            "TLS handshake failed: client certificate CN=\"tserver-a.example.net\" expired on "
        ),
        "{expired}"
    );
    let silent = refusal(handshake(&server, Duration::from_millis(50), |s| {
        let mut buf = [0u8; 16];
        let _ = (&s).read(&mut buf);
    }));
    assert_eq!(silent, "TLS handshake failed: not finished within 10 s");
    let gone = refusal(handshake(&server, WAIT, drop));
    assert_eq!(
        gone,
        "TLS handshake failed: the client closed the connection before its hello"
    );
}

#[test]
fn a_verified_client_has_its_common_name_and_bytes_go_both_ways() {
    let pki = Pki::new();
    let server = server(&pki);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut builder = native_tls::TlsConnector::builder();
    builder.disable_built_in_roots(true);
    builder.add_root_certificate(native_tls::Certificate::from_pem(&pki.ca.cert).expect("CA"));
    builder
        .identity(native_tls::Identity::from_pkcs8(&pki.client.cert, &pki.client.key).expect("id"));
    let connector = builder.build().expect("connector");
    let peer = std::thread::spawn(move || {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(WAIT)).expect("timeout");
        let mut tls = connector.connect("localhost", stream).expect("handshake");
        tls.write_all(b"ping").expect("write");
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).expect("read");
        assert_eq!(&buf, b"pong");
    });
    let (socket, _) = listener.accept().expect("accept");
    let conn = server
        .accept(socket, Instant::now() + WAIT)
        .expect("accepted");
    assert_eq!(conn.common_name.as_deref(), Some("tserver-a.example.net"));
    let mut reader = conn.reader();
    let mut writer = conn.writer(WAIT);
    // Nothing more comes until the pong is written: a read times out.
    let mut buf = [0u8; 4];
    reader.read_exact(&mut buf).expect("ping");
    assert_eq!(&buf, b"ping");
    reader.set_timeout(Some(Duration::from_millis(50)));
    let quiet = reader.read(&mut buf).expect_err("nothing to read");
    assert_eq!(quiet.kind(), std::io::ErrorKind::TimedOut);
    writer.write_all(b"pong").expect("pong");
    peer.join().expect("client");
    reader.set_timeout(Some(WAIT));
    assert_eq!(reader.read(&mut buf).expect("end"), 0, "the client closed");
}
