//! The simulator's own schema check ([`SimConfig::schema_check`]): every document it sends
//! (the documents of the channel streams, the XML bodies of its answers) and every XML body
//! it receives is checked against the BroadWorks Xsi schema with the one checker
//! (`crate::schema::xsi`). Sent documents prove the end-to-end tests run against what
//! BroadWorks could send; received bodies catch a client sending what an XSP would refuse.
//! Nothing is changed or refused: each violation is counted by document kind (the
//! `eventData` type of an event, else the root element), its first occurrence kept and
//! every one logged. The check costs a parse per document, so benchmarks turn it off.
//!
//! A leaf: the stream writer and the connection loop call it through the hub.
//!
//! [`SimConfig::schema_check`]: super::SimConfig::schema_check

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::schema::xsi;

/// Most distinct kinds whose first violation is kept (the names come from documents).
const KINDS_KEPT: usize = 256;

/// What the check found; see [`SimStats::schema`](super::SimStats::schema).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaStats {
    /// The check is on.
    pub on: bool,
    /// Documents the simulator sent that were checked.
    pub sent: u64,
    /// XML request bodies received that were checked.
    pub received: u64,
    /// Violations by `sent <kind>` / `received <kind>`.
    pub violations: BTreeMap<String, u64>,
    /// The first violation of each of those, with what was wrong.
    pub first: BTreeMap<String, String>,
}

impl SchemaStats {
    /// Every violation, sent and received.
    pub fn violation_count(&self) -> u64 {
        self.violations.values().sum()
    }
}

/// See the module documentation.
#[derive(Default)]
pub(crate) struct Conformance {
    sent: AtomicU64,
    received: AtomicU64,
    found: Mutex<(BTreeMap<String, u64>, BTreeMap<String, String>)>,
}

impl Conformance {
    /// The check, with the schema read now: a missing structure file stops the start, not a
    /// stream writer later.
    pub(crate) fn new() -> Conformance {
        xsi::schema();
        Conformance::default()
    }

    /// Checks a document the simulator sends; `log` gets each violation.
    pub(crate) fn sent(&self, doc: &[u8], log: impl FnOnce(String)) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.check("sent", doc, log);
    }

    /// Checks an XML request body the simulator received.
    pub(crate) fn received(&self, doc: &[u8], log: impl FnOnce(String)) {
        self.received.fetch_add(1, Ordering::Relaxed);
        self.check("received", doc, log);
    }

    fn check(&self, direction: &str, doc: &[u8], log: impl FnOnce(String)) {
        let (kind, result) = match std::str::from_utf8(doc) {
            Ok(text) => xsi::schema().check_document(text),
            Err(e) => ("(not UTF-8)".to_owned(), Err(e.to_string())),
        };
        let Err(error) = result else {
            return;
        };
        let key = format!("{direction} {kind}");
        let text = String::from_utf8_lossy(doc);
        log(format!(
            "schema violation in a document {direction}: {error}: {text}"
        ));
        let mut found = self.found.lock();
        let (counts, first) = &mut *found;
        *counts.entry(key.clone()).or_default() += 1;
        if first.len() < KINDS_KEPT {
            first
                .entry(key)
                .or_insert_with(|| format!("{error}: {text}"));
        }
    }

    pub(crate) fn stats(&self) -> SchemaStats {
        let found = self.found.lock();
        SchemaStats {
            on: true,
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            violations: found.0.clone(),
            first: found.1.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_counted_by_kind_and_logged() {
        let c = Conformance::default();
        let mut logged = Vec::new();
        let good =
            "<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><expires>1</expires></Channel>";
        let bad = "<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><colour/></Channel>";
        c.sent(good.as_bytes(), |l| logged.push(l));
        c.sent(bad.as_bytes(), |l| logged.push(l));
        c.sent(bad.as_bytes(), |l| logged.push(l));
        c.received(b"\xff", |l| logged.push(l));
        let stats = c.stats();
        assert_eq!((stats.sent, stats.received), (3, 1));
        assert_eq!(
            stats.violations,
            BTreeMap::from([
                ("sent Channel".to_owned(), 2),
                ("received (not UTF-8)".to_owned(), 1)
            ])
        );
        assert_eq!(stats.violation_count(), 3);
        assert!(stats.first["sent Channel"].contains("Channel/colour: not a child"));
        assert_eq!(logged.len(), 3);
        assert!(
            logged[0].contains("schema violation in a document sent"),
            "{}",
            logged[0]
        );
    }
}
