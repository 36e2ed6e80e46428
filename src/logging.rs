//! Logging for operators: one line per event that matters, to `log.file`
//! (and to stderr when it is a terminal), or to stderr alone when no file is
//! configured.
//!
//! Each line: RFC 3339 UTC timestamp, level, thread name, target, message.
//! The file rotates by size (`max_bytes`, keeping `keep` old files named
//! `bwcsta.log.1` … newest first) and is reopened after SIGHUP so an external
//! logrotate that renames the file also works. Rotation and reopening happen
//! only between complete lines: [`RotatingFile`] collects simplelog's pieces
//! of a record until the newline and writes the line with one `write`.

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use log::LevelFilter;
use simplelog::{
    CombinedLogger, ConfigBuilder, SharedLogger, TargetPadding, ThreadLogMode, ThreadPadding,
    WriteLogger,
};

use crate::config::LogConfig;

/// Sets up the global logger. Errors name the log file.
pub fn init(cfg: &LogConfig) -> Result<(), String> {
    let config = ConfigBuilder::new()
        .set_time_format_rfc3339()
        .set_thread_level(LevelFilter::Error)
        .set_thread_mode(ThreadLogMode::Names)
        .set_thread_padding(ThreadPadding::Off)
        .set_target_level(LevelFilter::Error)
        .set_target_padding(TargetPadding::Off)
        .set_location_level(LevelFilter::Off)
        // ureq's debug lines are per request (thousands per second under
        // load) and say nothing an operator needs; our own lines name the XSP.
        .add_filter_ignore_str("ureq")
        .add_filter_ignore_str("ureq_proto")
        .build();
    let mut loggers: Vec<Box<dyn SharedLogger>> = Vec::new();
    match &cfg.file {
        Some(path) => {
            let file = RotatingFile::open(path.clone(), cfg.max_bytes, cfg.keep)
                .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
            loggers.push(WriteLogger::new(cfg.level, config.clone(), file));
            if io::stderr().is_terminal() {
                loggers.push(WriteLogger::new(cfg.level, config, LineWriter::stderr()));
            }
        }
        None => loggers.push(WriteLogger::new(cfg.level, config, LineWriter::stderr())),
    }
    let inner = CombinedLogger::new(loggers);
    log::set_max_level(cfg.level);
    log::set_boxed_logger(Box::new(ShortTarget(inner)))
        .map_err(|e| format!("cannot install logger: {e}"))
}

/// Drops the crate name from targets, so lines read
/// `dispatcher::links: …` rather than `bwcsta::dispatcher::links: …`.
struct ShortTarget(Box<CombinedLogger>);

impl log::Log for ShortTarget {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.0.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        let target = short_target(record.target());
        self.0.log(
            &log::Record::builder()
                .args(*record.args())
                .level(record.level())
                .target(target)
                .module_path(record.module_path())
                .file(record.file())
                .line(record.line())
                .build(),
        );
    }

    fn flush(&self) {
        self.0.flush();
    }
}

fn short_target(target: &str) -> &str {
    match target.strip_prefix("bwcsta::") {
        Some(rest) => rest,
        None if target == "bwcsta" => "main",
        None => target,
    }
}

/// Buffers one line, then writes it to stderr in one call so lines of
/// different threads never interleave.
struct LineWriter {
    line: Vec<u8>,
}

impl LineWriter {
    fn stderr() -> Self {
        LineWriter { line: Vec::new() }
    }
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(buf);
        if self.line.ends_with(b"\n") {
            let line = std::mem::take(&mut self.line);
            io::stderr().lock().write_all(&line)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// A log file that rotates at a size limit and reopens after SIGHUP.
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    max_bytes: u64,
    keep: u32,
    line: Vec<u8>,
    /// Polled before each line; true means "reopen the file first".
    reopen_requested: fn() -> bool,
}

impl RotatingFile {
    pub fn open(path: PathBuf, max_bytes: u64, keep: u32) -> io::Result<Self> {
        Self::with_reopen_source(path, max_bytes, keep, crate::signals::take_hup)
    }

    fn with_reopen_source(
        path: PathBuf,
        max_bytes: u64,
        keep: u32,
        reopen_requested: fn() -> bool,
    ) -> io::Result<Self> {
        let file = open_append(&path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path,
            file,
            size,
            max_bytes,
            keep,
            line: Vec::with_capacity(256),
            reopen_requested,
        })
    }

    fn write_line(&mut self) -> io::Result<()> {
        if (self.reopen_requested)() {
            self.reopen()?;
            let note = format!(
                "{} [INFO] (signal) logging: log file reopened after SIGHUP\n",
                crate::time::rfc3339_now()
            );
            self.append(note.as_bytes())?;
        }
        let line = std::mem::take(&mut self.line);
        let result = self.append(&line);
        self.line = line;
        self.line.clear();
        result?;
        if self.size >= self.max_bytes {
            self.rotate()?;
        }
        Ok(())
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.size += bytes.len() as u64;
        Ok(())
    }

    fn reopen(&mut self) -> io::Result<()> {
        self.file = open_append(&self.path)?;
        self.size = self.file.metadata()?.len();
        Ok(())
    }

    /// bwcsta.log.(keep-1) → .keep, …, bwcsta.log → .1; then a fresh file.
    fn rotate(&mut self) -> io::Result<()> {
        if self.keep == 0 {
            self.file.set_len(0)?;
            self.size = 0;
            return Ok(());
        }
        rotate_numbered(&self.path, self.keep)?;
        self.reopen()
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(buf);
        if self.line.ends_with(b"\n") {
            self.write_line()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Renames `path.(keep-1)` → `path.keep`, …, `path` → `path.1` (the
/// oldest, `path.keep`, is replaced). `keep` must be at least 1.
pub fn rotate_numbered(path: &Path, keep: u32) -> io::Result<()> {
    for n in (1..keep).rev() {
        let from = numbered(path, n);
        if from.exists() {
            std::fs::rename(&from, numbered(path, n + 1))?;
        }
    }
    std::fs::rename(path, numbered(path, 1))
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn numbered(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdir::TempDir;

    #[test]
    fn targets_are_short() {
        let cases = [
            ("bwcsta::xsi::link", "xsi::link"),
            ("bwcsta", "main"),
            ("other::crate", "other::crate"),
        ];
        for (t, want) in cases {
            assert_eq!(short_target(t), want);
        }
    }

    fn never() -> bool {
        false
    }

    fn always() -> bool {
        true
    }

    #[test]
    fn reopens_after_external_rename() {
        let tmp = TempDir::new("log-reopen");
        let dir = tmp.path();
        let path = dir.join("x.log");
        let mut f = RotatingFile::with_reopen_source(path.clone(), 1 << 20, 1, never).unwrap();
        write_lines(&mut f, 1, 10);
        std::fs::rename(&path, dir.join("moved.log")).unwrap();
        f.reopen_requested = always;
        write_lines(&mut f, 1, 10);
        let fresh = std::fs::read_to_string(&path).unwrap();
        assert!(fresh.contains("reopened after SIGHUP"), "{fresh}");
        assert!(fresh.ends_with("000000000\n"));
        assert_eq!(
            std::fs::read_to_string(dir.join("moved.log"))
                .unwrap()
                .len(),
            10
        );
    }

    fn write_lines(f: &mut RotatingFile, n: usize, len: usize) {
        for i in 0..n {
            // Written in two pieces like simplelog does.
            let body = format!("{i:0width$}", width = len - 1);
            f.write_all(body.as_bytes()).unwrap();
            f.write_all(b"\n").unwrap();
        }
    }

    #[test]
    fn rotates_at_limit_and_keeps_n_files() {
        let tmp = TempDir::new("log-rotate");
        let dir = tmp.path();
        let path = dir.join("bwcsta.log");
        let mut f = RotatingFile::with_reopen_source(path.clone(), 100, 2, never).unwrap();
        write_lines(&mut f, 25, 10); // 250 bytes → rotations at 100 and 200
        assert!(numbered(&path, 1).exists());
        assert!(numbered(&path, 2).exists());
        assert!(!numbered(&path, 3).exists(), "only `keep` old files");
        for p in [numbered(&path, 1), numbered(&path, 2)] {
            let text = std::fs::read_to_string(&p).unwrap();
            assert_eq!(text.len(), 100);
            assert!(text.lines().all(|l| l.len() == 9), "no split lines");
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap().len(), 50);
    }

    #[test]
    fn keep_zero_truncates() {
        let tmp = TempDir::new("log-keep0");
        let dir = tmp.path();
        let path = dir.join("x.log");
        let mut f = RotatingFile::with_reopen_source(path.clone(), 30, 0, never).unwrap();
        write_lines(&mut f, 4, 10);
        assert!(!numbered(&path, 1).exists());
        assert_eq!(std::fs::read_to_string(&path).unwrap().len(), 10);
    }

    #[test]
    fn appends_to_existing_file_and_counts_its_size() {
        let tmp = TempDir::new("log-append");
        let dir = tmp.path();
        let path = dir.join("x.log");
        std::fs::write(&path, vec![b'a'; 95]).unwrap();
        let mut f = RotatingFile::with_reopen_source(path.clone(), 100, 1, never).unwrap();
        write_lines(&mut f, 1, 10);
        assert_eq!(std::fs::read(numbered(&path, 1)).unwrap().len(), 105);
    }
}
