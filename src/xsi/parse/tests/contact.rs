//! The contact-centre payloads: queue events in both shapes (queueEntry and
//! flat), their extras, snapshots, agent state and join events, and the
//! `CallCenter` answer of Xsi-Actions.

use super::*;

const ENTRY: &str = "<queueEntry><callId>callhalf-9:0</callId><extTrackingId>40:1</extTrackingId>\
    <remoteParty><name>Caller</name><address>tel:2001</address><callType>Group</callType></remoteParty>\
    <addTime>1700000000000</addTime><acdName>Sales</acdName><acdNumber>5000</acdNumber></queueEntry>";

fn entry() -> QueueEntry {
    QueueEntry {
        call_id: "callhalf-9:0".into(),
        ext_tracking_id: "40:1".into(),
        remote_party: RemoteParty {
            name: Some("Caller".into()),
            address: Some("tel:2001".into()),
            call_type: Some("Group".into()),
            ..RemoteParty::default()
        },
        answering_user_id: None,
    }
}

fn queue(kind: QueueEventKind, event: QueueEvent) -> Result<EventData> {
    Ok(EventData::Queue { kind, event })
}

fn plain() -> QueueEvent {
    QueueEvent {
        entry: entry(),
        ..QueueEvent::default()
    }
}

#[test]
fn queue_events() {
    let redirect = |address: &str, reason: &str| Redirect {
        address: Some(address.into()),
        reason: Some(reason.into()),
    };
    let cases: Vec<(&str, String, Result<EventData>)> = vec![
        (
            "ACDCallAddedEvent",
            format!("{ENTRY}<position>3</position>"),
            queue(QueueEventKind::AcdCallAdded, QueueEvent { position: Some(3), ..plain() }),
        ),
        (
            "ACDCallAnsweredByAgentEvent",
            ENTRY.replace("</queueEntry>", "<answeringUserId>2002@example.net</answeringUserId><answeringCallId>callhalf-12:0</answeringCallId></queueEntry>"),
            queue(
                QueueEventKind::AcdCallAnsweredByAgent,
                QueueEvent {
                    entry: QueueEntry {
                        answering_user_id: Some("2002@example.net".into()),
                        ..entry()
                    },
                    ..QueueEvent::default()
                },
            ),
        ),
        (
            "ACDCallOverflowedEvent",
            format!("{ENTRY}<overflowReason>time</overflowReason><redirect><address>tel:2009</address><reason>call-center</reason><redirectTime>1</redirectTime></redirect>"),
            queue(
                QueueEventKind::AcdCallOverflowed,
                QueueEvent {
                    redirect: Some(redirect("tel:2009", "call-center")),
                    reason: Some("time".into()),
                    ..plain()
                },
            ),
        ),
        (
            // Flat: the fields directly in eventData.
            "ACDNightPolicyAppliedEvent",
            "<callId>callhalf-9:0</callId><extTrackingId>40:1</extTrackingId><acdName>Sales</acdName>\
             <acdNumber>5000</acdNumber><remoteParty><name>Caller</name><address>tel:2001</address>\
             <callType>Group</callType></remoteParty><redirect><address>tel:2099</address><reason>unconditional</reason></redirect>".into(),
            queue(
                QueueEventKind::AcdNightPolicyApplied,
                QueueEvent {
                    redirect: Some(redirect("tel:2099", "unconditional")),
                    ..plain()
                },
            ),
        ),
        (
            "RoutePointCallAddedEvent",
            ENTRY.into(),
            queue(QueueEventKind::RpCallAdded, plain()),
        ),
        (
            "RoutePointCallFailedEvent",
            format!("{ENTRY}<failureReason>CallFailureRequested</failureReason>"),
            queue(
                QueueEventKind::RpCallFailed,
                QueueEvent { reason: Some("CallFailureRequested".into()), ..plain() },
            ),
        ),
        (
            "RoutePointMOHCompletedEvent",
            format!("{ENTRY}<playCollectResult><playCollectId>1</playCollectId><completionReason>Timeout</completionReason></playCollectResult>"),
            queue(
                QueueEventKind::RpMohCompleted,
                QueueEvent { completion: Some("Timeout".into()), ..plain() },
            ),
        ),
        (
            // Flat, with the route point's own spelling of the reason.
            "RoutePointCallRejectedEvent",
            "<callId>callhalf-9:0</callId><extTrackingId>40:1</extTrackingId>\
             <routePointName>Route</routePointName><routePointNumber>6000</routePointNumber>\
             <remoteParty><name>Caller</name><address>tel:2001</address><callType>Group</callType>\
             </remoteParty><rejectReason>CallAdmissionTimeout</rejectReason>".into(),
            queue(
                QueueEventKind::RpCallRejected,
                QueueEvent { reason: Some("CallAdmissionTimeout".into()), ..plain() },
            ),
        ),
        (
            "RoutePointCallOverflowedEvent",
            format!("{ENTRY}<overFlowReason>size</overFlowReason>"),
            queue(
                QueueEventKind::RpCallOverflowed,
                QueueEvent { reason: Some("size".into()), ..plain() },
            ),
        ),
        (
            "RoutePointFailedEvent",
            "<stateChangeReason>FailureDetected</stateChangeReason>".into(),
            Ok(EventData::RoutePointState { failed: true, reason: Some("FailureDetected".into()) }),
        ),
        (
            "RoutePointRecoveredEvent",
            String::new(),
            Ok(EventData::RoutePointState { failed: false, reason: None }),
        ),
        (
            // A rejected call without its callId: unreadable, still an event.
            "RoutePointCallRejectedEvent",
            "<extTrackingId>40:1</extTrackingId><rejectReason>CallAbandoned</rejectReason>".into(),
            Err(XsiParseError::Missing("queueEntry/callId")),
        ),
        (
            "ACDCallAddedEvent",
            format!("{ENTRY}<position>first</position>"),
            Err(XsiParseError::Invalid { element: "position", value: "first".into() }),
        ),
        (
            "RoutePointCallAddedEvent",
            "<queueEntry><extTrackingId>1:1</extTrackingId></queueEntry>".into(),
            Err(XsiParseError::Missing("queueEntry/callId")),
        ),
    ];
    for (data_type, data, expected) in cases {
        let parsed = parse_doc(event(data_type, &data).as_bytes()).map(|d| match d {
            XsiDoc::Event(e) => e.data,
            other => panic!("{other:?}"),
        });
        assert_eq!(parsed, malformed(data_type, expected), "{data_type} {data}");
    }
}

#[test]
fn every_queue_event_type_is_known_by_its_wire_name() {
    for kind in QueueEventKind::ALL {
        let parsed = data_of(parse_doc(event(kind.type_name(), ENTRY).as_bytes()));
        assert_eq!(
            parsed,
            EventData::Queue {
                kind: *kind,
                event: plain()
            },
            "{kind:?}"
        );
        assert_eq!(
            kind.is_route_point(),
            kind.type_name().starts_with("RoutePoint"),
            "{kind:?}"
        );
    }
    assert_eq!(QueueEventKind::ALL.len(), 43);
}

#[test]
fn snapshots_agents_and_answers() {
    let two = format!(
        "<queueEntries>{ENTRY}{}</queueEntries>",
        ENTRY.replace("callhalf-9:0", "callhalf-10:0")
    );
    let second = QueueEntry {
        call_id: "callhalf-10:0".into(),
        ..entry()
    };
    let cases: Vec<(&str, String, Result<EventData>)> = vec![
        ("ACDSubscriptionEvent", two.clone(), Ok(EventData::QueueSnapshot { route_point: false, entries: vec![entry(), second.clone()] })),
        ("RoutePointSubscriptionEvent", String::new(), Ok(EventData::QueueSnapshot { route_point: true, entries: vec![] })),
        ("ACDSubscriptionResyncEvent", two, Ok(EventData::QueueSnapshot { route_point: false, entries: vec![entry(), second] })),
        (
            "AgentStateEvent",
            "<agentStateInfo><state>Wrap-Up</state><stateTimestamp><value>1</value></stateTimestamp></agentStateInfo>".into(),
            Ok(EventData::AgentState { state: Some("Wrap-Up".into()), snapshot: false }),
        ),
        ("AgentStateEvent", "<agentStateInfo/>".into(), Err(XsiParseError::Missing("agentStateInfo/state"))),
        (
            "AgentSubscriptionEvent",
            "<joinData><joinInfos><joinInfo><acdUserId>5000@example.net</acdUserId></joinInfo></joinInfos></joinData>\
             <stateInfo><state>Available</state></stateInfo>".into(),
            Ok(EventData::AgentState { state: Some("Available".into()), snapshot: true }),
        ),
        ("AgentSubscriptionEvent", String::new(), Ok(EventData::AgentState { state: None, snapshot: true })),
        (
            "ACDAgentJoinUpdateEvent",
            "<ccAgentJoinUpdateData><joinInfo><acdUserId>5000@example.net</acdUserId><joined/><skillLevel>1</skillLevel></joinInfo></ccAgentJoinUpdateData>".into(),
            Ok(EventData::AgentJoin { acd_user_id: "5000@example.net".into(), joined: true }),
        ),
        (
            "ACDAgentJoinUpdateEvent",
            "<ccAgentJoinUpdateData><joinInfo><acdUserId>5000@example.net</acdUserId></joinInfo></ccAgentJoinUpdateData>".into(),
            Ok(EventData::AgentJoin { acd_user_id: "5000@example.net".into(), joined: false }),
        ),
        ("ACDAgentJoinUpdateEvent", String::new(), Err(XsiParseError::Missing("ccAgentJoinUpdateData/joinInfo"))),
    ];
    for (data_type, data, expected) in cases {
        let parsed = parse_doc(event(data_type, &data).as_bytes()).map(|d| match d {
            XsiDoc::Event(e) => e.data,
            other => panic!("{other:?}"),
        });
        assert_eq!(parsed, malformed(data_type, expected), "{data_type} {data}");
    }
    // The answer of GET …/services/CallCenter.
    let answer = format!(
        "{DECL}<CallCenter xmlns=\"http://schema.broadsoft.com/xsi\"><agentACDState>Available</agentACDState>\
         <callCenterList><callCenterDetails><serviceUserId>5000@example.net</serviceUserId></callCenterDetails></callCenterList></CallCenter>"
    );
    assert_eq!(
        parse_doc(answer.as_bytes()),
        Ok(XsiDoc::CallCenter {
            agent_acd_state: Some("Available".into())
        })
    );
}

/// An unreadable payload keeps its envelope: the expected error is carried
/// in [`EventData::Malformed`].
fn malformed(data_type: &str, expected: Result<EventData>) -> Result<EventData> {
    expected.or_else(|e| {
        Ok(EventData::Malformed {
            type_name: data_type.to_owned(),
            error: e.to_string(),
        })
    })
}
