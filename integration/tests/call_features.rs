//! The feature requests of README "Call control" end to end: each request
//! becomes its Xsi-Actions at the simulator (method, path, query checked),
//! is answered once the XSP accepted it, and the calls it changes come back
//! as events; then the errors of every request (device not monitored, call
//! unknown, Xsi 4xx, 5xx, timeout). Every answer and event the client gets
//! passes the ECMA-323 ed3 schema checker.

mod common;

use std::time::Duration;

use bwcsta::csta::parse::Message;
use bwcsta_integration::client::{CstaClient, Received};
use bwcsta_integration::schema::ecma::{self, ED3};
use bwcsta_integration::sim::{SimStats, Simulator, SubscriptionInfo};
use common::*;

const U1: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net";
const U3: &str = "/com.broadsoft.xsi-actions/v2.0/user/2003@example.net";

/// One client monitoring `devices`, with their cross-ref ids.
fn session(rig: &Rig, devices: &[&str]) -> (CstaClient, Vec<String>) {
    let mut c =
        CstaClient::connect(rig.bw.csta, bwcsta::csta::edition::Edition::Ed3).expect("connect");
    let x = monitor(&mut c, devices);
    (c, x)
}

/// `line` must be answered with `root`, schema-valid.
fn answered(c: &mut CstaClient, line: &str, root: &str) -> Received {
    let r = ok(c, line, root);
    valid(&r.xml);
    r
}

fn valid(xml: &str) {
    assert_eq!(ecma::load(ED3).check(xml), Ok(()), "{xml}");
}

/// The next event `name` for monitor `xref`.
fn event_at(c: &mut CstaClient, name: &str, xref: &str) -> bwcsta::csta::parse::EventInfo {
    wait_event(c, name, Some(xref), None)
}

/// The error `line` is answered with: (category, value), schema-valid.
fn error_of(c: &mut CstaClient, line: &str) -> (String, String) {
    let r = send(c, line);
    valid(&r.xml);
    match r.message {
        Message::ErrorCode { category, value } => (category, value),
        _ => panic!("{line}: expected an error, got {}", r.xml),
    }
}

/// A call 2001 → 2002, answered.
fn talking(sim: &Simulator, c: &mut CstaClient, xref: &str) {
    let call = sim.call("2001", "2002");
    sim.answer(call);
    event_at(c, "EstablishedEvent", xref);
}

#[test]
fn device_queries_read_what_was_set() {
    let rig = rig("cf-queries", |_| {});
    let (mut a, _) = session(&rig, &["2001"]);
    let mut xsi = Actions::new(&rig.sim);
    let r = answered(&mut a, "getdnd 2001", "GetDoNotDisturbResponse");
    assert!(
        r.xml.contains("<doNotDisturbOn>false</doNotDisturbOn>"),
        "{}",
        r.xml
    );
    xsi.expect(&[("GET", format!("{U1}/services/DoNotDisturb"), "", 200)]);
    ok(&mut a, "dnd 2001 on", "SetDoNotDisturbResponse");
    let r = answered(&mut a, "getdnd 2001", "GetDoNotDisturbResponse");
    assert!(
        r.xml.contains("<doNotDisturbOn>true</doNotDisturbOn>"),
        "{}",
        r.xml
    );
    ok(&mut a, "forward 2001 2009", "SetForwardingResponse");
    xsi.take();
    let r = answered(&mut a, "getforward 2001", "GetForwardingResponse");
    assert!(
        r.xml.contains(
            "<forwardingType>forwardImmediate</forwardingType><forwardStatus>true</forwardStatus>\
             <forwardDN>2009</forwardDN>"
        ),
        "{}",
        r.xml
    );
    xsi.expect(&[(
        "GET",
        format!("{U1}/services/CallForwardingAlways"),
        "",
        200,
    )]);
}

#[test]
fn snapshot_call_is_answered_from_the_call_model() {
    let rig = rig("cf-snapshot", |_| {});
    let (mut c, x) = session(&rig, &["2001", "2002"]);
    let mut xsi = Actions::new(&rig.sim);
    talking(&rig.sim, &mut c, &x[0]);
    event_at(&mut c, "EstablishedEvent", &x[1]);
    let r = answered(&mut c, "snapshotcall 1:1", "SnapshotCallResponse");
    for device in ["2001", "2002"] {
        let item = format!(
            "<deviceOnCall><deviceIdentifier>{device}</deviceIdentifier></deviceOnCall>\
             <callIdentifier><callID>1:1</callID><deviceID>{device}</deviceID></callIdentifier>\
             <localConnectionInfo>connected</localConnectionInfo>"
        );
        assert!(r.xml.contains(&item), "{device}: {}", r.xml);
    }
    xsi.none();
}

#[test]
fn directed_and_group_pickup() {
    let rig = rig("cf-pickup", |_| {});
    let (mut c, x) = session(&rig, &["2001", "2002", "2003"]);
    let mut xsi = Actions::new(&rig.sim);
    rig.sim.call("2004", "2002");
    event_at(&mut c, "DeliveredEvent", &x[1]);
    let r = answered(&mut c, "pickup 1:1 2002 2001", "DirectedPickupCallResponse");
    assert!(
        r.xml
            .contains("<pickedCall><callID>1:1</callID><deviceID>2001</deviceID></pickedCall>"),
        "{}",
        r.xml
    );
    xsi.expect(&[(
        "POST",
        format!("{U1}/calls/DirectedCallPickup"),
        "address=2002",
        201,
    )]);
    // The call leaves the device it rang at; the picker has it.
    let e = event_at(&mut c, "DivertedEvent", &x[1]);
    assert_eq!(e.cause.as_deref(), Some("callPickup"));
    assert_eq!(e.local_connection_info.as_deref(), Some("null"));
    assert_eq!(call_of(&e), Some("1:1"));
    assert_eq!(device(&e, "divertingDevice"), Some("2002"));
    let e = event_at(&mut c, "EstablishedEvent", &x[0]);
    assert_eq!(call_of(&e), Some("1:1"));
    // A group pickup of a call ringing at 2002 again.
    rig.sim.call("2005", "2002");
    event_at(&mut c, "DeliveredEvent", &x[1]);
    let r = answered(&mut c, "grouppickup 2003", "GroupPickupCallResponse");
    assert!(
        r.xml
            .contains("<callID>2:1</callID><deviceID>2003</deviceID>"),
        "{}",
        r.xml
    );
    xsi.expect(&[("POST", format!("{U3}/calls/CallPickup"), "", 201)]);
    event_at(&mut c, "EstablishedEvent", &x[2]);
}

#[test]
fn park_and_retrieve() {
    let rig = rig("cf-park", |_| {});
    let (mut c, x) = session(&rig, &["2001", "2002", "2003"]);
    let mut xsi = Actions::new(&rig.sim);
    talking(&rig.sim, &mut c, &x[0]);
    answered(&mut c, "park 1:1 2001 2009", "ParkCallResponse");
    xsi.expect(&[(
        "PUT",
        format!("{U1}/calls/callhalf-1001:0/Park"),
        "address=2009",
        200,
    )]);
    // The parking side sees the call cleared, the parked one held.
    event_at(&mut c, "ConnectionClearedEvent", &x[0]);
    event_at(&mut c, "HeldEvent", &x[1]);
    assert_eq!(rig.sim.stats().parked.get("2009"), Some(&1));
    // 2003 retrieves it at its phone.
    rig.sim.park_retrieve("2003", "2009").expect("parked there");
    let e = event_at(&mut c, "RetrievedEvent", &x[2]);
    assert_eq!(e.cause.as_deref(), Some("park"));
    event_at(&mut c, "RetrievedEvent", &x[1]);
    // Without parkTo: the group park.
    answered(&mut c, "park 1:1 2003", "ParkCallResponse");
    xsi.expect(&[(
        "PUT",
        format!("{U3}/calls/callhalf-1003:0/GroupCallPark"),
        "",
        200,
    )]);
}

#[test]
fn intrude_joins_the_call() {
    let rig = rig("cf-intrude", |_| {});
    let (mut c, x) = session(&rig, &["2001", "2002", "2003"]);
    let mut xsi = Actions::new(&rig.sim);
    talking(&rig.sim, &mut c, &x[0]);
    answered(&mut c, "intrude 1:1 2002 2003", "IntrudeCallResponse");
    xsi.expect(&[(
        "POST",
        format!("{U3}/calls/DirectedCallPickupBargeIn"),
        "address=2002",
        201,
    )]);
    let e = event_at(&mut c, "ConferencedEvent", &x[2]);
    assert_eq!(e.cause.as_deref(), Some("intrude"));
    // A session with one other device: that one is the requesting device.
    let (mut s, _) = session(&rig, &["2001", "2004"]);
    answered(&mut s, "intrude 1:1 2001", "IntrudeCallResponse");
    let got = xsi.take();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        got[0].path,
        "/com.broadsoft.xsi-actions/v2.0/user/2004@example.net/calls/DirectedCallPickupBargeIn"
    );
}

#[test]
fn recording_started_paused_resumed_stopped() {
    let rig = rig("cf-record", |_| {});
    let (mut c, x) = session(&rig, &["2001"]);
    let mut xsi = Actions::new(&rig.sim);
    talking(&rig.sim, &mut c, &x[0]);
    let r = answered(&mut c, "record 1:1 2001", "RecordMessageResponse");
    assert!(
        r.xml
            .contains("<resultingMessage>rec-1:1</resultingMessage>"),
        "{}",
        r.xml
    );
    answered(&mut c, "suspend 1:1 2001", "SuspendResponse");
    answered(&mut c, "resume 1:1 2001", "ResumeResponse");
    answered(&mut c, "stop 1:1 2001", "StopResponse");
    let leg = format!("{U1}/calls/callhalf-1001:0");
    xsi.expect(&[
        ("PUT", format!("{leg}/Record"), "", 200),
        ("PUT", format!("{leg}/PauseRecording"), "", 200),
        ("PUT", format!("{leg}/ResumeRecording"), "", 200),
        ("PUT", format!("{leg}/StopRecording"), "", 200),
    ]);
    // Each change came back as its event, on the recorded connection.
    for (name, cause) in [
        ("RecordEvent", None),
        ("SuspendRecordEvent", None),
        ("RecordEvent", None),
        ("StopEvent", Some("normalClearing")),
    ] {
        let e = event_at(&mut c, name, &x[0]);
        let conn = e.connection.as_ref().map(|(_, c)| c);
        assert_eq!(conn.and_then(|c| c.device_id.as_deref()), Some("2001"));
        assert_eq!(call_of(&e), Some("1:1"), "{name}");
        assert_eq!(e.cause.as_deref(), cause, "{name}");
    }
    // Nothing to stop any more: BroadWorks refuses.
    refused(
        &mut c,
        "stop 1:1 2001",
        "stateIncompatibility",
        "invalidObjectState",
    );
    xsi.expect(&[("PUT", format!("{leg}/StopRecording"), "", 400)]);
}

/// The subscriptions of `user` (packages, sorted), active ones only.
fn packages_of(sim: &Simulator, user: &str) -> Vec<String> {
    let mut packages: Vec<String> = sim
        .stats()
        .active_subscriptions()
        .filter(|s| s.user_id == user)
        .map(|s| s.event.clone())
        .collect();
    packages.sort();
    packages
}

/// The active `Do Not Disturb` subscription of 2001 that `pred` accepts.
fn dnd_subscription(stats: &SimStats, pred: impl Fn(&SubscriptionInfo) -> bool) -> Option<String> {
    stats
        .active_subscriptions()
        .find(|s| s.user_id == "2001@example.net" && s.event == "Do Not Disturb" && pred(s))
        .map(|s| s.id.clone())
}

#[test]
fn feature_packages_are_subscribed_for_users_and_agents_and_reported() {
    let sim = sim_short_subscriptions();
    sim.add_call_center("5000", &["2002"]);
    let rig = rig_with(sim, "cf-packages", |config| {
        config["xsi"]["feature_packages"] =
            serde_json::json!(["Do Not Disturb", "Call Forwarding Always"]);
        config["devices"] = serde_json::json!({ "call_centers": ["5000"], "agents": ["2002"] });
    });
    let sim = &rig.sim;
    let (mut c, x) = session(&rig, &["2001", "2002", "5000"]);
    let user = ["Advanced Call", "Call Forwarding Always", "Do Not Disturb"];
    assert_eq!(packages_of(sim, "2001@example.net"), user);
    let agent = [
        "Advanced Call",
        "Call Center Agent",
        "Call Forwarding Always",
        "Do Not Disturb",
    ];
    assert_eq!(packages_of(sim, "2002@example.net"), agent);
    assert_eq!(packages_of(sim, "5000@example.net"), ["Call Center Queue"]);
    // A change of the settings, by bwcsta or at the phone, is reported.
    ok(&mut c, "dnd 2001 on", "SetDoNotDisturbResponse");
    let e = event_at(&mut c, "DoNotDisturbEvent", &x[0]);
    assert_eq!(device(&e, "device"), Some("2001"));
    ok(&mut c, "forward 2002 2009", "SetForwardingResponse");
    let e = event_at(&mut c, "ForwardingEvent", &x[1]);
    assert_eq!(device(&e, "device"), Some("2002"));
    // Refreshed like the others (granted 2 s: refreshed every second).
    let refreshed = sim.wait_for(T, |s| dnd_subscription(s, |x| x.refreshes > 0).is_some());
    assert!(refreshed, "{:?}", sim.stats().subscriptions);
    // Re-created when BroadWorks drops it.
    let old = dnd_subscription(&sim.stats(), |_| true).expect("DND subscription");
    assert_eq!(delete_subscription(sim, &old), 200);
    let recreated = sim.wait_for(T, |s| dnd_subscription(s, |x| x.id != old).is_some());
    assert!(recreated, "{:?}", sim.stats().subscriptions);
    ok(&mut c, "dnd 2001 off", "SetDoNotDisturbResponse");
    event_at(&mut c, "DoNotDisturbEvent", &x[0]);
    // Deleted with the monitors (after the grace period, short here).
    drop(c);
    let gone = sim.wait_for(Duration::from_secs(15), |s| {
        s.active_subscriptions().count() == 0
    });
    assert!(gone, "{:?}", sim.stats().subscriptions);
}

#[test]
fn reconnect_is_one_request_where_the_xsp_has_it() {
    let rig = rig("cf-reconnect", |_| {});
    let (mut c, x) = session(&rig, &["2001"]);
    let mut xsi = Actions::new(&rig.sim);
    talking(&rig.sim, &mut c, &x[0]);
    ok(&mut c, "hold 1:1 2001", "HoldCallResponse");
    let second = rig.sim.call("2003", "2001");
    rig.sim.answer(second);
    wait_event(&mut c, "EstablishedEvent", Some(&x[0]), Some("2:1"));
    xsi.take();
    answered(&mut c, "reconnect 2:1 1:1 2001", "ReconnectCallResponse");
    xsi.expect(&[(
        "PUT",
        format!("{U1}/calls/callhalf-1001:0/Reconnect"),
        "",
        200,
    )]);
    wait_event(&mut c, "ConnectionClearedEvent", Some(&x[0]), Some("2:1"));
    wait_event(&mut c, "RetrievedEvent", Some(&x[0]), Some("1:1"));
}

/// A request line, the same request naming a device the session does not
/// monitor, and (for those on a call) naming a call the model does not
/// know, with the error that gets.
type Request = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

/// Every feature request with an Xsi request.
const REQUESTS: &[Request] = &[
    ("getdnd 2001", "getdnd 2003", None),
    ("getforward 2001", "getforward 2003", None),
    (
        "pickup 1:1 2002 2001",
        "pickup 1:1 2002 2003",
        Some(("pickup 9:1 2002 2001", "invalidConnectionID")),
    ),
    ("grouppickup 2001", "grouppickup 2003", None),
    (
        "park 1:1 2001 2009",
        "park 1:1 2003 2009",
        Some(("park 9:1 2001 2009", "invalidConnectionID")),
    ),
    (
        "intrude 1:1 2002 2001",
        "intrude 1:1 2002 2003",
        Some(("intrude 9:1 2002 2001", "invalidConnectionID")),
    ),
    (
        "record 1:1 2001",
        "record 1:1 2003",
        Some(("record 9:1 2001", "invalidConnectionID")),
    ),
    (
        "suspend 1:1 2001",
        "suspend 1:1 2003",
        Some(("suspend 9:1 2001", "invalidConnectionID")),
    ),
    (
        "resume 1:1 2001",
        "resume 1:1 2003",
        Some(("resume 9:1 2001", "invalidConnectionID")),
    ),
    (
        "stop 1:1 2001",
        "stop 1:1 2003",
        Some(("stop 9:1 2001", "invalidConnectionID")),
    ),
    (
        "reconnect 2:1 1:1 2001",
        "reconnect 2:1 1:1 2003",
        Some(("reconnect 2:1 9:1 2001", "invalidConnectionID")),
    ),
];

#[test]
fn every_feature_request_fails_as_the_spec_says() {
    let rig = rig("cf-errors", |c| c["xsi"]["request_timeout_s"] = 0.5.into());
    let (mut c, x) = session(&rig, &["2001", "2002"]);
    let sim = &rig.sim;
    let mut xsi = Actions::new(sim);
    talking(sim, &mut c, &x[0]);
    let second = sim.call("2001", "2004");
    sim.answer(second);
    wait_event(&mut c, "EstablishedEvent", Some(&x[0]), Some("2:1"));
    xsi.take();
    // Refused at once, no Xsi request: a device not monitored, a call not
    // known (SnapshotCall included).
    let snapshot = [
        ("snapshotcall 1:1 2003", "invalidDeviceID"),
        ("snapshotcall 9:1", "invalidCallID"),
    ];
    let at_once = REQUESTS
        .iter()
        .map(|(_, other, _)| (*other, "invalidDeviceID"))
        .chain(REQUESTS.iter().filter_map(|(_, _, unknown)| *unknown))
        .chain(snapshot);
    for (line, value) in at_once {
        let got = error_of(&mut c, line);
        assert_eq!(got, ("operation".into(), value.into()), "{line}");
    }
    xsi.none();
    // What BroadWorks says: a 4xx, a 5xx, no answer in time (the XSP
    // answers 500 after the timeout, having done nothing).
    let state = ("stateIncompatibility".into(), "invalidObjectState".into());
    let out = (
        "systemResourceAvailibility".into(),
        "resourceOutOfService".into(),
    );
    for (line, _, _) in REQUESTS {
        sim.fail_actions(0, 400, 1);
        assert_eq!(error_of(&mut c, line), state, "{line}: 4xx");
        sim.fail_actions(0, 500, 1);
        assert_eq!(error_of(&mut c, line), out, "{line}: 5xx");
        sim.delay_actions(0, Duration::from_millis(800));
        sim.fail_actions(0, 500, 1);
        assert_eq!(error_of(&mut c, line), out, "{line}: timeout");
        sim.delay_actions(0, Duration::ZERO);
        let done = sim.wait_for(T, |s| s.actions.len() >= xsi.seen + 3);
        assert!(done, "{line}: {:?}", sim.stats().actions);
        let got = xsi.take();
        let statuses: Vec<(usize, u16)> = got.iter().map(|a| (a.xsp, a.status)).collect();
        assert_eq!(statuses, [(0, 400), (0, 500), (0, 500)], "{line}");
    }
}
