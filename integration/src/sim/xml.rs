//! Tiny XML helpers for the small documents the simulator receives and builds.
//!
//! The request bodies (`Channel`, `Subscription`, `EventResponse`) are short and flat, so
//! [`element_text`] scans for the first element with a given *local* name (any namespace
//! prefix) and returns its decoded text. It never fails: a missing or garbled element is `None`.
//! [`escape`] (bwcsta's, re-exported) is the inverse for the documents the simulator writes.

use std::borrow::Cow;

/// The XML declaration that starts every document.
pub(crate) const DECL: &str = bwcsta::xml::DECLARATION;

/// Decoded text of the first element whose local name is `name`; `Some("")` for an empty
/// element. Comments, processing instructions and closing tags are skipped.
pub(crate) fn element_text<'a>(doc: &'a str, name: &str) -> Option<Cow<'a, str>> {
    let mut rest = doc;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |i| &after[i + 3..]);
            continue;
        }
        if rest.starts_with(['/', '?', '!']) {
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let qname = &rest[..name_end];
        let local = qname.rsplit_once(':').map_or(qname, |(_, l)| l);
        if local != name {
            continue;
        }
        let gt = rest.find('>')?;
        if rest[..gt].ends_with('/') {
            return Some(Cow::Borrowed(""));
        }
        let content = &rest[gt + 1..];
        let end = content.find('<').unwrap_or(content.len());
        return Some(unescape(content[..end].trim()));
    }
    None
}

/// Decodes the five predefined entities and numeric character references; unknown or broken
/// references are kept as they are.
pub(crate) fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 12).and_then(|semi| {
            let entity = &rest[1..semi];
            let c = match entity {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let num = entity.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Escaping is bwcsta's own (`bwcsta::xml::text`): `escape_into` appends,
/// `escape` borrows when nothing needs changing.
pub(crate) use bwcsta::xml::text::{escape, escape_into};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_text_finds_local_names() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "<EventResponse xmlns=\"x\"><eventID>abc</eventID></EventResponse>",
                "eventID",
                Some("abc"),
            ),
            (
                "<x:EventResponse xmlns:x=\"y\"><x:eventID> abc </x:eventID></x:EventResponse>",
                "eventID",
                Some("abc"),
            ),
            (
                "<?xml version=\"1.0\"?>\n<Channel>\n  <expires>3600</expires>\n</Channel>",
                "expires",
                Some("3600"),
            ),
            (
                "<a><eventIDs>1</eventIDs><eventID>2</eventID></a>",
                "eventID",
                Some("2"),
            ),
            (
                "<a><!-- <eventID>1</eventID> --><eventID>2</eventID></a>",
                "eventID",
                Some("2"),
            ),
            ("<a><reason/></a>", "reason", Some("")),
            ("<a><reason a=\"1\" /></a>", "reason", Some("")),
            (
                "<a><name>A &amp; B &#233;&#xE9;&bogus; &</name></a>",
                "name",
                Some("A & B éé&bogus; &"),
            ),
            ("<a><eventID>unterminated", "eventID", Some("unterminated")),
            ("<a><eventID", "eventID", None),
            ("no xml at all", "eventID", None),
            ("", "eventID", None),
            ("<<<>>></>", "eventID", None),
            ("<a></eventID><eventID>3</eventID>", "eventID", Some("3")),
        ];
        for (doc, name, want) in cases {
            assert_eq!(element_text(doc, name).as_deref(), *want, "{doc:?}");
        }
    }

    #[test]
    fn escape_round_trips() {
        for text in ["plain", "a<b>&\"c'", "ünï", ""] {
            let escaped = escape(text);
            assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped}");
            assert_eq!(unescape(&escaped), text);
        }
    }
}
