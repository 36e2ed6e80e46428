//! Tests of CSTA parsing; the shared helpers live here, the tests by theme
//! in the submodules.

use super::super::edition::APPL_SESSION_NS;
use super::*;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/integration/data/csta/");
const ED3: &str = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
const ED4: &str = "http://www.ecma-international.org/standards/ecma-323/csta/ed4";

fn s(text: &str) -> String {
    text.to_owned()
}

fn conn(call: Option<&str>, device: Option<&str>) -> ConnectionId {
    ConnectionId {
        call_id: call.map(s),
        device_id: device.map(s),
    }
}

fn devices(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    list.iter().map(|(n, d)| (s(n), d.map(s))).collect()
}

fn parse_str(xml: &str) -> Result<Incoming, ParseError> {
    parse(xml.as_bytes())
}

fn message(xml: &str) -> Result<Message, ParseError> {
    parse_str(xml).map(|i| i.message)
}

/// `<Root xmlns=ED3>body</Root>`
fn doc(root: &str, body: &str) -> String {
    format!(r#"<?xml version="1.0"?><{root} xmlns="{ED3}">{body}</{root}>"#)
}

fn missing(message: &'static str, element: &'static str) -> ParseError {
    ParseError::Missing { message, element }
}

fn invalid(message: &'static str, element: &'static str, value: &str) -> ParseError {
    ParseError::Invalid {
        message,
        element,
        value: s(value),
    }
}

mod documents;
mod elements;
mod features;
mod hostile;
mod requests;
mod samples;
