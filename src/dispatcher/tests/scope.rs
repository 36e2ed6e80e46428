//! The per-client device scope (`csta.clients`): every request kind naming
//! a device outside the client's devices is refused with a privilege
//! violation and makes no Xsi request (nor a subscription); `control:
//! false` leaves monitoring, snapshots and queries; a session without an
//! entry is not limited; a route point outside the scope of a session
//! registered for all route points never reaches it; events reach a
//! session only for devices it monitors.

use super::*;
use crate::csta::parse::samples::{numbered, Names, READ_ONLY_REQUESTS, SESSION_REQUESTS};

const SPECIFIED: &str = "CSTAErrorCode operation/privilegeViolationSpecifiedDevice";
const CALLING: &str = "CSTAErrorCode operation/privilegeViolationCallingDevice";

/// A `csta.clients` entry with `devices`.
fn client(devices: &[&str], control: bool) -> ClientEntry {
    ClientEntry {
        name: "tserver-a".to_owned(),
        allow: Vec::new(),
        certificate_cn: None,
        devices: devices
            .iter()
            .map(|d| match d.strip_suffix('*') {
                Some(prefix) => DevicePattern::Prefix(prefix.to_owned()),
                None => DevicePattern::Exact((*d).to_owned()),
            })
            .collect(),
        control,
        max_sessions: 4,
    }
}

impl Harness {
    /// Sends every sample request naming `names` as client `id` (but the
    /// ECMA-354 session requests, which name no device and are answered
    /// outside the ed3 schema); returns, per request, its root, its number
    /// among the samples of that root, and the answer to its invoke id
    /// (empty when it has none yet).
    fn every_request(&mut self, id: u64, names: &Names<'_>) -> Vec<(&'static str, usize, String)> {
        let mut answers = Vec::new();
        let ecma354 = [
            "StartApplicationSession",
            "StopApplicationSession",
            "ResetApplicationSessionTimer",
        ];
        let samples = numbered(names).into_iter().enumerate();
        for (n, (root, index, body)) in samples.filter(|(_, (root, ..))| !ecma354.contains(root)) {
            let invoke = u16::try_from(n + 100).expect("few samples");
            self.request(id, invoke, root, &body);
            let tag = format!("#{:04} ", invoke);
            let answer = self
                .frames(id)
                .into_iter()
                .find_map(|f| f.strip_prefix(&tag).map(str::to_owned))
                .unwrap_or_default();
            answers.push((root, index, answer));
        }
        answers
    }
}

/// The answer each request kind naming the out-of-scope device gets.
fn refused(root: &str, index: usize) -> Option<&'static str> {
    match root {
        "MakeCall" => Some(CALLING),
        "MonitorStart"
        | "SnapshotDevice"
        | "GetAgentState"
        | "AnswerCall"
        | "ClearConnection"
        | "ClearCall"
        | "HoldCall"
        | "RetrieveCall"
        | "ConsultationCall"
        | "TransferCall"
        | "SingleStepTransferCall"
        | "ConferenceCall"
        | "ReconnectCall"
        | "AlternateCall"
        | "DeflectCall"
        | "GenerateDigits"
        | "SetDoNotDisturb"
        | "SetForwarding"
        | "SetAgentState"
        | "PlayMessage"
        | "GetDoNotDisturb"
        | "GetForwarding"
        | "SnapshotCall"
        | "DirectedPickupCall"
        | "GroupPickupCall"
        | "ParkCall"
        | "IntrudeCall"
        | "RecordMessage"
        | "Suspend"
        | "Resume"
        | "Stop" => Some(SPECIFIED),
        // For one route point (the first sample), not for all.
        "RouteRegister" if index == 0 => Some(SPECIFIED),
        _ => None,
    }
}

#[test]
fn every_request_kind_naming_a_device_outside_the_scope_is_refused_without_xsi() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect_as(1, client(&["20*"], true));
    h.frames(1);
    // 3999 is out of scope; the destination 2002 is in (it is not checked).
    for (root, index, answer) in h.every_request(1, &Names::new("3999", "3999", "2002")) {
        match refused(root, index) {
            Some(want) => assert_eq!(answer, want, "{root} #{index}"),
            None => assert!(!answer.contains("privilegeViolation"), "{root}: {answer}"),
        }
    }
    assert_eq!(h.jobs(), Vec::<String>::new(), "no subscription");
    assert_eq!(h.actions(), [], "no Xsi-Actions");
    // Only the second connection (or the requesting device) out of scope:
    // refused all the same.
    for (root, _, answer) in h.every_request(1, &Names::new("2001", "3999", "2002")) {
        if [
            "TransferCall",
            "ConferenceCall",
            "ReconnectCall",
            "AlternateCall",
            "DirectedPickupCall",
            "IntrudeCall",
        ]
        .contains(&root)
        {
            assert_eq!(answer, SPECIFIED, "{root}");
        }
    }
    assert_eq!(h.actions(), []);
    // In scope: past the scope check, to the checks that follow (whether
    // the device is monitored, which its MonitorStart just made it); the
    // numbers to reach (3999: called, transfer, forwarding, parkTo) are
    // not checked.
    for (root, _, answer) in h.every_request(1, &Names::new("2001", "2001", "3999")) {
        assert!(!answer.contains("privilegeViolation"), "{root}: {answer}");
    }
}

#[test]
fn user_ids_of_another_domain_are_outside_a_local_prefix() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect_as(1, client(&["20*"], true));
    h.frames(1);
    h.monitor_start(1, 1, "2001@other.example.com");
    h.monitor_start(1, 2, "2001@EXAMPLE.NET");
    let frames = h.frames(1);
    assert_eq!(
        frames.first().map(String::as_str),
        Some(&*format!("#0001 {SPECIFIED}"))
    );
    assert_eq!(h.jobs(), ["create 2001@EXAMPLE.NET"]);
}

#[test]
fn a_client_without_control_may_monitor_snapshot_and_query_only() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect_as(1, client(&["20*", "6000"], false));
    h.frames(1);
    for (root, _, answer) in h.every_request(1, &Names::new("2001", "2001", "2002")) {
        let allowed = SESSION_REQUESTS.contains(&root) || READ_ONLY_REQUESTS.contains(&root);
        if !allowed {
            assert_eq!(answer, SPECIFIED, "{root}");
        } else {
            assert!(!answer.contains("privilegeViolation"), "{root}: {answer}");
        }
    }
    assert_eq!(h.actions(), []);
    // Its MonitorStart did go ahead.
    assert_eq!(h.jobs(), ["create 2001@example.net"]);
}

#[test]
fn a_session_without_an_entry_is_not_limited() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect(1);
    h.frames(1);
    for (root, _, answer) in h.every_request(1, &Names::new("3999", "3999", "2002")) {
        assert!(!answer.contains("privilegeViolation"), "{root}: {answer}");
    }
}

#[test]
fn a_registration_for_every_route_point_covers_those_in_scope_only() {
    let mut h = Harness::new(1);
    h.up(0);
    // Client 1 monitors route point 6000 (unscoped); client 2 routes for
    // every route point of its devices, which leave 6000 out.
    h.connect(1);
    h.monitor_start(1, 1, "6000");
    h.created_package("6000", "Route Point Queue", "rp-sub");
    h.connect_as(2, client(&["20*"], true));
    h.request(2, 1, "RouteRegister", "");
    assert_eq!(
        h.frames(2),
        ["#0001 RouteRegisterResponse rr1", "SystemStatus normal"]
    );
    h.frames(1);
    h.rp_event("RoutePointCallAddedEvent", 40);
    assert_eq!(h.frames(2), Vec::<String>::new(), "not in its scope");
    assert_eq!(h.frames(1), ["DeliveredEvent xref=1 call=40:1"]);
    // A client whose devices hold 6000 gets the call waiting there.
    h.connect_as(3, client(&["6*"], true));
    h.request(3, 1, "RouteRegister", "");
    assert_eq!(
        h.frames(3),
        [
            "#0001 RouteRegisterResponse rr2",
            "SystemStatus normal",
            "RouteRequest 1 rr2 call=40:1 from=2005",
        ]
    );
    // And the call's RouteEnd goes to that client only.
    h.rp_event("RoutePointCallReleasedEvent", 40);
    assert_eq!(h.frames(3), ["RouteEnd 1"]);
    assert_eq!(h.frames(2), Vec::<String>::new());
}

#[test]
fn events_reach_a_scoped_session_only_for_its_own_monitors() {
    let mut h = Harness::new(1);
    h.up(0);
    h.connect_as(1, client(&["2001"], true));
    h.connect(2);
    h.monitor_start(1, 1, "2001");
    h.created("2001", "sub-2001");
    // Its MonitorStart of a device of another client is refused and
    // subscribes nothing; that client's calls never reach it.
    h.monitor_start(1, 2, "2002");
    h.monitor_start(2, 1, "2002");
    h.created("2002", "sub-2002");
    assert_eq!(
        h.frames(1),
        [
            "#0001 MonitorStartResponse 1",
            "SystemStatus normal",
            &format!("#0002 {SPECIFIED}")
        ]
    );
    h.frames(2);
    h.call_received("sub-2002", "2002", 9);
    assert_eq!(h.frames(1), Vec::<String>::new());
    assert_eq!(h.frames(2), ["DeliveredEvent xref=2 call=9:1"]);
    h.call_received("sub-2001", "2001", 8);
    assert_eq!(h.frames(1), ["DeliveredEvent xref=1 call=8:1"]);
    // The status file names the client.
    let doc = h.st.status_doc();
    let names: Vec<Option<&str>> = doc.csta.iter().map(|c| c.client.as_deref()).collect();
    assert_eq!(names, [Some("tserver-a"), None]);
}

#[test]
fn a_client_without_control_reads_the_features_of_its_devices_but_changes_nothing() {
    use crate::xsi::actions::Returned;
    let mut h = Harness::new(1);
    h.up(0);
    h.connect_as(1, client(&["2001"], false));
    h.monitor_start(1, 1, "2001");
    h.created("2001", "sub-2001");
    h.call_received("sub-2001", "2001", 7);
    h.frames(1);
    let samples = numbered(&Names::new("2001", "2001", "2002"));
    let roots = [
        "GetDoNotDisturb",
        "GetForwarding",
        "SnapshotCall",
        "DirectedPickupCall",
        "GroupPickupCall",
        "ParkCall",
        "IntrudeCall",
        "RecordMessage",
        "Suspend",
        "Resume",
        "Stop",
    ];
    for (invoke, root) in (2..).zip(roots) {
        let (.., body) = samples.iter().find(|(r, ..)| *r == root).expect(root);
        h.request(1, invoke, root, body);
    }
    // The two queries take their turns on the device; nothing else reaches
    // BroadWorks.
    let user = "GET /com.broadsoft.xsi-actions/v2.0/user/2001@example.net/services";
    let returned = [
        Returned::DoNotDisturb(true),
        Returned::Forwarding {
            active: true,
            forward_to: Some("2009".to_owned()),
        },
    ];
    for (expected, returned) in ["DoNotDisturb", "CallForwardingAlways"]
        .iter()
        .zip(returned)
    {
        let [(id, steps)] = &h.actions()[..] else {
            panic!("one job at a time");
        };
        assert_eq!(steps, &[format!("{user}/{expected}")]);
        h.result(*id, Ok(returned));
    }
    assert_eq!(h.actions(), []);
    // The snapshot at once, the control requests refused at once, the
    // queries once BroadWorks answered.
    let mut expected = vec!["#0004 SnapshotCallResponse".to_owned()];
    expected.extend((5..=12).map(|invoke| format!("#{invoke:04} {SPECIFIED}")));
    expected.extend(
        [
            "#0002 GetDoNotDisturbResponse",
            "#0003 GetForwardingResponse",
        ]
        .map(String::from),
    );
    assert_eq!(h.frames(1), expected);
}
