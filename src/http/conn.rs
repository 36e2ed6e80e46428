//! A blocking HTTP/1.1 client connection (plain TCP or TLS) for the XSP
//! threads.
//!
//! Two uses shape it:
//! - the event channel: one request whose chunked response never ends, read
//!   incrementally with [`Conn::read_stream_chunk`]; a stalled stream must be
//!   noticed (read timeout) and a thread blocked in `read` must be releasable
//!   from another thread ([`Conn::shutdown_handle`]);
//! - the short requests (acks, heartbeats, subscriptions): keep-alive and
//!   pipelining, because one round trip per event cannot reach 50k events/s.
//!   Several requests can be [`send`](Conn::send)-ed in one write and their
//!   responses read back in order; the read buffer keeps whatever belongs to
//!   the next response.
//!
//! Everything on a channel must reach the XSP that holds it, so a connection
//! can be pinned to one IP address ([`Conn::connect`] with `Some(addr)`) and
//! reports the address it reached ([`Conn::peer_addr`]).
//!
//! Invariants:
//! - A read timeout is always set, so no read blocks forever.
//! - After any error (timeout included) the connection is *broken*: every
//!   later call fails with [`HttpError::Broken`] without touching the socket.
//!   A timed-out TLS read may have consumed part of a record, and after a
//!   framing error nobody knows where the next response starts.
//! - Buffered bytes are bounded by the head limit, the body limit and one
//!   read ([`READ_CHUNK`]).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::wire::{self, BodyKind, ChunkedDecoder, ResponseHead, WireError};

/// Bytes asked for per read syscall.
pub const READ_CHUNK: usize = 16 * 1024;

/// Head limit used by [`Conn::request`]. Xsi heads are well under 1 KiB.
pub const DEFAULT_MAX_HEAD: usize = 16 * 1024;

/// Where an XSP lives: parsed from a configured base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// Host name or IP address; IPv6 without brackets.
    pub host: String,
    pub port: u16,
    /// `""` or `"/prefix"`, never with a trailing slash.
    pub base_path: String,
}

impl Target {
    /// Parses `http[s]://host[:port][/base/path]`. User info, query and
    /// fragment are rejected: credentials belong in the config's own keys,
    /// and a query would end up in the middle of every request path.
    pub fn parse_url(url: &str) -> Result<Target, String> {
        let (https, rest) = split_scheme(url)?;
        if rest.contains(['?', '#']) {
            return Err(format!("URL {url:?} must not have a query or fragment"));
        }
        if rest
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(format!(
                "URL {url:?} contains whitespace or control characters"
            ));
        }
        let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
        if authority.contains('@') {
            return Err(format!("URL {url:?} must not contain user info"));
        }
        let (host, port) = split_host_port(authority, if https { 443 } else { 80 })
            .map_err(|why| format!("URL {url:?}: {why}"))?;
        Ok(Target {
            https,
            host,
            port,
            base_path: path.trim_end_matches('/').to_owned(),
        })
    }

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

    /// The full URL of `path` (for logs).
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

fn split_scheme(url: &str) -> Result<(bool, &str), String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("https://") {
        Ok((true, url.get(8..).unwrap_or_default()))
    } else if lower.starts_with("http://") {
        Ok((false, url.get(7..).unwrap_or_default()))
    } else {
        Err(format!("URL {url:?} must start with http:// or https://"))
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or("unclosed '[' in host")?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or("junk after ']'")?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("empty host".to_owned());
    }
    let port = match port {
        None => default_port,
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port != 0 && text.bytes().all(|b| b.is_ascii_digit()) => port,
            _ => return Err(format!("bad port {text:?}")),
        },
    };
    Ok((host.to_owned(), port))
}

/// TLS options from the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM with one or more CA certificates trusted in addition to the
    /// system store.
    pub ca_pem: Option<Vec<u8>>,
    /// Skip certificate and host name checks (lab use only).
    pub accept_invalid_certs: bool,
}

impl TlsSettings {
    /// Builds the connector shared by every connection.
    pub fn connector(&self) -> Result<native_tls::TlsConnector, String> {
        let mut builder = native_tls::TlsConnector::builder();
        if let Some(pem) = &self.ca_pem {
            for certificate in pem_certificates(pem)? {
                builder.add_root_certificate(certificate);
            }
        }
        if self.accept_invalid_certs {
            builder.danger_accept_invalid_certs(true);
            builder.danger_accept_invalid_hostnames(true);
        }
        builder
            .build()
            .map_err(|err| format!("cannot set up TLS: {err}"))
    }
}

/// Every certificate of a PEM bundle (`Certificate::from_pem` reads only
/// the first one).
fn pem_certificates(pem: &[u8]) -> Result<Vec<native_tls::Certificate>, String> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut certificates = Vec::new();
    let mut rest = pem;
    while let Some(begin) = find(rest, BEGIN) {
        let block = rest.get(begin..).unwrap_or_default();
        let end = find(block, END).ok_or("unterminated PEM certificate in the CA file")?;
        let (one, after) = block.split_at(end + END.len());
        let certificate = native_tls::Certificate::from_pem(one)
            .map_err(|err| format!("bad certificate in the CA file: {err}"))?;
        certificates.push(certificate);
        rest = after;
    }
    if certificates.is_empty() {
        return Err("no PEM certificate in the CA file".to_owned());
    }
    Ok(certificates)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Why a request or read failed.
#[derive(Debug)]
pub enum HttpError {
    /// No TCP connection to any address of the target.
    Connect { addr: String, source: io::Error },
    /// TLS set-up or handshake failure.
    Tls(String),
    /// Socket error.
    Io(io::Error),
    /// A read or write timed out (the connection is now broken).
    TimedOut,
    /// The peer closed before a complete response (or announced
    /// `Connection: close` and another request was attempted).
    Closed,
    /// The response violates HTTP/1.1 framing.
    Wire(WireError),
    /// The response body exceeds the caller's limit.
    BodyTooLarge { limit: usize },
    /// An earlier error left the connection unusable; open a new one.
    Broken,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Connect { addr, source } => write!(f, "cannot connect to {addr}: {source}"),
            HttpError::Tls(why) => write!(f, "TLS failure: {why}"),
            HttpError::Io(err) => write!(f, "I/O error: {err}"),
            HttpError::TimedOut => f.write_str("timed out"),
            HttpError::Closed => f.write_str("connection closed by the peer"),
            HttpError::Wire(err) => write!(f, "bad HTTP response: {err}"),
            HttpError::BodyTooLarge { limit } => {
                write!(f, "response body exceeds {limit} bytes")
            }
            HttpError::Broken => f.write_str("connection unusable after an earlier error"),
        }
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HttpError::Connect { source, .. } => Some(source),
            HttpError::Io(err) => Some(err),
            HttpError::Wire(err) => Some(err),
            _ => None,
        }
    }
}

impl From<WireError> for HttpError {
    fn from(err: WireError) -> Self {
        HttpError::Wire(err)
    }
}

/// Socket errors, with both spellings of a socket timeout (`WouldBlock` on
/// Unix, `TimedOut` on Windows) folded into [`HttpError::TimedOut`].
fn io_error(err: io::Error) -> HttpError {
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => HttpError::TimedOut,
        _ => HttpError::Io(err),
    }
}

/// `set_read_timeout` rejects zero; the smallest real timeout stands in.
fn nonzero(timeout: Duration) -> Duration {
    timeout.max(Duration::from_millis(1))
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<native_tls::TlsStream<TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.write(buf),
            Stream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.flush(),
            Stream::Tls(tls) => tls.flush(),
        }
    }
}

/// One HTTP/1.1 client connection (see the module doc).
pub struct Conn {
    stream: Stream,
    /// Received bytes; `buf[start..]` are not consumed yet.
    buf: Vec<u8>,
    start: usize,
    peer: SocketAddr,
    /// Set by any error: see the module invariants.
    broken: bool,
    /// The server said this response is the last on the connection.
    closing: bool,
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn")
            .field("peer", &self.peer)
            .field("tls", &matches!(self.stream, Stream::Tls(_)))
            .field("buffered", &self.buffered().len())
            .field("broken", &self.broken)
            .field("closing", &self.closing)
            .finish()
    }
}

impl Conn {
    /// Connects to `addr` when given (pinning the connection to the XSP
    /// that holds a channel), otherwise to each resolved address of
    /// `target.host` in turn. An https target needs `tls`; it is ignored
    /// for http. `io_timeout` bounds every later read and write.
    pub fn connect(
        target: &Target,
        addr: Option<SocketAddr>,
        tls: Option<&native_tls::TlsConnector>,
        connect_timeout: Duration,
        io_timeout: Duration,
    ) -> Result<Conn, HttpError> {
        if target.https && tls.is_none() {
            return Err(HttpError::Tls(
                "an https target needs a TLS connector".to_owned(),
            ));
        }
        let tcp = connect_tcp(target, addr, nonzero(connect_timeout))?;
        let peer = tcp.peer_addr().map_err(io_error)?;
        // Small pipelined requests must leave at once, not wait for an ack.
        tcp.set_nodelay(true).map_err(io_error)?;
        tcp.set_read_timeout(Some(nonzero(io_timeout)))
            .map_err(io_error)?;
        tcp.set_write_timeout(Some(nonzero(io_timeout)))
            .map_err(io_error)?;
        let stream = match tls {
            Some(connector) if target.https => {
                Stream::Tls(Box::new(handshake(connector, &target.host, tcp)?))
            }
            _ => Stream::Plain(tcp),
        };
        Ok(Conn {
            stream,
            buf: Vec::new(),
            start: 0,
            peer,
            broken: false,
            closing: false,
        })
    }

    /// The address actually connected to.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// A clone of the TCP socket. Another thread calls
    /// `.shutdown(Shutdown::Both)` on it to make a blocked read return at
    /// once (no channel message can interrupt a `read` syscall).
    pub fn shutdown_handle(&self) -> Result<TcpStream, HttpError> {
        self.stream.tcp().try_clone().map_err(io_error)
    }

    /// Shuts the socket down in both directions (best effort).
    pub fn shutdown(&self) {
        // Errors here mean the socket is already gone, which is the goal.
        let _ = self.stream.tcp().shutdown(Shutdown::Both);
    }

    /// Whether another request may be sent: no error so far and the server
    /// has not announced the end of the connection.
    pub fn is_reusable(&self) -> bool {
        !self.broken && !self.closing
    }

    /// Changes the read timeout (at least 1 ms: a read timeout is always
    /// set).
    pub fn set_read_timeout(&mut self, timeout: Duration) -> Result<(), HttpError> {
        self.stream
            .tcp()
            .set_read_timeout(Some(nonzero(timeout)))
            .map_err(io_error)
    }

    /// Writes all of `bytes` (one or more serialised requests) and flushes.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), HttpError> {
        self.guarded(|conn| {
            if conn.closing {
                return Err(HttpError::Closed);
            }
            conn.stream.write_all(bytes).map_err(io_error)?;
            conn.stream.flush().map_err(io_error)
        })
    }

    /// Reads the next response head, skipping interim (1xx) responses.
    pub fn read_head(&mut self, max_head: usize) -> Result<ResponseHead, HttpError> {
        self.guarded(|conn| loop {
            let parsed = wire::parse_response_head(conn.buffered(), max_head)?;
            match parsed {
                Some((head, used)) => {
                    conn.consume(used);
                    // 101 would switch protocols, which is never asked for;
                    // it is returned so the caller fails on it.
                    if (100..200).contains(&head.status) && head.status != 101 {
                        continue;
                    }
                    if !head.keep_alive() {
                        conn.closing = true;
                    }
                    return Ok(head);
                }
                None => conn.fill_or_closed()?,
            }
        })
    }

    /// Reads the whole body of `head`, failing beyond `limit` bytes.
    pub fn read_body(&mut self, head: &ResponseHead, limit: usize) -> Result<Vec<u8>, HttpError> {
        self.guarded(|conn| match head.body {
            BodyKind::None => Ok(Vec::new()),
            BodyKind::Length(length) => conn.read_length(length, limit),
            BodyKind::Chunked => conn.read_chunked(limit),
            BodyKind::UntilClose => conn.read_until_close(limit),
        })
    }

    /// For the endless chunked event stream: de-chunks whatever is buffered
    /// or arrives with the next read into `out` and returns how many bytes
    /// were appended. It reads only while nothing could be appended yet
    /// (each read returns what the socket has, up to [`READ_CHUNK`]), so the
    /// caller sees events as soon as they arrive. `Ok(0)` means the stream
    /// ended properly (last chunk seen); EOF before that is
    /// [`HttpError::Closed`].
    pub fn read_stream_chunk(
        &mut self,
        decoder: &mut ChunkedDecoder,
        out: &mut Vec<u8>,
    ) -> Result<usize, HttpError> {
        self.guarded(|conn| {
            let before = out.len();
            loop {
                if decoder.is_done() {
                    return Ok(out.len() - before);
                }
                if !conn.buffered().is_empty() {
                    let used = decoder.decode(conn.buffered(), out)?;
                    conn.consume(used);
                    let added = out.len() - before;
                    if added > 0 {
                        return Ok(added);
                    }
                    continue;
                }
                conn.fill_or_closed()?;
            }
        })
    }

    /// One round trip: serialise, send, read head and body.
    // The arguments are the request line and headers; a builder would only
    // add a type for a call made from two places.
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        host: &str,
        auth: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
        max_body: usize,
    ) -> Result<(ResponseHead, Vec<u8>), HttpError> {
        let mut bytes = Vec::with_capacity(256 + body.len());
        wire::write_request(&mut bytes, method, path, host, auth, content_type, body);
        self.send(&bytes)?;
        let head = self.read_head(DEFAULT_MAX_HEAD)?;
        let body = self.read_body(&head, max_body)?;
        Ok((head, body))
    }

    /// Runs `op` unless the connection is broken; breaks it on error.
    fn guarded<T>(
        &mut self,
        op: impl FnOnce(&mut Self) -> Result<T, HttpError>,
    ) -> Result<T, HttpError> {
        if self.broken {
            return Err(HttpError::Broken);
        }
        let result = op(self);
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    fn buffered(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    fn consume(&mut self, used: usize) {
        self.start = (self.start + used).min(self.buf.len());
    }

    /// Reads once into the buffer; returns the byte count (0 at EOF).
    fn fill(&mut self) -> Result<usize, HttpError> {
        self.compact();
        let len = self.buf.len();
        self.buf.resize(len + READ_CHUNK, 0);
        let result = loop {
            let space = self.buf.get_mut(len..).unwrap_or_default();
            match self.stream.read(space) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let read = *result.as_ref().unwrap_or(&0);
        self.buf.truncate(len + read);
        result.map_err(io_error)
    }

    /// Like [`fill`](Self::fill), but EOF is an error: more was expected.
    fn fill_or_closed(&mut self) -> Result<(), HttpError> {
        match self.fill()? {
            0 => Err(HttpError::Closed),
            _ => Ok(()),
        }
    }

    /// Drops consumed bytes once they make up at least half the buffer, so
    /// copying stays amortised O(1) per byte.
    fn compact(&mut self) {
        if self.start >= self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    fn read_length(&mut self, length: u64, limit: usize) -> Result<Vec<u8>, HttpError> {
        let length = match usize::try_from(length) {
            Ok(length) if length <= limit => length,
            _ => return Err(HttpError::BodyTooLarge { limit }),
        };
        let mut body = Vec::with_capacity(length);
        loop {
            let take = (length - body.len()).min(self.buffered().len());
            body.extend_from_slice(self.buffered().get(..take).unwrap_or_default());
            self.consume(take);
            if body.len() == length {
                return Ok(body);
            }
            self.fill_or_closed()?;
        }
    }

    fn read_chunked(&mut self, limit: usize) -> Result<Vec<u8>, HttpError> {
        let mut decoder = ChunkedDecoder::new();
        let mut body = Vec::new();
        loop {
            let used = decoder.decode(self.buffered(), &mut body)?;
            self.consume(used);
            if body.len() > limit {
                return Err(HttpError::BodyTooLarge { limit });
            }
            if decoder.is_done() {
                return Ok(body);
            }
            self.fill_or_closed()?;
        }
    }

    fn read_until_close(&mut self, limit: usize) -> Result<Vec<u8>, HttpError> {
        self.closing = true;
        let mut body = Vec::new();
        loop {
            body.extend_from_slice(self.buffered());
            self.consume(self.buffered().len());
            if body.len() > limit {
                return Err(HttpError::BodyTooLarge { limit });
            }
            if self.fill()? == 0 {
                return Ok(body);
            }
        }
    }
}

/// TCP connection to the pinned address or to each resolved one in turn.
fn connect_tcp(
    target: &Target,
    addr: Option<SocketAddr>,
    timeout: Duration,
) -> Result<TcpStream, HttpError> {
    let candidates: Vec<SocketAddr> = match addr {
        Some(addr) => vec![addr],
        None => (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map_err(|source| HttpError::Connect {
                addr: format!("{}:{}", target.host, target.port),
                source,
            })?
            .collect(),
    };
    let mut last_error = HttpError::Connect {
        addr: format!("{}:{}", target.host, target.port),
        source: io::Error::new(io::ErrorKind::NotFound, "host has no address"),
    };
    for candidate in candidates {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(tcp) => return Ok(tcp),
            Err(source) => {
                last_error = HttpError::Connect {
                    addr: candidate.to_string(),
                    source,
                }
            }
        }
    }
    Err(last_error)
}

fn handshake(
    connector: &native_tls::TlsConnector,
    host: &str,
    tcp: TcpStream,
) -> Result<native_tls::TlsStream<TcpStream>, HttpError> {
    connector.connect(host, tcp).map_err(|err| match err {
        native_tls::HandshakeError::Failure(err) => HttpError::Tls(err.to_string()),
        // The socket is blocking, so "would block" can only be a timeout.
        native_tls::HandshakeError::WouldBlock(_) => HttpError::TimedOut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Instant;

    const SHORT: Duration = Duration::from_secs(5);

    fn target(addr: SocketAddr) -> Target {
        Target {
            https: false,
            host: addr.ip().to_string(),
            port: addr.port(),
            base_path: String::new(),
        }
    }

    /// A one-connection server running `script` on the accepted socket.
    fn serve<F>(script: F) -> (SocketAddr, thread::JoinHandle<()>)
    where
        F: FnOnce(TcpStream) + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let handle = thread::spawn(move || {
            let (socket, _) = listener.accept().expect("accept");
            socket.set_read_timeout(Some(SHORT)).expect("timeout");
            script(socket);
        });
        (addr, handle)
    }

    fn connect(addr: SocketAddr, io_timeout: Duration) -> Conn {
        Conn::connect(&target(addr), Some(addr), None, SHORT, io_timeout).expect("connect")
    }

    /// Reads one request (head and Content-Length body); `None` at EOF.
    fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<String>, Vec<u8>)> {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let request_line = line.trim_end().to_owned();
        let mut headers = Vec::new();
        loop {
            line.clear();
            reader.read_line(&mut line).ok()?;
            let header = line.trim_end().to_owned();
            if header.is_empty() {
                break;
            }
            headers.push(header);
        }
        let length = headers
            .iter()
            .find_map(|h| h.strip_prefix("Content-Length: "))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        Some((request_line, headers, body))
    }

    fn request_bytes(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        wire::write_request(
            &mut out,
            method,
            path,
            "xsp",
            Some("Basic dTpw"),
            None,
            body,
        );
        out
    }

    #[test]
    fn simple_request_and_response() {
        let (addr, server) = serve(|socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            let (line, headers, body) = read_request(&mut reader).expect("request");
            assert_eq!(line, "POST /x HTTP/1.1");
            assert!(headers.contains(&"Host: xsp".to_owned()), "{headers:?}");
            assert!(headers.contains(&"Authorization: Basic dTpw".to_owned()));
            assert!(headers.contains(&"Content-Type: application/xml".to_owned()));
            assert_eq!(body, b"<a/>");
            let mut socket = socket;
            socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                .expect("write");
        });
        let mut conn = connect(addr, SHORT);
        assert_eq!(conn.peer_addr(), addr);
        let (head, body) = conn
            .request(
                "POST",
                "/x",
                "xsp",
                Some("Basic dTpw"),
                Some("application/xml"),
                b"<a/>",
                100,
            )
            .expect("request");
        assert_eq!((head.status, body.as_slice()), (200, b"hello".as_slice()));
        assert!(conn.is_reusable());
        server.join().expect("server");
    }

    #[test]
    fn keep_alive_reuses_the_connection() {
        let (addr, server) = serve(|socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            let mut socket = socket;
            for n in 0..2 {
                let (line, _, _) = read_request(&mut reader).expect("request");
                assert_eq!(line, format!("PUT /r{n} HTTP/1.1"));
                let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr{n}");
                socket.write_all(reply.as_bytes()).expect("write");
            }
            // The listener accepted once: both requests shared the socket.
            assert!(read_request(&mut reader).is_none());
        });
        let mut conn = connect(addr, SHORT);
        for n in 0..2 {
            let (head, body) = conn
                .request("PUT", &format!("/r{n}"), "xsp", None, None, b"", 100)
                .expect("request");
            assert_eq!((head.status, body), (200, format!("r{n}").into_bytes()));
        }
        drop(conn);
        server.join().expect("server");
    }

    #[test]
    fn pipelined_requests_in_one_write() {
        let (addr, server) = serve(|socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            let mut socket = socket;
            for n in 0..3 {
                let (line, _, body) = read_request(&mut reader).expect("request");
                assert_eq!(
                    line,
                    "POST /com.broadsoft.xsi-events/v2.0/channel/eventresponse HTTP/1.1"
                );
                assert_eq!(body, format!("ack{n}").into_bytes());
            }
            // All three answers in one write, each framed differently.
            socket
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n\
HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nbad",
                )
                .expect("write");
        });
        let mut conn = connect(addr, SHORT);
        let mut batch = Vec::new();
        for n in 0..3 {
            batch.extend(request_bytes(
                "POST",
                "/com.broadsoft.xsi-events/v2.0/channel/eventresponse",
                format!("ack{n}").as_bytes(),
            ));
        }
        conn.send(&batch).expect("send");
        let mut answers = Vec::new();
        for _ in 0..3 {
            let head = conn.read_head(1024).expect("head");
            let body = conn.read_body(&head, 100).expect("body");
            answers.push((head.status, body));
        }
        assert_eq!(
            answers,
            vec![
                (200, b"".to_vec()),
                (200, b"ok".to_vec()),
                (404, b"bad".to_vec())
            ]
        );
        assert!(conn.buffered().is_empty());
        server.join().expect("server");
    }

    /// The event channel: chunks arrive over time, split anywhere; each
    /// read hands over what has arrived.
    #[test]
    fn endless_chunked_stream_read_incrementally() {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let pieces: Vec<&'static [u8]> = vec![
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n",
            b"6\r\nsec",
            b"ond\r\n",
            b"5;ext=1\r\nthird\r\n6\r\nfour",
            b"th\r\n0\r\n\r\n",
        ];
        let (addr, server) = serve(move |socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            let mut socket = socket;
            read_request(&mut reader).expect("request");
            for piece in pieces {
                socket.write_all(piece).expect("write");
                // Wait until the client has consumed this piece.
                if go_rx.recv().is_err() {
                    return;
                }
            }
        });
        let mut conn = connect(addr, SHORT);
        conn.send(&request_bytes("POST", "/channel", b"<Channel/>"))
            .expect("send");
        let head = conn.read_head(1024).expect("head");
        assert_eq!(head.body, BodyKind::Chunked);
        let mut decoder = ChunkedDecoder::new();
        // What each piece carries once de-chunked: data is handed over as
        // soon as it arrives, even the part of a chunk ("sec").
        let expected: [&[u8]; 5] = [b"first", b"sec", b"ond", b"thirdfour", b"th"];
        for (step, want) in expected.iter().enumerate() {
            let mut out = Vec::new();
            while out.len() < want.len() {
                let added = conn
                    .read_stream_chunk(&mut decoder, &mut out)
                    .expect("chunk");
                assert!(added > 0, "step {step}");
            }
            assert_eq!(out, *want, "step {step}");
            assert!(conn.buffered().is_empty(), "step {step}");
            go_tx.send(()).expect("go");
        }
        let mut out = Vec::new();
        assert_eq!(
            conn.read_stream_chunk(&mut decoder, &mut out).expect("end"),
            0
        );
        assert!(decoder.is_done());
        assert_eq!(
            conn.read_stream_chunk(&mut decoder, &mut out)
                .expect("still end"),
            0
        );
        drop(go_tx);
        server.join().expect("server");
    }

    #[test]
    fn stalled_server_times_out() {
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let (addr, server) = serve(move |socket| {
            let mut reader = BufReader::new(socket);
            read_request(&mut reader).expect("request");
            // Say nothing until the test is over.
            let _ = done_rx.recv();
        });
        let mut conn = connect(addr, Duration::from_millis(200));
        let started = Instant::now();
        let result = conn.request("PUT", "/hb", "xsp", None, None, b"", 100);
        let elapsed = started.elapsed();
        assert!(matches!(result, Err(HttpError::TimedOut)), "{result:?}");
        assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        // Broken from now on, without touching the socket.
        assert!(!conn.is_reusable());
        assert!(matches!(conn.send(b"x"), Err(HttpError::Broken)));
        assert!(matches!(conn.read_head(100), Err(HttpError::Broken)));
        done_tx.send(()).expect("done");
        server.join().expect("server");
    }

    #[test]
    fn stream_stall_times_out_after_set_read_timeout() {
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let (addr, server) = serve(move |mut socket| {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
                .expect("write");
            let _ = done_rx.recv();
        });
        let mut conn = connect(addr, SHORT);
        let head = conn.read_head(1024).expect("head");
        assert_eq!(head.body, BodyKind::Chunked);
        conn.set_read_timeout(Duration::from_millis(100))
            .expect("timeout");
        let mut decoder = ChunkedDecoder::new();
        let mut out = Vec::new();
        assert_eq!(
            conn.read_stream_chunk(&mut decoder, &mut out)
                .expect("chunk"),
            3
        );
        let started = Instant::now();
        let result = conn.read_stream_chunk(&mut decoder, &mut out);
        assert!(matches!(result, Err(HttpError::TimedOut)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        done_tx.send(()).expect("done");
        server.join().expect("server");
    }

    #[test]
    fn shutdown_handle_unblocks_a_blocked_read() {
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let (got_tx, got_rx) = mpsc::channel::<()>();
        let (addr, server) = serve(move |socket| {
            let mut reader = BufReader::new(socket);
            read_request(&mut reader).expect("request");
            got_tx.send(()).expect("got");
            let _ = done_rx.recv();
        });
        // A long read timeout: only the shutdown can end the read quickly.
        let mut conn = connect(addr, Duration::from_secs(30));
        let handle = conn.shutdown_handle().expect("handle");
        conn.send(&request_bytes("POST", "/channel", b""))
            .expect("send");
        got_rx.recv().expect("server got the request");
        let (result_tx, result_rx) = mpsc::channel();
        let reader = thread::spawn(move || {
            let result = conn.read_head(1024);
            result_tx.send(result.map(|h| h.status)).expect("result");
        });
        // Give the reader a moment to block in read(); the outcome is the
        // same if the shutdown wins the race.
        thread::sleep(Duration::from_millis(50));
        let started = Instant::now();
        handle.shutdown(Shutdown::Both).expect("shutdown");
        let result = result_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the read returned");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(
            matches!(result, Err(HttpError::Closed) | Err(HttpError::Io(_))),
            "{result:?}"
        );
        reader.join().expect("reader");
        done_tx.send(()).expect("done");
        server.join().expect("server");
    }

    /// The server closes at various points: every one is `Closed`.
    #[test]
    fn server_closing_early_is_closed() {
        let replies: &[&[u8]] = &[
            b"",
            b"HTTP/1.1 200 OK\r\nContent-Le",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        ];
        for reply in replies {
            let (addr, server) = serve(move |socket| {
                let mut reader = BufReader::new(socket.try_clone().expect("clone"));
                read_request(&mut reader).expect("request");
                let mut socket = socket;
                socket.write_all(reply).expect("write");
                // Dropping the socket closes it.
            });
            let mut conn = connect(addr, SHORT);
            let result = conn.request("GET", "/", "xsp", None, None, b"", 100);
            assert!(
                matches!(result, Err(HttpError::Closed)),
                "{}: {result:?}",
                String::from_utf8_lossy(reply)
            );
            server.join().expect("server");
        }
    }

    #[test]
    fn bodies_by_kind_and_limits() {
        // (reply, limit, expected body or None for BodyTooLarge, reusable)
        type Case = (&'static [u8], usize, Option<&'static [u8]>, bool);
        let cases: Vec<Case> = vec![
            (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 3, Some(b"abc"), true),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", 3, None, false),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n", 4, Some(b"abcd"), true),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n", 3, None, false),
            (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close", 100, Some(b"until close"), false),
            (b"HTTP/1.1 200 OK\r\n\r\nuntil close", 5, None, false),
            (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 0, Some(b""), true),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 10, None, false),
        ];
        for (reply, limit, expected, reusable) in cases {
            let (addr, server) = serve(move |socket| {
                let mut reader = BufReader::new(socket.try_clone().expect("clone"));
                read_request(&mut reader).expect("request");
                let mut socket = socket;
                socket.write_all(reply).expect("write");
            });
            let mut conn = connect(addr, SHORT);
            let result = conn.request("GET", "/", "xsp", None, None, b"", limit);
            let label = String::from_utf8_lossy(reply);
            match expected {
                Some(body) => {
                    let (_, got) = result.unwrap_or_else(|e| panic!("{label}: {e}"));
                    assert_eq!(got, body, "{label}");
                }
                None => match result {
                    Err(HttpError::BodyTooLarge { limit: l }) => assert_eq!(l, limit, "{label}"),
                    Err(HttpError::Wire(WireError::BadContentLength)) => {}
                    other => panic!("{label}: {other:?}"),
                },
            }
            assert_eq!(conn.is_reusable(), reusable, "{label}");
            server.join().expect("server");
        }
    }

    #[test]
    fn closing_connection_refuses_more_requests() {
        let (addr, server) = serve(|socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            read_request(&mut reader).expect("request");
            let mut socket = socket;
            socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .expect("write");
        });
        let mut conn = connect(addr, SHORT);
        let (head, _) = conn
            .request("GET", "/", "xsp", None, None, b"", 10)
            .expect("first");
        assert!(!head.keep_alive());
        assert!(!conn.is_reusable());
        let second = conn.request("GET", "/", "xsp", None, None, b"", 10);
        assert!(matches!(second, Err(HttpError::Closed)), "{second:?}");
        server.join().expect("server");
    }

    #[test]
    fn malformed_response_is_a_wire_error() {
        let (addr, server) = serve(|socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            read_request(&mut reader).expect("request");
            let mut socket = socket;
            socket.write_all(b"SIP/2.0 200 OK\r\n\r\n").expect("write");
        });
        let mut conn = connect(addr, SHORT);
        let result = conn.request("GET", "/", "xsp", None, None, b"", 10);
        assert!(
            matches!(result, Err(HttpError::Wire(WireError::BadStatusLine))),
            "{result:?}"
        );
        server.join().expect("server");
    }

    #[test]
    fn connect_failures() {
        // A port nobody listens on: bind, note the address, close.
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("addr");
        let result = Conn::connect(&target(addr), Some(addr), None, SHORT, SHORT);
        match result {
            Err(HttpError::Connect { addr: a, .. }) => assert_eq!(a, addr.to_string()),
            other => panic!("{other:?}"),
        }
        let https = Target {
            https: true,
            ..target(addr)
        };
        let result = Conn::connect(&https, Some(addr), None, SHORT, SHORT);
        assert!(matches!(result, Err(HttpError::Tls(_))), "{result:?}");
        let unresolvable = Target {
            host: "name.invalid".to_owned(),
            ..target(addr)
        };
        let result = Conn::connect(&unresolvable, None, None, SHORT, SHORT);
        assert!(
            matches!(result, Err(HttpError::Connect { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn connect_resolves_the_host_name() {
        let (addr, server) = serve(|socket| {
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            read_request(&mut reader).expect("request");
            let mut socket = socket;
            socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .expect("write");
        });
        let by_name = Target {
            host: "localhost".to_owned(),
            ..target(addr)
        };
        // "localhost" may resolve to ::1 first; the IPv4 one must be tried.
        let mut conn = Conn::connect(&by_name, None, None, SHORT, SHORT).expect("connect");
        assert_eq!(conn.peer_addr(), addr);
        let (head, _) = conn
            .request("GET", "/", "localhost", None, None, b"", 10)
            .expect("request");
        assert_eq!(head.status, 200);
        server.join().expect("server");
    }

    #[test]
    fn target_urls() {
        let ok: &[(&str, bool, &str, u16, &str, &str)] = &[
            // (url, https, host, port, base_path, host header)
            (
                "https://xsp1.example.net",
                true,
                "xsp1.example.net",
                443,
                "",
                "xsp1.example.net",
            ),
            (
                "http://xsp1.example.net",
                false,
                "xsp1.example.net",
                80,
                "",
                "xsp1.example.net",
            ),
            ("HTTPS://xsp1:8443/", true, "xsp1", 8443, "", "xsp1:8443"),
            (
                "http://10.0.0.1:443/",
                false,
                "10.0.0.1",
                443,
                "",
                "10.0.0.1:443",
            ),
            ("https://xsp/ctx/", true, "xsp", 443, "/ctx", "xsp"),
            ("https://xsp/a/b//", true, "xsp", 443, "/a/b", "xsp"),
            (
                "http://[::1]:8080/x",
                false,
                "::1",
                8080,
                "/x",
                "[::1]:8080",
            ),
            (
                "https://[2001:db8::1]",
                true,
                "2001:db8::1",
                443,
                "",
                "[2001:db8::1]",
            ),
        ];
        for (url, https, host, port, base, header) in ok {
            let parsed = Target::parse_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(
                (
                    parsed.https,
                    parsed.host.as_str(),
                    parsed.port,
                    parsed.base_path.as_str()
                ),
                (*https, *host, *port, *base),
                "{url}"
            );
            assert_eq!(parsed.host_header(), *header, "{url}");
        }
        let bad = [
            "xsp1.example.net",
            "ftp://xsp",
            "https://",
            "https://:443",
            "https://xsp:0",
            "https://xsp:65536",
            "https://xsp:+80",
            "https://xsp:port",
            "https://user:pw@xsp",
            "https://xsp/path?x=1",
            "https://xsp/#frag",
            "https://xsp /x",
            "http://[::1",
            "http://[::1]x",
        ];
        for url in bad {
            assert!(Target::parse_url(url).is_err(), "{url}");
        }
        let target = Target::parse_url("https://xsp:8443/ctx").expect("url");
        assert_eq!(
            target.url("/com.broadsoft.xsi-events/v2.0/channel"),
            "https://xsp:8443/ctx/com.broadsoft.xsi-events/v2.0/channel"
        );
        assert_eq!(target.request_path("/p"), "/ctx/p");
    }

    #[test]
    fn tls_connectors() {
        let system_bundle = std::fs::read("/etc/ssl/certs/ca-certificates.crt").ok();
        let mut cases: Vec<(TlsSettings, Result<(), &str>)> = vec![
            (TlsSettings::default(), Ok(())),
            (
                TlsSettings {
                    ca_pem: None,
                    accept_invalid_certs: true,
                },
                Ok(()),
            ),
            (
                TlsSettings {
                    ca_pem: Some(b"not a certificate".to_vec()),
                    accept_invalid_certs: false,
                },
                Err("no PEM certificate"),
            ),
            (
                TlsSettings {
                    ca_pem: Some(
                        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
                    ),
                    accept_invalid_certs: false,
                },
                Err("bad certificate"),
            ),
            (
                TlsSettings {
                    ca_pem: Some(b"-----BEGIN CERTIFICATE-----\nAAAA\n".to_vec()),
                    accept_invalid_certs: false,
                },
                Err("unterminated"),
            ),
        ];
        // A CA file as operators configure it: any PEM bundle on the host.
        if let Some(bundle) = system_bundle {
            let count = pem_certificates(&bundle).map(|c| c.len()).unwrap_or(0);
            assert!(count > 1, "the bundle holds several certificates");
            cases.push((
                TlsSettings {
                    ca_pem: Some(bundle),
                    accept_invalid_certs: false,
                },
                Ok(()),
            ));
        }
        for (settings, expected) in cases {
            match (settings.connector(), expected) {
                (Ok(_), Ok(())) => {}
                (Err(err), Err(text)) => assert!(err.contains(text), "{err}"),
                (Ok(_), Err(text)) => panic!("expected an error with {text:?}"),
                (Err(err), Ok(())) => panic!("unexpected error {err}"),
            }
        }
    }

    #[test]
    fn errors_display() {
        let cases = [
            (
                HttpError::Connect {
                    addr: "10.0.0.1:443".into(),
                    source: io::Error::new(io::ErrorKind::ConnectionRefused, "refused"),
                },
                "cannot connect to 10.0.0.1:443: refused",
            ),
            (HttpError::Tls("bad cert".into()), "TLS failure: bad cert"),
            (HttpError::Io(io::Error::other("boom")), "I/O error: boom"),
            (HttpError::TimedOut, "timed out"),
            (HttpError::Closed, "closed by the peer"),
            (
                HttpError::Wire(WireError::BadChunk),
                "bad HTTP response: malformed chunked body",
            ),
            (HttpError::BodyTooLarge { limit: 7 }, "exceeds 7 bytes"),
            (HttpError::Broken, "unusable"),
        ];
        for (err, text) in cases {
            assert!(err.to_string().contains(text), "{err}");
        }
        let kinds = [
            (io::ErrorKind::WouldBlock, true),
            (io::ErrorKind::TimedOut, true),
            (io::ErrorKind::ConnectionReset, false),
        ];
        for (kind, timed_out) in kinds {
            assert_eq!(
                matches!(io_error(io::Error::from(kind)), HttpError::TimedOut),
                timed_out,
                "{kind:?}"
            );
        }
    }
}
