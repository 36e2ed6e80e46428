//! The configuration file (README, "Configuration reference"): loading and
//! validation.
//!
//! The file is parsed into a [`serde_json::Value`] and walked by a small reader
//! ([`Section`]) that collects every problem instead of stopping at the first
//! one, so `bwcsta --check` can list them all, each with its JSON path
//! (`xsi.servers[1].url: not an http(s) URL: "ftp://xsp"`). serde's
//! `deny_unknown_fields` would stop at the first unknown key.
//!
//! What is checked: unknown keys at every level, missing required keys, JSON
//! types, and values (addresses, URLs, durations, ranges, readable files).
//! Relative file names are resolved against the configuration file's directory.
//!
//! The Xsi password is kept in a [`Secret`] whose `Debug` and `Display` print
//! `***`. No problem message ever quotes it: a password of the wrong type is
//! described by its JSON type only, and a password file by its name only.
//!
//! The code is split by concern: `problems` (what is reported), `section`
//! (walking one JSON object), the section readers `csta`, `xsi`, `devices`
//! and `logging` (the `log` section), the value parsers in `values` and
//! `url`, `ipnet` for `csta.allow`, and `clients` for `csta.clients`.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

mod capture;
mod clients;
mod csta;
mod devices;
mod ipnet;
mod logging;
mod problems;
mod section;
mod url;
mod values;
mod xsi;

pub use capture::CaptureConfig;
pub use clients::ClientEntry;
pub use csta::CstaConfig;
pub use devices::{DevicePattern, DevicesConfig, MAX_TREATMENT_AUDIO_URLS};
pub use ipnet::IpNet;
pub use logging::LogConfig;
pub use problems::{ConfigError, Problem};
pub use xsi::{XsiConfig, XspServer, DEFAULT_REORDER_WAIT};

use capture::read_capture;
use csta::read_csta;
use devices::read_devices;
use logging::read_log;
use problems::Problems;
use section::Section;
use values::{file_path, seconds, show_path};
use xsi::read_xsi;

/// The CSTA editions `csta.edition` may name.
pub const EDITIONS: [&str; 5] = ["ed2", "ed3", "ed4", "ed5", "ed6"];

const DEFAULT_STATUS_INTERVAL: Duration = Duration::from_secs(5);

/// The whole validated configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub csta: CstaConfig,
    pub xsi: XsiConfig,
    /// `devices` [none]: call centres, route points and agents.
    pub devices: DevicesConfig,
    pub log: LogConfig,
    /// `status_file` [none].
    pub status_file: Option<PathBuf>,
    /// `status_interval_s` [5].
    pub status_interval: Duration,
    /// `pid_file` [none].
    pub pid_file: Option<PathBuf>,
    /// `capture` [none]: record the traffic for a support case.
    pub capture: Option<CaptureConfig>,
}

/// A string that must never be shown: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (the HTTP client).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Config {
    /// Reads and validates the file at `path`. Relative file names inside it
    /// are resolved against the file's own directory.
    ///
    /// # Errors
    ///
    /// The file cannot be read (the message names it), or any problem
    /// [`Config::from_json_str`] finds.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = fs::read_to_string(path).map_err(|err| {
            ConfigError::whole_file(format!(
                "cannot read config file {}: {err}",
                show_path(path)
            ))
        })?;
        Config::from_json_str(&text, &directory_of(path))
    }

    /// Validates a configuration given as JSON text. Relative file names are
    /// resolved against `base_dir`.
    ///
    /// # Errors
    ///
    /// Invalid JSON (one problem with line and column), or every problem found
    /// in the document, each with its JSON path.
    pub fn from_json_str(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        // Some editors start a UTF-8 file with a byte order mark; JSON does not allow one.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let document: Value = serde_json::from_str(text)
            .map_err(|err| ConfigError::whole_file(json_syntax_message(&err)))?;
        let mut problems = Problems::default();
        let config = read_config(&document, base_dir, &mut problems);
        match config {
            Some(config) if problems.0.is_empty() => Ok(config),
            _ => Err(problems.into_error()),
        }
    }
}

/// The absolute directory holding `path`, so relative names inside the file
/// stay valid after the daemon changes directory.
fn directory_of(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `serde_json` appends " at line L column C" to its messages; put the
/// location first and keep the description.
fn json_syntax_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let description = full.strip_suffix(&suffix).unwrap_or(&full);
    format!(
        "invalid JSON at line {}, column {}: {description}",
        err.line(),
        err.column()
    )
}

fn read_config(document: &Value, base_dir: &Path, problems: &mut Problems) -> Option<Config> {
    let mut top = Section::object(String::new(), document, problems)?;
    let csta = read_csta(top.section("csta", problems), base_dir, problems);
    let xsi = top
        .required_section("xsi", problems)
        .and_then(|section| read_xsi(section, base_dir, problems));
    let devices = read_devices(top.section("devices", problems), problems);
    let log = read_log(top.section("log", problems), base_dir, problems);
    let status_file = top.field("status_file", problems, |v| file_path(v, base_dir));
    let status_interval = top.field_or(
        "status_interval_s",
        problems,
        DEFAULT_STATUS_INTERVAL,
        seconds,
    );
    let pid_file = top.field("pid_file", problems, |v| file_path(v, base_dir));
    let capture = top
        .contains("capture")
        .then(|| read_capture(top.section("capture", problems), base_dir, problems))
        .flatten();
    top.finish(problems);
    Some(Config {
        csta,
        xsi: xsi?,
        devices,
        log,
        status_file,
        status_interval,
        pid_file,
        capture,
    })
}

#[cfg(test)]
mod tests;
