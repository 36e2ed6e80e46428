//! The call model: what the connector knows of every call of every
//! monitored user.
//!
//! A BroadWorks `callId` identifies one party's leg (a CSTA connection); the
//! `extTrackingId` is shared by the legs of one call and is the CSTA callID.
//! A party keeps the CSTA callID it was last reported with, which can differ
//! from its current extTrackingId when a conference joined it into another
//! call. Later events (transfer, conference, release, resync) are
//! translated with what the model remembers; SnapshotDevice answers from it.

use std::collections::{HashMap, VecDeque};

use crate::xsi::parse::CallState;

use super::out::Dev;

#[derive(Clone, Debug, PartialEq)]
pub struct Party {
    /// BroadWorks callId of this user's leg.
    pub leg: String,
    /// CSTA callID reported for this leg.
    pub csta_call: String,
    pub state: CallState,
    pub remote: Dev,
    pub originator: bool,
    /// Joined into another CSTA call by a conference: keeps `csta_call`
    /// even though BroadWorks still reports the leg's own extTrackingId.
    pub joined: bool,
    /// Answered once already: a second CallAnsweredEvent (after a blind
    /// transfer) means the new remote party answered.
    pub answered: bool,
    /// Started as a click-to-dial (CallOriginating): its CallOriginated is
    /// the user answering the click-to-dial leg (cause makeCall).
    pub click_to_dial: bool,
}

/// Legs remembered per user as released, so that the answer to the request
/// that started one, coming after its release, cannot bring it back.
const RECENTLY_RELEASED: usize = 16;

#[derive(Default)]
pub struct CallModel {
    /// user id → leg callId → party.
    users: HashMap<String, HashMap<String, Party>>,
    /// user id → the legs last released, oldest first (at most
    /// [`RECENTLY_RELEASED`]); forgotten with the user.
    released: HashMap<String, VecDeque<String>>,
}

impl CallModel {
    pub fn get(&self, user: &str, leg: &str) -> Option<&Party> {
        self.users.get(user)?.get(leg)
    }

    pub fn get_mut(&mut self, user: &str, leg: &str) -> Option<&mut Party> {
        self.users.get_mut(user)?.get_mut(leg)
    }

    pub fn insert(&mut self, user: &str, party: Party) {
        self.users
            .entry(user.to_owned())
            .or_default()
            .insert(party.leg.clone(), party);
    }

    /// Removes a leg that has ended (released, redirected away, no longer
    /// reported), remembering it as released even when it was not known.
    pub fn remove(&mut self, user: &str, leg: &str) -> Option<Party> {
        let recent = match self.released.get_mut(user) {
            Some(recent) => recent,
            None => self.released.entry(user.to_owned()).or_default(),
        };
        if !recent.iter().any(|l| l == leg) {
            if recent.len() >= RECENTLY_RELEASED {
                recent.pop_front();
            }
            recent.push_back(leg.to_owned());
        }
        let legs = self.users.get_mut(user)?;
        let p = legs.remove(leg);
        if legs.is_empty() {
            self.users.remove(user);
        }
        p
    }

    pub fn parties(&self, user: &str) -> Vec<Party> {
        let mut v: Vec<Party> = self
            .users
            .get(user)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        v.sort_by(|a, b| a.leg.cmp(&b.leg));
        v
    }

    /// The legs of `user` reported with CSTA callID `csta_call` (a CSTA
    /// connection), sorted by leg. Usually one; the conference controller
    /// has one per conferenced party.
    pub fn legs_of_call(&self, user: &str, csta_call: &str) -> Vec<&Party> {
        let mut legs: Vec<&Party> = self
            .users
            .get(user)
            .map(|m| m.values().filter(|p| p.csta_call == csta_call).collect())
            .unwrap_or_default();
        legs.sort_by(|a, b| a.leg.cmp(&b.leg));
        legs
    }

    /// Records a call bwcsta itself started (MakeCall, ConsultationCall)
    /// before BroadWorks reports it, so that the requests and events that
    /// follow find it. A leg already known (its first event came first) is
    /// left as it is, and one already released (its events, release
    /// included, all came before the answer) is not brought back.
    pub fn started(&mut self, user: &str, leg: &str, csta_call: &str, remote: Dev) {
        if self.get(user, leg).is_some() {
            return;
        }
        let released = self.released.get(user);
        if released.is_some_and(|r| r.iter().any(|l| l == leg)) {
            return;
        }
        self.insert(
            user,
            Party {
                leg: leg.to_owned(),
                csta_call: csta_call.to_owned(),
                state: CallState::Alerting,
                remote,
                originator: true,
                joined: false,
                answered: false,
                click_to_dial: true,
            },
        );
    }

    pub fn forget_user(&mut self, user: &str) {
        self.users.remove(user);
        self.released.remove(user);
    }

    /// Number of parties across all users.
    pub fn len(&self) -> usize {
        self.users.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// CSTA `localConnectionInfo` of the user's own connection in `p`: a call
/// the user placed is connected while the far end rings (BroadWorks reports
/// it as Alerting from the originator's side).
pub fn party_state(p: &Party) -> &'static str {
    match p.state {
        CallState::Alerting if p.originator => "connected",
        ref s => local_state(s),
    }
}

/// CSTA `localConnectionInfo` for a BroadWorks call state.
pub fn local_state(state: &CallState) -> &'static str {
    match state {
        CallState::Alerting => "alerting",
        CallState::Active | CallState::RemoteHeld => "connected",
        CallState::Held => "hold",
        CallState::Released | CallState::Detached | CallState::Idle => "null",
        CallState::Other(_) => "connected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(leg: &str, call: &str) -> Party {
        Party {
            leg: leg.into(),
            csta_call: call.into(),
            state: CallState::Alerting,
            remote: Dev::Remote("2002".into()),
            originator: true,
            joined: false,
            answered: false,
            click_to_dial: false,
        }
    }

    #[test]
    fn insert_get_remove() {
        let mut m = CallModel::default();
        m.insert("u", party("l1", "c1"));
        m.insert("u", party("l2", "c2"));
        m.insert("v", party("l3", "c1"));
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("u", "l2").map(|p| p.csta_call.as_str()), Some("c2"));
        assert_eq!(m.parties("u").len(), 2);
        assert!(m.remove("u", "l1").is_some());
        assert!(m.remove("u", "l1").is_none());
        m.forget_user("v");
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn connections_map_to_legs() {
        let mut m = CallModel::default();
        m.insert("u", party("callhalf-2:0", "1:1"));
        m.insert("u", party("callhalf-9:0", "5:1"));
        // A conference controller: two legs joined under one callID.
        m.insert("u", party("callhalf-4:0", "5:1"));
        m.insert("v", party("callhalf-3:0", "1:1"));
        let legs = |user: &str, call: &str| -> Vec<String> {
            m.legs_of_call(user, call)
                .iter()
                .map(|p| p.leg.clone())
                .collect()
        };
        let cases: &[(&str, &str, &[&str])] = &[
            ("u", "1:1", &["callhalf-2:0"]),
            ("v", "1:1", &["callhalf-3:0"]),
            ("u", "5:1", &["callhalf-4:0", "callhalf-9:0"]),
            ("u", "7:1", &[]),
            ("w", "1:1", &[]),
            ("u", "callhalf-2:0", &[]),
        ];
        for (user, call, want) in cases {
            assert_eq!(legs(user, call), *want, "{user} {call}");
        }
    }

    #[test]
    fn a_started_call_is_known_before_its_first_event() {
        let mut m = CallModel::default();
        m.started("u", "callhalf-7:0", "3:1", Dev::Remote("2002".into()));
        let p = m.get("u", "callhalf-7:0").cloned().expect("seeded");
        assert_eq!(p.csta_call, "3:1");
        assert!(p.originator && p.click_to_dial);
        assert_eq!(m.legs_of_call("u", "3:1").len(), 1);
        // Its event came first: what the event said stays.
        let mut known = party("callhalf-8:0", "4:1");
        known.state = CallState::Active;
        m.insert("u", known.clone());
        m.started("u", "callhalf-8:0", "other", Dev::NotKnown);
        assert_eq!(m.get("u", "callhalf-8:0"), Some(&known));
    }

    #[test]
    fn a_started_call_released_before_the_answer_stays_released() {
        let mut m = CallModel::default();
        // Its events came first, release included; or only the release.
        m.insert("u", party("callhalf-7:0", "3:1"));
        assert!(m.remove("u", "callhalf-7:0").is_some());
        assert!(m.remove("u", "callhalf-8:0").is_none());
        for leg in ["callhalf-7:0", "callhalf-8:0"] {
            m.started("u", leg, "3:1", Dev::NotKnown);
            assert_eq!(m.get("u", leg), None, "{leg}");
        }
        // Per user: another user's leg of that name is started.
        m.started("v", "callhalf-7:0", "3:1", Dev::NotKnown);
        assert!(m.get("v", "callhalf-7:0").is_some());
        // Bounded: the oldest releases are forgotten first.
        for n in 0..RECENTLY_RELEASED {
            m.remove("u", &format!("later-{n}"));
            m.remove("u", "later-0"); // a repeat takes no extra place
        }
        m.started("u", "callhalf-8:0", "3:1", Dev::NotKnown);
        assert!(m.get("u", "callhalf-8:0").is_some(), "forgotten: started");
        m.started("u", "later-0", "3:1", Dev::NotKnown);
        assert_eq!(m.get("u", "later-0"), None, "still remembered");
        assert!(m.released.values().all(|r| r.len() <= RECENTLY_RELEASED));
        // Forgetting the user forgets its releases.
        m.forget_user("u");
        m.started("u", "later-0", "3:1", Dev::NotKnown);
        assert!(m.get("u", "later-0").is_some());
    }

    #[test]
    fn states() {
        let cases = [
            (CallState::Alerting, "alerting"),
            (CallState::Active, "connected"),
            (CallState::Held, "hold"),
            (CallState::RemoteHeld, "connected"),
            (CallState::Released, "null"),
        ];
        for (s, want) in cases {
            assert_eq!(local_state(&s), want);
        }
    }
}
