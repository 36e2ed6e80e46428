//! The writer of one event channel: the streaming (chunked) response to a channel POST.
//!
//! The connection thread that received the POST becomes this writer. It writes the response
//! head and the `<Channel>` document as the first chunk, then takes [`Out`] messages from the
//! channel's queue and writes each document as chunks through a `BufWriter`, flushing only when
//! the queue is empty. The chunking mode (one document per chunk, split, coalesced) is read per
//! document. While the XSP is stalled nothing is written. The writer ends on a terminating
//! message (after the last chunk), on abort (socket shut down, no last chunk), or on a write
//! error; in every case it tells the state the channel is gone.

use std::io::{BufWriter, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use super::http::{chunk_header, LAST_CHUNK};
use super::hub::Hub;
use super::outbox::{ChannelShared, EventDoc, Out};
use super::tls::SimStream;
use super::xml::DECL;
use super::Chunking;

/// The whole heartbeat document.
pub(crate) const HEARTBEAT_DOC: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChannelHeartBeat xmlns=\"http://schema.broadsoft.com/xsi\"/>";

/// Everything a writer needs besides the socket.
pub(crate) struct StreamSpec {
    pub xsp: usize,
    pub index: usize,
    pub channel_id: String,
    pub expires: u32,
    pub rx: Receiver<Out>,
    pub shared: Arc<ChannelShared>,
    pub tracking_id: String,
}

/// The `ChannelTerminatedEvent` document.
pub(crate) fn terminated_doc(channel_id: &str, reason: &str) -> String {
    let mut doc = String::with_capacity(320);
    doc.push_str(DECL);
    doc.push_str("<xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:ChannelTerminatedEvent\"><xsi:channelId>");
    super::xml::escape_into(&mut doc, channel_id);
    doc.push_str("</xsi:channelId><xsi:reason>");
    super::xml::escape_into(&mut doc, reason);
    doc.push_str("</xsi:reason></xsi:Event>");
    doc
}

/// The first document: declaration, one newline, then the compact `<Channel>`.
pub(crate) fn channel_doc(channel_id: &str, expires: u32) -> String {
    format!("{DECL}\n<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><channelId>{channel_id}</channelId><expires>{expires}</expires></Channel>")
}

enum End {
    /// Terminating chunk written: a graceful end.
    Graceful,
    /// Aborted or failed: no terminating chunk.
    Abrupt,
}

struct Writer<'a> {
    hub: &'a Hub,
    spec: &'a StreamSpec,
    out: BufWriter<SimStream>,
    /// Reusable buffer for rendered documents.
    doc: Vec<u8>,
    /// Alternates split documents between two and three pieces.
    split_three: bool,
    /// An event as sent on this channel, for the schema check.
    scratch: Vec<u8>,
}

impl Writer<'_> {
    fn put(&mut self, data: &[u8]) -> std::io::Result<()> {
        let mut head = Vec::with_capacity(8);
        chunk_header(&mut head, data.len());
        self.out.write_all(&head)?;
        self.out.write_all(data)?;
        self.out.write_all(b"\r\n")
    }

    /// Writes the document in `self.doc` as one chunk, or as 2-3 flushed pieces when splitting.
    fn put_doc(&mut self) -> std::io::Result<()> {
        let doc = std::mem::take(&mut self.doc);
        let result = if self.hub.chunking() == Chunking::Split && doc.len() >= 3 {
            self.split_three = !self.split_three;
            let cuts: &[usize] = if self.split_three {
                &[doc.len() / 3, doc.len() * 2 / 3]
            } else {
                &[doc.len() / 2]
            };
            let mut from = 0;
            let mut res = Ok(());
            for &cut in cuts.iter().chain(std::iter::once(&doc.len())) {
                res = self.put(&doc[from..cut]).and_then(|_| self.out.flush());
                if res.is_err() {
                    break;
                }
                from = cut;
            }
            res
        } else {
            self.put(&doc)
        };
        self.doc = doc;
        self.doc.clear();
        result
    }

    /// Writes an event directly (no copy) when it is a plain one-chunk document.
    fn put_event(&mut self, event: &EventDoc) -> std::io::Result<()> {
        if self.hub.chunking() == Chunking::OnePerDoc {
            let mut head = Vec::with_capacity(8);
            chunk_header(&mut head, event.len_on(&self.spec.channel_id));
            let text = event.text.as_bytes();
            self.out.write_all(&head)?;
            self.out.write_all(&text[..event.split])?;
            self.out.write_all(self.spec.channel_id.as_bytes())?;
            self.out.write_all(&text[event.split..])?;
            self.out.write_all(b"\r\n")
        } else {
            self.doc.clear();
            event.render(&self.spec.channel_id, &mut self.doc);
            self.put_doc()
        }
    }

    /// Puts `event`, as this channel sends it, through the schema check (when it is on).
    fn check_event(&mut self, event: &EventDoc) {
        if self.hub.conformance.is_some() {
            self.scratch.clear();
            event.render(&self.spec.channel_id, &mut self.scratch);
            self.hub.check_sent(&self.scratch);
        }
    }

    fn count_event(&self, event: &EventDoc) {
        self.spec.shared.events_sent.fetch_add(1, Ordering::Relaxed);
        if let Some(key) = event.probe {
            self.hub.probes.record(key);
        }
    }

    /// Handles one message; `Some(end)` when the stream is over.
    fn handle(&mut self, msg: Out, rx: &Receiver<Out>) -> std::io::Result<Option<End>> {
        match msg {
            Out::Event(event) if self.hub.chunking() == Chunking::Coalesce => {
                // Gather every queued document (up to 64 KiB) into one chunk.
                self.check_event(&event);
                self.doc.clear();
                event.render(&self.spec.channel_id, &mut self.doc);
                self.count_event(&event);
                let mut pending_end = None;
                while self.doc.len() < 64 * 1024 {
                    match rx.try_recv() {
                        Ok(Out::Event(e)) => {
                            self.check_event(&e);
                            e.render(&self.spec.channel_id, &mut self.doc);
                            self.count_event(&e);
                        }
                        Ok(Out::Heartbeat) => {
                            self.hub.check_sent(HEARTBEAT_DOC.as_bytes());
                            self.doc.extend_from_slice(HEARTBEAT_DOC.as_bytes());
                        }
                        Ok(other) => {
                            pending_end = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let doc = std::mem::take(&mut self.doc);
                self.put(&doc)?;
                self.doc = doc;
                match pending_end {
                    Some(end) => self.handle(end, rx),
                    None => Ok(None),
                }
            }
            Out::Event(event) => {
                self.check_event(&event);
                self.put_event(&event)?;
                self.count_event(&event);
                Ok(None)
            }
            Out::Heartbeat => {
                self.hub.check_sent(HEARTBEAT_DOC.as_bytes());
                self.doc.clear();
                self.doc.extend_from_slice(HEARTBEAT_DOC.as_bytes());
                self.put_doc()?;
                Ok(None)
            }
            Out::Terminate(reason) => {
                let doc = terminated_doc(&self.spec.channel_id, reason.as_str());
                self.hub.check_sent(doc.as_bytes());
                self.doc.clear();
                self.doc.extend_from_slice(doc.as_bytes());
                self.put_doc()?;
                self.out.write_all(LAST_CHUNK)?;
                self.out.flush()?;
                Ok(Some(End::Graceful))
            }
            Out::Finish => {
                self.out.write_all(LAST_CHUNK)?;
                self.out.flush()?;
                Ok(Some(End::Graceful))
            }
        }
    }
}

/// Whether the client closed its side of `stream` (reads and discards anything it sent).
/// The socket has a short read timeout, so this waits at most that long.
fn peer_closed(stream: &mut TcpStream) -> bool {
    let mut scratch = [0u8; 4096];
    match stream.read(&mut scratch) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
        ),
    }
}

/// Runs the channel stream on `stream` until it ends. See the module documentation.
pub(crate) fn run(hub: &Hub, stream: SimStream, spec: StreamSpec) {
    let _ = stream.tcp().set_nodelay(true);
    let _ = stream
        .tcp()
        .set_read_timeout(Some(Duration::from_millis(2)));
    // The client's close is probed on the raw socket: nothing is read through TLS here.
    let Ok(mut probe) = stream.tcp().try_clone() else {
        hub.state.lock().channel_gone(spec.index, "socket error");
        return;
    };
    let end = stream_body(hub, &spec, stream, &mut probe);
    let _ = probe.shutdown(Shutdown::Both);
    let reason = match end {
        End::Graceful => "ended",
        End::Abrupt => "connection lost",
    };
    hub.state.lock().channel_gone(spec.index, reason);
}

fn stream_body(hub: &Hub, spec: &StreamSpec, stream: SimStream, probe: &mut TcpStream) -> End {
    let mut w = Writer {
        hub,
        spec,
        out: BufWriter::with_capacity(64 * 1024, stream),
        doc: Vec::with_capacity(4096),
        split_three: false,
        scratch: Vec::new(),
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nTrackingID: NA_{}\r\nX-Frame-Options: SAMEORIGIN\r\nX-Content-Type-Options: nosniff\r\nSet-Cookie: JSESSIONID={}; Path=/com.broadsoft.xsi-events; HttpOnly\r\nExpires: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Type: text/xml;charset=UTF-8\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nServer: xsp-sim\r\n\r\n",
        spec.tracking_id,
        spec.tracking_id.replace('-', "").to_ascii_uppercase()
    );
    let first = channel_doc(&spec.channel_id, spec.expires);
    hub.check_sent(first.as_bytes());
    let started = w
        .out
        .write_all(head.as_bytes())
        .and_then(|_| w.put(first.as_bytes()))
        .and_then(|_| w.out.flush());
    if started.is_err() {
        return End::Abrupt;
    }
    let stalled = &hub.xsps[spec.xsp].stalled;
    // A message taken off the queue while waiting, handled once the stall check has passed.
    let mut held: Option<Out> = None;
    loop {
        if spec.shared.abort.load(Ordering::Acquire) || hub.is_shutting_down() {
            return End::Abrupt;
        }
        if stalled.load(Ordering::Acquire) {
            // Write nothing; the probe read doubles as a short sleep.
            if peer_closed(probe) {
                return End::Abrupt;
            }
            continue;
        }
        if let Some(msg) = held.take() {
            match w.handle(msg, &spec.rx) {
                Ok(None) => continue,
                Ok(Some(end)) => return end,
                Err(_) => return End::Abrupt,
            }
        }
        let msg = match spec.rx.try_recv() {
            Ok(msg) => msg,
            Err(TryRecvError::Disconnected) => return End::Abrupt,
            Err(TryRecvError::Empty) => {
                if w.out.flush().is_err() {
                    return End::Abrupt;
                }
                match spec.rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(msg) => {
                        // Re-check abort and stall before writing it.
                        held = Some(msg);
                        continue;
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        if peer_closed(probe) {
                            return End::Abrupt;
                        }
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return End::Abrupt,
                }
            }
        };
        if spec.shared.abort.load(Ordering::Acquire) {
            return End::Abrupt;
        }
        match w.handle(msg, &spec.rx) {
            Ok(None) => {}
            Ok(Some(end)) => return end,
            Err(_) => return End::Abrupt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_documents_match_the_wire() {
        // The wire trace's first chunk is 181 bytes (b5) for a 36-character id and 86400.
        assert_eq!(
            channel_doc("64eddc79-b707-4827-aacd-487fb5cb8427", 86400).len(),
            181
        );
        // The R21 figure's heartbeat chunk is 0x61 = 97 bytes.
        assert_eq!(HEARTBEAT_DOC.len(), 97);
        let t = terminated_doc("c1", "ExplicitDelete");
        assert!(t.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xsi:Event "));
        assert!(t.ends_with(
            "<xsi:channelId>c1</xsi:channelId><xsi:reason>ExplicitDelete</xsi:reason></xsi:Event>"
        ));
    }

    #[test]
    fn event_docs_render_with_the_channel_id() {
        let doc = EventDoc {
            key: 1,
            sub: 0,
            text: "<a><c></c></a>".into(),
            split: 6,
            probe: None,
        };
        let mut out = Vec::new();
        doc.render("XYZ", &mut out);
        assert_eq!(out, b"<a><c>XYZ</c></a>");
        assert_eq!(doc.len_on("XYZ"), out.len());
    }
}
