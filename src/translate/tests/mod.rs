//! Data-driven tests of the Xsi → CSTA translation.
//!
//! Every case starts from Xsi event documents as BroadWorks writes them on an
//! event channel (the `xsi:Event` envelope, the `call` children in the
//! order of the Xsi schema's `Call` type), runs them through `parse_doc` →
//! [`Translator::accept`] → [`Translator::translate`] → `to_xml`, and checks
//! the produced CSTA documents twice (`contact` does the same for the
//! contact-centre events: queues, route points, agents):
//! - by parsing them back with [`crate::csta::parse::parse`] and comparing
//!   the event name, the subject connection, every device field,
//!   `localConnectionInfo` and `cause` (plus `secondaryOldCall` and the
//!   connection lists, read with sxd);
//! - against the ECMA-323 ed3 structure with the shared checker
//!   (`csta::schema_check`): children in schema order, every child known,
//!   enumerated values (cause, localConnectionInfo) among the schema's values.
//!
//! Layout: the fixtures are `xsi_side` (Xsi documents as BroadWorks writes
//! them, and the [`Harness`] that feeds them) and `csta_side` (what a
//! produced event must contain); the tests are `mapping` (the mapping table,
//! every row run), `delivery` (exactly-once, ordering, snapshot), `numbers`
//! (remote party numbers), `vocabulary` (every Xsi value read has its CSTA
//! cause) and `checkers` (the fixtures and checkers themselves).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sxd_document::dom::Element;

use crate::csta::edition::Edition;
use crate::csta::parse::{parse, ConnectionId, Message, SnapshotItem};
use crate::csta::schema_check::{self, elements, local, text, ED3};
use crate::xsi::parse::{parse_doc, RemoteParty, XsiDoc, XsiEvent};

use super::map::{number_of, remote_device};
use super::out::Dev;
use super::Translator;

mod csta_side;
mod xsi_side;

mod checkers;
mod contact;
mod delivery;
mod mapping;
mod numbers;
mod vocabulary;

use csta_side::*;
use xsi_side::*;

/// A produced document against the ECMA-323 ed3 structure.
fn schema_check(xml: &str) -> Result<(), String> {
    schema_check::load(ED3).check(xml)
}
