//! XML shape limits shared by both protocol sides: a linear pre-scan that
//! refuses documents nested too deeply or with too many attributes on one
//! element, before the real parser sees them.
//!
//! sxd-document spends quadratic time on deep nesting and on many
//! attributes per element: a 700 KB document of nested elements (below the
//! 1 MiB Xsi document cap) kept it busy for over a minute. Real CSTA and Xsi
//! messages are about ten levels deep with a handful of attributes, so the
//! limits cost nothing legitimate and keep parsing linear in the input.
//! (The Xsi side scans only documents over 4 KiB: below that the parser's
//! worst case is about a millisecond, and events are 1–2 KB.)

use std::fmt;

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// Most attributes (namespace declarations included) accepted on one element.
pub const MAX_ATTRIBUTES: usize = 64;

/// A document beyond the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooComplex {
    /// What was counted: "levels of element nesting" or "attributes on one
    /// element".
    pub what: &'static str,
    pub limit: usize,
}

impl fmt::Display for TooComplex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {} {}", self.limit, self.what)
    }
}

impl std::error::Error for TooComplex {}

/// One linear pass that counts element depth and attributes per start tag,
/// skipping comments, CDATA, processing instructions and quoted values. It
/// is exact for well-formed documents; on malformed ones it may count
/// loosely, which is harmless because the real parser rejects them anyway.
pub fn check(xml: &[u8]) -> Result<(), TooComplex> {
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

fn too_complex(what: &'static str, limit: usize) -> TooComplex {
    TooComplex { what, limit }
}

/// What follows the first `pattern` in `s` (nothing if it does not occur).
fn skip_past<'a>(s: &'a [u8], pattern: &[u8]) -> &'a [u8] {
    s.windows(pattern.len())
        .position(|w| w == pattern)
        .and_then(|at| s.get(at + pattern.len()..))
        .unwrap_or_default()
}

/// A start tag as seen by [`check`].
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

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{}{}", "<a>".repeat(n), "</a>".repeat(n))
    }

    fn attributes(n: usize) -> String {
        let list: Vec<String> = (0..n).map(|i| format!("a{i}='x=>'")).collect();
        format!("<r {}/>", list.join(" "))
    }

    #[test]
    fn limits_are_exact_on_well_formed_documents() {
        let deep = TooComplex {
            what: "levels of element nesting",
            limit: MAX_DEPTH,
        };
        let wide = TooComplex {
            what: "attributes on one element",
            limit: MAX_ATTRIBUTES,
        };
        let cases = [
            (nested(MAX_DEPTH), Ok(())),
            (nested(MAX_DEPTH + 1), Err(deep)),
            (attributes(MAX_ATTRIBUTES), Ok(())),
            (attributes(MAX_ATTRIBUTES + 1), Err(wide)),
            // Siblings, comments, CDATA and PIs do not nest.
            (
                format!(
                    "<r>{}</r>",
                    "<x/><!-- <a> --><![CDATA[<a>]]><?p <a>?>".repeat(500)
                ),
                Ok(()),
            ),
            (format!("<r>{}</r>", "<x></x>".repeat(1000)), Ok(())),
        ];
        for (doc, want) in cases {
            assert_eq!(check(doc.as_bytes()), want, "{}", &doc[..40.min(doc.len())]);
        }
        assert_eq!(
            check(nested(100).as_bytes()).unwrap_err().to_string(),
            "more than 64 levels of element nesting"
        );
    }

    #[test]
    fn a_megabyte_is_one_pass() {
        // 1 MiB of nesting is refused at level 65, long before the parser
        // would spend minutes on it; a flat megabyte passes.
        assert!(check(nested(150_000).as_bytes()).is_err());
        assert!(check(format!("<r>{}</r>", "<x a='1'/>".repeat(100_000)).as_bytes()).is_ok());
    }
}
