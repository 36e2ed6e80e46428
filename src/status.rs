//! The status file (README, "Status file"): a JSON snapshot of the links, the CSTA
//! sessions and the counters, written atomically (temp file in the same
//! directory, then rename) every `status_interval_s` and whenever the
//! dispatcher pokes it after a link state change.
//!
//! The writer runs on its own thread so that a slow disk never stalls the
//! dispatcher; it asks for a fresh snapshot through a closure that takes the
//! shared-state lock only for the copy.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{bounded, select, tick, Receiver, Sender};
use serde::Serialize;

use crate::thread::{self, Handle, Late};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusDoc {
    pub version: &'static str,
    pub pid: u32,
    pub started: String,
    /// "normal" while at least one XSP channel is up, else "disabled".
    pub status: &'static str,
    pub xsp: Vec<XspStatus>,
    pub csta: Vec<CstaStatus>,
    /// Subscriptions held at BroadWorks.
    pub subscriptions: usize,
    /// Devices nobody monitors any more whose subscriptions are kept for a
    /// grace period, for a client that comes back.
    pub unmonitored_devices: usize,
    /// Subscription requests waiting for a worker, and with the workers.
    pub subscription_jobs_queued: usize,
    pub subscription_jobs_in_flight: usize,
    pub events_in: u64,
    pub events_out: u64,
    /// Events whose payload could not be read: acknowledged, kept in
    /// sequence, not translated.
    pub events_malformed: u64,
    /// Events acknowledged but sent to nobody: still in flight when their
    /// device's last monitor ended, of a device in its grace period, or of
    /// a subscription no longer the device's.
    pub events_unowned: u64,
    pub duplicates_dropped: u64,
    /// Sequence gaps given up (the events behind released without the
    /// missing one), and of those how many before `xsi.reorder_wait_s`
    /// because no channel could still deliver the missing event.
    pub gaps_given_up: u64,
    pub gaps_given_up_early: u64,
    /// Events that came after their gap was given up: delivered because
    /// they still changed a call, or only counted.
    pub late_events_delivered: u64,
    pub late_events_ignored: u64,
    /// Longest time an event waited behind a sequence gap.
    pub max_hold_ms: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct XspStatus {
    pub name: String,
    /// "up", "connecting" or "down".
    pub state: &'static str,
    pub channel_id: Option<String>,
    pub since: String,
    pub events: u64,
    pub reconnects: u64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CstaStatus {
    pub peer: String,
    /// Its `csta.clients` name; null without `csta.clients`.
    pub client: Option<String>,
    pub monitors: usize,
    pub events_sent: u64,
    pub since: String,
}

/// Writes `doc` to `path` atomically: readers see the old or the new file,
/// never a half-written one.
pub fn write_atomic(path: &Path, doc: &StatusDoc) -> io::Result<()> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let mut text = serde_json::to_vec_pretty(doc).map_err(io::Error::other)?;
    text.push(b'\n');
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&text)?;
    file.sync_data()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// Owns the status-writer thread. Field order: the stop sender goes first
/// so that dropping the handle ends the thread before joining it.
pub struct StatusWriter {
    stop: Sender<()>,
    thread: Handle,
}

pub type Snapshot = Arc<dyn Fn() -> StatusDoc + Send + Sync>;

impl StatusWriter {
    /// Starts the writer; a message on `poked` asks for a write soon (the
    /// dispatcher sends one, with `try_send`, on every link state change).
    pub fn start(
        path: PathBuf,
        interval: Duration,
        snapshot: Snapshot,
        poked: Receiver<()>,
    ) -> io::Result<Self> {
        let (stop, stopped) = bounded(0);
        let thread = thread::spawn("status", move || {
            run(&path, interval, &snapshot, &poked, &stopped)
        })?;
        Ok(StatusWriter { stop, thread })
    }

    /// Writes a last snapshot and stops, by `deadline`.
    pub fn stop(self, deadline: std::time::Instant) -> Late {
        let StatusWriter { stop, thread } = self;
        drop(stop);
        thread.join_deadline(deadline)
    }
}

fn run(
    path: &Path,
    interval: Duration,
    snapshot: &Snapshot,
    poked: &Receiver<()>,
    stopped: &Receiver<()>,
) {
    let ticker = tick(interval);
    let mut last_error: Option<String> = None;
    let mut poked = poked.clone();
    loop {
        write_once(path, snapshot, &mut last_error);
        select! {
            // A gone poker must not turn this into a busy loop.
            recv(poked) -> msg => if msg.is_err() { poked = crossbeam_channel::never() },
            recv(ticker) -> _ => {}
            recv(stopped) -> _ => break,
        }
    }
    // Final write so the file shows the state at shutdown.
    write_once(path, snapshot, &mut last_error);
}

fn write_once(path: &Path, snapshot: &Snapshot, last_error: &mut Option<String>) {
    match write_atomic(path, &snapshot()) {
        Ok(()) => {
            if last_error.take().is_some() {
                log::info!("status file {} written again", path.display());
            }
        }
        Err(e) => {
            let msg = e.to_string();
            // One line per distinct failure, not one every interval.
            if last_error.as_deref() != Some(msg.as_str()) {
                log::error!("cannot write status file {}: {msg}", path.display());
                *last_error = Some(msg);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn sample() -> StatusDoc {
        StatusDoc {
            version: "0.1.0",
            pid: 4242,
            started: "2026-11-25T10:00:00Z".into(),
            status: "normal",
            xsp: vec![XspStatus {
                name: "xsp1".into(),
                state: "up",
                channel_id: Some("c-1".into()),
                since: "2026-11-25T10:00:01Z".into(),
                events: 1234,
                reconnects: 0,
                last_error: None,
            }],
            csta: vec![CstaStatus {
                peer: "10.20.0.5:40211".into(),
                client: Some("tserver-a".into()),
                monitors: 120,
                events_sent: 5678,
                since: "2026-11-25T10:00:02Z".into(),
            }],
            subscriptions: 240,
            unmonitored_devices: 0,
            subscription_jobs_queued: 0,
            subscription_jobs_in_flight: 0,
            events_in: 2468,
            events_out: 5678,
            events_malformed: 0,
            events_unowned: 0,
            duplicates_dropped: 3,
            gaps_given_up: 1,
            gaps_given_up_early: 0,
            late_events_delivered: 1,
            late_events_ignored: 0,
            max_hold_ms: 1502,
        }
    }

    #[test]
    fn document_has_the_spec_fields() {
        let v = serde_json::to_value(sample()).unwrap();
        for key in [
            "version",
            "pid",
            "started",
            "status",
            "xsp",
            "csta",
            "subscriptions",
            "events_in",
            "events_out",
            "duplicates_dropped",
            "gaps_given_up",
            "late_events_delivered",
            "late_events_ignored",
            "max_hold_ms",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        let xsp = &v["xsp"][0];
        for key in [
            "name",
            "state",
            "channel_id",
            "since",
            "events",
            "reconnects",
            "last_error",
        ] {
            assert!(xsp.get(key).is_some(), "missing xsp.{key}");
        }
        assert!(xsp["last_error"].is_null());
        let csta = &v["csta"][0];
        for key in ["peer", "client", "monitors", "events_sent", "since"] {
            assert!(csta.get(key).is_some(), "missing csta.{key}");
        }
        assert_eq!(csta["client"], "tserver-a");
    }

    #[test]
    fn writer_writes_and_rewrites_on_poke() {
        let tmp = crate::testdir::TempDir::new("status");
        let dir = tmp.path();
        let path = dir.join("status.json");
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let c = counter.clone();
        let snapshot: Snapshot = Arc::new(move || {
            let mut doc = sample();
            doc.events_in = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            doc
        });
        let (poke, poked) = bounded(1);
        let writer =
            StatusWriter::start(path.clone(), Duration::from_secs(3600), snapshot, poked).unwrap();
        let read = |p: &Path| -> Option<u64> {
            let text = std::fs::read_to_string(p).ok()?;
            serde_json::from_str::<serde_json::Value>(&text).ok()?["events_in"].as_u64()
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while read(&path).is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(read(&path), Some(0));
        poke.send(()).unwrap();
        while read(&path) != Some(1) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(read(&path), Some(1));
        assert!(writer
            .stop(Instant::now() + Duration::from_secs(5))
            .is_empty());
        assert!(!dir.join("status.json.tmp").exists());
    }
}
