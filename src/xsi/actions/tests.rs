//! The request of every command and the reading of the answers.

use super::*;

const U: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net";
const R: &str = "/com.broadsoft.xsi-actions/v2.0/routepoint/6000@example.net";
const NS: &str = "xmlns=\"http://schema.broadsoft.com/xsi\"";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

fn body(xml: &str) -> Option<String> {
    Some(format!("{DECL}{xml}"))
}

/// A request and the method, path, query, body and `on_call` it must have.
type Case = (
    XsiRequest,
    Method,
    String,
    &'static str,
    Option<String>,
    bool,
);

#[test]
fn every_command_builds_its_request() {
    let user = "2001@example.net";
    let c = "callhalf-722:0";
    let cases: Vec<Case> = vec![
        (
            make_call(user, "2002"),
            Method::Post,
            format!("{U}/calls/new"),
            "address=2002",
            None,
            false,
        ),
        (
            make_call(user, "+1 (555) 100&x=y"),
            Method::Post,
            format!("{U}/calls/new"),
            "address=%2B1%20%28555%29%20100%26x%3Dy",
            None,
            false,
        ),
        (
            make_call(user, "sip:2002@example.net"),
            Method::Post,
            format!("{U}/calls/new"),
            "address=sip:2002@example.net",
            None,
            false,
        ),
        (
            talk(user, c),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/Talk"),
            "",
            None,
            true,
        ),
        (
            hold(user, c),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/Hold"),
            "",
            None,
            true,
        ),
        (
            release(user, c),
            Method::Delete,
            format!("{U}/calls/callhalf-722:0"),
            "",
            None,
            true,
        ),
        (
            blind_transfer(user, c, "+4930123"),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/BlindTransfer"),
            "address=%2B4930123",
            None,
            true,
        ),
        (
            consult_transfer(user, c, "callhalf-723:0"),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/ConsultTransfer/callhalf-723:0"),
            "",
            None,
            true,
        ),
        (
            conference(user, &[c, "callhalf-723:0"]),
            Method::Post,
            format!("{U}/calls/Conference"),
            "",
            body(&format!(
                "<Conference {NS}><conferenceParticipantList>\
                 <conferenceParticipant><callId>callhalf-722:0</callId></conferenceParticipant>\
                 <conferenceParticipant><callId>callhalf-723:0</callId></conferenceParticipant>\
                 </conferenceParticipantList></Conference>"
            )),
            true,
        ),
        (
            transmit_dtmf(user, c, "12*#,A"),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/TransmitDTMF"),
            "playdtmf=12%2A%23%2CA",
            None,
            true,
        ),
        (
            do_not_disturb(user, true),
            Method::Put,
            format!("{U}/services/DoNotDisturb"),
            "",
            body(&format!(
                "<DoNotDisturb {NS}><active>true</active></DoNotDisturb>"
            )),
            false,
        ),
        (
            do_not_disturb(user, false),
            Method::Put,
            format!("{U}/services/DoNotDisturb"),
            "",
            body(&format!(
                "<DoNotDisturb {NS}><active>false</active></DoNotDisturb>"
            )),
            false,
        ),
        (
            call_forwarding_always(user, true, Some("2003")),
            Method::Put,
            format!("{U}/services/CallForwardingAlways"),
            "",
            body(&format!(
                "<CallForwardingAlways {NS}><active>true</active>\
                 <forwardToPhoneNumber>2003</forwardToPhoneNumber></CallForwardingAlways>"
            )),
            false,
        ),
        (
            call_forwarding_always(user, false, None),
            Method::Put,
            format!("{U}/services/CallForwardingAlways"),
            "",
            body(&format!(
                "<CallForwardingAlways {NS}><active>false</active></CallForwardingAlways>"
            )),
            false,
        ),
        (
            set_agent_state(user, AgentState::WrapUp),
            Method::Put,
            format!("{U}/services/CallCenter"),
            "",
            body(&format!(
                "<CallCenter {NS}><agentACDState>Wrap-Up</agentACDState></CallCenter>"
            )),
            false,
        ),
        (
            get_agent_state(user),
            Method::Get,
            format!("{U}/services/CallCenter"),
            "",
            None,
            false,
        ),
        (
            route_point_transfer("6000@example.net", c, "+15552002"),
            Method::Put,
            format!("{R}/calls/callhalf-722:0/BlindTransfer"),
            "address=%2B15552002",
            None,
            true,
        ),
        (
            route_point_fail("6000@example.net", c),
            Method::Put,
            format!("{R}/calls/callhalf-722:0/Fail"),
            "",
            None,
            true,
        ),
        (
            route_point_play("6000@example.net", c, Play::MusicOnHold, &[]),
            Method::Put,
            format!("{R}/calls/callhalf-722:0/PlayMusicOnHold"),
            "",
            body(&format!(
                "<RoutePointPlayMusicOnHold {NS}></RoutePointPlayMusicOnHold>"
            )),
            true,
        ),
        (
            get_do_not_disturb(user),
            Method::Get,
            format!("{U}/services/DoNotDisturb"),
            "",
            None,
            false,
        ),
        (
            get_call_forwarding_always(user),
            Method::Get,
            format!("{U}/services/CallForwardingAlways"),
            "",
            None,
            false,
        ),
        (
            directed_pickup(user, "2002"),
            Method::Post,
            format!("{U}/calls/DirectedCallPickup"),
            "address=2002",
            None,
            false,
        ),
        (
            group_pickup(user),
            Method::Post,
            format!("{U}/calls/CallPickup"),
            "",
            None,
            false,
        ),
        (
            barge_in(user, "+1 555"),
            Method::Post,
            format!("{U}/calls/DirectedCallPickupBargeIn"),
            "address=%2B1%20555",
            None,
            false,
        ),
        (
            park(user, c, Some("2009")),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/Park"),
            "address=2009",
            None,
            true,
        ),
        (
            park(user, c, None),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/GroupCallPark"),
            "",
            None,
            true,
        ),
        (
            recording(user, c, Recording::Record),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/Record"),
            "",
            None,
            true,
        ),
        (
            recording(user, c, Recording::Pause),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/PauseRecording"),
            "",
            None,
            true,
        ),
        (
            recording(user, c, Recording::Resume),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/ResumeRecording"),
            "",
            None,
            true,
        ),
        (
            recording(user, c, Recording::Stop),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/StopRecording"),
            "",
            None,
            true,
        ),
        (
            reconnect(user, c),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/Reconnect"),
            "",
            None,
            true,
        ),
        (
            route_point_play("6000@example.net", c, Play::Busy, &[]),
            Method::Put,
            format!("{R}/calls/callhalf-722:0/PlayBusy"),
            "",
            body(&format!(
                "<RoutePointPlayBusy {NS}><busyPattern>Normal</busyPattern></RoutePointPlayBusy>"
            )),
            true,
        ),
        (
            route_point_play("6000@example.net", c, Play::Ringback, &[]),
            Method::Put,
            format!("{R}/calls/callhalf-722:0/PlayRingback"),
            "",
            body(&format!(
                "<RoutePointPlayRingBack {NS}></RoutePointPlayRingBack>"
            )),
            true,
        ),
        (
            route_point_play(
                "6000@example.net",
                c,
                Play::Treatment,
                &[
                    "http://m/a.wav?x=1&y=2".to_owned(),
                    "https://m/b.wav".to_owned(),
                ],
            ),
            Method::Put,
            format!("{R}/calls/callhalf-722:0/PlayTreatment"),
            "",
            body(&format!(
                "<RoutePointPlayTreatment {NS}><audioUrlList><uri>http://m/a.wav?x=1&amp;y=2</uri>\
                 <uri>https://m/b.wav</uri></audioUrlList></RoutePointPlayTreatment>"
            )),
            true,
        ),
    ];
    for (request, method, path, query, body, on_call) in cases {
        let shown = request.to_string();
        assert_eq!(request.method, method, "{shown}");
        assert_eq!(request.path, path, "{shown}");
        assert_eq!(request.query, query, "{shown}");
        assert_eq!(request.body, body, "{shown}");
        assert_eq!(request.on_call, on_call, "{shown}");
        let starts = [
            "/calls/new",
            "/calls/DirectedCallPickup",
            "/calls/CallPickup",
        ];
        assert_eq!(
            request.starts_call(),
            starts.iter().any(|end| path.ends_with(end)),
            "{shown}"
        );
        assert_eq!(
            request.reads_agent_state(),
            method == Method::Get && path.ends_with("/CallCenter"),
            "{shown}"
        );
    }
}

/// The Conference body, byte for byte as it was when it was written by
/// hand: no participants, one, several, values that need escaping.
#[test]
fn conference_bodies_are_unchanged() {
    let list = |inner: &str| {
        body(&format!(
            "<Conference {NS}><conferenceParticipantList>{inner}</conferenceParticipantList></Conference>"
        ))
    };
    let cases: &[(&[&str], &str)] = &[
        (&[], ""),
        (
            &["callhalf-1:0"],
            "<conferenceParticipant><callId>callhalf-1:0</callId></conferenceParticipant>",
        ),
        (
            &["a", "b", "c"],
            "<conferenceParticipant><callId>a</callId></conferenceParticipant>\
             <conferenceParticipant><callId>b</callId></conferenceParticipant>\
             <conferenceParticipant><callId>c</callId></conferenceParticipant>",
        ),
        (
            &["<&>\"'\r\u{1}\u{e9}"],
            "<conferenceParticipant><callId>&lt;&amp;&gt;&quot;&apos;&#13;\u{e9}</callId></conferenceParticipant>",
        ),
    ];
    for (call_ids, inner) in cases {
        assert_eq!(conference("u", call_ids).body, list(inner), "{call_ids:?}");
    }
}

/// Every Xsi-Actions body bwcsta can send is valid against the Xsi schema
/// (root, child order, required children, enumerations): each builder with
/// each value it can be given. Requests without a body need nothing.
#[test]
fn every_body_follows_the_xsi_schema() {
    use bwcsta_integration::schema::xsi;
    let user = "2001@example.net";
    let rp = "6000@example.net";
    let c = "callhalf-722:0";
    let urls: Vec<String> = (1..=4)
        .map(|i| format!("http://m.example.net/{i}.wav"))
        .collect();
    let mut requests = vec![
        make_call(user, "2002"),
        talk(user, c),
        hold(user, c),
        release(user, c),
        blind_transfer(user, c, "2003"),
        consult_transfer(user, c, "callhalf-9:0"),
        conference(user, &["callhalf-1:0", "callhalf-2:0"]),
        conference(user, &["a", "b", "c"]),
        transmit_dtmf(user, c, "12#"),
        do_not_disturb(user, true),
        do_not_disturb(user, false),
        call_forwarding_always(user, true, Some("+15552002")),
        call_forwarding_always(user, false, None),
        call_forwarding_always(user, false, Some("2002")),
        get_agent_state(user),
        route_point_transfer(rp, c, "2002"),
        route_point_fail(rp, c),
    ];
    requests.extend(AgentState::ALL.map(|state| set_agent_state(user, state)));
    for message in ["0", "1", "2", "3"] {
        let play = Play::from_message(message).expect("0-3");
        requests.push(route_point_play(rp, c, play, &[]));
    }
    for count in 1..=urls.len() {
        requests.push(route_point_play(rp, c, Play::Treatment, &urls[..count]));
    }
    let bodies: Vec<&String> = requests.iter().filter_map(|r| r.body.as_ref()).collect();
    for body in &bodies {
        assert_eq!(xsi::check(body), Ok(()), "{body}");
    }
    // The figure the conformance note quotes: bodies the checker saw here.
    assert_eq!(bodies.len(), 20);
    // The configuration allows as many URLs as the schema's list holds.
    let list = xsi::schema()
        .ty("RoutePointPlayTreatmentURIList")
        .expect("type");
    assert_eq!(
        list["content"][0]["sequence"][0]["max"].as_u64(),
        Some(crate::config::MAX_TREATMENT_AUDIO_URLS as u64)
    );
}

#[test]
fn treatments_by_message() {
    let cases = [
        ("0", Some("PlayBusy")),
        ("1", Some("PlayMusicOnHold")),
        ("2", Some("PlayRingback")),
        (" 3 ", Some("PlaySilence")),
        ("4", Some("PlayTreatment")),
        ("5", None),
        ("", None),
        ("busy", None),
    ];
    for (message, verb) in cases {
        assert_eq!(
            Play::from_message(message).map(Play::verb),
            verb,
            "{message:?}"
        );
    }
}

#[test]
fn agent_state_answers() {
    type Case<'a> = (&'a [u8], Result<Option<&'a str>, ()>);
    let cases: Vec<Case> = vec![
        (
            b"<CallCenter xmlns=\"http://schema.broadsoft.com/xsi\"><agentACDState>Available</agentACDState></CallCenter>",
            Ok(Some("Available")),
        ),
        (b"<CallCenter/>", Ok(None)),
        (b"<ErrorInfo><summary>x</summary></ErrorInfo>", Err(())),
        (b"<CallCenter>", Err(())),
    ];
    for (body, want) in cases {
        let got = parse_agent_state(body).map_err(|_| ());
        assert_eq!(
            got,
            want.map(|s| s.map(str::to_owned)),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn identifiers_stay_one_segment_and_values_are_escaped() {
    let cases: Vec<(XsiRequest, &str)> = vec![
        (
            talk("a/b?c#d;e%f g", "x/y"),
            "PUT /com.broadsoft.xsi-actions/v2.0/user/a%2Fb%3Fc%23d%3Be%25f%20g/calls/x%2Fy/Talk",
        ),
        (
            release("..", "."),
            "DELETE /com.broadsoft.xsi-actions/v2.0/user/%2E%2E/calls/%2E",
        ),
        (
            hold("admin@broadsoft.com@broadsoft.com", "callhalf-1:0"),
            "PUT /com.broadsoft.xsi-actions/v2.0/user/admin@broadsoft.com@broadsoft.com\
             /calls/callhalf-1:0/Hold",
        ),
        (
            make_call("ü", "ü"),
            "POST /com.broadsoft.xsi-actions/v2.0/user/%C3%BC/calls/new?address=%C3%BC",
        ),
    ];
    for (request, shown) in cases {
        assert_eq!(request.to_string(), shown);
    }
    let forward = call_forwarding_always("u", true, Some("<&>"));
    assert!(
        forward.body.as_deref().is_some_and(
            |b| b.contains("<forwardToPhoneNumber>&lt;&amp;&gt;</forwardToPhoneNumber>")
        ),
        "{forward:?}"
    );
    let conf = conference("u", &["<x>"]);
    assert!(
        conf.body
            .as_deref()
            .is_some_and(|b| b.contains("<callId>&lt;x&gt;</callId>")),
        "{conf:?}"
    );
}

#[test]
fn call_start_info_is_read() {
    let cases: Vec<(&[u8], Result<CallStartInfo, ()>)> = vec![
        (
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CallStartInfo xmlns=\"http://schema.broadsoft.com/xsi\">\
              <callId>callhalf-488:0</callId><externalTrackingId>70:1</externalTrackingId></CallStartInfo>",
            Ok(CallStartInfo {
                call_id: "callhalf-488:0".into(),
                external_tracking_id: "70:1".into(),
            }),
        ),
        (
            b"<CallStartInfo><externalTrackingId> 7:1 </externalTrackingId><callId>c</callId><x/></CallStartInfo>",
            Ok(CallStartInfo {
                call_id: "c".into(),
                external_tracking_id: "7:1".into(),
            }),
        ),
        (b"<CallStartInfo><callId>c</callId></CallStartInfo>", Err(())),
        (b"<CallStartInfo><extTrackingId>1:1</extTrackingId><callId>c</callId></CallStartInfo>", Err(())),
        (b"<ErrorInfo><summary>x</summary></ErrorInfo>", Err(())),
        (b"", Err(())),
        (b"<CallStartInfo>", Err(())),
    ];
    for (body, want) in cases {
        let got = parse_call_start_info(body).map_err(|_| ());
        assert_eq!(got, want, "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn answers_are_classified() {
    let info = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<ErrorInfo xmlns=\"http://schema.broadsoft.com/xsi\">\
        <summary>Anruf unbekannt</summary><summaryEnglish>Call not found</summaryEnglish>\
        <errorCode>110404</errorCode></ErrorInfo>";
    let found = ErrorInfo {
        summary: Some("Call not found".into()),
        error_code: Some("110404".into()),
    };
    let cases: Vec<(u16, &[u8], Answer)> = vec![
        (200, b"", Answer::Accepted),
        (201, b"<CallStartInfo/>", Answer::Accepted),
        (204, b"", Answer::Accepted),
        (
            404,
            info,
            Answer::Rejected {
                status: 404,
                error: found.clone(),
            },
        ),
        (
            400,
            b"not xml",
            Answer::Rejected {
                status: 400,
                error: ErrorInfo::default(),
            },
        ),
        (
            403,
            b"",
            Answer::Rejected {
                status: 403,
                error: ErrorInfo::default(),
            },
        ),
        (
            401,
            b"",
            Answer::Failed {
                status: 401,
                error: ErrorInfo::default(),
            },
        ),
        (
            429,
            b"",
            Answer::Failed {
                status: 429,
                error: ErrorInfo::default(),
            },
        ),
        (
            500,
            info,
            Answer::Failed {
                status: 500,
                error: found.clone(),
            },
        ),
        (
            503,
            b"",
            Answer::Failed {
                status: 503,
                error: ErrorInfo::default(),
            },
        ),
    ];
    for (status, body, want) in cases {
        assert_eq!(classify(status, body), want, "{status}");
    }
    assert_eq!(found.to_string(), "\"Call not found\" (errorCode 110404)");
    assert_eq!(ErrorInfo::default().to_string(), "no ErrorInfo");
}
