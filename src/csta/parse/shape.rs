//! Shape limits: the linear pre-scan that refuses documents nested too
//! deeply or with too many attributes on one element.

use super::{ParseError, Parsed};

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// Most attributes (namespace declarations included) accepted on one element.
pub const MAX_ATTRIBUTES: usize = 64;

/// One linear pass that counts element depth and attributes per start tag,
/// skipping comments, CDATA, processing instructions and quoted values. It
/// is exact for well-formed documents; on malformed ones it may count
/// loosely, which is harmless because the real parser rejects them anyway.
pub(super) fn check_shape(xml: &[u8]) -> Parsed<()> {
    let mut depth = 0usize;
    let mut rest = xml;
    while let Some(lt) = rest.iter().position(|&b| b == b'<') {
        rest = rest.get(lt + 1..).unwrap_or_default();
        rest = if let Some(after) = rest.strip_prefix(b"!--") {
            skip_past(after, b"-->")
        } else if let Some(after) = rest.strip_prefix(b"![CDATA[") {
            skip_past(after, b"]]>")
        } else if let Some(after) = rest.strip_prefix(b"?") {
            skip_past(after, b"?>")
        } else if let Some(after) = rest.strip_prefix(b"!") {
            skip_past(after, b">")
        } else if let Some(after) = rest.strip_prefix(b"/") {
            depth = depth.saturating_sub(1);
            skip_past(after, b">")
        } else {
            let tag = scan_start_tag(rest);
            if tag.attributes > MAX_ATTRIBUTES {
                return Err(too_complex("attributes on one element", MAX_ATTRIBUTES));
            }
            if !tag.self_closing {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too_complex("levels of element nesting", MAX_DEPTH));
                }
            }
            rest.get(tag.len..).unwrap_or_default()
        };
    }
    Ok(())
}

pub(super) fn too_complex(what: &str, limit: usize) -> ParseError {
    ParseError::NotWellFormed(format!("more than {limit} {what}"))
}

/// What follows the first `pattern` in `s` (nothing if it does not occur).
fn skip_past<'a>(s: &'a [u8], pattern: &[u8]) -> &'a [u8] {
    s.windows(pattern.len())
        .position(|w| w == pattern)
        .and_then(|at| s.get(at + pattern.len()..))
        .unwrap_or_default()
}

/// A start tag as seen by [`check_shape`].
struct StartTag {
    /// Bytes up to and including the closing `>`.
    len: usize,
    /// `=` signs outside quoted values: one per attribute.
    attributes: usize,
    self_closing: bool,
}

/// Scans a start tag (after its `<`) to the `>` that ends it.
fn scan_start_tag(s: &[u8]) -> StartTag {
    let mut quote = None;
    let mut attributes = 0;
    let mut previous = 0u8;
    for (i, &b) in s.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'=' => attributes += 1,
                b'>' => {
                    return StartTag {
                        len: i + 1,
                        attributes,
                        self_closing: previous == b'/',
                    }
                }
                _ => {}
            },
        }
        previous = b;
    }
    // Unterminated: the parser will reject the document.
    StartTag {
        len: s.len(),
        attributes,
        self_closing: true,
    }
}
