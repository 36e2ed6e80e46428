//! Tests of configuration loading; the shared helpers live here, the tests
//! by theme in the submodules.

use super::url::{parse_server_url, ServerUrl};
use super::values::{quote, QUOTE_MAX_CHARS};
use super::*;
use crate::csta::edition::Edition;
use crate::http::target::Target;
use log::LevelFilter;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};

const PASSWORD: &str = "Tr0ub4dor&3-hunter2";
/// A real CA certificate (PEM), for `xsi.tls.ca_file`.
const TEST_CA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/integration/data/tls/test-ca.pem"
));
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

/// A fresh temporary directory ([`crate::testdir`]) to write files in.
struct TempDir(crate::testdir::TempDir);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        TempDir(crate::testdir::TempDir::new(&format!("config-{tag}")))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        self.bytes(name, contents.as_bytes())
    }

    fn bytes(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.path().join(name);
        fs::write(&path, contents).expect("write temp file");
        path
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

mod capture;
mod clients;
mod documents;
mod files;
mod password;
mod tls;
mod values;
