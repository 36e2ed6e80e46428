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

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::event::{Event, SubscriptionError, SubscriptionResult};
use crate::thread::{self, payload_text, Handle};
use crate::xsi::body;
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

/// Which XSPs currently have a channel up, set by the dispatcher.
pub struct LinkFlags {
    up: Vec<AtomicBool>,
    next: AtomicUsize,
}

impl LinkFlags {
    pub fn new(n: usize) -> Self {
        LinkFlags {
            up: (0..n).map(|_| AtomicBool::new(false)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    pub fn set(&self, i: usize, up: bool) {
        if let Some(flag) = self.up.get(i) {
            flag.store(up, Ordering::Relaxed);
        }
    }

    /// Server indices to try: up ones first (rotating), then the rest.
    pub fn order(&self) -> Vec<usize> {
        self.order_from(self.next.fetch_add(1, Ordering::Relaxed))
    }

    /// Server indices to try, from `start` on: up ones first, then the rest.
    pub fn order_from(&self, start: usize) -> Vec<usize> {
        let n = self.up.len();
        if n == 0 {
            return Vec::new();
        }
        let start = start % n;
        let rotated = (0..n).map(|k| (start + k) % n);
        let (mut up, down): (Vec<usize>, Vec<usize>) =
            rotated.partition(|&i| self.up[i].load(Ordering::Relaxed));
        up.extend(down);
        up
    }
}

/// Body size accepted from a subscription response.
const MAX_BODY: u64 = 64 * 1024;

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
        let threads = thread::spawn_pool("xsi-sub", workers, |_| {
            let worker = Worker {
                settings: settings.clone(),
                flags: flags.clone(),
                agent: agent.clone(),
            };
            let jobs = jobs.clone();
            let inbox = inbox.clone();
            move || {
                for job in jobs {
                    let result = worker.run_caught(job);
                    if inbox.send(Event::Subscription(result)).is_err() {
                        break;
                    }
                }
            }
        })?;
        Ok(Subscriber { threads })
    }

    pub fn join_deadline(self, deadline: Instant) {
        for t in self.threads {
            t.join_deadline(deadline);
        }
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
    let worker = Worker {
        settings: settings.clone(),
        flags: flags.clone(),
        agent: settings.agent_with_timeout(deadline.saturating_duration_since(Instant::now())),
    };
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
}

struct Worker {
    settings: Arc<XsiSettings>,
    flags: Arc<LinkFlags>,
    agent: ureq::Agent,
}

enum Outcome {
    Done(u16, String),
    /// Transport failure or 5xx: worth trying another XSP.
    Retry(String),
}

impl Worker {
    /// Runs `job`; a panic (logged by the hook) becomes the job's failure,
    /// and the worker carries on.
    fn run_caught(&self, job: Job) -> SubscriptionResult {
        let run = std::panic::AssertUnwindSafe(|| {
            thread::panic_point("subscription job");
            self.run(&job)
        });
        match std::panic::catch_unwind(run) {
            Ok(result) => result,
            Err(payload) => job.failed(format!(
                "subscription worker panicked: {}",
                payload_text(&*payload)
            )),
        }
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
        let s = &self.settings;
        let body = body::subscription_body(
            &package,
            s.subscription_expires,
            &s.channel_set_id,
            &s.application_id,
        );
        let path = body::user_subscription_path(&user);
        match self.first_answer("POST", &path, Some(&body)) {
            Ok((200..=299, text)) => match parse_doc(text.as_bytes()) {
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
            Ok((status, text)) => SubscriptionResult::Failed {
                user,
                package,
                error: SubscriptionError::Rejected {
                    status,
                    detail: error_summary(&text),
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
        let s = &self.settings;
        let body = body::subscription_update_body(s.subscription_expires);
        let path = body::subscription_path(&subscription_id);
        match self.first_answer("PUT", &path, Some(&body)) {
            Ok((200..=299, text)) => {
                let expires = match parse_doc(text.as_bytes()) {
                    Ok(XsiDoc::Subscription { expires, .. }) => expires,
                    _ => None,
                };
                SubscriptionResult::Refreshed {
                    user,
                    subscription_id,
                    expires: granted(expires, s.subscription_expires),
                }
            }
            Ok((404, _)) => SubscriptionResult::Gone {
                user,
                subscription_id,
            },
            Ok((status, text)) => {
                log::warn!(
                    "refresh of subscription {subscription_id} ({user}) answered {status}: {}",
                    error_summary(&text)
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
        match self.first_answer("DELETE", &path, None) {
            Ok((200..=299 | 404, _)) => log::info!("subscription {subscription_id} deleted"),
            Ok((status, text)) => log::warn!(
                "DELETE subscription {subscription_id} answered {status}: {}",
                error_summary(&text)
            ),
            Err(detail) => log::warn!("DELETE subscription {subscription_id} failed: {detail}"),
        }
        SubscriptionResult::Deleted { subscription_id }
    }

    /// Tries the XSPs in order until one gives an answer that is not a
    /// server-side failure. Err carries the last failure.
    fn first_answer(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<(u16, String), String> {
        let mut last = "no XSP configured".to_owned();
        for i in self.flags.order() {
            match self.request(i, method, path, body) {
                Ok(answer) => return Ok(answer),
                Err(detail) => {
                    let name = self.settings.server_name(i);
                    log::debug!("{method} {path} on {name}: {detail}");
                    last = format!("{name}: {detail}");
                }
            }
        }
        Err(last)
    }

    /// One request. 5xx and transport errors are Err (try another XSP).
    fn request(
        &self,
        server: usize,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<(u16, String), String> {
        match self.request_once(server, method, path, body) {
            Outcome::Done(status, text) => Ok((status, text)),
            Outcome::Retry(detail) => Err(detail),
        }
    }

    fn request_once(&self, server: usize, method: &str, path: &str, body: Option<&str>) -> Outcome {
        let Some(url) = self.settings.url(server, path) else {
            return Outcome::Retry("no such server".into());
        };
        let auth = self.settings.authorization();
        let result = match (method, body) {
            ("POST", Some(b)) => self
                .agent
                .post(&url)
                .header("Authorization", auth.as_str())
                .header("Content-Type", "application/xml; charset=UTF-8")
                .send(b),
            ("PUT", Some(b)) => self
                .agent
                .put(&url)
                .header("Authorization", auth.as_str())
                .header("Content-Type", "application/xml; charset=UTF-8")
                .send(b),
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("Authorization", auth.as_str())
                .call(),
            _ => return Outcome::Retry(format!("unsupported request {method}")),
        };
        let mut response = match result {
            Ok(r) => r,
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .unwrap_or_default();
        if status >= 500 || status == 401 || status == 429 {
            if status == 401 {
                log::error!(
                    "XSP {} refused the credentials of {} (401)",
                    self.settings.server_name(server),
                    self.settings.username
                );
            }
            return Outcome::Retry(format!("HTTP {status}"));
        }
        Outcome::Done(status, text)
    }
}

fn granted(expires: Option<u32>, asked: u32) -> Duration {
    Duration::from_secs(u64::from(expires.unwrap_or(asked).max(1)))
}

/// Short text for logs from an ErrorInfo body (or the status alone).
fn error_summary(text: &str) -> String {
    match parse_doc(text.as_bytes()) {
        Ok(XsiDoc::ErrorInfo {
            summary,
            error_code,
        }) => format!(
            "{} (errorCode {})",
            summary.unwrap_or_default(),
            error_code.unwrap_or_default()
        ),
        _ => "no ErrorInfo body".into(),
    }
}

#[cfg(test)]
mod tests;
