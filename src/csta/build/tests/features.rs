//! The answers to the feature requests: exact output, and every one
//! against the ed3 and ed6 structure files.

use super::*;
use crate::csta::schema_check::{self, ED3, ED6};

fn feature_documents(ns: &str) -> Vec<String> {
    let items = [
        SnapshotCallItem {
            device: Some(s("2001")),
            call_id: s("5:1"),
            state: "connected",
        },
        SnapshotCallItem {
            device: None,
            call_id: s("5:1"),
            state: "alerting",
        },
    ];
    vec![
        get_do_not_disturb_response(ns, true),
        get_do_not_disturb_response(ns, false),
        get_forwarding_response(ns, true, Some("2009")),
        get_forwarding_response(ns, false, None),
        snapshot_call_response(ns, &items),
        snapshot_call_response(ns, &[]),
        picked_call_response(ns, Pickup::Directed, &conn(Some("5:1"), Some("2003"))),
        picked_call_response(ns, Pickup::Group, &conn(Some("5:1"), Some("2003"))),
        record_message_response(ns, "rec-5:1"),
    ]
}

#[test]
fn feature_answers_follow_ed3_and_ed6_schema() {
    for file in [ED3, ED6] {
        let schema = schema_check::load(file);
        let ns = schema.namespace();
        for xml in feature_documents(ns) {
            assert_eq!(schema.check(&xml), Ok(()), "{file}: {xml}");
        }
    }
}

#[test]
fn feature_answers_exact_output() {
    let ns = Edition::Ed3.namespace();
    let head =
        |root: &str| format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><{root} xmlns=\"{ns}\">");
    let cases = [
        (
            get_do_not_disturb_response(ns, true),
            format!(
                "{}<doNotDisturbOn>true</doNotDisturbOn></GetDoNotDisturbResponse>",
                head("GetDoNotDisturbResponse")
            ),
        ),
        (
            get_forwarding_response(ns, true, Some("2009")),
            format!(
                "{}<forwardingList><forwardListItem><forwardingType>forwardImmediate\
                 </forwardingType><forwardStatus>true</forwardStatus><forwardDN>2009</forwardDN>\
                 </forwardListItem></forwardingList></GetForwardingResponse>",
                head("GetForwardingResponse")
            ),
        ),
        (
            snapshot_call_response(
                ns,
                &[SnapshotCallItem {
                    device: Some(s("2001")),
                    call_id: s("5:1"),
                    state: "hold",
                }],
            ),
            format!(
                "{}<crossRefIDorSnapshotData><snapshotData><snapshotCallResponseInfo>\
                 <deviceOnCall><deviceIdentifier>2001</deviceIdentifier></deviceOnCall>\
                 <callIdentifier><callID>5:1</callID><deviceID>2001</deviceID></callIdentifier>\
                 <localConnectionInfo>hold</localConnectionInfo></snapshotCallResponseInfo>\
                 </snapshotData></crossRefIDorSnapshotData></SnapshotCallResponse>",
                head("SnapshotCallResponse")
            ),
        ),
        (
            picked_call_response(ns, Pickup::Group, &conn(Some("5:1"), Some("2003"))),
            format!(
                "{}<pickedCall><callID>5:1</callID><deviceID>2003</deviceID></pickedCall>\
                 </GroupPickupCallResponse>",
                head("GroupPickupCallResponse")
            ),
        ),
        (
            record_message_response(ns, "rec-5:1"),
            format!(
                "{}<resultingMessage>rec-5:1</resultingMessage></RecordMessageResponse>",
                head("RecordMessageResponse")
            ),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[test]
fn the_checker_sees_into_snapshot_call_items() {
    let schema = schema_check::load(ED3);
    let ns = schema.namespace();
    let bad = snapshot_call_response(
        ns,
        &[SnapshotCallItem {
            device: Some(s("2001")),
            call_id: s("5:1"),
            state: "connected",
        }],
    )
    .replace(
        "<localConnectionInfo>connected",
        "<localConnectionInfo>talking",
    );
    assert!(schema.check(&bad).is_err(), "{bad}");
}

#[test]
fn feature_answers_parse_back() {
    let ns = Edition::Ed6.namespace();
    let cases = [
        (
            get_do_not_disturb_response(ns, true),
            Message::GetDoNotDisturbResponse { on: true },
        ),
        (
            get_forwarding_response(ns, true, Some("2009")),
            Message::GetForwardingResponse {
                on: Some(true),
                forward_dn: Some(s("2009")),
            },
        ),
        (
            get_forwarding_response(ns, false, None),
            Message::GetForwardingResponse {
                on: Some(false),
                forward_dn: None,
            },
        ),
        (
            picked_call_response(ns, Pickup::Directed, &conn(Some("5:1"), Some("2003"))),
            Message::PickupCallResponse {
                picked_call: conn(Some("5:1"), Some("2003")),
            },
        ),
        (
            picked_call_response(ns, Pickup::Group, &conn(Some("6:1"), None)),
            Message::PickupCallResponse {
                picked_call: conn(Some("6:1"), None),
            },
        ),
        (
            record_message_response(ns, "rec-5:1"),
            Message::RecordMessageResponse {
                message: s("rec-5:1"),
            },
        ),
    ];
    for (xml, want) in cases {
        let got = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
        assert!(!got.message.is_request(), "{xml}");
        assert_eq!(got.message, want, "{xml}");
    }
}
