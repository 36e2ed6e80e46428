//! Capture for support cases: the recorder.
//!
//! With a `capture` section in the configuration the daemon records every
//! Xsi document received on each XSP channel (by link name) and every CSTA
//! frame received from and sent to each client (by `client#N@peer`), with
//! timestamps, to size-capped rotating files (`bwcsta.cap`, `bwcsta.cap.1`
//! …; [`format`] describes them; directory 0750, files 0640). The Xsi
//! password, the `Authorization` value and the text of `agentPassword`
//! elements are masked in whatever is written. `bwcsta replay FILE…`
//! ([`crate::replay`], a module on top of this one and of the translator)
//! feeds such a capture through the translator offline and prints the CSTA
//! events it would send, so a mapping problem can be reproduced without the
//! customer's BroadWorks.
//!
//! The recorder is a leaf under the thread modules that call its hooks
//! (`csta::session`, `xsi::link`, the dispatcher): it imports nothing of
//! `csta`, `xsi`, `event` or `translate`. The hooks take what they record
//! as plain values (anything that displays as a client or an invoke id,
//! bytes), and a link change through [`LinkRecord`].
//!
//! Cost on the hot path: the hooks ([`xsi`], [`link`], [`csta_in`],
//! [`csta_out`], [`csta_close`]) are inlined to one relaxed atomic load and a branch when
//! capture is off. When it is on they copy the bytes into a bounded queue
//! with `try_send`; the file is written by the `capture` thread. A full
//! queue (a disk slower than the traffic) drops records and counts them —
//! it never blocks an XSP link or a CSTA session — and the count is written
//! into the capture as a `dropped` record and logged.

pub mod format;
mod writer;

use std::fmt::Display;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Instant, SystemTime};

use crossbeam_channel::{bounded, Sender};

use crate::config::CaptureConfig;
use crate::thread::{self, Handle, Late};

pub use format::{Kind, LinkChange, Record};
pub use writer::{CaptureFile, FILE_NAME};

/// Records waiting for the capture thread (about 1.5 KiB each at most for
/// events: a few MiB of memory at worst).
const QUEUE: usize = 8192;

static ON: AtomicBool = AtomicBool::new(false);
static SINK: OnceLock<Sink> = OnceLock::new();
/// Link names by index, for the link records.
static LINKS: OnceLock<Vec<String>> = OnceLock::new();

struct Sink {
    queue: Sender<Msg>,
    dropped: AtomicU64,
}

enum Msg {
    Record(Record),
    /// Write what is queued, then end.
    Stop,
}

/// What a replay needs to know about the daemon that made the capture,
/// written as the first record of every capture file.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Meta {
    pub bwcsta: String,
    pub pid: u32,
    pub edition: String,
    pub default_domain: Option<String>,
    pub links: Vec<String>,
    /// `xsi.reorder_wait_s`.
    #[serde(default)]
    pub reorder_wait_s: Option<f64>,
}

/// The running capture thread.
pub struct Capture {
    thread: Handle,
}

impl Capture {
    /// Opens the capture file in `cfg.dir` (created when missing) and starts
    /// the capture thread. `secrets` are masked in every payload. Only one
    /// capture per process.
    pub fn start(
        cfg: &CaptureConfig,
        meta: &Meta,
        secrets: Vec<Vec<u8>>,
    ) -> Result<Capture, String> {
        let file = CaptureFile::open(&cfg.dir, cfg.max_bytes, cfg.keep, meta, secrets)
            .map_err(|e| format!("cannot open capture file in {}: {e}", cfg.dir.display()))?;
        let (queue, records) = bounded(QUEUE);
        let sink = Sink {
            queue,
            dropped: AtomicU64::new(0),
        };
        if SINK.set(sink).is_err() {
            return Err("capture already started in this process".into());
        }
        let _ = LINKS.set(meta.links.clone());
        log::info!(
            "recording Xsi documents and CSTA frames to {} (rotated at {} bytes, {} kept)",
            file.path().display(),
            cfg.max_bytes,
            cfg.keep
        );
        let thread = thread::spawn("capture", move || writer::run(file, &records, dropped))
            .map_err(|e| format!("cannot start capture thread: {e}"))?;
        ON.store(true, Ordering::Release);
        Ok(Capture { thread })
    }

    /// Stops recording, writes what is queued and closes the file, by
    /// `deadline`.
    pub fn stop(self, deadline: Instant) -> Late {
        ON.store(false, Ordering::Release);
        if let Some(sink) = SINK.get() {
            let wait = deadline.saturating_duration_since(Instant::now());
            let _ = sink.queue.send_timeout(Msg::Stop, wait);
        }
        self.thread.join_deadline(deadline)
    }
}

/// Records lost to a full queue since the last call.
fn dropped() -> u64 {
    SINK.get()
        .map_or(0, |s| s.dropped.swap(0, Ordering::Relaxed))
}

/// True while a capture is running.
#[inline]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// An Xsi document received on the channel of link `link`.
#[inline]
pub fn xsi(link: &str, doc: &[u8]) {
    if enabled() {
        record(Kind::Xsi, link.to_owned(), "-".into(), doc.to_vec());
    }
}

/// A CSTA frame's XML received from a client.
#[inline]
pub fn csta_in(client: impl Display, peer: SocketAddr, invoke_id: impl Display, xml: &[u8]) {
    if enabled() {
        record(
            Kind::CstaIn,
            client_name(client, peer),
            invoke_id.to_string(),
            xml.to_vec(),
        );
    }
}

/// A CSTA frame sent to a client: its invoke id's digits as they are on
/// the wire (empty for none) and its XML.
#[inline]
pub fn csta_out(client: impl Display, peer: SocketAddr, invoke_id: &[u8], xml: &[u8]) {
    if enabled() {
        let tag = match invoke_id {
            [] => "-".into(),
            digits => String::from_utf8_lossy(digits).into_owned(),
        };
        record(Kind::CstaOut, client_name(client, peer), tag, xml.to_vec());
    }
}

/// A link event as the capture records it: implemented by the daemon's
/// link event (`event::LinkEvent`), so that the recorder needs none of the
/// types of the threads and the dispatcher that call it.
pub trait LinkRecord {
    /// The change and what the record says after its word (the channel
    /// id, the reason, the count); `None` for an event not recorded.
    fn change(&self) -> Option<(LinkChange, &dyn Display)>;
}

/// A change of link `link`'s channel as the dispatcher learns it (up, down,
/// refused acknowledgements): the sequencer's view of the channels, which
/// a replay needs to wait for gaps as the daemon did.
#[inline]
pub fn link(link: usize, event: &impl LinkRecord) {
    if enabled() {
        link_record(link, event);
    }
}

#[cold]
fn link_record(link: usize, event: &dyn LinkRecord) {
    let Some((change, detail)) = event.change() else {
        return;
    };
    let what = format!("{} {detail}", change.as_str());
    let name = LINKS
        .get()
        .and_then(|l| l.get(link).cloned())
        .unwrap_or_else(|| format!("link#{link}"));
    record(Kind::Link, name, "-".into(), what.into_bytes());
}

/// A CSTA client connection ended.
#[inline]
pub fn csta_close(client: impl Display, peer: SocketAddr, reason: &str) {
    if enabled() {
        let payload = reason.as_bytes().to_vec();
        record(
            Kind::CstaClose,
            client_name(client, peer),
            "-".into(),
            payload,
        );
    }
}

fn client_name(client: impl Display, peer: SocketAddr) -> String {
    format!("{client}@{peer}")
}

#[cold]
fn record(kind: Kind, source: String, tag: String, payload: Vec<u8>) {
    let Some(sink) = SINK.get() else {
        return;
    };
    let record = Record {
        time: SystemTime::now(),
        kind,
        source,
        tag,
        payload,
    };
    if sink.queue.try_send(Msg::Record(record)).is_err() {
        sink.dropped.fetch_add(1, Ordering::Relaxed);
    }
}
