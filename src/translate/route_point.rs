//! The route point's own state (README, Contact centre):
//! `RoutePointFailedEvent` → `OutOfServiceEvent` and
//! `RoutePointRecoveredEvent` → `BackInServiceEvent` on the route point's
//! monitors (device = the route point). While a route point is failed,
//! calls still arriving there are reported to its monitors but not offered
//! for routeing: the dispatcher asks [`RoutePointStates::is_failed`] before
//! a RouteRequest, and offers the waiting calls again once it recovers.

use std::collections::HashSet;

use crate::xsi::parse::EventData;

use super::out::{CstaEvent, Dev, Kind};

/// The route points (by user id) BroadWorks reported failed.
#[derive(Default)]
pub struct RoutePointStates {
    failed: HashSet<String>,
}

impl RoutePointStates {
    /// Route point `user` is failed: no RouteRequest for its calls.
    pub fn is_failed(&self, user: &str) -> bool {
        self.failed.contains(user)
    }

    pub fn forget_user(&mut self, user: &str) {
        self.failed.remove(user);
    }
}

/// Translates a route point state event of `user`; `None` when `data` is
/// not one.
pub fn translate(
    states: &mut RoutePointStates,
    user: &str,
    data: &EventData,
) -> Option<Vec<CstaEvent>> {
    let EventData::RoutePointState { failed, reason } = data else {
        return None;
    };
    let kind = if *failed {
        log::warn!(
            "{user}: route point failed ({}): its calls are not offered for routeing until it \
             recovers",
            reason.as_deref().unwrap_or("no reason given")
        );
        states.failed.insert(user.to_owned());
        Kind::OutOfService
    } else {
        if states.failed.remove(user) {
            log::info!("{user}: route point recovered: its calls are offered for routeing again");
        }
        Kind::BackInService
    };
    Some(vec![
        CstaEvent::without_connection(kind).device("device", Dev::Local)
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_and_recovered_set_the_state_and_report_it() {
        let mut states = RoutePointStates::default();
        let state = |failed| EventData::RoutePointState {
            failed,
            reason: failed.then(|| "Failed".to_owned()),
        };
        // (event, the CSTA event, failed afterwards)
        let cases = [
            (state(true), "OutOfServiceEvent", true),
            (state(true), "OutOfServiceEvent", true),
            (state(false), "BackInServiceEvent", false),
            (state(false), "BackInServiceEvent", false),
        ];
        for (data, element, failed) in cases {
            let out = translate(&mut states, "6000@d", &data).expect("a state event");
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].kind.element(), element);
            assert_eq!(out[0].devices, [("device", Dev::Local)]);
            assert_eq!(states.is_failed("6000@d"), failed, "{data:?}");
            assert!(!states.is_failed("6001@d"));
        }
        assert!(translate(&mut states, "6000@d", &EventData::SubscriptionTerminated).is_none());
        translate(&mut states, "6000@d", &state(true));
        states.forget_user("6000@d");
        assert!(!states.is_failed("6000@d"));
    }
}
