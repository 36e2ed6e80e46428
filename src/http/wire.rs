//! Sans-IO HTTP/1.1 client pieces: request serialisation, response-head
//! parsing, a chunked-body decoder and Basic credentials.
//!
//! Nothing here touches a socket: callers hand in bytes and get back values
//! plus the exact number of bytes used, so pipelined responses that share a
//! buffer are taken apart precisely (see `http::conn` for the I/O).
//!
//! Invariants:
//! - Every size the peer controls is capped: the response head (caller's
//!   `max_head`), a chunk-size line ([`MAX_CHUNK_LINE`]) and the trailer
//!   section ([`MAX_TRAILERS`]). Body sizes are capped by the caller, which
//!   sees the decoded bytes as they arrive.
//! - Parsers never consume bytes beyond the message part they parse: the
//!   head parser stops after the blank line, the decoder after the final
//!   CRLF of the trailer section.
//! - No input panics; malformed input is a [`WireError`].

use std::fmt;
use std::ops::Range;

/// Longest chunk-size line accepted, extensions included.
pub const MAX_CHUNK_LINE: usize = 1024;

/// Largest trailer section accepted after the last chunk.
pub const MAX_TRAILERS: usize = 8 * 1024;

/// HTTP/1.1 framing errors. Each one means the connection's framing can no
/// longer be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    /// The response head did not end within the limit.
    HeadTooLarge { limit: usize },
    /// The status line is not `HTTP/1.x NNN reason`.
    BadStatusLine,
    /// A header line is malformed (no colon, bad name, obsolete folding).
    BadHeader,
    /// A chunk-size line or chunk delimiter is malformed.
    BadChunk,
    /// A chunk-size line (with extensions) is longer than the limit.
    ChunkLineTooLong { limit: usize },
    /// The trailer section after the last chunk is larger than the limit.
    TrailersTooLarge { limit: usize },
    /// Content-Length is not a number, or several disagree.
    BadContentLength,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::HeadTooLarge { limit } => {
                write!(f, "HTTP response head exceeds {limit} bytes")
            }
            WireError::BadStatusLine => f.write_str("malformed HTTP status line"),
            WireError::BadHeader => f.write_str("malformed HTTP header line"),
            WireError::BadChunk => f.write_str("malformed chunked body"),
            WireError::ChunkLineTooLong { limit } => {
                write!(f, "chunk-size line exceeds {limit} bytes")
            }
            WireError::TrailersTooLarge { limit } => {
                write!(f, "chunked trailer section exceeds {limit} bytes")
            }
            WireError::BadContentLength => f.write_str("invalid Content-Length"),
        }
    }
}

impl std::error::Error for WireError {}

/// Serialises one request. `Content-Length` is always sent (also `0`) so
/// the server never has to guess where the request ends, and
/// `Connection: keep-alive` asks for reuse (acks are pipelined on one
/// connection). CR and LF are removed from header values and the path, so a
/// value can never inject a header.
pub fn write_request(
    out: &mut Vec<u8>,
    method: &str,
    path: &str,
    host: &str,
    authorization: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) {
    write_request_start(out, method, path, host, authorization, content_type);
    write_request_end(out, body);
}

/// The part of [`write_request`] before the `Content-Length` value, which
/// depends only on the target: made once, it is the start of every request
/// to that target (the acks of a channel).
pub fn write_request_start(
    out: &mut Vec<u8>,
    method: &str,
    path: &str,
    host: &str,
    authorization: Option<&str>,
    content_type: Option<&str>,
) {
    push_clean(out, method);
    out.push(b' ');
    push_path(out, path);
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    push_clean(out, host);
    out.extend_from_slice(b"\r\nUser-Agent: bwcsta/");
    out.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
    if let Some(value) = authorization {
        out.extend_from_slice(b"\r\nAuthorization: ");
        push_clean(out, value);
    }
    if let Some(value) = content_type {
        out.extend_from_slice(b"\r\nContent-Type: ");
        push_clean(out, value);
    }
    out.extend_from_slice(b"\r\nContent-Length: ");
}

/// The rest of [`write_request`] after [`write_request_start`].
pub fn write_request_end(out: &mut Vec<u8>, body: &[u8]) {
    push_decimal(out, body.len());
    out.extend_from_slice(b"\r\nConnection: keep-alive\r\n\r\n");
    out.extend_from_slice(body);
}

/// `n` in decimal, without an allocation.
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Header value bytes without CR, LF and NUL.
fn push_clean(out: &mut Vec<u8>, value: &str) {
    out.extend(
        value
            .bytes()
            .filter(|b| !matches!(b, b'\r' | b'\n' | b'\0')),
    );
}

/// The request target: control bytes dropped, spaces encoded (a raw space
/// would end the target early).
fn push_path(out: &mut Vec<u8>, path: &str) {
    for b in path.bytes() {
        match b {
            b' ' => out.extend_from_slice(b"%20"),
            b'\r' | b'\n' | b'\0' => {}
            other => out.push(other),
        }
    }
}

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection.
    UntilClose,
    /// No body: 1xx, 204 and 304 responses.
    None,
}

/// A parsed response status line and headers. The head's text is kept
/// whole, with the places of the reason and of each header in it: one
/// allocation per response, not two per header (acks come back by the
/// thousand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub body: BodyKind,
    /// The `x` of `HTTP/1.x`: decides the keep-alive default.
    pub minor_version: u8,
    text: String,
    reason: Range<usize>,
    /// (name, value) in arrival order; names as sent.
    headers: Vec<(Range<usize>, Range<usize>)>,
}

impl ResponseHead {
    /// The reason phrase of the status line.
    pub fn reason(&self) -> &str {
        self.text.get(self.reason.clone()).unwrap_or_default()
    }

    /// Every header as (name, value), in arrival order.
    pub fn headers(&self) -> impl DoubleEndedIterator<Item = (&str, &str)> + Clone + '_ {
        self.headers.iter().map(|(n, v)| {
            (
                self.text.get(n.clone()).unwrap_or_default(),
                self.text.get(v.clone()).unwrap_or_default(),
            )
        })
    }

    /// The first header with this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether the connection may carry another request after this
    /// response: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`, and never when the body runs until close.
    pub fn keep_alive(&self) -> bool {
        if self.body == BodyKind::UntilClose {
            return false;
        }
        let has_token = |token: &str| {
            self.headers()
                .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.minor_version == 0 {
            has_token("keep-alive")
        } else {
            !has_token("close")
        }
    }
}

/// Parses a response head from the start of `buf`.
///
/// Returns `Ok(None)` while the blank line that ends the head has not
/// arrived, and `Ok(Some((head, consumed)))` with the head's exact length
/// (the body starts at `buf[consumed..]`). Bare `\n` line ends are accepted.
pub fn parse_response_head(
    buf: &[u8],
    max_head: usize,
) -> Result<Option<(ResponseHead, usize)>, WireError> {
    let Some(end) = head_end(buf, max_head) else {
        if buf.len() > max_head {
            return Err(WireError::HeadTooLarge { limit: max_head });
        }
        return Ok(None);
    };
    if end > max_head {
        return Err(WireError::HeadTooLarge { limit: max_head });
    }
    let head = buf.get(..end).ok_or(WireError::BadStatusLine)?;
    // Invalid UTF-8 becomes U+FFFD, which holds no CR, LF or colon: the
    // lines and fields are found in the text as they were in the bytes.
    let text = String::from_utf8_lossy(head).into_owned();
    let mut lines = Lines::new(text.as_bytes());
    let (at, status_line) = lines.next().ok_or(WireError::BadStatusLine)?;
    let (minor_version, status, reason) = parse_status_line(status_line)?;
    let reason = reason.start + at..reason.end + at;
    let mut headers = Vec::new();
    for (at, line) in lines.filter(|(_, l)| !l.is_empty()) {
        let (name, value) = parse_header_line(line)?;
        headers.push((
            name.start + at..name.end + at,
            value.start + at..value.end + at,
        ));
    }
    let mut head = ResponseHead {
        status,
        body: BodyKind::None,
        minor_version,
        text,
        reason,
        headers,
    };
    head.body = body_kind(status, head.headers())?;
    Ok(Some((head, end)))
}

/// The lines of a head with their offsets, CR before LF dropped.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines { bytes, at: 0 }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.bytes.get(self.at..)?;
        if rest.is_empty() {
            return None;
        }
        let at = self.at;
        let len = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        self.at += len + 1;
        Some((at, strip_cr(rest.get(..len).unwrap_or_default())))
    }
}

/// Index just past the blank line ending the head, looking no further than
/// `max_head + 4` bytes (enough to see a terminator that straddles the limit).
fn head_end(buf: &[u8], max_head: usize) -> Option<usize> {
    let window = buf.get(..buf.len().min(max_head.saturating_add(4)))?;
    let mut from = 0;
    while let Some(offset) = window.get(from..)?.iter().position(|b| *b == b'\n') {
        let lf = from + offset;
        match window.get(lf + 1) {
            Some(b'\n') => return Some(lf + 2),
            Some(b'\r') if window.get(lf + 2) == Some(&b'\n') => return Some(lf + 3),
            _ => from = lf + 1,
        }
    }
    None
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `HTTP/1.x NNN reason` → (x, NNN, where the reason is in the line).
fn parse_status_line(line: &[u8]) -> Result<(u8, u16, Range<usize>), WireError> {
    let rest = line
        .strip_prefix(b"HTTP/1.")
        .ok_or(WireError::BadStatusLine)?;
    let (&minor, rest) = rest.split_first().ok_or(WireError::BadStatusLine)?;
    if !minor.is_ascii_digit() {
        return Err(WireError::BadStatusLine);
    }
    let rest = rest.strip_prefix(b" ").ok_or(WireError::BadStatusLine)?;
    let digits = rest.get(..3).ok_or(WireError::BadStatusLine)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(WireError::BadStatusLine);
    }
    let status = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    if status < 100 {
        return Err(WireError::BadStatusLine);
    }
    // "HTTP/1.x NNN" is 12 bytes; the reason follows one space.
    let reason = match rest.get(3..) {
        None | Some(b"") => line.len()..line.len(),
        Some(tail) if tail.starts_with(b" ") => 13..line.len(),
        Some(_) => return Err(WireError::BadStatusLine),
    };
    Ok((minor - b'0', status, reason))
}

/// `Name: value` with optional whitespace around the value → where the
/// name and the value are in the line. A leading space (obsolete line
/// folding) or space before the colon is rejected, as RFC 9112 allows,
/// because both have been used for request smuggling.
fn parse_header_line(line: &[u8]) -> Result<(Range<usize>, Range<usize>), WireError> {
    let colon = line
        .iter()
        .position(|b| *b == b':')
        .ok_or(WireError::BadHeader)?;
    let name = line.get(..colon).ok_or(WireError::BadHeader)?;
    if name.is_empty() || !name.iter().all(|b| is_token_byte(*b)) {
        return Err(WireError::BadHeader);
    }
    let after = line.get(colon + 1..).unwrap_or_default();
    let lead = after.len() - after.trim_ascii_start().len();
    let value = after.trim_ascii();
    let start = colon + 1 + lead;
    Ok((0..colon, start..start + value.len()))
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 9112 §6.3 for responses to requests other than HEAD and CONNECT.
fn body_kind<'a>(
    status: u16,
    headers: impl DoubleEndedIterator<Item = (&'a str, &'a str)> + Clone,
) -> Result<BodyKind, WireError> {
    if (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(BodyKind::None);
    }
    let values = |name: &'static str| {
        headers
            .clone()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    // Transfer-Encoding wins over Content-Length; only a final `chunked`
    // delimits the body, any other coding runs until close.
    if let Some(last) = values("transfer-encoding").next_back() {
        return Ok(if last.eq_ignore_ascii_case("chunked") {
            BodyKind::Chunked
        } else {
            BodyKind::UntilClose
        });
    }
    let mut length = None;
    for value in values("content-length") {
        let parsed = parse_content_length(value)?;
        if length.is_some_and(|known| known != parsed) {
            return Err(WireError::BadContentLength);
        }
        length = Some(parsed);
    }
    Ok(length.map_or(BodyKind::UntilClose, BodyKind::Length))
}

fn parse_content_length(value: &str) -> Result<u64, WireError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WireError::BadContentLength);
    }
    value.parse().map_err(|_| WireError::BadContentLength)
}

/// Where the chunked decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Reading the hex size; `digits` seen so far, `line` bytes so far.
    Size { size: u64, digits: u8, line: usize },
    /// After the size: optional whitespace and `;extensions` up to LF.
    SizeRest { size: u64, line: usize },
    /// `left` bytes of chunk data to copy.
    Data { left: u64 },
    /// Expecting the CR (or bare LF) that ends the chunk data.
    DataEnd,
    /// Saw that CR; expecting the LF.
    DataLf,
    /// After the last chunk: trailer lines until an empty one. `line` is
    /// the length of the current line, `total` the whole section so far.
    Trailer { line: usize, total: usize },
    /// The body is complete.
    Done,
}

/// Incremental decoder for `Transfer-Encoding: chunked`.
///
/// Feed it whatever bytes arrived; it appends the payload to `out` and
/// reports how many input bytes it used. It stops right after the body, so
/// bytes of a following pipelined response are left to the caller.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: ChunkState,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedDecoder {
    pub fn new() -> Self {
        ChunkedDecoder {
            state: ChunkState::Size {
                size: 0,
                digits: 0,
                line: 0,
            },
        }
    }

    /// Whether the terminating zero-size chunk and trailers were seen.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    /// Decodes as much of `input` as possible into `out`; returns the number
    /// of input bytes consumed (all of them unless the body ended).
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, WireError> {
        let mut pos = 0;
        while pos < input.len() && !self.is_done() {
            let rest = input.get(pos..).unwrap_or_default();
            pos += match self.state {
                ChunkState::Data { left } => self.copy_data(left, rest, out),
                _ => {
                    let byte = rest.first().copied().unwrap_or_default();
                    self.framing_byte(byte)?;
                    1
                }
            };
        }
        Ok(pos)
    }

    /// Copies up to `left` payload bytes from `rest`.
    fn copy_data(&mut self, left: u64, rest: &[u8], out: &mut Vec<u8>) -> usize {
        let take = usize::try_from(left).map_or(rest.len(), |l| l.min(rest.len()));
        out.extend_from_slice(rest.get(..take).unwrap_or_default());
        let left = left - take as u64;
        self.state = if left == 0 {
            ChunkState::DataEnd
        } else {
            ChunkState::Data { left }
        };
        take
    }

    /// Advances over one byte of chunk framing (size lines, delimiters,
    /// trailers). Framing is a few bytes per chunk, so byte steps are cheap.
    fn framing_byte(&mut self, byte: u8) -> Result<(), WireError> {
        self.state = match self.state {
            ChunkState::Size { size, digits, line } => size_byte(size, digits, line + 1, byte)?,
            ChunkState::SizeRest { size, line } => size_rest_byte(size, line + 1, byte)?,
            ChunkState::DataEnd => match byte {
                b'\r' => ChunkState::DataLf,
                b'\n' => next_chunk(),
                _ => return Err(WireError::BadChunk),
            },
            ChunkState::DataLf => match byte {
                b'\n' => next_chunk(),
                _ => return Err(WireError::BadChunk),
            },
            ChunkState::Trailer { line, total } => trailer_byte(line, total + 1, byte)?,
            ChunkState::Data { .. } | ChunkState::Done => self.state,
        };
        Ok(())
    }
}

fn next_chunk() -> ChunkState {
    ChunkState::Size {
        size: 0,
        digits: 0,
        line: 0,
    }
}

fn size_byte(size: u64, digits: u8, line: usize, byte: u8) -> Result<ChunkState, WireError> {
    if line > MAX_CHUNK_LINE {
        return Err(WireError::ChunkLineTooLong {
            limit: MAX_CHUNK_LINE,
        });
    }
    if let Some(value) = hex_value(byte) {
        // 16 hex digits fill a u64; a 17th would overflow.
        if digits >= 16 {
            return Err(WireError::BadChunk);
        }
        return Ok(ChunkState::Size {
            size: (size << 4) | u64::from(value),
            digits: digits + 1,
            line,
        });
    }
    if digits == 0 {
        return Err(WireError::BadChunk);
    }
    size_rest_byte(size, line, byte)
}

/// After the size digits: whitespace, `;ext=val` (any printable bytes), CR,
/// then LF ends the line.
fn size_rest_byte(size: u64, line: usize, byte: u8) -> Result<ChunkState, WireError> {
    if line > MAX_CHUNK_LINE {
        return Err(WireError::ChunkLineTooLong {
            limit: MAX_CHUNK_LINE,
        });
    }
    match byte {
        b'\n' if size == 0 => Ok(ChunkState::Trailer { line: 0, total: 0 }),
        b'\n' => Ok(ChunkState::Data { left: size }),
        b'\r' | b'\t' | b' '..=b'~' | 0x80..=0xff => Ok(ChunkState::SizeRest { size, line }),
        _ => Err(WireError::BadChunk),
    }
}

fn trailer_byte(line: usize, total: usize, byte: u8) -> Result<ChunkState, WireError> {
    if total > MAX_TRAILERS {
        return Err(WireError::TrailersTooLarge {
            limit: MAX_TRAILERS,
        });
    }
    match byte {
        // An empty line (only a CR before the LF) ends the body.
        b'\n' if line == 0 => Ok(ChunkState::Done),
        b'\n' => Ok(ChunkState::Trailer { line: 0, total }),
        b'\r' => Ok(ChunkState::Trailer { line, total }),
        _ => Ok(ChunkState::Trailer {
            line: line + 1,
            total,
        }),
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// `Authorization` value for HTTP Basic: `Basic base64(user:password)`.
pub fn basic_auth(user: &str, password: &str) -> String {
    let mut credentials = Vec::with_capacity(user.len() + password.len() + 1);
    credentials.extend_from_slice(user.as_bytes());
    credentials.push(b':');
    credentials.extend_from_slice(password.as_bytes());
    format!("Basic {}", base64(&credentials))
}

/// Standard base64 (RFC 4648 §4) with padding.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |bits: u32| {
        let index = (bits & 0x3f) as usize;
        char::from(ALPHABET.get(index).copied().unwrap_or(b'='))
    };
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for group in input.chunks(3) {
        let b0 = u32::from(group.first().copied().unwrap_or_default());
        let b1 = u32::from(group.get(1).copied().unwrap_or_default());
        let b2 = u32::from(group.get(2).copied().unwrap_or_default());
        let bits = (b0 << 16) | (b1 << 8) | b2;
        out.push(symbol(bits >> 18));
        out.push(symbol(bits >> 12));
        out.push(if group.len() > 1 {
            symbol(bits >> 6)
        } else {
            '='
        });
        out.push(if group.len() > 2 { symbol(bits) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod hostile;
