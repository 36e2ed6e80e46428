//! Call control in the dispatcher: a request waits for its job's result,
//! requests on one device take turns, refusals make no job, a lost job is
//! answered at its deadline, a closed session's requests are dropped.

use super::*;
use crate::event::ActionResult;
use crate::xsi::actions::{ActionFailure, ActionOutcome, CallStartInfo, Returned};

const U1: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net";

impl Harness {
    /// The call-control jobs queued since the last call: (id, steps).
    pub(super) fn actions(&mut self) -> Vec<(u64, Vec<String>)> {
        self.actions
            .try_iter()
            .map(|job| (job.id, job.steps.iter().map(ToString::to_string).collect()))
            .collect()
    }

    pub(super) fn result(&mut self, id: u64, outcome: ActionOutcome) {
        self.send(Event::Action(ActionResult { id, outcome }));
    }

    /// Client 1 monitors each of `devices` (subscriptions `sub-<device>`),
    /// with call `<n>:1` (leg `callhalf-<n>`) alerting at each, n from 7.
    pub(super) fn monitoring(&mut self, devices: &[&str]) {
        self.up(0);
        self.connect(1);
        for (n, device) in devices.iter().enumerate() {
            let invoke = u16::try_from(n + 1).expect("few devices");
            self.monitor_start(1, invoke, device);
            let sub = format!("sub-{device}");
            self.created(device, &sub);
            self.call_received(&sub, device, 7 + u32::from(invoke) - 1);
        }
        self.jobs();
        self.frames(1);
    }

    pub(super) fn hold(&mut self, invoke: u16, call: &str, device: &str) {
        let body = format!(
            "<callToBeHeld><callID>{call}</callID><deviceID>{device}</deviceID></callToBeHeld>"
        );
        self.request(1, invoke, "HoldCall", &body);
    }
}

fn ok() -> ActionOutcome {
    Ok(Returned::Nothing)
}

#[test]
fn a_request_is_answered_when_its_job_reports_back() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001"]);
    h.hold(10, "7:1", "2001");
    assert_eq!(h.frames(1), Vec::<String>::new(), "not before BroadWorks");
    let jobs = h.actions();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1, [format!("PUT {U1}/calls/callhalf-7/Hold")]);
    h.result(jobs[0].0, ok());
    assert_eq!(h.frames(1), ["#0010 HoldCallResponse"]);
    // A result nobody waits for (answered already) changes nothing.
    h.result(jobs[0].0, ok());
    assert_eq!(h.frames(1), Vec::<String>::new());
}

#[test]
fn refusals_are_answered_at_once_without_a_job() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001"]);
    h.hold(11, "7:1", "2002");
    h.hold(12, "9:1", "2001");
    h.request(
        1,
        13,
        "MakeCall",
        "<callingDevice>2002</callingDevice><calledDirectoryNumber>2001</calledDirectoryNumber>",
    );
    assert_eq!(
        h.frames(1),
        [
            "#0011 CSTAErrorCode operation/invalidDeviceID",
            "#0012 CSTAErrorCode operation/invalidConnectionID",
            "#0013 CSTAErrorCode operation/invalidCallingDeviceID",
        ]
    );
    assert_eq!(h.actions(), []);
}

#[test]
fn a_new_call_is_known_before_its_first_event() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001"]);
    h.request(
        1,
        20,
        "MakeCall",
        "<callingDevice>2001</callingDevice><calledDirectoryNumber>2002</calledDirectoryNumber>",
    );
    let jobs = h.actions();
    assert_eq!(jobs[0].1, [format!("POST {U1}/calls/new?address=2002")]);
    let started = CallStartInfo {
        call_id: "callhalf-42:0".into(),
        external_tracking_id: "42:1".into(),
    };
    h.result(jobs[0].0, Ok(Returned::CallStarted(started)));
    assert_eq!(h.frames(1), ["#0020 MakeCallResponse"]);
    // No event yet, but the call model already knows the connection.
    h.hold(21, "42:1", "2001");
    let jobs = h.actions();
    assert_eq!(jobs[0].1, [format!("PUT {U1}/calls/callhalf-42:0/Hold")]);
}

#[test]
fn requests_on_one_device_take_turns() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001", "2002"]);
    h.hold(30, "7:1", "2001");
    h.hold(31, "7:1", "2001");
    h.hold(32, "8:1", "2002");
    // 2001's second request waits; 2002's runs beside the first.
    let jobs = h.actions();
    let ids: Vec<u64> = jobs.iter().map(|(id, _)| *id).collect();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    h.result(ids[1], ok());
    assert_eq!(h.frames(1), ["#0032 HoldCallResponse"]);
    assert_eq!(h.actions(), [], "still 2001's turn");
    h.result(ids[0], ok());
    assert_eq!(h.frames(1), ["#0030 HoldCallResponse"]);
    let next = h.actions();
    assert_eq!(next.len(), 1);
    let failure = ActionFailure::Rejected {
        request: "PUT x".into(),
        status: 400,
        on_call: true,
        error: Default::default(),
    };
    h.result(next[0].0, Err(failure));
    assert_eq!(
        h.frames(1),
        ["#0031 CSTAErrorCode stateIncompatibility/invalidObjectState"]
    );
}

#[test]
fn failures_lost_jobs_and_a_full_queue_are_answered() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001", "2002", "2003", "2004", "2005", "2006"]);
    h.hold(40, "7:1", "2001");
    let jobs = h.actions();
    let failure = ActionFailure::Unavailable {
        request: "PUT x".into(),
        detail: "timeout".into(),
    };
    h.result(jobs[0].0, Err(failure));
    assert_eq!(
        h.frames(1),
        ["#0040 CSTAErrorCode systemResourceAvailibility/resourceOutOfService"]
    );
    // A job whose result never comes: answered once its deadline (one
    // attempt of 1 s on one XSP, plus the margin) has passed.
    h.hold(41, "7:1", "2001");
    assert_eq!(h.actions().len(), 1);
    h.tick(Duration::from_secs(1));
    assert_eq!(h.frames(1), Vec::<String>::new());
    h.tick(Duration::from_secs(4));
    assert_eq!(
        h.frames(1),
        ["#0041 CSTAErrorCode systemResourceAvailibility/resourceOutOfService"]
    );
    // The workers' queue holds 4 jobs: the fifth request is refused.
    for (n, device) in ["2002", "2003", "2004", "2005", "2006"].iter().enumerate() {
        let invoke = 50 + u16::try_from(n).expect("small");
        let call = format!("{}:1", 8 + n);
        h.hold(invoke, &call, device);
    }
    assert_eq!(
        h.frames(1),
        ["#0054 CSTAErrorCode systemResourceAvailibility/resourceBusy"]
    );
    assert_eq!(h.actions().len(), 4);
}

#[test]
fn a_closed_session_leaves_its_requests_behind() {
    let mut h = Harness::new(1);
    h.monitoring(&["2001"]);
    h.hold(60, "7:1", "2001");
    h.hold(61, "7:1", "2001");
    let jobs = h.actions();
    assert_eq!(jobs.len(), 1);
    h.closed(1, "connection closed by the client");
    h.result(jobs[0].0, ok());
    // Nothing answered, and the waiting request never starts.
    assert_eq!(h.frames(1), Vec::<String>::new());
    assert_eq!(h.actions(), []);
    // 2001 is free for the next session, which adopts its subscription.
    h.connect(2);
    h.monitor_start(2, 1, "2001");
    assert_eq!(h.jobs(), Vec::<String>::new());
    h.call_received("sub-2001", "2001", 9);
    h.request(
        2,
        2,
        "HoldCall",
        "<callToBeHeld><callID>9:1</callID><deviceID>2001</deviceID></callToBeHeld>",
    );
    assert_eq!(h.actions().len(), 1);
}
