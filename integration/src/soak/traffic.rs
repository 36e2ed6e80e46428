//! Steady call traffic on the simulator: new calls at a seeded random pace, each a script of
//! steps with random pauses — answered, held and retrieved, transferred blind or after a
//! consultation, deflected, conferenced, queued at the call centre and answered by an agent,
//! released by one party — plus agent state changes. A step that no longer applies (a client's
//! call control or an AS failover changed the call first) ends its script, whose calls are then
//! released; calls nobody's script owns (placed by a client's MakeCall, left by a failover) are
//! released after a while.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use crate::rng::Rng;
use crate::sim::{CallId, Simulator};

/// A call nobody's script owns is released once it is this old.
const ORPHAN_AGE: Duration = Duration::from_secs(20);
/// Agent states the traffic moves agents between.
const AGENT_STATES: [&str; 4] = ["Available", "Unavailable", "Wrap-Up", "Available"];

/// One step of a script: devices by index into the script's devices, calls by slot.
#[derive(Clone, Debug)]
enum Step {
    Call(usize, usize),
    ClickToDial(usize, usize),
    Busy(usize, usize),
    Queue(usize),
    Offer(usize),
    Answer(usize),
    Hold(usize, usize),
    Retrieve(usize, usize),
    Release(usize, usize),
    Blind(usize, usize, usize),
    Consult {
        held: usize,
        active: usize,
        by: usize,
    },
    Conference {
        a: usize,
        b: usize,
        by: usize,
    },
}

struct Script {
    devices: Vec<String>,
    calls: Vec<CallId>,
    steps: VecDeque<(Duration, Step)>,
}

/// What the traffic did, for the report.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrafficCounts {
    pub calls: u64,
    pub steps: u64,
    /// Scripts ended by a step that no longer applied.
    pub cut_short: u64,
    pub agent_changes: u64,
    pub orphans_released: u64,
}

pub struct Traffic {
    rng: Rng,
    users: Vec<String>,
    agents: Vec<String>,
    call_center: String,
    rate: f64,
    busy: HashSet<String>,
    due: BinaryHeap<Reverse<(Instant, u64)>>,
    scripts: HashMap<u64, Script>,
    next_script: u64,
    /// Calls some script holds.
    owned: HashSet<u64>,
    /// When each call not owned was first seen.
    strays: HashMap<u64, Instant>,
    credit: f64,
    last: Option<Instant>,
    next_agent: Instant,
    next_reap: Instant,
    pub counts: TrafficCounts,
}

impl Traffic {
    pub fn new(
        rng: Rng,
        users: Vec<String>,
        agents: Vec<String>,
        call_center: &str,
        rate: f64,
    ) -> Traffic {
        let now = Instant::now();
        Traffic {
            rng,
            users,
            agents,
            call_center: call_center.to_owned(),
            rate,
            busy: HashSet::new(),
            due: BinaryHeap::new(),
            scripts: HashMap::new(),
            next_script: 0,
            owned: HashSet::new(),
            strays: HashMap::new(),
            credit: 0.0,
            last: None,
            next_agent: now,
            next_reap: now,
            counts: TrafficCounts::default(),
        }
    }

    /// Every agent signs in and gets ready.
    pub fn agents_ready(&self, sim: &Simulator) {
        for a in &self.agents {
            sim.set_agent_state(a, "Sign-In");
            sim.set_agent_state(a, "Available");
        }
    }

    /// `n` idle users, or `None`.
    fn idle(&mut self, n: usize) -> Option<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for _ in 0..n * 8 {
            if out.len() == n {
                break;
            }
            let u = self.rng.pick(&self.users)?.clone();
            if !self.busy.contains(&u) && !out.contains(&u) {
                out.push(u);
            }
        }
        (out.len() == n).then_some(out)
    }

    /// A new script of a random kind.
    fn script(&mut self) -> Option<Script> {
        let kind = self.rng.below(100);
        let r = &mut self.rng;
        let mut d = |lo: f64, hi: f64| Duration::from_secs_f64(r.range(lo, hi));
        use Step::*;
        let z = Duration::ZERO;
        let (parties, steps): (usize, Vec<(Duration, Step)>) = match kind {
            0..=29 => (
                2,
                vec![
                    (z, Call(0, 1)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(1.0, 8.0), Release(0, 1)),
                ],
            ),
            30..=44 => (
                2,
                vec![
                    (z, Call(0, 1)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(0.5, 3.0), Hold(0, 0)),
                    (d(0.5, 3.0), Retrieve(0, 0)),
                    (d(0.5, 4.0), Release(0, 1)),
                ],
            ),
            45..=52 => (
                2,
                vec![
                    (z, ClickToDial(0, 1)),
                    (d(0.3, 1.5), Answer(0)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(1.0, 6.0), Release(0, 0)),
                ],
            ),
            53..=57 => (2, vec![(z, Busy(0, 1))]),
            58..=67 => (
                3,
                vec![
                    (z, Call(0, 1)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(0.5, 3.0), Blind(0, 1, 2)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(1.0, 5.0), Release(0, 0)),
                ],
            ),
            68..=72 => (
                3,
                vec![
                    (z, Call(0, 1)),
                    (d(0.3, 1.5), Blind(0, 1, 2)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(1.0, 5.0), Release(0, 2)),
                ],
            ),
            73..=80 => (
                3,
                vec![
                    (z, Call(0, 1)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(0.5, 2.0), Hold(0, 1)),
                    (d(0.2, 1.0), Call(1, 2)),
                    (d(0.3, 2.0), Answer(1)),
                    (
                        d(0.5, 3.0),
                        Consult {
                            held: 0,
                            active: 1,
                            by: 1,
                        },
                    ),
                    (d(1.0, 5.0), Release(1, 0)),
                ],
            ),
            81..=86 => (
                3,
                vec![
                    (z, Call(0, 1)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(0.5, 2.0), Hold(0, 0)),
                    (d(0.2, 1.0), Call(0, 2)),
                    (d(0.3, 2.0), Answer(1)),
                    (d(0.5, 2.0), Conference { a: 0, b: 1, by: 0 }),
                    (d(2.0, 8.0), Release(0, 0)),
                    (z, Release(1, 0)),
                ],
            ),
            _ => (
                1,
                vec![
                    (z, Queue(0)),
                    (d(0.5, 3.0), Offer(0)),
                    (d(0.3, 2.0), Answer(0)),
                    (d(1.0, 6.0), Release(0, 0)),
                ],
            ),
        };
        let devices = self.idle(parties)?;
        Some(Script {
            devices,
            calls: Vec::new(),
            steps: steps.into(),
        })
    }

    fn schedule(&mut self, id: u64, now: Instant) {
        if let Some(delay) = self
            .scripts
            .get(&id)
            .and_then(|s| s.steps.front().map(|(d, _)| *d))
        {
            self.due.push(Reverse((now + delay, id)));
        }
    }

    /// Runs what is due at `now`: new calls, script steps, agent changes, the reaper.
    pub fn tick(&mut self, sim: &Simulator, now: Instant) {
        let dt = self
            .last
            .map_or(0.0, |l| now.duration_since(l).as_secs_f64());
        self.last = Some(now);
        self.credit += dt * self.rate;
        while self.credit >= 1.0 {
            self.credit -= 1.0;
            let Some(script) = self.script() else {
                continue;
            };
            self.busy.extend(script.devices.iter().cloned());
            let id = self.next_script;
            self.next_script += 1;
            self.scripts.insert(id, script);
            self.counts.calls += 1;
            self.schedule(id, now);
        }
        while let Some(&Reverse((at, id))) = self.due.peek() {
            if at > now {
                break;
            }
            self.due.pop();
            self.step(sim, id, now);
        }
        if now >= self.next_agent && !self.agents.is_empty() {
            self.next_agent = now + Duration::from_secs_f64(self.rng.range(0.5, 3.0));
            let agent = self.agents[self.rng.below(self.agents.len())].clone();
            let state = AGENT_STATES[self.rng.below(AGENT_STATES.len())];
            if sim.set_agent_state(&agent, state) {
                self.counts.agent_changes += 1;
            }
        }
        if now >= self.next_reap {
            self.next_reap = now + Duration::from_secs(5);
            self.reap(sim, now);
        }
    }

    fn step(&mut self, sim: &Simulator, id: u64, now: Instant) {
        let Some(mut script) = self.scripts.remove(&id) else {
            return;
        };
        let Some((_, step)) = script.steps.pop_front() else {
            self.end(sim, script, false);
            return;
        };
        self.counts.steps += 1;
        let dev = |i: usize| script.devices[i.min(script.devices.len() - 1)].clone();
        let call = |slot: usize| script.calls.get(slot).copied();
        let ok = match step {
            Step::Call(a, b) => {
                let c = sim.call(&dev(a), &dev(b));
                script.calls.push(c);
                true
            }
            Step::ClickToDial(a, b) => {
                let c = sim.click_to_dial(&dev(a), &dev(b));
                script.calls.push(c);
                true
            }
            Step::Busy(a, b) => {
                sim.busy(&dev(a), &dev(b));
                true
            }
            Step::Queue(a) => match sim.acd_call(&dev(a), &self.call_center) {
                Some(c) => {
                    script.calls.push(c);
                    true
                }
                None => false,
            },
            Step::Offer(s) => call(s).is_some_and(|c| sim.acd_offer(c, None)),
            Step::Answer(s) => call(s).is_some_and(|c| sim.answer(c)),
            Step::Hold(s, by) => call(s).is_some_and(|c| sim.hold(c, &dev(by))),
            Step::Retrieve(s, by) => call(s).is_some_and(|c| sim.retrieve(c, &dev(by))),
            Step::Release(s, by) => call(s).is_some_and(|c| sim.release(c, &dev(by))),
            Step::Blind(s, by, to) => {
                call(s).is_some_and(|c| sim.blind_transfer(c, &dev(by), &dev(to)))
            }
            Step::Consult { held, active, by } => match (call(held), call(active)) {
                (Some(h), Some(a)) => sim.consult_transfer(h, a, &dev(by)),
                _ => false,
            },
            Step::Conference { a, b, by } => match (call(a), call(b)) {
                (Some(a), Some(b)) => sim.conference(a, b, &dev(by)),
                _ => false,
            },
        };
        self.owned.extend(script.calls.iter().map(|c| c.0));
        if !ok {
            self.counts.cut_short += 1;
            self.end(sim, script, true);
            return;
        }
        if script.steps.is_empty() {
            self.end(sim, script, false);
            return;
        }
        self.scripts.insert(id, script);
        self.schedule(id, now);
    }

    /// A script is over: its devices are free; cut short, its calls are released.
    fn end(&mut self, sim: &Simulator, script: Script, cut_short: bool) {
        for c in &script.calls {
            if cut_short {
                sim.release(*c, "");
            }
            self.owned.remove(&c.0);
        }
        for d in &script.devices {
            self.busy.remove(d);
        }
    }

    /// Releases the calls no script owns once they are old enough.
    fn reap(&mut self, sim: &Simulator, now: Instant) {
        let live: HashSet<u64> = sim.live_calls().legs.iter().map(|l| l.call).collect();
        self.strays.retain(|c, _| live.contains(c));
        for c in live {
            if self.owned.contains(&c) {
                continue;
            }
            let first = *self.strays.entry(c).or_insert(now);
            if now.duration_since(first) >= ORPHAN_AGE && sim.release(CallId(c), "") {
                self.counts.orphans_released += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;

    #[test]
    fn scripts_place_calls_and_clean_up_after_themselves() {
        let sim = Simulator::start(SimConfig::default()).expect("simulator");
        sim.add_call_center("5000", &["8001"]);
        let users: Vec<String> = (2001..2301).map(|n| n.to_string()).collect();
        let mut t = Traffic::new(Rng::new(3), users, vec!["8001".into()], "5000", 10.0);
        t.agents_ready(&sim);
        let start = Instant::now();
        let mut now = start;
        // Two simulated minutes: 20 s of new calls, then the scripts run out.
        while now < start + Duration::from_secs(120) {
            if now > start + Duration::from_secs(20) {
                t.rate = 0.0;
            }
            now += Duration::from_millis(50);
            t.tick(&sim, now);
        }
        assert!(t.counts.calls > 150, "{:?}", t.counts);
        assert!(t.counts.steps > 600, "{:?}", t.counts);
        assert!(t.scripts.is_empty() && t.busy.is_empty(), "{:?}", t.counts);
        // What is left belongs to nobody and is released by the reaper.
        let mut now2 = now;
        for _ in 0..3 {
            now2 += ORPHAN_AGE;
            t.tick(&sim, now2);
        }
        assert!(sim.live_calls().legs.is_empty(), "{:?}", sim.live_calls());
    }
}
