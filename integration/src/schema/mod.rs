//! The one checker of XML documents against the structure files in
//! `integration/data/schemas/` (see `integration/data/SOURCES.md`), for the
//! tests of both protocol sides: [`ecma`] reads the ECMA-323 / ECMA-354
//! structure files (CSTA, what bwcsta sends to its clients), [`xsi`] the
//! BroadWorks Xsi structure file (what bwcsta sends to an XSP and what the
//! simulator sends to bwcsta).
//!
//! It lives in the test-support crate so that bwcsta's unit tests (through
//! their dev-dependency), the simulator and the end-to-end tests use the
//! same code while the production binary never contains it.
//!
//! `sample` makes schema-complete Xsi documents (every optional element
//! present) for the parser tests.
//!
//! What the two formats share is here: reading a structure file once,
//! parsing a document to its root element, walking element children, text,
//! and the check of an enumerated value.

use serde_json::Value;
use sxd_document::dom::{ChildOfElement, Element};

use bwcsta::xml::read::root_element;

pub mod ecma;
mod sample;
pub mod xsi;

#[cfg(test)]
mod tests;

/// Where the structure files are.
const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/schemas/");

/// The structure file `file` of `integration/data/schemas/`, parsed and
/// kept for the life of the process. Each call reads and parses the file
/// anew: the callers ([`ecma::load`], [`xsi::schema`]) call it once per file.
pub(crate) fn read_json(file: &str) -> &'static Value {
    let path = format!("{SCHEMAS}{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    Box::leak(Box::new(json))
}

/// Parses `xml` and hands its root element to `check`.
pub(crate) fn with_root<T>(
    xml: &str,
    check: impl FnOnce(Element<'_>) -> Result<T, String>,
) -> Result<T, String> {
    let package = sxd_document::parser::parse(xml).map_err(|e| format!("not well-formed: {e}"))?;
    let root = root_element(package.as_document()).ok_or("no root element")?;
    check(root)
}

/// The element children of `el` (for tests that read produced documents).
pub fn elements(el: Element<'_>) -> impl Iterator<Item = Element<'_>> {
    el.children().into_iter().filter_map(|c| c.element())
}

/// The local name of `el`.
pub fn local<'d>(el: Element<'d>) -> &'d str {
    el.name().local_part()
}

/// The text directly inside `el`, as it is (not trimmed).
pub fn text(el: Element<'_>) -> String {
    el.children()
        .into_iter()
        .filter_map(|c| match c {
            ChildOfElement::Text(t) => Some(t.text()),
            _ => None,
        })
        .collect()
}

/// `Ok` when `value` is one of `values`. A value in the structure file is
/// taken without surrounding whitespace (the Xsi file has `"Silence "`,
/// which a token type collapses); `value` is compared as given, so a caller
/// whose type collapses whitespace trims it first.
pub(crate) fn check_enum<'v>(
    path: &str,
    type_name: &str,
    values: impl IntoIterator<Item = &'v Value>,
    value: &str,
) -> Result<(), String> {
    if values
        .into_iter()
        .any(|v| v.as_str().map(str::trim) == Some(value))
    {
        Ok(())
    } else {
        Err(format!("{path}: {value:?} is not a {type_name} value"))
    }
}
