//! Call control: CSTA requests waiting for their Xsi-Actions.
//!
//! A request is checked against its session's monitors and the call model
//! ([`translate::control::plan`](crate::translate::control::plan)); a
//! refused one is answered at once. Otherwise its Xsi requests go to the
//! call-control workers as one job, and the request waits here until the
//! job's result comes back; only then is it answered.
//!
//! Jobs on one BroadWorks user run one at a time, in arrival order (a
//! HoldCall and the RetrieveCall right behind it must not overtake each
//! other on two workers); jobs on different users run in parallel, and so
//! do route point requests on different calls of one route point (a busy
//! route point has many calls to route at once; see [`Plan::turn`]). A job
//! carries its deadline (every attempt's timeout from the moment it is
//! queued), which the workers keep: nothing of it is sent after it. A job
//! whose result has not come a margin after its deadline is answered
//! `resourceOutOfService`, so no request is ever left hanging, but the
//! user's turn stays with it until its result comes (logged at warn), so
//! the next request on that user never runs beside it; only a result
//! missing [`LOST_AFTER`] longer (a worker stuck outside every timeout)
//! gives the turn up. A session that closes leaves its requests behind:
//! results for it are dropped, and its jobs still waiting never start.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};

use super::devices::{user_for, Devices};
use super::sessions::Session;
use super::{Ctx, State};
use crate::csta::build::{system_resource, ErrorCategory};
use crate::csta::frame::InvokeId;
use crate::csta::parse::Message;
use crate::device::DeviceKind;
use crate::event::{ActionResult, ClientId};
use crate::translate::control::{dialled_device, failure_error, plan, request_name, response};
use crate::translate::plan::{Plan, Reply, Scope};
use crate::xsi::actions::{ActionFailure, Returned};
use crate::xsi::executor::ActionJob;

/// Requests on one user that may wait behind the one running; more are
/// answered `resourceBusy`.
const MAX_WAITING_PER_USER: usize = 16;
/// Added to a job's deadline before its request is answered as failed.
const DEADLINE_MARGIN: Duration = Duration::from_secs(2);
/// After that answer, how long the user's turn still waits for the result.
const LOST_AFTER: Duration = Duration::from_secs(60);

/// The call-control workers as the dispatcher sees them.
pub struct ActionQueue {
    /// Bounded: when full, requests are answered `resourceBusy`.
    pub jobs: Sender<ActionJob>,
    /// `xsi.request_timeout_s`: the bound of one attempt on one XSP.
    pub attempt_timeout: Duration,
    /// How many XSPs a request may be tried on.
    pub servers: usize,
}

#[derive(Default)]
pub struct CallControl {
    next_id: u64,
    /// Jobs handed to the workers, by id.
    running: HashMap<u64, Pending>,
    /// Turns ([`Plan::turn`]: users, route point calls) with a job
    /// running, and the requests waiting behind it.
    waiting: HashMap<String, VecDeque<Pending>>,
}

struct Pending {
    id: u64,
    client: ClientId,
    /// The session as log lines name it (`client#N (name, address)`), kept
    /// for the lines written after it has closed.
    who: String,
    invoke_id: InvokeId,
    plan: Plan,
    /// The job's deadline, set when it is handed to the workers.
    deadline: Instant,
    /// Answered `resourceOutOfService` for want of a result; still holds
    /// the user's turn.
    answered: bool,
}

/// A session's monitors as the call-control plan sees them.
struct SessionScope<'a> {
    id: ClientId,
    session: &'a Session,
    default_domain: Option<&'a str>,
    devices: &'a Devices,
}

impl Scope for SessionScope<'_> {
    fn user_of(&self, device: &str) -> Option<String> {
        let user = user_for(device.trim(), self.default_domain);
        self.devices
            .monitor_of(&user, self.id)
            .is_some()
            .then_some(user)
    }

    fn monitored(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .session
            .monitors
            .values()
            .map(|m| (m.user.to_string(), m.device().to_owned()))
            .collect();
        all.sort();
        all
    }

    fn kind(&self, user: &str) -> DeviceKind {
        self.devices.kind(user).unwrap_or_default()
    }
}

impl State {
    pub(super) fn call_control(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        message: Message,
    ) {
        let Some(session) = self.sessions.get(id) else {
            return;
        };
        let peer = session.peer.clone();
        let scope = SessionScope {
            id,
            session,
            default_domain: ctx.cfg.default_domain.as_deref(),
            devices: &self.devices,
        };
        let Some(planned) = plan(&message, &scope, &self.translator.model) else {
            return;
        };
        let plan = match planned {
            Ok(plan) => plan,
            Err(refusal) => {
                let name = request_name(&message).unwrap_or("request");
                log::info!(
                    "{id} ({peer}): {name} {invoke_id} refused: {}",
                    refusal.reason
                );
                self.respond_error(ctx, id, invoke_id, refusal.category, refusal.value);
                return;
            }
        };
        if plan.steps.is_empty() {
            // Answered from the call model (SnapshotCall).
            log::info!(
                "{id} ({peer}): {} on {} answered from the call model",
                plan.request,
                plan.device
            );
            let ns = self.ns(ctx, id);
            if let Some(xml) = response(ns, &plan, &Returned::Nothing) {
                self.respond(ctx, id, invoke_id, &xml);
            }
            return;
        }
        self.start_plan(ctx, id, invoke_id, plan);
    }

    /// Queues the Xsi work of a request of session `id`; it is answered when
    /// the job's result comes back.
    pub(super) fn start_plan(&mut self, ctx: &Ctx, id: ClientId, invoke_id: InvokeId, plan: Plan) {
        if self.sessions.get(id).is_none() {
            return;
        }
        let who = self.sessions.who(id);
        log::info!(
            "{who}: {} on {} ({} Xsi request(s))",
            plan.request,
            plan.device,
            plan.steps.len()
        );
        self.control.next_id += 1;
        let pending = Pending {
            id: self.control.next_id,
            client: id,
            who,
            invoke_id,
            plan,
            deadline: Instant::now(),
            answered: false,
        };
        let turn = pending.plan.turn();
        match self.control.waiting.get_mut(&turn) {
            Some(queue) if queue.len() >= MAX_WAITING_PER_USER => {
                log::warn!(
                    "{}: {} on {}: {MAX_WAITING_PER_USER} requests already wait \
                     for that device; answering resourceBusy",
                    pending.who,
                    pending.plan.request,
                    pending.plan.device
                );
                self.answer_error(ctx, &pending, system_resource::RESOURCE_BUSY);
            }
            Some(queue) => queue.push_back(pending),
            None => {
                self.control.waiting.insert(turn, VecDeque::new());
                self.start_job(ctx, pending);
            }
        }
    }

    /// Hands a job to the workers; the user's slot is taken already.
    fn start_job(&mut self, ctx: &Ctx, mut pending: Pending) {
        let q = &ctx.actions;
        let steps = pending.plan.steps.len() + pending.plan.fallback.len();
        let attempts = steps * q.servers.max(1);
        let budget = q
            .attempt_timeout
            .saturating_mul(attempts.try_into().unwrap_or(u32::MAX));
        let now = Instant::now();
        pending.deadline = now
            .checked_add(budget)
            .unwrap_or(now + DEADLINE_MARGIN.saturating_mul(1_000_000));
        let job = ActionJob {
            id: pending.id,
            steps: pending.plan.steps.clone(),
            fallback: pending.plan.fallback.clone(),
            deadline: pending.deadline,
        };
        match q.jobs.try_send(job) {
            Ok(()) => {
                self.control.running.insert(pending.id, pending);
            }
            Err(e) => {
                let value = match e {
                    TrySendError::Full(_) => {
                        log::warn!("call-control queue full: answering resourceBusy");
                        system_resource::RESOURCE_BUSY
                    }
                    TrySendError::Disconnected(_) => {
                        log::error!("call-control workers are gone");
                        system_resource::RESOURCE_OUT_OF_SERVICE
                    }
                };
                self.answer_error(ctx, &pending, value);
                self.next_job(ctx, &pending.plan.turn());
            }
        }
    }

    /// Starts the next waiting job of `turn`, skipping those of sessions
    /// that closed meanwhile; frees the turn when none is left.
    fn next_job(&mut self, ctx: &Ctx, turn: &str) {
        loop {
            let next = self
                .control
                .waiting
                .get_mut(turn)
                .and_then(VecDeque::pop_front);
            let Some(pending) = next else {
                self.control.waiting.remove(turn);
                return;
            };
            if self.sessions.get(pending.client).is_some() {
                self.start_job(ctx, pending);
                return;
            }
            log::debug!(
                "{}: {} dropped, the session has closed",
                pending.who,
                pending.plan.request
            );
        }
    }

    pub(super) fn on_action(&mut self, ctx: &Ctx, result: ActionResult) {
        let Some(pending) = self.control.running.remove(&result.id) else {
            log::warn!(
                "result of call-control job {} came after it was given up",
                result.id
            );
            return;
        };
        let (client, who, plan) = (pending.client, &pending.who, &pending.plan);
        if pending.answered {
            // Answered resourceOutOfService already; only the log and the
            // call model learn what happened.
            let late = Instant::now().saturating_duration_since(pending.deadline);
            match &result.outcome {
                Ok(_) => log::warn!(
                    "{who}: {} on {} was carried out after all, {} ms after its deadline \
                     (answered resourceOutOfService)",
                    plan.request,
                    plan.device,
                    late.as_millis()
                ),
                Err(failure) => log::warn!(
                    "{who}: {} on {}: late result, {} ms after its deadline: {failure}",
                    plan.request,
                    plan.device,
                    late.as_millis()
                ),
            }
        }
        let gone = pending.answered || self.sessions.get(client).is_none();
        match result.outcome {
            Ok(returned) => {
                if let (Returned::CallStarted(info), Some(dialled)) = (&returned, &plan.dialled) {
                    // Known before its first event, for the requests and
                    // events that follow; only while someone monitors it.
                    if self.devices.get(&plan.user).is_some() {
                        self.translator.model.started(
                            &plan.user,
                            &info.call_id,
                            &info.external_tracking_id,
                            dialled_device(dialled),
                        );
                    }
                }
                if !pending.answered {
                    log::info!(
                        "{who}: {} on {} done{}",
                        plan.request,
                        plan.device,
                        if gone { " (session closed)" } else { "" }
                    );
                }
                let ns = self.ns(ctx, client);
                if let Some(xml) = response(ns, plan, &returned).filter(|_| !gone) {
                    self.respond(ctx, client, pending.invoke_id, &xml);
                }
            }
            Err(_) if pending.answered => {}
            Err(failure) => {
                let (request, device) = (plan.request, &plan.device);
                match failure {
                    ActionFailure::Uncertain { .. } => log::warn!(
                        "{who}: {request} on {device}: {failure}; answering \
                         resourceOutOfService"
                    ),
                    _ => log::warn!("{who}: {request} on {device} failed: {failure}"),
                }
                let (category, value) = failure_error(&failure);
                self.answer(ctx, &pending, category, value);
            }
        }
        self.next_job(ctx, &pending.plan.turn());
    }

    /// Answers requests whose job's result is overdue (a margin after its
    /// deadline, which the workers keep); gives a user's turn up only when
    /// the result is still missing [`LOST_AFTER`] later.
    pub(super) fn control_timeouts(&mut self, ctx: &Ctx, now: Instant) {
        let overdue: Vec<u64> = self
            .control
            .running
            .values()
            .filter(|p| p.deadline + DEADLINE_MARGIN <= now)
            .map(|p| p.id)
            .collect();
        for id in overdue {
            let Some(mut pending) = self.control.running.remove(&id) else {
                continue;
            };
            if !pending.answered {
                pending.answered = true;
                log::error!(
                    "{}: {} on {}: no result from the call-control workers in time; answering \
                     resourceOutOfService (the next request on {} waits for that result)",
                    pending.who,
                    pending.plan.request,
                    pending.plan.device,
                    pending.plan.device
                );
                self.answer_error(ctx, &pending, system_resource::RESOURCE_OUT_OF_SERVICE);
            }
            if pending.deadline + DEADLINE_MARGIN + LOST_AFTER > now {
                self.control.running.insert(id, pending);
                continue;
            }
            log::error!(
                "{}: {} on {}: still no result {} s later; its worker is taken as lost, the next \
                 request on {} goes ahead",
                pending.who,
                pending.plan.request,
                pending.plan.device,
                LOST_AFTER.as_secs(),
                pending.plan.device
            );
            self.next_job(ctx, &pending.plan.turn());
        }
    }

    fn answer_error(&mut self, ctx: &Ctx, pending: &Pending, value: &str) {
        let category = ErrorCategory::SystemResourceAvailability;
        self.answer(ctx, pending, category, value);
    }

    /// The failure of a request: a CSTAErrorCode, or for RouteSelect a
    /// RouteEnd with the error; nothing for the client's RouteEnd.
    fn answer(&mut self, ctx: &Ctx, pending: &Pending, category: ErrorCategory, value: &str) {
        if self.sessions.get(pending.client).is_none() {
            return;
        }
        match &pending.plan.reply {
            Reply::Routed { cross_ref } => {
                let cross_ref = cross_ref.clone();
                self.route_failed(ctx, pending.client, &cross_ref, category, value);
                return;
            }
            Reply::Silent => return,
            _ => {}
        }
        self.respond_error(ctx, pending.client, pending.invoke_id, category, value);
    }
}
