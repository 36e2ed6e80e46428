//! A session's end is always reported: a normal close, and a panic of the
//! reader or of the writer, each give one `Closed` with the reason and a
//! closed socket.

use super::*;
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

/// A session `id` on a real socket pair; its Connected event is consumed.
fn start_session(id: u64) -> Rig {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let (server, peer) = listener.accept().expect("accept");
    client.set_read_timeout(Some(WAIT)).expect("timeout");
    let (inbox_tx, inbox) = bounded(64);
    let threads = start(ClientId(id), server, peer, WAIT, inbox_tx).expect("session");
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
