//! The trust rule on real handshakes: both clients accept a server whose
//! certificate the CA file signs and refuse one signed by another CA.

use super::*;
use crate::http::conn::{Conn, HttpError};
use crate::http::target::Target;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

const TLS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/integration/data/tls/");
const TIMEOUT: Duration = Duration::from_secs(10);

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{TLS_DIR}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn trust(ca: &str) -> Trust {
    let path = PathBuf::from(format!("{TLS_DIR}{ca}"));
    let ca = CaCertificates::read(&path).unwrap_or_else(|e| panic!("{ca}: {e}"));
    Trust::new(Some(ca), false)
}

/// An HTTPS server presenting `cert`/`key` that answers every request on
/// every connection with 200 until the test ends.
fn https_server(cert: &str, key: &str) -> SocketAddr {
    let identity = native_tls::Identity::from_pkcs8(&data(cert), &data(key)).expect("identity");
    let acceptor = native_tls::TlsAcceptor::new(identity).expect("acceptor");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(socket) = socket else { return };
            let _ = socket.set_read_timeout(Some(TIMEOUT));
            let acceptor = acceptor.clone();
            std::thread::spawn(move || {
                // A refused handshake fails here; that is the client's doing.
                let Ok(mut tls) = acceptor.accept(socket) else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                let _ = tls.flush();
            });
        }
    });
    addr
}

fn target(addr: SocketAddr) -> Target {
    Target {
        https: true,
        host: "127.0.0.1".to_owned(),
        port: addr.port(),
        base_path: String::new(),
    }
}

/// The channel client: one request over `http::conn`.
fn conn_get(trust: &Trust, addr: SocketAddr) -> Result<u16, HttpError> {
    let connector = trust.connector().expect("connector");
    let mut conn = Conn::connect(&target(addr), None, Some(&connector), TIMEOUT, TIMEOUT)?;
    let (head, _) = conn.request("GET", "/", "127.0.0.1", None, None, b"", 64)?;
    Ok(head.status)
}

/// The subscription client: one request over ureq.
fn ureq_get(trust: &Trust, addr: SocketAddr) -> Result<u16, String> {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .tls_config(trust.ureq_config())
        .build();
    let agent = ureq::Agent::new_with_config(config);
    agent
        .get(&target(addr).url("/"))
        .call()
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

#[test]
fn both_clients_accept_a_server_the_ca_file_signs() {
    let addr = https_server("xsp.pem", "xsp.key");
    let trust = trust("test-ca.pem");
    assert_eq!(conn_get(&trust, addr).expect("conn"), 200);
    assert_eq!(ureq_get(&trust, addr).expect("ureq"), 200);
}

#[test]
fn both_clients_refuse_a_server_signed_by_another_ca() {
    let addr = https_server("other-xsp.pem", "other-xsp.key");
    let trust = trust("test-ca.pem");
    match conn_get(&trust, addr) {
        Err(HttpError::Tls(why)) => assert!(why.contains("certificate verify failed"), "{why}"),
        other => panic!("conn: {other:?}"),
    }
    let err = ureq_get(&trust, addr).expect_err("ureq must refuse");
    assert!(err.contains("certificate verify failed"), "{err}");
}

#[test]
fn accept_invalid_certs_accepts_any_server_in_both_clients() {
    let addr = https_server("other-xsp.pem", "other-xsp.key");
    for trust in [
        Trust::new(None, true),
        Trust::new(trust("test-ca.pem").ca, true),
    ] {
        assert_eq!(conn_get(&trust, addr).expect("conn"), 200, "{trust:?}");
        assert_eq!(ureq_get(&trust, addr).expect("ureq"), 200, "{trust:?}");
    }
}

#[test]
fn ca_files_are_read_whole_or_refused() {
    let path = Path::new("/etc/bwcsta/ca.pem");
    let one = data("test-ca.pem");
    let mut two = one.clone();
    two.extend_from_slice(b"\n# a comment between certificates\n");
    two.extend_from_slice(&data("other-ca.pem"));
    let cases: Vec<(Vec<u8>, Result<usize, &str>)> = vec![
        (one, Ok(1)),
        (two, Ok(2)),
        (b"not a certificate".to_vec(), Err("no PEM certificate")),
        (Vec::new(), Err("no PEM certificate")),
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
            Err("bad certificate"),
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n".to_vec(),
            Err("unterminated"),
        ),
    ];
    for (pem, expected) in cases {
        let text = String::from_utf8_lossy(&pem).into_owned();
        match (CaCertificates::from_pem(path, &pem), expected) {
            (Ok(ca), Ok(n)) => {
                assert_eq!(ca.len(), n, "{text}");
                assert_eq!(ca.path(), path);
                let trust = Trust::new(Some(ca), false);
                assert_eq!(trust.ca_file(), Some(path));
                assert!(trust.connector().is_ok());
            }
            (Err(err), Err(want)) => assert!(err.contains(want), "{err} for {text}"),
            (got, want) => panic!("{text}: got {got:?}, expected {want:?}"),
        }
    }
    let missing = CaCertificates::read(Path::new("/nonexistent/ca.pem"));
    assert!(missing.is_err_and(|e| e.starts_with("cannot read")));
    assert!(Trust::default().connector().is_ok());
    assert!(Trust::default().ca_file().is_none());
    assert!(!Trust::default().accepts_invalid_certs());
}
