//! Schema-complete documents (`bwcsta_integration::schema`: every optional
//! element present, as a BroadWorks may send it) are read with every field
//! the connector uses, and every value of the enumerations it reads is
//! known to it.

use bwcsta_integration::schema::xsi;

use super::*;
use crate::xsi::vocab::AgentState;

fn complete(type_name: &str) -> EventData {
    let xml = xsi::schema().complete_event(type_name);
    assert_eq!(xsi::check(&xml), Ok(()), "{xml}");
    data_of(parse_doc(xml.as_bytes()))
}

/// The party every complete document names (with `privacy`).
fn party() -> RemoteParty {
    RemoteParty {
        name: Some("Caller".into()),
        address: Some("tel:+15552002".into()),
        user_id: Some("2002@example.net".into()),
        user_dn: Some("tel:+15552002;ext=2002".into()),
        call_type: Some("Group".into()),
        privacy: true,
    }
}

#[test]
fn a_complete_call_event_is_read_whole() {
    let EventData::Call { kind, call } = complete("CallReceivedEvent") else {
        panic!("not a call event");
    };
    assert_eq!(kind, CallEventKind::Received);
    assert_eq!(
        call,
        Call {
            call_id: "callhalf-1:0".into(),
            ext_tracking_id: "1:1".into(),
            network_call_id: Some("BW1-1".into()),
            personality: Personality::Originator,
            state: CallState::Alerting,
            release_cause: Some("Busy".into()),
            releasing_party: Some("localRelease".into()),
            remote_party: party(),
            // `redirections/redirection/party` is a whole PartyInformation.
            redirection: Some(Redirection {
                party: Some("tel:+15552002".into()),
                reason: Some("user-busy".into()),
            }),
            redirect: Some(Redirect {
                address: Some("tel:+15552002".into()),
                reason: Some("user-busy".into()),
            }),
            recall_type: Some("Busy Camp On Callback".into()),
            allow_answer: true,
            allow_retrieve: true,
            start_time: Some(1),
            answer_time: Some(1),
            held_time: Some(1),
            release_time: Some(1),
        }
    );
}

#[test]
fn complete_contact_centre_events_are_read_whole() {
    let entry = QueueEntry {
        call_id: "callhalf-1:0".into(),
        ext_tracking_id: "1:1".into(),
        remote_party: party(),
        answering_user_id: Some("2003@example.net".into()),
    };
    let redirect = Some(Redirect {
        address: Some("tel:+15552002".into()),
        reason: Some("user-busy".into()),
    });
    // (type, the event read): acdPriority, redirections, playCollectInfo
    // and the rest are there and harmless; the route point spells its
    // reason `overFlowReason`.
    let cases = [
        (
            "ACDCallAddedEvent",
            QueueEvent {
                position: Some(1),
                ..QueueEvent::default()
            },
        ),
        (
            "ACDCallOverflowedEvent",
            QueueEvent {
                redirect: redirect.clone(),
                reason: Some("size".into()),
                ..QueueEvent::default()
            },
        ),
        (
            "RoutePointCallOverflowedEvent",
            QueueEvent {
                redirect: redirect.clone(),
                reason: Some("size".into()),
                ..QueueEvent::default()
            },
        ),
        (
            "RoutePointBusyCompletedEvent",
            QueueEvent {
                completion: Some("Match".into()),
                ..QueueEvent::default()
            },
        ),
        (
            "RoutePointCallRejectedEvent",
            QueueEvent {
                reason: Some("CallRejectRequested".into()),
                ..QueueEvent::default()
            },
        ),
    ];
    for (type_name, want) in cases {
        let EventData::Queue { kind, event } = complete(type_name) else {
            panic!("{type_name}: not a queue event");
        };
        assert_eq!(kind.type_name(), type_name);
        // A flat event names no answering agent.
        let entry = QueueEntry {
            answering_user_id: entry
                .answering_user_id
                .clone()
                .filter(|_| type_name != "RoutePointCallRejectedEvent"),
            ..entry.clone()
        };
        assert_eq!(event, QueueEvent { entry, ..want }, "{type_name}");
    }
    // A structured stateTimestamp (with severity) around the state.
    assert_eq!(
        complete("AgentStateEvent"),
        EventData::AgentState {
            state: Some("Sign-In".into()),
            snapshot: false
        }
    );
    assert_eq!(
        complete("AgentSubscriptionEvent"),
        EventData::AgentState {
            state: Some("Sign-In".into()),
            snapshot: true
        }
    );
    assert_eq!(
        complete("RoutePointFailedEvent"),
        EventData::RoutePointState {
            failed: true,
            reason: Some("FailureDetected".into())
        }
    );
    let EventData::QueueSnapshot { entries, .. } = complete("RoutePointSubscriptionEvent") else {
        panic!("not a snapshot");
    };
    assert_eq!(entries.len(), 1);
}

/// Every value the schema allows in an enumeration the connector acts on
/// is one it knows.
#[test]
fn every_value_of_the_enumerations_read_is_known() {
    let schema = xsi::schema();
    for value in schema.enum_values("CallState") {
        assert!(
            !matches!(CallState::from_wire(value), CallState::Other(_)),
            "{value}"
        );
    }
    for value in schema.enum_values("Personality") {
        assert!(
            !matches!(Personality::from_wire(value), Personality::Other(_)),
            "{value}"
        );
    }
    for value in schema.enum_values("AgentState") {
        assert!(AgentState::from_xsi(value).is_some(), "{value}");
    }
    // And each is read from an event as it is.
    for value in schema.enum_values("CallState") {
        let xml = schema.complete_event("CallHeldEvent").replace(
            "<xsi:state>Alerting</xsi:state>",
            &format!("<xsi:state>{value}</xsi:state>"),
        );
        let EventData::Call { call, .. } = data_of(parse_doc(xml.as_bytes())) else {
            panic!("{value}");
        };
        assert_eq!(call.state.as_str(), value);
    }
}

/// The recording and service events, and the service answers of
/// GetDoNotDisturb and GetForwarding, schema-complete.
#[test]
fn complete_feature_events_and_service_answers_are_read_whole() {
    let EventData::Call { call, .. } = complete("CallReceivedEvent") else {
        panic!("not a call event");
    };
    for kind in RecordingEventKind::ALL {
        assert_eq!(
            complete(kind.type_name()),
            EventData::Feature(FeatureEvent::Recording {
                kind: *kind,
                call: call.clone(),
            }),
            "{kind:?}"
        );
    }
    assert_eq!(
        complete("DoNotDisturbEvent"),
        EventData::Feature(FeatureEvent::DoNotDisturb { active: Some(true) })
    );
    assert_eq!(
        complete("CallForwardingAlwaysEvent"),
        EventData::Feature(FeatureEvent::ForwardingAlways {
            active: Some(true),
            forward_to: Some("x".into()),
        })
    );
    let answers = [
        ("DoNotDisturb", XsiDoc::DoNotDisturb { active: true }),
        (
            "CallForwardingAlways",
            XsiDoc::CallForwardingAlways {
                active: true,
                forward_to: Some("x".into()),
            },
        ),
    ];
    for (root, want) in answers {
        let xml = xsi::schema().complete_element(root);
        assert_eq!(xsi::check(&xml), Ok(()), "{xml}");
        assert_eq!(parse_doc(xml.as_bytes()), Ok(want), "{xml}");
    }
}
