//! What a monitored device is on the BroadWorks side: the one word the
//! configuration's `devices` section decides ([`config`](crate::config)),
//! the Xsi side turns into event packages ([`xsi::packages`](crate::xsi::packages))
//! and the translator and dispatcher act on; and the extra packages
//! `xsi.feature_packages` adds for users and agents ([`FeaturePackage`]);
//! and the BroadWorks user a CSTA device is ([`user_for`]). A leaf, so that none of them imports another for it.

/// `2001` → `2001@<default_domain>`; ids with `@` are used as they are.
pub fn user_for(device: &str, default_domain: Option<&str>) -> String {
    match default_domain {
        Some(domain) if !device.contains('@') => format!("{device}@{domain}"),
        _ => device.to_owned(),
    }
}

/// What a CSTA device is on the BroadWorks side (`devices` in the
/// configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DeviceKind {
    /// A plain user.
    #[default]
    User,
    /// A user that is a call-centre agent.
    Agent,
    /// A BroadWorks Call Center (a CSTA ACD device).
    CallCenter,
    /// A BroadWorks Route Point (a CSTA routeing device).
    RoutePoint,
}

impl DeviceKind {
    /// For logs: `user`, `agent`, `call centre`, `route point`.
    pub fn label(self) -> &'static str {
        match self {
            DeviceKind::User => "user",
            DeviceKind::Agent => "agent",
            DeviceKind::CallCenter => "call centre",
            DeviceKind::RoutePoint => "route point",
        }
    }
}

/// An event package `xsi.feature_packages` subscribes, beside the call
/// package, for every monitored user and agent (README, Configuration
/// reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FeaturePackage {
    /// `Do Not Disturb`: `DoNotDisturbEvent`.
    DoNotDisturb,
    /// `Call Forwarding Always`: `CallForwardingAlwaysEvent`.
    CallForwardingAlways,
}

impl FeaturePackage {
    pub const ALL: [FeaturePackage; 2] = [
        FeaturePackage::DoNotDisturb,
        FeaturePackage::CallForwardingAlways,
    ];

    /// The package name, exactly as BroadWorks spells it (and the
    /// configuration must).
    pub fn name(self) -> &'static str {
        match self {
            FeaturePackage::DoNotDisturb => "Do Not Disturb",
            FeaturePackage::CallForwardingAlways => "Call Forwarding Always",
        }
    }

    /// The package called exactly `name`.
    pub fn from_name(name: &str) -> Option<FeaturePackage> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}
