//! The one TLS trust rule for every HTTPS request to an XSP.
//!
//! `xsi.tls` becomes a [`Trust`] once, when the configuration is read, so
//! that `--check` rejects a bad CA file exactly as start-up would:
//! - with `ca_file`, its certificates are the **only** roots: the system
//!   roots are not loaded, so a private CA does not widen trust to every
//!   public CA;
//! - without it, the system roots (OpenSSL's default store);
//! - `accept_invalid_certs` turns certificate and host name checks off
//!   altogether (lab use; `main` warns about it at start).
//!
//! Both HTTP clients take their TLS set-up from here and nowhere else:
//! [`Trust::connector`] for [`crate::http::conn`] (event channels,
//! acknowledgements, heartbeats, renewals) and [`Trust::ureq_config`] for
//! the ureq agents (subscriptions and call control, `xsi::executor`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How XSP certificates are checked; see the module documentation.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Trust {
    /// `None`: the system roots.
    ca: Option<CaCertificates>,
    accept_invalid_certs: bool,
}

/// The certificates of a CA file, checked and kept as DER.
#[derive(Clone, PartialEq, Eq)]
pub struct CaCertificates {
    path: PathBuf,
    der: Vec<Vec<u8>>,
}

impl CaCertificates {
    /// Reads every certificate of the PEM file at `path`. The message of an
    /// error does not repeat the path.
    pub fn read(path: &Path) -> Result<CaCertificates, String> {
        let pem = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
        CaCertificates::from_pem(path, &pem)
    }

    /// The certificates of `pem`, said to come from `path`.
    pub fn from_pem(path: &Path, pem: &[u8]) -> Result<CaCertificates, String> {
        let der = pem_certificates(pem)?
            .iter()
            .map(|c| c.to_der().map_err(|err| format!("bad certificate: {err}")))
            .collect::<Result<_, _>>()?;
        Ok(CaCertificates {
            path: path.to_path_buf(),
            der,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> usize {
        self.der.len()
    }

    pub fn is_empty(&self) -> bool {
        self.der.is_empty()
    }
}

impl fmt::Debug for CaCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} certificate(s) from {}",
            self.der.len(),
            self.path.display()
        )
    }
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field("roots", &self.ca.as_ref().map_or("system", |_| "ca_file"))
            .field("ca", &self.ca)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .finish()
    }
}

impl Trust {
    /// `ca` replaces the system roots when given.
    pub fn new(ca: Option<CaCertificates>, accept_invalid_certs: bool) -> Trust {
        Trust {
            ca,
            accept_invalid_certs,
        }
    }

    /// The CA file whose certificates are the only roots, if any.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca.as_ref().map(CaCertificates::path)
    }

    pub fn accepts_invalid_certs(&self) -> bool {
        self.accept_invalid_certs
    }

    /// The native-tls connector of [`crate::http::conn`].
    pub fn connector(&self) -> Result<native_tls::TlsConnector, String> {
        let mut builder = native_tls::TlsConnector::builder();
        if let Some(ca) = &self.ca {
            builder.disable_built_in_roots(true);
            for der in &ca.der {
                let certificate = native_tls::Certificate::from_der(der)
                    .map_err(|err| format!("bad certificate in the CA file: {err}"))?;
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

    /// The same rule for ureq (native-tls provider): `RootCerts::Specific`
    /// makes ureq disable the built-in roots and add exactly these.
    pub fn ureq_config(&self) -> ureq::tls::TlsConfig {
        use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
        let roots = match &self.ca {
            Some(ca) => RootCerts::Specific(Arc::new(
                ca.der
                    .iter()
                    .map(|der| Certificate::from_der(der).to_owned())
                    .collect(),
            )),
            None => RootCerts::PlatformVerifier,
        };
        TlsConfig::builder()
            .provider(TlsProvider::NativeTls)
            .root_certs(roots)
            .disable_verification(self.accept_invalid_certs)
            .build()
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
        let end = find(block, END).ok_or("unterminated PEM certificate")?;
        let (one, after) = block.split_at(end + END.len());
        let certificate = native_tls::Certificate::from_pem(one)
            .map_err(|err| format!("bad certificate: {err}"))?;
        certificates.push(certificate);
        rest = after;
    }
    if certificates.is_empty() {
        return Err("no PEM certificate in the file".to_owned());
    }
    Ok(certificates)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
