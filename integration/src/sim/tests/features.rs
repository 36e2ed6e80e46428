//! The feature Xsi-Actions over HTTP: the service reads and the service events, a directed
//! pickup, recording and park of the picked call, Reconnect.

use super::*;

const U1: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net";
const U3: &str = "/com.broadsoft.xsi-actions/v2.0/user/2003@example.net";

/// The kinds of the next `n` documents, HookStatus events left out.
fn next_kinds(ch: &mut ChannelReader, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    while out.len() < n {
        let kind = doc_kind(&ch.expect_doc());
        if kind != "HookStatusEvent" {
            out.push(kind);
        }
    }
    out
}

#[test]
fn service_reads_and_service_events() {
    let sim = start(|_| {});
    let url = sim.xsp_urls()[0].clone();
    let mut ch = ChannelReader::open(&url, SET, APP);
    subscribe(&sim, &url, "2001@example.net");
    ch.expect_doc();
    // A Do Not Disturb subscription: no initial event, an event per change.
    let body = subscription_body(SET, APP).replace("Advanced Call", "Do Not Disturb");
    let mut c = Client::connect(&url);
    let resp = c.request("POST", &format!("{EVENTS}/user/2001@example.net"), &body);
    assert_eq!(resp.status, 200, "{}", resp.body);
    let dnd = "<DoNotDisturb><active>true</active></DoNotDisturb>";
    assert_eq!(
        c.request("PUT", &format!("{U1}/services/DoNotDisturb"), dnd)
            .status,
        200
    );
    let doc = ch.expect_doc();
    assert_eq!(doc_kind(&doc), "DoNotDisturbEvent", "{doc}");
    assert!(
        doc.contains("<xsi:info><xsi:active>true</xsi:active>"),
        "{doc}"
    );
    assert!(
        ch.quiet_for(Duration::from_millis(200)),
        "only the DND subscription"
    );
    let resp = c.request("GET", &format!("{U1}/services/DoNotDisturb"), "");
    assert_eq!(resp.status, 200);
    assert!(
        resp.body.contains(
            "<DoNotDisturb xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active>"
        ),
        "{}",
        resp.body
    );
    let cfa = "<CallForwardingAlways><active>true</active>\
               <forwardToPhoneNumber>2009</forwardToPhoneNumber></CallForwardingAlways>";
    let path = format!("{U1}/services/CallForwardingAlways");
    assert_eq!(c.request("PUT", &path, cfa).status, 200);
    let resp = c.request("GET", &path, "");
    assert!(
        resp.body
            .contains("<active>true</active><forwardToPhoneNumber>2009</forwardToPhoneNumber>"),
        "{}",
        resp.body
    );
    assert!(
        ch.quiet_for(Duration::from_millis(200)),
        "no forwarding subscription"
    );
}

#[test]
fn pickup_recording_park_and_reconnect_over_http() {
    let sim = start(|_| {});
    let url = sim.xsp_urls()[0].clone();
    let mut ch = ChannelReader::open(&url, SET, APP);
    for user in ["2001@example.net", "2003@example.net"] {
        subscribe(&sim, &url, user);
        ch.expect_doc();
    }
    let mut c = Client::connect(&url);
    // Nothing rings at 2001 yet.
    let pickup = format!("{U3}/calls/DirectedCallPickup?address=2001");
    assert_eq!(c.request("POST", &pickup, "").status, 400);
    sim.call("2002", "2001");
    assert_eq!(next_kinds(&mut ch, 1), ["CallReceivedEvent"]);
    let resp = c.request("POST", &pickup, "");
    assert_eq!(resp.status, 201, "{}", resp.body);
    assert_eq!(field(&resp.body, "externalTrackingId"), "1:1");
    let picked = field(&resp.body, "callId");
    assert_eq!(
        next_kinds(&mut ch, 2),
        ["CallPickedUpEvent", "CallAnsweredEvent"]
    );
    // 2003 records its new call.
    for (verb, events) in [
        (
            "Record",
            &["CallRecordingStartingEvent", "CallRecordingStartedEvent"][..],
        ),
        ("PauseRecording", &["CallRecordingPausedEvent"][..]),
        ("ResumeRecording", &["CallRecordingResumedEvent"][..]),
        ("StopRecording", &["CallRecordingStoppedEvent"][..]),
    ] {
        let resp = c.request("PUT", &format!("{U3}/calls/{picked}/{verb}"), "");
        assert_eq!(resp.status, 200, "{verb}: {}", resp.body);
        assert_eq!(next_kinds(&mut ch, events.len()), events, "{verb}");
    }
    let resp = c.request("PUT", &format!("{U3}/calls/{picked}/PauseRecording"), "");
    assert_eq!(resp.status, 400, "nothing to pause");
    // 2003 parks it at 2009; 2001 retrieves it.
    let resp = c.request("PUT", &format!("{U3}/calls/{picked}/Park?address=2009"), "");
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(next_kinds(&mut ch, 1), ["CallReleasedEvent"]);
    assert_eq!(sim.stats().parked.get("2009"), Some(&1));
    let resp = c.request("POST", &format!("{U1}/calls/ParkRetrieve?address=2009"), "");
    assert_eq!(resp.status, 201, "{}", resp.body);
    assert_eq!(next_kinds(&mut ch, 1), ["CallParkRetrievedEvent"]);
    // 2001 holds it, takes a second call, then reconnects to the first.
    let retrieved = field(&resp.body, "callId");
    assert_eq!(
        c.request("PUT", &format!("{U1}/calls/{retrieved}/Hold"), "")
            .status,
        200
    );
    let second = sim.call("2004", "2001");
    sim.answer(second);
    assert_eq!(
        next_kinds(&mut ch, 3),
        ["CallHeldEvent", "CallReceivedEvent", "CallAnsweredEvent"]
    );
    let resp = c.request("PUT", &format!("{U1}/calls/{retrieved}/Reconnect"), "");
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        next_kinds(&mut ch, 2),
        ["CallReleasedEvent", "CallRetrievedEvent"]
    );
}
