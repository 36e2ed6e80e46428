//! Finding legs by BroadWorks call id, for the Xsi-Actions endpoints, and counting calls.

use super::{CallModel, Leg};

/// `callhalf-<n>:0` → `n`.
pub(crate) fn half_of(call_id: &str) -> Option<u64> {
    call_id
        .strip_prefix("callhalf-")?
        .strip_suffix(":0")?
        .parse()
        .ok()
}

impl CallModel {
    /// The call number and leg of `dn` whose call id is `callhalf-<half>:0`.
    pub(crate) fn leg_of(&self, dn: &str, half: u64) -> Option<(u64, Leg)> {
        self.calls.iter().find_map(|(n, call)| {
            call.legs
                .iter()
                .find(|l| l.dn == dn && l.half == half)
                .map(|l| (*n, l.clone()))
        })
    }

    /// How many calls were started (call numbers handed out).
    pub(crate) fn calls_started(&self) -> u64 {
        self.next_call.saturating_sub(1)
    }

    /// The call-half number of `dn`'s leg in call `n`.
    pub(crate) fn half_in(&self, n: u64, dn: &str) -> Option<u64> {
        self.calls
            .get(&n)?
            .legs
            .iter()
            .find(|l| l.dn == dn)
            .map(|l| l.half)
    }
}
