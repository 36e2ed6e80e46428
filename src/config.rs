//! The configuration file (SPEC §2): loading and validation.
//!
//! The file is parsed into a [`serde_json::Value`] and walked by a small reader
//! ([`Section`]) that collects every problem instead of stopping at the first
//! one, so `bwcsta --check` can list them all, each with its JSON path
//! (`xsi.servers[1].url: not an http(s) URL: "ftp://xsp"`). serde's
//! `deny_unknown_fields` would stop at the first unknown key.
//!
//! What is checked: unknown keys at every level, missing required keys, JSON
//! types, and values (addresses, URLs, durations, ranges, readable files).
//! Relative file names are resolved against the configuration file's directory.
//!
//! The Xsi password is kept in a [`Secret`] whose `Debug` and `Display` print
//! `***`. No problem message ever quotes it: a password of the wrong type is
//! described by its JSON type only, and a password file by its name only.

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use log::LevelFilter;
use serde_json::{Map, Value};

/// The CSTA editions `csta.edition` may name.
pub const EDITIONS: [&str; 5] = ["ed2", "ed3", "ed4", "ed5", "ed6"];

const DEFAULT_APPLICATION_ID: &str = "bwcsta";
const DEFAULT_EVENT_PACKAGE: &str = "Advanced Call";
const DEFAULT_STATUS_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_CHANNEL_EXPIRES: Duration = Duration::from_secs(3600);
const DEFAULT_SUBSCRIPTION_EXPIRES: Duration = Duration::from_secs(3600);
const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);
const DEFAULT_RECONNECT_INITIAL: Duration = Duration::from_secs(1);
const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(30);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest duration accepted (ten years), so that `Instant::now() + d` can
/// never overflow anywhere in the program.
const MAX_SECONDS: f64 = 315_576_000.0;
/// A password file larger than this is surely the wrong file.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;
/// User values quoted in messages are cut to this many characters.
const QUOTE_MAX_CHARS: usize = 60;

/// The whole validated configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub csta: CstaConfig,
    pub xsi: XsiConfig,
    pub log: LogConfig,
    /// `status_file` [none].
    pub status_file: Option<PathBuf>,
    /// `status_interval_s` [5].
    pub status_interval: Duration,
    /// `pid_file` [none].
    pub pid_file: Option<PathBuf>,
}

/// `csta`: the northbound CSTA listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CstaConfig {
    /// `listen` [0.0.0.0:1040].
    pub listen: SocketAddr,
    /// `allow` [empty = everyone].
    pub allow: Vec<IpNet>,
    /// `max_sessions` [16], at least 1.
    pub max_sessions: usize,
    /// `edition` [ed3], one of [`EDITIONS`].
    pub edition: String,
    /// `idle_timeout_s` [60].
    pub idle_timeout: Duration,
    /// `system_status_on_connect` [false].
    pub system_status_on_connect: bool,
}

impl Default for CstaConfig {
    fn default() -> Self {
        CstaConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 1040)),
            allow: Vec::new(),
            max_sessions: 16,
            edition: "ed3".to_string(),
            idle_timeout: Duration::from_secs(60),
            system_status_on_connect: false,
        }
    }
}

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
    /// `tls`.
    pub tls: TlsConfig,
}

/// One entry of `xsi.servers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XspServer {
    pub name: String,
    /// The URL as written, trailing `/` removed.
    pub url: String,
    pub https: bool,
    /// Host name or address as written; an IPv6 address keeps its brackets
    /// (`[::1]`), like `url::Url::host_str`.
    pub host: String,
    /// Explicit port, else 80 or 443.
    pub port: u16,
    /// `""` or a prefix such as `"/xsi"` (no trailing `/`).
    pub base_path: String,
}

/// `xsi.tls`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsConfig {
    /// `ca_file` [none]: checked readable at load time.
    pub ca_file: Option<PathBuf>,
    /// `accept_invalid_certs` [false].
    pub accept_invalid_certs: bool,
}

/// `log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogConfig {
    /// `file` [none = stderr only].
    pub file: Option<PathBuf>,
    /// `level` [info].
    pub level: LevelFilter,
    /// `max_bytes` [10485760], at least 1.
    pub max_bytes: u64,
    /// `keep` [5], may be 0.
    pub keep: u32,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            file: None,
            level: LevelFilter::Info,
            max_bytes: 10 * 1024 * 1024,
            keep: 5,
        }
    }
}

/// A string that must never be shown: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (the HTTP client).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// An IPv4 or IPv6 block: an address with a prefix length, host bits cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `10.20.0.0/16`, `127.0.0.1` (= /32), `::1` (= /128) or
    /// `fd00::/8`. Host bits may be set (`10.20.30.40/16` is `10.20.0.0/16`).
    #[must_use]
    pub fn parse(text: &str) -> Option<IpNet> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text.parse().ok()?;
        let max = max_prefix(addr);
        let prefix = match prefix_text {
            Some(prefix_text) => parse_prefix(prefix_text)?,
            None => max,
        };
        (prefix <= max).then(|| IpNet {
            addr: mask(addr, prefix),
            prefix,
        })
    }

    /// The network address (host bits cleared).
    #[must_use]
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length: 0 to 32 for IPv4, 0 to 128 for IPv6.
    #[must_use]
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is inside the block. IPv4 addresses and IPv4-mapped IPv6
    /// addresses (`::ffff:a.b.c.d`, what a dual-stack socket reports for an
    /// IPv4 peer) are the same address here.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => mask_v4(ip, self.prefix) == net,
            (IpAddr::V4(net), IpAddr::V6(ip)) => ip
                .to_ipv4_mapped()
                .is_some_and(|ip| mask_v4(ip, self.prefix) == net),
            (IpAddr::V6(net), IpAddr::V6(ip)) => mask_v6(ip, self.prefix) == net,
            (IpAddr::V6(net), IpAddr::V4(ip)) => mask_v6(ip.to_ipv6_mapped(), self.prefix) == net,
        }
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// Decimal digits only: `str::parse::<u8>` would also take `+8`.
fn parse_prefix(text: &str) -> Option<u8> {
    let digits_only =
        !text.is_empty() && text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit());
    digits_only.then(|| text.parse().ok()).flatten()
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(addr) => IpAddr::V4(mask_v4(addr, prefix)),
        IpAddr::V6(addr) => IpAddr::V6(mask_v6(addr, prefix)),
    }
}

fn mask_v4(addr: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let shift = 32u32.saturating_sub(u32::from(prefix));
    let bits = u32::MAX.checked_shl(shift).unwrap_or(0);
    Ipv4Addr::from(u32::from(addr) & bits)
}

fn mask_v6(addr: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let shift = 128u32.saturating_sub(u32::from(prefix));
    let bits = u128::MAX.checked_shl(shift).unwrap_or(0);
    Ipv6Addr::from(u128::from(addr) & bits)
}

/// One thing wrong with the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// JSON path such as `xsi.servers[1].url`; empty for the whole file.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in a configuration; `Display` prints one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl ConfigError {
    fn whole_file(message: String) -> ConfigError {
        ConfigError {
            problems: vec![Problem {
                path: String::new(),
                message,
            }],
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and validates the file at `path`. Relative file names inside it
    /// are resolved against the file's own directory.
    ///
    /// # Errors
    ///
    /// The file cannot be read (the message names it), or any problem
    /// [`Config::from_json_str`] finds.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = fs::read_to_string(path).map_err(|err| {
            ConfigError::whole_file(format!(
                "cannot read config file {}: {err}",
                show_path(path)
            ))
        })?;
        Config::from_json_str(&text, &directory_of(path))
    }

    /// Validates a configuration given as JSON text. Relative file names are
    /// resolved against `base_dir`.
    ///
    /// # Errors
    ///
    /// Invalid JSON (one problem with line and column), or every problem found
    /// in the document, each with its JSON path.
    pub fn from_json_str(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        // Some editors start a UTF-8 file with a byte order mark; JSON does not allow one.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let document: Value = serde_json::from_str(text)
            .map_err(|err| ConfigError::whole_file(json_syntax_message(&err)))?;
        let mut problems = Problems::default();
        let config = read_config(&document, base_dir, &mut problems);
        match config {
            Some(config) if problems.0.is_empty() => Ok(config),
            _ => Err(problems.into_error()),
        }
    }
}

/// The absolute directory holding `path`, so relative names inside the file
/// stay valid after the daemon changes directory.
fn directory_of(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `serde_json` appends " at line L column C" to its messages; put the
/// location first and keep the description.
fn json_syntax_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let description = full.strip_suffix(&suffix).unwrap_or(&full);
    format!(
        "invalid JSON at line {}, column {}: {description}",
        err.line(),
        err.column()
    )
}

// ---------------------------------------------------------------------------
// Walking the document
// ---------------------------------------------------------------------------

/// Problems collected so far, in the order they were found.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Records the error of `result`, if any, under `path`.
    fn check<T>(&mut self, path: impl Into<String>, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.push(path, message)).ok()
    }

    fn into_error(self) -> ConfigError {
        let mut problems = self.0;
        if problems.is_empty() {
            // Not reachable: every failed read records a problem. Never report success by accident.
            problems.push(Problem {
                path: String::new(),
                message: "invalid configuration".to_string(),
            });
        }
        ConfigError { problems }
    }
}

/// The outcome of reading one key.
enum Lookup<T> {
    Absent,
    /// Present but wrong; the problem is already recorded.
    Invalid,
    Valid(T),
}

impl<T> Lookup<T> {
    /// The value, the default when absent, `None` when invalid.
    fn or(self, default: T) -> Option<T> {
        match self {
            Lookup::Absent => Some(default),
            Lookup::Invalid => None,
            Lookup::Valid(value) => Some(value),
        }
    }
}

/// One JSON object being read. It remembers which keys were asked for, so
/// [`Section::finish`] can report the others as unknown.
struct Section<'a> {
    path: String,
    /// `None` when the object is absent or not an object (already reported).
    map: Option<&'a Map<String, Value>>,
    known: Vec<&'static str>,
}

impl<'a> Section<'a> {
    fn empty(path: String) -> Section<'a> {
        Section {
            path,
            map: None,
            known: Vec::new(),
        }
    }

    /// `value` as a section, or `None` (reported) when it is not an object.
    fn object(path: String, value: &'a Value, problems: &mut Problems) -> Option<Section<'a>> {
        match value {
            Value::Object(map) => Some(Section {
                path,
                map: Some(map),
                known: Vec::new(),
            }),
            other => {
                problems.push(path, expected("an object", other));
                None
            }
        }
    }

    fn key_path(&self, key: &str) -> String {
        join_path(&self.path, key)
    }

    fn contains(&self, key: &str) -> bool {
        self.map.is_some_and(|map| map.contains_key(key))
    }

    /// Marks `key` as known and returns its value.
    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.known.push(key);
        self.map.and_then(|map| map.get(key))
    }

    fn lookup<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        parse: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Lookup<T> {
        let Some(value) = self.get(key) else {
            return Lookup::Absent;
        };
        match problems.check(self.key_path(key), parse(value)) {
            Some(parsed) => Lookup::Valid(parsed),
            None => Lookup::Invalid,
        }
    }

    /// An optional key without default: `None` when absent or invalid.
    fn field<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        parse: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.lookup(key, problems, parse) {
            Lookup::Valid(value) => Some(value),
            Lookup::Absent | Lookup::Invalid => None,
        }
    }

    /// An optional key with a default (also returned when invalid; the
    /// problem is recorded, so the value is never used).
    fn field_or<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        default: T,
        parse: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> T {
        match self.lookup(key, problems, parse) {
            Lookup::Valid(value) => value,
            Lookup::Absent | Lookup::Invalid => default,
        }
    }

    /// A required key: reports `missing` when absent.
    fn required<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        parse: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.lookup(key, problems, parse) {
            Lookup::Valid(value) => Some(value),
            Lookup::Invalid => None,
            Lookup::Absent => {
                problems.push(self.key_path(key), "missing");
                None
            }
        }
    }

    /// An optional nested object; an absent or invalid one reads as empty.
    fn section(&mut self, key: &'static str, problems: &mut Problems) -> Section<'a> {
        let path = self.key_path(key);
        match self.get(key) {
            Some(value) => Section::object(path.clone(), value, problems)
                .unwrap_or_else(|| Section::empty(path)),
            None => Section::empty(path),
        }
    }

    /// A required nested object.
    fn required_section(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
    ) -> Option<Section<'a>> {
        let path = self.key_path(key);
        match self.get(key) {
            Some(value) => Section::object(path, value, problems),
            None => {
                problems.push(path, "missing");
                None
            }
        }
    }

    /// Reports every key that was never asked for.
    fn finish(self, problems: &mut Problems) {
        let Some(map) = self.map else {
            return;
        };
        for key in map.keys() {
            if !self.known.contains(&key.as_str()) {
                problems.push(self.key_path(key), "unknown key");
            }
        }
    }
}

/// `parent.key`, or `parent["odd key"]` for keys that are not plain names.
fn join_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, parent.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{parent}.{key}"),
        (false, _) => format!("{parent}[{}]", quote(key)),
    }
}

/// `(path[i], item)` for every element of an array.
fn indexed<'a>(
    path: &'a str,
    items: &'a [Value],
) -> impl Iterator<Item = (String, &'a Value)> + 'a {
    items
        .iter()
        .enumerate()
        .map(move |(index, item)| (format!("{path}[{index}]"), item))
}

// ---------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------

fn read_config(document: &Value, base_dir: &Path, problems: &mut Problems) -> Option<Config> {
    let mut top = Section::object(String::new(), document, problems)?;
    let csta = read_csta(top.section("csta", problems), problems);
    let xsi = top
        .required_section("xsi", problems)
        .and_then(|section| read_xsi(section, base_dir, problems));
    let log = read_log(top.section("log", problems), base_dir, problems);
    let status_file = top.field("status_file", problems, |v| file_path(v, base_dir));
    let status_interval = top.field_or(
        "status_interval_s",
        problems,
        DEFAULT_STATUS_INTERVAL,
        seconds,
    );
    let pid_file = top.field("pid_file", problems, |v| file_path(v, base_dir));
    top.finish(problems);
    Some(Config {
        csta,
        xsi: xsi?,
        log,
        status_file,
        status_interval,
        pid_file,
    })
}

fn read_csta(mut section: Section<'_>, problems: &mut Problems) -> CstaConfig {
    let default = CstaConfig::default();
    let config = CstaConfig {
        listen: section.field_or("listen", problems, default.listen, socket_addr),
        allow: read_allow(&mut section, problems).unwrap_or_default(),
        max_sessions: section.field_or(
            "max_sessions",
            problems,
            default.max_sessions,
            positive_usize,
        ),
        edition: section.field_or("edition", problems, default.edition, edition),
        idle_timeout: section.field_or("idle_timeout_s", problems, default.idle_timeout, seconds),
        system_status_on_connect: section.field_or(
            "system_status_on_connect",
            problems,
            default.system_status_on_connect,
            boolean,
        ),
    };
    section.finish(problems);
    config
}

/// `csta.allow`: every element is checked and reported on its own.
fn read_allow(section: &mut Section<'_>, problems: &mut Problems) -> Option<Vec<IpNet>> {
    let path = section.key_path("allow");
    let items = problems.check(path.as_str(), array(section.get("allow")?))?;
    let nets = indexed(&path, items)
        .filter_map(|(item_path, item)| problems.check(item_path, ip_net(item)))
        .collect();
    Some(nets)
}

fn read_xsi(
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
        channel_expires,
        subscription_expires,
        heartbeat_interval,
        reconnect_initial,
        reconnect_max,
        request_timeout,
        tls,
    })
}

fn read_servers(section: &mut Section<'_>, problems: &mut Problems) -> Option<Vec<XspServer>> {
    let path = section.key_path("servers");
    let Some(value) = section.get("servers") else {
        problems.push(path, "missing");
        return None;
    };
    let items = problems.check(path.as_str(), array(value))?;
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
        https: url.https,
        host: url.host,
        port: url.port,
        base_path: url.base_path,
    })
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

fn read_tls(mut section: Section<'_>, base_dir: &Path, problems: &mut Problems) -> TlsConfig {
    let config = TlsConfig {
        ca_file: section.field("ca_file", problems, |v| {
            readable_file(file_path(v, base_dir)?)
        }),
        accept_invalid_certs: section.field_or("accept_invalid_certs", problems, false, boolean),
    };
    section.finish(problems);
    config
}

fn read_log(mut section: Section<'_>, base_dir: &Path, problems: &mut Problems) -> LogConfig {
    let default = LogConfig::default();
    let config = LogConfig {
        file: section.field("file", problems, |v| file_path(v, base_dir)),
        level: section.field_or("level", problems, default.level, log_level),
        max_bytes: section.field_or("max_bytes", problems, default.max_bytes, |v| {
            integer(v, 1, u64::MAX)
        }),
        keep: section.field_or("keep", problems, default.keep, keep_count),
    };
    section.finish(problems);
    config
}

// ---------------------------------------------------------------------------
// Values: each parser returns the typed value or a message without the path
// ---------------------------------------------------------------------------

/// `expected WHAT, found VALUE`.
fn expected(what: &str, found: &Value) -> String {
    format!("expected {what}, found {}", describe(found))
}

/// A short rendering of a JSON value for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => quote(text),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        other => other.to_string(),
    }
}

/// The JSON type of a value, for values that must not be shown.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `text` as a JSON string literal, cut after [`QUOTE_MAX_CHARS`] characters.
fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(QUOTE_MAX_CHARS).collect();
    let quoted = Value::String(head).to_string();
    if chars.next().is_some() {
        format!("{quoted}...")
    } else {
        quoted
    }
}

fn show_path(path: &Path) -> String {
    format!("\"{}\"", path.display())
}

fn string(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| expected("a string", value))
}

fn array(value: &Value) -> Result<&[Value], String> {
    value
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| expected("an array", value))
}

fn non_empty_string(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.trim().is_empty() {
        return Err("must not be empty".to_string());
    }
    Ok(text.to_string())
}

fn boolean(value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| expected("true or false", value))
}

/// A JSON integer in `min..=max` (`16.0` is not an integer).
fn integer(value: &Value, min: u64, max: u64) -> Result<u64, String> {
    let what = if min == 0 {
        "a non-negative integer"
    } else {
        "a positive integer"
    };
    match value.as_u64() {
        Some(n) if n > max => Err(format!("expected {what} no larger than {max}, found {n}")),
        Some(n) if n >= min => Ok(n),
        _ => Err(expected(what, value)),
    }
}

fn positive_usize(value: &Value) -> Result<usize, String> {
    let max = u64::try_from(usize::MAX).unwrap_or(u64::MAX);
    let n = integer(value, 1, max)?;
    usize::try_from(n).map_err(|_| expected("a smaller integer", value))
}

fn keep_count(value: &Value) -> Result<u32, String> {
    let n = integer(value, 0, u64::from(u32::MAX))?;
    u32::try_from(n).map_err(|_| expected("a smaller integer", value))
}

/// A positive, finite number of seconds; fractions allowed.
fn seconds(value: &Value) -> Result<Duration, String> {
    let not_positive = || expected("a positive number of seconds", value);
    let secs = value.as_f64().ok_or_else(not_positive)?;
    if !secs.is_finite() || secs <= 0.0 {
        return Err(not_positive());
    }
    if secs > MAX_SECONDS {
        return Err(format!(
            "expected at most {MAX_SECONDS} seconds (ten years), found {value}"
        ));
    }
    match Duration::try_from_secs_f64(secs) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        _ => Err(format!("{} (less than a nanosecond)", not_positive())),
    }
}

fn edition(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if EDITIONS.contains(&text) {
        return Ok(text.to_string());
    }
    Err(format!(
        "expected one of {}, found {}",
        EDITIONS.join(", "),
        quote(text)
    ))
}

fn log_level(value: &Value) -> Result<LevelFilter, String> {
    let text = string(value)?;
    text.parse().map_err(|_| {
        format!(
            "expected one of off, error, warn, info, debug, trace, found {}",
            quote(text)
        )
    })
}

fn socket_addr(value: &Value) -> Result<SocketAddr, String> {
    let text = string(value)?;
    text.parse().map_err(|_| {
        format!(
            "not a socket address (IPv4:port or [IPv6]:port): {}",
            quote(text)
        )
    })
}

fn ip_net(value: &Value) -> Result<IpNet, String> {
    let text = string(value)?;
    IpNet::parse(text).ok_or_else(|| format!("not an IP address or CIDR block: {}", quote(text)))
}

/// `xsi.default_domain`: appended to CSTA devices as `2001@<domain>`.
fn domain(value: &Value) -> Result<String, String> {
    let text = non_empty_string(value)?;
    if text.contains('@') || text.chars().any(char::is_whitespace) {
        return Err(format!(
            "expected a domain name without '@' or spaces, found {}",
            quote(&text)
        ));
    }
    Ok(text)
}

/// `xsi.password`: described by its type only when wrong, never by value.
fn secret(value: &Value) -> Result<Secret, String> {
    match value {
        Value::String(text) if text.is_empty() => Err("must not be empty".to_string()),
        Value::String(text) => Ok(Secret(text.clone())),
        other => Err(format!("expected a string, found {}", kind(other))),
    }
}

/// A file name, resolved against `base_dir` when relative.
fn file_path(value: &Value, base_dir: &Path) -> Result<PathBuf, String> {
    let text = string(value)?;
    if text.is_empty() {
        return Err("expected a file name, found \"\"".to_string());
    }
    if text.contains('\0') {
        return Err("a file name must not contain a NUL character".to_string());
    }
    Ok(base_dir.join(text))
}

fn readable_file(path: PathBuf) -> Result<PathBuf, String> {
    let cannot_read = |err: std::io::Error| format!("cannot read {}: {err}", show_path(&path));
    let metadata = fs::File::open(&path)
        .and_then(|file| file.metadata())
        .map_err(cannot_read)?;
    if !metadata.is_file() {
        return Err(format!("{} is not a regular file", show_path(&path)));
    }
    Ok(path)
}

/// The password file's content without trailing line breaks. Messages name
/// the file, never its content.
fn read_secret_file(path: &Path) -> Result<Secret, String> {
    let cannot_read = |err: std::io::Error| format!("cannot read {}: {err}", show_path(path));
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(MAX_SECRET_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(format!("{} is larger than 64 KiB", show_path(path)));
    }
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", show_path(path)))?;
    let password = text.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(format!("{} is empty", show_path(path)));
    }
    Ok(Secret(password.to_string()))
}

/// The parts of a valid `xsi.servers[i].url`.
#[derive(Debug, PartialEq, Eq)]
struct ServerUrl {
    url: String,
    https: bool,
    host: String,
    port: u16,
    base_path: String,
}

/// Quotes the URL in the message unless it might hold credentials.
fn server_url(value: &Value) -> Result<ServerUrl, String> {
    let text = string(value)?;
    parse_server_url(text).map_err(|reason| {
        if text.contains('@') {
            reason.to_string()
        } else {
            format!("{reason}: {}", quote(text))
        }
    })
}

/// `http(s)://host[:port][/prefix]`; no user info, query or fragment.
fn parse_server_url(text: &str) -> Result<ServerUrl, &'static str> {
    const NOT_HTTP: &str = "not an http(s) URL";
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a URL must not contain spaces or control characters");
    }
    let (scheme, rest) = text.split_once("://").ok_or(NOT_HTTP)?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err(NOT_HTTP),
    };
    if rest.contains('?') {
        return Err("a server URL must not have a query ('?')");
    }
    if rest.contains('#') {
        return Err("a server URL must not have a fragment ('#')");
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err("a server URL must not contain user info: use xsi.username and xsi.password");
    }
    let (host, port) = split_host_port(authority)?;
    let port = match port {
        Some(port) => parse_port(port)?,
        None if https => 443,
        None => 80,
    };
    Ok(ServerUrl {
        url: text.trim_end_matches('/').to_string(),
        https,
        host: host.to_string(),
        port,
        base_path: path.trim_end_matches('/').to_string(),
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    const NO_HOST: &str = "URL has no host";
    if authority.starts_with('[') {
        let end = authority.find(']').ok_or("bad IPv6 address in URL")? + 1;
        let (host, after) = authority.split_at(end);
        let inner = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or_default();
        if inner.parse::<Ipv6Addr>().is_err() {
            return Err("bad IPv6 address in URL");
        }
        return match after {
            "" => Ok((host, None)),
            _ => Ok((host, Some(after.strip_prefix(':').ok_or(BAD_PORT)?))),
        };
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(NO_HOST);
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err("bad host name in URL");
    }
    Ok((host, port))
}

const BAD_PORT: &str = "bad port in URL (expected 1 to 65535)";

fn parse_port(text: &str) -> Result<u16, &'static str> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BAD_PORT);
    }
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(BAD_PORT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const PASSWORD: &str = "Tr0ub4dor&3-hunter2";
    const BASE_DIR: &str = "/etc/bwcsta";

    // --- helpers -----------------------------------------------------------

    /// The smallest valid configuration.
    fn minimal() -> Value {
        json!({
            "xsi": {
                "servers": [{ "name": "xsp1", "url": "https://xsp1.example.net" }],
                "username": "cti-app@example.net",
                "password": PASSWORD,
                "channel_set_id": "bwcsta-test"
            }
        })
    }

    /// Sets `value` at a dotted path such as `"xsi.tls.ca_file"`, creating objects on the way.
    fn set(document: &mut Value, path: &str, value: Value) {
        let keys: Vec<&str> = path.split('.').collect();
        let (last, parents) = keys.split_last().expect("non-empty path");
        let mut node = document;
        for key in parents {
            node = node
                .as_object_mut()
                .expect("object on the path")
                .entry(key.to_string())
                .or_insert_with(|| json!({}));
        }
        node.as_object_mut()
            .expect("object on the path")
            .insert(last.to_string(), value);
    }

    fn remove(document: &mut Value, path: &str) {
        let (parent, last) = path.rsplit_once('.').unwrap_or(("", path));
        let pointer = format!("/{}", parent.replace('.', "/"));
        let node = if parent.is_empty() {
            Some(document)
        } else {
            document.pointer_mut(&pointer)
        };
        node.and_then(Value::as_object_mut)
            .expect("object on the path")
            .remove(last);
    }

    fn with(path: &str, value: Value) -> Value {
        let mut document = minimal();
        set(&mut document, path, value);
        document
    }

    fn without(path: &str) -> Value {
        let mut document = minimal();
        remove(&mut document, path);
        document
    }

    fn parse(document: &Value) -> Result<Config, ConfigError> {
        Config::from_json_str(&document.to_string(), Path::new(BASE_DIR))
    }

    fn load_ok(document: &Value) -> Config {
        parse(document).unwrap_or_else(|err| panic!("{document}\n{err}"))
    }

    /// Every problem as its `Display` line; empty when the document is valid.
    fn lines(document: &Value) -> Vec<String> {
        match parse(document) {
            Ok(_) => Vec::new(),
            Err(err) => err.problems.iter().map(ToString::to_string).collect(),
        }
    }

    fn sorted_paths(document: &Value) -> Vec<String> {
        let mut paths: Vec<String> = match parse(document) {
            Ok(_) => Vec::new(),
            Err(err) => err.problems.into_iter().map(|p| p.path).collect(),
        };
        paths.sort();
        paths
    }

    /// Asserts that `document` fails with exactly one problem, `expected`.
    fn assert_one_problem(document: &Value, expected: &str) {
        assert_eq!(
            lines(document),
            vec![expected.to_string()],
            "document: {document}"
        );
    }

    /// A temporary directory removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!(
                "bwcsta-config-test-{}-{tag}-{n}",
                std::process::id()
            ));
            fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }

        fn file(&self, name: &str, contents: &str) -> PathBuf {
            self.bytes(name, contents.as_bytes())
        }

        fn bytes(&self, name: &str, contents: &[u8]) -> PathBuf {
            let path = self.0.join(name);
            fs::write(&path, contents).expect("write temp file");
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    // --- whole documents -----------------------------------------------------

    #[test]
    fn spec_example_loads_with_its_values() {
        let dir = TempDir::new("example");
        let secret = dir.file("xsi.secret", "s3cr3t-from-file\n");
        let ca = dir.file("ca.pem", "-----BEGIN CERTIFICATE-----\n");
        let document = json!({
          "csta": {
            "listen": "0.0.0.0:1040",
            "allow": ["127.0.0.1", "10.20.0.0/16"],
            "max_sessions": 16,
            "edition": "ed3",
            "idle_timeout_s": 60,
            "system_status_on_connect": false
          },
          "xsi": {
            "servers": [
              { "name": "xsp1", "url": "https://xsp1.example.net" },
              { "name": "xsp2", "url": "https://xsp2.example.net" }
            ],
            "username": "cti-app@example.net",
            "password_file": secret,
            "application_id": "GenesysConnector",
            "channel_set_id": "bwcsta",
            "default_domain": "example.net",
            "event_package": "Advanced Call",
            "channel_expires_s": 3600,
            "subscription_expires_s": 3600,
            "heartbeat_interval_s": 15,
            "reconnect_initial_s": 1,
            "reconnect_max_s": 30,
            "request_timeout_s": 10,
            "tls": { "ca_file": ca, "accept_invalid_certs": false }
          },
          "log": { "file": "/var/log/bwcsta/bwcsta.log", "level": "info", "max_bytes": 10485760, "keep": 5 },
          "status_file": "/var/run/bwcsta/status.json",
          "status_interval_s": 5,
          "pid_file": "/var/run/bwcsta/bwcsta.pid"
        });
        let config = load_ok(&document);

        assert_eq!(config.csta.listen, "0.0.0.0:1040".parse().unwrap());
        assert_eq!(
            config.csta.allow,
            vec![
                IpNet::parse("127.0.0.1/32").unwrap(),
                IpNet::parse("10.20.0.0/16").unwrap()
            ]
        );
        assert_eq!(config.csta.max_sessions, 16);
        assert_eq!(config.csta.edition, "ed3");
        assert_eq!(config.csta.idle_timeout, secs(60.0));
        assert!(!config.csta.system_status_on_connect);

        let xsi = &config.xsi;
        let names: Vec<&str> = xsi.servers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["xsp1", "xsp2"]);
        assert_eq!(xsi.servers[1].url, "https://xsp2.example.net");
        assert_eq!(xsi.servers[1].host, "xsp2.example.net");
        assert_eq!(xsi.servers[1].port, 443);
        assert!(xsi.servers[1].https);
        assert_eq!(xsi.username, "cti-app@example.net");
        assert_eq!(xsi.password.expose(), "s3cr3t-from-file");
        assert_eq!(xsi.application_id, "GenesysConnector");
        assert_eq!(xsi.channel_set_id, "bwcsta");
        assert_eq!(xsi.default_domain.as_deref(), Some("example.net"));
        assert_eq!(xsi.event_package, "Advanced Call");
        assert_eq!(xsi.channel_expires, secs(3600.0));
        assert_eq!(xsi.subscription_expires, secs(3600.0));
        assert_eq!(xsi.heartbeat_interval, secs(15.0));
        assert_eq!(xsi.reconnect_initial, secs(1.0));
        assert_eq!(xsi.reconnect_max, secs(30.0));
        assert_eq!(xsi.request_timeout, secs(10.0));
        assert_eq!(xsi.tls.ca_file.as_deref(), Some(ca.as_path()));
        assert!(!xsi.tls.accept_invalid_certs);

        assert_eq!(
            config.log.file,
            Some(PathBuf::from("/var/log/bwcsta/bwcsta.log"))
        );
        assert_eq!(config.log.level, LevelFilter::Info);
        assert_eq!(config.log.max_bytes, 10_485_760);
        assert_eq!(config.log.keep, 5);
        assert_eq!(
            config.status_file,
            Some(PathBuf::from("/var/run/bwcsta/status.json"))
        );
        assert_eq!(config.status_interval, secs(5.0));
        assert_eq!(
            config.pid_file,
            Some(PathBuf::from("/var/run/bwcsta/bwcsta.pid"))
        );
    }

    #[test]
    fn minimal_config_gets_every_default() {
        let config = load_ok(&minimal());
        assert_eq!(config.csta, CstaConfig::default());
        assert_eq!(config.csta.listen, "0.0.0.0:1040".parse().unwrap());
        assert!(config.csta.allow.is_empty());
        assert_eq!(config.csta.max_sessions, 16);
        assert_eq!(config.csta.edition, "ed3");
        assert_eq!(config.csta.idle_timeout, secs(60.0));
        assert!(!config.csta.system_status_on_connect);

        let xsi = &config.xsi;
        assert_eq!(xsi.password.expose(), PASSWORD);
        assert_eq!(xsi.application_id, "bwcsta");
        assert_eq!(xsi.default_domain, None);
        assert_eq!(xsi.event_package, "Advanced Call");
        assert_eq!(xsi.channel_expires, secs(3600.0));
        assert_eq!(xsi.subscription_expires, secs(3600.0));
        assert_eq!(xsi.heartbeat_interval, secs(15.0));
        assert_eq!(xsi.reconnect_initial, secs(1.0));
        assert_eq!(xsi.reconnect_max, secs(30.0));
        assert_eq!(xsi.request_timeout, secs(10.0));
        assert_eq!(
            xsi.tls,
            TlsConfig {
                ca_file: None,
                accept_invalid_certs: false
            }
        );

        assert_eq!(config.log.file, None);
        assert_eq!(config.log.level, LevelFilter::Info);
        assert_eq!(config.log.max_bytes, 10_485_760);
        assert_eq!(config.log.keep, 5);
        assert_eq!(config.status_file, None);
        assert_eq!(config.status_interval, secs(5.0));
        assert_eq!(config.pid_file, None);
    }

    #[test]
    fn empty_sections_give_defaults() {
        let mut document = minimal();
        set(&mut document, "csta", json!({}));
        set(&mut document, "log", json!({}));
        set(&mut document, "xsi.tls", json!({}));
        assert_eq!(load_ok(&document), load_ok(&minimal()));
    }

    // --- missing, wrong type, unknown ---------------------------------------

    #[test]
    fn each_required_key_missing() {
        let cases = [
            ("xsi", "xsi: missing"),
            ("xsi.servers", "xsi.servers: missing"),
            ("xsi.username", "xsi.username: missing"),
            ("xsi.channel_set_id", "xsi.channel_set_id: missing"),
            (
                "xsi.password",
                "xsi.password: missing (give either xsi.password or xsi.password_file)",
            ),
        ];
        for (path, expected) in cases {
            assert_one_problem(&without(path), expected);
        }
    }

    #[test]
    fn server_keys_missing() {
        let cases = [
            (
                json!({ "url": "https://x" }),
                "xsi.servers[0].name: missing",
            ),
            (json!({ "name": "x" }), "xsi.servers[0].url: missing"),
        ];
        for (server, expected) in cases {
            assert_one_problem(&with("xsi.servers", json!([server])), expected);
        }
        let both = lines(&with("xsi.servers", json!([{}])));
        assert_eq!(
            both,
            [
                "xsi.servers[0].name: missing",
                "xsi.servers[0].url: missing"
            ]
        );
    }

    #[test]
    fn each_key_with_a_wrong_json_type() {
        let cases = [
            ("csta", json!(5), "csta: expected an object, found 5"),
            (
                "csta.listen",
                json!(1040),
                "csta.listen: expected a string, found 1040",
            ),
            (
                "csta.allow",
                json!("10.0.0.0/8"),
                "csta.allow: expected an array, found \"10.0.0.0/8\"",
            ),
            (
                "csta.allow",
                json!({}),
                "csta.allow: expected an array, found an object",
            ),
            (
                "csta.allow",
                json!([10]),
                "csta.allow[0]: expected a string, found 10",
            ),
            (
                "csta.max_sessions",
                json!("16"),
                "csta.max_sessions: expected a positive integer, found \"16\"",
            ),
            (
                "csta.edition",
                json!(3),
                "csta.edition: expected a string, found 3",
            ),
            (
                "csta.idle_timeout_s",
                json!("60"),
                "csta.idle_timeout_s: expected a positive number of seconds, found \"60\"",
            ),
            (
                "csta.system_status_on_connect",
                json!("yes"),
                "csta.system_status_on_connect: expected true or false, found \"yes\"",
            ),
            (
                "csta.system_status_on_connect",
                json!(1),
                "csta.system_status_on_connect: expected true or false, found 1",
            ),
            ("xsi", json!("x"), "xsi: expected an object, found \"x\""),
            ("xsi", json!([]), "xsi: expected an object, found an array"),
            (
                "xsi.servers",
                json!({}),
                "xsi.servers: expected an array, found an object",
            ),
            (
                "xsi.servers",
                json!("https://x"),
                "xsi.servers: expected an array, found \"https://x\"",
            ),
            (
                "xsi.servers",
                json!(["https://x"]),
                "xsi.servers[0]: expected an object, found \"https://x\"",
            ),
            (
                "xsi.servers",
                json!([{ "name": 1, "url": "https://x" }]),
                "xsi.servers[0].name: expected a string, found 1",
            ),
            (
                "xsi.servers",
                json!([{ "name": "a", "url": [] }]),
                "xsi.servers[0].url: expected a string, found an array",
            ),
            (
                "xsi.username",
                json!(5),
                "xsi.username: expected a string, found 5",
            ),
            (
                "xsi.username",
                json!(null),
                "xsi.username: expected a string, found null",
            ),
            (
                "xsi.application_id",
                json!([]),
                "xsi.application_id: expected a string, found an array",
            ),
            (
                "xsi.channel_set_id",
                json!(true),
                "xsi.channel_set_id: expected a string, found true",
            ),
            (
                "xsi.default_domain",
                json!(1),
                "xsi.default_domain: expected a string, found 1",
            ),
            (
                "xsi.event_package",
                json!({}),
                "xsi.event_package: expected a string, found an object",
            ),
            (
                "xsi.channel_expires_s",
                json!("3600"),
                "xsi.channel_expires_s: expected a positive number of seconds, found \"3600\"",
            ),
            (
                "xsi.subscription_expires_s",
                json!([]),
                "xsi.subscription_expires_s: expected a positive number of seconds, found an array",
            ),
            (
                "xsi.heartbeat_interval_s",
                json!(true),
                "xsi.heartbeat_interval_s: expected a positive number of seconds, found true",
            ),
            (
                "xsi.reconnect_initial_s",
                json!(null),
                "xsi.reconnect_initial_s: expected a positive number of seconds, found null",
            ),
            (
                "xsi.reconnect_max_s",
                json!({}),
                "xsi.reconnect_max_s: expected a positive number of seconds, found an object",
            ),
            (
                "xsi.request_timeout_s",
                json!("10"),
                "xsi.request_timeout_s: expected a positive number of seconds, found \"10\"",
            ),
            (
                "xsi.tls",
                json!(true),
                "xsi.tls: expected an object, found true",
            ),
            (
                "xsi.tls.ca_file",
                json!(1),
                "xsi.tls.ca_file: expected a string, found 1",
            ),
            (
                "xsi.tls.accept_invalid_certs",
                json!("false"),
                "xsi.tls.accept_invalid_certs: expected true or false, found \"false\"",
            ),
            ("log", json!([]), "log: expected an object, found an array"),
            (
                "log.file",
                json!(false),
                "log.file: expected a string, found false",
            ),
            (
                "log.level",
                json!(3),
                "log.level: expected a string, found 3",
            ),
            (
                "log.max_bytes",
                json!("10M"),
                "log.max_bytes: expected a positive integer, found \"10M\"",
            ),
            (
                "log.keep",
                json!("5"),
                "log.keep: expected a non-negative integer, found \"5\"",
            ),
            (
                "status_file",
                json!(1),
                "status_file: expected a string, found 1",
            ),
            (
                "status_interval_s",
                json!("5"),
                "status_interval_s: expected a positive number of seconds, found \"5\"",
            ),
            (
                "pid_file",
                json!([]),
                "pid_file: expected a string, found an array",
            ),
        ];
        for (path, value, expected) in cases {
            assert_one_problem(&with(path, value), expected);
        }
    }

    #[test]
    fn unknown_key_at_every_level() {
        let cases = [
            ("colour", "colour: unknown key"),
            ("csta.listn", "csta.listn: unknown key"),
            ("xsi.usernme", "xsi.usernme: unknown key"),
            ("xsi.tls.verify", "xsi.tls.verify: unknown key"),
            ("log.levle", "log.levle: unknown key"),
            ("csta.idle_timeout", "csta.idle_timeout: unknown key"),
        ];
        for (path, expected) in cases {
            assert_one_problem(&with(path, json!(1)), expected);
        }
        let server = json!([{ "name": "a", "url": "https://a", "weight": 100 }]);
        assert_one_problem(
            &with("xsi.servers", server),
            "xsi.servers[0].weight: unknown key",
        );
    }

    #[test]
    fn odd_unknown_keys_are_quoted_in_the_path() {
        let cases = [
            ("a b", "csta[\"a b\"]: unknown key"),
            ("", "csta[\"\"]: unknown key"),
            ("x\ny", "csta[\"x\\ny\"]: unknown key"),
        ];
        for (key, expected) in cases {
            let mut document = minimal();
            document["csta"] = json!({ key: 1 });
            assert_one_problem(&document, expected);
        }
    }

    #[test]
    fn unknown_keys_inside_an_invalid_section_are_not_reported_twice() {
        assert_one_problem(
            &with("log", json!("verbose")),
            "log: expected an object, found \"verbose\"",
        );
    }

    #[test]
    fn several_problems_are_reported_together() {
        let mut document = without("xsi.username");
        set(&mut document, "csta.max_sessions", json!(0));
        set(
            &mut document,
            "csta.allow",
            json!(["10.0.0.0/8", "10.0.0.0/33", "abc"]),
        );
        set(
            &mut document,
            "xsi.servers",
            json!([{ "name": "a", "url": "https://a" }, { "name": "b", "url": "ftp://b" }]),
        );
        set(&mut document, "xsi.heartbeat_interval_s", json!(0));
        set(&mut document, "log.levle", json!("debug"));
        set(&mut document, "pid_file", json!(7));
        set(&mut document, "extra", json!(true));
        assert_eq!(
            sorted_paths(&document),
            [
                "csta.allow[1]",
                "csta.allow[2]",
                "csta.max_sessions",
                "extra",
                "log.levle",
                "pid_file",
                "xsi.heartbeat_interval_s",
                "xsi.servers[1].url",
                "xsi.username",
            ]
        );
    }

    #[test]
    fn config_error_display_is_one_problem_per_line() {
        let mut document = with("csta.max_sessions", json!(0));
        set(&mut document, "log.keep", json!(-1));
        let err = parse(&document).unwrap_err();
        assert_eq!(
            err.to_string(),
            "csta.max_sessions: expected a positive integer, found 0\n\
             log.keep: expected a non-negative integer, found -1"
        );
    }

    #[test]
    fn top_level_must_be_an_object() {
        let cases = [
            ("[]", "expected an object, found an array"),
            ("42", "expected an object, found 42"),
            ("null", "expected an object, found null"),
        ];
        for (text, expected) in cases {
            let err = Config::from_json_str(text, Path::new(BASE_DIR)).unwrap_err();
            assert_eq!(
                err.problems,
                [Problem {
                    path: String::new(),
                    message: expected.to_string()
                }]
            );
        }
    }

    // --- values ----------------------------------------------------------

    #[test]
    fn listen_addresses() {
        let good = [
            ("127.0.0.1:5000", "127.0.0.1:5000"),
            ("[::1]:1040", "[::1]:1040"),
            ("[::]:0", "[::]:0"),
        ];
        for (text, expected) in good {
            let config = load_ok(&with("csta.listen", json!(text)));
            assert_eq!(config.csta.listen, expected.parse::<SocketAddr>().unwrap());
        }
        let bad = [
            "localhost:1040",
            "0.0.0.0",
            "1.2.3.4:70000",
            "",
            ":1040",
            "::1:1040",
        ];
        for text in bad {
            let expected = format!(
                "csta.listen: not a socket address (IPv4:port or [IPv6]:port): {}",
                json!(text)
            );
            assert_one_problem(&with("csta.listen", json!(text)), &expected);
        }
    }

    #[test]
    fn good_server_urls() {
        // (url, https, host, port, base_path, url kept)
        let cases = [
            (
                "https://xsp1.example.net",
                true,
                "xsp1.example.net",
                443,
                "",
                "https://xsp1.example.net",
            ),
            (
                "http://xsp1.example.net",
                false,
                "xsp1.example.net",
                80,
                "",
                "http://xsp1.example.net",
            ),
            (
                "https://xsp1.example.net/",
                true,
                "xsp1.example.net",
                443,
                "",
                "https://xsp1.example.net",
            ),
            (
                "http://10.0.0.1:8080",
                false,
                "10.0.0.1",
                8080,
                "",
                "http://10.0.0.1:8080",
            ),
            (
                "https://xsp.example.net:8443/xsi/",
                true,
                "xsp.example.net",
                8443,
                "/xsi",
                "https://xsp.example.net:8443/xsi",
            ),
            (
                "http://127.0.0.1:1/a/b",
                false,
                "127.0.0.1",
                1,
                "/a/b",
                "http://127.0.0.1:1/a/b",
            ),
            (
                "http://[::1]:8080",
                false,
                "[::1]",
                8080,
                "",
                "http://[::1]:8080",
            ),
            (
                "https://[fd00::5]",
                true,
                "[fd00::5]",
                443,
                "",
                "https://[fd00::5]",
            ),
            (
                "HTTPS://XSP.example.net",
                true,
                "XSP.example.net",
                443,
                "",
                "HTTPS://XSP.example.net",
            ),
            (
                "http://xsp_1:65535",
                false,
                "xsp_1",
                65535,
                "",
                "http://xsp_1:65535",
            ),
        ];
        for (text, https, host, port, base_path, url) in cases {
            let parsed = parse_server_url(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let expected = ServerUrl {
                url: url.to_string(),
                https,
                host: host.to_string(),
                port,
                base_path: base_path.to_string(),
            };
            assert_eq!(parsed, expected, "{text}");
        }
    }

    #[test]
    fn server_fields_come_from_the_url() {
        let servers = json!([{ "name": "lab", "url": "http://10.1.2.3:8080/prefix/" }]);
        let config = load_ok(&with("xsi.servers", servers));
        let expected = XspServer {
            name: "lab".to_string(),
            url: "http://10.1.2.3:8080/prefix".to_string(),
            https: false,
            host: "10.1.2.3".to_string(),
            port: 8080,
            base_path: "/prefix".to_string(),
        };
        assert_eq!(config.xsi.servers, [expected]);
    }

    #[test]
    fn bad_server_urls() {
        let cases = [
            (
                "ftp://xsp.example.net",
                "not an http(s) URL: \"ftp://xsp.example.net\"",
            ),
            ("xsp.example.net", "not an http(s) URL: \"xsp.example.net\""),
            ("https:/xsp", "not an http(s) URL: \"https:/xsp\""),
            ("https://", "URL has no host: \"https://\""),
            ("https:///xsi", "URL has no host: \"https:///xsi\""),
            ("http://:8080", "URL has no host: \"http://:8080\""),
            (
                "https://xsp?x=1",
                "a server URL must not have a query ('?'): \"https://xsp?x=1\"",
            ),
            (
                "https://xsp/a#top",
                "a server URL must not have a fragment ('#'): \"https://xsp/a#top\"",
            ),
            (
                "https://xsp:99999",
                "bad port in URL (expected 1 to 65535): \"https://xsp:99999\"",
            ),
            (
                "https://xsp:0",
                "bad port in URL (expected 1 to 65535): \"https://xsp:0\"",
            ),
            (
                "https://xsp:",
                "bad port in URL (expected 1 to 65535): \"https://xsp:\"",
            ),
            (
                "https://xsp:8a",
                "bad port in URL (expected 1 to 65535): \"https://xsp:8a\"",
            ),
            (
                "https://xsp:+80",
                "bad port in URL (expected 1 to 65535): \"https://xsp:+80\"",
            ),
            (
                "http://[::1]x",
                "bad port in URL (expected 1 to 65535): \"http://[::1]x\"",
            ),
            ("http://[::1", "bad IPv6 address in URL: \"http://[::1\""),
            (
                "http://[zz]:80",
                "bad IPv6 address in URL: \"http://[zz]:80\"",
            ),
            ("https://xs!p", "bad host name in URL: \"https://xs!p\""),
            (
                "https://xsp .example",
                "a URL must not contain spaces or control characters: \"https://xsp .example\"",
            ),
            ("", "not an http(s) URL: \"\""),
        ];
        for (url, message) in cases {
            let servers = json!([{ "name": "a", "url": url }]);
            let expected = format!("xsi.servers[0].url: {message}");
            assert_one_problem(&with("xsi.servers", servers), &expected);
        }
    }

    #[test]
    fn url_with_user_info_is_rejected_without_echoing_it() {
        let url = format!("https://cti:{PASSWORD}@xsp.example.net");
        let problems = lines(&with("xsi.servers", json!([{ "name": "a", "url": url }])));
        assert_eq!(
            problems,
            ["xsi.servers[0].url: a server URL must not contain user info: use xsi.username and xsi.password"]
        );
    }

    #[test]
    fn server_list_rules() {
        let cases = [
            (json!([]), "xsi.servers: expected at least one server"),
            (
                json!([{ "name": "", "url": "https://a" }]),
                "xsi.servers[0].name: must not be empty",
            ),
            (
                json!([{ "name": "a", "url": "https://a" }, { "name": "a", "url": "https://b" }]),
                "xsi.servers[1].name: duplicate name \"a\"",
            ),
        ];
        for (servers, expected) in cases {
            assert_one_problem(&with("xsi.servers", servers), expected);
        }
    }

    #[test]
    fn ip_net_parse_good() {
        let cases = [
            ("10.20.0.0/16", "10.20.0.0/16"),
            ("127.0.0.1", "127.0.0.1/32"),
            ("::1", "::1/128"),
            ("fd00::/8", "fd00::/8"),
            ("10.20.30.40/16", "10.20.0.0/16"),
            ("192.168.1.255/31", "192.168.1.254/31"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("8.8.8.8/0", "0.0.0.0/0"),
            ("::/0", "::/0"),
            ("fd12:3456::1/32", "fd12:3456::/32"),
            ("10.0.0.0/08", "10.0.0.0/8"),
        ];
        for (text, expected) in cases {
            let net = IpNet::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(net.to_string(), expected, "{text}");
        }
    }

    #[test]
    fn ip_net_parse_bad() {
        let cases = [
            "10.0.0.0/33",
            "::/129",
            "10.0.0",
            "abc",
            "",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
            "/8",
            "10.0.0.0/ 8",
            " 10.0.0.1",
            "[::1]",
            "fe80::1%eth0",
            "010.0.0.1",
            "10.0.0.0/0008",
            "10.0.0.0/-1",
            "1.2.3.4.5",
        ];
        for text in cases {
            assert_eq!(IpNet::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn bad_cidr_in_allow() {
        for text in ["10.0.0.0/33", "::/129", "10.0.0", "abc"] {
            let expected = format!("csta.allow[0]: not an IP address or CIDR block: \"{text}\"");
            assert_one_problem(&with("csta.allow", json!([text])), &expected);
        }
    }

    #[test]
    fn ip_net_contains() {
        let cases = [
            ("10.20.0.0/16", "10.20.5.6", true),
            ("10.20.0.0/16", "10.21.0.1", false),
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.2", false),
            ("10.20.0.0/16", "::ffff:10.20.1.2", true),
            ("10.20.0.0/16", "::ffff:10.21.1.2", false),
            ("127.0.0.1", "::ffff:127.0.0.1", true),
            ("0.0.0.0/0", "1.2.3.4", true),
            ("0.0.0.0/0", "::ffff:1.2.3.4", true),
            ("0.0.0.0/0", "::1", false),
            ("0.0.0.0/8", "::1", false),
            ("0.0.0.0/8", "::10.0.0.1", false),
            ("fd00::/8", "fd12::1", true),
            ("fd00::/8", "fe80::1", false),
            ("fd00::/8", "10.0.0.1", false),
            ("::1", "::1", true),
            ("::1", "127.0.0.1", false),
            ("::ffff:10.0.0.0/104", "10.1.2.3", true),
            ("::ffff:10.0.0.0/104", "11.1.2.3", false),
            ("192.168.1.0/24", "192.168.1.255", true),
            ("192.168.1.0/24", "192.168.2.0", false),
        ];
        for (net, ip, expected) in cases {
            let net = IpNet::parse(net).unwrap();
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(net.contains(ip), expected, "{net} contains {ip}");
        }
    }

    #[test]
    fn durations() {
        let good = [
            (0.25, secs(0.25)),
            (0.2, Duration::from_millis(200)),
            (3600.0, secs(3600.0)),
            (1e-9, Duration::from_nanos(1)),
        ];
        for (value, expected) in good {
            let config = load_ok(&with("xsi.heartbeat_interval_s", json!(value)));
            assert_eq!(config.xsi.heartbeat_interval, expected, "{value}");
        }
        assert_eq!(
            load_ok(&with("xsi.heartbeat_interval_s", json!(2)))
                .xsi
                .heartbeat_interval,
            secs(2.0)
        );
        let bad = [
            (json!(0), "expected a positive number of seconds, found 0"),
            (
                json!(0.0),
                "expected a positive number of seconds, found 0.0",
            ),
            (json!(-1), "expected a positive number of seconds, found -1"),
            (
                json!(-0.5),
                "expected a positive number of seconds, found -0.5",
            ),
            (
                json!("5"),
                "expected a positive number of seconds, found \"5\"",
            ),
            (
                json!(1e-12),
                "expected a positive number of seconds, found 1e-12 (less than a nanosecond)",
            ),
            (
                json!(1e12),
                "expected at most 315576000 seconds (ten years), found 1000000000000.0",
            ),
        ];
        for (value, message) in bad {
            let expected = format!("csta.idle_timeout_s: {message}");
            assert_one_problem(&with("csta.idle_timeout_s", value), &expected);
        }
    }

    #[test]
    fn integers() {
        let good = [
            ("csta.max_sessions", json!(1)),
            ("csta.max_sessions", json!(1000)),
            ("log.max_bytes", json!(1)),
            ("log.keep", json!(0)),
            ("log.keep", json!(4_294_967_295u64)),
        ];
        for (path, value) in good {
            assert_eq!(
                lines(&with(path, value.clone())),
                Vec::<String>::new(),
                "{path} = {value}"
            );
        }
        let bad = [
            (
                "csta.max_sessions",
                json!(0),
                "expected a positive integer, found 0",
            ),
            (
                "csta.max_sessions",
                json!(1.5),
                "expected a positive integer, found 1.5",
            ),
            (
                "csta.max_sessions",
                json!(16.0),
                "expected a positive integer, found 16.0",
            ),
            (
                "csta.max_sessions",
                json!(-1),
                "expected a positive integer, found -1",
            ),
            (
                "log.max_bytes",
                json!(0),
                "expected a positive integer, found 0",
            ),
            (
                "log.keep",
                json!(-1),
                "expected a non-negative integer, found -1",
            ),
            (
                "log.keep",
                json!(1.5),
                "expected a non-negative integer, found 1.5",
            ),
            (
                "log.keep",
                json!(4_294_967_296u64),
                "expected a non-negative integer no larger than 4294967295, found 4294967296",
            ),
        ];
        for (path, value, message) in bad {
            assert_one_problem(&with(path, value), &format!("{path}: {message}"));
        }
    }

    #[test]
    fn integer_values_are_kept() {
        let mut document = with("csta.max_sessions", json!(3));
        set(&mut document, "log.max_bytes", json!(2048));
        set(&mut document, "log.keep", json!(0));
        let config = load_ok(&document);
        assert_eq!(
            (
                config.csta.max_sessions,
                config.log.max_bytes,
                config.log.keep
            ),
            (3, 2048, 0)
        );
    }

    #[test]
    fn editions_and_levels() {
        for edition in EDITIONS {
            assert_eq!(
                load_ok(&with("csta.edition", json!(edition))).csta.edition,
                edition
            );
        }
        let levels = [
            ("off", LevelFilter::Off),
            ("error", LevelFilter::Error),
            ("warn", LevelFilter::Warn),
            ("info", LevelFilter::Info),
            ("debug", LevelFilter::Debug),
            ("trace", LevelFilter::Trace),
            ("DEBUG", LevelFilter::Debug),
        ];
        for (text, level) in levels {
            assert_eq!(
                load_ok(&with("log.level", json!(text))).log.level,
                level,
                "{text}"
            );
        }
        let bad = [
            (
                "csta.edition",
                "ed7",
                "expected one of ed2, ed3, ed4, ed5, ed6, found \"ed7\"",
            ),
            (
                "csta.edition",
                "ED3",
                "expected one of ed2, ed3, ed4, ed5, ed6, found \"ED3\"",
            ),
            (
                "csta.edition",
                "",
                "expected one of ed2, ed3, ed4, ed5, ed6, found \"\"",
            ),
            (
                "log.level",
                "verbose",
                "expected one of off, error, warn, info, debug, trace, found \"verbose\"",
            ),
            (
                "log.level",
                "",
                "expected one of off, error, warn, info, debug, trace, found \"\"",
            ),
        ];
        for (path, value, message) in bad {
            assert_one_problem(&with(path, json!(value)), &format!("{path}: {message}"));
        }
    }

    #[test]
    fn strings_that_must_not_be_empty() {
        let cases = [
            ("xsi.username", json!(""), "xsi.username: must not be empty"),
            ("xsi.username", json!("  "), "xsi.username: must not be empty"),
            ("xsi.channel_set_id", json!(""), "xsi.channel_set_id: must not be empty"),
            ("xsi.application_id", json!(""), "xsi.application_id: must not be empty"),
            ("xsi.event_package", json!(""), "xsi.event_package: must not be empty"),
            ("xsi.default_domain", json!(""), "xsi.default_domain: must not be empty"),
            ("xsi.default_domain", json!("@example.net"), "xsi.default_domain: expected a domain name without '@' or spaces, found \"@example.net\""),
            ("xsi.default_domain", json!("a b"), "xsi.default_domain: expected a domain name without '@' or spaces, found \"a b\""),
            ("log.file", json!(""), "log.file: expected a file name, found \"\""),
            ("status_file", json!(""), "status_file: expected a file name, found \"\""),
            ("pid_file", json!("a\u{0}b"), "pid_file: a file name must not contain a NUL character"),
        ];
        for (path, value, expected) in cases {
            assert_one_problem(&with(path, value), expected);
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(500);
        let problems = lines(&with("csta.edition", json!(long)));
        assert_eq!(problems.len(), 1);
        let expected = format!(
            "csta.edition: expected one of ed2, ed3, ed4, ed5, ed6, found \"{}\"...",
            "x".repeat(60)
        );
        assert_eq!(problems[0], expected);
    }

    #[test]
    fn reconnect_max_not_below_initial() {
        let cases = [
            (json!(5), json!(2), Some("xsi.reconnect_max_s: must not be less than xsi.reconnect_initial_s (5 s), found 2 s")),
            (json!(60), Value::Null, Some("xsi.reconnect_max_s: must not be less than xsi.reconnect_initial_s (60 s), found 30 s (the default)")),
            (json!(0.5), json!(0.25), Some("xsi.reconnect_max_s: must not be less than xsi.reconnect_initial_s (0.5 s), found 0.25 s")),
            (json!(2), json!(2), None),
            (json!(0.1), json!(0.2), None),
            (json!("bad"), json!(0.5), Some("xsi.reconnect_initial_s: expected a positive number of seconds, found \"bad\"")),
        ];
        for (initial, max, expected) in cases {
            let mut document = with("xsi.reconnect_initial_s", initial);
            if !max.is_null() {
                set(&mut document, "xsi.reconnect_max_s", max);
            }
            let expected: Vec<String> = expected.into_iter().map(String::from).collect();
            assert_eq!(lines(&document), expected, "{document}");
        }
    }

    // --- the password ------------------------------------------------------

    #[test]
    fn password_from_file_is_trimmed() {
        let dir = TempDir::new("trim");
        let cases = [
            ("pw\n", "pw"),
            ("pw\r\n", "pw"),
            ("pw\n\n", "pw"),
            ("pw", "pw"),
            (" pw with spaces \n", " pw with spaces "),
            ("line1\nline2\n", "line1\nline2"),
        ];
        for (index, (content, expected)) in cases.into_iter().enumerate() {
            let file = dir.file(&format!("secret{index}"), content);
            let mut document = without("xsi.password");
            set(&mut document, "xsi.password_file", json!(file));
            assert_eq!(
                load_ok(&document).xsi.password.expose(),
                expected,
                "{content:?}"
            );
        }
    }

    #[test]
    fn password_file_problems_name_the_file_only() {
        let dir = TempDir::new("pwfile");
        let empty = dir.file("empty", "");
        let newline = dir.file("newline", "\r\n");
        let binary = dir.bytes("binary", &[0xff, 0xfe, b'x']);
        let missing = dir.0.join("missing");
        let cases = [
            (
                empty.clone(),
                format!("xsi.password_file: \"{}\" is empty", empty.display()),
            ),
            (
                newline.clone(),
                format!("xsi.password_file: \"{}\" is empty", newline.display()),
            ),
            (
                binary.clone(),
                format!(
                    "xsi.password_file: \"{}\" is not UTF-8 text",
                    binary.display()
                ),
            ),
            (
                missing.clone(),
                format!(
                    "xsi.password_file: cannot read \"{}\": No such file or directory (os error 2)",
                    missing.display()
                ),
            ),
        ];
        for (file, expected) in cases {
            let mut document = without("xsi.password");
            set(&mut document, "xsi.password_file", json!(file));
            assert_one_problem(&document, &expected);
        }
    }

    #[test]
    fn password_file_that_is_a_directory_or_huge() {
        let dir = TempDir::new("pwdir");
        let huge = dir.file("huge", &"x".repeat(70_000));
        let cases = [
            (dir.0.clone(), "Is a directory"),
            (huge, "is larger than 64 KiB"),
        ];
        for (file, fragment) in cases {
            let mut document = without("xsi.password");
            set(&mut document, "xsi.password_file", json!(file));
            let problems = lines(&document);
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].starts_with("xsi.password_file: "),
                "{}",
                problems[0]
            );
            assert!(problems[0].contains(fragment), "{}", problems[0]);
        }
    }

    #[test]
    fn password_and_password_file_together() {
        let dir = TempDir::new("both");
        let file = dir.file("secret", "other-secret\n");
        let document = with("xsi.password_file", json!(file));
        assert_one_problem(
            &document,
            "xsi.password: give either xsi.password or xsi.password_file, not both",
        );
    }

    #[test]
    fn password_of_the_wrong_type_is_never_echoed() {
        let cases = [
            (json!(12345), "a number"),
            (json!(true), "a boolean"),
            (json!([PASSWORD]), "an array"),
            (json!({ "value": PASSWORD }), "an object"),
            (json!(null), "null"),
        ];
        for (value, kind) in cases {
            let document = with("xsi.password", value);
            assert_one_problem(
                &document,
                &format!("xsi.password: expected a string, found {kind}"),
            );
        }
        let problems = lines(&with("xsi.password", json!(12345))).join("\n");
        assert!(!problems.contains("12345"), "{problems}");
        assert_one_problem(
            &with("xsi.password", json!("")),
            "xsi.password: must not be empty",
        );
    }

    #[test]
    fn password_never_appears_in_any_problem() {
        let documents = [
            with("xsi.password_file", json!("/nonexistent/secret")),
            with("xsi.password_file", json!(PASSWORD)),
            with("xsi.password", json!([PASSWORD])),
            with("xsi.pasword", json!(PASSWORD)),
            with(
                "xsi.servers",
                json!([{ "name": "a", "url": format!("https://u:{PASSWORD}@x") }]),
            ),
            with("log.level", json!(5)),
        ];
        for document in documents {
            let text = parse(&document).unwrap_err().to_string();
            assert!(!text.contains(PASSWORD), "{text}");
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let config = load_ok(&minimal());
        let debug = format!("{config:?}");
        assert!(debug.contains("password: ***"), "{debug}");
        assert!(!debug.contains(PASSWORD), "{debug}");
        let pretty = format!("{config:#?}");
        assert!(!pretty.contains(PASSWORD));
        assert_eq!(format!("{}", config.xsi.password), "***");
        assert_eq!(format!("{:?}", Secret::new("x")), "***");
        assert_eq!(Secret::new("x").expose(), "x");
    }

    // --- files and paths --------------------------------------------------

    #[test]
    fn invalid_json_gives_line_and_column() {
        let cases = [
            (
                "",
                "invalid JSON at line 1, column 0: EOF while parsing a value",
            ),
            (
                "{",
                "invalid JSON at line 1, column 1: EOF while parsing an object",
            ),
            (
                "{\n  \"csta\": }\n",
                "invalid JSON at line 2, column 11: expected value",
            ),
            (
                "{\"a\": 1,}",
                "invalid JSON at line 1, column 9: trailing comma",
            ),
            (
                "{} x",
                "invalid JSON at line 1, column 4: trailing characters",
            ),
            (
                "{\n\n  'csta': {}\n}",
                "invalid JSON at line 3, column 3: key must be a string",
            ),
        ];
        for (text, expected) in cases {
            let err = Config::from_json_str(text, Path::new(BASE_DIR)).unwrap_err();
            let expected = Problem {
                path: String::new(),
                message: expected.to_string(),
            };
            assert_eq!(err.problems, [expected], "{text:?}");
        }
    }

    #[test]
    fn invalid_json_never_shows_the_password() {
        let text = format!("{{\"xsi\": {{\"password\": \"{PASSWORD}\" \"x\"}}}}");
        let err = Config::from_json_str(&text, Path::new(BASE_DIR)).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert!(!err.to_string().contains(PASSWORD), "{err}");
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        let text = format!("\u{feff}{}", minimal());
        assert!(Config::from_json_str(&text, Path::new(BASE_DIR)).is_ok());
    }

    #[test]
    fn relative_paths_are_resolved_against_base_dir() {
        let mut document = with("log.file", json!("bwcsta.log"));
        set(&mut document, "status_file", json!("run/status.json"));
        set(&mut document, "pid_file", json!("/var/run/bwcsta.pid"));
        let config = load_ok(&document);
        assert_eq!(
            config.log.file,
            Some(PathBuf::from("/etc/bwcsta/bwcsta.log"))
        );
        assert_eq!(
            config.status_file,
            Some(PathBuf::from("/etc/bwcsta/run/status.json"))
        );
        assert_eq!(config.pid_file, Some(PathBuf::from("/var/run/bwcsta.pid")));
    }

    #[test]
    fn relative_secret_and_ca_files_are_read_from_base_dir() {
        let dir = TempDir::new("relative");
        dir.file("xsi.secret", "from-relative\n");
        dir.file("ca.pem", "pem");
        let mut document = without("xsi.password");
        set(&mut document, "xsi.password_file", json!("xsi.secret"));
        set(&mut document, "xsi.tls.ca_file", json!("ca.pem"));
        let config = Config::from_json_str(&document.to_string(), &dir.0).unwrap();
        assert_eq!(config.xsi.password.expose(), "from-relative");
        assert_eq!(config.xsi.tls.ca_file, Some(dir.0.join("ca.pem")));
        // The same names are not found from elsewhere.
        assert_eq!(
            sorted_paths(&document),
            ["xsi.password_file", "xsi.tls.ca_file"]
        );
    }

    #[test]
    fn ca_file_must_be_a_readable_file() {
        let dir = TempDir::new("ca");
        let missing = dir.0.join("missing.pem");
        let cases = [
            (
                missing.clone(),
                format!(
                    "xsi.tls.ca_file: cannot read \"{}\": No such file or directory (os error 2)",
                    missing.display()
                ),
            ),
            (
                dir.0.clone(),
                format!(
                    "xsi.tls.ca_file: \"{}\" is not a regular file",
                    dir.0.display()
                ),
            ),
        ];
        for (file, expected) in cases {
            assert_one_problem(&with("xsi.tls.ca_file", json!(file)), &expected);
        }
    }

    #[test]
    fn load_reads_the_file_and_resolves_against_its_directory() {
        let dir = TempDir::new("load");
        dir.file("xsi.secret", "loaded\n");
        let mut document = without("xsi.password");
        set(&mut document, "xsi.password_file", json!("xsi.secret"));
        set(&mut document, "log.file", json!("logs/bwcsta.log"));
        let path = dir.file("bwcsta.json", &document.to_string());
        let config = Config::load(&path).unwrap();
        assert_eq!(config.xsi.password.expose(), "loaded");
        assert_eq!(config.log.file, Some(dir.0.join("logs/bwcsta.log")));
    }

    #[test]
    fn load_problems_name_the_file() {
        let dir = TempDir::new("loadbad");
        let missing = dir.0.join("nope.json");
        let err = Config::load(&missing).unwrap_err();
        let expected = format!(
            "cannot read config file \"{}\": No such file or directory (os error 2)",
            missing.display()
        );
        assert_eq!(
            err.problems,
            [Problem {
                path: String::new(),
                message: expected
            }]
        );

        let broken = dir.file("broken.json", "{");
        let err = Config::load(&broken).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid JSON at line 1, column 1: EOF while parsing an object"
        );
    }

    #[test]
    fn problem_display() {
        let cases = [
            ("csta.listen", "bad", "csta.listen: bad"),
            (
                "",
                "invalid JSON at line 1, column 1: x",
                "invalid JSON at line 1, column 1: x",
            ),
        ];
        for (path, message, expected) in cases {
            let problem = Problem {
                path: path.to_string(),
                message: message.to_string(),
            };
            assert_eq!(problem.to_string(), expected);
        }
    }

    #[test]
    fn quote_escapes_and_cuts() {
        let cases = [
            ("abc", "\"abc\""),
            ("a\"b", "\"a\\\"b\""),
            ("tab\there", "\"tab\\there\""),
            ("", "\"\""),
        ];
        for (text, expected) in cases {
            assert_eq!(quote(text), expected);
        }
        let exact = "é".repeat(QUOTE_MAX_CHARS);
        assert_eq!(quote(&exact), format!("\"{exact}\""));
        assert_eq!(quote(&format!("{exact}z")), format!("\"{exact}\"..."));
    }
}
