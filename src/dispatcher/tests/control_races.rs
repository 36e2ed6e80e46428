//! Call control racing the rest: a call whose events, release included,
//! come before the answer to the request that started it; jobs whose
//! result comes late or never.

use super::*;
use crate::event::ActionResult;
use crate::xsi::actions::{ActionOutcome, CallStartInfo};

impl Harness {
    fn action_jobs(&mut self) -> Vec<ActionJob> {
        self.actions.try_iter().collect()
    }

    fn outcome(&mut self, id: u64, outcome: ActionOutcome) {
        self.send(Event::Action(ActionResult { id, outcome }));
    }

    fn hold_call(&mut self, invoke: u16, call: &str, device: &str) {
        let body = format!(
            "<callToBeHeld><callID>{call}</callID><deviceID>{device}</deviceID></callToBeHeld>"
        );
        self.request(1, invoke, "HoldCall", &body);
    }
}

const MAKE_CALL: &str =
    "<callingDevice>2001</callingDevice><calledDirectoryNumber>2002</calledDirectoryNumber>";

#[test]
fn a_call_released_before_its_make_call_answer_leaves_no_phantom() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001"]);
    h.request(1, 20, "MakeCall", MAKE_CALL);
    let jobs = h.action_jobs();
    assert_eq!(jobs.len(), 1);
    // BroadWorks reports the call and its end before the workers' answer
    // (201 with its CallStartInfo) reaches the dispatcher.
    let (leg, call) = ("callhalf-42:0", "42:1");
    let originated = ("CallOriginatedEvent", "Originator", "Alerting");
    h.call_event("sub-2001", "2001", originated, leg, call);
    let released = ("CallReleasedEvent", "Originator", "Released");
    h.call_event("sub-2001", "2001", released, leg, call);
    let events = h.frames(1);
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("ConnectionClearedEvent")),
        "{events:?}"
    );
    let started = CallStartInfo {
        call_id: leg.into(),
        external_tracking_id: call.into(),
    };
    h.outcome(jobs[0].id, Ok(Some(started)));
    assert_eq!(h.frames(1), ["#0020 MakeCallResponse"]);
    assert!(
        h.st.translator.model.get(&user("2001"), leg).is_none(),
        "the released call is not brought back"
    );
    // Nothing to hold: refused at once, no Xsi request.
    h.hold_call(21, call, "2001");
    assert_eq!(
        h.frames(1),
        ["#0021 CSTAErrorCode operation/invalidConnectionID"]
    );
    assert!(h.action_jobs().is_empty());

    // A call answered before its events is still known at once.
    h.request(1, 22, "MakeCall", MAKE_CALL);
    let jobs = h.action_jobs();
    let started = CallStartInfo {
        call_id: "callhalf-43:0".into(),
        external_tracking_id: "43:1".into(),
    };
    h.outcome(jobs[0].id, Ok(Some(started)));
    assert_eq!(h.frames(1), ["#0022 MakeCallResponse"]);
    assert!(h
        .st
        .translator
        .model
        .get(&user("2001"), "callhalf-43:0")
        .is_some());
}
