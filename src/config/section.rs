//! Walking the document: [`Section`] reads one JSON object, records every
//! problem with its path, and reports the keys nobody asked for.

use serde_json::{Map, Value};

use super::problems::Problems;
use super::values::{expected, quote};

/// The outcome of reading one key.
pub(super) enum Lookup<T> {
    Absent,
    /// Present but wrong; the problem is already recorded.
    Invalid,
    Valid(T),
}

impl<T> Lookup<T> {
    /// The value, the default when absent, `None` when invalid.
    pub(super) fn or(self, default: T) -> Option<T> {
        match self {
            Lookup::Absent => Some(default),
            Lookup::Invalid => None,
            Lookup::Valid(value) => Some(value),
        }
    }
}

/// One JSON object being read. It remembers which keys were asked for, so
/// [`Section::finish`] can report the others as unknown.
pub(super) struct Section<'a> {
    path: String,
    /// `None` when the object is absent or not an object (already reported).
    map: Option<&'a Map<String, Value>>,
    known: Vec<&'static str>,
}

impl<'a> Section<'a> {
    pub(super) fn empty(path: String) -> Section<'a> {
        Section {
            path,
            map: None,
            known: Vec::new(),
        }
    }

    /// `value` as a section, or `None` (reported) when it is not an object.
    pub(super) fn object(
        path: String,
        value: &'a Value,
        problems: &mut Problems,
    ) -> Option<Section<'a>> {
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

    pub(super) fn key_path(&self, key: &str) -> String {
        join_path(&self.path, key)
    }

    pub(super) fn contains(&self, key: &str) -> bool {
        self.map.is_some_and(|map| map.contains_key(key))
    }

    /// Marks `key` as known and returns its value.
    pub(super) fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.known.push(key);
        self.map.and_then(|map| map.get(key))
    }

    pub(super) fn lookup<T>(
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
    pub(super) fn field<T>(
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
    pub(super) fn field_or<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        default: T,
        parse: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> T {
        self.field(key, problems, parse).unwrap_or(default)
    }

    /// A required key: reports `missing` when absent.
    pub(super) fn required<T>(
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
    pub(super) fn section(&mut self, key: &'static str, problems: &mut Problems) -> Section<'a> {
        let path = self.key_path(key);
        match self.get(key) {
            Some(value) => Section::object(path.clone(), value, problems)
                .unwrap_or_else(|| Section::empty(path)),
            None => Section::empty(path),
        }
    }

    /// A required nested object.
    pub(super) fn required_section(
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
    pub(super) fn finish(self, problems: &mut Problems) {
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
pub(super) fn join_path(parent: &str, key: &str) -> String {
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
pub(super) fn indexed<'a>(
    path: &'a str,
    items: &'a [Value],
) -> impl Iterator<Item = (String, &'a Value)> + 'a {
    items
        .iter()
        .enumerate()
        .map(move |(index, item)| (format!("{path}[{index}]"), item))
}
