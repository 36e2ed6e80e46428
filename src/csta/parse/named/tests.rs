//! Every request kind says what it does and names its devices in their
//! roles; every known root is either in the table or something only the
//! server sends.

use super::super::dispatch::HANDLERS;
use super::super::parse;
use super::samples::{numbered, requests, Names, SESSION_REQUESTS};
use super::*;

const ED3: &str = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

fn message(root: &str, body: &str) -> Message {
    let xml = format!(r#"<?xml version="1.0"?><{root} xmlns="{ED3}">{body}</{root}>"#);
    parse(xml.as_bytes())
        .unwrap_or_else(|e| panic!("{root}: {e}"))
        .message
}

/// `D` is the device, `E` the second connection's device, `X` the number
/// to reach.
fn expected(root: &str, index: usize) -> (Access, &'static [(Role, &'static str)]) {
    use Access::{Control, Monitor, Query, Session};
    use Role::{Calling, Connection, Destination, RoutePoint, Specified};
    match root {
        root if SESSION_REQUESTS.contains(&root) => (Session, &[]),
        "MonitorStart" => (Monitor, &[(Specified, "D")]),
        "MonitorStop" => (Monitor, &[]),
        "SnapshotDevice" | "GetAgentState" | "GetDoNotDisturb" | "GetForwarding" => {
            (Query, &[(Specified, "D")])
        }
        "SnapshotCall" => (Query, &[(Connection, "D")]),
        "DirectedPickupCall" | "IntrudeCall" => (Control, &[(Connection, "D"), (Specified, "E")]),
        "GroupPickupCall" => (Control, &[(Specified, "D")]),
        "ParkCall" => (Control, &[(Connection, "D"), (Destination, "X")]),
        "RecordMessage" | "Suspend" | "Resume" | "Stop" => (Control, &[(Connection, "D")]),
        "MakeCall" => (Control, &[(Calling, "D"), (Destination, "X")]),
        "AnswerCall" | "ClearConnection" | "ClearCall" | "HoldCall" | "RetrieveCall"
        | "GenerateDigits" | "PlayMessage" => (Control, &[(Connection, "D")]),
        "ConsultationCall" | "SingleStepTransferCall" | "DeflectCall" => {
            (Control, &[(Connection, "D"), (Destination, "X")])
        }
        "TransferCall" | "ConferenceCall" | "ReconnectCall" | "AlternateCall" => {
            (Control, &[(Connection, "D"), (Connection, "E")])
        }
        "SetDoNotDisturb" | "SetAgentState" => (Control, &[(Specified, "D")]),
        "SetForwarding" => (Control, &[(Specified, "D"), (Destination, "X")]),
        // The first RouteRegister names its route point, the second none.
        "RouteRegister" if index == 0 => (Control, &[(RoutePoint, "D")]),
        "RouteRegister" | "RouteRegisterCancel" | "RouteEnd" => (Control, &[]),
        "RouteSelect" => (Control, &[(Destination, "X")]),
        other => panic!("{other}: no expectation"),
    }
}

#[test]
fn every_request_kind_names_its_devices_in_their_roles() {
    for (root, index, body) in numbered(&Names::new(" D ", "E", "X")) {
        let message = message(root, &body);
        assert!(message.is_request(), "{root}");
        let (access, devices) = expected(root, index);
        assert_eq!(
            message.named(),
            Named {
                access,
                devices: devices.to_vec()
            },
            "{root} #{index}"
        );
    }
}

#[test]
fn every_known_root_is_in_the_table_or_only_sent_by_the_server() {
    let names = Names::new("D", "E", "X");
    let table: Vec<&str> = requests(&names).into_iter().map(|(root, _)| root).collect();
    for (root, _) in HANDLERS {
        let server_sent =
            root.ends_with("Response") || ["CSTAErrorCode", "RouteRequest"].contains(root);
        assert!(
            table.contains(root) || server_sent,
            "{root}: add a sample to csta::parse::named::samples"
        );
    }
}

#[test]
fn connections_by_call_alone_and_answers_name_no_device() {
    let by_call = message(
        "HoldCall",
        "<callToBeHeld><callID>C1</callID></callToBeHeld>",
    );
    assert_eq!(by_call.named().devices, []);
    assert_eq!(by_call.named().access, Access::Control);
    let answers = [
        message(
            "MonitorStartResponse",
            "<monitorCrossRefID>1</monitorCrossRefID>",
        ),
        message("DeliveredEvent", "<monitorCrossRefID>1</monitorCrossRefID>"),
        message(
            "GetDoNotDisturbResponse",
            "<doNotDisturbOn>true</doNotDisturbOn>",
        ),
        message("GetForwardingResponse", ""),
        message(
            "DirectedPickupCallResponse",
            "<pickedCall><callID>C1</callID><deviceID>2003</deviceID></pickedCall>",
        ),
        message(
            "GroupPickupCallResponse",
            "<pickedCall><callID>C1</callID><deviceID>2003</deviceID></pickedCall>",
        ),
        message(
            "RecordMessageResponse",
            "<resultingMessage>rec-C1</resultingMessage>",
        ),
        message("SomethingElse", ""),
        message("CSTAErrorCode", "<operation>generic</operation>"),
    ];
    for answer in answers {
        assert_eq!(answer.named(), Named::of(Access::None), "{answer:?}");
    }
}
