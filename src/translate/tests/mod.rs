//! Data-driven tests of the Xsi → CSTA translation.
//!
//! Every case starts from Xsi event documents as BroadWorks writes them on an
//! event channel (the `xsi:Event` envelope of xsi-protocol.md §4.1, the
//! `call` children in the §4.3 order), runs them through `parse_doc` →
//! [`Translator::accept`] → [`Translator::translate`] → `to_xml`, and checks
//! the produced CSTA documents twice:
//! - by parsing them back with [`crate::csta::parse::parse`] and comparing
//!   the event name, the subject connection, every device field,
//!   `localConnectionInfo` and `cause` (plus `secondaryOldCall` and the
//!   connection lists, read with sxd);
//! - against the ECMA-323 ed3 structure (`ecma323-ed3-structure.json`):
//!   children in schema order, every child known, enumerated values (cause,
//!   localConnectionInfo) among the schema's values.
//!
//! Cases whose expectation disagrees with the current mapping (what looks
//! like a bug in map.rs or model.rs) carry the reason in `bug` and are run
//! only by the `#[ignore]`d tests in `mapping`.
//!
//! Layout: the fixtures are `xsi_side` (Xsi documents as BroadWorks writes
//! them, and the [`Harness`] that feeds them), `csta_side` (what a produced
//! event must contain) and `schema` (the ed3 structure check); the tests are
//! `mapping` (the mapping table), `delivery` (exactly-once, ordering,
//! snapshot), `numbers` (remote party numbers) and `checkers` (the fixtures
//! and checkers themselves).

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use sxd_document::dom::{ChildOfElement, Element};

use crate::csta::edition::Edition;
use crate::csta::parse::{parse, ConnectionId, Message, SnapshotItem};
use crate::xsi::parse::{parse_doc, RemoteParty, XsiDoc, XsiEvent};

use super::map::{number_of, remote_device};
use super::out::Dev;
use super::Translator;

mod csta_side;
mod schema;
mod xsi_side;

mod checkers;
mod delivery;
mod mapping;
mod numbers;

use csta_side::*;
use schema::*;
use xsi_side::*;
