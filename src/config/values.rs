//! Values: each parser returns the typed value or a message without the path.
//! Also the helpers that render values in messages ([`quote`], [`describe`]).

use std::fs;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use log::LevelFilter;
use serde_json::Value;

use super::ipnet::IpNet;
use super::{Secret, EDITIONS};
use crate::csta::edition::Edition;

/// Longest duration accepted (ten years), so that `Instant::now() + d` can
/// never overflow anywhere in the program.
const MAX_SECONDS: f64 = 315_576_000.0;
/// A password file larger than this is surely the wrong file.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;
/// User values quoted in messages are cut to this many characters.
pub(super) const QUOTE_MAX_CHARS: usize = 60;

/// `expected WHAT, found VALUE`.
pub(super) fn expected(what: &str, found: &Value) -> String {
    format!("expected {what}, found {}", describe(found))
}

/// A short rendering of a JSON value for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => quote(text),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        other => other.to_string(),
    }
}

/// The JSON type of a value, for values that must not be shown.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `text` as a JSON string literal, cut after [`QUOTE_MAX_CHARS`] characters.
pub(super) fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(QUOTE_MAX_CHARS).collect();
    let quoted = Value::String(head).to_string();
    if chars.next().is_some() {
        format!("{quoted}...")
    } else {
        quoted
    }
}

pub(super) fn show_path(path: &Path) -> String {
    format!("\"{}\"", path.display())
}

pub(super) fn string(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| expected("a string", value))
}

pub(super) fn array(value: &Value) -> Result<&[Value], String> {
    value
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| expected("an array", value))
}

pub(super) fn non_empty_string(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.trim().is_empty() {
        return Err("must not be empty".to_string());
    }
    Ok(text.to_string())
}

pub(super) fn boolean(value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| expected("true or false", value))
}

/// A JSON integer in `min..=max` (`16.0` is not an integer).
pub(super) fn integer(value: &Value, min: u64, max: u64) -> Result<u64, String> {
    let what = if min == 0 {
        "a non-negative integer"
    } else {
        "a positive integer"
    };
    match value.as_u64() {
        Some(n) if n > max => Err(format!("expected {what} no larger than {max}, found {n}")),
        Some(n) if n >= min => Ok(n),
        _ => Err(expected(what, value)),
    }
}

pub(super) fn positive_usize(value: &Value) -> Result<usize, String> {
    let max = u64::try_from(usize::MAX).unwrap_or(u64::MAX);
    let n = integer(value, 1, max)?;
    usize::try_from(n).map_err(|_| expected("a smaller integer", value))
}

pub(super) fn keep_count(value: &Value) -> Result<u32, String> {
    let n = integer(value, 0, u64::from(u32::MAX))?;
    u32::try_from(n).map_err(|_| expected("a smaller integer", value))
}

/// A positive, finite number of seconds; fractions allowed.
pub(super) fn seconds(value: &Value) -> Result<Duration, String> {
    let not_positive = || expected("a positive number of seconds", value);
    let secs = value.as_f64().ok_or_else(not_positive)?;
    if !secs.is_finite() || secs <= 0.0 {
        return Err(not_positive());
    }
    if secs > MAX_SECONDS {
        return Err(format!(
            "expected at most {MAX_SECONDS} seconds (ten years), found {value}"
        ));
    }
    match Duration::try_from_secs_f64(secs) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        _ => Err(format!("{} (less than a nanosecond)", not_positive())),
    }
}

/// A duration where `0` means "off" ([`Duration::ZERO`]).
pub(super) fn seconds_or_off(value: &Value) -> Result<Duration, String> {
    if value.as_f64() == Some(0.0) {
        return Ok(Duration::ZERO);
    }
    seconds(value).map_err(|_| expected("a positive number of seconds, or 0 for off", value))
}

pub(super) fn edition(value: &Value) -> Result<Edition, String> {
    let text = string(value)?;
    // Exactly as listed: `Edition::from_name` would also take "ED3".
    if let Some(edition) = Edition::ALL.into_iter().find(|e| e.name() == text) {
        return Ok(edition);
    }
    Err(format!(
        "expected one of {}, found {}",
        EDITIONS.join(", "),
        quote(text)
    ))
}

pub(super) fn log_level(value: &Value) -> Result<LevelFilter, String> {
    let text = string(value)?;
    text.parse().map_err(|_| {
        format!(
            "expected one of off, error, warn, info, debug, trace, found {}",
            quote(text)
        )
    })
}

pub(super) fn socket_addr(value: &Value) -> Result<SocketAddr, String> {
    let text = string(value)?;
    text.parse().map_err(|_| {
        format!(
            "not a socket address (IPv4:port or [IPv6]:port): {}",
            quote(text)
        )
    })
}

pub(super) fn ip_net(value: &Value) -> Result<IpNet, String> {
    let text = string(value)?;
    IpNet::parse(text).ok_or_else(|| format!("not an IP address or CIDR block: {}", quote(text)))
}

/// `xsi.default_domain`: appended to CSTA devices as `2001@<domain>`.
pub(super) fn domain(value: &Value) -> Result<String, String> {
    let text = non_empty_string(value)?;
    if text.contains('@') || text.chars().any(char::is_whitespace) {
        return Err(format!(
            "expected a domain name without '@' or spaces, found {}",
            quote(&text)
        ));
    }
    Ok(text)
}

/// `xsi.password`: described by its type only when wrong, never by value.
pub(super) fn secret(value: &Value) -> Result<Secret, String> {
    match value {
        Value::String(text) if text.is_empty() => Err("must not be empty".to_string()),
        Value::String(text) => Ok(Secret(text.clone())),
        other => Err(format!("expected a string, found {}", kind(other))),
    }
}

/// A file name, resolved against `base_dir` when relative.
pub(super) fn file_path(value: &Value, base_dir: &Path) -> Result<PathBuf, String> {
    let text = string(value)?;
    if text.is_empty() {
        return Err("expected a file name, found \"\"".to_string());
    }
    if text.contains('\0') {
        return Err("a file name must not contain a NUL character".to_string());
    }
    Ok(base_dir.join(text))
}

pub(super) fn readable_file(path: PathBuf) -> Result<PathBuf, String> {
    let cannot_read = |err: std::io::Error| format!("cannot read {}: {err}", show_path(&path));
    let metadata = fs::File::open(&path)
        .and_then(|file| file.metadata())
        .map_err(cannot_read)?;
    if !metadata.is_file() {
        return Err(format!("{} is not a regular file", show_path(&path)));
    }
    Ok(path)
}

/// The bytes of the file at `path`, refused when over `max` bytes (`shown`
/// in the message). Messages name the file, never its content.
pub(super) fn read_capped(path: &Path, max: u64, shown: &str) -> Result<Vec<u8>, String> {
    let cannot_read = |err: std::io::Error| format!("cannot read {}: {err}", show_path(path));
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(max + 1).read_to_end(&mut bytes))
        .map_err(cannot_read)?;
    if bytes.len() as u64 > max {
        return Err(format!("{} is larger than {shown}", show_path(path)));
    }
    Ok(bytes)
}

/// The password file's content without trailing line breaks. Messages name
/// the file, never its content.
pub(super) fn read_secret_file(path: &Path) -> Result<Secret, String> {
    let bytes = read_capped(path, MAX_SECRET_FILE_BYTES, "64 KiB")?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", show_path(path)))?;
    let password = text.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(format!("{} is empty", show_path(path)));
    }
    Ok(Secret(password.to_string()))
}
