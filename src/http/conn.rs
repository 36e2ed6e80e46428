//! A blocking HTTP/1.1 client connection (plain TCP or TLS) for the XSP
//! link threads (`xsi::link`, `xsi::control`). Subscriptions and call
//! control go over ureq instead; both clients take their TLS connector from
//! [`crate::http::tls`] and their [`Target`] from the configuration.
//!
//! Two uses shape it:
//! - the event channel: one request whose chunked response never ends, read
//!   incrementally with [`Conn::read_stream_chunk`]; a stalled stream must be
//!   noticed (read timeout) and a thread blocked in `read` must be releasable
//!   from another thread ([`Conn::shutdown_handle`]);
//! - the short requests on the channel's XSP (acks, heartbeats, channel
//!   renewal and deletion): keep-alive and pipelining, because one round
//!   trip per event cannot reach 50k events/s.
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
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::stream::Stream;
use super::target::Target;
use super::wire::{self, BodyKind, ChunkedDecoder, ResponseHead, WireError};

/// Bytes asked for per read syscall: a busy event stream delivers dozens of
/// documents per read.
pub const READ_CHUNK: usize = 64 * 1024;

/// Largest response head accepted from an XSP, on every connection the
/// channel threads read (Xsi heads are well under 1 KiB).
pub const MAX_HEAD: usize = 64 * 1024;

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

/// One HTTP/1.1 client connection (see the module doc).
pub struct Conn {
    stream: Stream,
    /// Received bytes are `buf[..end]`, of which `buf[start..end]` are not
    /// consumed yet. The rest of `buf` is zeroed room for the next read,
    /// kept between reads so that it is not zeroed again every time.
    buf: Vec<u8>,
    start: usize,
    end: usize,
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
            end: 0,
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

    /// One round trip: serialise, send, read head and body. Test-only: the
    /// channel threads write their requests themselves (pipelined acks, the
    /// never-ending channel response).
    // The arguments are the request line and headers; a builder would only
    // add a type for a call the tests make.
    #[cfg(test)]
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
        let head = self.read_head(MAX_HEAD)?;
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
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    fn consume(&mut self, used: usize) {
        self.start = (self.start + used).min(self.end);
    }

    /// Reads once into the buffer; returns the byte count (0 at EOF).
    fn fill(&mut self) -> Result<usize, HttpError> {
        self.compact();
        let room = self.end + READ_CHUNK;
        if self.buf.len() < room {
            self.buf.resize(room, 0);
        }
        let result = loop {
            let space = self.buf.get_mut(self.end..room).unwrap_or_default();
            match self.stream.read(space) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let read = *result.as_ref().unwrap_or(&0);
        self.end += read;
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
        if self.start >= self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && self.start >= self.end / 2 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
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
mod tests;
