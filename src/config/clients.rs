//! `csta.clients`: the CTI clients this connector serves, each with its own
//! devices (README, "Securing the CSTA link").
//!
//! A connecting client is the first entry that [`admits`](ClientEntry::admits)
//! it: whose `allow` holds its address (an entry without `allow` holds every
//! address `csta.allow` lets in) and, when the entry names a
//! `certificate_cn`, whose verified TLS client certificate has that common
//! name. Its `devices` are the only devices it may monitor or control
//! ([`ClientEntry::covers`]); `control: false` leaves it monitoring,
//! snapshots and queries.

use std::collections::HashSet;
use std::net::IpAddr;

use serde_json::Value;

use super::devices::{entry, DevicePattern};
use super::ipnet::IpNet;
use super::problems::Problems;
use super::section::{indexed, join_path, Section};
use super::values::{array, boolean, ip_net, non_empty_string, positive_usize, quote};
use crate::device::user_for;

/// One entry of `csta.clients`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientEntry {
    /// `name` (required, unique): how log lines and the status file name it.
    pub name: String,
    /// `allow` [every address]: IPs or CIDR blocks.
    pub allow: Vec<IpNet>,
    /// `certificate_cn` [any]: the common name its TLS client certificate
    /// must have (only with `csta.tls.client_ca_file`).
    pub certificate_cn: Option<String>,
    /// `devices` (required, not empty): what it may monitor and control.
    pub devices: Vec<DevicePattern>,
    /// `control` [true]: `false` allows monitoring, snapshots and queries only.
    pub control: bool,
    /// `max_sessions` [csta.max_sessions]: its connections at once.
    pub max_sessions: usize,
}

impl ClientEntry {
    /// Whether a client connecting from `ip` with a certificate whose
    /// common name is `cn` (none without one) is this entry.
    pub fn admits(&self, ip: IpAddr, cn: Option<&str>) -> bool {
        let address = self.allow.is_empty() || self.allow.iter().any(|net| net.contains(ip));
        let name = match &self.certificate_cn {
            Some(wanted) => cn == Some(wanted.as_str()),
            None => true,
        };
        address && name
    }

    /// Whether `device` (a device id as the client names it, or a
    /// BroadWorks user id) is one of this client's devices.
    ///
    /// An entry with `@` is a user id (or a prefix of one) and is compared
    /// with the device's user id (`device@default_domain` for a device
    /// without `@`). An entry without `@` names devices of the default
    /// domain: it is compared with the device id without `@`, or with the
    /// part before `@` of a user id in the default domain, never with a user
    /// of another domain. So the prefix `20*` of one enterprise does not
    /// reach `2001@other-enterprise.net` on a shared BroadWorks.
    pub fn covers(&self, device: &str, default_domain: Option<&str>) -> bool {
        let device = device.trim();
        if device.is_empty() {
            return false;
        }
        let user = user_for(device, default_domain);
        let local = match device.split_once('@') {
            None => Some(device),
            Some((local, domain)) => default_domain
                .is_some_and(|d| d.eq_ignore_ascii_case(domain))
                .then_some(local),
        };
        self.devices.iter().any(|pattern| {
            if pattern.text().contains('@') {
                pattern.matches(&user)
            } else {
                local.is_some_and(|local| pattern.matches(local))
            }
        })
    }
}

/// `csta.clients` [none]. `max_sessions` is the default of each entry's
/// own; `client_certificates` says whether `csta.tls.client_ca_file` is
/// set (a `certificate_cn` needs it).
pub(super) fn read_clients(
    section: &mut Section<'_>,
    problems: &mut Problems,
    max_sessions: usize,
    client_certificates: bool,
) -> Vec<ClientEntry> {
    let path = section.key_path("clients");
    let Some(items) = section.field("clients", problems, array) else {
        return Vec::new();
    };
    if items.is_empty() {
        problems.push(
            path,
            "expected at least one client (leave csta.clients out to serve every client)",
        );
        return Vec::new();
    }
    let defaults = Defaults {
        max_sessions,
        client_certificates,
    };
    let mut names = HashSet::new();
    let mut clients = Vec::new();
    for (item_path, item) in indexed(&path, items) {
        let Some(client) = read_client(item, &item_path, &defaults, problems) else {
            continue;
        };
        if names.insert(client.name.clone()) {
            clients.push(client);
        } else {
            let message = format!("duplicate name {}", quote(&client.name));
            problems.push(join_path(&item_path, "name"), message);
        }
    }
    clients
}

struct Defaults {
    max_sessions: usize,
    client_certificates: bool,
}

fn read_client(
    value: &Value,
    path: &str,
    defaults: &Defaults,
    problems: &mut Problems,
) -> Option<ClientEntry> {
    let mut section = Section::object(path.to_owned(), value, problems)?;
    let name = section.required("name", problems, non_empty_string);
    let allow = read_list(&mut section, "allow", problems, ip_net);
    let certificate_cn = section.field("certificate_cn", problems, non_empty_string);
    if certificate_cn.is_some() && !defaults.client_certificates {
        problems.push(
            section.key_path("certificate_cn"),
            "needs csta.tls.client_ca_file: a common name is only known from a verified client \
             certificate",
        );
    }
    let devices = read_list(&mut section, "devices", problems, entry);
    if devices.is_none() && !section.contains("devices") {
        problems.push(section.key_path("devices"), "missing");
    }
    let control = section.field_or("control", problems, true, boolean);
    let max_sessions = section.field_or(
        "max_sessions",
        problems,
        defaults.max_sessions,
        positive_usize,
    );
    section.finish(problems);
    Some(ClientEntry {
        name: name?,
        allow: allow.unwrap_or_default(),
        certificate_cn,
        devices: devices?,
        control,
        max_sessions,
    })
}

/// A list key whose every element `parse` reads (each problem reported on
/// its own); `None` when absent or invalid. An empty list is a problem: an
/// entry that matches no address or holds no device would be a typo.
fn read_list<T>(
    section: &mut Section<'_>,
    key: &'static str,
    problems: &mut Problems,
    parse: impl Fn(&Value) -> Result<T, String>,
) -> Option<Vec<T>> {
    let path = section.key_path(key);
    let items = section.field(key, problems, array)?;
    if items.is_empty() {
        problems.push(
            path,
            "must not be empty (leave it out, or list at least one)",
        );
        return None;
    }
    let before = problems.0.len();
    let parsed: Vec<T> = indexed(&path, items)
        .filter_map(|(item_path, item)| problems.check(item_path, parse(item)))
        .collect();
    (problems.0.len() == before).then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(allow: &[&str], cn: Option<&str>, devices: &[&str]) -> ClientEntry {
        ClientEntry {
            name: "c".to_owned(),
            allow: allow
                .iter()
                .map(|a| IpNet::parse(a).expect("net"))
                .collect(),
            certificate_cn: cn.map(str::to_owned),
            devices: devices
                .iter()
                .map(|d| DevicePattern::parse(d).expect("pattern"))
                .collect(),
            control: true,
            max_sessions: 1,
        }
    }

    #[test]
    fn admits_by_address_and_common_name() {
        let ip = |text: &str| text.parse::<IpAddr>().expect("ip");
        let by_address = client(&["10.20.0.0/16"], None, &["1"]);
        let by_name = client(&["10.20.0.5"], Some("tserver-a"), &["1"]);
        let anywhere = client(&[], None, &["1"]);
        let cases = [
            (&by_address, "10.20.3.4", None, true),
            (&by_address, "10.20.3.4", Some("anyone"), true),
            (&by_address, "10.21.0.1", None, false),
            (&by_address, "::ffff:10.20.0.9", None, true),
            (&by_name, "10.20.0.5", Some("tserver-a"), true),
            (&by_name, "10.20.0.5", Some("tserver-b"), false),
            (&by_name, "10.20.0.5", None, false),
            (&by_name, "10.20.0.6", Some("tserver-a"), false),
            (&anywhere, "192.0.2.1", None, true),
        ];
        for (entry, addr, cn, want) in cases {
            assert_eq!(entry.admits(ip(addr), cn), want, "{addr} {cn:?}");
        }
    }

    #[test]
    fn covers_devices_of_the_default_domain_only_by_local_patterns() {
        let c = client(
            &[],
            None,
            &["20*", "5000", "sales@example.net", "vip@other*"],
        );
        let domain = Some("example.net");
        let cases = [
            ("2001", domain, true),
            (" 2001 ", domain, true),
            ("2001@example.net", domain, true),
            ("2001@EXAMPLE.NET", domain, true),
            ("2001@other.net", domain, false),
            ("3001", domain, false),
            ("5000", domain, true),
            ("50001", domain, false),
            ("5000@example.net", domain, true),
            ("sales", domain, true),
            ("sales@example.net", domain, true),
            ("sales@other.net", domain, false),
            ("vip@other.net", domain, true),
            ("vip", domain, false),
            ("", domain, false),
            ("2001", None, true),
            ("2001@example.net", None, false),
            ("sales@example.net", None, true),
        ];
        for (device, default_domain, want) in cases {
            assert_eq!(
                c.covers(device, default_domain),
                want,
                "{device:?} with default domain {default_domain:?}"
            );
        }
    }
}
