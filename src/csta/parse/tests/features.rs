//! The feature requests (README, Call control): values read, mandatory
//! elements, the optional ones absent.

use super::*;

const C: &str = "<callID>5:1</callID><deviceID>2001</deviceID>";

#[test]
fn feature_requests_read_their_values() {
    let c = || conn(Some("5:1"), Some("2001"));
    let cases: Vec<(&str, String, Message)> = vec![
        (
            "GetDoNotDisturb",
            s("<device>2001</device>"),
            Message::GetDoNotDisturb { device: s("2001") },
        ),
        (
            "GetForwarding",
            s("<device> 2001 </device><extensions/>"),
            Message::GetForwarding { device: s("2001") },
        ),
        (
            "SnapshotCall",
            s("<snapshotObject><callID>5:1</callID></snapshotObject>"),
            Message::SnapshotCall {
                call: conn(Some("5:1"), None),
            },
        ),
        (
            "DirectedPickupCall",
            format!(
                "<callToBePickedUp>{C}</callToBePickedUp><requestingDevice>2003</requestingDevice>"
            ),
            Message::DirectedPickupCall {
                call: c(),
                requesting_device: s("2003"),
            },
        ),
        (
            "GroupPickupCall",
            s("<newDestination>2003</newDestination><pickGroup>9</pickGroup>"),
            Message::GroupPickupCall {
                new_destination: s("2003"),
            },
        ),
        (
            "ParkCall",
            format!("<parking>{C}</parking><parkTo>2009</parkTo>"),
            Message::ParkCall {
                parking: c(),
                park_to: Some(s("2009")),
            },
        ),
        (
            "ParkCall",
            format!("<parking>{C}</parking><parkTo/>"),
            Message::ParkCall {
                parking: c(),
                park_to: None,
            },
        ),
        (
            "IntrudeCall",
            format!(
                "<intrude>{C}</intrude><participationType>active</participationType>\
                 <extensions><privateData><private><requestingDevice>2003</requestingDevice>\
                 </private></privateData></extensions>"
            ),
            Message::IntrudeCall {
                intrude: c(),
                requesting_device: Some(s("2003")),
            },
        ),
        (
            "IntrudeCall",
            format!("<intrude>{C}</intrude><requestingDevice>2003</requestingDevice>"),
            Message::IntrudeCall {
                intrude: c(),
                requesting_device: None,
            },
        ),
        (
            "RecordMessage",
            format!("<callToBeRecorded>{C}</callToBeRecorded><maxDuration>60</maxDuration>"),
            Message::RecordMessage { call: c() },
        ),
        (
            "Suspend",
            format!("<connection>{C}</connection><message>rec-5:1</message>"),
            Message::Suspend {
                connection: c(),
                message: Some(s("rec-5:1")),
            },
        ),
        (
            "Resume",
            format!("<connection>{C}</connection><messageToResume>rec-5:1</messageToResume>"),
            Message::Resume {
                connection: c(),
                message: Some(s("rec-5:1")),
            },
        ),
        (
            "Resume",
            format!("<connection>{C}</connection>"),
            Message::Resume {
                connection: c(),
                message: None,
            },
        ),
        (
            "Stop",
            format!("<connection>{C}</connection><messageToBeStopped>rec-5:1</messageToBeStopped>"),
            Message::Stop {
                connection: c(),
                message: Some(s("rec-5:1")),
            },
        ),
    ];
    for (root, body, want) in cases {
        let got = message(&doc(root, &body)).unwrap_or_else(|e| panic!("{root}: {e}"));
        assert_eq!(got, want, "{root} {body}");
        assert!(got.is_request(), "{root}");
    }
}

#[test]
fn feature_requests_without_their_mandatory_elements() {
    let cases: &[(&str, &str, ParseError)] = &[
        ("GetDoNotDisturb", "", missing("GetDoNotDisturb", "device")),
        (
            "GetForwarding",
            "<device/>",
            invalid("GetForwarding", "device", ""),
        ),
        (
            "SnapshotCall",
            "",
            missing("SnapshotCall", "snapshotObject"),
        ),
        (
            "DirectedPickupCall",
            "<callToBePickedUp><callID>5:1</callID></callToBePickedUp>",
            missing("DirectedPickupCall", "requestingDevice"),
        ),
        (
            "DirectedPickupCall",
            "<requestingDevice>2003</requestingDevice>",
            missing("DirectedPickupCall", "callToBePickedUp"),
        ),
        (
            "GroupPickupCall",
            "<pickGroup>9</pickGroup>",
            missing("GroupPickupCall", "newDestination"),
        ),
        (
            "ParkCall",
            "<parkTo>2009</parkTo>",
            missing("ParkCall", "parking"),
        ),
        ("ParkCall", "<parking/>", invalid("ParkCall", "parking", "")),
        ("IntrudeCall", "", missing("IntrudeCall", "intrude")),
        (
            "RecordMessage",
            "",
            missing("RecordMessage", "callToBeRecorded"),
        ),
        (
            "Suspend",
            "<message>rec-5:1</message>",
            missing("Suspend", "connection"),
        ),
        ("Resume", "", missing("Resume", "connection")),
        ("Stop", "", missing("Stop", "connection")),
    ];
    for (root, body, want) in cases {
        assert_eq!(
            message(&doc(root, body)).as_ref(),
            Err(want),
            "{root} {body}"
        );
    }
}
