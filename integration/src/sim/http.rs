//! Minimal HTTP/1.1 server side, sans-IO where it can be.
//!
//! [`parse_request`] takes the bytes received so far on a connection and returns the first
//! complete request (borrowing from the buffer) and how many bytes it used, or tells the caller
//! to read more. A connection loop calls it repeatedly on the same buffer, so several pipelined
//! requests that arrive in one read are all answered, in order. Heads are capped at
//! [`MAX_HEAD`] and bodies at [`MAX_BODY`]; anything malformed is an [`HttpError`] carrying the
//! status to answer with before closing the connection (the next request's start is unknown).
//!
//! The rest are small writers: a response with a `Content-Length` body, the pieces of a chunked
//! body, and helpers for Basic authentication and query strings.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Largest request head (request line plus headers) accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted (after de-chunking).
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// Why a request could not be parsed. The connection is answered and closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HttpError {
    /// The head is longer than [`MAX_HEAD`].
    HeadTooLarge,
    /// The body is longer than [`MAX_BODY`].
    BodyTooLarge,
    /// Malformed request; the text says what.
    Bad(&'static str),
}

impl HttpError {
    /// The status to answer with.
    pub(crate) fn status(&self) -> u16 {
        match self {
            HttpError::HeadTooLarge | HttpError::BodyTooLarge => 413,
            HttpError::Bad(_) => 400,
        }
    }

    /// A short English description.
    pub(crate) fn text(&self) -> &'static str {
        match self {
            HttpError::HeadTooLarge => "request head too large",
            HttpError::BodyTooLarge => "request body too large",
            HttpError::Bad(what) => what,
        }
    }
}

/// One parsed request, borrowing from the connection buffer.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// The request target as sent: path plus optional `?query`.
    pub target: &'a str,
    /// `HTTP/1.0` (no keep-alive unless asked for).
    pub http10: bool,
    /// Header lines (without the request line), separated by `\n`, possibly `\r\n`.
    headers: &'a str,
    pub body: Cow<'a, [u8]>,
}

impl<'a> Request<'a> {
    /// Value of the first header called `name` (case-insensitive), trimmed.
    pub(crate) fn header(&self, name: &str) -> Option<&'a str> {
        header_in(self.headers, name)
    }

    /// The target without its query string.
    pub(crate) fn path(&self) -> &'a str {
        self.target.split_once('?').map_or(self.target, |(p, _)| p)
    }

    /// The query string (after `?`), empty when there is none.
    pub(crate) fn query(&self) -> &'a str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// Whether the connection stays open after the response.
    pub(crate) fn keep_alive(&self) -> bool {
        match self.header("Connection") {
            Some(v) if has_token(v, "close") => false,
            Some(v) if has_token(v, "keep-alive") => true,
            _ => !self.http10,
        }
    }

    /// The body as text (lossy for invalid UTF-8, which only garbage requests contain).
    pub(crate) fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// The outcome of [`parse_request`] on the bytes received so far.
#[derive(Debug)]
pub(crate) enum Parsed<'a> {
    /// A whole request, and the number of bytes it used.
    Complete(Request<'a>, usize),
    /// More bytes are needed. `expect_continue` is set when the head is complete, announced a
    /// body, and asked for `100 Continue`.
    Partial { expect_continue: bool },
}

fn has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn header_in<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.split('\n').find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Finds the blank line ending a head: returns (end of the last header line, bytes consumed).
fn head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(p) = buf[from..].iter().position(|&b| b == b'\n') {
        let nl = from + p;
        let rest = &buf[nl + 1..];
        if rest.first() == Some(&b'\n') {
            return Some((nl, nl + 2));
        }
        if rest.starts_with(b"\r\n") {
            return Some((nl, nl + 3));
        }
        from = nl + 1;
    }
    None
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses the first request in `buf`. See the module documentation.
pub(crate) fn parse_request(buf: &[u8]) -> Result<Parsed<'_>, HttpError> {
    // Tolerate empty lines before a request line (some clients add CRLF after a body).
    let mut skip = 0;
    while skip < buf.len() {
        match buf[skip] {
            b'\n' => skip += 1,
            b'\r' if buf.get(skip + 1) == Some(&b'\n') => skip += 2,
            b'\r' if skip + 1 == buf.len() => {
                return Ok(Parsed::Partial {
                    expect_continue: false,
                })
            }
            _ => break,
        }
    }
    let data = &buf[skip..];
    let Some((line_end, head_len)) = head_end(data) else {
        if data.len() > MAX_HEAD {
            return Err(HttpError::HeadTooLarge);
        }
        return Ok(Parsed::Partial {
            expect_continue: false,
        });
    };
    if head_len > MAX_HEAD {
        return Err(HttpError::HeadTooLarge);
    }
    let head = std::str::from_utf8(&data[..line_end])
        .map_err(|_| HttpError::Bad("request head is not UTF-8"))?;
    let head = head.strip_suffix('\r').unwrap_or(head);
    let (request_line, headers) = head.split_once('\n').unwrap_or((head, ""));
    let request_line = request_line.strip_suffix('\r').unwrap_or(request_line);
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::Bad("malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(HttpError::Bad("malformed method"));
    }
    if target.is_empty() || target.bytes().any(|b| b.is_ascii_control()) {
        return Err(HttpError::Bad("malformed request target"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(HttpError::Bad("unsupported HTTP version")),
    };
    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    for line in headers.split('\n').filter(|l| !l.is_empty()) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            return Err(HttpError::Bad("obsolete header line folding"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(HttpError::Bad("header line without a colon"));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(HttpError::Bad("malformed header name"));
        }
        let value = value.trim();
        if name.eq_ignore_ascii_case("Content-Length") {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(HttpError::Bad("bad Content-Length"));
            }
            // More than 7 digits is above MAX_BODY whatever the digits are; avoids overflow.
            let n = if value.trim_start_matches('0').len() > 7 {
                usize::MAX
            } else {
                value.parse().unwrap_or(usize::MAX)
            };
            if content_length.is_some_and(|old| old != n) {
                return Err(HttpError::Bad("conflicting Content-Length headers"));
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("Transfer-Encoding") {
            let last = value.rsplit(',').next().unwrap_or("").trim();
            if !last.eq_ignore_ascii_case("chunked") {
                return Err(HttpError::Bad("unsupported Transfer-Encoding"));
            }
            chunked = true;
        }
    }
    let expect_continue =
        header_in(headers, "Expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let body_start = skip + head_len;
    let (body, used) = if chunked {
        if content_length.is_some() {
            return Err(HttpError::Bad("both Content-Length and Transfer-Encoding"));
        }
        match decode_chunked(&buf[body_start..])? {
            Some((body, n)) => (Cow::Owned(body), body_start + n),
            None => return Ok(Parsed::Partial { expect_continue }),
        }
    } else {
        let n = content_length.unwrap_or(0);
        if n > MAX_BODY {
            return Err(HttpError::BodyTooLarge);
        }
        if buf.len() - body_start < n {
            return Ok(Parsed::Partial { expect_continue });
        }
        (
            Cow::Borrowed(&buf[body_start..body_start + n]),
            body_start + n,
        )
    };
    Ok(Parsed::Complete(
        Request {
            method,
            target,
            http10,
            headers,
            body,
        },
        used,
    ))
}

/// Decodes a chunked body at the start of `buf`: `Some((body, bytes used))`, or `None` when
/// incomplete.
fn decode_chunked(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, HttpError> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let Some(p) = buf[pos..].iter().position(|&b| b == b'\n') else {
            if buf.len() - pos > 1024 {
                return Err(HttpError::Bad("chunk size line too long"));
            }
            return Ok(None);
        };
        let line = &buf[pos..pos + p];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let size_text = line.split(|&b| b == b';').next().unwrap_or(b"");
        let size_text = std::str::from_utf8(size_text)
            .map_err(|_| HttpError::Bad("bad chunk size"))?
            .trim();
        if size_text.is_empty() || size_text.len() > 8 {
            return Err(HttpError::Bad("bad chunk size"));
        }
        let size =
            usize::from_str_radix(size_text, 16).map_err(|_| HttpError::Bad("bad chunk size"))?;
        pos += p + 1;
        if size == 0 {
            // Trailer section, ended by an empty line.
            loop {
                let Some(p) = buf[pos..].iter().position(|&b| b == b'\n') else {
                    if buf.len() - pos > MAX_HEAD {
                        return Err(HttpError::HeadTooLarge);
                    }
                    return Ok(None);
                };
                let line = &buf[pos..pos + p];
                pos += p + 1;
                if line.is_empty() || line == b"\r" {
                    return Ok(Some((body, pos)));
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(HttpError::BodyTooLarge);
        }
        if buf.len() < pos + size + 1 {
            return Ok(None);
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        pos += size;
        match buf[pos] {
            b'\n' => pos += 1,
            b'\r' => match buf.get(pos + 1) {
                None => return Ok(None),
                Some(b'\n') => pos += 2,
                Some(_) => return Err(HttpError::Bad("chunk not followed by CRLF")),
            },
            _ => return Err(HttpError::Bad("chunk not followed by CRLF")),
        }
    }
}

/// The reason phrase for the statuses this crate uses.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Appends a whole response with a `Content-Length` body to `out`. `keep_alive` is the value of
/// the `Keep-Alive` header of a connection that stays open; `None` closes it
/// (`Connection: close`).
pub(crate) fn write_response(
    out: &mut Vec<u8>,
    status: u16,
    content_type: Option<&str>,
    extra_headers: &[(&str, &str)],
    body: &[u8],
    keep_alive: Option<&str>,
) {
    let mut head = String::with_capacity(128);
    let _ = write!(head, "HTTP/1.1 {} {}\r\n", status, reason(status));
    if let Some(ct) = content_type {
        let _ = write!(head, "Content-Type: {ct}\r\n");
    }
    for (name, value) in extra_headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    match keep_alive {
        Some(value) => {
            let _ = write!(head, "Keep-Alive: {value}\r\n");
        }
        None => head.push_str("Connection: close\r\n"),
    }
    let _ = write!(head, "Content-Length: {}\r\n\r\n", body.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(body);
}

/// Appends the size line of a chunk of `len` bytes.
pub(crate) fn chunk_header(out: &mut Vec<u8>, len: usize) {
    let mut digits = [0u8; 16];
    let mut n = len;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b"0123456789abcdef"[n & 15];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// The terminating chunk of a chunked body (no trailers).
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Standard base64 decoding (padding optional). `None` on any invalid character.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Standard base64 encoding with padding (test clients build Basic credentials with it).
#[cfg(test)]
pub(crate) fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for group in data.chunks(3) {
        let n = (group[0] as u32) << 16
            | (*group.get(1).unwrap_or(&0) as u32) << 8
            | *group.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether `Authorization: Basic …` carries exactly `user:password`.
pub(crate) fn basic_auth_ok(req: &Request<'_>, user: &str, password: &str) -> bool {
    let Some(value) = req.header("Authorization") else {
        return false;
    };
    let mut words = value.split_ascii_whitespace();
    let (Some(scheme), Some(token)) = (words.next(), words.next()) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Some(decoded) = base64_decode(token) else {
        return false;
    };
    let Some((u, p)) = decoded.split_first_colon() else {
        return false;
    };
    u == user.as_bytes() && p == password.as_bytes()
}

trait SplitColon {
    fn split_first_colon(&self) -> Option<(&[u8], &[u8])>;
}

impl SplitColon for Vec<u8> {
    fn split_first_colon(&self) -> Option<(&[u8], &[u8])> {
        let i = self.iter().position(|&b| b == b':')?;
        Some((&self[..i], &self[i + 1..]))
    }
}

/// Percent-decoding (`+` stays `+`); invalid escapes are kept as they are.
pub(crate) fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(&[hi, lo]) = bytes.get(i + 1..i + 3) {
                if let (Some(hi), Some(lo)) = (hex_value(hi), hex_value(lo)) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `key=value` pairs of a query string, decoded (`+` means space).
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")).into_owned(),
                percent_decode(&v.replace('+', " ")).into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(buf: &[u8]) -> (Request<'_>, usize) {
        match parse_request(buf) {
            Ok(Parsed::Complete(r, n)) => (r, n),
            other => panic!("expected a complete request, got {other:?}"),
        }
    }

    const REQUESTS: &[(&str, &str, &str, &str)] = &[
        // (raw, method, target, body)
        ("GET / HTTP/1.1\r\n\r\n", "GET", "/", ""),
        ("PUT /a/b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "PUT", "/a/b", ""),
        ("POST /e?x=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "POST", "/e?x=1", "hello"),
        ("POST /lf HTTP/1.1\nContent-Length: 2\n\nok", "POST", "/lf", "ok"),
        ("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n", "POST", "/c", "abcde"),
        ("POST /t HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nTrailer: v\r\n\r\n", "POST", "/t", "z"),
        ("\r\nDELETE /x HTTP/1.0\r\n\r\n", "DELETE", "/x", ""),
    ];

    #[test]
    fn parses_each_request_whole_and_split_at_every_byte() {
        for (raw, method, target, body) in REQUESTS {
            let bytes = raw.as_bytes();
            let (req, used) = complete(bytes);
            assert_eq!(
                (req.method, req.target, &*req.body),
                (*method, *target, body.as_bytes()),
                "{raw:?}"
            );
            assert_eq!(used, bytes.len(), "{raw:?}");
            for cut in 0..bytes.len() {
                match parse_request(&bytes[..cut]) {
                    Ok(Parsed::Partial { .. }) => {}
                    other => panic!("{raw:?} cut at {cut}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn pipelined_requests_come_out_in_order() {
        let all: String = REQUESTS.iter().map(|r| r.0).collect();
        let mut buf = all.as_bytes();
        let mut seen = Vec::new();
        while !buf.is_empty() {
            let (req, used) = complete(buf);
            seen.push(req.target.to_string());
            buf = &buf[used..];
        }
        let expected: Vec<String> = REQUESTS.iter().map(|r| r.2.to_string()).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn rejects_bad_requests() {
        let big_head = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        let unterminated = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_HEAD + 10));
        let cases: Vec<(String, u16)> = vec![
            (big_head, 413),
            (unterminated, 413),
            (
                format!(
                    "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
                    MAX_BODY + 1
                ),
                413,
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n".into(),
                413,
            ),
            ("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n".into(), 400),
            ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n".into(), 400),
            (
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n".into(),
                400,
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n".into(),
                400,
            ),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n".into(),
                400,
            ),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".into(),
                400,
            ),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc".into(),
                400,
            ),
            ("GET /\r\n\r\n".into(), 400),
            ("GET / HTTP/2.0\r\n\r\n".into(), 400),
            ("G(T / HTTP/1.1\r\n\r\n".into(), 400),
            ("GET / HTTP/1.1\r\nNoColon\r\n\r\n".into(), 400),
            ("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n".into(), 400),
            ("GET /\x01 HTTP/1.1\r\n\r\n".into(), 400),
        ];
        for (raw, status) in cases {
            match parse_request(raw.as_bytes()) {
                Err(e) => assert_eq!(e.status(), status, "{:?}", &raw[..raw.len().min(80)]),
                Ok(other) => panic!("{:?}: {other:?}", &raw[..raw.len().min(80)]),
            }
        }
        assert!(parse_request(b"GET / HTTP/1.1\r\n\xff\xfe: x\r\n\r\n").is_err());
    }

    #[test]
    fn headers_keep_alive_and_expect() {
        let cases: &[(&str, bool)] = &[
            ("GET / HTTP/1.1\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", true),
        ];
        for (raw, keep) in cases {
            assert_eq!(complete(raw.as_bytes()).0.keep_alive(), *keep, "{raw:?}");
        }
        let raw = b"POST /p?a=1 HTTP/1.1\r\nexpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
        assert!(matches!(
            parse_request(raw),
            Ok(Parsed::Partial {
                expect_continue: true
            })
        ));
        let (req, _) = complete(b"GET /p?a=1&b=%41+c HTTP/1.1\r\nX-A:  v \r\n\r\n");
        assert_eq!(
            (req.path(), req.query(), req.header("x-a")),
            ("/p", "a=1&b=%41+c", Some("v"))
        );
        assert_eq!(
            query_pairs(req.query()),
            vec![("a".into(), "1".into()), ("b".into(), "A c".into())]
        );
    }

    #[test]
    fn basic_auth_and_base64() {
        for text in ["", "a", "ab", "abc", "cti@example.net:secret", "üñí:çødé"] {
            assert_eq!(
                base64_decode(&base64_encode(text.as_bytes())).as_deref(),
                Some(text.as_bytes())
            );
        }
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
        let cases: &[(&str, bool)] = &[
            ("Authorization: Basic dXNlcjpwYXNz\r\n", true),
            ("authorization: basic   dXNlcjpwYXNz\r\n", true),
            ("Authorization: Basic dXNlcjpwYXN6\r\n", false),
            ("Authorization: Bearer dXNlcjpwYXNz\r\n", false),
            ("Authorization: Basic !!!\r\n", false),
            ("Authorization: Basic\r\n", false),
            ("Authorization: Basic dXNlcg==\r\n", false),
            ("", false),
        ];
        for (header, ok) in cases {
            let raw = format!("GET / HTTP/1.1\r\n{header}\r\n");
            let (req, _) = complete(raw.as_bytes());
            assert_eq!(basic_auth_ok(&req, "user", "pass"), *ok, "{header:?}");
        }
    }

    #[test]
    fn writers_and_decoders() {
        let mut out = Vec::new();
        write_response(
            &mut out,
            404,
            Some("text/xml"),
            &[("X-A", "1")],
            b"<x/>",
            None,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/xml\r\nX-A: 1\r\nConnection: close\r\nContent-Length: 4\r\n\r\n<x/>"
        );
        let mut out = Vec::new();
        write_response(&mut out, 200, None, &[], b"", Some("timeout=4"));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=4\r\nContent-Length: 0\r\n\r\n"
        );
        for (len, hex) in [
            (0usize, "0"),
            (10, "a"),
            (181, "b5"),
            (692, "2b4"),
            (65536, "10000"),
        ] {
            let mut out = Vec::new();
            chunk_header(&mut out, len);
            assert_eq!(out, format!("{hex}\r\n").into_bytes());
        }
        for (text, decoded) in [
            ("a%20b", "a b"),
            ("%zz", "%zz"),
            ("50%", "50%"),
            ("%4", "%4"),
            ("x%40y", "x@y"),
        ] {
            assert_eq!(percent_decode(text), decoded, "{text}");
        }
    }
}
