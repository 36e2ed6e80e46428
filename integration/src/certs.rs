//! Certificates made at test time for the CSTA TLS tests: a test CA,
//! another CA the tests do not trust, a server certificate, client
//! certificates (one expired, one from the other CA), EC P-256 keys.
//!
//! They are made with the `openssl` crate rather than the `openssl`
//! command: an expired certificate needs a start date in the past, which
//! `openssl x509 -req` only offers from OpenSSL 3.4 (`-not_before`) and
//! `openssl ca` only with a database; here it is one call, on every
//! OpenSSL the crate builds with. (The XSP TLS tests use the fixed files of
//! `data/tls`, made by `data/tls/make-certs.sh`.)

use std::path::{Path, PathBuf};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectAlternativeName};
use openssl::x509::{X509Name, X509};

use crate::client::TlsOptions;

const DAY: i64 = 24 * 60 * 60;

/// A certificate and its key, as PEM (the key PKCS#8).
#[derive(Clone)]
pub struct Issued {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
    x509: X509,
    pkey: PKey<Private>,
}

impl Issued {
    /// Writes `<name>.pem` and `<name>.key` into `dir`; returns their paths.
    pub fn write(&self, dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join(format!("{name}.pem"));
        let key = dir.join(format!("{name}.key"));
        std::fs::write(&cert, &self.cert).expect("write certificate");
        std::fs::write(&key, &self.key).expect("write key");
        (cert, key)
    }
}

/// What a certificate is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ca,
    /// `localhost`, `127.0.0.1`.
    Server,
    Client,
}

/// A certificate for `cn` of `kind`, valid from `from` to `to` days from
/// now (negative: in the past), signed by `issuer` (`None`: itself).
pub fn issue(cn: &str, kind: Kind, issuer: Option<&Issued>, (from, to): (i64, i64)) -> Issued {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("curve");
    let pkey = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("pkey");
    let mut name = X509Name::builder().expect("name");
    name.append_entry_by_nid(Nid::COMMONNAME, cn).expect("cn");
    let name = name.build();
    let mut b = X509::builder().expect("builder");
    b.set_version(2).expect("version");
    let serial = BigNum::from_u32(next_serial()).expect("serial");
    b.set_serial_number(&Asn1Integer::from_bn(&serial).expect("serial"))
        .expect("serial");
    b.set_subject_name(&name).expect("subject");
    let issuer_name = issuer.map_or(name.as_ref(), |i| i.x509.subject_name());
    b.set_issuer_name(issuer_name).expect("issuer");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    b.set_not_before(&Asn1Time::from_unix(now + from * DAY).expect("time"))
        .expect("not before");
    b.set_not_after(&Asn1Time::from_unix(now + to * DAY).expect("time"))
        .expect("not after");
    b.set_pubkey(&pkey).expect("pubkey");
    match kind {
        Kind::Ca => {
            let constraints = BasicConstraints::new().critical().ca().build();
            b.append_extension(constraints.expect("ca")).expect("ext");
            let usage = KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build();
            b.append_extension(usage.expect("usage")).expect("ext");
        }
        Kind::Server | Kind::Client => {
            let constraints = BasicConstraints::new().critical().build();
            b.append_extension(constraints.expect("leaf")).expect("ext");
            let usage = KeyUsage::new().critical().digital_signature().build();
            b.append_extension(usage.expect("usage")).expect("ext");
        }
    }
    if kind == Kind::Server {
        let san = SubjectAlternativeName::new()
            .dns("localhost")
            .ip("127.0.0.1")
            .build(&b.x509v3_context(issuer.map(|i| i.x509.as_ref()), None));
        b.append_extension(san.expect("san")).expect("ext");
    }
    let signer = issuer.map_or(&pkey, |i| &i.pkey);
    b.sign(signer, MessageDigest::sha256()).expect("sign");
    let x509 = b.build();
    Issued {
        cert: x509.to_pem().expect("pem"),
        key: pkey.private_key_to_pem_pkcs8().expect("pkcs8"),
        x509,
        pkey,
    }
}

fn next_serial() -> u32 {
    static SERIAL: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The certificates of the CSTA TLS tests.
pub struct Pki {
    /// "bwcsta CSTA test CA": `csta.tls.client_ca_file`, and the CA the
    /// test clients trust for the server.
    pub ca: Issued,
    /// "bwcsta other CA": trusted by nobody.
    pub other_ca: Issued,
    /// The server certificate (`localhost`, `127.0.0.1`), by the CA.
    pub server: Issued,
    /// Client certificate `tserver-a.example.net`, by the CA.
    pub client: Issued,
    /// Client certificate `wallboard.example.net`, by the CA.
    pub wallboard: Issued,
    /// `tserver-a.example.net` again, but by the other CA.
    pub stranger: Issued,
    /// `tserver-a.example.net` by the CA, expired yesterday.
    pub expired: Issued,
}

impl Pki {
    pub fn new() -> Pki {
        let valid = (-1, 365);
        let ca = issue("bwcsta CSTA test CA", Kind::Ca, None, (-1, 3650));
        let other_ca = issue("bwcsta other CA", Kind::Ca, None, (-1, 3650));
        Pki {
            server: issue("localhost", Kind::Server, Some(&ca), valid),
            client: issue("tserver-a.example.net", Kind::Client, Some(&ca), valid),
            wallboard: issue("wallboard.example.net", Kind::Client, Some(&ca), valid),
            stranger: issue(
                "tserver-a.example.net",
                Kind::Client,
                Some(&other_ca),
                valid,
            ),
            expired: issue("tserver-a.example.net", Kind::Client, Some(&ca), (-30, -1)),
            ca,
            other_ca,
        }
    }
}

impl Pki {
    /// The TLS options of a client trusting the CA (for the server's
    /// certificate) and presenting `identity` (none: no certificate).
    pub fn client_tls(&self, identity: Option<&Issued>) -> TlsOptions {
        TlsOptions {
            ca: self.ca.cert.clone(),
            identity: identity.map(|id| (id.cert.clone(), id.key.clone())),
            server_name: None,
        }
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}
