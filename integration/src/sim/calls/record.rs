//! The call model as a record for an oracle: the facts of the payloads it builds (noted for the
//! journal, see `sim::journal`) and its live calls, read from the model's own legs.

use super::{CallModel, Leg};
use crate::sim::journal::Fact;

/// One leg of a live call, as the model holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveLeg {
    /// The call's number in the model (what [`crate::sim::CallId`] holds).
    pub call: u64,
    pub dn: String,
    /// The `n` of `callhalf-<n>:0`.
    pub half: u64,
    /// The `n` of the extTrackingId `<n>:1`: the CSTA callID.
    pub ext: u64,
    /// `Alerting`, `Active`, `Held`, `Remote Held`, …
    pub state: &'static str,
    /// `Originator`, `Terminator`, `Click-to-Dial`.
    pub personality: &'static str,
}

/// The live calls: every leg, and the conferences (controller DN, the halves it joined).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveCalls {
    pub legs: Vec<LiveLeg>,
    pub conferences: Vec<(String, Vec<u64>)>,
}

pub(super) fn leg_fact(kind: &str, leg: &Leg) -> Fact {
    Fact::Call {
        kind: kind.to_owned(),
        half: leg.half,
        ext: leg.ext,
        state: leg.state.as_str(),
        personality: leg.personality.as_str(),
        release_cause: leg.release_cause.is_some(),
    }
}

pub(super) fn redirected_fact(leg: &Leg) -> Fact {
    Fact::Redirected {
        half: leg.half,
        ext: leg.ext,
    }
}

pub(super) fn conference_fact(kind: &str, halves: &[u64]) -> Fact {
    Fact::Conference {
        kind: kind.to_owned(),
        halves: halves.to_vec(),
    }
}

impl CallModel {
    /// (half, ext) of every leg `dn` has: what its `CallSubscriptionEvent` lists.
    pub(crate) fn legs_of(&self, dn: &str) -> Vec<(u64, u64)> {
        self.calls
            .values()
            .flat_map(|c| c.legs.iter())
            .filter(|l| l.dn == dn)
            .map(|l| (l.half, l.ext))
            .collect()
    }

    pub(crate) fn live(&self) -> LiveCalls {
        let legs = self
            .calls
            .iter()
            .flat_map(|(&call, c)| {
                c.legs.iter().map(move |l| LiveLeg {
                    call,
                    dn: l.dn.clone(),
                    half: l.half,
                    ext: l.ext,
                    state: l.state.as_str(),
                    personality: l.personality.as_str(),
                })
            })
            .collect();
        let mut conferences: Vec<(String, Vec<u64>)> = self
            .conferences
            .iter()
            .map(|(dn, halves)| (dn.clone(), halves.clone()))
            .collect();
        conferences.sort();
        LiveCalls { legs, conferences }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_of_call_events_come_from_the_legs() {
        let mut m = CallModel::new("example.net");
        m.notes.set_on(true);
        let (n, emits) = m.call("2001", "2002", 1);
        let received = emits.last().expect("CallReceived");
        assert_eq!(
            m.notes.fact(&received.data),
            Some(Fact::Call {
                kind: "CallReceivedEvent".into(),
                half: 1002,
                ext: n,
                state: "Alerting",
                personality: "Terminator",
                release_cause: false,
            })
        );
        let live = m.live();
        assert_eq!(live.legs.len(), 2);
        assert_eq!(
            (live.legs[1].dn.as_str(), live.legs[1].state),
            ("2002", "Alerting")
        );
        assert_eq!(m.legs_of("2002"), [(1002, n)]);
        let emits = m.blind_transfer(n, "2002", "2003", 2);
        assert_eq!(
            m.notes.fact(&emits[0].data),
            Some(Fact::Redirected { half: 1002, ext: n })
        );
        let (b, _) = m.call("2001", "2004", 3);
        let started = m.conference(n, b, "2001");
        assert_eq!(
            m.notes.fact(&started[0].data),
            Some(Fact::Conference {
                kind: "ConferenceStartedEvent".into(),
                halves: vec![1001, 1004],
            })
        );
        assert_eq!(
            m.live().conferences,
            [("2001".to_owned(), vec![1001, 1004])]
        );
    }
}
