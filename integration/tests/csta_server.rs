//! The CSTA side against the real binary, without an XSP: session opening
//! styles, SystemStatus, errors, bad frames, allow list, session limit and
//! idle timeout.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bwcsta::csta::edition::Edition;
use bwcsta::csta::parse::Message;
use bwcsta_integration::client::{
    request_system_status_xml, start_application_session_xml, CstaClient,
};
use bwcsta_integration::support::{free_port, wait_until, Bwcsta};
use serde_json::json;

const T: Duration = Duration::from_secs(5);

/// bwcsta with an XSP that is not there.
fn start(tag: &str, tweak: impl FnOnce(&mut serde_json::Value)) -> Bwcsta {
    common::launch(&[format!("http://127.0.0.1:{}", free_port())], tag, tweak)
}

#[test]
fn request_system_status_then_system_status_disabled_without_xsp() {
    let b = start("csta-rss", |_| {});
    let mut c = CstaClient::connect(b.csta, Edition::Ed4).unwrap();
    let id = c.request(&request_system_status_xml(c.ns())).unwrap();
    let r = c.response(id, T).unwrap();
    assert!(
        matches!(&r.message, Message::RequestSystemStatusResponse { status } if status == "disabled"),
        "{r:?}"
    );
    assert!(
        r.xml.contains("csta/ed4"),
        "answers in the client's edition: {}",
        r.xml
    );
    // After the first response the server sends SystemStatus.
    let s = c
        .wait_for(T, |r| matches!(r.message, Message::SystemStatus { .. }))
        .unwrap()
        .expect("SystemStatus after the first response");
    assert!(matches!(&s.message, Message::SystemStatus { status } if status == "disabled"));
    assert_ne!(s.invoke_id.get(), 9999, "server request, not an event");
}

#[test]
fn application_session_and_errors() {
    let b = start("csta-354", |_| {});
    let mut c = CstaClient::connect(b.csta, Edition::Ed3).unwrap();
    let id = c
        .request(&start_application_session_xml("test", Edition::Ed6))
        .unwrap();
    let r = c.response(id, T).unwrap();
    match &r.message {
        Message::StartApplicationSessionPosResponse {
            session_id,
            protocol_version,
            ..
        } => {
            assert!(!session_id.is_empty());
            assert_eq!(protocol_version.as_deref(), Some(Edition::Ed6.namespace()));
        }
        other => panic!("{other:?}"),
    }
    // Unknown service → serviceNotSupported with the request's invoke id.
    let id = c
        .request(&format!(
            "<?xml version=\"1.0\"?><FrobnicateCall xmlns=\"{}\"/>",
            Edition::Ed6.namespace()
        ))
        .unwrap();
    let r = c.response(id, T).unwrap();
    assert!(
        matches!(&r.message, Message::ErrorCode { category, value } if category == "operation" && value == "serviceNotSupported"),
        "{r:?}"
    );
    assert!(r.xml.contains("csta/ed6"), "negotiated edition: {}", r.xml);
    // Not well-formed → generic, session stays up.
    let id = c.request("<MonitorStart><oops></MonitorStart>").unwrap();
    let r = c.response(id, T).unwrap();
    assert!(
        matches!(&r.message, Message::ErrorCode { value, .. } if value == "generic"),
        "{r:?}"
    );
    // MonitorStop of an unknown id.
    let id = c
        .request(&bwcsta_integration::client::monitor_stop_xml(
            c.ns(),
            "424242",
        ))
        .unwrap();
    let r = c.response(id, T).unwrap();
    assert!(
        matches!(&r.message, Message::ErrorCode { value, .. } if value == "invalidMonitorCrossRefID"),
        "{r:?}"
    );
    // Still alive; the session timer can be reset.
    let id = c.request(&request_system_status_xml(c.ns())).unwrap();
    assert!(c.response(id, T).is_ok());
    let reset = format!(
        "<ResetApplicationSessionTimer xmlns=\"{}\"><sessionID>x</sessionID>\
         <requestedSessionDuration>90</requestedSessionDuration></ResetApplicationSessionTimer>",
        bwcsta::csta::edition::APPL_SESSION_NS
    );
    let id = c.request(&reset).unwrap();
    let r = c.response(id, T).unwrap();
    assert!(
        matches!(
            r.message,
            Message::ResetApplicationSessionTimerPosResponse { duration: Some(90) }
        ),
        "{r:?}"
    );
    // StopApplicationSession: positive response, then the server closes.
    let stop = format!(
        "<StopApplicationSession xmlns=\"{}\"><sessionID>x</sessionID>\
         <sessionEndReason><definedEndReason>normal</definedEndReason></sessionEndReason>\
         </StopApplicationSession>",
        bwcsta::csta::edition::APPL_SESSION_NS
    );
    let id = c.request(&stop).unwrap();
    let r = c.response(id, T).unwrap();
    assert!(
        matches!(r.message, Message::StopApplicationSessionPosResponse),
        "{r:?}"
    );
    let end = c.wait_for(T, |_| false);
    assert!(
        end.is_err(),
        "connection closed after StopApplicationSession"
    );
}

#[test]
fn bad_header_closes_only_that_session() {
    let b = start("csta-hdr", |_| {});
    let mut good = CstaClient::connect(b.csta, Edition::Ed3).unwrap();
    let mut bad = TcpStream::connect(b.csta).unwrap();
    bad.set_read_timeout(Some(T)).unwrap();
    bad.write_all(b"\x00\x00\x00\x20ab12<garbage-garbage-garbage/>")
        .unwrap();
    let mut buf = [0u8; 64];
    let n = bad.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "bad session closed");
    let id = good.request(&request_system_status_xml(good.ns())).unwrap();
    assert!(good.response(id, T).is_ok(), "other session unaffected");
    assert!(
        wait_until(T, || b.log().contains("bad frame header")),
        "{}",
        b.log()
    );
}

#[test]
fn system_status_on_connect() {
    let b = start("csta-ssoc", |c| {
        c["csta"]["system_status_on_connect"] = json!(true)
    });
    let mut c = CstaClient::connect(b.csta, Edition::Ed3).unwrap();
    let r = c.recv(T).unwrap().expect("server speaks first");
    assert!(matches!(r.message, Message::SystemStatus { .. }), "{r:?}");
}

#[test]
fn allow_list_and_session_limit_and_idle_timeout() {
    let b = start("csta-limits", |c| {
        c["csta"]["max_sessions"] = json!(2);
        c["csta"]["idle_timeout_s"] = json!(0.5);
    });
    // The readiness probe's connection must be gone before counting.
    assert!(wait_until(T, || b.log().contains("client#1 (")
        && b.log().contains("closed: ")));
    let mut c1 = CstaClient::connect(b.csta, Edition::Ed3).unwrap();
    let mut c2 = CstaClient::connect(b.csta, Edition::Ed3).unwrap();
    for c in [&mut c1, &mut c2] {
        let id = c.request(&request_system_status_xml(c.ns())).unwrap();
        assert!(c.response(id, T).is_ok());
    }
    let mut third = TcpStream::connect(b.csta).unwrap();
    third.set_read_timeout(Some(T)).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        third.read(&mut buf).unwrap_or(0),
        0,
        "third session refused"
    );
    assert!(wait_until(T, || b.log().contains("max_sessions")));
    // Idle clients that do not read (so cannot answer the SystemStatus
    // probe) are disconnected after 0.5 s + 0.5 s.
    assert!(
        wait_until(T, || b.log().contains("sent nothing for")),
        "{}",
        b.log()
    );
    let r = c1.recv(T);
    assert!(
        r.is_err() || r.as_ref().is_ok_and(|m| m.is_some()),
        "closed or draining"
    );

    let b2 = start("csta-allow", |c| c["csta"]["allow"] = json!(["10.9.8.7"]));
    let mut s = TcpStream::connect(b2.csta).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    assert_eq!(s.read(&mut buf).unwrap_or(0), 0, "not in allow list");
    assert!(
        wait_until(T, || b2.log().contains("not in csta.allow")),
        "{}",
        b2.log()
    );
}

/// Sends RequestSystemStatus and waits for its response.
fn speak(c: &mut CstaClient) {
    let id = c.request(&request_system_status_xml(c.ns())).unwrap();
    assert!(c.response(id, T).is_ok());
}

#[test]
fn silent_clients_are_probed_and_only_those_that_do_not_answer_are_cut_off() {
    let b = start("csta-idle", |c| c["csta"]["idle_timeout_s"] = json!(0.6));
    // A answers the server's SystemStatus (as a T-Server does), B does not.
    let mut answering = CstaClient::connect(b.csta, Edition::Ed3).unwrap();
    let mut mute = CstaClient::connect(b.csta, Edition::Ed3).unwrap();
    mute.auto_ack = false;
    speak(&mut answering);
    speak(&mut mute);
    // Silent for three idle periods and more: probed each time, answers,
    // stays connected.
    for probe in 0..3 {
        let r = answering
            .wait_for(T, |r| matches!(r.message, Message::SystemStatus { .. }))
            .unwrap();
        assert!(r.is_some(), "probe {probe}: {}", b.log());
    }
    speak(&mut answering);
    // The mute one got its probe, then the connection was closed.
    let closed = wait_until(T, || mute.recv(Duration::from_millis(100)).is_err());
    assert!(closed, "{}", b.log());
    let log = b.log();
    assert!(
        log.contains("did not answer the SystemStatus probe"),
        "{log}"
    );
    assert_eq!(
        log.matches("did not answer the SystemStatus probe").count(),
        1,
        "only the mute client is cut off: {log}"
    );
}

#[test]
fn idle_timeout_zero_never_probes() {
    let b = start("csta-noidle", |c| c["csta"]["idle_timeout_s"] = json!(0));
    let mut c = CstaClient::connect(b.csta, Edition::Ed3).unwrap();
    speak(&mut c);
    let opening = c
        .wait_for(T, |r| matches!(r.message, Message::SystemStatus { .. }))
        .unwrap();
    assert!(opening.is_some(), "the opening SystemStatus");
    // Silence is the point of this test: nothing may come for a while.
    assert!(c.recv(Duration::from_millis(1500)).unwrap().is_none());
    speak(&mut c);
}
