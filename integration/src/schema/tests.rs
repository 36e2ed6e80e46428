//! The checker itself: documents that must pass, and mistakes it must
//! catch (or the tests that rely on it would prove nothing).

use super::xsi::{self, schema, NAMESPACE};

const EVENT_OPEN: &str = "<xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" \
     xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\">\
     <xsi:eventID>e1</xsi:eventID><xsi:sequenceNumber>1</xsi:sequenceNumber>\
     <xsi:userId>cti@example.net</xsi:userId><xsi:externalApplicationId>app</xsi:externalApplicationId>\
     <xsi:subscriptionId>s1</xsi:subscriptionId><xsi:channelId>c1</xsi:channelId>\
     <xsi:targetId>2001@example.net</xsi:targetId>";

/// A subscription event around `data` (the `eventData` element).
fn event(data: &str) -> String {
    format!("{EVENT_OPEN}{data}</xsi:Event>")
}

const CALL: &str = "<xsi:call><xsi:callId>callhalf-1:0</xsi:callId>\
     <xsi:extTrackingId>1:1</xsi:extTrackingId><xsi:personality>Terminator</xsi:personality>\
     <xsi:state>Alerting</xsi:state><xsi:remoteParty><xsi:address countryCode=\"1\">tel:2002</xsi:address>\
     <xsi:callType>Group</xsi:callType></xsi:remoteParty><xsi:startTime>1700000000000</xsi:startTime></xsi:call>";

fn held() -> String {
    event(&format!(
        "<xsi:eventData xsi1:type=\"xsi:CallHeldEvent\">{CALL}</xsi:eventData>"
    ))
}

fn flat(root: &str, children: &str) -> String {
    format!("<?xml version=\"1.0\"?><{root} xmlns=\"{NAMESPACE}\">{children}</{root}>")
}

#[test]
fn valid_documents_pass() {
    let cases = [
        held(),
        flat(
            "Channel",
            "<channelSetId>s</channelSetId><priority>1</priority><weight>100</weight>\
             <expires>3600</expires><applicationId>app</applicationId>",
        ),
        flat("Subscription", "<expires>3600</expires>"),
        flat(
            "EventResponse",
            "<eventID>e</eventID><statusCode>481</statusCode><reason>gone</reason>",
        ),
        flat("RoutePointPlayBusy", "<busyPattern>Normal</busyPattern>"),
        flat(
            "RoutePointPlayTreatment",
            "<audioUrlList><uri>http://a/1.wav</uri><uri>http://a/2.wav</uri></audioUrlList>",
        ),
        flat(
            "Conference",
            "<conferenceParticipantList><conferenceParticipant><callId>a</callId>\
             </conferenceParticipant><conferenceParticipant><callId>b</callId>\
             </conferenceParticipant></conferenceParticipantList>",
        ),
        "<?xml version=\"1.0\"?><ChannelHeartBeat xmlns=\"http://schema.broadsoft.com/xsi\"/>".into(),
        event("<xsi:eventData xsi1:type=\"xsi:RoutePointRecoveredEvent\"/>"),
        // A prefix other than the usual ones, and an unprefixed xsi:type.
        format!(
            "<E:Event xmlns:E=\"{NAMESPACE}\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" \
             i:type=\"E:ChannelTerminatedEvent\"><E:channelId>c</E:channelId>\
             <E:reason>Expired</E:reason></E:Event>"
        ),
        // PlayCollectType's "Silence " is a token: "Silence" is its value.
        event(
            "<xsi:eventData xsi1:type=\"xsi:RoutePointSilenceStartedEvent\"><xsi:queueEntry>\
             <xsi:callId>c</xsi:callId><xsi:extTrackingId>1:1</xsi:extTrackingId>\
             <xsi:remoteParty/><xsi:routePointName>rp</xsi:routePointName>\
             <xsi:routePointNumber>6000</xsi:routePointNumber><xsi:playCollectInfo>\
             <xsi:playCollectId>1</xsi:playCollectId><xsi:playCollectType>Silence</xsi:playCollectType>\
             </xsi:playCollectInfo></xsi:queueEntry></xsi:eventData>",
        ),
    ];
    for xml in cases {
        assert_eq!(xsi::check(&xml), Ok(()), "{xml}");
    }
}

#[test]
fn mistakes_are_caught() {
    let cases: Vec<(String, &str)> = vec![
        (
            flat("RoutePointPlayBusy", ""),
            "missing a required child of element:RoutePointPlayBusy (expected one of busyPattern",
        ),
        (
            flat("EventResponse", "<eventID>e</eventID><reason>r</reason>"),
            "EventResponse/reason: out of schema order",
        ),
        (
            flat(
                "Channel",
                "<priority>1</priority><channelSetId>s</channelSetId>",
            ),
            "Channel/channelSetId: out of schema order",
        ),
        (
            flat("RoutePointPlayBusy", "<busyPattern>Slow</busyPattern>"),
            "\"Slow\" is not a BusyPattern value",
        ),
        (
            flat(
                "EventResponse",
                "<eventID>e</eventID><statusCode>202</statusCode><reason>r</reason>",
            ),
            "is not a EventResponseStatusCode value",
        ),
        (
            flat(
                "Channel",
                "<channelSetId>s</channelSetId><colour>red</colour>",
            ),
            "Channel/colour: not a child of Channel",
        ),
        (
            flat("Channel", "<priority>0</priority>"),
            "\"0\" is not a PositiveInt value",
        ),
        (
            flat("Channel", "<priority>one</priority>"),
            "is not a PositiveInt value",
        ),
        (
            flat("Channel", "<priority>1</priority><priority>1</priority>"),
            "out of schema order",
        ),
        (
            flat(
                "RoutePointPlayTreatment",
                &format!(
                    "<audioUrlList>{}</audioUrlList>",
                    "<uri>http://a</uri>".repeat(5)
                ),
            ),
            "out of schema order",
        ),
        (
            flat("RoutePointPlayRingback", ""),
            "RoutePointPlayRingback is not a global element",
        ),
        (
            "<Channel xmlns=\"urn:other\"/>".into(),
            "not the Xsi namespace",
        ),
        (
            format!("<Channel xmlns=\"{NAMESPACE}\"><expires xmlns=\"\">1</expires></Channel>"),
            "Channel/expires: in namespace None",
        ),
        (
            held().replace("xsi:CallHeldEvent", "xsi:CallParkedEvent"),
            "xsi:type \"xsi:CallParkedEvent\": no such type",
        ),
        (
            held().replace("xsi:CallHeldEvent", "xsi:Call"),
            "xsi:type Call does not derive from EventData",
        ),
        (
            held().replace("xsi:CallHeldEvent", "xsi:CallEvent"),
            "xsi:type CallEvent is abstract",
        ),
        (
            held().replace(" xsi1:type=\"xsi:CallHeldEvent\"", ""),
            "EventData is abstract",
        ),
        (
            held().replace("<xsi:personality>Terminator</xsi:personality>", ""),
            "out of schema order in Call (expected one of networkCallId, personality)",
        ),
        (
            held().replace("countryCode=\"1\"", "country=\"1\""),
            "address/@country: not an attribute",
        ),
        (
            held().replace("countryCode=\"1\"", "countryCode=\"0\""),
            "address/@countryCode: \"0\" is not a CountryCode value",
        ),
        (
            held().replace(
                "<xsi:callType>Group</xsi:callType>",
                "<xsi:callType>Local</xsi:callType>",
            ),
            "\"Local\" is not a CallType value",
        ),
        (
            event("<xsi:eventData xsi1:type=\"xsi:RoutePointRecoveredEvent\">x</xsi:eventData>"),
            "holds no text",
        ),
        (
            held().replace(
                "<xsi:address countryCode=\"1\">tel:2002</xsi:address>",
                "<xsi:address><xsi:uri>tel:2002</xsi:uri></xsi:address>",
            ),
            "holds text only",
        ),
        ("<Channel".into(), "not well-formed"),
    ];
    for (xml, needle) in cases {
        let got = xsi::check(&xml);
        assert!(
            got.as_ref().is_err_and(|e| e.contains(needle)),
            "{xml}\ngave {got:?}, expected an error with {needle:?}"
        );
    }
}

#[test]
fn documents_are_named_by_their_event_type() {
    let cases = [
        (held(), "CallHeldEvent"),
        (flat("Channel", ""), "Channel"),
        (
            format!(
                "<xsi:Event xmlns:xsi=\"{NAMESPACE}\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" \
                 xsi1:type=\"xsi:ChannelTerminatedEvent\"/>"
            ),
            "ChannelTerminatedEvent",
        ),
        ("<bad".into(), "(not XML)"),
    ];
    for (xml, kind) in cases {
        assert_eq!(schema().check_document(&xml).0, kind, "{xml}");
    }
}

#[test]
fn event_types_of_a_package_file() {
    let rp = schema().event_types(xsi::ROUTE_POINT_QUEUE);
    for name in [
        "RoutePointFailedEvent",
        "RoutePointCallAddedEvent",
        "RoutePointSubscriptionResyncEvent",
    ] {
        assert!(rp.contains(&name), "{name}");
    }
    let calls = schema().event_types(xsi::ADVANCED_CALL);
    assert!(calls.contains(&"CallHeldEvent"));
    // Abstract in the schema: never an event type.
    assert!(!calls.contains(&"CallEvent"));
    assert!(!calls.contains(&"Call"));
    assert_eq!(
        schema().enum_values("BusyPattern"),
        ["Normal", "FastBusy"],
        "enumerations read back"
    );
}

/// The schema-complete documents of every event type of the subscribed
/// packages, and of the bodies bwcsta sends, pass the checker.
#[test]
fn complete_documents_pass() {
    let mut seen = 0;
    for file in [
        xsi::ADVANCED_CALL,
        xsi::CALL_CENTER_QUEUE,
        xsi::ROUTE_POINT_QUEUE,
        xsi::CALL_CENTER_AGENT,
    ] {
        for type_name in schema().event_types(file) {
            let xml = schema().complete_event(type_name);
            assert_eq!(xsi::check(&xml), Ok(()), "{xml}");
            seen += 1;
        }
    }
    assert!(seen > 100, "{seen}");
    for root in [
        "Channel",
        "Subscription",
        "ErrorInfo",
        "RoutePointPlayTreatment",
        "CallCenter",
    ] {
        let xml = schema().complete_element(root);
        assert_eq!(xsi::check(&xml), Ok(()), "{xml}");
    }
    let agent = schema().complete_event("AgentStateEvent");
    for part in [
        "<xsi:stateTimestamp><xsi:value>",
        "<xsi:severity>0</xsi:severity>",
        "<xsi:state>Sign-In</xsi:state>",
    ] {
        assert!(agent.contains(part), "{part}: {agent}");
    }
}
