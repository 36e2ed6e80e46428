//! The simulator's own record of what it did, for an oracle that checks a client against it
//! (the soak): every event emitted for a subscription, with its eventID and sequence number and
//! the facts of the call it is about as the simulator's models held them (never read back from
//! the document), and every subscription created and ended.
//!
//! Off until [`Simulator::start_journal`](super::Simulator::start_journal); then the models note
//! the facts of each payload they build ([`Notes`], keyed by the payload's hash) and the state
//! records each event document made from it. [`Journal::take`] hands the records over and
//! starts again empty (the soak drains it every second).

use std::cell::{Cell, RefCell};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::time::Instant;

/// Payload notes kept at most (the oldest go first): a payload is emitted while the operation
/// that built it holds the state lock, long before this many more are built.
const MAX_NOTES: usize = 4096;
/// Records kept between two takes at most (a soak takes them every second).
const MAX_RECORDS: usize = 1_000_000;

/// What an event is about, from the simulator's models.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// A call event (`CallReceivedEvent`, …): the user's leg as the call model holds it after
    /// the change.
    Call {
        kind: String,
        /// The `n` of the leg's `callhalf-<n>:0` (BroadWorks callId).
        half: u64,
        /// The `n` of its extTrackingId `<n>:1` (the CSTA callID).
        ext: u64,
        state: &'static str,
        personality: &'static str,
        /// A release cause is given (a call that could not be completed).
        release_cause: bool,
    },
    /// `CallRedirectedEvent`: the user's leg left the call (blind transfer, deflection).
    Redirected { half: u64, ext: u64 },
    /// `ConferenceStartedEvent`, `ConferenceReleasedEvent`, …: the participants' call halves.
    Conference { kind: String, halves: Vec<u64> },
    /// A subscription's snapshot (`CallSubscriptionEvent`, `ACDSubscriptionEvent`, …): the
    /// (half, ext) of every leg or queued call it lists.
    Snapshot {
        kind: String,
        listed: Vec<(u64, u64)>,
    },
    /// A queue event of a call centre or route point about call `ext`.
    Queue { kind: String, ext: u64 },
    /// `AgentStateEvent`: the agent's new ACD state.
    Agent { state: String },
    /// Anything else (`HookStatusEvent`, `SubscriptionTerminatedEvent`, `ACDAgentJoinUpdate`…).
    Other { kind: String },
}

impl Fact {
    /// The Xsi event type.
    pub fn kind(&self) -> &str {
        match self {
            Fact::Call { kind, .. }
            | Fact::Conference { kind, .. }
            | Fact::Snapshot { kind, .. }
            | Fact::Queue { kind, .. }
            | Fact::Other { kind } => kind,
            Fact::Redirected { .. } => "CallRedirectedEvent",
            Fact::Agent { .. } => "AgentStateEvent",
        }
    }
}

/// One event document made for one subscription.
#[derive(Clone, Debug)]
pub struct Emitted {
    pub at: Instant,
    /// The DN of the subscription's target.
    pub dn: String,
    pub subscription: String,
    pub package: String,
    pub event_id: String,
    pub sequence: u32,
    pub fact: Fact,
}

/// One record of the journal.
#[derive(Clone, Debug)]
pub enum Record {
    Event(Emitted),
    SubscriptionCreated {
        at: Instant,
        id: String,
        dn: String,
        package: String,
    },
    /// `why`: `deleted` (by the client), `expired`, `deleted by EventResponse 481`,
    /// `terminated by BroadWorks` (a fault).
    SubscriptionEnded {
        at: Instant,
        id: String,
        why: String,
    },
}

impl Record {
    pub fn at(&self) -> Instant {
        match self {
            Record::Event(e) => e.at,
            Record::SubscriptionCreated { at, .. } | Record::SubscriptionEnded { at, .. } => *at,
        }
    }
}

fn hash(data: &str) -> u64 {
    let mut h = DefaultHasher::new();
    data.hash(&mut h);
    h.finish()
}

/// Facts noted by the models for the payloads they build, until the state emits them.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    on: Cell<bool>,
    by_payload: RefCell<HashMap<u64, Fact>>,
    /// The payload hashes, oldest first.
    order: RefCell<VecDeque<u64>>,
}

impl Notes {
    pub(crate) fn set_on(&self, on: bool) {
        self.on.set(on);
        if !on {
            self.by_payload.borrow_mut().clear();
            self.order.borrow_mut().clear();
        }
    }

    /// Notes `fact` for payload `data` (nothing while the journal is off).
    pub(crate) fn note(&self, data: &str, fact: impl FnOnce() -> Fact) {
        if !self.on.get() {
            return;
        }
        let mut notes = self.by_payload.borrow_mut();
        let mut order = self.order.borrow_mut();
        while order.len() >= MAX_NOTES {
            if let Some(old) = order.pop_front() {
                notes.remove(&old);
            }
        }
        let key = hash(data);
        if notes.insert(key, fact()).is_none() {
            order.push_back(key);
        }
    }

    /// The fact noted for payload `data`, if any.
    pub(crate) fn fact(&self, data: &str) -> Option<Fact> {
        self.by_payload.borrow().get(&hash(data)).cloned()
    }
}

/// The records so far (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct Journal {
    on: bool,
    records: Vec<Record>,
    /// Records not kept because nobody took them in time.
    pub(crate) dropped: u64,
}

impl Journal {
    pub(crate) fn start(&mut self) {
        self.on = true;
    }

    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    pub(crate) fn push(&mut self, record: Record) {
        if !self.on {
            return;
        }
        if self.records.len() >= MAX_RECORDS {
            self.dropped += 1;
            return;
        }
        self.records.push(record);
    }

    pub(crate) fn take(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.records)
    }
}

/// The type of a payload built by `calls::event_data` (`<xsi:eventData xsi1:type="xsi:KIND">`):
/// how a payload nobody noted a fact for is classified.
pub(crate) fn payload_kind(data: &str) -> &str {
    const TYPE: &str = "xsi1:type=\"xsi:";
    let Some(at) = data.find(TYPE) else {
        return "";
    };
    let rest = &data[at + TYPE.len()..];
    &rest[..rest.find('"').unwrap_or(0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_kept_only_while_on_and_found_by_payload() {
        let notes = Notes::default();
        let fact = || Fact::Other {
            kind: "HookStatusEvent".into(),
        };
        notes.note("<a/>", fact);
        assert_eq!(notes.fact("<a/>"), None, "off: nothing is noted");
        notes.set_on(true);
        notes.note("<a/>", fact);
        assert_eq!(notes.fact("<a/>"), Some(fact()));
        assert_eq!(notes.fact("<b/>"), None);
        // The oldest go first, never the notes of the payloads just built.
        for i in 0..MAX_NOTES {
            notes.note(&format!("<n{i}/>"), fact);
        }
        assert_eq!(notes.fact("<a/>"), None);
        assert_eq!(notes.fact("<n0/>"), Some(fact()));
        notes.note("<b/>", fact);
        assert_eq!(notes.fact("<n0/>"), None);
        assert_eq!(notes.fact("<n1/>"), Some(fact()));
        assert_eq!(notes.fact("<b/>"), Some(fact()));
        notes.set_on(false);
        assert_eq!(notes.fact("<b/>"), None, "off: forgotten");
        let mut journal = Journal::default();
        journal.push(Record::SubscriptionEnded {
            at: Instant::now(),
            id: "s".into(),
            why: "expired".into(),
        });
        assert!(journal.take().is_empty(), "off: nothing is recorded");
        journal.start();
        journal.push(Record::SubscriptionEnded {
            at: Instant::now(),
            id: "s".into(),
            why: "expired".into(),
        });
        assert_eq!(journal.take().len(), 1);
        assert!(journal.take().is_empty());
        assert_eq!(
            payload_kind("<xsi:eventData xsi1:type=\"xsi:CallHeldEvent\"><x/>"),
            "CallHeldEvent"
        );
        assert_eq!(payload_kind("<x/>"), "");
    }
}
