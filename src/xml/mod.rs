//! The XML layer both protocol sides (CSTA northbound, Xsi southbound)
//! read and write through, sans-IO.
//!
//! What it guarantees:
//! - one reader front-end ([`read`]): a document is UTF-8, or ISO-8859-1
//!   when its declaration names that encoding (one list of labels for both
//!   sides), borrowed as it is when it is UTF-8; its shape is pre-scanned
//!   ([`shape`]) so that the parser, which is quadratic in nesting depth and
//!   attributes per element, stays linear in the input (every document, or
//!   only those above a size: [`read::ShapeScan`]); then it is parsed and
//!   its root element handed to the protocol's reader, and whatever went
//!   wrong before that is one typed [`read::ReadError`]. Nothing in this
//!   layer panics on its input;
//! - one reading of text ([`text`]): an element's text is its text children
//!   joined and trimmed of XML whitespace only; booleans are `xs:boolean`
//!   (`true`/`1`, `false`/`0`);
//! - one writer ([`write`](mod@write)): every document starts with the one
//!   [`DECLARATION`], is written front to back by [`XmlWriter`] (or the
//!   flat [`document`] built on it), and escapes every value ([`text`]), so
//!   a string from a peer can never make a document malformed or change its
//!   structure.

pub mod read;
pub mod shape;
pub mod text;
pub mod write;

pub use write::{document, XmlWriter, DECLARATION};
