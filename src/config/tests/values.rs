//! Value checks: addresses, URLs, blocks, durations, integers, names.

use super::*;

// --- values ----------------------------------------------------------

#[test]
fn listen_addresses() {
    let good = [
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("[::1]:1040", "[::1]:1040"),
        ("[::]:0", "[::]:0"),
    ];
    for (text, expected) in good {
        let config = load_ok(&with("csta.listen", json!(text)));
        assert_eq!(config.csta.listen, expected.parse::<SocketAddr>().unwrap());
    }
    let bad = [
        "localhost:1040",
        "0.0.0.0",
        "1.2.3.4:70000",
        "",
        ":1040",
        "::1:1040",
    ];
    for text in bad {
        let expected = format!(
            "csta.listen: not a socket address (IPv4:port or [IPv6]:port): {}",
            json!(text)
        );
        assert_one_problem(&with("csta.listen", json!(text)), &expected);
    }
}

#[test]
fn good_server_urls() {
    // (url, https, host (IPv6 bare), port, base_path, url kept)
    let cases = [
        (
            "https://xsp1.example.net",
            true,
            "xsp1.example.net",
            443,
            "",
            "https://xsp1.example.net",
        ),
        (
            "http://xsp1.example.net",
            false,
            "xsp1.example.net",
            80,
            "",
            "http://xsp1.example.net",
        ),
        (
            "https://xsp1.example.net/",
            true,
            "xsp1.example.net",
            443,
            "",
            "https://xsp1.example.net",
        ),
        (
            "http://10.0.0.1:8080",
            false,
            "10.0.0.1",
            8080,
            "",
            "http://10.0.0.1:8080",
        ),
        (
            "https://xsp.example.net:8443/xsi/",
            true,
            "xsp.example.net",
            8443,
            "/xsi",
            "https://xsp.example.net:8443/xsi",
        ),
        (
            "http://127.0.0.1:1/a/b",
            false,
            "127.0.0.1",
            1,
            "/a/b",
            "http://127.0.0.1:1/a/b",
        ),
        (
            "http://[::1]:8080",
            false,
            "::1",
            8080,
            "",
            "http://[::1]:8080",
        ),
        (
            "https://[fd00::5]",
            true,
            "fd00::5",
            443,
            "",
            "https://[fd00::5]",
        ),
        (
            "HTTPS://XSP.example.net",
            true,
            "XSP.example.net",
            443,
            "",
            "HTTPS://XSP.example.net",
        ),
        (
            "http://xsp_1:65535",
            false,
            "xsp_1",
            65535,
            "",
            "http://xsp_1:65535",
        ),
    ];
    for (text, https, host, port, base_path, url) in cases {
        let parsed = parse_server_url(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let expected = ServerUrl {
            url: url.to_string(),
            target: Target {
                https,
                host: host.to_string(),
                port,
                base_path: base_path.to_string(),
            },
        };
        assert_eq!(parsed, expected, "{text}");
    }
}

#[test]
fn server_fields_come_from_the_url() {
    let servers = json!([{ "name": "lab", "url": "http://10.1.2.3:8080/prefix/" }]);
    let config = load_ok(&with("xsi.servers", servers));
    let expected = XspServer {
        name: "lab".to_string(),
        url: "http://10.1.2.3:8080/prefix".to_string(),
        target: Target {
            https: false,
            host: "10.1.2.3".to_string(),
            port: 8080,
            base_path: "/prefix".to_string(),
        },
    };
    assert_eq!(config.xsi.servers, [expected]);
}

#[test]
fn bad_server_urls() {
    let cases = [
        (
            "ftp://xsp.example.net",
            "not an http(s) URL: \"ftp://xsp.example.net\"",
        ),
        ("xsp.example.net", "not an http(s) URL: \"xsp.example.net\""),
        ("https:/xsp", "not an http(s) URL: \"https:/xsp\""),
        ("https://", "URL has no host: \"https://\""),
        ("https:///xsi", "URL has no host: \"https:///xsi\""),
        ("http://:8080", "URL has no host: \"http://:8080\""),
        (
            "https://xsp?x=1",
            "a server URL must not have a query ('?'): \"https://xsp?x=1\"",
        ),
        (
            "https://xsp/a#top",
            "a server URL must not have a fragment ('#'): \"https://xsp/a#top\"",
        ),
        (
            "https://xsp:99999",
            "bad port in URL (expected 1 to 65535): \"https://xsp:99999\"",
        ),
        (
            "https://xsp:0",
            "bad port in URL (expected 1 to 65535): \"https://xsp:0\"",
        ),
        (
            "https://xsp:",
            "bad port in URL (expected 1 to 65535): \"https://xsp:\"",
        ),
        (
            "https://xsp:8a",
            "bad port in URL (expected 1 to 65535): \"https://xsp:8a\"",
        ),
        (
            "https://xsp:+80",
            "bad port in URL (expected 1 to 65535): \"https://xsp:+80\"",
        ),
        (
            "http://[::1]x",
            "bad port in URL (expected 1 to 65535): \"http://[::1]x\"",
        ),
        ("http://[::1", "bad IPv6 address in URL: \"http://[::1\""),
        (
            "http://[zz]:80",
            "bad IPv6 address in URL: \"http://[zz]:80\"",
        ),
        ("https://xs!p", "bad host name in URL: \"https://xs!p\""),
        (
            "https://xsp .example",
            "a URL must not contain spaces or control characters: \"https://xsp .example\"",
        ),
        ("", "not an http(s) URL: \"\""),
    ];
    for (url, message) in cases {
        let servers = json!([{ "name": "a", "url": url }]);
        let expected = format!("xsi.servers[0].url: {message}");
        assert_one_problem(&with("xsi.servers", servers), &expected);
    }
}

#[test]
fn url_with_user_info_is_rejected_without_echoing_it() {
    let url = format!("https://cti:{PASSWORD}@xsp.example.net");
    let problems = lines(&with("xsi.servers", json!([{ "name": "a", "url": url }])));
    assert_eq!(
        problems,
        ["xsi.servers[0].url: a server URL must not contain user info: use xsi.username and xsi.password"]
    );
}

#[test]
fn server_list_rules() {
    let cases = [
        (json!([]), "xsi.servers: expected at least one server"),
        (
            json!([{ "name": "", "url": "https://a" }]),
            "xsi.servers[0].name: must not be empty",
        ),
        (
            json!([{ "name": "a", "url": "https://a" }, { "name": "a", "url": "https://b" }]),
            "xsi.servers[1].name: duplicate name \"a\"",
        ),
    ];
    for (servers, expected) in cases {
        assert_one_problem(&with("xsi.servers", servers), expected);
    }
}

#[test]
fn ip_net_parse_good() {
    let cases = [
        ("10.20.0.0/16", "10.20.0.0/16"),
        ("127.0.0.1", "127.0.0.1/32"),
        ("::1", "::1/128"),
        ("fd00::/8", "fd00::/8"),
        ("10.20.30.40/16", "10.20.0.0/16"),
        ("192.168.1.255/31", "192.168.1.254/31"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("8.8.8.8/0", "0.0.0.0/0"),
        ("::/0", "::/0"),
        ("fd12:3456::1/32", "fd12:3456::/32"),
        ("10.0.0.0/08", "10.0.0.0/8"),
    ];
    for (text, expected) in cases {
        let net = IpNet::parse(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(net.to_string(), expected, "{text}");
    }
}

#[test]
fn ip_net_parse_bad() {
    let cases = [
        "10.0.0.0/33",
        "::/129",
        "10.0.0",
        "abc",
        "",
        "10.0.0.0/",
        "10.0.0.0/+8",
        "10.0.0.0/8/8",
        "/8",
        "10.0.0.0/ 8",
        " 10.0.0.1",
        "[::1]",
        "fe80::1%eth0",
        "010.0.0.1",
        "10.0.0.0/0008",
        "10.0.0.0/-1",
        "1.2.3.4.5",
    ];
    for text in cases {
        assert_eq!(IpNet::parse(text), None, "{text:?}");
    }
}

#[test]
fn bad_cidr_in_allow() {
    for text in ["10.0.0.0/33", "::/129", "10.0.0", "abc"] {
        let expected = format!("csta.allow[0]: not an IP address or CIDR block: \"{text}\"");
        assert_one_problem(&with("csta.allow", json!([text])), &expected);
    }
}

#[test]
fn ip_net_contains() {
    let cases = [
        ("10.20.0.0/16", "10.20.5.6", true),
        ("10.20.0.0/16", "10.21.0.1", false),
        ("127.0.0.1", "127.0.0.1", true),
        ("127.0.0.1", "127.0.0.2", false),
        ("10.20.0.0/16", "::ffff:10.20.1.2", true),
        ("10.20.0.0/16", "::ffff:10.21.1.2", false),
        ("127.0.0.1", "::ffff:127.0.0.1", true),
        ("0.0.0.0/0", "1.2.3.4", true),
        ("0.0.0.0/0", "::ffff:1.2.3.4", true),
        ("0.0.0.0/0", "::1", false),
        ("0.0.0.0/8", "::1", false),
        ("0.0.0.0/8", "::10.0.0.1", false),
        ("fd00::/8", "fd12::1", true),
        ("fd00::/8", "fe80::1", false),
        ("fd00::/8", "10.0.0.1", false),
        ("::1", "::1", true),
        ("::1", "127.0.0.1", false),
        ("::ffff:10.0.0.0/104", "10.1.2.3", true),
        ("::ffff:10.0.0.0/104", "11.1.2.3", false),
        ("192.168.1.0/24", "192.168.1.255", true),
        ("192.168.1.0/24", "192.168.2.0", false),
    ];
    for (net, ip, expected) in cases {
        let net = IpNet::parse(net).unwrap();
        let ip: IpAddr = ip.parse().unwrap();
        assert_eq!(net.contains(ip), expected, "{net} contains {ip}");
    }
}

#[test]
fn durations() {
    let good = [
        (0.25, secs(0.25)),
        (0.2, Duration::from_millis(200)),
        (3600.0, secs(3600.0)),
        (1e-9, Duration::from_nanos(1)),
    ];
    for (value, expected) in good {
        let config = load_ok(&with("xsi.heartbeat_interval_s", json!(value)));
        assert_eq!(config.xsi.heartbeat_interval, expected, "{value}");
    }
    assert_eq!(
        load_ok(&with("xsi.heartbeat_interval_s", json!(2)))
            .xsi
            .heartbeat_interval,
        secs(2.0)
    );
    let bad = [
        (json!(0), "expected a positive number of seconds, found 0"),
        (
            json!(0.0),
            "expected a positive number of seconds, found 0.0",
        ),
        (json!(-1), "expected a positive number of seconds, found -1"),
        (
            json!(-0.5),
            "expected a positive number of seconds, found -0.5",
        ),
        (
            json!("5"),
            "expected a positive number of seconds, found \"5\"",
        ),
        (
            json!(1e-12),
            "expected a positive number of seconds, found 1e-12 (less than a nanosecond)",
        ),
        (
            json!(1e12),
            "expected at most 315576000 seconds (ten years), found 1000000000000.0",
        ),
    ];
    for (value, message) in bad {
        let expected = format!("xsi.reorder_wait_s: {message}");
        assert_one_problem(&with("xsi.reorder_wait_s", value), &expected);
    }
}

#[test]
fn idle_timeout_zero_turns_the_check_off() {
    let idle = |v| load_ok(&with("csta.idle_timeout_s", v)).csta.idle_timeout;
    assert_eq!(idle(json!(0)), Duration::ZERO);
    assert_eq!(idle(json!(0.0)), Duration::ZERO);
    assert_eq!(idle(json!(1.5)), secs(1.5));
    for value in [json!(-1), json!("60"), json!(1e12)] {
        let expected = format!(
            "csta.idle_timeout_s: expected a positive number of seconds, or 0 for off, found {value}"
        );
        assert_one_problem(&with("csta.idle_timeout_s", value), &expected);
    }
}

#[test]
fn integers() {
    let good = [
        ("csta.max_sessions", json!(1)),
        ("csta.max_sessions", json!(1000)),
        ("log.max_bytes", json!(1)),
        ("log.keep", json!(0)),
        ("log.keep", json!(4_294_967_295u64)),
        ("xsi.action_workers", json!(1)),
        ("xsi.action_workers", json!(256)),
        ("xsi.subscription_workers", json!(1)),
        ("xsi.subscription_workers", json!(256)),
    ];
    for (path, value) in good {
        assert_eq!(
            lines(&with(path, value.clone())),
            Vec::<String>::new(),
            "{path} = {value}"
        );
    }
    let bad = [
        (
            "csta.max_sessions",
            json!(0),
            "expected a positive integer, found 0",
        ),
        (
            "csta.max_sessions",
            json!(1.5),
            "expected a positive integer, found 1.5",
        ),
        (
            "csta.max_sessions",
            json!(16.0),
            "expected a positive integer, found 16.0",
        ),
        (
            "csta.max_sessions",
            json!(-1),
            "expected a positive integer, found -1",
        ),
        (
            "log.max_bytes",
            json!(0),
            "expected a positive integer, found 0",
        ),
        (
            "log.keep",
            json!(-1),
            "expected a non-negative integer, found -1",
        ),
        (
            "xsi.action_workers",
            json!(0),
            "expected a positive integer, found 0",
        ),
        (
            "xsi.action_workers",
            json!(257),
            "expected a positive integer no larger than 256, found 257",
        ),
        (
            "xsi.action_workers",
            json!("8"),
            "expected a positive integer, found \"8\"",
        ),
        (
            "xsi.subscription_workers",
            json!(0),
            "expected a positive integer, found 0",
        ),
        (
            "xsi.subscription_workers",
            json!(257),
            "expected a positive integer no larger than 256, found 257",
        ),
        (
            "log.keep",
            json!(1.5),
            "expected a non-negative integer, found 1.5",
        ),
        (
            "log.keep",
            json!(4_294_967_296u64),
            "expected a non-negative integer no larger than 4294967295, found 4294967296",
        ),
    ];
    for (path, value, message) in bad {
        assert_one_problem(&with(path, value), &format!("{path}: {message}"));
    }
}

#[test]
fn integer_values_are_kept() {
    let mut document = with("csta.max_sessions", json!(3));
    set(&mut document, "log.max_bytes", json!(2048));
    set(&mut document, "log.keep", json!(0));
    let config = load_ok(&document);
    assert_eq!(
        (
            config.csta.max_sessions,
            config.log.max_bytes,
            config.log.keep
        ),
        (3, 2048, 0)
    );
}

#[test]
fn editions_and_levels() {
    // Every listed name gives its edition, and every edition is listed.
    for name in EDITIONS {
        let edition = load_ok(&with("csta.edition", json!(name))).csta.edition;
        assert_eq!(edition.name(), name);
    }
    let names: Vec<&str> = Edition::ALL.iter().map(|e| e.name()).collect();
    assert_eq!(names, EDITIONS);
    let levels = [
        ("off", LevelFilter::Off),
        ("error", LevelFilter::Error),
        ("warn", LevelFilter::Warn),
        ("info", LevelFilter::Info),
        ("debug", LevelFilter::Debug),
        ("trace", LevelFilter::Trace),
        ("DEBUG", LevelFilter::Debug),
    ];
    for (text, level) in levels {
        assert_eq!(
            load_ok(&with("log.level", json!(text))).log.level,
            level,
            "{text}"
        );
    }
    let bad = [
        (
            "csta.edition",
            "ed7",
            "expected one of ed2, ed3, ed4, ed5, ed6, found \"ed7\"",
        ),
        (
            "csta.edition",
            "ED3",
            "expected one of ed2, ed3, ed4, ed5, ed6, found \"ED3\"",
        ),
        (
            "csta.edition",
            "",
            "expected one of ed2, ed3, ed4, ed5, ed6, found \"\"",
        ),
        (
            "log.level",
            "verbose",
            "expected one of off, error, warn, info, debug, trace, found \"verbose\"",
        ),
        (
            "log.level",
            "",
            "expected one of off, error, warn, info, debug, trace, found \"\"",
        ),
    ];
    for (path, value, message) in bad {
        assert_one_problem(&with(path, json!(value)), &format!("{path}: {message}"));
    }
}

#[test]
fn strings_that_must_not_be_empty() {
    let cases = [
        ("xsi.username", json!(""), "xsi.username: must not be empty"),
        ("xsi.username", json!("  "), "xsi.username: must not be empty"),
        ("xsi.channel_set_id", json!(""), "xsi.channel_set_id: must not be empty"),
        ("xsi.application_id", json!(""), "xsi.application_id: must not be empty"),
        ("xsi.event_package", json!(""), "xsi.event_package: must not be empty"),
        ("xsi.default_domain", json!(""), "xsi.default_domain: must not be empty"),
        ("xsi.default_domain", json!("@example.net"), "xsi.default_domain: expected a domain name without '@' or spaces, found \"@example.net\""),
        ("xsi.default_domain", json!("a b"), "xsi.default_domain: expected a domain name without '@' or spaces, found \"a b\""),
        ("log.file", json!(""), "log.file: expected a file name, found \"\""),
        ("status_file", json!(""), "status_file: expected a file name, found \"\""),
        ("pid_file", json!("a\u{0}b"), "pid_file: a file name must not contain a NUL character"),
    ];
    for (path, value, expected) in cases {
        assert_one_problem(&with(path, value), expected);
    }
}

#[test]
fn long_values_are_cut_in_messages() {
    let long = "x".repeat(500);
    let problems = lines(&with("csta.edition", json!(long)));
    assert_eq!(problems.len(), 1);
    let expected = format!(
        "csta.edition: expected one of ed2, ed3, ed4, ed5, ed6, found \"{}\"...",
        "x".repeat(60)
    );
    assert_eq!(problems[0], expected);
}

#[test]
fn reconnect_max_not_below_initial() {
    let cases = [
        (json!(5), json!(2), Some("xsi.reconnect_max_s: must not be less than xsi.reconnect_initial_s (5 s), found 2 s")),
        (json!(60), Value::Null, Some("xsi.reconnect_max_s: must not be less than xsi.reconnect_initial_s (60 s), found 30 s (the default)")),
        (json!(0.5), json!(0.25), Some("xsi.reconnect_max_s: must not be less than xsi.reconnect_initial_s (0.5 s), found 0.25 s")),
        (json!(2), json!(2), None),
        (json!(0.1), json!(0.2), None),
        (json!("bad"), json!(0.5), Some("xsi.reconnect_initial_s: expected a positive number of seconds, found \"bad\"")),
    ];
    for (initial, max, expected) in cases {
        let mut document = with("xsi.reconnect_initial_s", initial);
        if !max.is_null() {
            set(&mut document, "xsi.reconnect_max_s", max);
        }
        let expected: Vec<String> = expected.into_iter().map(String::from).collect();
        assert_eq!(lines(&document), expected, "{document}");
    }
}

#[test]
fn devices_lists() {
    let cases = [
        (
            "devices.agents",
            json!("20*"),
            "devices.agents: expected an array, found \"20*\"",
        ),
        (
            "devices.agents",
            json!([20]),
            "devices.agents[0]: expected a string, found 20",
        ),
        (
            "devices.route_points",
            json!(["*"]),
            "devices.route_points[0]: a prefix needs at least one character before `*`",
        ),
        (
            "devices.route_points",
            json!(["6*0"]),
            "devices.route_points[0]: \"6*0\": `*` may only end an entry",
        ),
        (
            "devices.call_centers",
            json!(["5000", "5000"]),
            "devices.call_centers[1]: \"5000\": listed twice",
        ),
        (
            "devices.queues",
            json!(["5000"]),
            "devices.queues: unknown key",
        ),
    ];
    for (path, value, expected) in cases {
        assert_one_problem(&with(path, value), expected);
    }
    let mut document = with("devices.call_centers", json!(["5000"]));
    set(&mut document, "devices.agents", json!(["2001", "5000"]));
    assert_one_problem(
        &document,
        "devices.agents[1]: \"5000\": also listed in devices.call_centers",
    );
}

#[test]
fn feature_packages() {
    use crate::device::FeaturePackage;
    let both = json!(["Call Forwarding Always", "Do Not Disturb"]);
    let config = load_ok(&with("xsi.feature_packages", both));
    assert_eq!(
        config.xsi.feature_packages,
        [
            FeaturePackage::CallForwardingAlways,
            FeaturePackage::DoNotDisturb
        ]
    );
    assert!(load_ok(&without("xsi.feature_packages"))
        .xsi
        .feature_packages
        .is_empty());
    let cases = [
        (
            json!(["do not disturb"]),
            "xsi.feature_packages[0]: unknown package \"do not disturb\"; expected one of \"Do Not Disturb\", \"Call Forwarding Always\"",
        ),
        (
            json!(["Do Not Disturb", "Do Not Disturb"]),
            "xsi.feature_packages[1]: \"Do Not Disturb\" is listed twice",
        ),
        (json!([1]), "xsi.feature_packages[0]: expected a string, found 1"),
        (
            json!("Do Not Disturb"),
            "xsi.feature_packages: expected an array, found \"Do Not Disturb\"",
        ),
    ];
    for (value, expected) in cases {
        assert_one_problem(&with("xsi.feature_packages", value), expected);
    }
}

#[test]
fn treatment_audio_urls() {
    const KEY: &str = "devices.treatment_audio_urls";
    let good = json!([
        "http://m.example.net/a.wav",
        "HTTPS://m/b.wav?x=1",
        "http://[::1]:8080/c"
    ]);
    let config = load_ok(&with(KEY, good));
    assert_eq!(
        config.devices.treatment_audio_urls,
        [
            "http://m.example.net/a.wav",
            "HTTPS://m/b.wav?x=1",
            "http://[::1]:8080/c"
        ]
    );
    assert!(config.devices.is_empty(), "URLs list no device");
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!("http://a/b"), vec!["devices.treatment_audio_urls: expected an array, found \"http://a/b\""]),
        (json!([]), vec!["devices.treatment_audio_urls: expected 1 to 4 URLs, found 0"]),
        (
            json!(["http://a/1", "http://a/2", "http://a/3", "http://a/4", "http://a/5"]),
            vec!["devices.treatment_audio_urls: expected 1 to 4 URLs, found 5"],
        ),
        (
            json!(["ftp://a/2", 3, "http:///x", "http://a/ b"]),
            vec![
                "devices.treatment_audio_urls[0]: \"ftp://a/2\": not an http(s) URL",
                "devices.treatment_audio_urls[1]: expected a string, found 3",
                "devices.treatment_audio_urls[2]: \"http:///x\": URL has no host",
                "devices.treatment_audio_urls[3]: \"http://a/ b\": a URL must not contain spaces or control characters",
            ],
        ),
        (json!(["welcome.wav"]), vec!["devices.treatment_audio_urls[0]: \"welcome.wav\": not an http(s) URL"]),
    ];
    for (value, expected) in cases {
        let document = with(KEY, value);
        assert_eq!(lines(&document), expected, "{document}");
    }
}
