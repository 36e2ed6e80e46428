//! The `csta` section: the northbound listener's settings and their reader.

use std::net::SocketAddr;
use std::time::Duration;

use super::clients::{read_clients, ClientEntry};
use super::ipnet::IpNet;
use super::problems::Problems;
use super::section::{indexed, Section};
use super::values::{array, boolean, edition, ip_net, positive_usize, seconds_or_off, socket_addr};
use crate::csta::edition::Edition;

/// `csta`: the northbound CSTA listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CstaConfig {
    /// `listen` [0.0.0.0:1040].
    pub listen: SocketAddr,
    /// `allow` [empty = everyone].
    pub allow: Vec<IpNet>,
    /// `max_sessions` [16], at least 1.
    pub max_sessions: usize,
    /// `edition` [ed3], one of [`EDITIONS`](super::EDITIONS).
    pub edition: Edition,
    /// `idle_timeout_s` [60]: a client silent this long is probed with
    /// SystemStatus; zero turns the check off.
    pub idle_timeout: Duration,
    /// `system_status_on_connect` [false].
    pub system_status_on_connect: bool,
    /// `clients` [none: every allowed client may monitor and control every
    /// device], in the order they are matched.
    pub clients: Vec<ClientEntry>,
}

impl Default for CstaConfig {
    fn default() -> Self {
        CstaConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 1040)),
            allow: Vec::new(),
            max_sessions: 16,
            edition: Edition::Ed3,
            idle_timeout: Duration::from_secs(60),
            system_status_on_connect: false,
            clients: Vec::new(),
        }
    }
}

pub(super) fn read_csta(mut section: Section<'_>, problems: &mut Problems) -> CstaConfig {
    let default = CstaConfig::default();
    let mut config = CstaConfig {
        listen: section.field_or("listen", problems, default.listen, socket_addr),
        allow: read_allow(&mut section, problems).unwrap_or_default(),
        max_sessions: section.field_or(
            "max_sessions",
            problems,
            default.max_sessions,
            positive_usize,
        ),
        edition: section.field_or("edition", problems, default.edition, edition),
        idle_timeout: section.field_or(
            "idle_timeout_s",
            problems,
            default.idle_timeout,
            seconds_or_off,
        ),
        system_status_on_connect: section.field_or(
            "system_status_on_connect",
            problems,
            default.system_status_on_connect,
            boolean,
        ),
        clients: Vec::new(),
    };
    config.clients = read_clients(&mut section, problems, config.max_sessions, false);
    section.finish(problems);
    config
}

/// `csta.allow`: every element is checked and reported on its own.
fn read_allow(section: &mut Section<'_>, problems: &mut Problems) -> Option<Vec<IpNet>> {
    let path = section.key_path("allow");
    let items = section.field("allow", problems, array)?;
    let nets = indexed(&path, items)
        .filter_map(|(item_path, item)| problems.check(item_path, ip_net(item)))
        .collect();
    Some(nets)
}
