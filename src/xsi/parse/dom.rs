//! DOM helpers: local names, child elements, trimmed text, flags, numbers,
//! and the [`XsiParseError::Invalid`] they report.

use sxd_document::dom::{ChildOfElement, Element};

use super::{Result, XsiParseError};

/// Longest value quoted in an [`XsiParseError::Invalid`].
const MAX_QUOTED_VALUE: usize = 64;

pub(super) fn local<'d>(element: Element<'d>) -> &'d str {
    element.name().local_part()
}

pub(super) fn child_elements(element: Element<'_>) -> impl Iterator<Item = Element<'_>> {
    element
        .children()
        .into_iter()
        .filter_map(|child| child.element())
}

pub(super) fn first_child<'d>(element: Element<'d>, name: &str) -> Option<Element<'d>> {
    child_elements(element).find(|child| local(*child) == name)
}

/// The element's text: its text children joined (sxd makes a separate node
/// per entity or CDATA section), trimmed of XML whitespace.
pub(super) fn text(element: Element<'_>) -> String {
    let mut texts = element.children().into_iter().filter_map(|c| match c {
        ChildOfElement::Text(t) => Some(t.text()),
        _ => None,
    });
    let Some(first) = texts.next() else {
        return String::new();
    };
    match texts.next() {
        // The common case: one text node, one allocation.
        None => trim_xml(first).to_owned(),
        Some(second) => {
            let mut joined = String::with_capacity(first.len() + second.len());
            joined.push_str(first);
            joined.push_str(second);
            texts.for_each(|t| joined.push_str(t));
            trim_xml(&joined).to_owned()
        }
    }
}

fn trim_xml(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// An empty marker element such as `<allowAnswer/>`: present means true,
/// unless it spells out `false`.
pub(super) fn flag(element: Element<'_>) -> bool {
    text(element) != "false"
}

/// A numeric element; anything but plain decimal digits is invalid.
pub(super) fn number<T: std::str::FromStr>(name: &'static str, element: Element<'_>) -> Result<T> {
    let value = text(element);
    // `FromStr` for integers accepts a leading `+`; Xsi never sends one.
    if value.starts_with('+') {
        return Err(invalid(name, &value));
    }
    value.parse().map_err(|_| invalid(name, &value))
}

pub(super) fn invalid(element: &'static str, value: &str) -> XsiParseError {
    let mut end = value.len().min(MAX_QUOTED_VALUE);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    XsiParseError::Invalid {
        element,
        value: value.get(..end).unwrap_or_default().to_owned(),
    }
}
