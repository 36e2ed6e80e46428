//! Call control racing the rest: a call whose events, release included,
//! come before the answer to the request that started it; jobs whose
//! result comes late or never.

use super::*;
use crate::xsi::actions::{CallStartInfo, Returned};

impl Harness {
    fn action_jobs(&mut self) -> Vec<ActionJob> {
        self.actions.try_iter().collect()
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
    h.result(jobs[0].id, Ok(Returned::CallStarted(started)));
    assert_eq!(h.frames(1), ["#0020 MakeCallResponse"]);
    assert!(
        h.st.translator.model.get(&user("2001"), leg).is_none(),
        "the released call is not brought back"
    );
    // Nothing to hold: refused at once, no Xsi request.
    h.hold(21, call, "2001");
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
    h.result(jobs[0].id, Ok(Returned::CallStarted(started)));
    assert_eq!(h.frames(1), ["#0022 MakeCallResponse"]);
    assert!(h
        .st
        .translator
        .model
        .get(&user("2001"), "callhalf-43:0")
        .is_some());
}

#[test]
fn a_job_carries_the_deadline_its_workers_keep() {
    let mut h = Harness::new(2);
    h.monitoring(&["2001"]);
    let before = Instant::now();
    h.hold(30, "7:1", "2001");
    let jobs = h.action_jobs();
    assert_eq!(jobs.len(), 1);
    // One request, tried on each of two XSPs, 1 s per attempt.
    let budget = Duration::from_secs(2);
    assert!(
        jobs[0].deadline >= before + budget,
        "{:?}",
        jobs[0].deadline
    );
    assert!(jobs[0].deadline <= Instant::now() + budget);
}

#[test]
fn an_overdue_job_is_answered_but_keeps_its_users_turn_until_its_result() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001", "2002"]);
    h.hold(40, "7:1", "2001");
    h.hold(41, "7:1", "2001");
    let first = h.action_jobs();
    assert_eq!(first.len(), 1, "2001's second request waits");
    // A margin after its deadline (1 s): answered, so no request hangs…
    h.tick(Duration::from_secs(4));
    assert_eq!(
        h.frames(1),
        ["#0040 CSTAErrorCode systemResourceAvailibility/resourceOutOfService"]
    );
    // …but the worker may still be at it: the next one on 2001 waits,
    // while another device's request runs.
    assert!(h.action_jobs().is_empty(), "nothing beside a running job");
    h.hold(42, "8:1", "2002");
    let other = h.action_jobs();
    assert_eq!(other.len(), 1);
    h.result(other[0].id, Ok(Returned::Nothing));
    assert_eq!(h.frames(1), ["#0042 HoldCallResponse"]);
    h.tick(Duration::from_secs(30));
    assert!(h.action_jobs().is_empty(), "still waiting for the result");
    // The late result (carried out after all): not answered twice, and
    // the next request on 2001 starts only now.
    h.result(first[0].id, Ok(Returned::Nothing));
    assert_eq!(h.frames(1), Vec::<String>::new());
    let next = h.action_jobs();
    assert_eq!(next.len(), 1);
    h.result(next[0].id, Ok(Returned::Nothing));
    assert_eq!(h.frames(1), ["#0041 HoldCallResponse"]);
}

#[test]
fn a_result_missing_long_after_the_answer_gives_the_turn_up() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001"]);
    h.hold(50, "7:1", "2001");
    h.hold(51, "7:1", "2001");
    let lost = h.action_jobs();
    h.tick(Duration::from_secs(4));
    assert_eq!(h.frames(1).len(), 1, "answered once overdue");
    assert!(h.action_jobs().is_empty());
    // A worker stuck outside every timeout: a minute later the next
    // request on 2001 goes ahead, and a result that still comes changes
    // nothing.
    h.tick(Duration::from_secs(4 + 60));
    let next = h.action_jobs();
    assert_eq!(next.len(), 1);
    h.result(lost[0].id, Ok(Returned::Nothing));
    assert_eq!(h.frames(1), Vec::<String>::new());
    h.result(next[0].id, Ok(Returned::Nothing));
    assert_eq!(h.frames(1), ["#0051 HoldCallResponse"]);
}
