//! DOM helpers: local names, child elements, trimmed text, flags, numbers,
//! and the [`XsiParseError::Invalid`] they report.

use sxd_document::dom::Element;

use super::{Result, XsiParseError};
use crate::xml::text::xs_boolean;

/// The element's text: its text children joined, trimmed of XML whitespace.
pub(super) use crate::xml::text::element_text as text;

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

/// An empty marker element such as `<allowAnswer/>`: present means true.
/// A spelt-out value is read as an `xs:boolean` (`false` and `0` are
/// false); any other text still counts as present.
pub(super) fn flag(element: Element<'_>) -> bool {
    xs_boolean(&text(element)).unwrap_or(true)
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
