//! Xsi-Actions call control: answers, the events each command causes, faults and the record
//! of what was received.

use super::*;

const U1: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net";
const U2: &str = "/com.broadsoft.xsi-actions/v2.0/user/2002@example.net";

/// A simulator with one channel and subscriptions for 2001 and 2002, initial events read.
fn setup() -> (Simulator, ChannelReader, Client) {
    let sim = start(|_| {});
    let url = sim.xsp_urls()[0].clone();
    let mut ch = ChannelReader::open(&url, SET, APP);
    subscribe(&sim, &url, "2001@example.net");
    subscribe(&sim, &url, "2002@example.net");
    ch.expect_doc();
    ch.expect_doc();
    (sim, ch, Client::connect(&url))
}

/// The next `n` events other than HookStatus, as (target DN, event type, callId).
fn next(ch: &mut ChannelReader, n: usize) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    while out.len() < n {
        let d = ch.expect_doc();
        if doc_kind(&d) == "HookStatusEvent" {
            continue;
        }
        let target = field(&d, "targetId");
        let dn = target.split('@').next().unwrap_or("").to_string();
        out.push((dn, doc_kind(&d), field(&d, "callId")));
    }
    out
}

#[test]
fn a_call_driven_by_commands_from_dial_to_release() {
    let (sim, mut ch, mut c) = setup();
    let resp = c.request("POST", &format!("{U1}/calls/new?address=2002"), "");
    assert_eq!(resp.status, 201, "{}", resp.body);
    let call_id = field(&resp.body, "callId");
    let ext = field(&resp.body, "externalTrackingId");
    assert!(
        call_id.starts_with("callhalf-") && ext.ends_with(":1"),
        "{}",
        resp.body
    );
    assert!(
        resp.head
            .contains(&format!("Location: {U1}/calls/{call_id}")),
        "{}",
        resp.head
    );
    let ev = next(&mut ch, 1);
    assert_eq!(
        ev,
        [(
            "2001".into(),
            "CallOriginatingEvent".into(),
            call_id.clone()
        )]
    );

    // 2001 picks up: the call is dialled and 2002 rings.
    assert_eq!(
        c.request("PUT", &format!("{U1}/calls/{call_id}/Talk"), "")
            .status,
        200
    );
    let ev = next(&mut ch, 2);
    let kinds: Vec<&str> = ev.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["CallOriginatedEvent", "CallReceivedEvent"]);
    let other = ev[1].2.clone();

    // 2002 answers, 2001 holds and retrieves, 2002 hangs up.
    let steps: &[(&str, String, &[&str])] = &[
        (
            "PUT",
            format!("{U2}/calls/{other}/Talk"),
            &["CallAnsweredEvent", "CallAnsweredEvent"],
        ),
        (
            "PUT",
            format!("{U1}/calls/{call_id}/Hold"),
            &["CallHeldEvent", "CallHeldEvent"],
        ),
        (
            "PUT",
            format!("{U1}/calls/{call_id}/Talk"),
            &["CallRetrievedEvent", "CallRetrievedEvent"],
        ),
        (
            "PUT",
            format!("{U1}/calls/{call_id}/TransmitDTMF?playdtmf=12%23"),
            &[],
        ),
        (
            "DELETE",
            format!("{U2}/calls/{other}"),
            &["CallReleasedEvent", "CallReleasedEvent"],
        ),
    ];
    for (method, path, want) in steps {
        assert_eq!(c.request(method, path, "").status, 200, "{method} {path}");
        if want.is_empty() {
            continue;
        }
        let ev = next(&mut ch, want.len());
        let kinds: Vec<&str> = ev.iter().map(|(_, k, _)| k.as_str()).collect();
        assert_eq!(kinds, *want, "{method} {path}");
    }
    let actions = sim.stats().actions;
    let seen: Vec<(&str, &str, &str, u16)> = actions
        .iter()
        .map(|a| (a.method, a.path.as_str(), a.query.as_str(), a.status))
        .collect();
    assert_eq!(seen.len(), 7);
    assert_eq!(
        seen[0],
        ("POST", &*format!("{U1}/calls/new"), "address=2002", 201)
    );
    assert_eq!(seen[5].2, "playdtmf=12%23");
    assert!(actions.iter().all(|a| a.xsp == 0));
}

#[test]
fn refusals_carry_error_info() {
    let (sim, mut ch, mut c) = setup();
    let call = sim.call("2001", "2002");
    let docs = next(&mut ch, 2);
    let (a, b) = (docs[0].2.clone(), docs[1].2.clone());
    let cases: Vec<(&str, String, &str, u16)> = vec![
        ("PUT", format!("{U1}/calls/callhalf-999:0/Hold"), "", 404),
        ("DELETE", format!("{U1}/calls/nonsense"), "", 404),
        // 2002's leg is not 2001's.
        ("PUT", format!("{U1}/calls/{b}/Talk"), "", 404),
        // Alerting: no hold; the originator cannot answer.
        ("PUT", format!("{U2}/calls/{b}/Hold"), "", 400),
        ("PUT", format!("{U1}/calls/{a}/Talk"), "", 400),
        (
            "PUT",
            format!("{U1}/calls/{a}/TransmitDTMF?playdtmf=1"),
            "",
            400,
        ),
        ("PUT", format!("{U1}/calls/{a}/BlindTransfer"), "", 400),
        ("POST", format!("{U1}/calls/new"), "", 400),
        (
            "POST",
            format!("{U1}/calls/Conference"),
            "<Conference/>",
            400,
        ),
        (
            "PUT",
            format!("{U1}/services/DoNotDisturb"),
            "<DoNotDisturb/>",
            400,
        ),
        ("GET", format!("{U1}/calls"), "", 404),
    ];
    for (method, path, body, status) in cases {
        let resp = c.request(method, &path, body);
        assert_eq!(resp.status, status, "{method} {path}");
        assert!(!field(&resp.body, "errorCode").is_empty(), "{}", resp.body);
        assert!(!field(&resp.body, "summary").is_empty(), "{}", resp.body);
    }
    assert!(
        ch.quiet_for(Duration::from_millis(200)),
        "no events for refusals"
    );
    sim.release(call, "2001");
}

#[test]
fn transfers_and_conferences() {
    let (sim, mut ch, mut c) = setup();
    // 2001 talks to 2002 and dials 2003 (not subscribed): consult transfer joins them.
    let first = sim.call("2001", "2002");
    sim.answer(first);
    let docs = next(&mut ch, 4);
    let a1 = docs[0].2.clone();
    assert_eq!(
        c.request("PUT", &format!("{U1}/calls/{a1}/Hold"), "")
            .status,
        200
    );
    next(&mut ch, 2);
    let resp = c.request("POST", &format!("{U1}/calls/new?address=2003"), "");
    let a2 = field(&resp.body, "callId");
    next(&mut ch, 1);
    assert_eq!(
        c.request("PUT", &format!("{U1}/calls/{a2}/Talk"), "")
            .status,
        200
    );
    next(&mut ch, 1);
    let conf_body = format!(
        "<Conference xmlns=\"http://schema.broadsoft.com/xsi\"><conferenceParticipantList>\
         <conferenceParticipant><callId>{a1}</callId></conferenceParticipant>\
         <conferenceParticipant><callId>{a2}</callId></conferenceParticipant>\
         </conferenceParticipantList></Conference>"
    );
    assert_eq!(
        c.request("POST", &format!("{U1}/calls/Conference"), &conf_body)
            .status,
        200
    );
    let ev = next(&mut ch, 1);
    assert_eq!(ev[0].1, "ConferenceStartedEvent");
    let path = format!("{U1}/calls/{a1}/ConsultTransfer/{a2}");
    assert_eq!(c.request("PUT", &path, "").status, 200);
    let kinds: Vec<String> = next(&mut ch, 4).into_iter().map(|(_, k, _)| k).collect();
    assert_eq!(
        kinds,
        [
            "CallTransferredEvent",
            "CallReleasedEvent",
            "CallReleasedEvent",
            "ConferenceReleasedEvent"
        ]
    );
    // 2001 deflects a call ringing at it: a blind transfer of an alerting leg.
    let b = sim.call("2002", "2001");
    let docs = next(&mut ch, 2);
    let ringing = docs[1].2.clone();
    let path = format!("{U1}/calls/{ringing}/BlindTransfer?address=tel:%2B2004");
    assert_eq!(c.request("PUT", &path, "").status, 200);
    let ev = next(&mut ch, 3);
    let kinds: Vec<&str> = ev.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "CallRedirectedEvent",
            "CallReleasedEvent",
            "CallTransferredEvent"
        ]
    );
    assert!(sim
        .stats()
        .actions
        .last()
        .is_some_and(|a| a.query == "address=tel:%2B2004"));
    sim.release(b, "2002");
}

#[test]
fn services_are_stored() {
    let (sim, _ch, mut c) = setup();
    let dnd = "<DoNotDisturb xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active></DoNotDisturb>";
    let cfa =
        "<CallForwardingAlways xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active>\
               <forwardToPhoneNumber>2009</forwardToPhoneNumber></CallForwardingAlways>";
    assert_eq!(
        c.request("PUT", &format!("{U1}/services/DoNotDisturb"), dnd)
            .status,
        200
    );
    assert_eq!(
        c.request("PUT", &format!("{U2}/services/CallForwardingAlways"), cfa)
            .status,
        200
    );
    let stats = sim.stats();
    let one = &stats.services["2001@example.net"];
    assert!(one.do_not_disturb && !one.forward_always);
    let two = &stats.services["2002@example.net"];
    assert!(two.forward_always && two.forward_to.as_deref() == Some("2009"));
    assert_eq!(stats.actions[1].body, cfa);
    assert_eq!(
        stats.to_json()["services"]["2002@example.net"]["forward_to"],
        "2009"
    );
}

#[test]
fn action_faults_touch_call_control_only() {
    let (sim, mut ch, mut c) = setup();
    sim.fail_actions(0, 503, 2);
    let dnd = "<DoNotDisturb><active>false</active></DoNotDisturb>";
    let path = format!("{U1}/services/DoNotDisturb");
    // Event requests are not affected.
    let hb = format!("{EVENTS}/channel/{}/heartbeat", ch.id);
    assert_eq!(c.request("PUT", &hb, "").status, 200);
    assert_eq!(c.request("PUT", &path, dnd).status, 503);
    assert_eq!(c.request("PUT", &path, dnd).status, 503);
    assert_eq!(c.request("PUT", &path, dnd).status, 200);
    sim.delay_actions(0, Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(c.request("PUT", &path, dnd).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.delay_actions(0, Duration::ZERO);
    let statuses: Vec<u16> = sim.stats().actions.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [503, 503, 200, 200]);
    assert_eq!(doc_kind(&ch.expect_doc()), "heartbeat");
}

#[test]
fn a_delay_of_one_kind_and_a_dropped_answer() {
    let (sim, _ch, mut c) = setup();
    // Only calls/new waits; DoNotDisturb is answered at once.
    sim.delay_action(0, "new", Duration::from_millis(300));
    let dnd = "<DoNotDisturb><active>true</active></DoNotDisturb>";
    let started = Instant::now();
    assert_eq!(
        c.request("PUT", &format!("{U1}/services/DoNotDisturb"), dnd)
            .status,
        200
    );
    assert!(started.elapsed() < Duration::from_millis(300));
    let resp = c.request("POST", &format!("{U1}/calls/new?address=2002"), "");
    assert_eq!(resp.status, 201);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.delay_actions(0, Duration::ZERO);
    // A dropped command is carried out; its connection closes unanswered.
    sim.drop_actions(0, 1);
    let mut d = Client::connect(&sim.xsp_urls()[0]);
    d.send_raw(&request_bytes(
        "POST",
        &format!("{U1}/calls/new?address=2003"),
        "",
    ));
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut d.stream, &mut rest);
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    let stats = sim.stats();
    let statuses: Vec<u16> = stats.actions.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [200, 201, 0]);
    assert_eq!(
        stats.calls_started, 2,
        "the dropped command placed its call"
    );
    // The next command is answered again.
    let resp = c.request("POST", &format!("{U1}/calls/new?address=2004"), "");
    assert_eq!(resp.status, 201);
}

/// The contact-centre commands over HTTP: agent state (PUT and GET), route point commands,
/// and a subscription to a package its target cannot have.
#[test]
fn contact_centre_commands_and_package_validation() {
    let sim = start(|_| {});
    sim.add_route_point("6000");
    let url = sim.xsp_urls()[0].clone();
    let mut c = Client::connect(&url);
    let body = |package: &str| subscription_body(SET, APP).replace("Advanced Call", package);
    let refused = c.request(
        "POST",
        &format!("{EVENTS}/user/6000@example.net"),
        &body("Advanced Call"),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    let refused = c.request(
        "POST",
        &format!("{EVENTS}/user/2001@example.net"),
        &body("Route Point Queue"),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);

    let cc = format!("{U2}/services/CallCenter");
    let state = |s: &str| {
        format!("<CallCenter xmlns=\"http://schema.broadsoft.com/xsi\"><agentACDState>{s}</agentACDState></CallCenter>")
    };
    assert!(c
        .request("GET", &cc, "")
        .body
        .contains("<agentACDState>Sign-Out</agentACDState>"));
    assert_eq!(c.request("PUT", &cc, &state("Available")).status, 200);
    assert!(c
        .request("GET", &cc, "")
        .body
        .contains("<agentACDState>Available</agentACDState>"));
    assert_eq!(c.request("PUT", &cc, &state("Lunch")).status, 400);
    assert_eq!(c.request("PUT", &cc, "<CallCenter/>").status, 400);
    assert_eq!(
        sim.stats()
            .agent_states
            .get("2002@example.net")
            .map(String::as_str),
        Some("Available")
    );

    let rp = "/com.broadsoft.xsi-actions/v2.0/routepoint/6000@example.net/calls";
    let call = sim.rp_call("2001", "6000").expect("waiting");
    let half = 1000 + call.0 * 2; // caller's leg first, then the route point's
    let play = c.request(
        "PUT",
        &format!("{rp}/callhalf-{half}:0/PlayMusicOnHold"),
        "",
    );
    assert_eq!(play.status, 200, "{}", play.body);
    assert_eq!(field(&play.body, "playCollectId"), "1");
    for (path, status) in [
        (format!("{rp}/callhalf-{half}:0/PlayNothing"), 404),
        (format!("{rp}/callhalf-9:0/Fail"), 404),
        (format!("{rp}/callhalf-{half}:0/BlindTransfer"), 400),
        (
            format!("{rp}/callhalf-{half}:0/BlindTransfer?address=2002"),
            200,
        ),
        (format!("{rp}/callhalf-{half}:0/Fail"), 404),
    ] {
        assert_eq!(c.request("PUT", &path, "").status, status, "{path}");
    }
    assert_eq!(sim.stats().queued["6000"], Vec::<u64>::new());
}
