//! The one XML writer both sides send through: [`XmlWriter`], and the flat
//! [`document`] built on it.
//!
//! It appends to one `String` and never builds a tree, because every
//! outgoing message is small and written front to back in schema order.
//!
//! Invariants:
//! - every document starts with [`DECLARATION`] (UTF-8);
//! - all text and attribute values go through escaping, and characters that
//!   XML 1.0 forbids are dropped, so a string that came from a peer (a device
//!   id, a call id) can never make the output malformed;
//! - element names are not escaped: callers pass the schema's own names,
//!   which are plain ASCII;
//! - the caller balances [`XmlWriter::open`]/[`XmlWriter::close`];
//!   [`XmlWriter::finish`] closes only the root. The writer does not check
//!   nesting because its callers are a fixed set of builders covered by
//!   tests that re-parse their output.

use super::text::{escape_attr_into, escape_into};

/// The declaration every outgoing document starts with.
pub const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// Room for a typical response, so most messages never reallocate.
const INITIAL_CAPACITY: usize = 256;

/// Builds one XML document as a `String`. `'r` is the lifetime of the root
/// element's name, kept to close it without a copy.
#[derive(Debug)]
pub struct XmlWriter<'r> {
    out: String,
    /// Name of the root element, closed by `finish`.
    root: Option<&'r str>,
}

/// `<root xmlns="namespace"><name>value</name>…</root>` with the
/// declaration: a flat document of leaves, in the order given.
pub fn document(root: &str, namespace: &str, children: &[(&str, &str)]) -> String {
    let mut w = XmlWriter::new();
    w.root(root, namespace);
    for (name, value) in children {
        w.leaf(name, value);
    }
    w.finish()
}

impl Default for XmlWriter<'_> {
    fn default() -> Self {
        Self::with_buffer(String::with_capacity(INITIAL_CAPACITY))
    }
}

impl<'r> XmlWriter<'r> {
    /// A document holding only the XML declaration.
    pub fn new() -> Self {
        Self::default()
    }

    /// A document appended to `out` (what `out` holds stays in front):
    /// reusing a buffer costs no allocation once it is large enough.
    pub fn with_buffer(mut out: String) -> Self {
        out.push_str(DECLARATION);
        XmlWriter { out, root: None }
    }

    /// Opens the root element `<name xmlns="namespace">`. Call it once,
    /// first; [`finish`](Self::finish) closes it.
    pub fn root(&mut self, name: &'r str, namespace: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.push_attr("xmlns", namespace);
        self.out.push('>');
        self.root = Some(name);
    }

    /// `<name>`
    #[inline]
    pub fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `</name>`
    #[inline]
    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>text</name>`, with `text` escaped.
    #[inline]
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        escape_into(&mut self.out, text);
        self.close(name);
    }

    /// `<name>number</name>`, in decimal, written without formatting
    /// machinery (it is on the path of every event acknowledgement).
    pub fn leaf_number(&mut self, name: &str, number: u64) {
        self.open(name);
        push_decimal(&mut self.out, number);
        self.close(name);
    }

    /// `<name a="v" ...>text</name>`, with values and text escaped.
    pub fn leaf_attr(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.out.push('<');
        self.out.push_str(name);
        for (attr, value) in attrs {
            self.push_attr(attr, value);
        }
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.close(name);
    }

    /// `<name/>`
    pub fn empty(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
    }

    /// Closes the root element (if [`root`](Self::root) was called) and
    /// returns the document.
    pub fn finish(mut self) -> String {
        if let Some(root) = self.root.take() {
            self.close(root);
        }
        self.out
    }

    /// ` name="value"` with the value escaped for an attribute.
    fn push_attr(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_attr_into(&mut self.out, value);
        self.out.push('"');
    }
}

/// Appends `number` in decimal (at most 20 digits, so at most 20 calls deep).
fn push_decimal(out: &mut String, number: u64) {
    if number >= 10 {
        push_decimal(out, number / 10);
    }
    out.push(char::from(b'0' + (number % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::read::root_element;
    use sxd_document::dom::Element;
    use sxd_document::parser;

    const NS: &str = "urn:test";

    /// Concatenated text of `el`'s direct text children.
    fn text_of(el: Element<'_>) -> String {
        el.children()
            .into_iter()
            .filter_map(|c| c.text())
            .map(|t| t.text())
            .collect()
    }

    /// Writes `<v a="value">value</v>` and reads both copies back.
    fn round_trip(value: &str) -> (String, String) {
        let mut w = XmlWriter::new();
        w.root("Doc", NS);
        w.leaf_attr("v", &[("a", value)], value);
        let xml = w.finish();
        let package = parser::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
        let root = root_element(package.as_document()).expect("root element");
        let v = root.children().into_iter().find_map(|c| c.element());
        let v = v.expect("<v>");
        let attr = v.attribute_value("a").expect("attribute a").to_owned();
        (text_of(v), attr)
    }

    #[test]
    fn values_survive_a_reparse() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("3021033", "3021033"),
            ("<&>\"'", "<&>\"'"),
            (
                "every <special> & \"quote\" 'kind'",
                "every <special> & \"quote\" 'kind'",
            ),
            ("N<3021061290002>;noa=nk", "N<3021061290002>;noa=nk"),
            ("tab\tline\nreturn\r!", "tab\tline\nreturn\r!"),
            ("\r\n", "\r\n"),
            ("  padded  ", "  padded  "),
            ("caf\u{e9} \u{1f4de}", "caf\u{e9} \u{1f4de}"),
            ("bad\u{0}\u{1b}[31m", "bad[31m"),
            ("\u{ffff}", ""),
            ("]]>", "]]>"),
            ("&#13;", "&#13;"),
        ];
        for (input, want) in cases {
            let (text, attr) = round_trip(input);
            assert_eq!(text, *want, "element text of {input:?}");
            assert_eq!(attr, *want, "attribute value of {input:?}");
        }
    }

    #[test]
    fn writer_output_shapes() {
        type Build = fn(&mut XmlWriter);
        let cases: &[(Build, &str)] = &[
            (|_| {}, ""),
            (|w| w.root("R", NS), r#"<R xmlns="urn:test"></R>"#),
            (
                |w| {
                    w.root("R", NS);
                    w.empty("e");
                },
                r#"<R xmlns="urn:test"><e/></R>"#,
            ),
            (
                |w| {
                    w.root("R", NS);
                    w.open("a");
                    w.leaf("b", "x&y");
                    w.close("a");
                },
                r#"<R xmlns="urn:test"><a><b>x&amp;y</b></a></R>"#,
            ),
            (
                |w| {
                    w.root("R", "a\"b");
                    w.leaf_attr("d", &[("typeOfNumber", "dialingNumber"), ("q", "<")], "1");
                },
                r#"<R xmlns="a&quot;b"><d typeOfNumber="dialingNumber" q="&lt;">1</d></R>"#,
            ),
            (
                |w| {
                    w.root("R", NS);
                    w.leaf_attr("d", &[], "");
                },
                r#"<R xmlns="urn:test"><d></d></R>"#,
            ),
            (
                |w| {
                    w.root("R", NS);
                    w.leaf_number("n", 0);
                    w.leaf_number("n", 481);
                    w.leaf_number("n", u64::MAX);
                },
                r#"<R xmlns="urn:test"><n>0</n><n>481</n><n>18446744073709551615</n></R>"#,
            ),
        ];
        for (build, body) in cases {
            let mut w = XmlWriter::new();
            build(&mut w);
            let got = w.finish();
            assert_eq!(got, format!("{DECLARATION}{body}"));
        }
    }

    #[test]
    fn writer_output_is_well_formed() {
        let mut w = XmlWriter::new();
        w.root(
            "Doc",
            "http://www.ecma-international.org/standards/ecma-323/csta/ed3",
        );
        w.open("outer");
        w.leaf("a", "\u{0}<x>");
        w.empty("b");
        w.close("outer");
        let xml = w.finish();
        let package = parser::parse(&xml).expect("well-formed");
        let root = root_element(package.as_document()).expect("root");
        assert_eq!(root.name().local_part(), "Doc");
        assert_eq!(
            root.name().namespace_uri(),
            Some("http://www.ecma-international.org/standards/ecma-323/csta/ed3")
        );
    }
}
