//! The call-control workers keep a job's deadline, against the XSP
//! simulator: a job still queued at its deadline is never sent, and an
//! attempt gets only the time left before it.

use std::net::SocketAddr;
use std::time::Duration;

use bwcsta_integration::sim::{SimConfig, Simulator};
use crossbeam_channel::{bounded, Receiver, Sender};

use super::*;
use crate::xsi::actions::{do_not_disturb, reconnect};

/// Generous: the machine is shared with other test runs.
const T: Duration = Duration::from_secs(10);

struct Rig {
    sim: Simulator,
    jobs: Option<Sender<ActionJob>>,
    results: Receiver<Event>,
    executor: Option<Executor>,
}

impl Rig {
    /// One simulated XSP, one worker, `request_timeout_s` of 30 s.
    fn start() -> Rig {
        let sim = Simulator::start(SimConfig {
            xsps: vec![("xsp1".to_owned(), SocketAddr::from(([127, 0, 0, 1], 0)))],
            ..SimConfig::default()
        })
        .expect("simulator");
        let settings = XsiSettings::for_test(serde_json::json!({
            "servers": [{ "name": "xsp1", "url": sim.xsp_urls()[0] }],
            "username": "cti@example.net",
            "password": "secret",
            "channel_set_id": "executor-tests",
            "request_timeout_s": 30
        }));
        let flags = Arc::new(LinkFlags::new(1));
        let (jobs, queue) = bounded(8);
        let (inbox, results) = bounded(8);
        let executor = Executor::start(settings, flags, 1, queue, inbox).expect("workers");
        Rig {
            sim,
            jobs: Some(jobs),
            results,
            executor: Some(executor),
        }
    }

    fn run(&self, id: u64, on: bool, deadline: Instant) {
        let job = ActionJob {
            id,
            steps: vec![do_not_disturb("2001@example.net", on)],
            fallback: Vec::new(),
            deadline,
        };
        self.jobs.as_ref().expect("open").send(job).expect("queued");
    }

    fn send(&self, job: ActionJob) {
        self.jobs.as_ref().expect("open").send(job).expect("queued");
    }

    fn result(&self) -> ActionResult {
        match self.results.recv_timeout(T) {
            Ok(Event::Action(result)) => result,
            Ok(_) => panic!("not a call-control result"),
            Err(e) => panic!("no result within {T:?}: {e}"),
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.jobs.take();
        self.sim.delay_actions(0, Duration::ZERO);
        if let Some(executor) = self.executor.take() {
            let _ = executor.join_deadline(Instant::now() + T);
        }
    }
}

fn detail(result: &ActionResult) -> String {
    match &result.outcome {
        Err(
            ActionFailure::Unavailable { detail, .. } | ActionFailure::Uncertain { detail, .. },
        ) => detail.clone(),
        Err(other) => panic!("unexpected failure {other}"),
        Ok(_) => panic!("job {} succeeded", result.id),
    }
}

#[test]
fn a_job_whose_deadline_passed_in_the_queue_is_never_sent() {
    let rig = Rig::start();
    rig.run(1, true, Instant::now());
    rig.run(2, false, Instant::now() + T);
    let first = rig.result();
    assert_eq!(first.id, 1);
    assert!(
        detail(&first).contains("deadline passed"),
        "{}",
        detail(&first)
    );
    let second = rig.result();
    assert_eq!(second.id, 2);
    assert!(second.outcome.is_ok(), "{:?}", second.outcome.err());
    // Only the second request reached BroadWorks (one worker: in order).
    let actions = rig.sim.stats().actions;
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert!(actions[0].body.contains("false"), "{actions:?}");
}

#[test]
fn an_attempt_gets_only_the_time_left_before_the_deadline() {
    let rig = Rig::start();
    // The XSP holds the request far longer than the deadline, and than the
    // wait for the result below; the attempt timeout alone (30 s) would
    // let the worker wait for it.
    rig.sim.delay_actions(0, Duration::from_secs(60));
    rig.run(3, true, Instant::now() + Duration::from_millis(500));
    let result = rig.result();
    assert_eq!(result.id, 3);
    // Sent, then no answer: it may have been carried out.
    assert!(
        matches!(result.outcome, Err(ActionFailure::Uncertain { .. })),
        "{:?}",
        result.outcome
    );
    let detail = detail(&result);
    assert!(detail.contains("xsp1"), "{detail}");
}

#[test]
fn a_step_the_xsp_does_not_support_gives_way_to_its_fallback() {
    let rig = Rig::start();
    let job = |id| ActionJob {
        id,
        steps: vec![reconnect("2001@example.net", "callhalf-1:0")],
        fallback: vec![do_not_disturb("2001@example.net", true)],
        deadline: Instant::now() + T,
    };
    // 501, then 404 (no such call): the fallback is sent instead.
    rig.sim.fail_actions(0, 501, 1);
    rig.send(job(1));
    assert!(rig.result().outcome.is_ok());
    rig.send(job(2));
    assert!(rig.result().outcome.is_ok());
    // 500: it may have been carried out; no fallback, not repeated.
    rig.sim.fail_actions(0, 500, 1);
    rig.send(job(3));
    let result = rig.result();
    assert!(
        matches!(result.outcome, Err(ActionFailure::Uncertain { .. })),
        "{:?}",
        result.outcome
    );
    let got: Vec<(String, u16)> = rig
        .sim
        .stats()
        .actions
        .iter()
        .map(|a| (a.path.rsplit('/').next().unwrap_or("").to_owned(), a.status))
        .collect();
    let want = [
        ("Reconnect", 501),
        ("DoNotDisturb", 200),
        ("Reconnect", 404),
        ("DoNotDisturb", 200),
        ("Reconnect", 500),
    ];
    let want: Vec<(String, u16)> = want.iter().map(|(p, s)| (p.to_string(), *s)).collect();
    assert_eq!(got, want);
}
