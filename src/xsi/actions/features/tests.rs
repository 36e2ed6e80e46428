//! The feature requests: method, path, query; the service answers read.

use super::super::ActionFailure;
use super::*;

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
