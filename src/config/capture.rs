//! The `capture` section: recording the traffic for a support case (see
//! `crate::capture`), and its reader. Absent = no capture.

use std::path::{Path, PathBuf};

use super::problems::Problems;
use super::section::Section;
use super::values::{file_path, integer, keep_count};

/// `capture`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureConfig {
    /// `dir` (required): where `bwcsta.cap` and its rotations go; created
    /// at start when missing.
    pub dir: PathBuf,
    /// `max_bytes` [10485760], at least 65536: a file is rotated before it
    /// would grow past this.
    pub max_bytes: u64,
    /// `keep` [5], may be 0: rotated files kept (`bwcsta.cap.1` …).
    pub keep: u32,
}

pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
pub const DEFAULT_KEEP: u32 = 5;

pub(super) fn read_capture(
    mut section: Section<'_>,
    base_dir: &Path,
    problems: &mut Problems,
) -> Option<CaptureConfig> {
    let dir = section.required("dir", problems, |v| file_path(v, base_dir));
    let max_bytes = section.field_or("max_bytes", problems, DEFAULT_MAX_BYTES, |v| {
        integer(v, 65_536, u64::MAX)
    });
    let keep = section.field_or("keep", problems, DEFAULT_KEEP, keep_count);
    section.finish(problems);
    Some(CaptureConfig {
        dir: dir?,
        max_bytes,
        keep,
    })
}
