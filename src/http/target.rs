//! Where an XSP lives: scheme, host, port and context path.
//!
//! A `Target` is made once, by the configuration's URL reader
//! (`config::url`, the only parser of `xsi.servers[i].url`), and used as it
//! is by every request to that XSP.

/// One XSP's address, from a configured base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// Host name or IP address; an IPv6 address without brackets.
    pub host: String,
    /// The explicit port, else 80 or 443.
    pub port: u16,
    /// `""` or `"/prefix"`, never with a trailing slash.
    pub base_path: String,
}

impl Target {
    /// The `Host` header value: the port only when it is not the default,
    /// IPv6 literals in brackets.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default_port = if self.https { 443 } else { 80 };
        if self.port == default_port {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The full URL of `path` (for logs and the ureq client).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!(
            "{scheme}://{}{}",
            self.host_header(),
            self.request_path(path)
        )
    }

    /// The request target for `path`: the base path prepended.
    pub fn request_path(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(https: bool, host: &str, port: u16, base_path: &str) -> Target {
        Target {
            https,
            host: host.to_owned(),
            port,
            base_path: base_path.to_owned(),
        }
    }

    #[test]
    fn host_headers_and_urls() {
        // (target, Host header, URL of "/p")
        let cases = [
            (
                target(true, "xsp1.example.net", 443, ""),
                "xsp1.example.net",
                "https://xsp1.example.net/p",
            ),
            (
                target(false, "xsp1.example.net", 80, ""),
                "xsp1.example.net",
                "http://xsp1.example.net/p",
            ),
            (
                target(true, "xsp1", 8443, ""),
                "xsp1:8443",
                "https://xsp1:8443/p",
            ),
            (
                target(false, "10.0.0.1", 443, ""),
                "10.0.0.1:443",
                "http://10.0.0.1:443/p",
            ),
            (target(true, "xsp", 443, "/ctx"), "xsp", "https://xsp/ctx/p"),
            (
                target(false, "::1", 8080, "/x"),
                "[::1]:8080",
                "http://[::1]:8080/x/p",
            ),
            (
                target(true, "2001:db8::1", 443, ""),
                "[2001:db8::1]",
                "https://[2001:db8::1]/p",
            ),
        ];
        for (target, header, url) in cases {
            assert_eq!(target.host_header(), header, "{target:?}");
            assert_eq!(target.url("/p"), url, "{target:?}");
        }
        assert_eq!(target(true, "x", 443, "/ctx").request_path("/p"), "/ctx/p");
        assert_eq!(target(true, "x", 443, "").request_path("/p"), "/p");
    }
}
