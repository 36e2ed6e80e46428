//! The capture file format (sans-IO): records in, bytes out, and back.
//!
//! A capture file is text an engineer can read with `less`: a comment line
//! naming the format, then records, each a header line and the raw payload:
//!
//! ```text
//! # bwcsta capture 1
//! 2026-11-29T21:30:00.123456Z meta bwcsta - 97
//! {"bwcsta":"0.1.0","pid":4242,"edition":"ed3","default_domain":"example.net","links":["xsp1"]}
//! 2026-11-29T21:30:00.950000Z link xsp1 - 39
//! up 64eddc79-b707-4827-aacd-487fb5cb8427
//! 2026-11-29T21:30:01.000012Z xsi xsp1 - 1214
//! <?xml version="1.0" encoding="UTF-8"?><xsi:Event …>…</xsi:Event>
//! 2026-11-29T21:30:01.000480Z csta-out client#1@10.20.0.5:40211 9999 512
//! <?xml version="1.0" encoding="UTF-8"?><DeliveredEvent …>…</DeliveredEvent>
//! ```
//!
//! Header: UTC time with microseconds, [`Kind`], source (the XSP link name,
//! or `client#N@peer` for a CSTA client), tag (the CSTA invoke id, `-`
//! otherwise) and the payload length in bytes. The payload follows as it
//! was received or sent (the length, not a delimiter, ends it, so a
//! payload may hold anything) and one `\n` closes the record.

use std::fmt;
use std::time::SystemTime;

use crate::time::{parse_rfc3339, rfc3339_micros};

/// First line of every capture file.
pub const MAGIC: &str = "# bwcsta capture 1";

/// Largest payload a reader accepts (a CSTA frame is at most 64 KiB, an
/// Xsi document at most 1 MiB).
pub const MAX_PAYLOAD: usize = 4 * 1024 * 1024;

/// What a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The daemon's settings that matter to a replay (JSON).
    Meta,
    /// One Xsi document received on an XSP's event channel.
    Xsi,
    /// An XSP channel came up, went down, or had acknowledgements refused
    /// (payload: `up <channelId>`, `down <reason>`, `ack-failed <count>`).
    Link,
    /// One CSTA frame's XML received from a client (tag: invoke id).
    CstaIn,
    /// One CSTA frame's XML sent to a client (tag: invoke id).
    CstaOut,
    /// A CSTA client connection ended (payload: the reason).
    CstaClose,
    /// Records lost because the capture queue was full (payload: count).
    Dropped,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Meta => "meta",
            Kind::Xsi => "xsi",
            Kind::Link => "link",
            Kind::CstaIn => "csta-in",
            Kind::CstaOut => "csta-out",
            Kind::CstaClose => "csta-close",
            Kind::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "meta" => Kind::Meta,
            "xsi" => Kind::Xsi,
            "link" => Kind::Link,
            "csta-in" => Kind::CstaIn,
            "csta-out" => Kind::CstaOut,
            "csta-close" => Kind::CstaClose,
            "dropped" => Kind::Dropped,
            _ => return None,
        })
    }
}

/// What happened to an XSP channel, as the dispatcher tells the sequencer
/// (`translate::watch::ChannelNews`) and as a [`Kind::Link`] record says it:
/// the first word of its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkChange {
    /// `up <channelId>`: the channel is open (its `Channel` document
    /// arrived).
    Up,
    /// `down <reason>`: the channel is gone; events in flight on it will be
    /// re-sent elsewhere.
    Down,
    /// `ack-failed <count>`: acknowledgements were refused or could not be
    /// sent: BroadWorks will re-send those events, and may end the channel.
    AckFailed,
}

impl LinkChange {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkChange::Up => "up",
            LinkChange::Down => "down",
            LinkChange::AckFailed => "ack-failed",
        }
    }

    pub fn parse(word: &str) -> Option<LinkChange> {
        Some(match word {
            "up" => LinkChange::Up,
            "down" => LinkChange::Down,
            "ack-failed" => LinkChange::AckFailed,
            _ => return None,
        })
    }
}

/// One captured message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub time: SystemTime,
    pub kind: Kind,
    /// Link name or `client#N@peer`; never empty, no whitespace.
    pub source: String,
    /// CSTA invoke id, or `-`.
    pub tag: String,
    pub payload: Vec<u8>,
}

/// Replaces whitespace (and an empty name) so a name stays one header field.
pub fn field(name: &str) -> String {
    if name.is_empty() {
        return "-".into();
    }
    name.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

/// Appends `record` to `out`.
pub fn encode(record: &Record, out: &mut Vec<u8>) {
    encode_parts(
        record.time,
        record.kind,
        &record.source,
        &record.tag,
        &record.payload,
        out,
    );
}

/// Appends a record given by its parts to `out`.
pub fn encode_parts(
    time: SystemTime,
    kind: Kind,
    source: &str,
    tag: &str,
    payload: &[u8],
    out: &mut Vec<u8>,
) {
    let header = format!(
        "{} {} {} {} {}\n",
        rfc3339_micros(time),
        kind.as_str(),
        field(source),
        field(tag),
        payload.len()
    );
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(payload);
    out.push(b'\n');
}

/// Why a capture could not be read past some point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// Byte offset of the record that could not be read.
    pub offset: usize,
    pub what: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.what)
    }
}

impl std::error::Error for FormatError {}

/// Reads every record of `bytes`. A file cut short (the daemon was killed
/// mid-write, a partial copy) yields the records before the damage and the
/// error that stopped the reading.
pub fn decode(bytes: &[u8]) -> (Vec<Record>, Option<FormatError>) {
    let mut records = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(nl) = bytes[pos..].iter().position(|&b| b == b'\n') else {
            return (records, Some(err(pos, "header line without its end")));
        };
        let line = &bytes[pos..pos + nl];
        if line.first() == Some(&b'#') || line.is_empty() {
            pos += nl + 1;
            continue;
        }
        let header = match parse_header(line) {
            Ok(h) => h,
            Err(what) => return (records, Some(err(pos, &what))),
        };
        let start = pos + nl + 1;
        let end = start + header.len;
        if end >= bytes.len() || bytes[end] != b'\n' {
            let what = format!(
                "{} record of {} bytes is cut short",
                header.kind.as_str(),
                header.len
            );
            return (records, Some(err(pos, &what)));
        }
        records.push(Record {
            time: header.time,
            kind: header.kind,
            source: header.source,
            tag: header.tag,
            payload: bytes[start..end].to_vec(),
        });
        pos = end + 1;
    }
    (records, None)
}

fn err(offset: usize, what: &str) -> FormatError {
    FormatError {
        offset,
        what: what.to_owned(),
    }
}

struct Header {
    time: SystemTime,
    kind: Kind,
    source: String,
    tag: String,
    len: usize,
}

fn parse_header(line: &[u8]) -> Result<Header, String> {
    let text = std::str::from_utf8(line).map_err(|_| "header is not UTF-8".to_owned())?;
    let fields: Vec<&str> = text.split(' ').collect();
    let [time, kind, source, tag, len] = fields.as_slice() else {
        return Err(format!("header has {} fields, not 5", fields.len()));
    };
    let time = parse_rfc3339(time).ok_or_else(|| format!("bad time {time:?}"))?;
    let kind = Kind::parse(kind).ok_or_else(|| format!("unknown record kind {kind:?}"))?;
    if source.is_empty() || tag.is_empty() {
        return Err("empty source or tag".into());
    }
    let len: usize = len
        .parse()
        .ok()
        .filter(|&n| n <= MAX_PAYLOAD)
        .ok_or_else(|| format!("bad payload length {len:?}"))?;
    Ok(Header {
        time,
        kind,
        source: (*source).to_owned(),
        tag: (*tag).to_owned(),
        len,
    })
}

/// What a masked secret reads as.
const MASK: &[u8] = b"********";

/// Elements whose text is a secret wherever they appear (with any prefix):
/// the password of an agent login (CSTA SetAgentState, `agentPassword`).
const SECRET_ELEMENTS: &[&[u8]] = &[b"agentPassword"];

/// `payload` with every occurrence of a secret replaced by `********`, the
/// text of every [`SECRET_ELEMENTS`] element too, and the value of any
/// `Authorization` header line cut off. Borrowed when nothing had to
/// change (the common case).
pub fn redact<'a>(payload: &'a [u8], secrets: &[Vec<u8>]) -> std::borrow::Cow<'a, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    for name in SECRET_ELEMENTS {
        if let Some(masked) = mask_element_text(out.as_deref().unwrap_or(payload), name) {
            out = Some(masked);
        }
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let current = out.as_deref().unwrap_or(payload);
        if find(current, secret, 0).is_none() {
            continue;
        }
        let mut replaced = Vec::with_capacity(current.len());
        let mut at = 0;
        while let Some(i) = find(current, secret, at) {
            replaced.extend_from_slice(&current[at..i]);
            replaced.extend_from_slice(MASK);
            at = i + secret.len();
        }
        replaced.extend_from_slice(&current[at..]);
        out = Some(replaced);
    }
    let current = out.as_deref().unwrap_or(payload);
    if let Some(i) = find_ignore_case(current, b"authorization:") {
        let value = i + b"authorization:".len();
        let end = current[value..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r' || b == b'<')
            .map_or(current.len(), |n| value + n);
        let mut cut = current[..value].to_vec();
        cut.extend_from_slice(b" ");
        cut.extend_from_slice(MASK);
        cut.extend_from_slice(&redact(&current[end..], &[]));
        out = Some(cut);
    }
    match out {
        Some(v) => std::borrow::Cow::Owned(v),
        None => std::borrow::Cow::Borrowed(payload),
    }
}

/// `payload` with the text of every `name` element (`<name …>text</name>`,
/// either tag with or without a namespace prefix) replaced by the mask, up
/// to the end tag or, without one, the end; None when there is no such
/// element with text.
fn mask_element_text(payload: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    // payload[..copied] is in `out`.
    let mut copied = 0;
    let mut at = 0;
    while let Some(i) = find(payload, name, at) {
        at = i + name.len();
        if tag_before(payload, i) != Some(false) || !ends_name(payload, at) {
            continue;
        }
        let Some(gt) = payload[at..].iter().position(|&b| b == b'>') else {
            break;
        };
        let text = at + gt + 1;
        if payload[text - 2] == b'/' {
            at = text; // empty element
            continue;
        }
        let end = end_tag(payload, name, text).unwrap_or(payload.len());
        if end > text {
            let o = out.get_or_insert_with(Vec::new);
            o.extend_from_slice(&payload[copied..text]);
            o.extend_from_slice(MASK);
            copied = end;
        }
        at = end;
    }
    out.map(|mut o| {
        o.extend_from_slice(&payload[copied..]);
        o
    })
}

/// Whether the name at `i` is a tag's (after `<` or `</`, maybe with a
/// prefix): Some(true) for an end tag, Some(false) for a start tag.
fn tag_before(payload: &[u8], i: usize) -> Option<bool> {
    let mut k = i;
    if k > 0 && payload[k - 1] == b':' {
        let colon = k - 1;
        k = colon;
        while k > 0 && (payload[k - 1].is_ascii_alphanumeric() || b"_-.".contains(&payload[k - 1]))
        {
            k -= 1;
        }
        if k == colon {
            return None;
        }
    }
    match k.checked_sub(1).map(|j| payload[j]) {
        Some(b'<') => Some(false),
        Some(b'/') if k >= 2 && payload[k - 2] == b'<' => Some(true),
        _ => None,
    }
}

/// Whether the name that ends at `end` ends there (not `agentPasswordX`).
fn ends_name(payload: &[u8], end: usize) -> bool {
    payload
        .get(end)
        .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
}

/// Where the first end tag of `name` at or after `from` starts (its `<`).
fn end_tag(payload: &[u8], name: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = find(payload, name, at) {
        at = i + name.len();
        if tag_before(payload, i) == Some(true) && ends_name(payload, at) {
            return payload[from..i]
                .iter()
                .rposition(|&b| b == b'<')
                .map(|n| from + n);
        }
    }
    None
}

/// First index at or after `from` where `needle` starts: a scan for its
/// first byte, then a comparison (payloads are a few KiB).
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    find_by(haystack, needle, from, |a, b| a == b)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    find_by(haystack, needle, 0, |a, b| a.eq_ignore_ascii_case(b))
}

fn find_by(
    haystack: &[u8],
    needle: &[u8],
    from: usize,
    same: impl Fn(&[u8], &[u8]) -> bool,
) -> Option<usize> {
    let first = *needle.first()?;
    let last_start = haystack.len().checked_sub(needle.len())?;
    let mut i = from;
    while i <= last_start {
        let off = haystack[i..=last_start]
            .iter()
            .position(|&b| same(&[b], &[first]))?;
        let j = i + off;
        if same(&haystack[j..j + needle.len()], needle) {
            return Some(j);
        }
        i = j + 1;
    }
    None
}

#[cfg(test)]
mod tests;
