//! Test-only: the one schema checker lives in the test-support crate
//! (`bwcsta_integration::schema`, shared with the simulator and the
//! end-to-end tests, never compiled into the binary); this is its CSTA side
//! under the name the `csta::build`, `translate` and `dispatcher` tests use.

pub(crate) use bwcsta_integration::schema::ecma::{load, ECMA354, ED3, ED6};
pub(crate) use bwcsta_integration::schema::{elements, local, text};
