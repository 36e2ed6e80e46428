//! Subscription HTTP off the dispatcher thread.
//!
//! The dispatcher hands [`Job`]s (create, refresh, delete) to a pool of
//! `xsi.subscription_workers` threads over a channel; each runs one request
//! at a time with ureq against the XSPs and reports a [`SubscriptionResult`]
//! back to the dispatcher's inbox (the dispatcher keeps the waiting jobs and
//! decides whose turn it is). The workers share one ureq agent, whose pool
//! keeps a connection per worker and XSP alive between requests.
//! Subscriptions belong to the channel set, not to a channel, so any XSP will
//! do: a worker tries the servers whose channel is up first, starting at a
//! rotating index to spread the load, then the others.
//!
//! Every job is answered: a job whose handling panics (a bug) is reported as
//! failed with the panic's message, and its worker goes on with the next.
//! The requests go through the [`XsiClient`] the call-control workers use
//! too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

use crate::event::{Event, SubscriptionError, SubscriptionResult};
use crate::ratelimit::Every;
use crate::thread::{self, Handle, Late};
use crate::xsi::actions::{Answer, ErrorInfo, Method};
use crate::xsi::body;
use crate::xsi::client::{LinkFlags, Retry, XsiClient};
use crate::xsi::parse::{parse_doc, XsiDoc};
use crate::xsi::settings::XsiSettings;

/// One subscription request. The ids are the dispatcher's own shared
/// copies: a storm queues a job per device, and they wait a while.
pub enum Job {
    /// Subscribe to `user`'s events of `package` (`Advanced Call`,
    /// `Call Center Queue`, …).
    Create {
        user: Arc<str>,
        package: Arc<str>,
    },
    Refresh {
        user: Arc<str>,
        subscription_id: Arc<str>,
    },
    Delete {
        subscription_id: Arc<str>,
    },
}

impl Job {
    /// The result of this job when it could not be run at all.
    fn failed(self, detail: String) -> SubscriptionResult {
        match self {
            Job::Create { user, package } => SubscriptionResult::Failed {
                user: user.to_string(),
                package: package.to_string(),
                error: SubscriptionError::Unavailable { detail },
            },
            Job::Refresh {
                user,
                subscription_id,
            } => {
                log::warn!("refresh of subscription {subscription_id} ({user}) failed: {detail}");
                SubscriptionResult::RefreshFailed {
                    user: user.to_string(),
                    subscription_id: subscription_id.to_string(),
                }
            }
            Job::Delete { subscription_id } => {
                log::warn!("DELETE subscription {subscription_id} failed: {detail}");
                SubscriptionResult::Deleted {
                    subscription_id: subscription_id.to_string(),
                }
            }
        }
    }
}

/// An XSP's answer for the request itself: the body of a 2xx, or the
/// status and `ErrorInfo` of a refusal.
type Reply = Result<Vec<u8>, (u16, ErrorInfo)>;

/// At most one line per this period for deleted subscriptions (a storm
/// deletes thousands); the count of the others goes with the next one.
const DELETED_LOG: Duration = Duration::from_secs(5);

/// The worker pool. Dropping it (after the job sender is gone) joins the
/// workers.
pub struct Subscriber {
    threads: Vec<Handle>,
}

impl Subscriber {
    /// Starts `workers` threads (`xsi-sub-<n>`) taking jobs from `jobs`.
    pub fn start(
        settings: Arc<XsiSettings>,
        flags: Arc<LinkFlags>,
        workers: usize,
        jobs: Receiver<Job>,
        inbox: Sender<Event>,
    ) -> std::io::Result<Subscriber> {
        let workers = workers.max(1);
        // One kept-alive connection per worker and XSP.
        let agent = settings.pooled_agent(workers * settings.servers.len().max(1), workers);
        let worker = Arc::new(Worker::new(XsiClient::new(settings, flags, agent)));
        let threads = thread::spawn_pool("xsi-sub", workers, |_| {
            let worker = worker.clone();
            let jobs = jobs.clone();
            let inbox = inbox.clone();
            move || {
                let run = |job: &Job| {
                    thread::panic_point("subscription job");
                    worker.run(job)
                };
                let failed = |job: Job, why: String| {
                    job.failed(format!("subscription worker panicked: {why}"))
                };
                thread::serve_jobs(jobs, run, failed, |result| {
                    inbox.send(Event::Subscription(result)).is_ok()
                });
            }
        })?;
        Ok(Subscriber { threads })
    }

    pub fn join_deadline(self, deadline: Instant) -> Late {
        self.threads
            .into_iter()
            .map(|t| t.join_deadline(deadline))
            .collect()
    }
}

/// Deletes subscriptions directly, with a deadline, at shutdown (the
/// dispatcher is gone by then).
pub fn delete_all(
    settings: &Arc<XsiSettings>,
    flags: &Arc<LinkFlags>,
    ids: &[String],
    deadline: Instant,
) {
    let client = XsiClient::new(settings.clone(), flags.clone(), settings.agent());
    let worker = Worker::new(client).with_deadline(deadline);
    for (done, id) in ids.iter().enumerate() {
        if Instant::now() >= deadline {
            log::warn!(
                "shutdown deadline: {} subscriptions left to BroadWorks",
                ids.len() - done
            );
            return;
        }
        worker.delete(id.clone());
    }
    worker.deleted_total();
}

struct Worker {
    client: XsiClient,
    /// No request starts after this (the shutdown clean-up).
    deadline: Option<Instant>,
    /// Deleted subscriptions: one line now and then, with a count.
    deleted_log: Mutex<(Every, u64)>,
}

impl Worker {
    fn new(client: XsiClient) -> Worker {
        Worker {
            client,
            deadline: None,
            deleted_log: Mutex::new((Every::new(DELETED_LOG), 0)),
        }
    }

    fn with_deadline(mut self, deadline: Instant) -> Worker {
        self.deadline = Some(deadline);
        self
    }

    fn run(&self, job: &Job) -> SubscriptionResult {
        match job {
            Job::Create { user, package } => self.create(user.to_string(), package.to_string()),
            Job::Refresh {
                user,
                subscription_id,
            } => self.refresh(user.to_string(), subscription_id.to_string()),
            Job::Delete { subscription_id } => self.delete(subscription_id.to_string()),
        }
    }

    fn create(&self, user: String, package: String) -> SubscriptionResult {
        let s = self.client.settings();
        let body = body::subscription_body(
            &package,
            s.subscription_expires,
            &s.channel_set_id,
            &s.application_id,
        );
        let path = body::user_subscription_path(&user);
        match self.first_answer(Method::Post, &path, Some(&body)) {
            Ok(Ok(text)) => match parse_doc(&text) {
                Ok(XsiDoc::Subscription {
                    subscription_id,
                    expires,
                }) => SubscriptionResult::Created {
                    user,
                    package,
                    subscription_id,
                    expires: granted(expires, s.subscription_expires),
                },
                _ => SubscriptionResult::Failed {
                    user,
                    package,
                    error: SubscriptionError::Unavailable {
                        detail: "subscription response without subscriptionId".into(),
                    },
                },
            },
            Ok(Err((status, error))) => SubscriptionResult::Failed {
                user,
                package,
                error: SubscriptionError::Rejected {
                    status,
                    detail: error.to_string(),
                },
            },
            Err(detail) => SubscriptionResult::Failed {
                user,
                package,
                error: SubscriptionError::Unavailable { detail },
            },
        }
    }

    fn refresh(&self, user: String, subscription_id: String) -> SubscriptionResult {
        let s = self.client.settings();
        let body = body::subscription_update_body(s.subscription_expires);
        let path = body::subscription_path(&subscription_id);
        match self.first_answer(Method::Put, &path, Some(&body)) {
            Ok(Ok(text)) => {
                let expires = match parse_doc(&text) {
                    Ok(XsiDoc::Subscription { expires, .. }) => expires,
                    _ => None,
                };
                SubscriptionResult::Refreshed {
                    user,
                    subscription_id,
                    expires: granted(expires, s.subscription_expires),
                }
            }
            Ok(Err((404, _))) => SubscriptionResult::Gone {
                user,
                subscription_id,
            },
            Ok(Err((status, error))) => {
                log::warn!(
                    "refresh of subscription {subscription_id} ({user}) answered {status}: {error}"
                );
                SubscriptionResult::RefreshFailed {
                    user,
                    subscription_id,
                }
            }
            Err(detail) => {
                log::warn!("refresh of subscription {subscription_id} ({user}) failed: {detail}");
                SubscriptionResult::RefreshFailed {
                    user,
                    subscription_id,
                }
            }
        }
    }

    fn delete(&self, subscription_id: String) -> SubscriptionResult {
        let path = body::subscription_path(&subscription_id);
        match self.first_answer(Method::Delete, &path, None) {
            Ok(Ok(_) | Err((404, _))) => self.deleted(&subscription_id),
            Ok(Err((status, error))) => {
                log::warn!("DELETE subscription {subscription_id} answered {status}: {error}")
            }
            Err(detail) => log::warn!("DELETE subscription {subscription_id} failed: {detail}"),
        }
        SubscriptionResult::Deleted { subscription_id }
    }

    /// One line for a deleted subscription, at most every [`DELETED_LOG`],
    /// saying how many were deleted since the last one.
    fn deleted(&self, subscription_id: &str) {
        let mut log = self.deleted_log.lock();
        log.1 += 1;
        if log.0.ready(Instant::now()).is_some() {
            let n = std::mem::take(&mut log.1);
            let others = if n > 1 {
                format!(" ({} more deleted since the last line)", n - 1)
            } else {
                String::new()
            };
            log::info!("subscription {subscription_id} deleted{others}");
        }
    }

    /// The deletions not logged yet, in one last line.
    fn deleted_total(&self) {
        let n = std::mem::take(&mut self.deleted_log.lock().1);
        if n > 0 {
            log::info!("{n} more subscriptions deleted");
        }
    }

    /// Tries the XSPs (up ones first, rotating) until one answers for the
    /// request itself. Err carries the last failure.
    fn first_answer(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Result<Reply, String> {
        let order = self.client.flags().order();
        let answered = self.client.first_answer(
            &order,
            (method, path, body),
            // Formatted only when a failed XSP is logged.
            &format_args!("{method:?} {path}"),
            self.deadline,
            log::Level::Debug,
            Retry::OnServerTrouble,
        )?;
        // The client read the ErrorInfo of a refusal already.
        Ok(match answered.answer {
            Answer::Accepted => Ok(answered.body),
            Answer::Rejected { status, error } | Answer::Failed { status, error } => {
                Err((status, error))
            }
        })
    }
}

fn granted(expires: Option<u32>, asked: u32) -> Duration {
    Duration::from_secs(u64::from(expires.unwrap_or(asked).max(1)))
}

#[cfg(test)]
mod tests;
