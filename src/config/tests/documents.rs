//! Whole documents; missing, wrongly typed and unknown keys.

use super::*;
use crate::http::tls::Trust;

// --- whole documents -----------------------------------------------------

#[test]
fn spec_example_loads_with_its_values() {
    let dir = TempDir::new("example");
    let secret = dir.file("xsi.secret", "s3cr3t-from-file\n");
    let ca = dir.file("ca.pem", TEST_CA);
    let pki = bwcsta_integration::certs::Pki::new();
    let (csta_cert, csta_key) = pki.server.write(dir.path(), "csta");
    let (clients_ca, _) = pki.ca.write(dir.path(), "clients-ca");
    let document = json!({
      "csta": {
        "listen": "0.0.0.0:1040",
        "allow": ["127.0.0.1", "10.20.0.0/16"],
        "max_sessions": 16,
        "edition": "ed3",
        "idle_timeout_s": 60,
        "system_status_on_connect": false,
        "tls": { "cert_file": csta_cert, "key_file": csta_key, "client_ca_file": clients_ca },
        "clients": [
          { "name": "tserver-a", "allow": ["10.20.0.5"], "certificate_cn": "tserver-a.example.net",
            "devices": ["20*", "5000", "6*"] },
          { "name": "wallboard", "allow": ["10.30.0.0/24"], "devices": ["5000"], "control": false }
        ]
      },
      "xsi": {
        "servers": [
          { "name": "xsp1", "url": "https://xsp1.example.net" },
          { "name": "xsp2", "url": "https://xsp2.example.net" }
        ],
        "username": "cti-app@example.net",
        "password_file": secret,
        "application_id": "GenesysConnector",
        "channel_set_id": "bwcsta",
        "default_domain": "example.net",
        "event_package": "Advanced Call",
        "channel_expires_s": 3600,
        "subscription_expires_s": 3600,
        "heartbeat_interval_s": 15,
        "reconnect_initial_s": 1,
        "reconnect_max_s": 30,
        "request_timeout_s": 10,
        "reorder_wait_s": 5,
        "action_workers": 8,
        "subscription_workers": 24,
        "tls": { "ca_file": ca, "accept_invalid_certs": false }
      },
      "devices": {
        "call_centers": ["5000", "sales-queue@example.net"],
        "route_points": ["6000", "61*"],
        "agents": ["20*"],
        "treatment_audio_urls": ["http://media.example.net/welcome.wav"]
      },
      "log": { "file": "/var/log/bwcsta/bwcsta.log", "level": "info", "max_bytes": 10485760, "keep": 5 },
      "status_file": "/var/run/bwcsta/status.json",
      "status_interval_s": 5,
      "pid_file": "/var/run/bwcsta/bwcsta.pid"
    });
    let config = load_ok(&document);

    assert_eq!(config.csta.listen, "0.0.0.0:1040".parse().unwrap());
    assert_eq!(
        config.csta.allow,
        vec![
            IpNet::parse("127.0.0.1/32").unwrap(),
            IpNet::parse("10.20.0.0/16").unwrap()
        ]
    );
    assert_eq!(config.csta.max_sessions, 16);
    assert_eq!(config.csta.edition, Edition::Ed3);
    assert_eq!(config.csta.idle_timeout, secs(60.0));
    assert!(!config.csta.system_status_on_connect);
    let tls = config.csta.tls.as_ref().expect("csta.tls");
    assert_eq!(tls.client_ca_file.as_deref(), Some(clients_ca.as_path()));
    let clients: Vec<(&str, bool)> = config
        .csta
        .clients
        .iter()
        .map(|c| (c.name.as_str(), c.control))
        .collect();
    assert_eq!(clients, [("tserver-a", true), ("wallboard", false)]);

    let xsi = &config.xsi;
    let names: Vec<&str> = xsi.servers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["xsp1", "xsp2"]);
    assert_eq!(xsi.servers[1].url, "https://xsp2.example.net");
    assert_eq!(
        xsi.servers[1].target,
        Target {
            https: true,
            host: "xsp2.example.net".to_string(),
            port: 443,
            base_path: String::new(),
        }
    );
    assert_eq!(xsi.username, "cti-app@example.net");
    assert_eq!(xsi.password.expose(), "s3cr3t-from-file");
    assert_eq!(xsi.application_id, "GenesysConnector");
    assert_eq!(xsi.channel_set_id, "bwcsta");
    assert_eq!(xsi.default_domain.as_deref(), Some("example.net"));
    assert_eq!(xsi.event_package, "Advanced Call");
    assert_eq!(xsi.channel_expires, secs(3600.0));
    assert_eq!(xsi.subscription_expires, secs(3600.0));
    assert_eq!(xsi.heartbeat_interval, secs(15.0));
    assert_eq!(xsi.reconnect_initial, secs(1.0));
    assert_eq!(xsi.reconnect_max, secs(30.0));
    assert_eq!(xsi.request_timeout, secs(10.0));
    assert_eq!(xsi.reorder_wait, secs(5.0));
    assert_eq!(xsi.action_workers, 8);
    assert_eq!(xsi.subscription_workers, 24);
    assert_eq!(xsi.tls.ca_file(), Some(ca.as_path()));
    assert!(!xsi.tls.accepts_invalid_certs());

    let exact = |t: &str| DevicePattern::Exact(t.to_owned());
    let prefix = |t: &str| DevicePattern::Prefix(t.to_owned());
    assert_eq!(
        config.devices,
        DevicesConfig {
            call_centers: vec![exact("5000"), exact("sales-queue@example.net")],
            route_points: vec![exact("6000"), prefix("61")],
            agents: vec![prefix("20")],
            treatment_audio_urls: vec!["http://media.example.net/welcome.wav".to_owned()],
        }
    );

    assert_eq!(
        config.log.file,
        Some(PathBuf::from("/var/log/bwcsta/bwcsta.log"))
    );
    assert_eq!(config.log.level, LevelFilter::Info);
    assert_eq!(config.log.max_bytes, 10_485_760);
    assert_eq!(config.log.keep, 5);
    assert_eq!(
        config.status_file,
        Some(PathBuf::from("/var/run/bwcsta/status.json"))
    );
    assert_eq!(config.status_interval, secs(5.0));
    assert_eq!(
        config.pid_file,
        Some(PathBuf::from("/var/run/bwcsta/bwcsta.pid"))
    );
}

#[test]
fn minimal_config_gets_every_default() {
    let config = load_ok(&minimal());
    assert_eq!(config.csta, CstaConfig::default());
    assert_eq!(config.csta.listen, "0.0.0.0:1040".parse().unwrap());
    assert!(config.csta.allow.is_empty());
    assert_eq!(config.csta.max_sessions, 16);
    assert_eq!(config.csta.edition, Edition::Ed3);
    assert_eq!(config.csta.idle_timeout, secs(60.0));
    assert!(!config.csta.system_status_on_connect);

    let xsi = &config.xsi;
    assert_eq!(xsi.password.expose(), PASSWORD);
    assert_eq!(xsi.application_id, "bwcsta");
    assert_eq!(xsi.default_domain, None);
    assert_eq!(xsi.event_package, "Advanced Call");
    assert_eq!(xsi.channel_expires, secs(3600.0));
    assert_eq!(xsi.subscription_expires, secs(3600.0));
    assert_eq!(xsi.heartbeat_interval, secs(15.0));
    assert_eq!(xsi.reconnect_initial, secs(1.0));
    assert_eq!(xsi.reconnect_max, secs(30.0));
    assert_eq!(xsi.request_timeout, secs(10.0));
    assert_eq!(xsi.reorder_wait, secs(5.0));
    assert_eq!(xsi.action_workers, 8);
    assert_eq!(xsi.subscription_workers, 32);
    assert_eq!(xsi.tls, Trust::default());
    assert_eq!(xsi.tls.ca_file(), None);
    assert!(config.devices.is_empty());

    assert_eq!(config.log.file, None);
    assert_eq!(config.log.level, LevelFilter::Info);
    assert_eq!(config.log.max_bytes, 10_485_760);
    assert_eq!(config.log.keep, 5);
    assert_eq!(config.status_file, None);
    assert_eq!(config.status_interval, secs(5.0));
    assert_eq!(config.pid_file, None);
}

#[test]
fn empty_sections_give_defaults() {
    let mut document = minimal();
    set(&mut document, "csta", json!({}));
    set(&mut document, "log", json!({}));
    set(&mut document, "xsi.tls", json!({}));
    assert_eq!(load_ok(&document), load_ok(&minimal()));
}

// --- missing, wrong type, unknown ---------------------------------------

#[test]
fn each_required_key_missing() {
    let cases = [
        ("xsi", "xsi: missing"),
        ("xsi.servers", "xsi.servers: missing"),
        ("xsi.username", "xsi.username: missing"),
        ("xsi.channel_set_id", "xsi.channel_set_id: missing"),
        (
            "xsi.password",
            "xsi.password: missing (give either xsi.password or xsi.password_file)",
        ),
    ];
    for (path, expected) in cases {
        assert_one_problem(&without(path), expected);
    }
}

#[test]
fn server_keys_missing() {
    let cases = [
        (
            json!({ "url": "https://x" }),
            "xsi.servers[0].name: missing",
        ),
        (json!({ "name": "x" }), "xsi.servers[0].url: missing"),
    ];
    for (server, expected) in cases {
        assert_one_problem(&with("xsi.servers", json!([server])), expected);
    }
    let both = lines(&with("xsi.servers", json!([{}])));
    assert_eq!(
        both,
        [
            "xsi.servers[0].name: missing",
            "xsi.servers[0].url: missing"
        ]
    );
}

#[test]
fn each_key_with_a_wrong_json_type() {
    let cases = [
        ("csta", json!(5), "csta: expected an object, found 5"),
        (
            "csta.listen",
            json!(1040),
            "csta.listen: expected a string, found 1040",
        ),
        (
            "csta.allow",
            json!("10.0.0.0/8"),
            "csta.allow: expected an array, found \"10.0.0.0/8\"",
        ),
        (
            "csta.allow",
            json!({}),
            "csta.allow: expected an array, found an object",
        ),
        (
            "csta.allow",
            json!([10]),
            "csta.allow[0]: expected a string, found 10",
        ),
        (
            "csta.max_sessions",
            json!("16"),
            "csta.max_sessions: expected a positive integer, found \"16\"",
        ),
        (
            "csta.edition",
            json!(3),
            "csta.edition: expected a string, found 3",
        ),
        (
            "csta.idle_timeout_s",
            json!("60"),
            "csta.idle_timeout_s: expected a positive number of seconds, or 0 for off, found \"60\"",
        ),
        (
            "csta.system_status_on_connect",
            json!("yes"),
            "csta.system_status_on_connect: expected true or false, found \"yes\"",
        ),
        (
            "csta.system_status_on_connect",
            json!(1),
            "csta.system_status_on_connect: expected true or false, found 1",
        ),
        ("xsi", json!("x"), "xsi: expected an object, found \"x\""),
        ("xsi", json!([]), "xsi: expected an object, found an array"),
        (
            "xsi.servers",
            json!({}),
            "xsi.servers: expected an array, found an object",
        ),
        (
            "xsi.servers",
            json!("https://x"),
            "xsi.servers: expected an array, found \"https://x\"",
        ),
        (
            "xsi.servers",
            json!(["https://x"]),
            "xsi.servers[0]: expected an object, found \"https://x\"",
        ),
        (
            "xsi.servers",
            json!([{ "name": 1, "url": "https://x" }]),
            "xsi.servers[0].name: expected a string, found 1",
        ),
        (
            "xsi.servers",
            json!([{ "name": "a", "url": [] }]),
            "xsi.servers[0].url: expected a string, found an array",
        ),
        (
            "xsi.username",
            json!(5),
            "xsi.username: expected a string, found 5",
        ),
        (
            "xsi.username",
            json!(null),
            "xsi.username: expected a string, found null",
        ),
        (
            "xsi.application_id",
            json!([]),
            "xsi.application_id: expected a string, found an array",
        ),
        (
            "xsi.channel_set_id",
            json!(true),
            "xsi.channel_set_id: expected a string, found true",
        ),
        (
            "xsi.default_domain",
            json!(1),
            "xsi.default_domain: expected a string, found 1",
        ),
        (
            "xsi.event_package",
            json!({}),
            "xsi.event_package: expected a string, found an object",
        ),
        (
            "xsi.channel_expires_s",
            json!("3600"),
            "xsi.channel_expires_s: expected a positive number of seconds, found \"3600\"",
        ),
        (
            "xsi.subscription_expires_s",
            json!([]),
            "xsi.subscription_expires_s: expected a positive number of seconds, found an array",
        ),
        (
            "xsi.heartbeat_interval_s",
            json!(true),
            "xsi.heartbeat_interval_s: expected a positive number of seconds, found true",
        ),
        (
            "xsi.reconnect_initial_s",
            json!(null),
            "xsi.reconnect_initial_s: expected a positive number of seconds, found null",
        ),
        (
            "xsi.reconnect_max_s",
            json!({}),
            "xsi.reconnect_max_s: expected a positive number of seconds, found an object",
        ),
        (
            "xsi.request_timeout_s",
            json!("10"),
            "xsi.request_timeout_s: expected a positive number of seconds, found \"10\"",
        ),
        (
            "xsi.reorder_wait_s",
            json!("5"),
            "xsi.reorder_wait_s: expected a positive number of seconds, found \"5\"",
        ),
        (
            "xsi.tls",
            json!(true),
            "xsi.tls: expected an object, found true",
        ),
        (
            "xsi.tls.ca_file",
            json!(1),
            "xsi.tls.ca_file: expected a string, found 1",
        ),
        (
            "xsi.tls.accept_invalid_certs",
            json!("false"),
            "xsi.tls.accept_invalid_certs: expected true or false, found \"false\"",
        ),
        ("log", json!([]), "log: expected an object, found an array"),
        (
            "log.file",
            json!(false),
            "log.file: expected a string, found false",
        ),
        (
            "log.level",
            json!(3),
            "log.level: expected a string, found 3",
        ),
        (
            "log.max_bytes",
            json!("10M"),
            "log.max_bytes: expected a positive integer, found \"10M\"",
        ),
        (
            "log.keep",
            json!("5"),
            "log.keep: expected a non-negative integer, found \"5\"",
        ),
        (
            "status_file",
            json!(1),
            "status_file: expected a string, found 1",
        ),
        (
            "status_interval_s",
            json!("5"),
            "status_interval_s: expected a positive number of seconds, found \"5\"",
        ),
        (
            "pid_file",
            json!([]),
            "pid_file: expected a string, found an array",
        ),
    ];
    for (path, value, expected) in cases {
        assert_one_problem(&with(path, value), expected);
    }
}

#[test]
fn unknown_key_at_every_level() {
    let cases = [
        ("colour", "colour: unknown key"),
        ("csta.listn", "csta.listn: unknown key"),
        ("xsi.usernme", "xsi.usernme: unknown key"),
        ("xsi.tls.verify", "xsi.tls.verify: unknown key"),
        ("log.levle", "log.levle: unknown key"),
        ("csta.idle_timeout", "csta.idle_timeout: unknown key"),
    ];
    for (path, expected) in cases {
        assert_one_problem(&with(path, json!(1)), expected);
    }
    let server = json!([{ "name": "a", "url": "https://a", "weight": 100 }]);
    assert_one_problem(
        &with("xsi.servers", server),
        "xsi.servers[0].weight: unknown key",
    );
}

#[test]
fn odd_unknown_keys_are_quoted_in_the_path() {
    let cases = [
        ("a b", "csta[\"a b\"]: unknown key"),
        ("", "csta[\"\"]: unknown key"),
        ("x\ny", "csta[\"x\\ny\"]: unknown key"),
    ];
    for (key, expected) in cases {
        let mut document = minimal();
        document["csta"] = json!({ key: 1 });
        assert_one_problem(&document, expected);
    }
}

#[test]
fn unknown_keys_inside_an_invalid_section_are_not_reported_twice() {
    assert_one_problem(
        &with("log", json!("verbose")),
        "log: expected an object, found \"verbose\"",
    );
}

#[test]
fn several_problems_are_reported_together() {
    let mut document = without("xsi.username");
    set(&mut document, "csta.max_sessions", json!(0));
    set(
        &mut document,
        "csta.allow",
        json!(["10.0.0.0/8", "10.0.0.0/33", "abc"]),
    );
    set(
        &mut document,
        "xsi.servers",
        json!([{ "name": "a", "url": "https://a" }, { "name": "b", "url": "ftp://b" }]),
    );
    set(&mut document, "xsi.heartbeat_interval_s", json!(0));
    set(&mut document, "log.levle", json!("debug"));
    set(&mut document, "pid_file", json!(7));
    set(&mut document, "extra", json!(true));
    assert_eq!(
        sorted_paths(&document),
        [
            "csta.allow[1]",
            "csta.allow[2]",
            "csta.max_sessions",
            "extra",
            "log.levle",
            "pid_file",
            "xsi.heartbeat_interval_s",
            "xsi.servers[1].url",
            "xsi.username",
        ]
    );
}

#[test]
fn config_error_display_is_one_problem_per_line() {
    let mut document = with("csta.max_sessions", json!(0));
    set(&mut document, "log.keep", json!(-1));
    let err = parse(&document).unwrap_err();
    assert_eq!(
        err.to_string(),
        "csta.max_sessions: expected a positive integer, found 0\n\
         log.keep: expected a non-negative integer, found -1"
    );
}

#[test]
fn top_level_must_be_an_object() {
    let cases = [
        ("[]", "expected an object, found an array"),
        ("42", "expected an object, found 42"),
        ("null", "expected an object, found null"),
    ];
    for (text, expected) in cases {
        let err = Config::from_json_str(text, Path::new(BASE_DIR)).unwrap_err();
        assert_eq!(
            err.problems,
            [Problem {
                path: String::new(),
                message: expected.to_string()
            }]
        );
    }
}
