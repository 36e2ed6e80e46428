//! One TLS connection of the CSTA port: its handshake within a deadline,
//! then a read half and a write half for the session's two threads.
//!
//! An OpenSSL stream cannot be split like a socket: the reader and the
//! writer share it under a lock. The socket is non-blocking, and neither
//! thread waits for the socket while holding the lock except the writer
//! for a full send buffer (bounded by its timeout): the reader waits for
//! input with `poll` outside the lock, then takes the lock only to let
//! OpenSSL decrypt what came. So a client that keeps quiet never delays
//! the events written to it.

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openssl::ssl::{ErrorCode, Ssl, SslStream, SslVerifyMode};
use parking_lot::Mutex;

use super::{common_name, Failure, Refused, TlsServer};

/// The first byte of a TLS handshake record.
const HANDSHAKE_RECORD: u8 = 0x16;

struct Shared {
    ssl: Mutex<SslStream<TcpStream>>,
    /// The socket inside `ssl`, for `poll` (open as long as `ssl` is).
    fd: RawFd,
}

/// A connection whose handshake succeeded.
pub struct TlsConn {
    shared: Arc<Shared>,
    /// The common name of the client's verified certificate, if it sent one.
    pub common_name: Option<String>,
}

impl TlsConn {
    /// The half the session's reader reads from; reads wait forever until
    /// [`TlsReader::set_timeout`] says otherwise.
    pub fn reader(&self) -> TlsReader {
        TlsReader {
            shared: self.shared.clone(),
            timeout: None,
        }
    }

    /// The half the session's writer writes to; a write that cannot make
    /// progress for `timeout` fails.
    pub fn writer(&self, timeout: Duration) -> TlsWriter {
        TlsWriter {
            shared: self.shared.clone(),
            timeout,
        }
    }
}

impl TlsServer {
    /// The handshake of `stream` (blocking, as accepted), finished by
    /// `deadline`; why it failed otherwise.
    pub fn accept(&self, stream: TcpStream, deadline: Instant) -> Result<TlsConn, Failure> {
        let fd = stream.as_raw_fd();
        let io_failure = |e: io::Error| Failure::Other(e.to_string());
        stream.set_nonblocking(true).map_err(io_failure)?;
        // What the client sends first tells a plaintext client at once.
        if !wait(fd, false, Some(deadline)).map_err(io_failure)? {
            return Err(Failure::TimedOut);
        }
        let mut first = [0u8; 1];
        match stream.peek(&mut first) {
            Ok(0) => return Err(Failure::ClosedEarly),
            Ok(_) if first[0] != HANDSHAKE_RECORD => return Err(Failure::Plaintext(first[0])),
            Ok(_) => {}
            Err(e) => return Err(io_failure(e)),
        }
        let refused: Arc<Mutex<Option<Refused>>> = Arc::default();
        let mut ssl =
            Ssl::new(self.acceptor.context()).map_err(|e| Failure::Other(e.to_string()))?;
        if self.client_certificates {
            let seen = refused.clone();
            let mode = SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT;
            ssl.set_verify_callback(mode, move |ok, ctx| {
                if !ok {
                    let mut seen = seen.lock();
                    if seen.is_none() {
                        let cert = ctx.current_cert();
                        *seen = Some(Refused {
                            code: ctx.error().as_raw(),
                            reason: ctx.error().error_string().to_owned(),
                            common_name: cert.and_then(common_name),
                            not_before: cert
                                .map(|c| c.not_before().to_string())
                                .unwrap_or_default(),
                            not_after: cert.map(|c| c.not_after().to_string()).unwrap_or_default(),
                        });
                    }
                }
                ok
            });
        }
        let mut tls = SslStream::new(ssl, stream).map_err(|e| Failure::Other(e.to_string()))?;
        loop {
            let error = match tls.accept() {
                Ok(()) => break,
                Err(error) => error,
            };
            let write = match error.code() {
                ErrorCode::WANT_READ => false,
                ErrorCode::WANT_WRITE => true,
                _ => {
                    if let Some(refused) = refused.lock().take() {
                        return Err(Failure::Certificate(Box::new(refused)));
                    }
                    let detail = detail_of(&error);
                    if detail.contains("peer did not return a certificate") {
                        return Err(Failure::NoCertificate);
                    }
                    return Err(Failure::Other(detail));
                }
            };
            if !wait(fd, write, Some(deadline)).map_err(io_failure)? {
                return Err(Failure::TimedOut);
            }
        }
        let common_name = tls.ssl().peer_certificate().and_then(|c| common_name(&c));
        Ok(TlsConn {
            shared: Arc::new(Shared {
                ssl: Mutex::new(tls),
                fd,
            }),
            common_name,
        })
    }
}

/// OpenSSL's reasons for an error, or its I/O error.
fn detail_of(error: &openssl::ssl::Error) -> String {
    if let Some(stack) = error.ssl_error() {
        let reasons: Vec<&str> = stack.errors().iter().filter_map(|e| e.reason()).collect();
        if !reasons.is_empty() {
            return reasons.join("; ");
        }
    }
    match error.io_error() {
        Some(e) => e.to_string(),
        None => error.to_string(),
    }
}

/// True when `error` only says that the client closed the connection:
/// a `close_notify`, or (OpenSSL 3) a TCP close without one.
fn is_eof(error: &openssl::ssl::Error) -> bool {
    match error.code() {
        ErrorCode::ZERO_RETURN => true,
        ErrorCode::SYSCALL => error.io_error().is_none(),
        ErrorCode::SSL => error.ssl_error().is_some_and(|stack| {
            stack
                .errors()
                .iter()
                .any(|e| e.reason() == Some("unexpected eof while reading"))
        }),
        _ => false,
    }
}

fn into_io(error: openssl::ssl::Error) -> io::Error {
    let detail = detail_of(&error);
    error
        .into_io_error()
        .unwrap_or_else(|_| io::Error::other(format!("TLS: {detail}")))
}

/// The reading half.
pub struct TlsReader {
    shared: Arc<Shared>,
    timeout: Option<Duration>,
}

impl TlsReader {
    /// How long one read may wait for data (`None`: forever).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }
}

impl Read for TlsReader {
    /// As a socket with a read timeout: `TimedOut` when nothing came.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let deadline = self.timeout.map(|t| Instant::now() + t);
        loop {
            let write = {
                let mut ssl = self.shared.ssl.lock();
                match ssl.ssl_read(buf) {
                    Ok(n) => return Ok(n),
                    Err(e) if is_eof(&e) => return Ok(0),
                    Err(e) if e.code() == ErrorCode::WANT_READ => false,
                    Err(e) if e.code() == ErrorCode::WANT_WRITE => true,
                    Err(e) => return Err(into_io(e)),
                }
            };
            if !wait(self.shared.fd, write, deadline)? {
                return Err(io::Error::new(ErrorKind::TimedOut, "read timed out"));
            }
        }
    }
}

/// The writing half.
pub struct TlsWriter {
    shared: Arc<Shared>,
    timeout: Duration,
}

impl Write for TlsWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let deadline = Instant::now() + self.timeout;
        let mut ssl = self.shared.ssl.lock();
        loop {
            let write = match ssl.ssl_write(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.code() == ErrorCode::WANT_WRITE => true,
                Err(e) if e.code() == ErrorCode::WANT_READ => false,
                Err(e) => return Err(into_io(e)),
            };
            if !wait(self.shared.fd, write, Some(deadline))? {
                return Err(io::Error::new(ErrorKind::TimedOut, "write timed out"));
            }
        }
    }

    /// Every write goes to the socket at once.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Waits until `fd` is readable (or writable) or `deadline` passes; false
/// at the deadline. A closed or failed socket counts as ready: the next
/// read or write tells what happened.
fn wait(fd: RawFd, write: bool, deadline: Option<Instant>) -> io::Result<bool> {
    let events = if write { libc::POLLOUT } else { libc::POLLIN };
    loop {
        let timeout_ms = match deadline {
            None => -1,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                // Rounded up, so a wait never ends just before its deadline.
                let ms = left.as_nanos().div_ceil(1_000_000);
                libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
            }
        };
        let mut pfd = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: `pfd` is one valid pollfd on the stack, and the count
        // passed is 1; `fd` stays open for the call (its owner is alive).
        let n = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if n > 0 {
            return Ok(true);
        }
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
    }
}
