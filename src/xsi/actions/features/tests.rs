//! The feature requests: method, path, query; the service answers read.

use super::super::ActionFailure;
use super::*;

const U: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net";

#[test]
fn every_feature_request_builds_its_xsi_request() {
    let user = "2001@example.net";
    let c = "callhalf-722:0";
    let cases: Vec<(XsiRequest, Method, String, &str, bool)> = vec![
        (
            get_do_not_disturb(user),
            Method::Get,
            format!("{U}/services/DoNotDisturb"),
            "",
            false,
        ),
        (
            get_call_forwarding_always(user),
            Method::Get,
            format!("{U}/services/CallForwardingAlways"),
            "",
            false,
        ),
        (
            directed_pickup(user, "2002"),
            Method::Post,
            format!("{U}/calls/DirectedCallPickup"),
            "address=2002",
            false,
        ),
        (
            group_pickup(user),
            Method::Post,
            format!("{U}/calls/CallPickup"),
            "",
            false,
        ),
        (
            barge_in(user, "+1 555"),
            Method::Post,
            format!("{U}/calls/DirectedCallPickupBargeIn"),
            "address=%2B1%20555",
            false,
        ),
        (
            park(user, c, Some("2009")),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/Park"),
            "address=2009",
            true,
        ),
        (
            park(user, c, None),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/GroupCallPark"),
            "",
            true,
        ),
        (
            recording(user, c, Recording::Record),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/Record"),
            "",
            true,
        ),
        (
            recording(user, c, Recording::Pause),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/PauseRecording"),
            "",
            true,
        ),
        (
            recording(user, c, Recording::Resume),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/ResumeRecording"),
            "",
            true,
        ),
        (
            recording(user, c, Recording::Stop),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/StopRecording"),
            "",
            true,
        ),
        (
            reconnect(user, c),
            Method::Put,
            format!("{U}/calls/callhalf-722:0/Reconnect"),
            "",
            true,
        ),
    ];
    for (request, method, path, query, on_call) in cases {
        let shown = request.to_string();
        assert_eq!(request.method, method, "{shown}");
        assert_eq!(request.path, path, "{shown}");
        assert_eq!(request.query, query, "{shown}");
        assert_eq!(request.body, None, "{shown}");
        assert_eq!(request.on_call, on_call, "{shown}");
    }
}

#[test]
fn what_each_answer_is_read_for() {
    let user = "2001@example.net";
    let starts: Vec<bool> = [
        directed_pickup(user, "2002"),
        group_pickup(user),
        barge_in(user, "2002"),
        park(user, "c", None),
    ]
    .iter()
    .map(XsiRequest::starts_call)
    .collect();
    assert_eq!(starts, [true, true, false, false]);
    assert!(get_do_not_disturb(user).reads_service());
    assert!(get_call_forwarding_always(user).reads_service());
    assert!(!reconnect(user, "c").reads_service());
}

#[test]
fn service_answers_are_read() {
    let ns = "xmlns=\"http://schema.broadsoft.com/xsi\"";
    let cases: Vec<(String, Result<Returned, &str>)> = vec![
        (
            format!("<DoNotDisturb {ns}><active>true</active><ringSplash>false</ringSplash></DoNotDisturb>"),
            Ok(Returned::DoNotDisturb(true)),
        ),
        (
            format!("<DoNotDisturb {ns}/>"),
            Ok(Returned::DoNotDisturb(false)),
        ),
        (
            format!(
                "<CallForwardingAlways {ns}><active>true</active>\
                 <forwardToPhoneNumber>2009</forwardToPhoneNumber></CallForwardingAlways>"
            ),
            Ok(Returned::Forwarding {
                active: true,
                forward_to: Some("2009".into()),
            }),
        ),
        (
            format!("<CallForwardingAlways {ns}><active>0</active><forwardToPhoneNumber/></CallForwardingAlways>"),
            Ok(Returned::Forwarding {
                active: false,
                forward_to: None,
            }),
        ),
        (
            format!("<DoNotDisturb {ns}><active>maybe</active></DoNotDisturb>"),
            Err("unreadable service settings"),
        ),
        (
            format!("<CallCenter {ns}/>"),
            Err("expected DoNotDisturb or CallForwardingAlways"),
        ),
        ("not xml".into(), Err("unreadable service settings")),
    ];
    for (body, want) in cases {
        let got = read_service(body.as_bytes());
        match want {
            Ok(want) => assert_eq!(got, Ok(want), "{body}"),
            Err(needle) => assert!(
                got.as_ref().is_err_and(|e| e.contains(needle)),
                "{body}: {got:?}"
            ),
        }
    }
}

#[test]
fn only_404_and_501_mean_not_supported() {
    let rejected = |status| ActionFailure::Rejected {
        request: "PUT x".into(),
        status,
        on_call: true,
        error: Default::default(),
    };
    let uncertain = |status| ActionFailure::Uncertain {
        request: "PUT x".into(),
        detail: "d".into(),
        status,
    };
    assert!(rejected(404).not_supported());
    assert!(uncertain(Some(501)).not_supported());
    assert!(!rejected(400).not_supported());
    assert!(!uncertain(Some(500)).not_supported());
    assert!(!uncertain(None).not_supported());
}
