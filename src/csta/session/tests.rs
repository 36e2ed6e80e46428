//! A session's end is always reported: a normal close, and a panic of the
//! reader or of the writer, each give one `Closed` with the reason and a
//! closed socket. A connection no `csta.clients` entry admits is closed
//! without a word and never reaches the dispatcher; an admitted one comes
//! with its entry.

use super::*;
use crate::config::ClientEntry;
use crate::csta::frame::{self, InvokeId};
use std::net::TcpListener;

const WAIT: Duration = Duration::from_secs(10);
const REQUEST: &str = "<?xml version=\"1.0\"?><RequestSystemStatus \
    xmlns=\"http://www.ecma-international.org/standards/ecma-323/csta/ed3\"/>";

struct Rig {
    client: TcpStream,
    outbox: Sender<Outbound>,
    inbox: Receiver<Event>,
    threads: Option<SessionThreads>,
}

/// A session `id` on a real socket pair, for a listener with `clients`;
/// the client end, the inbox and the threads.
fn connect(id: u64, clients: &[ClientEntry]) -> (TcpStream, Receiver<Event>, SessionThreads) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let (server, peer) = listener.accept().expect("accept");
    client.set_read_timeout(Some(WAIT)).expect("timeout");
    let (inbox_tx, inbox) = bounded(64);
    let setup = Arc::new(SessionSetup::new(WAIT, Clients::new(clients), None));
    let threads = start(ClientId(id), server, peer, setup, inbox_tx).expect("session");
    (client, inbox, threads)
}

/// A session `id` without `csta.clients`; its Connected event is consumed.
fn start_session(id: u64) -> Rig {
    let (client, inbox, threads) = connect(id, &[]);
    let outbox = match inbox.recv_timeout(WAIT) {
        Ok(Event::Client(_, ClientEvent::Connected { outbox, .. })) => outbox,
        other => panic!("expected Connected, got {other:?}"),
    };
    Rig {
        client,
        outbox,
        inbox,
        threads: Some(threads),
    }
}

fn entry(name: &str, allow: &str) -> ClientEntry {
    ClientEntry {
        name: name.to_owned(),
        allow: vec![crate::config::IpNet::parse(allow).expect("net")],
        certificate_cn: None,
        devices: vec![crate::config::DevicePattern::Exact("2001".to_owned())],
        control: true,
        max_sessions: 4,
    }
}

impl Rig {
    /// Lets the writer end (as the dispatcher does), waits for both threads
    /// and returns the reasons of the `Closed` events, in order.
    fn finish(&mut self) -> Vec<String> {
        let _ = self.outbox.send(Outbound::Close);
        let threads = self.threads.take().expect("threads");
        let _ = threads.join_deadline(Instant::now() + WAIT);
        self.inbox
            .try_iter()
            .filter_map(|ev| match ev {
                Event::Client(_, ClientEvent::Closed { reason }) => Some(reason),
                _ => None,
            })
            .collect()
    }

    /// The client sees its connection end (EOF or reset), not a timeout.
    fn assert_client_cut_off(&mut self) {
        let mut buf = [0u8; 1024];
        loop {
            match self.client.read(&mut buf) {
                Ok(0) => return,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
                Err(e) => panic!("the session's socket is still open: {e}"),
            }
        }
    }

    fn send_request(&mut self) {
        let id = InvokeId::new(1).expect("invoke id");
        let bytes = frame::encode(id, REQUEST.as_bytes()).expect("frame");
        self.client.write_all(&bytes).expect("write");
    }
}

#[test]
fn a_normal_close_is_reported_once() {
    let mut rig = start_session(9101);
    rig.send_request();
    rig.client.shutdown(Shutdown::Write).expect("shutdown");
    assert_eq!(rig.finish(), ["connection closed by the client"]);
}

#[test]
fn a_reader_panic_closes_the_session_with_its_message() {
    let mut rig = start_session(9102);
    thread::inject::arm("csta-rd-9102", "session frame");
    rig.send_request();
    rig.assert_client_cut_off();
    let reasons = rig.finish();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].starts_with("reader thread died: injected panic at session frame"),
        "{reasons:?}"
    );
}

#[test]
fn a_writer_panic_closes_the_session_with_its_message() {
    let mut rig = start_session(9103);
    thread::inject::arm("csta-wr-9103", "session write");
    let id = InvokeId::new(2).expect("invoke id");
    let bytes = frame::encode(id, REQUEST.as_bytes()).expect("frame");
    rig.outbox.send(Outbound::Frame(bytes)).expect("queue");
    // The writer's end shuts the socket down, so the reader ends too.
    rig.assert_client_cut_off();
    let reasons = rig.finish();
    assert!(
        reasons
            .first()
            .is_some_and(|r| r.starts_with("writer thread died: injected panic at session write")),
        "{reasons:?}"
    );
    assert_eq!(reasons.len(), 2, "then the reader's own end: {reasons:?}");
}

#[test]
fn a_connection_no_entry_admits_is_closed_without_a_word_or_an_event() {
    let (mut client, inbox, threads) = connect(9104, &[entry("elsewhere", "10.0.0.1")]);
    let id = InvokeId::new(1).expect("invoke id");
    let bytes = frame::encode(id, REQUEST.as_bytes()).expect("frame");
    // The request may or may not get through before the close; no answer
    // comes either way.
    let _ = client.write_all(&bytes);
    let mut buf = [0u8; 64];
    let read = client.read(&mut buf);
    assert!(
        matches!(read, Ok(0))
            || read
                .as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
        "{read:?}"
    );
    assert!(threads.join_deadline(Instant::now() + WAIT).is_empty());
    let events: Vec<String> = inbox.try_iter().map(|ev| format!("{ev:?}")).collect();
    assert_eq!(events, Vec::<String>::new());
}

#[test]
fn an_admitted_connection_comes_with_its_entry() {
    let (client, inbox, threads) = connect(9105, &[entry("tserver-a", "127.0.0.1")]);
    let peer = match inbox.recv_timeout(WAIT) {
        Ok(Event::Client(_, ClientEvent::Connected { peer, .. })) => peer,
        other => panic!("expected Connected, got {other:?}"),
    };
    assert_eq!(peer.name(), Some("tserver-a"));
    assert_eq!(
        peer.to_string(),
        format!("tserver-a, {}", client.local_addr().expect("addr"))
    );
    client.shutdown(Shutdown::Both).expect("shutdown");
    assert!(threads.join_deadline(Instant::now() + WAIT).is_empty());
}

/// A TLS client with `options`; its stream once the handshake is done
/// (with TLS 1.3 the server may still refuse it).
fn tls_client(
    addr: SocketAddr,
    options: &bwcsta_integration::client::TlsOptions,
) -> native_tls::TlsStream<TcpStream> {
    let connector = options.connector().expect("connector");
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    connector.connect("localhost", stream).expect("handshake")
}

#[test]
fn over_tls_the_certificate_names_the_client() {
    let pki = bwcsta_integration::certs::Pki::new();
    let now = crate::csta::tls::now().expect("clock");
    let (cert, key, ca) = (
        std::path::Path::new("cert.pem"),
        std::path::Path::new("key.pem"),
        std::path::Path::new("ca.pem"),
    );
    let settings = crate::csta::tls::TlsSettings::from_pem(
        Some((cert, &pki.server.cert)),
        Some((key, &pki.server.key)),
        Some(Some((ca, &pki.ca.cert))),
        &now,
    )
    .expect("settings");
    let mut by_name = entry("tserver-a", "127.0.0.1");
    by_name.certificate_cn = Some("tserver-a.example.net".to_owned());
    let setup = Arc::new(SessionSetup::new(
        WAIT,
        Clients::new(&[by_name]),
        Some(TlsServer::new(&settings).expect("server")),
    ));
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    for (n, identity, name) in [
        (9106, &pki.client, Some("tserver-a")),
        (9107, &pki.wallboard, None),
    ] {
        let options = pki.client_tls(Some(identity));
        let client = std::thread::spawn(move || tls_client(addr, &options));
        let (server, peer) = listener.accept().expect("accept");
        let (inbox_tx, inbox) = bounded(64);
        let threads = start(ClientId(n), server, peer, setup.clone(), inbox_tx).expect("start");
        let mut tls = client.join().expect("client");
        match name {
            Some(name) => {
                let peer = match inbox.recv_timeout(WAIT) {
                    Ok(Event::Client(_, ClientEvent::Connected { peer, .. })) => peer,
                    other => panic!("expected Connected, got {other:?}"),
                };
                assert_eq!(peer.name(), Some(name));
                let _ = tls.shutdown();
            }
            None => {
                // Refused after the handshake: closed without a word.
                let mut buf = [0u8; 16];
                assert!(matches!(tls.read(&mut buf), Ok(0) | Err(_)));
            }
        }
        drop(tls);
        assert!(threads.join_deadline(Instant::now() + WAIT).is_empty());
        // The admitted one's end is reported; the refused one never existed.
        let closed: Vec<bool> = inbox
            .try_iter()
            .map(|ev| matches!(ev, Event::Client(_, ClientEvent::Closed { .. })))
            .collect();
        assert_eq!(closed, if name.is_some() { vec![true] } else { vec![] });
    }
}
