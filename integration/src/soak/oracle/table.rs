//! The oracle's own table: which CSTA events a client monitoring a device should get for each
//! event the simulator emitted for that device's subscription. Written from the README's event
//! mapping and contact-centre tables, with a small view per device (which legs a client has
//! been told of, and the callID each carries), never with bwcsta's translator: the product is
//! not checked against itself.

use std::collections::{BTreeSet, HashMap};

use crate::sim::chaos::Fact;

/// One CSTA event a monitor of the device should get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// The event's root element.
    pub kind: &'static str,
    /// Its primary connection's callID (`None` for agent events).
    pub call: Option<String>,
    /// A resync's clearing of a leg the view holds (after a subscription was created anew, the
    /// connector may or may not have known the leg): may come, need not.
    pub optional: bool,
}

/// The CSTA callID of extTrackingId `<ext>:1`.
pub fn call_id(ext: u64) -> String {
    format!("{ext}:1")
}

#[derive(Clone, Debug)]
struct Leg {
    /// The callID the client knows the leg by.
    alias: String,
    /// Joined into another call by a conference: keeps its alias.
    joined: bool,
}

/// What the connector has told about one device's calls (a call user) or queue (a call
/// centre): enough to name the callID of each event.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// Leg (BroadWorks call half) → what it is known by.
    legs: HashMap<u64, Leg>,
    /// Calls in the queue (by extTrackingId number).
    queue: BTreeSet<u64>,
    /// Events whose type the table does not know.
    pub unmodelled: u64,
}

fn expect(kind: &'static str, call: String) -> Expect {
    Expect {
        kind,
        call: Some(call),
        optional: false,
    }
}

/// The CSTA event of a call event type, `None` for none.
fn call_kind(kind: &str) -> Option<Option<&'static str>> {
    Some(Some(match kind {
        "CallOriginatingEvent" | "CallCollectingEvent" => "ServiceInitiatedEvent",
        "CallOriginatedEvent" => "OriginatedEvent",
        "CallReceivedEvent" => "DeliveredEvent",
        "CallAnsweredEvent" => "EstablishedEvent",
        "CallHeldEvent" => "HeldEvent",
        "CallRetrievedEvent" | "CallParkRetrievedEvent" => "RetrievedEvent",
        "CallTransferredEvent" => "TransferedEvent",
        "CallForwardedEvent" | "CallPickedUpEvent" => "DivertedEvent",
        "CallMonitoredEvent" | "CallBargedInEvent" => "ConferencedEvent",
        // Handled apart: they depend on what the view holds.
        "CallReleasingEvent" | "CallReleasedEvent" | "CallDetachedEvent" => return Some(None),
        _ => return None,
    }))
}

/// The CSTA event of a queue event type, and whether the call leaves the queue with it.
fn queue_kind(kind: &str) -> Option<(&'static str, bool)> {
    let k = kind
        .strip_prefix("ACD")
        .or_else(|| kind.strip_prefix("RoutePoint"))?;
    Some(match k {
        "CallAddedEvent" if kind.starts_with("ACD") => ("QueuedEvent", false),
        "CallAddedEvent" | "CallOfferedToAgentEvent" | "CallBouncedEvent" => {
            ("DeliveredEvent", false)
        }
        "CallAnsweredByAgentEvent"
        | "CallOverflowedEvent"
        | "CallForwardedEvent"
        | "CallTransferredEvent"
        | "NightPolicyAppliedEvent"
        | "HolidayPolicyAppliedEvent" => ("DivertedEvent", true),
        "CallAbandonedEvent" | "CallReleasedEvent" | "CallEscapedEvent" | "CallStrandedEvent"
        | "CallFailedEvent" => ("ConnectionClearedEvent", true),
        "CallPromotedEvent" | "CallReorderedEvent" => ("CallInformationEvent", false),
        _ => return None,
    })
}

/// The agent event of an ACD state.
fn agent_kind(state: &str) -> Option<&'static str> {
    Some(match state {
        "Sign-In" => "AgentLoggedOnEvent",
        "Available" => "AgentReadyEvent",
        "Unavailable" => "AgentNotReadyEvent",
        "Wrap-Up" => "AgentWorkingAfterCallEvent",
        "Sign-Out" => "AgentLoggedOffEvent",
        _ => return None,
    })
}

impl View {
    /// The callID of leg `half` (its extTrackingId `ext` when the view does not hold it).
    fn alias(&self, half: u64, ext: u64) -> String {
        self.legs
            .get(&half)
            .map_or_else(|| call_id(ext), |l| l.alias.clone())
    }

    fn upsert(&mut self, half: u64, ext: u64) {
        match self.legs.get_mut(&half) {
            Some(leg) if leg.joined => {}
            Some(leg) => leg.alias = call_id(ext),
            None => {
                self.legs.insert(
                    half,
                    Leg {
                        alias: call_id(ext),
                        joined: false,
                    },
                );
            }
        }
    }

    /// The CSTA events of one emitted event; `initial`: it is the first event of its
    /// subscription (a snapshot whose clearings are optional).
    pub fn apply(&mut self, fact: &Fact, initial: bool) -> Vec<Expect> {
        match fact {
            Fact::Call {
                kind,
                half,
                ext,
                release_cause,
                ..
            } => self.call(kind, *half, *ext, *release_cause),
            Fact::Redirected { half, ext } => {
                let call = self.alias(*half, *ext);
                self.legs.remove(half);
                vec![expect("DivertedEvent", call)]
            }
            Fact::Conference { kind, halves } => self.conference(kind, halves),
            Fact::Snapshot { kind, listed } => self.snapshot(kind, listed, initial),
            Fact::Queue { kind, ext } => match queue_kind(kind) {
                Some((csta, leaves)) => {
                    if leaves {
                        self.queue.remove(ext);
                    } else {
                        self.queue.insert(*ext);
                    }
                    vec![expect(csta, call_id(*ext))]
                }
                None => {
                    self.unmodelled += 1;
                    Vec::new()
                }
            },
            Fact::Agent { state } => match agent_kind(state) {
                Some(kind) => vec![Expect {
                    kind,
                    call: None,
                    optional: false,
                }],
                None => Vec::new(),
            },
            Fact::Other { kind } => {
                if !matches!(
                    kind.as_str(),
                    "HookStatusEvent" | "SubscriptionTerminatedEvent"
                ) {
                    self.unmodelled += 1;
                }
                Vec::new()
            }
        }
    }

    fn call(&mut self, kind: &str, half: u64, ext: u64, release_cause: bool) -> Vec<Expect> {
        let Some(csta) = call_kind(kind) else {
            self.unmodelled += 1;
            return Vec::new();
        };
        match (kind, csta) {
            ("CallReleasingEvent", _) => {
                self.upsert(half, ext);
                if release_cause {
                    vec![expect("FailedEvent", self.alias(half, ext))]
                } else {
                    Vec::new()
                }
            }
            (_, None) => match self.legs.remove(&half) {
                // Released or detached: cleared if the client was told of the leg.
                Some(leg) => vec![expect("ConnectionClearedEvent", leg.alias)],
                None => Vec::new(),
            },
            ("CallTransferredEvent", Some(csta)) => {
                let old = self.alias(half, ext);
                self.upsert(half, ext);
                vec![expect(csta, old)]
            }
            (_, Some(csta)) => {
                self.upsert(half, ext);
                vec![expect(csta, self.alias(half, ext))]
            }
        }
    }

    fn conference(&mut self, kind: &str, halves: &[u64]) -> Vec<Expect> {
        let known: Vec<u64> = halves
            .iter()
            .copied()
            .filter(|h| self.legs.contains_key(h))
            .collect();
        let Some(primary) = known.first().and_then(|h| self.legs.get(h)) else {
            return Vec::new();
        };
        let conf = primary.alias.clone();
        match kind {
            "ConferenceStartedEvent" | "ConferenceUpdatedEvent" => {
                let joining: Vec<u64> = known
                    .iter()
                    .copied()
                    .filter(|h| self.legs.get(h).is_some_and(|l| l.alias != conf))
                    .collect();
                if joining.is_empty() && kind == "ConferenceUpdatedEvent" {
                    return Vec::new();
                }
                for h in joining {
                    if let Some(leg) = self.legs.get_mut(&h) {
                        leg.alias = conf.clone();
                        leg.joined = true;
                    }
                }
                vec![expect("ConferencedEvent", conf)]
            }
            "ConferenceHeldEvent" => vec![expect("HeldEvent", conf)],
            "ConferenceRetrievedEvent" => vec![expect("RetrievedEvent", conf)],
            "ConferenceReleasedEvent" => {
                for h in &known {
                    self.legs.remove(h);
                }
                vec![expect("ConnectionClearedEvent", conf)]
            }
            _ => {
                self.unmodelled += 1;
                Vec::new()
            }
        }
    }

    /// A subscription's snapshot: what the view holds and the snapshot does not list is
    /// cleared (optional after a subscription was created anew); the rest is known from now.
    fn snapshot(&mut self, kind: &str, listed: &[(u64, u64)], initial: bool) -> Vec<Expect> {
        let mut out = Vec::new();
        match kind {
            "CallSubscriptionEvent" => {
                let mut gone: Vec<u64> = self
                    .legs
                    .keys()
                    .copied()
                    .filter(|h| !listed.iter().any(|(l, _)| l == h))
                    .collect();
                gone.sort_unstable();
                for h in gone {
                    if let Some(leg) = self.legs.remove(&h) {
                        let mut e = expect("ConnectionClearedEvent", leg.alias);
                        e.optional = initial;
                        out.push(e);
                    }
                }
                for &(half, ext) in listed {
                    self.upsert(half, ext);
                }
            }
            "ACDSubscriptionEvent" | "RoutePointSubscriptionEvent" => {
                let now: BTreeSet<u64> = listed.iter().map(|&(_, ext)| ext).collect();
                for &ext in self.queue.difference(&now) {
                    let mut e = expect("ConnectionClearedEvent", call_id(ext));
                    e.optional = true;
                    out.push(e);
                }
                self.queue = now;
            }
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(kind: &str, half: u64, ext: u64) -> Fact {
        Fact::Call {
            kind: kind.into(),
            half,
            ext,
            state: "Active",
            personality: "Originator",
            release_cause: false,
        }
    }

    fn kinds(out: &[Expect]) -> Vec<(&'static str, Option<&str>, bool)> {
        out.iter()
            .map(|e| (e.kind, e.call.as_deref(), e.optional))
            .collect()
    }

    #[test]
    fn a_device_view_names_each_event() {
        let mut v = View::default();
        let snapshot = |listed: Vec<(u64, u64)>| Fact::Snapshot {
            kind: "CallSubscriptionEvent".into(),
            listed,
        };
        #[allow(clippy::type_complexity)]
        let steps: Vec<(Fact, bool, Vec<(&str, Option<&str>, bool)>)> = vec![
            (snapshot(vec![(9, 4)]), true, vec![]),
            (
                call("CallReceivedEvent", 1, 1),
                false,
                vec![("DeliveredEvent", Some("1:1"), false)],
            ),
            (
                call("CallAnsweredEvent", 1, 1),
                false,
                vec![("EstablishedEvent", Some("1:1"), false)],
            ),
            (
                call("CallTransferredEvent", 1, 7),
                false,
                vec![("TransferedEvent", Some("1:1"), false)],
            ),
            (
                call("CallHeldEvent", 1, 7),
                false,
                vec![("HeldEvent", Some("7:1"), false)],
            ),
            (
                call("CallOriginatedEvent", 2, 8),
                false,
                vec![("OriginatedEvent", Some("8:1"), false)],
            ),
            (
                Fact::Conference {
                    kind: "ConferenceStartedEvent".into(),
                    halves: vec![1, 2],
                },
                false,
                vec![("ConferencedEvent", Some("7:1"), false)],
            ),
            (
                call("CallRetrievedEvent", 2, 8),
                false,
                vec![("RetrievedEvent", Some("7:1"), false)],
            ),
            (
                call("CallReleasedEvent", 1, 7),
                false,
                vec![("ConnectionClearedEvent", Some("7:1"), false)],
            ),
            (
                Fact::Conference {
                    kind: "ConferenceReleasedEvent".into(),
                    halves: vec![2],
                },
                false,
                vec![("ConnectionClearedEvent", Some("7:1"), false)],
            ),
            (call("CallReleasedEvent", 2, 8), false, vec![]),
            (
                Fact::Redirected { half: 3, ext: 5 },
                false,
                vec![("DivertedEvent", Some("5:1"), false)],
            ),
            (
                Fact::Other {
                    kind: "HookStatusEvent".into(),
                },
                false,
                vec![],
            ),
            (
                call("CallReceivedEvent", 4, 6),
                false,
                vec![("DeliveredEvent", Some("6:1"), false)],
            ),
            (
                snapshot(vec![]),
                false,
                vec![
                    ("ConnectionClearedEvent", Some("6:1"), false),
                    ("ConnectionClearedEvent", Some("4:1"), false),
                ],
            ),
            (
                call("CallReceivedEvent", 5, 10),
                false,
                vec![("DeliveredEvent", Some("10:1"), false)],
            ),
            (
                snapshot(vec![]),
                true,
                vec![("ConnectionClearedEvent", Some("10:1"), true)],
            ),
            (
                Fact::Agent {
                    state: "Wrap-Up".into(),
                },
                false,
                vec![("AgentWorkingAfterCallEvent", None, false)],
            ),
            (
                Fact::Queue {
                    kind: "ACDCallAddedEvent".into(),
                    ext: 3,
                },
                false,
                vec![("QueuedEvent", Some("3:1"), false)],
            ),
            (
                Fact::Queue {
                    kind: "ACDCallAnsweredByAgentEvent".into(),
                    ext: 3,
                },
                false,
                vec![("DivertedEvent", Some("3:1"), false)],
            ),
        ];
        for (i, (fact, initial, want)) in steps.iter().enumerate() {
            let got = v.apply(fact, *initial);
            assert_eq!(kinds(&got), *want, "step {i}: {fact:?}");
        }
        assert_eq!(v.unmodelled, 0);
        v.apply(&call("CallSomethingNewEvent", 1, 1), false);
        assert_eq!(v.unmodelled, 1);
    }
}
