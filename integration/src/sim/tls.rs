//! HTTPS for the simulated XSPs: the server identity, the handshake and the stream type the
//! connection loops and channel writers use whether the XSP speaks TLS or plain HTTP.
//!
//! The TCP socket underneath stays reachable ([`SimStream::tcp`]): timeouts are set on it,
//! shutdown and faults close it from other threads, and a channel writer probes it for the
//! client's close (it only writes through TLS, so reading the raw socket steals nothing).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub use native_tls::TlsAcceptor;

/// How long a client gets to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A server identity for [`super::SimConfig::https`]: a PEM certificate (chain) and its
/// PKCS#8 PEM key.
pub fn acceptor(cert_pem: &[u8], key_pem: &[u8]) -> io::Result<TlsAcceptor> {
    let identity = native_tls::Identity::from_pkcs8(cert_pem, key_pem).map_err(io::Error::other)?;
    TlsAcceptor::new(identity).map_err(io::Error::other)
}

/// One accepted connection, plain or TLS.
pub(crate) enum SimStream {
    Plain(TcpStream),
    Tls(Box<native_tls::TlsStream<TcpStream>>),
}

impl SimStream {
    /// Runs the server side of the handshake; the error says why it failed (the client
    /// refused the certificate, spoke plain HTTP, timed out…).
    pub(crate) fn accept(acceptor: &TlsAcceptor, tcp: TcpStream) -> Result<SimStream, String> {
        let _ = tcp.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
        let _ = tcp.set_write_timeout(Some(HANDSHAKE_TIMEOUT));
        match acceptor.accept(tcp) {
            Ok(tls) => {
                let _ = tls.get_ref().set_write_timeout(None);
                Ok(SimStream::Tls(Box::new(tls)))
            }
            Err(native_tls::HandshakeError::Failure(err)) => Err(err.to_string()),
            Err(native_tls::HandshakeError::WouldBlock(_)) => Err("handshake timed out".into()),
        }
    }

    /// The TCP socket underneath.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            SimStream::Plain(tcp) => tcp,
            SimStream::Tls(tls) => tls.get_ref(),
        }
    }

    /// Ends the connection the way a server closing an idle connection does: TLS
    /// `close_notify`, then the socket is closed (on drop).
    pub(crate) fn close(self) {
        if let SimStream::Tls(mut tls) = self {
            let _ = tls.shutdown();
        }
    }
}

impl Read for SimStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            SimStream::Plain(tcp) => tcp.read(buf),
            SimStream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for SimStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            SimStream::Plain(tcp) => tcp.write(buf),
            SimStream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            SimStream::Plain(tcp) => tcp.flush(),
            SimStream::Tls(tls) => tls.flush(),
        }
    }
}
