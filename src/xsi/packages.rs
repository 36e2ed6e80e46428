//! Which Xsi-Events packages a monitored device needs, by its kind
//! (README, "Contact centre").
//!
//! BroadWorks validates a subscription against its target: the call
//! packages (Basic, Standard, Advanced Call) are refused on a virtual user
//! such as a Call Center or a Route Point, whose events come in packages of
//! their own that target the virtual user directly. An agent is a plain
//! user whose agent state comes in `Call Center Agent`, beside its calls.

use crate::device::{DeviceKind, FeaturePackage};

/// The package of a Call Center's queue events (ACD events).
pub const CALL_CENTER_QUEUE: &str = "Call Center Queue";
/// The package of a Route Point's queue and treatment events.
pub const ROUTE_POINT_QUEUE: &str = "Route Point Queue";
/// The package of an agent's state and ACD join events.
pub const CALL_CENTER_AGENT: &str = "Call Center Agent";

/// The Xsi side of a device kind (the type is in [`crate::device`], a leaf
/// the configuration also uses).
impl DeviceKind {
    /// The packages to subscribe, in order; the first is the one whose
    /// refresh resynchronises the device (SnapshotDevice). `call_package`
    /// is `xsi.event_package`.
    pub fn packages(self, call_package: &str) -> Vec<String> {
        match self {
            DeviceKind::User => vec![call_package.to_owned()],
            DeviceKind::Agent => vec![call_package.to_owned(), CALL_CENTER_AGENT.to_owned()],
            DeviceKind::CallCenter => vec![CALL_CENTER_QUEUE.to_owned()],
            DeviceKind::RoutePoint => vec![ROUTE_POINT_QUEUE.to_owned()],
        }
    }

    /// [`packages`](Self::packages), then for a user or an agent the
    /// `features` (`xsi.feature_packages`), each a subscription of its own
    /// under the same monitor.
    pub fn subscribed(self, call_package: &str, features: &[FeaturePackage]) -> Vec<String> {
        let mut packages = self.packages(call_package);
        if matches!(self, DeviceKind::User | DeviceKind::Agent) {
            packages.extend(features.iter().map(|f| f.name().to_owned()));
        }
        packages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_per_kind() {
        let cases: &[(DeviceKind, &[&str])] = &[
            (DeviceKind::User, &["Advanced Call"]),
            (DeviceKind::Agent, &["Advanced Call", "Call Center Agent"]),
            (DeviceKind::CallCenter, &["Call Center Queue"]),
            (DeviceKind::RoutePoint, &["Route Point Queue"]),
        ];
        for (kind, want) in cases {
            assert_eq!(kind.packages("Advanced Call"), *want, "{kind:?}");
        }
        assert_eq!(DeviceKind::User.packages("Basic Call"), ["Basic Call"]);
    }

    #[test]
    fn feature_packages_only_for_users_and_agents() {
        let features = FeaturePackage::ALL;
        let cases: &[(DeviceKind, &[&str])] = &[
            (
                DeviceKind::User,
                &["Advanced Call", "Do Not Disturb", "Call Forwarding Always"],
            ),
            (
                DeviceKind::Agent,
                &[
                    "Advanced Call",
                    "Call Center Agent",
                    "Do Not Disturb",
                    "Call Forwarding Always",
                ],
            ),
            (DeviceKind::CallCenter, &["Call Center Queue"]),
            (DeviceKind::RoutePoint, &["Route Point Queue"]),
        ];
        for (kind, want) in cases {
            assert_eq!(
                kind.subscribed("Advanced Call", &features),
                *want,
                "{kind:?}"
            );
        }
        assert_eq!(
            DeviceKind::User.subscribed("Advanced Call", &[]),
            ["Advanced Call"]
        );
    }
}
