//! The subscription workers: server order, granted lifetimes, and the pool
//! against the XSP simulator (requests in flight at once, kept-alive
//! connections spread over the XSPs, a panicking job answered).

use super::*;
use bwcsta_integration::sim::{RequestKind, SimConfig, Simulator};
use crossbeam_channel::unbounded;

#[test]
fn granted_expiry() {
    assert_eq!(granted(Some(86400), 3600), Duration::from_secs(86400));
    assert_eq!(granted(None, 3600), Duration::from_secs(3600));
    assert_eq!(granted(Some(0), 3600), Duration::from_secs(1));
}

const WAIT: Duration = Duration::from_secs(20);

/// The pools of these tests share thread names, which the panic injection
/// goes by: one at a time.
static ONE_POOL: parking_lot::Mutex<()> = parking_lot::Mutex::new(());

/// A pool of workers against a simulator with two XSPs, both marked up.
/// Field order: the job sender goes first, then the simulator (ending any
/// request it holds back), then the pool is joined.
struct Rig {
    jobs: Sender<Job>,
    sim: Simulator,
    results: Receiver<Event>,
    _pool: Subscriber,
    _one: parking_lot::MutexGuard<'static, ()>,
}

impl Rig {
    fn start(workers: usize, tweak: impl FnOnce(&mut SimConfig)) -> Rig {
        let one = ONE_POOL.lock();
        let mut cfg = SimConfig::default();
        tweak(&mut cfg);
        let sim = Simulator::start(cfg).expect("simulator");
        let urls = sim.xsp_urls();
        let settings = XsiSettings::for_test(serde_json::json!({
            "servers": [{ "name": "xsp1", "url": urls[0] }, { "name": "xsp2", "url": urls[1] }],
            "username": "cti@example.net",
            "password": "secret",
            "channel_set_id": "sub-tests",
            "request_timeout_s": 180
        }));
        let flags = Arc::new(LinkFlags::new(2));
        flags.set(0, true);
        flags.set(1, true);
        let (jobs, queue) = unbounded();
        let (inbox, results) = unbounded();
        let pool = Subscriber::start(settings, flags, workers, queue, inbox).expect("pool");
        Rig {
            jobs,
            sim,
            results,
            _pool: pool,
            _one: one,
        }
    }

    fn create(&self, user: &str) {
        let job = Job::Create {
            user: user.into(),
            package: "Advanced Call".into(),
        };
        self.jobs.send(job).expect("queued");
    }

    fn result(&self) -> SubscriptionResult {
        match self.results.recv_timeout(WAIT) {
            Ok(Event::Subscription(r)) => r,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => panic!("no result within {WAIT:?}: {e}"),
        }
    }
}

#[test]
fn every_worker_has_a_request_in_flight_at_once() {
    // Far longer than the test: what counts is that all of them wait at once.
    let rig = Rig::start(8, |c| {
        c.delays = vec![(RequestKind::Subscribe, Duration::from_secs(150))]
    });
    for n in 0..8 {
        rig.create(&format!("20{n:02}@example.net"));
    }
    assert!(
        rig.sim.wait_for(WAIT, |s| s.delayed.peak_waiting == 8),
        "{:?}",
        rig.sim.stats().delayed
    );
}

#[test]
fn a_burst_reuses_connections_spread_over_the_xsps() {
    let rig = Rig::start(4, |_| {});
    for n in 0..60 {
        rig.create(&format!("3{n:03}@example.net"));
    }
    let created = (0..60)
        .filter(|_| matches!(rig.result(), SubscriptionResult::Created { .. }))
        .count();
    assert_eq!(created, 60);
    let stats = rig.sim.stats();
    let per_xsp = |x: usize| stats.requests.iter().filter(|r| r.xsp == x).count();
    assert!(
        per_xsp(0) >= 10 && per_xsp(1) >= 10,
        "{} / {}",
        per_xsp(0),
        per_xsp(1)
    );
    // At most one connection per worker and XSP, not one per request.
    assert!(
        stats.connections_accepted <= 8,
        "{}",
        stats.connections_accepted
    );
}

#[test]
fn a_job_that_panics_is_answered_and_its_worker_goes_on() {
    let rig = Rig::start(1, |_| {});
    crate::thread::inject::arm("xsi-sub-0", "subscription job");
    rig.create("2001@example.net");
    match rig.result() {
        SubscriptionResult::Failed {
            user,
            error: SubscriptionError::Unavailable { detail },
            ..
        } => {
            assert_eq!(user, "2001@example.net");
            assert!(
                detail.starts_with("subscription worker panicked: injected panic"),
                "{detail}"
            );
        }
        _ => panic!("not a failure"),
    }
    rig.create("2001@example.net");
    assert!(matches!(rig.result(), SubscriptionResult::Created { .. }));
}
