//! The `csta` section: the northbound listener's settings and their reader.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::clients::{read_clients, ClientEntry};
use super::ipnet::IpNet;
use super::problems::Problems;
use super::section::{indexed, Lookup, Section};
use super::values::{
    array, boolean, edition, file_path, ip_net, positive_usize, read_capped, readable_file,
    seconds_or_off, show_path, socket_addr,
};
use crate::csta::edition::Edition;
use crate::csta::tls::{self, TlsSettings};

/// A PEM file larger than this is surely the wrong file.
const MAX_PEM_FILE_BYTES: u64 = 1024 * 1024;

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
    /// `tls` [none: plain TCP]: the files read and checked.
    pub tls: Option<TlsSettings>,
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
            tls: None,
            clients: Vec::new(),
        }
    }
}

pub(super) fn read_csta(
    mut section: Section<'_>,
    base_dir: &Path,
    problems: &mut Problems,
) -> CstaConfig {
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
        tls: None,
        clients: Vec::new(),
    };
    let client_ca = read_tls(&mut section, base_dir, problems, &mut config.tls);
    config.clients = read_clients(&mut section, problems, config.max_sessions, client_ca);
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

/// `csta.tls`: the files are read and checked here (valid certificates,
/// the key of the server certificate, an OpenSSL context that builds), so
/// `--check` refuses what start-up would. Sets `tls` when all is well;
/// returns whether `client_ca_file` is given (valid or not).
fn read_tls(
    section: &mut Section<'_>,
    base_dir: &Path,
    problems: &mut Problems,
    tls: &mut Option<TlsSettings>,
) -> bool {
    let path = section.key_path("tls");
    let Some(value) = section.get("tls") else {
        return false;
    };
    let Some(mut section) = Section::object(path.clone(), value, problems) else {
        return false;
    };
    let client_ca_given = section.contains("client_ca_file");
    let read = |v: &Value| pem_file(v, base_dir);
    let cert = section.required("cert_file", problems, read);
    let key = section.required("key_file", problems, read);
    let client_ca = section.lookup("client_ca_file", problems, read);
    let paths = ["cert_file", "key_file", "client_ca_file"].map(|key| section.key_path(key));
    section.finish(problems);
    let now = match tls::now() {
        Ok(now) => now,
        Err(why) => {
            problems.push(path, format!("cannot read the clock: {why}"));
            return client_ca_given;
        }
    };
    let ca = match &client_ca {
        Lookup::Absent => None,
        Lookup::Invalid => Some(None),
        Lookup::Valid(file) => Some(Some((file.0.as_path(), file.1.as_slice()))),
    };
    match TlsSettings::from_pem(pem(&cert), pem(&key), ca, &now) {
        Ok(settings) => *tls = Some(settings),
        Err(found) => {
            let files = [pem(&cert), pem(&key), ca.flatten()];
            let each = [found.cert_file, found.key_file, found.client_ca_file];
            for ((why, key_path), file) in each.into_iter().zip(paths).zip(files) {
                if let (Some(why), Some((file, _))) = (why, file) {
                    problems.push(key_path, format!("{}: {why}", show_path(file)));
                }
            }
            if let Some(why) = found.context {
                problems.push(path, why);
            }
        }
    }
    client_ca_given
}

/// A file read by [`pem_file`], as [`TlsSettings::from_pem`] takes it.
fn pem(file: &Option<(PathBuf, Vec<u8>)>) -> tls::Pem<'_> {
    file.as_ref()
        .map(|(path, bytes)| (path.as_path(), bytes.as_slice()))
}

/// A readable PEM file of sensible size, and its bytes.
fn pem_file(value: &Value, base_dir: &Path) -> Result<(PathBuf, Vec<u8>), String> {
    let path = readable_file(file_path(value, base_dir)?)?;
    let bytes = read_capped(&path, MAX_PEM_FILE_BYTES, "1 MiB")?;
    Ok((path, bytes))
}
