//! The XML layer both protocol sides (CSTA northbound, Xsi southbound)
//! read and write through, sans-IO.
//!
//! - [`shape`]: the linear pre-scan that refuses documents nested too
//!   deeply or with too many attributes on one element, before the parser
//!   (quadratic in both) sees them;
//! - [`text`]: escaping for output, so a string from a peer can never make
//!   a document malformed.

pub mod shape;
pub mod text;
