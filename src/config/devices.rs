//! The `devices` section: which CSTA devices are call centres, route points
//! and agents (README, "Configuration reference" and "Contact centre"), and
//! how a device is classified.
//!
//! Each list holds device ids as the client names them (`5000`), BroadWorks
//! user ids (`sales@example.net`), or prefixes ending in `*` (`61*`). A
//! device matches an entry when its CSTA device id or its BroadWorks user id
//! equals it (or starts with the prefix). A device matching entries of
//! several lists is a call centre first, then a route point, then an agent;
//! the same exact entry in two lists is a configuration error.
//!
//! `treatment_audio_urls` holds the audio files PlayMessage 4 plays on a
//! route point call: 1 to 4 `http(s)` URLs (what BroadWorks'
//! `RoutePointPlayTreatment` accepts).

use std::collections::HashMap;

use serde_json::Value;

use super::problems::Problems;
use super::section::{indexed, Section};
use super::values::{array, quote, string};
use crate::device::DeviceKind;

/// `devices` [none].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevicesConfig {
    /// `call_centers`: BroadWorks Call Centers (CSTA ACD devices).
    pub call_centers: Vec<DevicePattern>,
    /// `route_points`: BroadWorks Route Points (CSTA routeing devices).
    pub route_points: Vec<DevicePattern>,
    /// `agents`: users that are call-centre agents.
    pub agents: Vec<DevicePattern>,
    /// `treatment_audio_urls`: what PlayMessage 4 plays (none: it is
    /// refused).
    pub treatment_audio_urls: Vec<String>,
}

/// Most `treatment_audio_urls`: the Xsi schema's `audioUrlList` holds 1 to
/// 4 `uri`.
pub const MAX_TREATMENT_AUDIO_URLS: usize = 4;

/// One entry of a `devices` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DevicePattern {
    /// This id exactly.
    Exact(String),
    /// Every id that starts with this (the entry without its `*`).
    Prefix(String),
}

impl DevicePattern {
    /// Reads one entry: no blanks, `*` only at the end and after something.
    pub(super) fn parse(text: &str) -> Result<DevicePattern, String> {
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.chars().any(char::is_whitespace) {
            return Err(format!("{} contains a blank", quote(text)));
        }
        match text.strip_suffix('*') {
            Some("") => Err("a prefix needs at least one character before `*`".into()),
            Some(prefix) if prefix.contains('*') => {
                Err(format!("{}: `*` may only end an entry", quote(text)))
            }
            Some(prefix) => Ok(DevicePattern::Prefix(prefix.to_owned())),
            None if text.contains('*') => {
                Err(format!("{}: `*` may only end an entry", quote(text)))
            }
            None => Ok(DevicePattern::Exact(text.to_owned())),
        }
    }

    pub(crate) fn matches(&self, id: &str) -> bool {
        match self {
            DevicePattern::Exact(exact) => id == exact,
            DevicePattern::Prefix(prefix) => id.starts_with(prefix.as_str()),
        }
    }

    /// The entry without its `*`.
    pub(crate) fn text(&self) -> &str {
        match self {
            DevicePattern::Exact(text) | DevicePattern::Prefix(text) => text,
        }
    }

    /// The entry as written.
    pub(super) fn shown(&self) -> String {
        match self {
            DevicePattern::Exact(exact) => exact.clone(),
            DevicePattern::Prefix(prefix) => format!("{prefix}*"),
        }
    }
}

impl DevicesConfig {
    /// The kind of the device the client names `device`, whose BroadWorks
    /// user id is `user`.
    pub fn kind_of(&self, device: &str, user: &str) -> DeviceKind {
        let listed = |list: &[DevicePattern]| {
            list.iter()
                .any(|p| p.matches(device.trim()) || p.matches(user))
        };
        if listed(&self.call_centers) {
            DeviceKind::CallCenter
        } else if listed(&self.route_points) {
            DeviceKind::RoutePoint
        } else if listed(&self.agents) {
            DeviceKind::Agent
        } else {
            DeviceKind::User
        }
    }

    /// True when no device is listed.
    pub fn is_empty(&self) -> bool {
        self.call_centers.is_empty() && self.route_points.is_empty() && self.agents.is_empty()
    }
}

const LISTS: [&str; 3] = ["call_centers", "route_points", "agents"];

pub(super) fn read_devices(mut section: Section<'_>, problems: &mut Problems) -> DevicesConfig {
    // Entry as written → the list that has it first, for duplicates.
    let mut seen: HashMap<String, &'static str> = HashMap::new();
    let [call_centers, route_points, agents] = LISTS.map(|key| {
        let path = section.key_path(key);
        let items = section.field(key, problems, array).unwrap_or_default();
        let mut patterns = Vec::new();
        for (item_path, item) in indexed(&path, items) {
            let Some(pattern) = problems.check(item_path.as_str(), entry(item)) else {
                continue;
            };
            let shown = pattern.shown();
            match seen.get(&shown) {
                Some(first) => {
                    let where_ = if *first == key {
                        "listed twice".to_owned()
                    } else {
                        format!("also listed in devices.{first}")
                    };
                    problems.push(item_path, format!("{}: {where_}", quote(&shown)));
                }
                None => {
                    seen.insert(shown, key);
                    patterns.push(pattern);
                }
            }
        }
        patterns
    });
    let treatment_audio_urls = read_audio_urls(&mut section, problems);
    section.finish(problems);
    DevicesConfig {
        call_centers,
        route_points,
        agents,
        treatment_audio_urls,
    }
}

pub(super) fn entry(value: &Value) -> Result<DevicePattern, String> {
    DevicePattern::parse(string(value)?)
}

/// `treatment_audio_urls` [none]: 1 to 4 `http(s)` URLs, each problem
/// reported at its own path.
fn read_audio_urls(section: &mut Section<'_>, problems: &mut Problems) -> Vec<String> {
    const KEY: &str = "treatment_audio_urls";
    let path = section.key_path(KEY);
    let Some(items) = section.field(KEY, problems, array) else {
        return Vec::new();
    };
    if items.is_empty() || items.len() > MAX_TREATMENT_AUDIO_URLS {
        let count = items.len();
        problems.push(
            path.as_str(),
            format!("expected 1 to {MAX_TREATMENT_AUDIO_URLS} URLs, found {count}"),
        );
    }
    indexed(&path, items)
        .filter_map(|(item_path, item)| problems.check(item_path, audio_url(item)))
        .collect()
}

/// An `http(s)` URL with a host, no blanks or control characters.
fn audio_url(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{}: a URL must not contain spaces or control characters",
            quote(text)
        ));
    }
    let rest = text.split_once("://").and_then(|(scheme, rest)| {
        matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https").then_some(rest)
    });
    match rest {
        None => Err(format!("{}: not an http(s) URL", quote(text))),
        Some(rest) if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() => {
            Err(format!("{}: URL has no host", quote(text)))
        }
        Some(_) => Ok(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(call_centers: &[&str], route_points: &[&str], agents: &[&str]) -> DevicesConfig {
        let list = |items: &[&str]| {
            items
                .iter()
                .map(|t| DevicePattern::parse(t).expect("valid"))
                .collect()
        };
        DevicesConfig {
            call_centers: list(call_centers),
            route_points: list(route_points),
            agents: list(agents),
            treatment_audio_urls: Vec::new(),
        }
    }

    #[test]
    fn kinds() {
        let c = config(
            &["5000", "sales@example.net"],
            &["6000", "61*"],
            &["20*", "6100"],
        );
        let cases = [
            ("5000", "5000@example.net", DeviceKind::CallCenter),
            ("sales", "sales@example.net", DeviceKind::CallCenter),
            (
                "sales@example.net",
                "sales@example.net",
                DeviceKind::CallCenter,
            ),
            (" 6000 ", "6000@example.net", DeviceKind::RoutePoint),
            ("6150", "6150@example.net", DeviceKind::RoutePoint),
            // A prefix of another list does not beat a route point.
            ("6100", "6100@example.net", DeviceKind::RoutePoint),
            ("2001", "2001@example.net", DeviceKind::Agent),
            ("3001", "3001@example.net", DeviceKind::User),
            ("50000", "50000@example.net", DeviceKind::User),
        ];
        for (device, user, want) in cases {
            assert_eq!(c.kind_of(device, user), want, "{device}");
        }
        assert!(DevicesConfig::default().is_empty());
        assert!(!c.is_empty());
    }

    #[test]
    fn entries() {
        let cases: &[(&str, Result<DevicePattern, &str>)] = &[
            ("5000", Ok(DevicePattern::Exact("5000".into()))),
            ("61*", Ok(DevicePattern::Prefix("61".into()))),
            (
                "q@example.net",
                Ok(DevicePattern::Exact("q@example.net".into())),
            ),
            ("", Err("must not be empty")),
            ("*", Err("at least one character")),
            ("6*1", Err("may only end")),
            ("6**", Err("may only end")),
            ("60 00", Err("contains a blank")),
        ];
        for (text, want) in cases {
            match (DevicePattern::parse(text), want) {
                (Ok(got), Ok(want)) => assert_eq!(&got, want, "{text:?}"),
                (Err(got), Err(needle)) => assert!(got.contains(needle), "{text:?}: {got}"),
                (got, want) => panic!("{text:?}: {got:?}, expected {want:?}"),
            }
        }
    }
}
