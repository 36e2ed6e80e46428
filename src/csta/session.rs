//! One CSTA client connection: a reader thread and a writer thread.
//!
//! The reader first admits the connection: its TLS handshake with
//! `csta.tls` ([`crate::csta::tls`], within its timeout, here rather than on
//! the accept thread, which a silent peer would block), then which
//! `csta.clients` entry it is, with a seat of that entry
//! ([`crate::csta::clients`]). A refused
//! connection is logged (at most a line a second) and closed without a
//! word; it never reaches the dispatcher. An admitted one is announced to
//! the dispatcher (`Connected`, with its entry) and its write half handed
//! to the writer.
//!
//! Then the reader decodes frames (sans-IO codec), parses each XML payload here,
//! on its own thread, and hands the parsed request to the dispatcher. A frame
//! with a bad header closes this session only — nothing after it can be
//! trusted — with a log line naming the peer; a payload that is not
//! well-formed XML is reported so the dispatcher answers `generic` and the
//! session goes on. A client that sends nothing for `idle_timeout` (a
//! socket read timeout; zero turns the check off) is probed: the dispatcher
//! sends it a SystemStatus, which a client answers. Anything it sends keeps
//! it; silence for [`PROBE_WAIT`] more (or `idle_timeout` when shorter)
//! disconnects it. A vanished peer is found by TCP keep-alive.
//!
//! The writer drains a bounded queue filled by the dispatcher and flushes
//! when the queue is empty, so bursts of events go out in few syscalls. A
//! client that stops reading fills its TCP window, the write times out, and
//! the dispatcher meanwhile finds the queue full and cuts the client off;
//! either way no other client waits for it.
//!
//! Both threads end through an [`EndGuard`](crate::thread::EndGuard): the
//! reader's reports `Closed` (of an announced connection) with the reason
//! whether it returned or panicked; the writer's shuts the socket down (so the reader ends too)
//! and, after a panic, reports `Closed` itself with the panic's message.

use std::collections::HashMap;
use std::io::{BufWriter, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender};
use parking_lot::Mutex;

use crate::csta::clients::{Clients, Peer, Refusal, Seat};
use crate::csta::frame::{self, FrameDecoder};
use crate::csta::parse::{self, ParseError};
use crate::csta::tls::{TlsReader, TlsServer, HANDSHAKE_TIMEOUT};
use crate::event::{ClientEvent, ClientId, Event, Outbound};
use crate::ratelimit::Every;
use crate::thread::{self, Handle, Late};

/// Frames queued toward one client before it counts as too slow.
pub const OUTBOX: usize = 16 * 1024;
/// A write that cannot progress for this long ends the session.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a silent client has to answer the idle probe (SystemStatus):
/// a live client answers in milliseconds; ten seconds leave room for a
/// busy one without keeping a dead session for long.
pub const PROBE_WAIT: Duration = Duration::from_secs(10);

pub struct SessionThreads {
    socket: TcpStream,
    /// Cleared by the reader as soon as the connection is gone, before it
    /// tells the dispatcher.
    open: Arc<AtomicBool>,
    reader: Handle,
    writer: Handle,
}

impl SessionThreads {
    pub fn is_finished(&self) -> bool {
        self.reader.is_finished() && self.writer.is_finished()
    }

    /// The connection is gone (the reader ended); the writer may still be
    /// draining. Such a session no longer counts against max_sessions.
    pub fn is_closed(&self) -> bool {
        !self.open.load(Ordering::SeqCst)
    }

    pub fn close(&self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }

    pub fn join_deadline(self, deadline: Instant) -> Late {
        let mut late = self.reader.join_deadline(deadline);
        late.add(self.writer.join_deadline(deadline));
        late
    }
}

/// What every session of the listener shares.
pub struct SessionSetup {
    /// `csta.idle_timeout_s` (zero: off).
    pub idle_timeout: Duration,
    /// `csta.clients`: who a connection is, and its seat.
    pub clients: Arc<Clients>,
    /// `csta.tls` [none: plain TCP].
    pub tls: Option<TlsServer>,
    /// Refusal lines, at most one a second per kind of refusal: a connect
    /// loop that is refused (outside the allow list, no client entry, a
    /// plaintext client on the TLS port) must not rotate the operator's log
    /// away, nor hide a refusal of another kind.
    refusals: Mutex<HashMap<&'static str, Every>>,
}

impl SessionSetup {
    pub fn new(
        idle_timeout: Duration,
        clients: Arc<Clients>,
        tls: Option<TlsServer>,
    ) -> SessionSetup {
        SessionSetup {
            idle_timeout,
            clients,
            tls,
            refusals: Mutex::new(HashMap::new()),
        }
    }

    /// Logs a refused connection (at most one line a second per kind).
    pub fn refused(&self, peer: SocketAddr, refusal: &Refusal) {
        let ready = (self.refusals.lock())
            .entry(refusal.kind)
            .or_default()
            .ready(Instant::now());
        let line = format!("refused CSTA connection from {peer}: {}", refusal.why);
        match ready {
            Some(0) => log::warn!("{line}"),
            Some(n) => log::warn!("{line} (and {n} more refusals of this kind not logged)"),
            None => {}
        }
    }
}

/// The receiving side of a connection, as the reader uses it.
trait ReadHalf: Read + Send {
    /// How long a read may wait (`None`: forever).
    fn set_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()>;
}

impl ReadHalf for TcpStream {
    fn set_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
        self.set_read_timeout(timeout)
    }
}

impl ReadHalf for TlsReader {
    fn set_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
        TlsReader::set_timeout(self, timeout);
        Ok(())
    }
}

type WriteHalf = Box<dyn Write + Send>;

/// An admitted connection, ready for its session proper.
struct Opened {
    peer: Peer,
    reader: Box<dyn ReadHalf>,
    writer: WriteHalf,
    /// Its entry's seat, held until the reader ends.
    _seat: Option<Seat>,
}

/// Starts the threads of the connection `stream` from `peer`. The reader
/// first admits it (`csta.clients`): a refused connection is logged and
/// closed without a word, and never reaches the dispatcher.
pub fn start(
    id: ClientId,
    stream: TcpStream,
    peer: SocketAddr,
    setup: Arc<SessionSetup>,
    inbox: Sender<Event>,
) -> std::io::Result<SessionThreads> {
    stream.set_nodelay(true)?;
    if let Err(e) = crate::csta::keepalive::enable(&stream) {
        log::warn!("{id} ({peer}): cannot enable TCP keep-alive: {e}");
    }
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let (outbox, queue) = bounded(OUTBOX);
    // The reader hands the writer its half once the connection is admitted.
    let (half, half_rx) = bounded::<(Peer, WriteHalf)>(1);
    let control = stream.try_clone()?;
    let socket = stream.try_clone()?;
    let writer_socket = stream.try_clone()?;
    let writer_inbox = inbox.clone();
    let writer = thread::spawn(format!("csta-wr-{}", id.0), move || {
        let end = thread::on_end(move |end: Result<(), String>| {
            // The reason first: the reader's report follows the shutdown.
            if let Err(why) = end {
                let reason = format!("writer thread died: {why}");
                let _ = writer_inbox.send(Event::Client(id, ClientEvent::Closed { reason }));
            }
            let _ = writer_socket.shutdown(Shutdown::Both);
        });
        if let Ok((peer, half)) = half_rx.recv() {
            write_loop(id, &peer, half, &queue);
        }
        end.finish(());
    })?;
    let open = Arc::new(AtomicBool::new(true));
    let open_flag = open.clone();
    let handoff = Handoff {
        outbox,
        half,
        announced: Arc::new(AtomicBool::new(false)),
    };
    let announced = handoff.announced.clone();
    let reader = thread::spawn(format!("csta-rd-{}", id.0), move || {
        let closed = inbox.clone();
        let end = thread::on_end(move |end: Result<String, String>| {
            let reason = end.unwrap_or_else(|why| format!("reader thread died: {why}"));
            // A refused connection never reached the dispatcher.
            let told = announced.load(Ordering::SeqCst);
            if told {
                crate::capture::csta_close(id, peer, &reason);
            }
            let _ = stream.shutdown(Shutdown::Both);
            open_flag.store(false, Ordering::SeqCst);
            if told {
                let _ = closed.send(Event::Client(id, ClientEvent::Closed { reason }));
            }
        });
        end.finish(serve(id, peer, socket, &setup, handoff, &inbox));
    })?;
    Ok(SessionThreads {
        socket: control,
        open,
        reader,
        writer,
    })
}

/// What the reader hands on once the connection is admitted.
struct Handoff {
    /// For the dispatcher, in `Connected`.
    outbox: Sender<Outbound>,
    /// For the writer.
    half: Sender<(Peer, WriteHalf)>,
    /// Set once `Connected` is sent: only then is the end worth a `Closed`.
    announced: Arc<AtomicBool>,
}

/// The reader thread: admits the connection, announces it to the
/// dispatcher, hands the writer its half and reads until the end; returns
/// why it ended.
fn serve(
    id: ClientId,
    addr: SocketAddr,
    socket: TcpStream,
    setup: &SessionSetup,
    handoff: Handoff,
    inbox: &Sender<Event>,
) -> String {
    let dispatcher_socket = match socket.try_clone() {
        Ok(socket) => socket,
        Err(e) => return format!("cannot use the socket: {e}"),
    };
    let Opened {
        peer,
        reader,
        writer,
        _seat,
    } = match open(addr, socket, setup) {
        Ok(opened) => opened,
        Err(refusal) => {
            setup.refused(addr, &refusal);
            return format!("refused: {}", refusal.why);
        }
    };
    // Connected goes into the inbox before the reader can send anything.
    let connected = ClientEvent::Connected {
        peer: peer.clone(),
        outbox: handoff.outbox,
        socket: dispatcher_socket,
    };
    if inbox.send(Event::Client(id, connected)).is_err() {
        return "shutting down".into();
    }
    handoff.announced.store(true, Ordering::SeqCst);
    match peer.name() {
        Some(name) => log::info!("{id} connected from {addr} as {name}"),
        None => log::info!("{id} connected from {addr}"),
    }
    let _ = handoff.half.send((peer.clone(), writer));
    read_loop(id, &peer, reader, setup.idle_timeout, inbox)
}

/// Admits the connection: its TLS handshake (with `csta.tls`), then which
/// client it is (`csta.clients`, by its address and its certificate's
/// common name), with a seat of its entry; the refusal otherwise.
fn open(addr: SocketAddr, socket: TcpStream, setup: &SessionSetup) -> Result<Opened, Refusal> {
    let (reader, writer, common_name): (Box<dyn ReadHalf>, WriteHalf, _) = match &setup.tls {
        Some(tls) => {
            let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
            let conn = tls.accept(socket, deadline).map_err(|failure| Refusal {
                kind: failure.kind(),
                why: failure.to_string(),
            })?;
            let reader = Box::new(conn.reader());
            (
                reader,
                Box::new(conn.writer(WRITE_TIMEOUT)),
                conn.common_name,
            )
        }
        None => {
            let writer = socket.try_clone().map_err(|e| Refusal {
                kind: "socket",
                why: format!("cannot use the socket: {e}"),
            })?;
            (Box::new(socket), Box::new(writer), None)
        }
    };
    let (client, seat) = match setup.clients.admit(addr.ip(), common_name.as_deref())? {
        Some(admitted) => (Some(admitted.entry), Some(admitted.seat)),
        None => (None, None),
    };
    Ok(Opened {
        peer: Peer { addr, client },
        reader,
        writer,
        _seat: seat,
    })
}

/// Reads until the session ends; returns why.
fn read_loop(
    id: ClientId,
    peer: &Peer,
    mut stream: Box<dyn ReadHalf>,
    idle_timeout: Duration,
    inbox: &Sender<Event>,
) -> String {
    if let Err(e) = stream.set_timeout((!idle_timeout.is_zero()).then_some(idle_timeout)) {
        return format!("cannot set the idle timeout: {e}");
    }
    let mut decoder = FrameDecoder::new();
    let mut buf = vec![0u8; 64 * 1024];
    let probe_wait = idle_timeout.min(PROBE_WAIT);
    let mut probing = false;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return "connection closed by the client".into(),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if !probing {
                    probing = true;
                    let _ = stream.set_timeout(Some(probe_wait));
                    if inbox.send(Event::Client(id, ClientEvent::Idle)).is_err() {
                        return "shutting down".into();
                    }
                    continue;
                }
                log::warn!(
                    "{id} ({peer}) sent nothing for {:.1}s and did not answer the SystemStatus \
                     probe within {:.1}s: disconnecting (csta.idle_timeout_s)",
                    idle_timeout.as_secs_f64(),
                    probe_wait.as_secs_f64()
                );
                return "idle timeout".into();
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                log::warn!("{id} ({peer}): connection lost ({e})");
                return format!("read error: {e}");
            }
        };
        if probing {
            probing = false;
            let _ = stream.set_timeout(Some(idle_timeout));
        }
        decoder.push(&buf[..n]);
        loop {
            let frame = match decoder.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    log::warn!("{id} ({peer}) sent a bad frame header ({e}): closing the session");
                    return format!("bad frame: {e}");
                }
            };
            thread::panic_point("session frame");
            crate::capture::csta_in(id, peer.addr, frame.invoke_id, &frame.xml);
            let ev = match parse::parse(&frame.xml) {
                Ok(incoming) => ClientEvent::Request {
                    invoke_id: frame.invoke_id,
                    incoming: Box::new(incoming),
                },
                Err(ParseError::NotWellFormed(error)) | Err(ParseError::Encoding(error)) => {
                    ClientEvent::BadXml {
                        invoke_id: frame.invoke_id,
                        error,
                    }
                }
                Err(other) => ClientEvent::Invalid {
                    invoke_id: frame.invoke_id,
                    error: other.to_string(),
                },
            };
            if inbox.send(Event::Client(id, ev)).is_err() {
                return "shutting down".into();
            }
        }
    }
}

fn write_loop(id: ClientId, peer: &Peer, stream: WriteHalf, queue: &Receiver<Outbound>) {
    let mut out = BufWriter::with_capacity(64 * 1024, stream);
    let result = (|| -> std::io::Result<()> {
        while let Ok(msg) = queue.recv() {
            thread::panic_point("session write");
            match msg {
                Outbound::Frame(frame) => {
                    let (invoke_id, xml) = frame::parts(&frame);
                    crate::capture::csta_out(id, peer.addr, invoke_id, xml);
                    out.write_all(&frame)?
                }
                Outbound::Close => {
                    out.flush()?;
                    return Ok(());
                }
            }
            if queue.is_empty() {
                out.flush()?;
            }
        }
        out.flush()
    })();
    if let Err(e) = result {
        log::warn!("{id} ({peer}): write failed ({e}); closing");
    }
    // The writer thread's end guard shuts the socket down, after a panic too.
}

#[cfg(test)]
mod tests;
