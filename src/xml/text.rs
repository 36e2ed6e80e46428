//! Text in and out of XML, shared by both protocol sides (sans-IO).
//!
//! Reading: an element's text is its text children joined and trimmed of
//! XML whitespace ([`element_text`], [`trim`]); booleans have the
//! `xs:boolean` lexical forms ([`xs_boolean`]).
//!
//! Writing: element content and attribute values are escaped so that a
//! string that came from a peer (a device id, a call id, an error text)
//! can never make a document malformed or change its structure.

use std::borrow::Cow;

use sxd_document::dom::{ChildOfElement, Element};

/// The element's own text: its text children joined (sxd makes a separate
/// node per entity reference or CDATA section; the text of child elements
/// is not included), trimmed of XML whitespace.
pub fn element_text(element: Element<'_>) -> String {
    let mut texts = element.children().into_iter().filter_map(|c| match c {
        ChildOfElement::Text(t) => Some(t.text()),
        _ => None,
    });
    let Some(first) = texts.next() else {
        return String::new();
    };
    match texts.next() {
        // The common case: one text node, one allocation.
        None => trim(first).to_owned(),
        Some(second) => {
            let mut joined = String::with_capacity(first.len() + second.len());
            joined.push_str(first);
            joined.push_str(second);
            texts.for_each(|t| joined.push_str(t));
            trim(&joined).to_owned()
        }
    }
}

/// Strips the four XML whitespace characters only (space, tab, carriage
/// return, line feed): a non-breaking space is data.
pub fn trim(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// The `xs:boolean` lexical forms: `true` and `1`, `false` and `0`;
/// anything else is `None`.
pub fn xs_boolean(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// How `on` is written as an `xs:boolean`: `true` or `false`.
pub fn xs_bool(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}

/// `text` escaped for element content (see [`escape_into`]); borrowed
/// when nothing needs changing.
pub fn escape(text: &str) -> Cow<'_, str> {
    if text.bytes().all(plain_in_text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    escape_with(&mut out, text, text_replacement);
    Cow::Owned(out)
}

/// Appends `text` escaped for element content: `&`, `<`, `>`, `"` and `'`
/// become entity references, a carriage return becomes `&#13;` (a literal
/// one would be read back as a line feed), and characters XML 1.0 does not
/// allow (controls other than tab, line feed and carriage return, U+FFFE,
/// U+FFFF) are dropped.
pub fn escape_into(out: &mut String, text: &str) {
    // Most values (ids, numbers, names) need nothing: one byte scan, one
    // copy.
    if text.bytes().all(plain_in_text) {
        out.push_str(text);
        return;
    }
    escape_with(out, text, text_replacement);
}

/// True for a byte that can never need escaping in element content. Any
/// other sends the value the long way: markup and quotes, carriage return
/// and the other controls but tab and line feed, and 0xEF, the lead byte
/// of U+FFFE and U+FFFF.
fn plain_in_text(b: u8) -> bool {
    !matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0xEF)
        && (b >= 0x20 || b == b'\t' || b == b'\n')
}

/// Like [`escape_into`], but for a quoted attribute value: tab and line
/// feed are written as character references too, because attribute-value
/// normalisation would turn literal ones into spaces.
pub fn escape_attr_into(out: &mut String, text: &str) {
    // Namespaces and plain values: one byte scan, one copy.
    if text
        .bytes()
        .all(|b| plain_in_text(b) && b != b'\t' && b != b'\n')
    {
        out.push_str(text);
        return;
    }
    escape_with(out, text, |c| match c {
        '\t' => Some("&#9;"),
        '\n' => Some("&#10;"),
        _ => text_replacement(c),
    });
}

/// What to write instead of `c` in element content: `None` keeps it,
/// `Some("")` drops it.
fn text_replacement(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&apos;"),
        '\r' => Some("&#13;"),
        c if !is_xml_char(c) => Some(""),
        _ => None,
    }
}

/// The XML 1.0 `Char` production. Rust strings cannot hold surrogates, so
/// only the C0 controls and the two non-characters need excluding.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Copies `text` to `out`, replacing characters as `replace` says. Runs of
/// unchanged characters are copied as whole slices, so plain values (the
/// common case) cost one `push_str`.
fn escape_with(out: &mut String, text: &str, replace: impl Fn(char) -> Option<&'static str>) {
    let mut run_start = 0;
    for (i, c) in text.char_indices() {
        if let Some(replacement) = replace(c) {
            // `i` and `run_start` both come from `char_indices`, so they
            // are char boundaries and `get` always succeeds.
            out.push_str(text.get(run_start..i).unwrap_or_default());
            out.push_str(replacement);
            run_start = i + c.len_utf8();
        }
    }
    out.push_str(text.get(run_start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, text);
        out
    }

    #[test]
    fn escape_cases() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("plain 3021033", "plain 3021033"),
            ("a&b", "a&amp;b"),
            ("<tag>", "&lt;tag&gt;"),
            ("say \"hi\"", "say &quot;hi&quot;"),
            ("it's", "it&apos;s"),
            ("&amp;", "&amp;amp;"),
            ("<&>\"'", "&lt;&amp;&gt;&quot;&apos;"),
            ("N<302118840100>;noa=nk", "N&lt;302118840100&gt;;noa=nk"),
            ("tab\there", "tab\there"),
            ("line\nfeed", "line\nfeed"),
            ("cr\rlf", "cr&#13;lf"),
            ("nul\0byte", "nulbyte"),
            ("\u{1}\u{8}\u{b}\u{c}\u{1f}", ""),
            ("bell\u{7}!", "bell!"),
            ("del\u{7f}ok", "del\u{7f}ok"),
            ("c1\u{85}\u{9f}ok", "c1\u{85}\u{9f}ok"),
            ("non\u{fffe}char\u{ffff}", "nonchar"),
            ("replacement \u{fffd}", "replacement \u{fffd}"),
            ("private \u{f8ff} use", "private \u{f8ff} use"),
            (
                "caf\u{e9} \u{20ac} \u{1f4de}",
                "caf\u{e9} \u{20ac} \u{1f4de}",
            ),
            ("\u{0}<\u{1}>\u{2}", "&lt;&gt;"),
            ("]]>", "]]&gt;"),
        ];
        for (input, want) in cases {
            assert_eq!(escaped(input), *want, "input {input:?}");
            assert_eq!(escape(input), *want, "input {input:?}");
        }
        assert!(matches!(escape("plain 3021033"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_appends_without_clearing() {
        let mut out = String::from("keep:");
        escape_into(&mut out, "a<b");
        assert_eq!(out, "keep:a&lt;b");
    }

    #[test]
    fn attribute_values_keep_tabs_and_line_feeds() {
        let cases: &[(&str, &str)] = &[
            ("a\tb\nc\rd", "a&#9;b&#10;c&#13;d"),
            ("<\"&'>", "&lt;&quot;&amp;&apos;&gt;"),
            ("nul\0", "nul"),
        ];
        for (input, want) in cases {
            let mut out = String::new();
            escape_attr_into(&mut out, input);
            assert_eq!(out, *want, "input {input:?}");
        }
        assert_eq!(escape("a<b\r"), "a&lt;b&#13;");
    }
}
