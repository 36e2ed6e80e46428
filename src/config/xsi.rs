//! The `xsi` section: servers, credentials, timers and TLS, and their readers.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::problems::Problems;
use super::section::{indexed, join_path, Lookup, Section};
use super::url::server_url;
use super::values::{
    array, boolean, domain, file_path, integer, non_empty_string, quote, read_secret_file,
    readable_file, seconds, secret, show_path,
};
use super::Secret;
use crate::device::FeaturePackage;
use crate::http::target::Target;
use crate::http::tls::{CaCertificates, Trust};

const DEFAULT_APPLICATION_ID: &str = "bwcsta";
const DEFAULT_EVENT_PACKAGE: &str = "Advanced Call";
const DEFAULT_CHANNEL_EXPIRES: Duration = Duration::from_secs(3600);
const DEFAULT_SUBSCRIPTION_EXPIRES: Duration = Duration::from_secs(3600);
const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);
const DEFAULT_RECONNECT_INITIAL: Duration = Duration::from_secs(1);
const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(30);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// `xsi.reorder_wait_s` [5]: also the wait of a translator made without a
/// configuration (the replay of a capture that does not say it).
pub const DEFAULT_REORDER_WAIT: Duration = Duration::from_secs(5);
const DEFAULT_ACTION_WORKERS: usize = 8;
/// Each worker is a thread with one request in flight.
const MAX_ACTION_WORKERS: u64 = 256;
const DEFAULT_SUBSCRIPTION_WORKERS: usize = 32;
/// Each subscription worker is a thread with one request in flight.
const MAX_SUBSCRIPTION_WORKERS: u64 = 256;

/// `xsi`: the southbound Xsi connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XsiConfig {
    /// `servers` (required, at least one, unique non-empty names).
    pub servers: Vec<XspServer>,
    /// `username` (required).
    pub username: String,
    /// From exactly one of `password` / `password_file`.
    pub password: Secret,
    /// `application_id` [bwcsta].
    pub application_id: String,
    /// `channel_set_id` (required).
    pub channel_set_id: String,
    /// `default_domain` [none].
    pub default_domain: Option<String>,
    /// `event_package` [Advanced Call].
    pub event_package: String,
    /// `feature_packages` [none]: extra packages of users and agents, each
    /// once, in the order given.
    pub feature_packages: Vec<FeaturePackage>,
    /// `channel_expires_s` [3600].
    pub channel_expires: Duration,
    /// `subscription_expires_s` [3600].
    pub subscription_expires: Duration,
    /// `heartbeat_interval_s` [15].
    pub heartbeat_interval: Duration,
    /// `reconnect_initial_s` [1].
    pub reconnect_initial: Duration,
    /// `reconnect_max_s` [30], never less than `reconnect_initial`.
    pub reconnect_max: Duration,
    /// `request_timeout_s` [10].
    pub request_timeout: Duration,
    /// `reorder_wait_s` [5]: how long a subscription's events wait behind
    /// a missing sequence number (BroadWorks' re-send must fit in it).
    pub reorder_wait: Duration,
    /// `action_workers` [8]: call-control requests in flight at once.
    pub action_workers: usize,
    /// `subscription_workers` [32]: subscription requests in flight at once.
    pub subscription_workers: usize,
    /// `tls`: `ca_file` [system roots] read and checked at load time,
    /// `accept_invalid_certs` [false].
    pub tls: Trust,
}

/// One entry of `xsi.servers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XspServer {
    pub name: String,
    /// The URL as written, trailing `/` removed (for messages).
    pub url: String,
    /// Where the URL points; what every request to this XSP uses.
    pub target: Target,
}

pub(super) fn read_xsi(
    mut section: Section<'_>,
    base_dir: &Path,
    problems: &mut Problems,
) -> Option<XsiConfig> {
    let servers = read_servers(&mut section, problems);
    let username = section.required("username", problems, non_empty_string);
    let password = read_password(&mut section, base_dir, problems);
    let application_id = section.field_or(
        "application_id",
        problems,
        DEFAULT_APPLICATION_ID.to_string(),
        non_empty_string,
    );
    let channel_set_id = section.required("channel_set_id", problems, non_empty_string);
    let default_domain = section.field("default_domain", problems, domain);
    let event_package = section.field_or(
        "event_package",
        problems,
        DEFAULT_EVENT_PACKAGE.to_string(),
        non_empty_string,
    );
    let feature_packages = read_feature_packages(&mut section, problems);
    let channel_expires = section.field_or(
        "channel_expires_s",
        problems,
        DEFAULT_CHANNEL_EXPIRES,
        seconds,
    );
    let subscription_expires = section.field_or(
        "subscription_expires_s",
        problems,
        DEFAULT_SUBSCRIPTION_EXPIRES,
        seconds,
    );
    let heartbeat_interval = section.field_or(
        "heartbeat_interval_s",
        problems,
        DEFAULT_HEARTBEAT_INTERVAL,
        seconds,
    );
    let (reconnect_initial, reconnect_max) = read_backoff(&mut section, problems);
    let request_timeout = section.field_or(
        "request_timeout_s",
        problems,
        DEFAULT_REQUEST_TIMEOUT,
        seconds,
    );
    let reorder_wait = section.field_or("reorder_wait_s", problems, DEFAULT_REORDER_WAIT, seconds);
    let action_workers =
        section.field_or("action_workers", problems, DEFAULT_ACTION_WORKERS, |v| {
            integer(v, 1, MAX_ACTION_WORKERS).map(|n| n as usize)
        });
    let subscription_workers = section.field_or(
        "subscription_workers",
        problems,
        DEFAULT_SUBSCRIPTION_WORKERS,
        |v| integer(v, 1, MAX_SUBSCRIPTION_WORKERS).map(|n| n as usize),
    );
    let tls = read_tls(section.section("tls", problems), base_dir, problems);
    section.finish(problems);
    Some(XsiConfig {
        servers: servers?,
        username: username?,
        password: password?,
        application_id,
        channel_set_id: channel_set_id?,
        default_domain,
        event_package,
        feature_packages,
        channel_expires,
        subscription_expires,
        heartbeat_interval,
        reconnect_initial,
        reconnect_max,
        request_timeout,
        reorder_wait,
        action_workers,
        subscription_workers,
        tls,
    })
}

fn read_servers(section: &mut Section<'_>, problems: &mut Problems) -> Option<Vec<XspServer>> {
    let path = section.key_path("servers");
    let items = section.required("servers", problems, array)?;
    if items.is_empty() {
        problems.push(path, "expected at least one server");
        return None;
    }
    let mut names = HashSet::new();
    let mut servers = Vec::new();
    for (item_path, item) in indexed(&path, items) {
        let Some(server) = read_server(item, &item_path, problems) else {
            continue;
        };
        if names.insert(server.name.clone()) {
            servers.push(server);
        } else {
            let message = format!("duplicate name {}", quote(&server.name));
            problems.push(join_path(&item_path, "name"), message);
        }
    }
    Some(servers)
}

fn read_server(value: &Value, path: &str, problems: &mut Problems) -> Option<XspServer> {
    let mut section = Section::object(path.to_string(), value, problems)?;
    let name = section.required("name", problems, non_empty_string);
    let url = section.required("url", problems, server_url);
    section.finish(problems);
    let url = url?;
    Some(XspServer {
        name: name?,
        url: url.url,
        target: url.target,
    })
}

/// `feature_packages`: names of [`FeaturePackage`]s, each at most once.
fn read_feature_packages(
    section: &mut Section<'_>,
    problems: &mut Problems,
) -> Vec<FeaturePackage> {
    let path = section.key_path("feature_packages");
    let Some(items) = section.field("feature_packages", problems, array) else {
        return Vec::new();
    };
    let mut packages = Vec::new();
    for (item_path, item) in indexed(&path, items) {
        let known = || {
            let names: Vec<String> = FeaturePackage::ALL
                .iter()
                .map(|p| quote(p.name()))
                .collect();
            names.join(", ")
        };
        match non_empty_string(item).map(|name| (FeaturePackage::from_name(&name), name)) {
            Ok((Some(package), _)) if packages.contains(&package) => {
                problems.push(
                    item_path,
                    format!("{} is listed twice", quote(package.name())),
                );
            }
            Ok((Some(package), _)) => packages.push(package),
            Ok((None, name)) => problems.push(
                item_path,
                format!(
                    "unknown package {}; expected one of {}",
                    quote(&name),
                    known()
                ),
            ),
            Err(why) => problems.push(item_path, why),
        }
    }
    packages
}

/// Exactly one of `password` / `password_file`. Neither the password nor the
/// file's content is ever put into a message.
fn read_password(
    section: &mut Section<'_>,
    base_dir: &Path,
    problems: &mut Problems,
) -> Option<Secret> {
    let path = section.key_path("password");
    match (
        section.contains("password"),
        section.contains("password_file"),
    ) {
        (true, false) => section.field("password", problems, secret),
        (false, true) => section.field("password_file", problems, |v| {
            read_secret_file(&file_path(v, base_dir)?)
        }),
        (true, true) => {
            section.get("password");
            section.get("password_file");
            problems.push(
                path,
                "give either xsi.password or xsi.password_file, not both",
            );
            None
        }
        (false, false) => {
            problems.push(
                path,
                "missing (give either xsi.password or xsi.password_file)",
            );
            None
        }
    }
}

/// `reconnect_initial_s` and `reconnect_max_s`, the maximum never below the initial delay.
fn read_backoff(section: &mut Section<'_>, problems: &mut Problems) -> (Duration, Duration) {
    let initial = section.lookup("reconnect_initial_s", problems, seconds);
    let max = section.lookup("reconnect_max_s", problems, seconds);
    let max_is_default = matches!(max, Lookup::Absent);
    let initial = initial.or(DEFAULT_RECONNECT_INITIAL);
    let max = max.or(DEFAULT_RECONNECT_MAX);
    if let (Some(initial), Some(max)) = (initial, max) {
        if max < initial {
            let default_note = if max_is_default { " (the default)" } else { "" };
            let message = format!(
                "must not be less than xsi.reconnect_initial_s ({} s), found {} s{default_note}",
                initial.as_secs_f64(),
                max.as_secs_f64()
            );
            problems.push(section.key_path("reconnect_max_s"), message);
        }
    }
    (
        initial.unwrap_or(DEFAULT_RECONNECT_INITIAL),
        max.unwrap_or(DEFAULT_RECONNECT_MAX),
    )
}

/// `xsi.tls` as the trust rule itself: the CA file is read and every
/// certificate in it checked here, so `--check` refuses what start-up would.
fn read_tls(mut section: Section<'_>, base_dir: &Path, problems: &mut Problems) -> Trust {
    let ca = section.field("ca_file", problems, |v| {
        let path = readable_file(file_path(v, base_dir)?)?;
        CaCertificates::read(&path).map_err(|why| format!("{}: {why}", show_path(&path)))
    });
    let accept_invalid_certs = section.field_or("accept_invalid_certs", problems, false, boolean);
    section.finish(problems);
    Trust::new(ca, accept_invalid_certs)
}
