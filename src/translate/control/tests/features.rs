//! The feature requests against the session and model of the call-control
//! tests: the Xsi requests planned, the errors answered at once, the
//! answers built (and schema-checked).

use super::*;
use crate::csta::build::{Pickup, SnapshotCallItem};
use crate::csta::schema_check::{self, ED3};

fn snapshot_item(device: Option<&str>, call: &str, state: &'static str) -> SnapshotCallItem {
    SnapshotCallItem {
        device: device.map(str::to_owned),
        call_id: call.into(),
        state,
    }
}

#[test]
fn feature_requests_become_xsi_actions() {
    use Message as M;
    let ack = |a| Reply::Ack(a);
    let cases: Vec<(M, Outcome)> = vec![
        (
            M::GetDoNotDisturb {
                device: "2001".into(),
            },
            ok(
                "2001",
                &[format!("GET {U1}/services/DoNotDisturb")],
                Reply::DoNotDisturb,
            ),
        ),
        (
            M::GetForwarding {
                device: "2002".into(),
            },
            ok(
                "2002",
                &[format!("GET {U2}/services/CallForwardingAlways")],
                Reply::Forwarding,
            ),
        ),
        (
            M::SnapshotCall { call: c("1:1", "") },
            ok(
                "2001",
                &[],
                Reply::SnapshotCall(vec![
                    snapshot_item(Some("2001"), "1:1", "connected"),
                    snapshot_item(Some("2002"), "1:1", "connected"),
                    snapshot_item(Some("9"), "1:1", "connected"),
                ]),
            ),
        ),
        (
            M::SnapshotCall {
                call: c("2:1", "2001"),
            },
            ok(
                "2001",
                &[],
                Reply::SnapshotCall(vec![
                    snapshot_item(Some("2001"), "2:1", "hold"),
                    snapshot_item(Some("9"), "2:1", "connected"),
                ]),
            ),
        ),
        (
            M::DirectedPickupCall {
                call: c("1:1", "2002"),
                requesting_device: "2001".into(),
            },
            ok(
                "2001",
                &[format!("POST {U1}/calls/DirectedCallPickup?address=2002")],
                Reply::Picked(Pickup::Directed),
            ),
        ),
        (
            M::GroupPickupCall {
                new_destination: "2002".into(),
            },
            ok(
                "2002",
                &[format!("POST {U2}/calls/CallPickup")],
                Reply::Picked(Pickup::Group),
            ),
        ),
        (
            M::ParkCall {
                parking: c("1:1", "2001"),
                park_to: Some("2009".into()),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h1/Park?address=2009")],
                ack(Ack::ParkCall),
            ),
        ),
        (
            M::ParkCall {
                parking: c("2:1", "2001"),
                park_to: None,
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h2/GroupCallPark")],
                ack(Ack::ParkCall),
            ),
        ),
        (
            M::IntrudeCall {
                intrude: c("1:1", "2002"),
                requesting_device: None,
            },
            ok(
                "2001",
                &[format!(
                    "POST {U1}/calls/DirectedCallPickupBargeIn?address=2002"
                )],
                ack(Ack::IntrudeCall),
            ),
        ),
        (
            M::IntrudeCall {
                intrude: c("1:1", "2001"),
                requesting_device: Some("2002".into()),
            },
            ok(
                "2002",
                &[format!(
                    "POST {U2}/calls/DirectedCallPickupBargeIn?address=2001"
                )],
                ack(Ack::IntrudeCall),
            ),
        ),
        (
            M::RecordMessage {
                call: c("1:1", "2001"),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h1/Record")],
                Reply::Recording {
                    message: "rec-1:1".into(),
                },
            ),
        ),
        (
            M::Suspend {
                connection: c("1:1", "2001"),
                message: Some("rec-1:1".into()),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h1/PauseRecording")],
                ack(Ack::Suspend),
            ),
        ),
        (
            // The message names the call when the connection does not.
            M::Resume {
                connection: c("", "2001"),
                message: Some("rec-2:1".into()),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h2/ResumeRecording")],
                ack(Ack::Resume),
            ),
        ),
        (
            M::Stop {
                connection: c("1:1", "2002"),
                message: None,
            },
            ok(
                "2002",
                &[format!("PUT {U2}/calls/h3/StopRecording")],
                ack(Ack::Stop),
            ),
        ),
    ];
    for (message, want) in cases {
        let shown = format!("{message:?}");
        assert_eq!(planned(message), want, "{shown}");
    }
}

#[test]
fn feature_requests_refused_at_once() {
    use Message as M;
    let cases: Vec<(M, &'static str)> = vec![
        (
            M::GetDoNotDisturb {
                device: "2003".into(),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::GetForwarding {
                device: "2003".into(),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::SnapshotCall { call: c("7:1", "") },
            operation::INVALID_CALL_ID,
        ),
        (
            M::SnapshotCall {
                call: c("1:1", "2003"),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::DirectedPickupCall {
                call: c("1:1", "2002"),
                requesting_device: "2003".into(),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::DirectedPickupCall {
                call: c("1:1", "2003"),
                requesting_device: "2001".into(),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::DirectedPickupCall {
                call: c("7:1", "2002"),
                requesting_device: "2001".into(),
            },
            operation::INVALID_CONNECTION_ID,
        ),
        (
            M::GroupPickupCall {
                new_destination: "2003".into(),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::ParkCall {
                parking: c("7:1", "2001"),
                park_to: None,
            },
            operation::INVALID_CONNECTION_ID,
        ),
        (
            M::ParkCall {
                parking: c("1:1", "2003"),
                park_to: Some("2009".into()),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::IntrudeCall {
                intrude: c("1:1", "2002"),
                requesting_device: Some("2003".into()),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::IntrudeCall {
                intrude: c("7:1", "2002"),
                requesting_device: Some("2001".into()),
            },
            operation::INVALID_CONNECTION_ID,
        ),
        (
            M::RecordMessage {
                call: c("7:1", "2001"),
            },
            operation::INVALID_CONNECTION_ID,
        ),
        (
            M::RecordMessage {
                call: c("1:1", "2003"),
            },
            operation::INVALID_DEVICE_ID,
        ),
        (
            M::Suspend {
                connection: c("1:1", "2001"),
                message: Some("rec-2:1".into()),
            },
            operation::INVALID_MSG_ID,
        ),
        (
            M::Resume {
                connection: c("7:1", "2001"),
                message: None,
            },
            operation::INVALID_CONNECTION_ID,
        ),
        (
            M::Stop {
                connection: c("1:1", "2003"),
                message: None,
            },
            operation::INVALID_DEVICE_ID,
        ),
    ];
    for (message, want) in cases {
        let shown = format!("{message:?}");
        assert_eq!(planned(message), op(want), "{shown}");
    }
}

#[test]
fn intrude_without_a_requesting_device_needs_one_other_monitored_device() {
    let three = Session(vec![
        ("2001@d", "2001"),
        ("2002@d", "2002"),
        ("2003@d", "2003"),
    ]);
    let message = Message::IntrudeCall {
        intrude: c("1:1", "2002"),
        requesting_device: None,
    };
    let refused = plan(&message, &three, &model()).expect("call control");
    assert_eq!(
        refused.map_err(|r| r.value),
        Err(operation::INVALID_DEVICE_ID)
    );
}

#[test]
fn reconnect_has_a_two_step_fallback() {
    let message = Message::ReconnectCall {
        active_call: c("1:1", "2001"),
        held_call: c("2:1", "2001"),
    };
    let plan = plan(&message, &session(), &model())
        .expect("call control")
        .expect("planned");
    let fallback: Vec<String> = plan.fallback.iter().map(ToString::to_string).collect();
    assert_eq!(
        fallback,
        [
            format!("DELETE {U1}/calls/h1"),
            format!("PUT {U1}/calls/h2/Talk")
        ]
    );
}

#[test]
fn feature_answers_carry_what_broadworks_returned() {
    let schema = schema_check::load(ED3);
    let ns = schema.namespace();
    let base = Plan {
        request: "GetForwarding",
        user: "2001@d".into(),
        device: "2001".into(),
        steps: Vec::new(),
        fallback: Vec::new(),
        reply: Reply::Forwarding,
        dialled: None,
        route_point_call: None,
    };
    let with = |reply: Reply| Plan {
        reply,
        ..base.clone()
    };
    let started = Returned::CallStarted(CallStartInfo {
        call_id: "callhalf-9:0".into(),
        external_tracking_id: "9:1".into(),
    });
    let cases: Vec<(Plan, Returned, &str)> = vec![
        (
            with(Reply::DoNotDisturb),
            Returned::DoNotDisturb(true),
            "<doNotDisturbOn>true</doNotDisturbOn>",
        ),
        (
            with(Reply::Forwarding),
            Returned::Forwarding {
                active: true,
                forward_to: Some("2009".into()),
            },
            "<forwardStatus>true</forwardStatus><forwardDN>2009</forwardDN>",
        ),
        (
            with(Reply::Forwarding),
            Returned::Forwarding {
                active: false,
                forward_to: None,
            },
            "<forwardStatus>false</forwardStatus></forwardListItem>",
        ),
        (
            with(Reply::Picked(Pickup::Directed)),
            started.clone(),
            "<DirectedPickupCallResponse",
        ),
        (
            with(Reply::Picked(Pickup::Group)),
            started,
            "<pickedCall><callID>9:1</callID><deviceID>2001</deviceID></pickedCall>",
        ),
        (
            with(Reply::Recording {
                message: "rec-1:1".into(),
            }),
            Returned::Nothing,
            "<resultingMessage>rec-1:1</resultingMessage>",
        ),
        (
            with(Reply::SnapshotCall(vec![snapshot_item(
                None, "1:1", "alerting",
            )])),
            Returned::Nothing,
            "<deviceOnCall><notKnown/></deviceOnCall>",
        ),
        (
            with(Reply::Ack(Ack::Stop)),
            Returned::Nothing,
            "<StopResponse",
        ),
    ];
    for (plan, returned, needle) in cases {
        let xml = response(ns, &plan, &returned).expect("an answer");
        assert!(xml.contains(needle), "{needle}: {xml}");
        assert_eq!(schema.check(&xml), Ok(()), "{xml}");
    }
}
