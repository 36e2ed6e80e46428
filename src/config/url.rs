//! `xsi.servers[i].url`: `http(s)://host[:port][/prefix]` split into its
//! parts. This is the only parser of XSP URLs: every request to an XSP uses
//! the [`Target`] made here.

use std::net::Ipv6Addr;

use serde_json::Value;

use super::values::{quote, string};
use crate::http::target::Target;

/// A valid `xsi.servers[i].url`: the text as written and where it points.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ServerUrl {
    /// The URL as written, trailing `/` removed.
    pub(super) url: String,
    pub(super) target: Target,
}

/// Quotes the URL in the message unless it might hold credentials.
pub(super) fn server_url(value: &Value) -> Result<ServerUrl, String> {
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
pub(super) fn parse_server_url(text: &str) -> Result<ServerUrl, &'static str> {
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
    // Sockets, TLS and the Host header want an IPv6 address bare.
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Ok(ServerUrl {
        url: text.trim_end_matches('/').to_string(),
        target: Target {
            https,
            host: host.to_string(),
            port,
            base_path: path.trim_end_matches('/').to_string(),
        },
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
