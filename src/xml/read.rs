//! The reader front-end: bytes to the root element of a parsed document,
//! in one order for both sides: character encoding, shape pre-scan, parse,
//! root.
//!
//! Documents are UTF-8 (with or without a byte-order mark), or ISO-8859-1
//! when their XML declaration names that encoding by its IANA name or one
//! of its aliases ([`LATIN1_LABELS`]). UTF-8 text is borrowed, never
//! copied; only a Latin-1 document with non-ASCII bytes is.

use std::borrow::Cow;
use std::fmt;

use sxd_document::dom::{Document, Element};
use sxd_document::parser;

use super::shape::{self, TooComplex};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How far into the document the XML declaration may end.
const DECLARATION_LIMIT: usize = 512;

/// Encoding labels that mean ISO-8859-1 (the IANA name and its aliases),
/// compared ignoring ASCII case.
pub const LATIN1_LABELS: [&str; 8] = [
    "ISO-8859-1",
    "ISO8859-1",
    "ISO_8859-1",
    "latin1",
    "latin-1",
    "l1",
    "ISO-IR-100",
    "CP819",
];

/// Which documents get the [`shape`] pre-scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeScan {
    /// Every document.
    Always,
    /// Only documents longer than this many bytes (of decoded text):
    /// smaller ones cannot nest deep enough to make the parser slow.
    Above(usize),
}

impl ShapeScan {
    fn applies_to(self, len: usize) -> bool {
        match self {
            ShapeScan::Always => true,
            ShapeScan::Above(limit) => len > limit,
        }
    }
}

/// Why a document has no root element to read. Each protocol maps it onto
/// its own error type (through `From`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Neither valid UTF-8 nor a document declared as ISO-8859-1; says
    /// where the bytes stopped being UTF-8 and what the document declared.
    Encoding(String),
    /// Nested too deeply or too many attributes on one element.
    TooComplex(TooComplex),
    /// Not well-formed XML (the parser's report), or no root element.
    NotWellFormed(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Encoding(detail) => write!(f, "bad character encoding: {detail}"),
            ReadError::TooComplex(limit) => limit.fmt(f),
            ReadError::NotWellFormed(detail) => f.write_str(detail),
        }
    }
}

impl std::error::Error for ReadError {}

/// Decodes `xml`, pre-scans its shape when `scan` says so, parses it and
/// hands its root element to `read`.
pub fn read_root<T, E: From<ReadError>>(
    xml: &[u8],
    scan: ShapeScan,
    read: impl FnOnce(Element<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let text = decode(xml)?;
    if scan.applies_to(text.len()) {
        shape::check(text.as_bytes()).map_err(ReadError::TooComplex)?;
    }
    let package = parser::parse(&text).map_err(|e| ReadError::NotWellFormed(e.to_string()))?;
    let root = root_element(package.as_document())
        .ok_or_else(|| ReadError::NotWellFormed("no root element".to_owned()))?;
    read(root)
}

/// The document's root element (`None` only for a document without one,
/// which the parser does not return).
pub fn root_element(document: Document<'_>) -> Option<Element<'_>> {
    document
        .root()
        .children()
        .into_iter()
        .find_map(|child| child.element())
}

/// The document as text: UTF-8 (after an optional byte-order mark), or
/// ISO-8859-1 bytes mapped one to one onto U+0000..U+00FF when the
/// declaration names that encoding.
pub fn decode(xml: &[u8]) -> Result<Cow<'_, str>, ReadError> {
    let xml = xml.strip_prefix(UTF8_BOM).unwrap_or(xml);
    let label = declared_encoding(xml);
    if label.is_some_and(is_latin1) && !xml.is_ascii() {
        return Ok(Cow::Owned(xml.iter().map(|&b| char::from(b)).collect()));
    }
    // ASCII is the same in both encodings, so it needs no copy.
    std::str::from_utf8(xml)
        .map(Cow::Borrowed)
        .map_err(|e| ReadError::Encoding(encoding_detail(label, e.valid_up_to())))
}

/// True when `label` is one of [`LATIN1_LABELS`].
fn is_latin1(label: &[u8]) -> bool {
    LATIN1_LABELS
        .iter()
        .any(|l| l.as_bytes().eq_ignore_ascii_case(label))
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
pub fn declared_encoding(xml: &[u8]) -> Option<&[u8]> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_encoding_cases() {
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>",
                Some(b"ISO-8859-1"),
            ),
            (
                b"<?xml version='1.0' encoding='utf-8'?><a/>",
                Some(b"utf-8"),
            ),
            (b"<?xml version=\"1.0\" encoding =\n'x' ?><a/>", Some(b"x")),
            (b"<?xml version=\"1.0\"?><a encoding=\"latin1\"/>", None),
            (b"<?xml version=\"1.0\" encoding=latin1?><a/>", None),
            (b"<?xml version=\"1.0\" encoding=\"latin1?><a/>", None),
            (b"<a/>", None),
            (b"", None),
            (b"<?xml", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                declared_encoding(input),
                *want,
                "{:?}",
                input.escape_ascii().to_string()
            );
        }
    }

    /// One rule for both sides: the IANA name of ISO-8859-1 and its
    /// aliases, in any ASCII case, in the declaration only.
    #[test]
    fn latin1_declarations() {
        let declared: &[(&[u8], bool)] = &[
            (b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", true),
            (b"<?xml version='1.0' encoding = 'latin1'?>", true),
            (b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>", true),
            (b"<?xml version=\"1.0\" encoding=\"ISO_8859-1\"?>", true),
            (b"<?xml version=\"1.0\" encoding=\"latin-1\"?>", true),
            (b"<?xml version=\"1.0\" encoding=\"L1\"?>", true),
            (b"<?xml version=\"1.0\" encoding=\"iso-ir-100\"?>", true),
            (b"<?xml version=\"1.0\" encoding=\"cp819\"?>", true),
            (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>", false),
            (b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>", false),
            (
                b"<?xml version=\"1.0\"?><a encoding=\"ISO-8859-1\"/>",
                false,
            ),
            (b"<a/>", false),
            (b"<?xml", false),
        ];
        for (xml, latin) in declared {
            assert_eq!(
                declared_encoding(xml).is_some_and(is_latin1),
                *latin,
                "{}",
                String::from_utf8_lossy(xml)
            );
        }
    }
}
