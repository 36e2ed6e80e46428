//! Subscription events: the samples, every event kind, call fields and
//! envelopes.

use super::*;

#[test]
fn sample_files_parse_into_the_right_variant() {
    let subscription = parse_doc(&sample("CallSubscriptionEvent-kimwinther.xml"));
    assert_eq!(
        subscription,
        Ok(XsiDoc::Event(XsiEvent {
            event_id: "957d0482-6cdd-4189-b477-19c6793f113a".into(),
            sequence_number: 1,
            user_id: "username@qsc.de".into(),
            external_application_id: "KIWI-XSIEvents responsetime checker 1.0.3".into(),
            subscription_id: "98ed3939-c113-419c-8012-092556b85c66".into(),
            channel_id: Some("64eddc79-b707-4827-aacd-487fb5cb8427".into()),
            target_id: None,
            data: EventData::Subscription {
                resync: false,
                calls: vec![],
                hook_status: Some("On-Hook".into()),
            },
        }))
    );

    let answered = parse_doc(&sample(
        "CallAnsweredEvent-httpContact-laravelbroadsoft.xml",
    ));
    let Ok(XsiDoc::Event(answered)) = answered else {
        panic!("{answered:?}");
    };
    assert_eq!(
        (
            answered.event_id.as_str(),
            answered.sequence_number,
            answered.channel_id.as_deref()
        ),
        ("d977104c-8cca-437c-9b4e-30c03ba1f20a", 4, None)
    );
    assert_eq!(answered.target_id.as_deref(), Some("targetId"));
    assert_eq!(
        answered.data,
        EventData::Call {
            kind: CallEventKind::Answered,
            call: Call {
                call_id: "ccallId".into(),
                ext_tracking_id: "extTrackingId".into(),
                personality: Personality::Originator,
                state: CallState::Active,
                remote_party: RemoteParty {
                    name: Some("name".into()),
                    address: Some("address".into()),
                    user_id: Some("userId".into()),
                    user_dn: Some("userDN".into()),
                    call_type: Some("Group".into()),
                    privacy: false,
                },
                allow_answer: false,
                start_time: Some(1456130781929),
                answer_time: Some(1456130787729),
                ..base_call()
            },
        }
    );

    let agent = parse_doc(&sample("AgentStateEvent-httpContact-laravelbroadsoft.xml"));
    let Ok(XsiDoc::Event(agent)) = agent else {
        panic!("{agent:?}");
    };
    assert_eq!(agent.sequence_number, 27);
    assert_eq!(agent.external_application_id, "CallCenterAgent");
    assert_eq!(
        agent.data,
        EventData::AgentState {
            state: Some("Unavailable".into()),
            snapshot: false,
        }
    );

    let table: &[(&str, Result<XsiDoc>)] = &[
        (
            "ChannelAddResponse-kimwinther.xml",
            Ok(XsiDoc::Channel {
                channel_id: "64eddc79-b707-4827-aacd-487fb5cb8427".into(),
                expires: Some(86400),
            }),
        ),
        (
            "SubscriptionResponse-kimwinther.xml",
            Ok(XsiDoc::Subscription {
                subscription_id: "98ed3939-c113-419c-8012-092556b85c66".into(),
                expires: Some(86400),
            }),
        ),
        // Requests are not responses: the server-assigned id is absent.
        (
            "ChannelAddRequest-kimwinther.xml",
            Err(XsiParseError::Missing("channelId")),
        ),
        (
            "SubscriptionRequest-kimwinther.xml",
            Err(XsiParseError::Missing("subscriptionId")),
        ),
    ];
    for (name, expected) in table {
        assert_eq!(&parse_doc(&sample(name)), expected, "{name}");
    }
}

#[test]
fn every_call_event_kind() {
    for kind in CallEventKind::ALL {
        let doc = event(kind.type_name(), CALL);
        assert_eq!(
            data_of(parse_doc(doc.as_bytes())),
            EventData::Call {
                kind: *kind,
                call: base_call()
            },
            "{kind:?}"
        );
    }
    assert_eq!(CallEventKind::ALL.len(), 17);
}

#[test]
fn kind_names_round_trip() {
    let names: &[(&str, Option<CallEventKind>)] = &[
        ("CallOriginatingEvent", Some(CallEventKind::Originating)),
        ("CallReceivedEvent", Some(CallEventKind::Received)),
        ("CallBargedInEvent", Some(CallEventKind::BargedIn)),
        ("callreceivedevent", Some(CallEventKind::Received)),
        ("CallRedirectedEvent", None),
        ("CallReceived", None),
        ("", None),
    ];
    for (name, kind) in names {
        assert_eq!(CallEventKind::from_type_name(name), *kind, "{name}");
    }
    for kind in CallEventKind::ALL {
        assert_eq!(CallEventKind::from_type_name(kind.type_name()), Some(*kind));
    }
    for kind in ConferenceEventKind::ALL {
        assert_eq!(
            ConferenceEventKind::from_type_name(kind.type_name()),
            Some(*kind)
        );
    }
    assert_eq!(
        ConferenceEventKind::from_type_name("ConferenceMutedEvent"),
        None
    );
}

#[test]
fn every_conference_event_kind() {
    let conference = "<conference><state>Active</state><appearance>1</appearance>\
        <conferenceParticipantList><conferenceParticipant><callId>callhalf-1:0</callId></conferenceParticipant>\
        <conferenceParticipant><callId>callhalf-2:0</callId><muted/></conferenceParticipant>\
        </conferenceParticipantList></conference>";
    for kind in ConferenceEventKind::ALL {
        assert_eq!(
            data_of(parse_doc(event(kind.type_name(), conference).as_bytes())),
            EventData::Conference {
                kind: *kind,
                conference: Conference {
                    state: Some("Active".into()),
                    participants: vec!["callhalf-1:0".into(), "callhalf-2:0".into()],
                },
            },
            "{kind:?}"
        );
    }
    assert_eq!(ConferenceEventKind::ALL.len(), 5);
}

#[test]
fn other_event_data_types() {
    let two_calls = format!(
        "<calls>{CALL}{}</calls>",
        CALL.replace("callhalf-1:0", "callhalf-2:0")
    );
    let second = Call {
        call_id: "callhalf-2:0".into(),
        ..base_call()
    };
    let cases: Vec<(&str, String, Result<EventData>)> = vec![
        (
            "CallRedirectedEvent",
            two_calls.clone(),
            Ok(EventData::Redirected {
                calls: vec![base_call(), second.clone()],
            }),
        ),
        ("CallRedirectedEvent", String::new(), Err(XsiParseError::Missing("calls"))),
        (
            "CallSubscriptionEvent",
            format!("{two_calls}<conference><state>Active</state></conference><hookStatus>Off-Hook</hookStatus>"),
            Ok(EventData::Subscription {
                resync: false,
                calls: vec![base_call(), second.clone()],
                hook_status: Some("Off-Hook".into()),
            }),
        ),
        (
            "CallSubscriptionResyncEvent",
            "<calls/><hookStatus>On-Hook</hookStatus>".into(),
            Ok(EventData::Subscription {
                resync: true,
                calls: vec![],
                hook_status: Some("On-Hook".into()),
            }),
        ),
        (
            "CallSubscriptionEvent",
            String::new(),
            Ok(EventData::Subscription {
                resync: false,
                calls: vec![],
                hook_status: None,
            }),
        ),
        (
            "HookStatusEvent",
            "<hookStatus>Off-Hook</hookStatus>".into(),
            Ok(EventData::HookStatus {
                hook_status: "Off-Hook".into(),
            }),
        ),
        ("HookStatusEvent", String::new(), Err(XsiParseError::Missing("hookStatus"))),
        ("SubscriptionTerminatedEvent", String::new(), Ok(EventData::SubscriptionTerminated)),
        (
            "CallRecordingStartedEvent",
            format!("{CALL}<recordingState>Started</recordingState>"),
            Ok(EventData::Feature(FeatureEvent::Recording {
                kind: RecordingEventKind::Started,
                call: base_call(),
            })),
        ),
        (
            "CallRecordingStoppedEvent",
            format!("{CALL}<reason>User Requested</reason>"),
            Ok(EventData::Feature(FeatureEvent::Recording {
                kind: RecordingEventKind::Stopped,
                call: base_call(),
            })),
        ),
        ("CallRecordingPausedEvent", String::new(), Err(XsiParseError::Missing("call"))),
        (
            "DoNotDisturbEvent",
            "<info><active>true</active><ringSplash>false</ringSplash></info>".into(),
            Ok(EventData::Feature(FeatureEvent::DoNotDisturb { active: Some(true) })),
        ),
        (
            "DoNotDisturbEvent",
            "<unassigned/>".into(),
            Ok(EventData::Feature(FeatureEvent::DoNotDisturb { active: None })),
        ),
        (
            "DoNotDisturbEvent",
            "<info><active>yes</active></info>".into(),
            Err(XsiParseError::Invalid {
                element: "active",
                value: "yes".into(),
            }),
        ),
        (
            "CallForwardingAlwaysEvent",
            "<info><active>1</active><forwardToPhoneNumber>+15550100</forwardToPhoneNumber></info>"
                .into(),
            Ok(EventData::Feature(FeatureEvent::ForwardingAlways {
                active: Some(true),
                forward_to: Some("+15550100".into()),
            })),
        ),
        (
            "CallForwardingAlwaysEvent",
            "<info/>".into(),
            Ok(EventData::Feature(FeatureEvent::ForwardingAlways {
                active: Some(false),
                forward_to: None,
            })),
        ),
        (
            "ACDCallAddedEvent",
            "<queueEntry><callId>x</callId></queueEntry>".into(),
            Err(XsiParseError::Missing("queueEntry/extTrackingId")),
        ),
        ("CallReceivedEvent", String::new(), Err(XsiParseError::Missing("call"))),
        ("ConferenceStartedEvent", String::new(), Err(XsiParseError::Missing("conference"))),
    ];
    for (data_type, data, expected) in cases {
        let doc = event(data_type, &data);
        let parsed = parse_doc(doc.as_bytes()).map(|d| match d {
            XsiDoc::Event(e) => e.data,
            other => panic!("{other:?}"),
        });
        // An unreadable payload keeps its envelope (it is acknowledged
        // and sequenced).
        let expected = expected.or_else(|e| {
            Ok(EventData::Malformed {
                type_name: data_type.to_owned(),
                error: e.to_string(),
            })
        });
        assert_eq!(parsed, expected, "{data_type} {data}");
    }
}

/// Flags are marker elements whose spelt-out value is an `xs:boolean`:
/// `0` is false like `false` (it used to read as true), `1` true like
/// `true`, an empty element true, an absent one false.
#[test]
fn flags_are_xs_booleans() {
    let cases: &[(&str, bool)] = &[
        ("<F/>", true),
        ("<F></F>", true),
        ("<F>true</F>", true),
        ("<F>1</F>", true),
        ("<F> 1 </F>", true),
        ("<F>false</F>", false),
        ("<F>0</F>", false),
        ("<F>\n 0\n</F>", false),
        ("", false),
    ];
    for (element, want) in cases {
        let flags = |name: &str| element.replace('F', name);
        let inner = format!(
            "{}{}<remoteParty>{}</remoteParty>",
            flags("allowAnswer"),
            flags("allowRetrieve"),
            flags("privacy")
        );
        let doc = event(
            "CallUpdatedEvent",
            &format!("<call><callId>c</callId><extTrackingId>t</extTrackingId>{inner}</call>"),
        );
        let EventData::Call { call, .. } = data_of(parse_doc(doc.as_bytes())) else {
            panic!("not a call event: {inner}");
        };
        assert_eq!(
            (
                call.allow_answer,
                call.allow_retrieve,
                call.remote_party.privacy
            ),
            (*want, *want, *want),
            "{inner}"
        );
    }
}

/// Every way the optional call fields can appear.
#[test]
fn call_fields() {
    let call = |inner: &str| {
        format!("<call><callId>c</callId><extTrackingId>t</extTrackingId>{inner}</call>")
    };
    let minimal = Call {
        call_id: "c".into(),
        ext_tracking_id: "t".into(),
        personality: Personality::Other(String::new()),
        state: CallState::Other(String::new()),
        remote_party: RemoteParty::default(),
        allow_answer: false,
        start_time: None,
        ..base_call()
    };
    let cases: Vec<(String, Call)> = vec![
        (call(""), minimal.clone()),
        (
            call("<networkCallId>abc@10.0.0.1</networkCallId><personality>Click-to-Dial</personality><state>Remote Held</state>"),
            Call {
                network_call_id: Some("abc@10.0.0.1".into()),
                personality: Personality::ClickToDial,
                state: CallState::RemoteHeld,
                ..minimal.clone()
            },
        ),
        (
            call("<personality>Observer</personality><state>Parked</state>"),
            Call {
                personality: Personality::Other("Observer".into()),
                state: CallState::Other("Parked".into()),
                ..minimal.clone()
            },
        ),
        (
            call("<state>Released</state><releaseCause><internalReleaseCause>Busy</internalReleaseCause><q850Cause>17</q850Cause></releaseCause>\
                  <releasingParty>remoteRelease</releasingParty><releaseTime>20</releaseTime>"),
            Call {
                state: CallState::Released,
                release_cause: Some("Busy".into()),
                releasing_party: Some("remoteRelease".into()),
                release_time: Some(20),
                ..minimal.clone()
            },
        ),
        (
            call("<releaseCause><q850Cause>17</q850Cause></releaseCause>"),
            minimal.clone(),
        ),
        (
            call("<remoteParty><address>tel:1011</address><userId>u@d</userId><userDN>tel:+15006001011;ext=1011</userDN><privacy/></remoteParty>"),
            Call {
                remote_party: RemoteParty {
                    address: Some("tel:1011".into()),
                    user_id: Some("u@d".into()),
                    user_dn: Some("tel:+15006001011;ext=1011".into()),
                    privacy: true,
                    ..RemoteParty::default()
                },
                ..minimal.clone()
            },
        ),
        (
            call("<redirections><redirection><party><name>B</name><address>tel:2002</address></party><reason>no-answer</reason><counter>2</counter></redirection>\
                  <redirection><party><address>tel:2001</address></party><reason>user-busy</reason></redirection></redirections>"),
            Call {
                redirection: Some(Redirection {
                    party: Some("tel:2002".into()),
                    reason: Some("no-answer".into()),
                }),
                ..minimal.clone()
            },
        ),
        (
            call("<redirections><redirection><reason>unknown</reason></redirection></redirections>"),
            Call {
                redirection: Some(Redirection {
                    party: None,
                    reason: Some("unknown".into()),
                }),
                ..minimal.clone()
            },
        ),
        (
            call("<redirect><address>tel:3003</address><reason>deflection</reason><redirectTime>5</redirectTime></redirect>"),
            Call {
                redirect: Some(Redirect {
                    address: Some("tel:3003".into()),
                    reason: Some("deflection".into()),
                }),
                ..minimal.clone()
            },
        ),
        (
            call("<recallType>Call Park Recall</recallType><allowRetrieve/><allowAnswer></allowAnswer>\
                  <startTime>1</startTime><answerTime>2</answerTime><heldTime>3</heldTime>"),
            Call {
                recall_type: Some("Call Park Recall".into()),
                allow_retrieve: true,
                allow_answer: true,
                start_time: Some(1),
                answer_time: Some(2),
                held_time: Some(3),
                ..minimal.clone()
            },
        ),
        (
            call("<allowAnswer>false</allowAnswer><endpoint><addressOfRecord>x</addressOfRecord></endpoint><acdCallInfo><acdUserId>q</acdUserId></acdCallInfo>"),
            minimal.clone(),
        ),
        (
            // Entities, CDATA and surrounding whitespace in values.
            "<call>\n  <callId> a&amp;b </callId>\n  <extTrackingId><![CDATA[<t>]]></extTrackingId>\n</call>".into(),
            Call {
                call_id: "a&b".into(),
                ext_tracking_id: "<t>".into(),
                ..minimal.clone()
            },
        ),
    ];
    for (xml, expected) in cases {
        let doc = event("CallUpdatedEvent", &xml);
        assert_eq!(
            data_of(parse_doc(doc.as_bytes())),
            EventData::Call {
                kind: CallEventKind::Updated,
                call: expected
            },
            "{xml}"
        );
    }
}

#[test]
fn envelope_errors_and_variants() {
    let full = ENVELOPE;
    let without = |name: &str| {
        let start = full.find(&format!("<{name}>")).unwrap_or(0);
        let close = format!("</{name}>");
        let end = full.find(&close).map_or(0, |e| e + close.len());
        format!("{}{}", &full[..start], &full[end..])
    };
    let with_seq = |seq: &str| {
        full.replace(
            "<sequenceNumber>7</sequenceNumber>",
            &format!("<sequenceNumber>{seq}</sequenceNumber>"),
        )
    };
    let call = |call: &str| call.to_owned();
    let cases: Vec<(String, String, Result<()>)> = vec![
        (
            without("eventID"),
            CALL.into(),
            Err(XsiParseError::Missing("eventID")),
        ),
        (
            without("sequenceNumber"),
            CALL.into(),
            Err(XsiParseError::Missing("sequenceNumber")),
        ),
        (
            without("userId"),
            CALL.into(),
            Err(XsiParseError::Missing("userId")),
        ),
        (
            without("subscriptionId"),
            CALL.into(),
            Err(XsiParseError::Missing("subscriptionId")),
        ),
        (without("externalApplicationId"), CALL.into(), Ok(())),
        (without("channelId"), CALL.into(), Ok(())),
        (without("targetId"), CALL.into(), Ok(())),
        (
            with_seq("abc"),
            CALL.into(),
            Err(XsiParseError::Invalid {
                element: "sequenceNumber",
                value: "abc".into(),
            }),
        ),
        (
            with_seq("-1"),
            CALL.into(),
            Err(XsiParseError::Invalid {
                element: "sequenceNumber",
                value: "-1".into(),
            }),
        ),
        (
            with_seq("+1"),
            CALL.into(),
            Err(XsiParseError::Invalid {
                element: "sequenceNumber",
                value: "+1".into(),
            }),
        ),
        (
            with_seq(""),
            CALL.into(),
            Err(XsiParseError::Invalid {
                element: "sequenceNumber",
                value: "".into(),
            }),
        ),
        (
            with_seq("4294967296"),
            CALL.into(),
            Err(XsiParseError::Invalid {
                element: "sequenceNumber",
                value: "4294967296".into(),
            }),
        ),
        (with_seq("2147483647"), CALL.into(), Ok(())),
        (
            with_seq(&"9".repeat(500)),
            CALL.into(),
            Err(XsiParseError::Invalid {
                element: "sequenceNumber",
                value: "9".repeat(64),
            }),
        ),
        (
            full.into(),
            call("<call><extTrackingId>t</extTrackingId></call>"),
            Err(XsiParseError::Missing("callId")),
        ),
        (
            full.into(),
            call("<call><callId>c</callId></call>"),
            Err(XsiParseError::Missing("extTrackingId")),
        ),
        (
            full.into(),
            CALL.replace("1271273072015", "soon"),
            Err(XsiParseError::Invalid {
                element: "startTime",
                value: "soon".into(),
            }),
        ),
    ];
    for (envelope, data, expected) in cases {
        let doc = event_with("xsi", "xsi1", &envelope, "CallReceivedEvent", &data);
        // Envelope errors fail the document; payload errors are carried
        // in the event (it is still acknowledged).
        let parsed = match parse_doc(doc.as_bytes()) {
            Ok(XsiDoc::Event(XsiEvent {
                data: EventData::Malformed { error, .. },
                ..
            })) => Err(error),
            other => other.map(|_| ()).map_err(|e| e.to_string()),
        };
        assert_eq!(
            parsed,
            expected.map_err(|e| e.to_string()),
            "{envelope} {data}"
        );
    }

    // clientId stands in for userId; a missing eventData is reported.
    let client = full.replace("userId>", "clientId>");
    let doc = event_with(
        "xsi",
        "xsi1",
        &client,
        "HookStatusEvent",
        "<hookStatus>On-Hook</hookStatus>",
    );
    let Ok(XsiDoc::Event(owned_by_client)) = parse_doc(doc.as_bytes()) else {
        panic!("{doc}");
    };
    assert_eq!(owned_by_client.user_id, "owner@example.net");
    let no_data = format!(
        "<xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\">{}</xsi:Event>",
        prefixed(full, "xsi")
    );
    assert_eq!(
        parse_doc(no_data.as_bytes()),
        Err(XsiParseError::Missing("eventData"))
    );
    // eventData without its type: the envelope is valid, so the event is
    // still acknowledged and sequenced.
    let untyped = event("X", CALL).replace("xsi1:type=\"xsi:X\"", "");
    let Ok(XsiDoc::Event(untyped)) = parse_doc(untyped.as_bytes()) else {
        panic!("{untyped}");
    };
    assert_eq!(
        untyped.data,
        EventData::Malformed {
            type_name: String::new(),
            error: XsiParseError::Missing("eventData type").to_string()
        }
    );
}

#[test]
fn every_recording_event_kind_and_the_service_answers() {
    for kind in RecordingEventKind::ALL {
        let data = data_of(parse_doc(event(kind.type_name(), CALL).as_bytes()));
        assert_eq!(
            data,
            EventData::Feature(FeatureEvent::Recording {
                kind: *kind,
                call: base_call(),
            }),
            "{kind:?}"
        );
    }
    assert_eq!(RecordingEventKind::ALL.len(), 5);
    let ns = "xmlns=\"http://schema.broadsoft.com/xsi\"";
    let cases = [
        (
            format!("<DoNotDisturb {ns}><active>false</active></DoNotDisturb>"),
            XsiDoc::DoNotDisturb { active: false },
        ),
        (
            format!(
                "<CallForwardingAlways {ns}><active>true</active>\
                 <forwardToPhoneNumber>2009</forwardToPhoneNumber><ringSplash>false</ringSplash>\
                 </CallForwardingAlways>"
            ),
            XsiDoc::CallForwardingAlways {
                active: true,
                forward_to: Some("2009".into()),
            },
        ),
    ];
    for (xml, want) in cases {
        assert_eq!(parse_doc(xml.as_bytes()), Ok(want), "{xml}");
    }
}
