//! The retry rule of call control end to end (README, Call control): a
//! request goes to the next XSP only when the first cannot have acted on it
//! (it answered 503; a connection that fails before sending is covered by
//! the client's unit tests). A timeout or a broken connection once the
//! request was sent, or a 5xx other than 503, is answered
//! `resourceOutOfService` and never repeated: the tests count, per XSP, the
//! requests the simulator received and the calls it placed.

mod common;

use std::time::Duration;

use bwcsta::csta::parse::Message;
use bwcsta_integration::client::{CstaClient, Received};
use bwcsta_integration::sim::Simulator;
use bwcsta_integration::support::wait_until;
use common::*;

const NEW: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net/calls/new";

/// bwcsta with `request_timeout_s` of 1 s, and a client monitoring 2001.
fn start(tag: &str) -> (Rig, CstaClient, String) {
    let rig = rig(tag, |c| c["xsi"]["request_timeout_s"] = 1.into());
    let (c, x) = client(&rig, "2001");
    (rig, c, x)
}

fn is_error(r: &Received, value: &str) -> bool {
    matches!(&r.message, Message::ErrorCode { value: v, .. } if v == value)
}

/// (XSP, method, path, status) of every Xsi-Actions request so far, once
/// `n` have been handled.
fn actions(sim: &Simulator, n: usize) -> Vec<(usize, &'static str, String, u16)> {
    assert!(
        sim.wait_for(T, |s| s.actions.len() >= n),
        "{:?}",
        sim.stats().actions
    );
    sim.stats()
        .actions
        .iter()
        .map(|a| (a.xsp, a.method, a.path.clone(), a.status))
        .collect()
}

/// The log says the request may or may not have been carried out, naming
/// the XSP, the request and the device.
fn logged_uncertain(rig: &Rig, request: &str, xsp: &str) {
    let line = format!("{request} on 2001: POST {NEW}?address=");
    let found = wait_until(T, || {
        rig.bw.log().lines().any(|l| {
            l.contains(&line)
                && l.contains("may or may not have been carried out")
                && l.contains(&format!("({xsp}: "))
        })
    });
    assert!(found, "{}", rig.bw.log());
}

#[test]
fn a_makecall_that_timed_out_is_answered_out_of_service_and_not_repeated() {
    let (rig, mut a, x) = start("retry-timeout");
    rig.sim.delay_action(0, "new", Duration::from_millis(1500));
    let r = send(&mut a, "make 2001 2002");
    assert!(is_error(&r, "resourceOutOfService"), "{}", r.xml);
    // The slow XSP places the call after all; the other one never hears of it.
    let got = actions(&rig.sim, 1);
    assert_eq!(got, [(0, "POST", NEW.to_owned(), 201)]);
    assert_eq!(rig.sim.stats().calls_started, 1);
    logged_uncertain(&rig, "MakeCall", "xsp1");
    // The call it placed is reported like any other.
    let e = wait_event(&mut a, "ServiceInitiatedEvent", Some(&x), None);
    assert_eq!(call_of(&e), Some("1:1"));
    assert_eq!(actions(&rig.sim, 1).len(), 1, "still one request");
}

#[test]
fn a_makecall_whose_connection_broke_after_sending_is_not_repeated() {
    let (rig, mut a, _) = start("retry-drop");
    rig.sim.drop_actions(0, 1);
    let r = send(&mut a, "make 2001 2002");
    assert!(is_error(&r, "resourceOutOfService"), "{}", r.xml);
    // Carried out, left unanswered (status 0), not sent to xsp2.
    assert_eq!(actions(&rig.sim, 1), [(0, "POST", NEW.to_owned(), 0)]);
    assert_eq!(rig.sim.stats().calls_started, 1);
    logged_uncertain(&rig, "MakeCall", "xsp1");
}

#[test]
fn a_makecall_answered_500_is_not_repeated() {
    let (rig, mut a, _) = start("retry-500");
    rig.sim.fail_actions(0, 500, 1);
    let r = send(&mut a, "make 2001 2002");
    assert!(is_error(&r, "resourceOutOfService"), "{}", r.xml);
    assert_eq!(actions(&rig.sim, 1), [(0, "POST", NEW.to_owned(), 500)]);
    assert_eq!(rig.sim.stats().calls_started, 0);
    logged_uncertain(&rig, "MakeCall", "xsp1");
}

#[test]
fn a_makecall_answered_503_goes_to_the_next_xsp_once() {
    let (rig, mut a, _) = start("retry-503");
    rig.sim.fail_actions(0, 503, 1);
    let r = ok(&mut a, "make 2001 2002", "MakeCallResponse");
    assert!(r.xml.contains("<callID>1:1</callID>"), "{}", r.xml);
    assert_eq!(
        actions(&rig.sim, 2),
        [
            (0, "POST", NEW.to_owned(), 503),
            (1, "POST", NEW.to_owned(), 201)
        ]
    );
    assert_eq!(rig.sim.stats().calls_started, 1);
}

#[test]
fn a_step_after_a_successful_one_follows_the_same_rule() {
    let (rig, mut a, x) = start("retry-consult");
    let sim = &rig.sim;
    let call = sim.call("2001", "2002");
    sim.answer(call);
    wait_event(&mut a, "EstablishedEvent", Some(&x), None);
    // ConsultationCall: the Hold is answered, the calls/new times out.
    sim.delay_action(0, "new", Duration::from_millis(1500));
    let r = send(&mut a, "consult 1:1 2001 2003");
    assert!(is_error(&r, "resourceOutOfService"), "{}", r.xml);
    let hold = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net/calls/callhalf-1001:0/Hold";
    assert_eq!(
        actions(sim, 2),
        [
            (0, "PUT", hold.to_owned(), 200),
            (0, "POST", NEW.to_owned(), 201)
        ]
    );
    // The first call and the one consultation call: nothing twice.
    assert_eq!(sim.stats().calls_started, 2);
    logged_uncertain(&rig, "ConsultationCall", "xsp1");
}
