//! The `log` section: where and how much the daemon logs, and its reader.

use std::path::{Path, PathBuf};

use log::LevelFilter;

use super::problems::Problems;
use super::section::Section;
use super::values::{file_path, integer, keep_count, log_level};

/// `log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogConfig {
    /// `file` [none = stderr only].
    pub file: Option<PathBuf>,
    /// `level` [info].
    pub level: LevelFilter,
    /// `max_bytes` [10485760], at least 1.
    pub max_bytes: u64,
    /// `keep` [5], may be 0.
    pub keep: u32,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            file: None,
            level: LevelFilter::Info,
            max_bytes: 10 * 1024 * 1024,
            keep: 5,
        }
    }
}

pub(super) fn read_log(
    mut section: Section<'_>,
    base_dir: &Path,
    problems: &mut Problems,
) -> LogConfig {
    let default = LogConfig::default();
    let config = LogConfig {
        file: section.field("file", problems, |v| file_path(v, base_dir)),
        level: section.field_or("level", problems, default.level, log_level),
        max_bytes: section.field_or("max_bytes", problems, default.max_bytes, |v| {
            integer(v, 1, u64::MAX)
        }),
        keep: section.field_or("keep", problems, default.keep, keep_count),
    };
    section.finish(problems);
    config
}
