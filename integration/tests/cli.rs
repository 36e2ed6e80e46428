//! The command line contract (README, "Running it"): `--check` on good and bad files,
//! exit codes and messages, `--version`, usage errors.

use std::path::Path;
use std::process::{Command, Output};

use bwcsta_integration::support::TempDir;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_bwcsta");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run bwcsta")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn write(dir: &Path, name: &str, value: &serde_json::Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    p.to_string_lossy().into_owned()
}

fn minimal() -> serde_json::Value {
    json!({
        "xsi": {
            "servers": [{ "name": "xsp1", "url": "http://127.0.0.1:1" }],
            "username": "cti@example.net",
            "password": "Sup3rSecret!",
            "channel_set_id": "set"
        }
    })
}

#[test]
fn version_prints_name_and_version() {
    let o = run(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("bwcsta {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_and_usage_errors() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("--config"));
    for args in [&[][..], &["--bogus"], &["--config"], &["--check"]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("usage"), "{args:?}");
    }
}

#[test]
fn check_accepts_good_files() {
    let dir = TempDir::new("cli-good");
    let f = write(dir.path(), "min.json", &minimal());
    let o = run(&["--config", &f, "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "config OK");

    // The shipped configuration files are valid too (the example needs its
    // password file, which only exists on a real host: swap it for a temp one).
    for demo in [
        concat!(env!("CARGO_MANIFEST_DIR"), "/conf/demo.json"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/conf/demo-contact.json"),
    ] {
        let o = run(&["--config", demo, "--check"]);
        assert_eq!(o.status.code(), Some(0), "{demo}: {}", text(&o));
    }
    let example: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/conf/bwcsta.example.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut example = example;
    let secret = dir.path().join("xsi.secret");
    std::fs::write(&secret, "pw\n").unwrap();
    example["xsi"]["password_file"] = json!(secret);
    let ca = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/integration/data/tls/test-ca.pem"
    );
    example["xsi"]["tls"]["ca_file"] = json!(ca);
    let f = write(dir.path(), "example.json", &example);
    let o = run(&["--config", &f, "--check"]);
    assert_eq!(o.status.code(), Some(0), "example: {}", text(&o));

    // --check reads the CA file as start-up does: a file without
    // certificates (here the password file) is refused, naming the key.
    example["xsi"]["tls"]["ca_file"] = json!(secret);
    let f = write(dir.path(), "example-bad-ca.json", &example);
    let o = run(&["--config", &f, "--check"]);
    assert_eq!(o.status.code(), Some(2), "bad CA file: {}", text(&o));
    assert!(
        text(&o).contains("xsi.tls.ca_file:") && text(&o).contains("no PEM certificate"),
        "{}",
        text(&o)
    );
}

#[test]
fn check_reports_every_problem_with_its_path_and_exits_2() {
    let dir = TempDir::new("cli-bad");
    let mut cfg = minimal();
    cfg["xsi"]["servers"] = json!([
        { "name": "xsp1", "url": "http://127.0.0.1:1" },
        { "name": "xsp2", "url": "ftp://x" }
    ]);
    cfg["csta"] = json!({ "allow": ["10.0.0.0/33"], "max_sessions": "16", "listen": "nowhere" });
    cfg["log"] = json!({ "levle": "info" });
    cfg["devices"] = json!({ "route_points": ["6*0"], "agents": ["2001", "2001"] });
    let f = write(dir.path(), "bad.json", &cfg);
    let o = run(&["--config", &f, "--check"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    for path in [
        "xsi.servers[1].url",
        "csta.allow[0]",
        "csta.max_sessions",
        "csta.listen",
        "log.levle",
        "devices.route_points[0]",
        "devices.agents[1]",
    ] {
        assert!(out.contains(path), "missing {path} in:\n{out}");
    }
    assert!(out.contains("bad.json"), "names the file:\n{out}");
    assert!(!out.contains("config OK"));
    assert!(!out.contains("Sup3rSecret!"), "password leaked:\n{out}");
}

#[test]
fn password_is_never_printed() {
    let dir = TempDir::new("cli-pw");
    let cases = [
        json!(12345),
        json!(["Sup3rSecret!"]),
        json!({"x": "Sup3rSecret!"}),
    ];
    for bad in cases {
        let mut cfg = minimal();
        cfg["xsi"]["password"] = bad.clone();
        let f = write(dir.path(), "pw.json", &cfg);
        let o = run(&["--config", &f, "--check"]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(2), "{bad}: {out}");
        assert!(out.contains("xsi.password"), "{out}");
        assert!(
            !out.contains("Sup3rSecret!") && !out.contains("12345"),
            "leak: {out}"
        );
    }
    // Both password and password_file.
    let mut cfg = minimal();
    cfg["xsi"]["password_file"] = json!("/nonexistent/secret");
    let f = write(dir.path(), "both.json", &cfg);
    let o = run(&["--config", &f, "--check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!text(&o).contains("Sup3rSecret!"));
}

#[test]
fn unreadable_or_invalid_files_exit_2_naming_the_file() {
    let dir = TempDir::new("cli-io");
    let missing = dir.path().join("nope.json");
    let o = run(&["--config", missing.to_str().unwrap(), "--check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("nope.json"));

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ \"xsi\": ").unwrap();
    let o = run(&["--config", broken.to_str().unwrap(), "--check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("line"), "{}", text(&o));

    // Running (not --check) with a bad file is also exit 2.
    let o = run(&["--config", broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_reads_the_csta_tls_files_and_lists_each_problem() {
    let dir = TempDir::new("cli-tls");
    let pki = bwcsta_integration::certs::Pki::new();
    let (cert, key) = pki.server.write(dir.path(), "csta");
    let (ca, _) = pki.ca.write(dir.path(), "clients-ca");
    let (expired, _) = pki.expired.write(dir.path(), "expired");
    let (_, other_key) = pki.client.write(dir.path(), "client");
    let mut cfg = minimal();
    cfg["csta"] = json!({
        "tls": { "cert_file": cert, "key_file": key, "client_ca_file": ca },
        "clients": [{ "name": "a", "certificate_cn": "tserver-a.example.net", "devices": ["20*"] }]
    });
    let f = write(dir.path(), "good.json", &cfg);
    let o = run(&["--config", &f, "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "config OK");

    cfg["csta"]["tls"] = json!({
        "cert_file": expired, "key_file": other_key, "client_ca_file": dir.path().join("nope.pem")
    });
    let f = write(dir.path(), "bad.json", &cfg);
    let o = run(&["--config", &f, "--check"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert_eq!(out.lines().count(), 3, "one line per problem:\n{out}");
    for (key, problem) in [
        ("csta.tls.cert_file", "expired on"),
        (
            "csta.tls.key_file",
            "the key does not belong to the certificate",
        ),
        ("csta.tls.client_ca_file", "cannot read"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("{key}: ")) && l.contains(problem)),
            "{key}: {problem}\n{out}"
        );
    }
}
