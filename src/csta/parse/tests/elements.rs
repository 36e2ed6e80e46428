//! Matching roots and elements: namespaces, prefixes, text, unknown
//! children; monitor filters, event envelopes and `is_request`.

use super::*;

#[test]
fn unknown_roots_are_other_and_events_are_events() {
    let cases: &[(&str, bool)] = &[
        ("<GetCSTAFeatures/>", false),
        ("<AnswerCallResponse/>", false),
        (
            "<Foo xmlns=\"urn:x\"><monitorCrossRefID>1</monitorCrossRefID></Foo>",
            false,
        ),
        ("<monitorStart><monitorObject/></monitorStart>", false), // names are case-sensitive
        ("<HeldEvent/>", true),
        ("<AgentReadyEvent xmlns=\"urn:x\"/>", true),
        ("<Event/>", true),
    ];
    for (xml, is_event) in cases {
        let got = message(xml).expect("well-formed");
        assert_eq!(matches!(got, Message::Event(_)), *is_event, "{xml}");
        assert_eq!(got == Message::Other, !is_event, "{xml}");
    }
}

#[test]
fn namespaces_and_prefixes() {
    const CSTA: &str = "http://www.ecma-international.org/standards/ecma-323/csta";
    const STOP: &str = "<MonitorStop{}><monitorCrossRefID>7</monitorCrossRefID></MonitorStop>";
    let plain = |attrs: &str| STOP.replace("{}", attrs);
    let cases: Vec<(String, Option<Edition>)> = vec![
        (
            format!(
                "<csta:MonitorStop xmlns:csta=\"{CSTA}/ed6\">\
                 <csta:monitorCrossRefID>7</csta:monitorCrossRefID></csta:MonitorStop>"
            ),
            Some(Edition::Ed6),
        ),
        (
            // Children in another namespace still match by local name.
            format!(
                "<a:MonitorStop xmlns:a=\"{CSTA}/ed4\" xmlns:b=\"urn:other\">\
                 <b:monitorCrossRefID>7</b:monitorCrossRefID></a:MonitorStop>"
            ),
            Some(Edition::Ed4),
        ),
        (
            plain(" xmlns=\"http://www.ecma.ch/standards/ecma-323/csta/ed2\""),
            Some(Edition::Ed2),
        ),
        (
            plain(&format!(" xmlns=\"{CSTA}/ed3/priv2\"")),
            Some(Edition::Ed3),
        ),
        (plain(&format!(" xmlns=\"{CSTA}/ed5\"")), Some(Edition::Ed5)),
        (
            plain(&format!(" xmlns=\"{CSTA}/ed6/short_tags\"")),
            Some(Edition::Ed6),
        ),
        (plain(" xmlns=\"http://www.avaya.com/csta\""), None),
        // A declared but unused prefix leaves the root in no namespace.
        (plain(&format!(" xmlns:x=\"{CSTA}/ed4\"")), None),
        (plain(&format!(" xmlns=\"{APPL_SESSION_NS}\"")), None),
        (plain(""), None),
    ];
    for (xml, edition) in &cases {
        let got = parse_str(xml).expect("parses");
        assert_eq!(got.root, "MonitorStop", "{xml}");
        assert_eq!(got.edition, *edition, "{xml}");
        assert_eq!(
            got.message,
            Message::MonitorStop { cross_ref: s("7") },
            "{xml}"
        );
    }
}

#[test]
fn text_is_trimmed_and_joined() {
    let long_pad = " ".repeat(50_000);
    let padded = format!("{long_pad}\n3021033\n{long_pad}");
    let cases: Vec<(&str, &str)> = vec![
        ("3021033", "3021033"),
        ("\n\t  3021033 \r\n", "3021033"),
        (&padded, "3021033"),
        ("30<!-- comment -->21", "3021"),
        ("<![CDATA[N<1>]]>", "N<1>"),
        (" <![CDATA[ x ]]> ", "x"),
        ("N&lt;302118840100&gt;;noa=nk", "N<302118840100>;noa=nk"),
        ("&#x33;&#48;", "30"),
        ("\u{a0}42\u{a0}", "\u{a0}42\u{a0}"),
        ("a b", "a b"),
        ("30<ignored>99</ignored>21", "3021"),
    ];
    for (text, want) in cases {
        let xml = doc(
            "SnapshotDevice",
            &format!("<snapshotObject>{text}</snapshotObject>"),
        );
        let got = message(&xml);
        assert_eq!(
            got,
            Ok(Message::SnapshotDevice { device: s(want) }),
            "{text:?}"
        );
    }
}

#[test]
fn unknown_children_and_extensions_are_ignored() {
    let xml = doc(
        "MonitorStart",
        r#"<vendorThing>x</vendorThing>
           <monitorObject><junk/><deviceObject typeOfNumber="other" mediaClass="notKnown">
             42</deviceObject><deviceObject>second</deviceObject></monitorObject>
           <requestedMonitorFilter>
             <callcontrol><delivered>true</delivered><established>false</established>
               <connectionCleared> 1 </connectionCleared><held/></callcontrol>
             <callAssociated><callInformation>true</callInformation></callAssociated>
             <logicalDeviceFeature><agentReady>true</agentReady></logicalDeviceFeature>
             <maintenance><backInService>0</backInService></maintenance>
             <privateFilter><bogus>maybe</bogus><other>true</other></privateFilter>
           </requestedMonitorFilter>
           <monitorType>device</monitorType>
           <extensions><privateData><private>
             <x:y xmlns:x="urn:x">z</x:y>
           </private></privateData></extensions>"#,
    );
    let got = message(&xml);
    let want = Message::MonitorStart {
        device: s("42"),
        filter: MonitorFilter::from_flags(&[
            "delivered",
            "connectionCleared",
            "callInformation",
            "agentReady",
        ]),
    };
    assert_eq!(got, Ok(want));
}

#[test]
fn monitor_filter_set_semantics() {
    let filter = MonitorFilter::from_flags(&["transferred", "delivered", "delivered", "held"]);
    assert_eq!(
        filter.flags().collect::<Vec<_>>(),
        ["delivered", "held", "transferred"]
    );
    let cases: &[(&str, bool)] = &[
        ("delivered", true),
        ("held", true),
        ("transferred", true),
        ("Delivered", false),
        ("established", false),
        ("", false),
        ("zzz", false),
    ];
    for (flag, want) in cases {
        assert_eq!(filter.suppresses(flag), *want, "{flag}");
    }
    assert!(MonitorFilter::default().is_empty());
    assert!(!MonitorFilter::default().suppresses("delivered"));
    assert!(!filter.is_empty());
    assert_eq!(
        MonitorFilter::from_flags(&["b", "a"]),
        MonitorFilter::from_flags(&["a", "b", "a"])
    );
}

#[test]
fn event_envelopes() {
    let cases: Vec<(&str, EventInfo)> = vec![
        (
            "<ConnectionClearedEvent><monitorCrossRefID>5</monitorCrossRefID>\
             <droppedConnection><callID>C</callID><deviceID>D</deviceID></droppedConnection>\
             <releasingDevice><deviceIdentifier>D</deviceIdentifier></releasingDevice>\
             <localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause>\
             </ConnectionClearedEvent>",
            EventInfo {
                name: s("ConnectionClearedEvent"),
                cross_ref: Some(s("5")),
                connection: Some((s("droppedConnection"), conn(Some("C"), Some("D")))),
                devices: devices(&[("releasingDevice", Some("D"))]),
                local_connection_info: Some(s("null")),
                cause: Some(s("normalClearing")),
            },
        ),
        (
            "<TransferedEvent><monitorCrossRefID>6</monitorCrossRefID>\
             <primaryOldCall><callID>P</callID></primaryOldCall>\
             <secondaryOldCall><callID>S</callID></secondaryOldCall>\
             <transferringDevice><restricted/></transferringDevice>\
             <transferredToDevice><notKnown/></transferredToDevice>\
             <lastRedirectionDevice><numberDialed>777</numberDialed></lastRedirectionDevice>\
             <calledDevice><notSpecified/></calledDevice>\
             <callingDevice><deviceIdentifier/></callingDevice></TransferedEvent>",
            EventInfo {
                name: s("TransferedEvent"),
                cross_ref: Some(s("6")),
                connection: Some((s("primaryOldCall"), conn(Some("P"), None))),
                devices: devices(&[
                    ("transferringDevice", None),
                    ("transferredToDevice", None),
                    ("lastRedirectionDevice", Some("777")),
                    ("calledDevice", None),
                    ("callingDevice", None),
                ]),
                local_connection_info: None,
                cause: None,
            },
        ),
        (
            "<AgentReadyEvent><monitorCrossRefID>7</monitorCrossRefID>\
             <agentDevice><deviceIdentifier>100</deviceIdentifier></agentDevice>\
             <agentID>a1</agentID></AgentReadyEvent>",
            EventInfo {
                name: s("AgentReadyEvent"),
                cross_ref: Some(s("7")),
                connection: None,
                devices: devices(&[("agentDevice", Some("100"))]),
                local_connection_info: None,
                cause: None,
            },
        ),
        (
            "<DeliveredEvent/>",
            EventInfo {
                name: s("DeliveredEvent"),
                ..EventInfo::default()
            },
        ),
    ];
    for (xml, want) in cases {
        assert_eq!(message(xml), Ok(Message::Event(want)), "{xml}");
    }
}

#[test]
fn is_request_by_kind() {
    let cases: Vec<(Message, bool)> = vec![
        (
            Message::StartApplicationSession {
                application_id: s("a"),
                protocol_versions: vec![],
                requested_duration: None,
            },
            true,
        ),
        (Message::StopApplicationSession { session_id: s("s") }, true),
        (
            Message::ResetApplicationSessionTimer {
                session_id: s("s"),
                requested_duration: None,
            },
            true,
        ),
        (
            Message::SystemRegister {
                system_status: true,
            },
            true,
        ),
        (
            Message::SystemRegisterCancel {
                register_id: s("r"),
            },
            true,
        ),
        (Message::RequestSystemStatus, true),
        (
            Message::SystemStatus {
                status: s("normal"),
            },
            true,
        ),
        (
            Message::MonitorStart {
                device: s("1"),
                filter: MonitorFilter::default(),
            },
            true,
        ),
        (Message::MonitorStop { cross_ref: s("1") }, true),
        (Message::SnapshotDevice { device: s("1") }, true),
        (
            Message::MakeCall {
                calling_device: s("1"),
                called_directory_number: s("2"),
            },
            true,
        ),
        (
            Message::HoldCall {
                call: conn(Some("c"), None),
            },
            true,
        ),
        (
            Message::SetDoNotDisturb {
                device: s("1"),
                on: true,
            },
            true,
        ),
        (Message::Other, true),
        (
            Message::StartApplicationSessionPosResponse {
                session_id: s("s"),
                protocol_version: None,
                duration: None,
            },
            false,
        ),
        (
            Message::StartApplicationSessionNegResponse { error: s("e") },
            false,
        ),
        (Message::StopApplicationSessionPosResponse, false),
        (
            Message::ResetApplicationSessionTimerPosResponse { duration: None },
            false,
        ),
        (
            Message::SystemRegisterResponse {
                register_id: s("r"),
            },
            false,
        ),
        (Message::SystemRegisterCancelResponse, false),
        (
            Message::RequestSystemStatusResponse {
                status: s("normal"),
            },
            false,
        ),
        (Message::SystemStatusResponse, false),
        (Message::MonitorStartResponse { cross_ref: s("1") }, false),
        (Message::MonitorStopResponse, false),
        (Message::SnapshotDeviceResponse { items: vec![] }, false),
        (
            Message::MakeCallResponse {
                calling_device: conn(Some("c"), None),
            },
            false,
        ),
        (Message::Event(EventInfo::default()), false),
        (
            Message::ErrorCode {
                category: s("operation"),
                value: s("generic"),
            },
            false,
        ),
    ];
    for (msg, want) in cases {
        assert_eq!(msg.is_request(), want, "{msg:?}");
    }
}

/// A mandatory boolean is an `xs:boolean`: `true`/`1`, `false`/`0`, XML
/// whitespace around it trimmed; anything else, empty included, is invalid
/// (the rule the Xsi flags share, see `xml::text::xs_boolean`).
#[test]
fn booleans_are_xs_booleans() {
    let cases: &[(&str, Result<bool, &str>)] = &[
        ("true", Ok(true)),
        ("1", Ok(true)),
        (" 1\n", Ok(true)),
        ("false", Ok(false)),
        ("0", Ok(false)),
        ("\t0 ", Ok(false)),
        ("", Err("")),
        ("TRUE", Err("TRUE")),
        ("yes", Err("yes")),
        ("01", Err("01")),
    ];
    for (value, want) in cases {
        let xml = doc(
            "SetDoNotDisturb",
            &format!("<device>1</device><doNotDisturbOn>{value}</doNotDisturbOn>"),
        );
        let want = match want {
            Ok(on) => Ok(Message::SetDoNotDisturb {
                device: s("1"),
                on: *on,
            }),
            Err(text) => Err(invalid("SetDoNotDisturb", "doNotDisturbOn", text)),
        };
        assert_eq!(message(&xml), want, "{value:?}");
    }
}
