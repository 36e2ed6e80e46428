//! TLS on the CSTA port (`csta.tls`; README, "Securing the CSTA link").
//!
//! - [`TlsSettings`]: the PEM files, read and checked when the
//!   configuration is read (so `--check` refuses what start-up would):
//!   every certificate parses and is within its validity period, the key
//!   parses and belongs to the server certificate, the OpenSSL context
//!   builds. The checks are plain functions on bytes ([`certificates`],
//!   [`private_key`], [`key_matches`]).
//! - [`TlsServer`]: the OpenSSL context: TLS 1.2 or later (Mozilla's
//!   intermediate settings, no renegotiation), and with `client_ca_file`
//!   a client certificate signed by that CA required (native-tls cannot
//!   ask for one: this is why the `openssl` crate is used directly).
//! - The handshake of one connection ([`TlsServer::accept`], in `stream`)
//!   runs on its session's reader thread, never on the accept thread,
//!   within [`HANDSHAKE_TIMEOUT`]; a refusal ([`Failure`]) is told in one
//!   phrase for the log line: a plaintext client, no certificate, a
//!   certificate from another CA, an expired one, or OpenSSL's own words.
//!   A refused client never gets an XML answer.

use std::fmt;
use std::path::{Path, PathBuf};

use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod, SslOptions, SslVerifyMode, SslVersion};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509Ref, X509};

mod stream;

pub use stream::{TlsConn, TlsReader, TlsWriter};

/// How long a client has to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `csta.tls`, read and checked: the server's certificate chain and key
/// (DER), and the CA certificates client certificates must be signed by.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// `client_ca_file` [none: no client certificate asked for].
    pub client_ca_file: Option<PathBuf>,
    chain: Vec<Vec<u8>>,
    /// PKCS#8 DER; never shown.
    key: Vec<u8>,
    client_ca: Vec<Vec<u8>>,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("cert_file", &self.cert_file)
            .field("key_file", &self.key_file)
            .field("client_ca_file", &self.client_ca_file)
            .finish_non_exhaustive()
    }
}

/// What is wrong with the files of `csta.tls`, by key.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FileProblems {
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub client_ca_file: Option<String>,
    /// The files are fine one by one, but OpenSSL refuses them together.
    pub context: Option<String>,
}

/// A file's name and contents; `None` where the file could not be read
/// (that problem is the caller's).
pub type Pem<'a> = Option<(&'a Path, &'a [u8])>;

impl TlsSettings {
    /// Checks the contents of the files at `now`, each file's problem on
    /// its own: `cert` and `key` of the server, and `client_ca` (`None`:
    /// not given). A file that could not be read is not checked, and there
    /// are no settings without it.
    pub fn from_pem(
        cert: Pem<'_>,
        key: Pem<'_>,
        client_ca: Option<Pem<'_>>,
        now: &Asn1TimeRef,
    ) -> Result<TlsSettings, FileProblems> {
        let parsed = cert.map(|(_, pem)| parse_certificates(pem));
        let pkey = key.map(|(_, pem)| private_key(pem));
        let ca = client_ca.map(|file| file.map(|(_, pem)| certificates(pem, now)));
        // Told even when the certificate has expired: both need replacing.
        let mismatch = match (cert, &parsed, &pkey) {
            (Some((cert_file, _)), Some(Ok(chain)), Some(Ok(pkey)))
                if !chain.first().is_some_and(|c| key_matches(c, pkey)) =>
            {
                Some(format!(
                    "the key does not belong to the certificate of csta.tls.cert_file ({})",
                    cert_file.display()
                ))
            }
            _ => None,
        };
        let chain = parsed.map(|parsed| parsed.and_then(|c| valid_at(&c, now).map(|()| c)));
        let all = (cert, key, &chain, &pkey, &mismatch, &ca);
        let (
            Some((cert_file, _)),
            Some((key_file, _)),
            Some(Ok(chain)),
            Some(Ok(pkey)),
            None,
            None | Some(Some(Ok(_))),
        ) = all
        else {
            return Err(FileProblems {
                cert_file: chain.and_then(Result::err),
                key_file: mismatch.or(pkey.and_then(Result::err)),
                client_ca_file: ca.flatten().and_then(Result::err),
                context: None,
            });
        };
        let ca: &[X509] = match &ca {
            Some(Some(Ok(ca))) => ca,
            _ => &[],
        };
        let settings = (|| -> Result<TlsSettings, String> {
            let der = |certs: &[X509]| -> Result<Vec<Vec<u8>>, String> {
                certs
                    .iter()
                    .map(|c| c.to_der().map_err(|e| e.to_string()))
                    .collect()
            };
            let settings = TlsSettings {
                cert_file: cert_file.to_path_buf(),
                key_file: key_file.to_path_buf(),
                client_ca_file: client_ca.flatten().map(|(path, _)| path.to_path_buf()),
                chain: der(chain)?,
                key: pkey.private_key_to_pkcs8().map_err(|e| e.to_string())?,
                client_ca: der(ca)?,
            };
            TlsServer::new(&settings)?;
            Ok(settings)
        })();
        settings.map_err(|why| FileProblems {
            context: Some(why),
            ..FileProblems::default()
        })
    }

    /// Whether clients must present a certificate.
    pub fn client_certificates(&self) -> bool {
        self.client_ca_file.is_some()
    }
}

/// Every certificate of a PEM file, each within its validity period at
/// `now`; the first is the server's own (or the first CA).
pub fn certificates(pem: &[u8], now: &Asn1TimeRef) -> Result<Vec<X509>, String> {
    let certs = parse_certificates(pem)?;
    valid_at(&certs, now)?;
    Ok(certs)
}

/// Every certificate of a PEM file, at least one.
fn parse_certificates(pem: &[u8]) -> Result<Vec<X509>, String> {
    let certs = X509::stack_from_pem(pem)
        .map_err(|e| format!("not PEM certificates: {}", first_reason(&e)))?;
    if certs.is_empty() {
        return Err("no PEM certificate in the file".to_owned());
    }
    Ok(certs)
}

/// Whether every certificate is within its validity period at `now`.
fn valid_at(certs: &[X509], now: &Asn1TimeRef) -> Result<(), String> {
    for cert in certs {
        let name = common_name(cert).unwrap_or_else(|| "(no common name)".to_owned());
        if cert.not_after() < now {
            return Err(format!(
                "certificate CN={name:?} expired on {}",
                cert.not_after()
            ));
        }
        if cert.not_before() > now {
            return Err(format!(
                "certificate CN={name:?} is not valid before {}",
                cert.not_before()
            ));
        }
    }
    Ok(())
}

/// The private key of a PEM file (PKCS#8, or the traditional RSA or EC
/// forms). The message never quotes the file.
pub fn private_key(pem: &[u8]) -> Result<PKey<Private>, String> {
    PKey::private_key_from_pem(pem).map_err(|_| {
        "not a PEM private key (an encrypted key is not supported: store it without a \
         passphrase, readable by the bwcsta user only)"
            .to_owned()
    })
}

/// Whether `key` is the private key of `cert`.
pub fn key_matches(cert: &X509Ref, key: &PKey<Private>) -> bool {
    cert.public_key().is_ok_and(|public| public.public_eq(key))
}

/// The first common name of a certificate's subject.
pub fn common_name(cert: &X509Ref) -> Option<String> {
    let entry = cert.subject_name().entries_by_nid(Nid::COMMONNAME).next()?;
    entry.data().to_string().ok()
}

/// The current time as OpenSSL compares it.
pub fn now() -> Result<Asn1Time, String> {
    Asn1Time::days_from_now(0).map_err(|e| e.to_string())
}

fn first_reason(stack: &openssl::error::ErrorStack) -> String {
    stack
        .errors()
        .first()
        .and_then(|e| e.reason())
        .unwrap_or("unreadable")
        .to_owned()
}

/// The OpenSSL context of the CSTA port.
pub struct TlsServer {
    acceptor: SslAcceptor,
    client_certificates: bool,
}

impl TlsServer {
    pub fn new(settings: &TlsSettings) -> Result<TlsServer, String> {
        let failed = |what: &str| {
            let what = what.to_owned();
            move |e: openssl::error::ErrorStack| format!("cannot set up TLS ({what}): {e}")
        };
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())
            .map_err(failed("context"))?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(failed("TLS 1.2"))?;
        b.set_options(SslOptions::NO_RENEGOTIATION);
        let mut chain = settings.chain.iter().map(|der| X509::from_der(der));
        let leaf = chain
            .next()
            .ok_or("no server certificate")?
            .map_err(failed("certificate"))?;
        b.set_certificate(&leaf).map_err(failed("certificate"))?;
        for extra in chain {
            b.add_extra_chain_cert(extra.map_err(failed("chain"))?)
                .map_err(failed("chain"))?;
        }
        let key = PKey::private_key_from_der(&settings.key).map_err(failed("key"))?;
        b.set_private_key(&key).map_err(failed("key"))?;
        b.check_private_key().map_err(failed("key"))?;
        if settings.client_certificates() {
            let mut store = X509StoreBuilder::new().map_err(failed("client CA"))?;
            for der in &settings.client_ca {
                let ca = X509::from_der(der).map_err(failed("client CA"))?;
                b.add_client_ca(&ca).map_err(failed("client CA"))?;
                store.add_cert(ca).map_err(failed("client CA"))?;
            }
            b.set_verify_cert_store(store.build())
                .map_err(failed("client CA"))?;
            b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
            b.set_session_id_context(b"bwcsta-csta")
                .map_err(failed("session id"))?;
        }
        Ok(TlsServer {
            acceptor: b.build(),
            client_certificates: settings.client_certificates(),
        })
    }
}

/// Why a handshake failed, as the handshake saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The first byte the client sent, which does not start a TLS
    /// handshake record (`0x16`).
    Plaintext(u8),
    /// The client closed the connection before sending anything.
    ClosedEarly,
    /// Not finished within [`HANDSHAKE_TIMEOUT`].
    TimedOut,
    /// The verification refused the client's certificate.
    Certificate(Box<Refused>),
    /// The client sent no certificate.
    NoCertificate,
    /// OpenSSL's own words (or the socket's).
    Other(String),
}

/// A client certificate the verification refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// OpenSSL's `X509_V_ERR_*` code, and its text.
    pub code: i32,
    pub reason: String,
    pub common_name: Option<String>,
    pub not_before: String,
    pub not_after: String,
}

/// `X509_V_ERR_*` codes (stable across OpenSSL versions).
mod verify {
    pub const UNABLE_TO_GET_ISSUER_CERT: i32 = 2;
    pub const CERT_NOT_YET_VALID: i32 = 9;
    pub const CERT_HAS_EXPIRED: i32 = 10;
    pub const DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
    pub const SELF_SIGNED_CERT_IN_CHAIN: i32 = 19;
    pub const UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i32 = 20;
    pub const UNABLE_TO_VERIFY_LEAF_SIGNATURE: i32 = 21;
}

impl Failure {
    /// The kind of refusal, for the log's rate limit (one line a second per
    /// kind: a flood of one kind does not hide another).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Plaintext(_) => "TLS: plaintext client",
            Failure::ClosedEarly => "TLS: closed before its hello",
            Failure::TimedOut => "TLS: handshake timeout",
            Failure::Certificate(cert) => match cert.code {
                verify::CERT_HAS_EXPIRED => "TLS: certificate expired",
                verify::CERT_NOT_YET_VALID => "TLS: certificate not yet valid",
                code if is_unknown_ca(code) => "TLS: unknown CA",
                _ => "TLS: certificate refused",
            },
            Failure::NoCertificate => "TLS: no client certificate",
            Failure::Other(_) => "TLS: handshake failed",
        }
    }
}

fn is_unknown_ca(code: i32) -> bool {
    matches!(
        code,
        verify::UNABLE_TO_GET_ISSUER_CERT
            | verify::DEPTH_ZERO_SELF_SIGNED_CERT
            | verify::SELF_SIGNED_CERT_IN_CHAIN
            | verify::UNABLE_TO_GET_ISSUER_CERT_LOCALLY
            | verify::UNABLE_TO_VERIFY_LEAF_SIGNATURE
    )
}

/// The log phrase of a failed handshake: what an operator needs to tell
/// the cases apart.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TLS handshake failed: ")?;
        match self {
            Failure::Plaintext(byte) => write!(
                f,
                "the client sent byte 0x{byte:02x} where a TLS handshake starts (plaintext \
                 client?)"
            ),
            Failure::ClosedEarly => {
                f.write_str("the client closed the connection before its hello")
            }
            Failure::TimedOut => {
                write!(f, "not finished within {} s", HANDSHAKE_TIMEOUT.as_secs())
            }
            Failure::Certificate(cert) => {
                match &cert.common_name {
                    Some(cn) => write!(f, "client certificate CN={cn:?}")?,
                    None => f.write_str("client certificate (no common name)")?,
                }
                match cert.code {
                    verify::CERT_HAS_EXPIRED => write!(f, " expired on {}", cert.not_after),
                    verify::CERT_NOT_YET_VALID => {
                        write!(f, " is not valid before {}", cert.not_before)
                    }
                    code if is_unknown_ca(code) => write!(
                        f,
                        " is not signed by csta.tls.client_ca_file (unknown CA: {})",
                        cert.reason
                    ),
                    _ => write!(f, " refused: {}", cert.reason),
                }
            }
            Failure::NoCertificate => {
                f.write_str("no client certificate (csta.tls.client_ca_file requires one)")
            }
            Failure::Other(detail) => f.write_str(detail),
        }
    }
}

#[cfg(test)]
mod tests;
