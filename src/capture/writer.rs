//! The capture thread and its file: records from the queue are masked,
//! encoded and appended to `bwcsta.cap`, which is rotated (`bwcsta.cap.1` …
//! newest first, `keep` of them) before it would pass `max_bytes`. Every
//! file starts with the format line and a `meta` record, so each one can be
//! replayed on its own.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::format::{encode, encode_parts, redact, Kind, Record, MAGIC};
use super::{Meta, Msg};
use crate::logging::rotate_numbered;
use crate::ratelimit::Every;

/// Name of the current capture file in its directory.
pub const FILE_NAME: &str = "bwcsta.cap";

/// Modes of what the capture creates: it holds every CSTA frame and Xsi
/// event (numbers, names), so neither is readable by others.
const DIR_MODE: u32 = 0o750;
const FILE_MODE: u32 = 0o640;

/// Written data reaches the file at least this often.
const FLUSH_EVERY: Duration = Duration::from_millis(500);

pub struct CaptureFile {
    path: PathBuf,
    out: BufWriter<File>,
    size: u64,
    max_bytes: u64,
    keep: u32,
    /// The file preamble (format line and meta record).
    preamble: Vec<u8>,
    secrets: Vec<Vec<u8>>,
    buf: Vec<u8>,
}

impl CaptureFile {
    /// Opens (appending) `dir/bwcsta.cap`, creating `dir` when missing
    /// (0750; the file 0640); a new run starts with its own meta record,
    /// also in an existing file.
    pub fn open(
        dir: &Path,
        max_bytes: u64,
        keep: u32,
        meta: &Meta,
        secrets: Vec<Vec<u8>>,
    ) -> io::Result<CaptureFile> {
        DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)?;
        let path = dir.join(FILE_NAME);
        let meta_json = serde_json::to_vec(meta).map_err(io::Error::other)?;
        let mut preamble = format!("{MAGIC}\n").into_bytes();
        encode(
            &Record {
                time: SystemTime::now(),
                kind: Kind::Meta,
                source: "bwcsta".into(),
                tag: "-".into(),
                payload: meta_json,
            },
            &mut preamble,
        );
        let (out, size) = open_append(&path)?;
        let mut file = CaptureFile {
            path,
            out,
            size,
            max_bytes,
            keep,
            preamble,
            secrets,
            buf: Vec::with_capacity(64 * 1024),
        };
        let preamble = file.preamble.clone();
        file.append(&preamble)?;
        Ok(file)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Masks, encodes and appends one record, rotating first when it
    /// would not fit.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        let payload = redact(&record.payload, &self.secrets);
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        encode_parts(
            record.time,
            record.kind,
            &record.source,
            &record.tag,
            &payload,
            &mut buf,
        );
        let fresh = self.size <= self.preamble.len() as u64;
        if !fresh && self.size + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let result = self.append(&buf);
        self.buf = buf;
        result
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.size += bytes.len() as u64;
        Ok(())
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.out.flush()?;
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            rotate_numbered(&self.path, self.keep)?;
        }
        let (out, size) = open_append(&self.path)?;
        self.out = out;
        self.size = size;
        let preamble = self.preamble.clone();
        self.append(&preamble)
    }
}

fn open_append(path: &Path) -> io::Result<(BufWriter<File>, u64)> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(FILE_MODE)
        .open(path)?;
    let size = file.metadata()?.len();
    Ok((BufWriter::with_capacity(64 * 1024, file), size))
}

/// The capture thread: writes until told to stop or until the file fails
/// (a full disk ends the capture, never the service). `dropped` reports
/// the records the hooks could not queue.
pub(super) fn run(mut file: CaptureFile, queue: &Receiver<Msg>, dropped: fn() -> u64) {
    let mut drop_lines = Every::new(Duration::from_secs(60));
    let mut total_dropped = 0u64;
    let mut last_flush = Instant::now();
    let result = (|| -> io::Result<()> {
        loop {
            let msg = match queue.recv_timeout(FLUSH_EVERY) {
                Ok(msg) => Some(msg),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            };
            let lost = dropped();
            if lost > 0 {
                total_dropped += lost;
                file.write(&dropped_record(lost))?;
                if drop_lines.ready(Instant::now()).is_some() {
                    log::warn!(
                        "queue full, {total_dropped} records dropped so far \
                         (the disk is slower than the traffic)"
                    );
                }
            }
            match msg {
                Some(Msg::Record(r)) => file.write(&r)?,
                Some(Msg::Stop) => {
                    for msg in queue.try_iter() {
                        if let Msg::Record(r) = msg {
                            file.write(&r)?;
                        }
                    }
                    return Ok(());
                }
                None => {}
            }
            if queue.is_empty() || last_flush.elapsed() >= FLUSH_EVERY {
                file.flush()?;
                last_flush = Instant::now();
            }
        }
    })();
    if let Err(e) = result.and_then(|()| file.flush()) {
        super::ON.store(false, std::sync::atomic::Ordering::Release);
        log::error!(
            "writing {} failed ({e}); capture stopped",
            file.path().display()
        );
        return;
    }
    if total_dropped > 0 {
        log::warn!("{total_dropped} records were dropped (queue full)");
    }
    log::info!("{} closed", file.path().display());
}

fn dropped_record(count: u64) -> Record {
    Record {
        time: SystemTime::now(),
        kind: Kind::Dropped,
        source: "bwcsta".into(),
        tag: "-".into(),
        payload: count.to_string().into_bytes(),
    }
}

#[cfg(test)]
pub(super) mod tests;
