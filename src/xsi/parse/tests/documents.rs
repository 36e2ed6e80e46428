//! Other documents, namespaces and prefixes, encodings, malformed input,
//! and the small helpers.

use super::super::dom::invalid;
use super::*;

/// Prefixes are irrelevant: only local names count.
#[test]
fn any_prefix_or_default_namespace() {
    let expected = EventData::Call {
        kind: CallEventKind::Received,
        call: base_call(),
    };
    for (p, t) in [
        ("xsi", "xsi1"),
        ("bw", "xsi"),
        ("a", "b"),
        ("", "xsi1"),
        ("", "i"),
    ] {
        let doc = event_with(p, t, ENVELOPE, "CallReceivedEvent", CALL);
        let parsed = parse_doc(doc.as_bytes());
        let Ok(XsiDoc::Event(event)) = parsed else {
            panic!("{p}/{t}: {parsed:?}");
        };
        assert_eq!(event.data, expected, "{p}/{t}");
        assert_eq!(
            (
                event.event_id.as_str(),
                event.sequence_number,
                event.target_id.as_deref()
            ),
            ("ev-1", 7, Some("2001@example.net")),
            "{p}/{t}"
        );
    }
}

#[test]
fn other_documents() {
    let terminated = |inner: &str| {
        format!(
            "{DECL}<xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:ChannelTerminatedEvent\">{inner}</xsi:Event>"
        )
    };
    let cases: Vec<(String, Result<XsiDoc>)> = vec![
        (
            terminated("<xsi:channelId>ch-9</xsi:channelId><xsi:reason>ExplicitDelete</xsi:reason>"),
            Ok(XsiDoc::ChannelTerminated {
                channel_id: "ch-9".into(),
                reason: "ExplicitDelete".into(),
            }),
        ),
        (
            terminated(""),
            Ok(XsiDoc::ChannelTerminated {
                channel_id: String::new(),
                reason: String::new(),
            }),
        ),
        (
            terminated("<xsi:errorCode>1</xsi:errorCode><xsi:errorMessage>bad write</xsi:errorMessage>")
                .replace("ChannelTerminatedEvent", "ErrorEvent"),
            Ok(XsiDoc::ErrorEvent {
                code: Some("1".into()),
                message: Some("bad write".into()),
            }),
        ),
        (
            terminated("").replace("ChannelTerminatedEvent", "FancyEvent"),
            Err(XsiParseError::Invalid {
                element: "Event type",
                value: "FancyEvent".into(),
            }),
        ),
        (
            terminated("").replace(" xsi1:type=\"xsi:ChannelTerminatedEvent\"", ""),
            Err(XsiParseError::Missing("Event type")),
        ),
        (
            format!("{DECL}<ChannelHeartBeat xmlns=\"http://schema.broadsoft.com/xsi\"/>"),
            Ok(XsiDoc::Heartbeat),
        ),
        ("<ChannelHeartbeat/>".into(), Ok(XsiDoc::Heartbeat)),
        (
            format!("{DECL}\n<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><channelId>c</channelId></Channel>"),
            Ok(XsiDoc::Channel {
                channel_id: "c".into(),
                expires: None,
            }),
        ),
        (
            "<Channel><channelId>c</channelId><expires>-5</expires></Channel>".into(),
            Err(XsiParseError::Invalid {
                element: "expires",
                value: "-5".into(),
            }),
        ),
        (
            "<Subscription xmlns=\"http://schema.broadsoft.com/xsi\"><subscriptionId>s</subscriptionId></Subscription>".into(),
            Ok(XsiDoc::Subscription {
                subscription_id: "s".into(),
                expires: None,
            }),
        ),
        (
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<ErrorInfo xmlns=\"http://schema.broadsoft.com/xsi\">\n  <summary>Phone Number already exists +1123456789.</summary>\n  <summaryEnglish>Phone Number already exists +1123456789.</summaryEnglish>\n  <errorCode>8251</errorCode>\n</ErrorInfo>".into(),
            Ok(XsiDoc::ErrorInfo {
                summary: Some("Phone Number already exists +1123456789.".into()),
                error_code: Some("8251".into()),
            }),
        ),
        (
            "<ErrorInfo><summary>Kein Zugriff</summary></ErrorInfo>".into(),
            Ok(XsiDoc::ErrorInfo {
                summary: Some("Kein Zugriff".into()),
                error_code: None,
            }),
        ),
        (
            "<EventResponse xmlns=\"http://schema.broadsoft.com/xsi\"><eventID>e</eventID></EventResponse>".into(),
            Ok(XsiDoc::Other("EventResponse".into())),
        ),
        (
            "<x:CallStartInfo xmlns:x=\"u\"/>".into(),
            Err(XsiParseError::Missing("callId")),
        ),
        (
            "<CallStartInfo xmlns=\"http://schema.broadsoft.com/xsi\"><callId>callhalf-488:0</callId>\
             <externalTrackingId>70:1</externalTrackingId></CallStartInfo>"
                .into(),
            Ok(XsiDoc::CallStartInfo {
                call_id: "callhalf-488:0".into(),
                external_tracking_id: "70:1".into(),
            }),
        ),
        (
            "<CallStartInfo><callId>c</callId><externalTrackingId> </externalTrackingId></CallStartInfo>"
                .into(),
            Err(XsiParseError::Missing("externalTrackingId")),
        ),
        ("\u{feff}<ChannelHeartBeat/>".into(), Ok(XsiDoc::Heartbeat)),
    ];
    for (xml, expected) in cases {
        assert_eq!(parse_doc(xml.as_bytes()), expected, "{xml}");
    }
}

#[test]
fn encodings() {
    let latin1: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><ErrorInfo><summary>Fehler \xe9\xfc</summary></ErrorInfo>";
    assert_eq!(
        parse_doc(latin1),
        Ok(XsiDoc::ErrorInfo {
            summary: Some("Fehler éü".into()),
            error_code: None
        })
    );
    let utf8 =
        "<?xml version='1.0' encoding='UTF-8'?><ErrorInfo><summary>Fehler éü</summary></ErrorInfo>";
    assert_eq!(
        parse_doc(utf8.as_bytes()),
        Ok(XsiDoc::ErrorInfo {
            summary: Some("Fehler éü".into()),
            error_code: None
        })
    );
}

#[test]
fn malformed_documents() {
    let cases: &[&[u8]] = &[
        b"",
        b"   ",
        b"<a>",
        b"<a></b>",
        b"<a/><b/>",
        b"not xml",
        b"<a>\xff\xfe</a>",
        b"<a x='1' x='2'/>",
        b"<x:a/>",
        b"<a>&bogus;</a>",
    ];
    for xml in cases {
        let parsed = parse_doc(xml);
        assert!(
            matches!(parsed, Err(XsiParseError::NotWellFormed(_))),
            "{}: {parsed:?}",
            String::from_utf8_lossy(xml)
        );
    }
}

#[test]
fn helpers() {
    let stripped = [
        ("xsi:CallReceivedEvent", "CallReceivedEvent"),
        ("CallReceivedEvent", "CallReceivedEvent"),
        ("a:b:c", "c"),
        (":x", "x"),
        ("", ""),
    ];
    for (value, local) in stripped {
        assert_eq!(strip_type_prefix(value), local);
    }
    let wire = ["Originator", "Terminator", "Click-to-Dial", "Other", ""];
    for value in wire {
        assert_eq!(Personality::from_wire(value).as_str(), value);
    }
    let states = [
        "Alerting",
        "Active",
        "Held",
        "Remote Held",
        "Detached",
        "Released",
        "Idle",
        "x",
    ];
    for value in states {
        assert_eq!(CallState::from_wire(value).as_str(), value);
    }
    let errors = [
        (XsiParseError::Missing("eventID"), "lacks mandatory eventID"),
        (
            XsiParseError::Invalid {
                element: "sequenceNumber",
                value: "x".into(),
            },
            "invalid sequenceNumber: \"x\"",
        ),
        (
            XsiParseError::NotWellFormed("boom".into()),
            "not well-formed: boom",
        ),
    ];
    for (err, text) in errors {
        assert!(err.to_string().contains(text), "{err}");
    }
    // Quoted invalid values are cut on a character boundary.
    let long = "é".repeat(40);
    let XsiParseError::Invalid { value, .. } = invalid("x", &long) else {
        panic!();
    };
    assert_eq!(value, "é".repeat(32));
}
