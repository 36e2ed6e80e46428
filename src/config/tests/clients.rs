//! `csta.clients`: entries, their defaults, and every problem each key can have.

use super::*;

fn clients(value: Value) -> Value {
    with("csta.clients", value)
}

#[test]
fn entries_with_their_defaults_in_order() {
    let mut document = clients(json!([
        { "name": "tserver-a", "allow": ["10.20.0.5"], "devices": ["20*", "5000"] },
        { "name": "wallboard", "allow": ["10.30.0.0/24"], "devices": ["5000"],
          "control": false, "max_sessions": 2 },
        { "name": "anywhere", "devices": ["sales@example.net"] }
    ]));
    set(&mut document, "csta.max_sessions", json!(8));
    let config = load_ok(&document);
    let entries = &config.csta.clients;
    let names: Vec<&str> = entries.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["tserver-a", "wallboard", "anywhere"]);
    let first = &entries[0];
    assert_eq!(first.allow, [IpNet::parse("10.20.0.5").unwrap()]);
    assert_eq!(first.certificate_cn, None);
    assert_eq!(
        first.devices,
        [
            DevicePattern::Prefix("20".into()),
            DevicePattern::Exact("5000".into())
        ]
    );
    assert!(first.control);
    assert_eq!(first.max_sessions, 8, "csta.max_sessions by default");
    assert!(!entries[1].control);
    assert_eq!(entries[1].max_sessions, 2);
    assert!(entries[2].allow.is_empty(), "every address");
    assert!(load_ok(&minimal()).csta.clients.is_empty());
}

#[test]
fn every_problem_with_its_path() {
    let entry = |extra: Value| {
        let mut e = json!({ "name": "a", "devices": ["2001"] });
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        e
    };
    let cases: Vec<(Value, &str)> =
        vec![
        (json!({}), "csta.clients: expected an array, found an object"),
        (
            json!([]),
            "csta.clients: expected at least one client (leave csta.clients out to serve every \
             client)",
        ),
        (json!(["a"]), "csta.clients[0]: expected an object, found \"a\""),
        (json!([{ "devices": ["1"] }]), "csta.clients[0].name: missing"),
        (
            json!([entry(json!({ "name": " " }))]),
            "csta.clients[0].name: must not be empty",
        ),
        (json!([{ "name": "a" }]), "csta.clients[0].devices: missing"),
        (
            json!([entry(json!({ "devices": [] }))]),
            "csta.clients[0].devices: must not be empty (leave it out, or list at least one)",
        ),
        (
            json!([entry(json!({ "devices": ["1", "6*1"] }))]),
            "csta.clients[0].devices[1]: \"6*1\": `*` may only end an entry",
        ),
        (
            json!([entry(json!({ "allow": [] }))]),
            "csta.clients[0].allow: must not be empty (leave it out, or list at least one)",
        ),
        (
            json!([entry(json!({ "allow": ["10.0.0.1", "nowhere"] }))]),
            "csta.clients[0].allow[1]: not an IP address or CIDR block: \"nowhere\"",
        ),
        (
            json!([entry(json!({ "certificate_cn": "a.example.net" }))]),
            "csta.clients[0].certificate_cn: needs csta.tls.client_ca_file: a common name is \
             only known from a verified client certificate",
        ),
        (
            json!([entry(json!({ "control": "no" }))]),
            "csta.clients[0].control: expected true or false, found \"no\"",
        ),
        (
            json!([entry(json!({ "max_sessions": 0 }))]),
            "csta.clients[0].max_sessions: expected a positive integer, found 0",
        ),
        (
            json!([entry(json!({ "devicez": ["1"] }))]),
            "csta.clients[0].devicez: unknown key",
        ),
        (
            json!([entry(json!({})), entry(json!({}))]),
            "csta.clients[1].name: duplicate name \"a\"",
        ),
    ];
    for (value, expected) in cases {
        assert_one_problem(&clients(value), expected);
    }
}
