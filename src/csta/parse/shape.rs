//! Shape limits (see [`crate::xml::shape`]) as CSTA parse errors.

use super::{ParseError, Parsed};

pub use crate::xml::shape::{MAX_ATTRIBUTES, MAX_DEPTH};

/// Refuses documents nested deeper than [`MAX_DEPTH`] or with more than
/// [`MAX_ATTRIBUTES`] on one element.
pub(super) fn check_shape(xml: &[u8]) -> Parsed<()> {
    crate::xml::shape::check(xml).map_err(|e| ParseError::NotWellFormed(e.to_string()))
}

#[cfg(test)]
pub(super) fn too_complex(what: &str, limit: usize) -> ParseError {
    ParseError::NotWellFormed(format!("more than {limit} {what}"))
}
