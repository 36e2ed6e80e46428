//! Xsi-Actions (call control) off the dispatcher thread.
//!
//! The dispatcher queues [`ActionJob`]s on a bounded channel of their own,
//! so call control never waits behind subscription work; a pool of
//! `xsi.action_workers` threads runs them with ureq and reports one
//! [`ActionResult`] per job to the dispatcher's inbox, whatever happened.
//!
//! A job is one or more requests (ConsultationCall is a Hold, then a
//! `calls/new`), run in order until one fails (in a job of DELETEs only, a
//! 404 counts as done when another DELETE succeeded: that leg went with it).
//! Each request goes to the XSP that served the last one, if its channel is
//! up, else to the next live XSP. It is repeated on the next XSP only when
//! the first one cannot have acted on it (README, Call control): the
//! connection or the TLS handshake failed before it was sent, or the XSP
//! answered `503` ([`Retry::OnlyIfNotActed`]). A timeout or a broken
//! connection once it was sent, or a 5xx other than 503, ends the job as
//! [`ActionFailure::Uncertain`]: BroadWorks may have carried it out (a
//! repeated `calls/new` would place a second call), so it is answered
//! `resourceOutOfService` and logged as "may or may not have been carried
//! out". A 4xx is BroadWorks' answer to the request itself and ends the
//! job. A step after a successful one follows the same rule. A job of one
//! step may carry a fallback, sent instead when the XSP answers that step
//! 404 or 501 (ReconnectCall: `Reconnect`, else release and talk). Every attempt
//! is bounded by `xsi.request_timeout_s`, and by the job's deadline: the
//! dispatcher answers the CSTA request as failed once it has passed, so a
//! job still queued then is not started at all, no request of it is sent
//! after it, and an attempt gets only the time left before it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use crate::event::{ActionResult, Event};
use crate::thread::{self, Handle, Late};
use crate::xsi::actions::{
    parse_agent_state, parse_call_start_info, read_service, ActionFailure, ActionOutcome, Answer,
    Method, Returned, XsiRequest,
};
use crate::xsi::client::{LinkFlags, NoAnswer, Retry, XsiClient};
use crate::xsi::settings::XsiSettings;

/// One CSTA request's Xsi work.
#[derive(Clone, Debug)]
pub struct ActionJob {
    /// Chosen by the dispatcher; echoed in the result.
    pub id: u64,
    pub steps: Vec<XsiRequest>,
    /// Sent instead when the job's one step is not supported by the XSP
    /// (404 or 501: ReconnectCall's `Reconnect`, then its two-step form).
    pub fallback: Vec<XsiRequest>,
    /// No request of the job is sent after this instant.
    pub deadline: Instant,
}

/// The worker pool. Its threads end when the job sender is dropped.
pub struct Executor {
    threads: Vec<Handle>,
}

impl Executor {
    pub fn start(
        settings: Arc<XsiSettings>,
        flags: Arc<LinkFlags>,
        workers: usize,
        jobs: Receiver<ActionJob>,
        inbox: Sender<Event>,
    ) -> std::io::Result<Executor> {
        let client = Arc::new(XsiClient::new(settings.clone(), flags, settings.agent()));
        let preferred = Arc::new(AtomicUsize::new(0));
        let threads = thread::spawn_pool("xsi-act", workers.max(1), |_| {
            let worker = Worker {
                client: client.clone(),
                preferred: preferred.clone(),
            };
            let jobs = jobs.clone();
            let inbox = inbox.clone();
            move || {
                // A panic (logged by the hook) still answers the job: the
                // dispatcher holds the user's turn until it hears.
                let run = |job: &ActionJob| ActionResult {
                    id: job.id,
                    outcome: worker.run(job),
                };
                let failed = |job: ActionJob, _why: String| ActionResult {
                    id: job.id,
                    outcome: Err(ActionFailure::Unavailable {
                        request: job
                            .steps
                            .first()
                            .map_or_else(String::new, |s| s.to_string()),
                        detail: "the call-control worker failed".into(),
                    }),
                };
                thread::serve_jobs(jobs, run, failed, |result| {
                    inbox.send(Event::Action(result)).is_ok()
                });
            }
        })?;
        Ok(Executor { threads })
    }

    pub fn join_deadline(self, deadline: Instant) -> Late {
        self.threads
            .into_iter()
            .map(|t| t.join_deadline(deadline))
            .collect()
    }
}

struct Worker {
    client: Arc<XsiClient>,
    /// The XSP that served the last request: tried first next time.
    preferred: Arc<AtomicUsize>,
}

impl Worker {
    fn run(&self, job: &ActionJob) -> ActionOutcome {
        // Releasing one leg of a call releases the others: in a job of
        // DELETEs only (ClearCall, a conference controller leaving), a leg
        // already gone is fine as long as one DELETE did something.
        if let Some(step) = job.steps.first() {
            let now = Instant::now();
            if now >= job.deadline {
                log::warn!(
                    "{step}: not sent, its deadline passed {} ms before a worker was free \
                     (the request is answered as failed)",
                    now.duration_since(job.deadline).as_millis()
                );
                return Err(ActionFailure::Unavailable {
                    request: step.to_string(),
                    detail: "not sent: its deadline passed while it waited for a worker".into(),
                });
            }
        }
        match (job.steps.as_slice(), job.fallback.is_empty()) {
            ([first], false) => match self.send(first, job.deadline) {
                Err(failure) if failure.not_supported() => {
                    log::info!(
                        "{first}: {failure}; the XSP does not support it, sending the {}-step \
                         form instead",
                        job.fallback.len()
                    );
                    self.run_steps(&job.fallback, job.deadline)
                }
                done => done,
            },
            (steps, _) => self.run_steps(steps, job.deadline),
        }
    }

    /// Sends `steps` in order until one fails.
    fn run_steps(&self, steps: &[XsiRequest], deadline: Instant) -> ActionOutcome {
        let all_deletes = steps.iter().all(|s| s.method == Method::Delete);
        let mut gone = None;
        let mut done_any = false;
        let mut returned = Returned::Nothing;
        for step in steps {
            match self.send(step, deadline) {
                Ok(data) => {
                    done_any = true;
                    if data != Returned::Nothing {
                        returned = data;
                    }
                }
                Err(failure @ ActionFailure::Rejected { status: 404, .. }) if all_deletes => {
                    log::debug!("{step}: the leg is gone already");
                    gone.get_or_insert(failure);
                }
                Err(failure) => return Err(failure),
            }
        }
        match gone {
            Some(failure) if !done_any => Err(failure),
            _ => Ok(returned),
        }
    }

    /// Sends one request to the first XSP that can serve it before
    /// `deadline`, passing it on only while no XSP can have acted on it.
    fn send(&self, request: &XsiRequest, deadline: Instant) -> Result<Returned, ActionFailure> {
        let flags = self.client.flags();
        let order = flags.order_from(self.preferred.load(Ordering::Relaxed));
        let target = request.target();
        let sent = (request.method, target.as_str(), request.body.as_deref());
        let answered = self.client.first_answer(
            &order,
            sent,
            request,
            Some(deadline),
            log::Level::Warn,
            Retry::OnlyIfNotActed,
        );
        let uncertain = |detail: String, status: Option<u16>| ActionFailure::Uncertain {
            request: request.to_string(),
            detail,
            status,
        };
        match answered {
            Ok(answered) => {
                let name = self.client.settings().server_name(answered.server);
                match answered.answer {
                    Answer::Rejected { status, error } => Err(ActionFailure::Rejected {
                        request: request.to_string(),
                        status,
                        on_call: request.on_call,
                        error,
                    }),
                    // 401 and 429: refused before it was looked at.
                    Answer::Failed { status, error } if status < 500 => {
                        Err(ActionFailure::Unavailable {
                            request: request.to_string(),
                            detail: format!("{name}: HTTP {status}: {error}"),
                        })
                    }
                    Answer::Failed { status, error } => Err(uncertain(
                        format!("{name}: HTTP {status}: {error}"),
                        Some(status),
                    )),
                    Answer::Accepted => {
                        self.preferred.store(answered.server, Ordering::Relaxed);
                        log::debug!("{name}: {request} answered {}", answered.status);
                        self.accepted(request, &answered.body)
                    }
                }
            }
            Err(NoAnswer {
                detail,
                maybe_sent: true,
            }) => Err(uncertain(detail, None)),
            Err(NoAnswer { detail, .. }) => Err(ActionFailure::Unavailable {
                request: request.to_string(),
                detail,
            }),
        }
    }

    /// A 2xx: the `CallStartInfo` of a `calls/new` or a pickup, the agent
    /// state of a `GET …/services/CallCenter`, the settings of a service
    /// read, nothing otherwise. The request was carried out, so an
    /// unreadable answer is not retried.
    fn accepted(&self, request: &XsiRequest, body: &[u8]) -> Result<Returned, ActionFailure> {
        let read = if request.starts_call() {
            parse_call_start_info(body).map(Returned::CallStarted)
        } else if request.reads_agent_state() {
            parse_agent_state(body).map(Returned::AgentState)
        } else if request.reads_service() {
            read_service(body)
        } else {
            return Ok(Returned::Nothing);
        };
        read.map_err(|detail| ActionFailure::Unavailable {
            request: request.to_string(),
            detail,
        })
    }
}

#[cfg(test)]
mod tests;
