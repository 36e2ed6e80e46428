//! The queue of subscription jobs in front of the workers.
//!
//! A T-Server that (re)connects monitors every device it owns at once:
//! thousands of MonitorStarts, each a subscription to create at the XSP's
//! pace. The dispatcher keeps those jobs here instead of handing them all to
//! the workers' channel, so that
//! - another client's MonitorStart waits for at most one job of each busy
//!   client, not for a whole storm: every client has a lane of its own, and
//!   lanes take turns (round-robin), as does the lane of upkeep work
//!   (refreshes, deletions, re-creations), which no client waits for;
//! - a job whose client went away meanwhile is dropped before it costs an
//!   HTTP request (the dispatcher looks at each job as it leaves);
//! - only about two jobs per worker are with the workers at any time, so
//!   every worker always has its next job at hand.
//!
//! Within a lane jobs keep their order. The queue is plain data; the
//! dispatcher takes jobs out as workers report results ([`JobQueue::done`]).

use std::collections::{HashMap, VecDeque};

use crate::event::ClientId;
use crate::xsi::subscriber::Job;

/// Whose work a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Subscriptions a client's MonitorStarts wait for.
    Client(ClientId),
    /// Refreshes, deletions and re-creations.
    Upkeep,
}

pub struct JobQueue {
    lanes: HashMap<Lane, VecDeque<Job>>,
    /// Lanes with jobs, in the order they get their next turn.
    turns: VecDeque<Lane>,
    in_flight: usize,
    limit: usize,
}

impl JobQueue {
    /// A queue that lets `limit` jobs be with the workers at once.
    pub fn new(limit: usize) -> Self {
        JobQueue {
            lanes: HashMap::new(),
            turns: VecDeque::new(),
            in_flight: 0,
            limit: limit.max(1),
        }
    }

    pub fn push(&mut self, lane: Lane, job: Job) {
        let jobs = self.lanes.entry(lane).or_default();
        if jobs.is_empty() {
            self.turns.push_back(lane);
        }
        jobs.push_back(job);
    }

    /// The next job to hand to the workers, if they have room for one; it
    /// counts as in flight until [`done`](Self::done) (or
    /// [`cancel`](Self::cancel) when the dispatcher drops it instead).
    pub fn next(&mut self) -> Option<Job> {
        if self.in_flight >= self.limit {
            return None;
        }
        let lane = self.turns.pop_front()?;
        let jobs = self.lanes.get_mut(&lane)?;
        let job = jobs.pop_front()?;
        if jobs.is_empty() {
            self.lanes.remove(&lane);
        } else {
            self.turns.push_back(lane);
        }
        self.in_flight += 1;
        Some(job)
    }

    /// Takes every job waiting in `lane` out of the queue.
    pub fn take_lane(&mut self, lane: Lane) -> VecDeque<Job> {
        let jobs = self.lanes.remove(&lane).unwrap_or_default();
        if !jobs.is_empty() {
            self.turns.retain(|l| *l != lane);
        }
        jobs
    }

    /// A worker reported the result of a job.
    pub fn done(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// A job taken with [`next`](Self::next) was not sent after all.
    pub fn cancel(&mut self) {
        self.done();
    }

    /// Jobs waiting for their turn (a lane per client with jobs, and
    /// upkeep: few to count).
    pub fn queued(&self) -> usize {
        self.lanes.values().map(VecDeque::len).sum()
    }

    /// Jobs with the workers.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(user: &str) -> Job {
        Job::Create {
            user: user.into(),
            package: "Advanced Call".into(),
        }
    }

    fn name(job: &Job) -> String {
        match job {
            Job::Create { user, .. } => user.to_string(),
            Job::Refresh {
                subscription_id, ..
            } => format!("refresh {subscription_id}"),
            Job::Delete { subscription_id } => format!("delete {subscription_id}"),
        }
    }

    fn drain(q: &mut JobQueue) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(job) = q.next() {
            out.push(name(&job));
            q.done();
        }
        out
    }

    #[test]
    fn lanes_take_turns_and_keep_their_order() {
        let mut q = JobQueue::new(4);
        let (a, b) = (Lane::Client(ClientId(1)), Lane::Client(ClientId(2)));
        for n in 1..=4 {
            q.push(a, create(&format!("a{n}")));
        }
        q.push(b, create("b1"));
        q.push(
            Lane::Upkeep,
            Job::Delete {
                subscription_id: "s1".into(),
            },
        );
        q.push(b, create("b2"));
        assert_eq!(q.queued(), 7);
        assert_eq!(
            drain(&mut q),
            ["a1", "b1", "delete s1", "a2", "b2", "a3", "a4"]
        );
        assert_eq!((q.queued(), q.in_flight()), (0, 0));
    }

    #[test]
    fn a_lane_taken_out_loses_its_turns() {
        let mut q = JobQueue::new(8);
        let (a, b) = (Lane::Client(ClientId(1)), Lane::Client(ClientId(2)));
        q.push(a, create("a1"));
        q.push(b, create("b1"));
        q.push(a, create("a2"));
        let taken: Vec<String> = q.take_lane(a).iter().map(name).collect();
        assert_eq!(taken, ["a1", "a2"]);
        assert_eq!(q.queued(), 1);
        assert!(q.take_lane(a).is_empty());
        assert_eq!(drain(&mut q), ["b1"]);
    }

    #[test]
    fn no_more_than_the_limit_is_in_flight() {
        let mut q = JobQueue::new(2);
        let a = Lane::Client(ClientId(1));
        for n in 1..=3 {
            q.push(a, create(&format!("a{n}")));
        }
        assert!(q.next().is_some());
        assert!(q.next().is_some());
        assert!(q.next().is_none(), "both slots taken");
        assert_eq!((q.queued(), q.in_flight()), (1, 2));
        q.done();
        assert_eq!(q.next().map(|j| name(&j)).as_deref(), Some("a3"));
        q.cancel();
        q.done();
        q.done();
        q.done();
        assert_eq!(q.in_flight(), 0, "never below zero");
        assert!(q.next().is_none());
    }

    #[test]
    fn a_newcomer_waits_for_one_turn_not_for_a_storm() {
        let mut q = JobQueue::new(1);
        let storm = Lane::Client(ClientId(1));
        for n in 0..10_000 {
            q.push(storm, create(&format!("s{n}")));
        }
        assert_eq!(q.next().map(|j| name(&j)).as_deref(), Some("s0"));
        q.push(Lane::Client(ClientId(2)), create("late"));
        q.done();
        assert_eq!(q.next().map(|j| name(&j)).as_deref(), Some("s1"));
        q.done();
        assert_eq!(q.next().map(|j| name(&j)).as_deref(), Some("late"));
    }
}
