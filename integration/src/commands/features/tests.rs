//! Every feature command parses back to its request; bad lines are explained.

use super::super::command_xml;
use bwcsta::csta::edition::Edition;
use bwcsta::csta::parse::{parse, ConnectionId, Message};

fn c(call: &str, device: &str) -> ConnectionId {
    ConnectionId {
        call_id: Some(call.into()),
        device_id: Some(device.into()),
    }
}

#[test]
fn every_feature_command_parses_back_to_its_request() {
    let ns = Edition::Ed3.namespace();
    let s = |t: &str| t.to_string();
    let rec = |call: &str| Some(format!("rec-{call}"));
    let cases: Vec<(&str, Message)> = vec![
        (
            "getdnd 2001",
            Message::GetDoNotDisturb { device: s("2001") },
        ),
        (
            "getforward 2001",
            Message::GetForwarding { device: s("2001") },
        ),
        (
            "snapshotcall 5:1",
            Message::SnapshotCall {
                call: ConnectionId {
                    call_id: Some(s("5:1")),
                    device_id: None,
                },
            },
        ),
        (
            "snapshotcall 5:1 2001",
            Message::SnapshotCall {
                call: c("5:1", "2001"),
            },
        ),
        (
            "pickup 5:1 2002 2001",
            Message::DirectedPickupCall {
                call: c("5:1", "2002"),
                requesting_device: s("2001"),
            },
        ),
        (
            "grouppickup 2001",
            Message::GroupPickupCall {
                new_destination: s("2001"),
            },
        ),
        (
            "park 5:1 2001 2009",
            Message::ParkCall {
                parking: c("5:1", "2001"),
                park_to: Some(s("2009")),
            },
        ),
        (
            "park 5:1 2001",
            Message::ParkCall {
                parking: c("5:1", "2001"),
                park_to: None,
            },
        ),
        (
            "intrude 5:1 2002 2001",
            Message::IntrudeCall {
                intrude: c("5:1", "2002"),
                requesting_device: Some(s("2001")),
            },
        ),
        (
            "intrude 5:1 2002",
            Message::IntrudeCall {
                intrude: c("5:1", "2002"),
                requesting_device: None,
            },
        ),
        (
            "record 5:1 2001",
            Message::RecordMessage {
                call: c("5:1", "2001"),
            },
        ),
        (
            "suspend 5:1 2001",
            Message::Suspend {
                connection: c("5:1", "2001"),
                message: rec("5:1"),
            },
        ),
        (
            "resume 5:1 2001",
            Message::Resume {
                connection: c("5:1", "2001"),
                message: rec("5:1"),
            },
        ),
        (
            "stop 5:1 2001",
            Message::Stop {
                connection: c("5:1", "2001"),
                message: rec("5:1"),
            },
        ),
    ];
    for (line, want) in cases {
        let xml = command_xml(ns, line)
            .unwrap_or_else(|e| panic!("{line}: {e}"))
            .unwrap_or_else(|| panic!("{line}: no request"));
        let got = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{line}: {e}: {xml}"));
        assert_eq!(got.message, want, "{line}");
    }
}

#[test]
fn bad_feature_lines_are_explained() {
    let ns = Edition::Ed3.namespace();
    for (line, needle) in [
        ("getdnd", "usage: getdnd <device>"),
        ("grouppickup 1 2", "usage: grouppickup <device>"),
        (
            "pickup 5:1 2002",
            "usage: pickup <callID> <ringingDevice> <device>",
        ),
        ("park 5:1", "usage: park <callID> <device> [<parkTo>]"),
        ("snapshotcall", "usage: snapshotcall <callID> [<device>]"),
        ("stop 5:1", "usage: stop <callID> <device>"),
    ] {
        let got = command_xml(ns, line);
        assert!(
            got.as_ref().is_err_and(|e| e.contains(needle)),
            "{line}: {got:?}"
        );
    }
}
