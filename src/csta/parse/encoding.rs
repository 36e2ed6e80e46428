//! Character encoding: UTF-8 (with or without a byte-order mark), or
//! ISO-8859-1 when the XML declaration says so.

use std::borrow::Cow;

use super::{ParseError, Parsed};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How far into the document the XML declaration may end.
const DECLARATION_LIMIT: usize = 512;

/// Encoding labels that mean ISO-8859-1 (the IANA name and its aliases).
const LATIN1_LABELS: [&str; 8] = [
    "ISO-8859-1",
    "ISO8859-1",
    "ISO_8859-1",
    "latin1",
    "latin-1",
    "l1",
    "ISO-IR-100",
    "CP819",
];

/// The document as text: UTF-8 (after an optional byte-order mark), or
/// ISO-8859-1 bytes mapped one to one onto U+0000..U+00FF when the
/// declaration names that encoding.
pub(super) fn decode(xml: &[u8]) -> Parsed<Cow<'_, str>> {
    let xml = xml.strip_prefix(UTF8_BOM).unwrap_or(xml);
    let label = declared_encoding(xml);
    let latin1 = label.is_some_and(|label| {
        LATIN1_LABELS
            .iter()
            .any(|l| l.as_bytes().eq_ignore_ascii_case(label))
    });
    if latin1 && !xml.is_ascii() {
        return Ok(Cow::Owned(xml.iter().map(|&b| char::from(b)).collect()));
    }
    // ASCII is the same in both encodings, so it needs no copy.
    std::str::from_utf8(xml)
        .map(Cow::Borrowed)
        .map_err(|e| ParseError::Encoding(encoding_detail(label, e.valid_up_to())))
}

/// Why `decode` gave up: the first byte that is not UTF-8, and the
/// declared encoding when that is neither UTF-8 nor ISO-8859-1.
fn encoding_detail(label: Option<&[u8]>, valid_up_to: usize) -> String {
    let position = format!("invalid UTF-8 at byte {valid_up_to}");
    match label {
        Some(label) if !label.eq_ignore_ascii_case(b"UTF-8") => format!(
            "{position}; declared encoding \"{}\" is not supported (only UTF-8 and ISO-8859-1)",
            label.escape_ascii()
        ),
        _ => position,
    }
}

/// The `encoding="..."` value of the XML declaration, if there is one.
pub(super) fn declared_encoding(xml: &[u8]) -> Option<&[u8]> {
    let rest = xml.strip_prefix(b"<?xml")?;
    let head = rest.get(..rest.len().min(DECLARATION_LIMIT))?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let declaration = head.get(..end)?;
    let at = declaration.windows(8).position(|w| w == b"encoding")?;
    let value = declaration
        .get(at + 8..)?
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, value) = value.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let len = value.iter().position(|&b| b == quote)?;
    value.get(..len)
}
