//! `csta.tls`: the files are read and checked with the configuration, each
//! problem under its own key.

use super::*;
use bwcsta_integration::certs::Pki;

struct Files {
    dir: TempDir,
    pki: Pki,
}

impl Files {
    fn new(tag: &str) -> Files {
        let files = Files {
            dir: TempDir::new(tag),
            pki: Pki::new(),
        };
        for (name, issued) in [
            ("server", &files.pki.server),
            ("ca", &files.pki.ca),
            ("client", &files.pki.client),
            ("expired", &files.pki.expired),
        ] {
            issued.write(files.dir.path(), name);
        }
        files
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    fn tls(&self, cert: &str, key: &str, ca: Option<&str>) -> Value {
        let mut tls = json!({ "cert_file": self.path(cert), "key_file": self.path(key) });
        if let Some(ca) = ca {
            tls["client_ca_file"] = json!(self.path(ca));
        }
        with("csta.tls", tls)
    }
}

#[test]
fn good_files_are_read_and_allow_certificate_names() {
    let f = Files::new("tls-good");
    let mut document = f.tls("server.pem", "server.key", Some("ca.pem"));
    set(
        &mut document,
        "csta.clients",
        json!([{ "name": "a", "certificate_cn": "tserver-a.example.net", "devices": ["20*"] }]),
    );
    let config = load_ok(&document);
    let tls = config.csta.tls.expect("tls");
    assert_eq!(tls.cert_file, f.dir.path().join("server.pem"));
    assert!(tls.client_certificates());
    assert_eq!(
        config.csta.clients[0].certificate_cn.as_deref(),
        Some("tserver-a.example.net")
    );
    let plain = load_ok(&f.tls("server.pem", "server.key", None));
    assert!(!plain.csta.tls.expect("tls").client_certificates());
    assert_eq!(load_ok(&minimal()).csta.tls, None);
}

#[test]
fn every_problem_names_its_key_and_file() {
    let f = Files::new("tls-bad");
    let p = |name: &str| format!("\"{}\"", f.path(name));
    let cases: Vec<(Value, Vec<String>)> = vec![
        (
            with("csta.tls", json!(true)),
            vec!["csta.tls: expected an object, found true".to_owned()],
        ),
        (
            with("csta.tls", json!({})),
            vec![
                "csta.tls.cert_file: missing".to_owned(),
                "csta.tls.key_file: missing".to_owned(),
            ],
        ),
        (
            f.tls("expired.pem", "expired.key", Some("nowhere.pem")),
            vec![
                format!(
                    "csta.tls.client_ca_file: cannot read {}: No such file or directory (os \
                     error 2)",
                    p("nowhere.pem")
                ),
                format!(
                    "csta.tls.cert_file: {}: certificate CN=\"tserver-a.example.net\" expired on",
                    p("expired.pem")
                ),
            ],
        ),
        (
            f.tls("expired.pem", "expired.key", Some("expired.pem")),
            vec![
                format!(
                    "csta.tls.cert_file: {}: certificate CN=\"tserver-a.example.net\" expired on",
                    p("expired.pem")
                ),
                format!(
                    "csta.tls.client_ca_file: {}: certificate CN=\"tserver-a.example.net\" \
                     expired on",
                    p("expired.pem")
                ),
            ],
        ),
        (
            f.tls("server.pem", "client.key", None),
            vec![format!(
                "csta.tls.key_file: {}: the key does not belong to the certificate of \
                 csta.tls.cert_file ({})",
                p("client.key"),
                f.path("server.pem")
            )],
        ),
        (
            f.tls("server.key", "server.pem", None),
            vec![
                format!(
                    "csta.tls.cert_file: {}: no PEM certificate in the file",
                    p("server.key")
                ),
                format!(
                    "csta.tls.key_file: {}: not a PEM private key (an encrypted key is not \
                     supported: store it without a passphrase, readable by the bwcsta user only)",
                    p("server.pem")
                ),
            ],
        ),
    ];
    for (document, expected) in cases {
        let got = lines(&document);
        assert_eq!(got.len(), expected.len(), "{got:#?}");
        for (line, want) in got.iter().zip(&expected) {
            assert!(line.starts_with(want.as_str()), "{line}\nexpected {want}");
        }
    }
    let mut unknown = f.tls("server.pem", "server.key", None);
    set(&mut unknown, "csta.tls.ca_file", json!("x"));
    assert_one_problem(&unknown, "csta.tls.ca_file: unknown key");
}
