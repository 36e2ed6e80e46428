//! Call control end to end: CSTA requests to the real binary become
//! Xsi-Actions at the simulator (method, path, query, body checked), are
//! answered with their CSTA response once the XSP accepted them, and the
//! calls they change come back as events with the same callIDs. Then the
//! refusals and the XSP failures README "Call control" lists.

mod common;

use std::time::{Duration, Instant};

use bwcsta::csta::parse::{ConnectionId, EventInfo, Message};
use bwcsta_integration::client::{CstaClient, Received};
use bwcsta_integration::sim::CallId;
use bwcsta_integration::support::wait_until;
use common::*;

const U1: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net";
const U2: &str = "/com.broadsoft.xsi-actions/v2.0/user/2002@example.net";
const U3: &str = "/com.broadsoft.xsi-actions/v2.0/user/2003@example.net";

/// The connection of a MakeCall or ConsultationCall response.
fn new_connection(r: &Received) -> ConnectionId {
    match &r.message {
        Message::MakeCallResponse { calling_device: c }
        | Message::ConsultationCallResponse { initiated_call: c } => c.clone(),
        _ => panic!("no new connection in {}", r.xml),
    }
}

/// The next event `name` for monitor `xref`.
fn event_at(c: &mut CstaClient, name: &str, xref: &str) -> EventInfo {
    wait_event(c, name, Some(xref), None)
}

/// The next event `name` for monitor `xref` on CSTA call `call`.
fn event_on(c: &mut CstaClient, name: &str, xref: &str, call: &str) -> EventInfo {
    wait_event(c, name, Some(xref), Some(call))
}

#[test]
fn a_whole_call_made_answered_held_and_cleared_through_bwcsta() {
    let rig = rig("cc-call", |_| {});
    let (mut a, xa) = client(&rig, "2001");
    let (mut b, xb) = client(&rig, "2002");
    let mut xsi = Actions::new(&rig.sim);

    // MakeCall: answered with the new call's connection once BroadWorks
    // created it; its events carry the same callID.
    let r = ok(&mut a, "make 2001 2002", "MakeCallResponse");
    let conn = new_connection(&r);
    assert_eq!(conn.device_id.as_deref(), Some("2001"));
    let call = conn.call_id.expect("callID");
    assert_eq!(call, "1:1", "the externalTrackingId of CallStartInfo");
    xsi.expect(&[("POST", format!("{U1}/calls/new"), "address=2002", 201)]);
    let e = event_at(&mut a, "ServiceInitiatedEvent", &xa);
    assert_eq!(
        (call_of(&e), e.cause.as_deref()),
        (Some("1:1"), Some("makeCall"))
    );

    // 2001 picks up its ringing phone: the call is dialled.
    ok(&mut a, &format!("answer {call} 2001"), "AnswerCallResponse");
    xsi.expect(&[("PUT", format!("{U1}/calls/callhalf-1001:0/Talk"), "", 200)]);
    let e = event_at(&mut a, "OriginatedEvent", &xa);
    assert_eq!(call_of(&e), Some("1:1"));
    let e = event_at(&mut b, "DeliveredEvent", &xb);
    assert_eq!(call_of(&e), Some("1:1"));

    // 2002 answers.
    ok(&mut b, &format!("answer {call} 2002"), "AnswerCallResponse");
    xsi.expect(&[("PUT", format!("{U2}/calls/callhalf-1002:0/Talk"), "", 200)]);
    event_at(&mut a, "EstablishedEvent", &xa);
    event_at(&mut b, "EstablishedEvent", &xb);

    // Hold, retrieve, digits.
    ok(&mut a, &format!("hold {call} 2001"), "HoldCallResponse");
    xsi.expect(&[("PUT", format!("{U1}/calls/callhalf-1001:0/Hold"), "", 200)]);
    let e = event_at(&mut a, "HeldEvent", &xa);
    assert_eq!(e.local_connection_info.as_deref(), Some("hold"));
    event_at(&mut b, "HeldEvent", &xb);
    ok(
        &mut a,
        &format!("retrieve {call} 2001"),
        "RetrieveCallResponse",
    );
    xsi.expect(&[("PUT", format!("{U1}/calls/callhalf-1001:0/Talk"), "", 200)]);
    event_at(&mut a, "RetrievedEvent", &xa);
    event_at(&mut b, "RetrievedEvent", &xb);
    ok(
        &mut a,
        &format!("digits {call} 2001 12*#"),
        "GenerateDigitsResponse",
    );
    xsi.expect(&[(
        "PUT",
        format!("{U1}/calls/callhalf-1001:0/TransmitDTMF"),
        "playdtmf=12%2A%23",
        200,
    )]);

    // 2002 hangs up.
    ok(
        &mut b,
        &format!("clear {call} 2002"),
        "ClearConnectionResponse",
    );
    xsi.expect(&[("DELETE", format!("{U2}/calls/callhalf-1002:0"), "", 200)]);
    let e = event_at(&mut b, "ConnectionClearedEvent", &xb);
    assert_eq!(call_of(&e), Some("1:1"));
    event_at(&mut a, "ConnectionClearedEvent", &xa);

    // The call is gone from the model: a request on it is refused at once.
    refused(
        &mut a,
        &format!("hold {call} 2001"),
        "operation",
        "invalidConnectionID",
    );
    xsi.none();
}

#[test]
fn consultation_transfer_and_clear_call() {
    let rig = rig("cc-consult", |_| {});
    let mut c =
        CstaClient::connect(rig.bw.csta, bwcsta::csta::edition::Edition::Ed3).expect("connect");
    let x = monitor(&mut c, &["2001", "2002", "2003"]);
    let mut xsi = Actions::new(&rig.sim);

    rig.sim.call("2002", "2001");
    let e = event_at(&mut c, "DeliveredEvent", &x[0]);
    assert_eq!(call_of(&e), Some("1:1"));
    ok(&mut c, "answer 1:1 2001", "AnswerCallResponse");
    xsi.expect(&[("PUT", format!("{U1}/calls/callhalf-1002:0/Talk"), "", 200)]);
    event_at(&mut c, "EstablishedEvent", &x[0]);

    // Consultation: hold, then a new call from 2001.
    let r = ok(&mut c, "consult 1:1 2001 2003", "ConsultationCallResponse");
    let conn = new_connection(&r);
    assert_eq!(
        (conn.call_id.as_deref(), conn.device_id.as_deref()),
        (Some("2:1"), Some("2001"))
    );
    xsi.expect(&[
        ("PUT", format!("{U1}/calls/callhalf-1002:0/Hold"), "", 200),
        ("POST", format!("{U1}/calls/new"), "address=2003", 201),
    ]);
    event_on(&mut c, "HeldEvent", &x[0], "1:1");
    event_on(&mut c, "ServiceInitiatedEvent", &x[0], "2:1");
    ok(&mut c, "answer 2:1 2001", "AnswerCallResponse");
    event_on(&mut c, "DeliveredEvent", &x[2], "2:1");
    ok(&mut c, "answer 2:1 2003", "AnswerCallResponse");
    xsi.take();
    event_at(&mut c, "EstablishedEvent", &x[2]);

    // Transfer: 2002 and 2003 are joined, 2001 leaves both calls.
    ok(&mut c, "complete 1:1 2:1 2001", "TransferCallResponse");
    xsi.expect(&[(
        "PUT",
        format!("{U1}/calls/callhalf-1002:0/ConsultTransfer/callhalf-1003:0"),
        "",
        200,
    )]);
    event_at(&mut c, "TransferedEvent", &x[1]);
    event_at(&mut c, "TransferedEvent", &x[2]);
    event_on(&mut c, "ConnectionClearedEvent", &x[0], "1:1");
    event_on(&mut c, "ConnectionClearedEvent", &x[0], "2:1");

    // ClearCall: every connection of the call this session monitors (the
    // second DELETE finds its leg gone with the first).
    ok(&mut c, "clearcall 2:1", "ClearCallResponse");
    xsi.expect(&[
        ("DELETE", format!("{U2}/calls/callhalf-1001:0"), "", 200),
        ("DELETE", format!("{U3}/calls/callhalf-1004:0"), "", 404),
    ]);
    event_at(&mut c, "ConnectionClearedEvent", &x[1]);
    event_at(&mut c, "ConnectionClearedEvent", &x[2]);
}

#[test]
fn alternate_reconnect_and_conference() {
    let rig = rig("cc-conf", |_| {});
    let (mut c, x) = client(&rig, "2001");
    let mut xsi = Actions::new(&rig.sim);
    let sim = &rig.sim;

    let first = sim.call("2001", "2002");
    sim.answer(first);
    event_at(&mut c, "EstablishedEvent", &x);
    // A consultation call to 2003, answered there.
    ok(&mut c, "consult 1:1 2001 2003", "ConsultationCallResponse");
    ok(&mut c, "answer 2:1 2001", "AnswerCallResponse");
    event_at(&mut c, "OriginatedEvent", &x);
    sim.answer(CallId(2));
    event_on(&mut c, "EstablishedEvent", &x, "2:1");
    xsi.take();

    ok(&mut c, "alternate 1:1 2:1 2001", "AlternateCallResponse");
    xsi.expect(&[
        ("PUT", format!("{U1}/calls/callhalf-1003:0/Hold"), "", 200),
        ("PUT", format!("{U1}/calls/callhalf-1001:0/Talk"), "", 200),
    ]);
    event_on(&mut c, "HeldEvent", &x, "2:1");
    event_on(&mut c, "RetrievedEvent", &x, "1:1");

    // An XSP without Reconnect (501): the two-step form.
    sim.fail_actions(0, 501, 1);
    ok(&mut c, "reconnect 1:1 2:1 2001", "ReconnectCallResponse");
    xsi.expect(&[
        (
            "PUT",
            format!("{U1}/calls/callhalf-1003:0/Reconnect"),
            "",
            501,
        ),
        ("DELETE", format!("{U1}/calls/callhalf-1001:0"), "", 200),
        ("PUT", format!("{U1}/calls/callhalf-1003:0/Talk"), "", 200),
    ]);
    event_on(&mut c, "ConnectionClearedEvent", &x, "1:1");
    event_on(&mut c, "RetrievedEvent", &x, "2:1");

    // A second consultation (to 2004), then a three-way conference.
    ok(&mut c, "consult 2:1 2001 2004", "ConsultationCallResponse");
    ok(&mut c, "answer 3:1 2001", "AnswerCallResponse");
    sim.answer(CallId(3));
    event_on(&mut c, "EstablishedEvent", &x, "3:1");
    xsi.take();
    let r = ok(&mut c, "conference 2:1 3:1 2001", "ConferenceCallResponse");
    assert!(
        r.xml.contains("<conferenceCall><callID>2:1</callID>"),
        "{}",
        r.xml
    );
    let got = xsi.expect(&[("POST", format!("{U1}/calls/Conference"), "", 200)]);
    assert_eq!(
        got[0].body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Conference \
         xmlns=\"http://schema.broadsoft.com/xsi\"><conferenceParticipantList>\
         <conferenceParticipant><callId>callhalf-1003:0</callId></conferenceParticipant>\
         <conferenceParticipant><callId>callhalf-1005:0</callId></conferenceParticipant>\
         </conferenceParticipantList></Conference>"
    );
    event_on(&mut c, "ConferencedEvent", &x, "2:1");

    // The controller leaves: both of its legs are released.
    ok(&mut c, "clear 2:1 2001", "ClearConnectionResponse");
    xsi.expect(&[
        ("DELETE", format!("{U1}/calls/callhalf-1003:0"), "", 200),
        ("DELETE", format!("{U1}/calls/callhalf-1005:0"), "", 200),
    ]);
    event_at(&mut c, "ConnectionClearedEvent", &x);
}

#[test]
fn deflect_single_step_transfer_and_device_features() {
    let rig = rig("cc-features", |_| {});
    let (mut a, xa) = client(&rig, "2001");
    let (mut b, xb) = client(&rig, "2002");
    let mut xsi = Actions::new(&rig.sim);

    let call = rig.sim.call("2001", "2002");
    event_at(&mut b, "DeliveredEvent", &xb);
    ok(&mut b, "deflect 1:1 2002 2005", "DeflectCallResponse");
    xsi.expect(&[(
        "PUT",
        format!("{U2}/calls/callhalf-1002:0/BlindTransfer"),
        "address=2005",
        200,
    )]);
    let e = event_at(&mut b, "DivertedEvent", &xb);
    assert_eq!(device(&e, "newDestination"), Some("2005"));
    event_at(&mut a, "TransferedEvent", &xa);

    rig.sim.answer(call);
    event_at(&mut a, "EstablishedEvent", &xa);
    let r = ok(
        &mut a,
        "transfer 1:1 2001 +15550100",
        "SingleStepTransferCallResponse",
    );
    assert!(
        r.xml.contains("<transferredCall><callID>1:1</callID>"),
        "{}",
        r.xml
    );
    xsi.expect(&[(
        "PUT",
        format!("{U1}/calls/callhalf-1001:0/BlindTransfer"),
        "address=%2B15550100",
        200,
    )]);
    let e = event_at(&mut a, "DivertedEvent", &xa);
    assert_eq!(device(&e, "newDestination"), Some("+15550100"));

    ok(&mut a, "dnd 2001 on", "SetDoNotDisturbResponse");
    let got = xsi.expect(&[("PUT", format!("{U1}/services/DoNotDisturb"), "", 200)]);
    assert_eq!(
        got[0].body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DoNotDisturb \
         xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active></DoNotDisturb>"
    );
    ok(&mut b, "forward 2002 2009", "SetForwardingResponse");
    let got = xsi.expect(&[(
        "PUT",
        format!("{U2}/services/CallForwardingAlways"),
        "",
        200,
    )]);
    assert!(
        got[0]
            .body
            .ends_with("<active>true</active><forwardToPhoneNumber>2009</forwardToPhoneNumber></CallForwardingAlways>"),
        "{}",
        got[0].body
    );
    let services = rig.sim.stats().services;
    assert!(services["2001@example.net"].do_not_disturb);
    assert_eq!(
        services["2002@example.net"].forward_to.as_deref(),
        Some("2009")
    );
    // Another session's device cannot be set from here.
    refused(&mut b, "dnd 2001 off", "operation", "invalidDeviceID");
    xsi.none();
}

#[test]
fn refusals_and_xsp_errors() {
    let rig = rig("cc-errors", |_| {});
    let (mut a, xa) = client(&rig, "2001");
    let mut xsi = Actions::new(&rig.sim);
    let sim = &rig.sim;

    // Devices this session does not monitor, connections the model does
    // not know: refused at once, no Xsi request.
    refused(
        &mut a,
        "make 2002 2001",
        "operation",
        "invalidCallingDeviceID",
    );
    refused(&mut a, "hold 1:1 2002", "operation", "invalidDeviceID");
    refused(&mut a, "hold 9:1 2001", "operation", "invalidConnectionID");
    refused(&mut a, "clearcall 9:1", "operation", "invalidCallID");
    refused(&mut a, "dnd 2002 on", "operation", "invalidDeviceID");
    xsi.none();

    sim.call("2001", "2002");
    event_at(&mut a, "OriginatedEvent", &xa);
    // A 4xx from BroadWorks itself: 2001's leg is not talking yet.
    refused(
        &mut a,
        "hold 1:1 2001",
        "stateIncompatibility",
        "invalidObjectState",
    );
    xsi.expect(&[("PUT", format!("{U1}/calls/callhalf-1001:0/Hold"), "", 400)]);
    // A 404 on a call: the connection is gone.
    sim.fail_actions(0, 404, 1);
    refused(&mut a, "clear 1:1 2001", "operation", "invalidConnectionID");
    xsi.expect(&[("DELETE", format!("{U1}/calls/callhalf-1001:0"), "", 404)]);
    // A 404 or 403 elsewhere is a state error.
    sim.fail_actions(0, 403, 1);
    refused(
        &mut a,
        "dnd 2001 on",
        "stateIncompatibility",
        "invalidObjectState",
    );
    xsi.expect(&[("PUT", format!("{U1}/services/DoNotDisturb"), "", 403)]);
    // 500: the XSP may have carried it out; out of service, not repeated.
    sim.fail_actions(0, 500, 1);
    refused(
        &mut a,
        "dnd 2001 on",
        "systemResourceAvailibility",
        "resourceOutOfService",
    );
    let got = xsi.expect(&[("PUT", format!("{U1}/services/DoNotDisturb"), "", 500)]);
    assert_eq!(got[0].xsp, 0);
    // 503: the XSP did not look at it; the next one serves the request.
    sim.fail_actions(0, 503, 1);
    ok(&mut a, "clear 1:1 2001", "ClearConnectionResponse");
    let got = xsi.expect(&[
        ("DELETE", format!("{U1}/calls/callhalf-1001:0"), "", 503),
        ("DELETE", format!("{U1}/calls/callhalf-1001:0"), "", 200),
    ]);
    assert_eq!((got[0].xsp, got[1].xsp), (0, 1));
    event_at(&mut a, "ConnectionClearedEvent", &xa);
    // The ErrorInfo of a refusal is logged with the device and the request.
    let log = rig.bw.log();
    assert!(
        log.contains("HoldCall on 2001 failed: PUT /com.broadsoft.xsi-actions/v2.0/user/2001@example.net/calls/callhalf-1001:0/Hold refused (400):"),
        "{log}"
    );
    assert!(log.contains("(errorCode 4001)"), "{log}");
    assert!(log.contains("(errorCode 110403)"), "{log}");
    assert!(!log.contains("secret"), "the password never appears");
}

#[test]
fn slow_and_unreachable_xsps() {
    let rig = rig("cc-slow", |c| c["xsi"]["request_timeout_s"] = 1.into());
    let (mut a, _) = client(&rig, "2001");
    let mut xsi = Actions::new(&rig.sim);
    let sim = &rig.sim;
    let slow = Duration::from_millis(1600);

    // xsp1 slower than request_timeout_s: resourceOutOfService after one
    // attempt; it may have been carried out, so xsp2 never gets it.
    sim.delay_actions(0, slow);
    let started = Instant::now();
    refused(
        &mut a,
        "dnd 2001 on",
        "systemResourceAvailibility",
        "resourceOutOfService",
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    sim.delay_actions(0, Duration::ZERO);
    // The slow XSP still carries the request out later, as a real one would.
    assert!(sim.wait_for(T, |s| !s.actions.is_empty()));
    let got = xsi.take();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].xsp, got[0].status), (0, 200));

    // One XSP down: the other one is used.
    sim.down(0, true);
    assert!(
        rig.bw.wait_status(T, |s| s["xsp"][0]["state"] != "up"
            && s["status"] == "normal"),
        "{:?}",
        rig.bw.status()
    );
    ok(&mut a, "dnd 2001 on", "SetDoNotDisturbResponse");
    let got = xsi.take();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].xsp, got[0].status), (1, 200));

    // Every XSP down while a request is in flight (held by the XSP far
    // longer than the wait for the answer): answered, not left hanging,
    // even though the monitors end meanwhile.
    sim.delay_actions(1, Duration::from_secs(60));
    let planned = "SetDoNotDisturb on 2001 (1 Xsi request(s))";
    let before = rig.bw.log().matches(planned).count();
    let id = send_only(&mut a, "dnd 2001 off");
    // Taken in hand before the last channel goes (else it would be refused
    // as not monitored any more).
    let in_hand = wait_until(T, || rig.bw.log().matches(planned).count() > before);
    assert!(in_hand, "{}", rig.bw.log());
    sim.down(1, true);
    let r = a.response(id, T).expect("answered");
    assert!(
        matches!(&r.message, Message::ErrorCode { value, .. } if value == "resourceOutOfService"),
        "{}",
        r.xml
    );
    sim.down(0, false);
    sim.down(1, false);
}

#[test]
fn a_closed_session_leaves_its_requests_behind_cleanly() {
    let rig = rig("cc-closed", |_| {});
    let (mut a, _) = client(&rig, "2001");
    rig.sim.delay_actions(0, Duration::from_secs(1));
    rig.sim.delay_actions(1, Duration::from_secs(1));
    send_only(&mut a, "dnd 2001 on");
    drop(a);
    assert!(
        rig.sim
            .wait_for(T, |s| s.actions.iter().any(|r| r.status == 200)),
        "the request still reaches BroadWorks"
    );
    assert!(
        wait_until(T, || rig
            .bw
            .log()
            .contains("SetDoNotDisturb on 2001 done (session closed)")),
        "{}",
        rig.bw.log()
    );
    // The connector carries on.
    rig.sim.delay_actions(0, Duration::ZERO);
    rig.sim.delay_actions(1, Duration::ZERO);
    let (mut b, _) = client(&rig, "2001");
    ok(&mut b, "dnd 2001 off", "SetDoNotDisturbResponse");
}
