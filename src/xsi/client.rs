//! The one HTTP client of the Xsi requests made off the channel: the
//! subscription workers (`subscriber`) and the call-control workers
//! (`executor`) both send through an [`XsiClient`].
//!
//! It holds the ureq agent, the `Authorization` value (built once), the
//! settings and which XSPs have a channel up ([`LinkFlags`]). One attempt
//! ([`XsiClient::attempt`]) sends one request to one XSP, bounded end to end
//! by its timeout, and reads at most [`MAX_BODY`] of the answer.
//! [`XsiClient::first_answer`] tries the XSPs in the order given until one
//! answers for the request itself ([`classify`]: a 2xx, or a 4xx refusal
//! another XSP would repeat); a transport failure, a 5xx, 401 or 429 (this
//! server's trouble) moves on to the next one, within the deadline. A 401
//! says the credentials are wrong: logged at error, at most once a
//! [`REFUSED_LOG`] period with the count of those held back, since every
//! request of a storm would get one.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use ureq::typestate::WithBody;
use ureq::{http::Response, Body, RequestBuilder};

use crate::ratelimit::Every;
use crate::xsi::actions::{classify, Answer, Method};
use crate::xsi::settings::XsiSettings;
use crate::xsi::{CONTENT_TYPE, MAX_BODY};

/// At most one "refused the credentials" line per this period.
pub const REFUSED_LOG: Duration = Duration::from_secs(10);

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

/// What one attempt on one XSP gave.
#[derive(Debug)]
pub enum Attempt {
    Answer(u16, Vec<u8>),
    /// Timeout, refused connection, TLS failure…
    Transport(String),
}

/// An XSP's answer for the request itself (see [`XsiClient::first_answer`]).
#[derive(Debug)]
pub struct Answered {
    /// The XSP that answered.
    pub server: usize,
    pub status: u16,
    pub body: Vec<u8>,
    /// [`Answer::Accepted`] or [`Answer::Rejected`].
    pub answer: Answer,
}

pub struct XsiClient {
    settings: Arc<XsiSettings>,
    flags: Arc<LinkFlags>,
    agent: ureq::Agent,
    authorization: String,
    refused_log: Mutex<Every>,
}

impl XsiClient {
    pub fn new(settings: Arc<XsiSettings>, flags: Arc<LinkFlags>, agent: ureq::Agent) -> Self {
        XsiClient {
            authorization: settings.authorization(),
            settings,
            flags,
            agent,
            refused_log: Mutex::new(Every::new(REFUSED_LOG)),
        }
    }

    pub fn settings(&self) -> &XsiSettings {
        &self.settings
    }

    pub fn flags(&self) -> &LinkFlags {
        &self.flags
    }

    /// One request on XSP `server`: `target` is the path and query after
    /// the server's base path; `timeout` bounds it end to end.
    pub fn attempt(
        &self,
        server: usize,
        method: Method,
        target: &str,
        body: Option<&str>,
        timeout: Duration,
    ) -> Attempt {
        let Some(url) = self.settings.url(server, target) else {
            return Attempt::Transport("no such server".into());
        };
        let auth = self.authorization.as_str();
        let timeout = Some(timeout.max(Duration::from_millis(1)));
        let with_body = |builder: RequestBuilder<WithBody>| -> Result<Response<Body>, ureq::Error> {
            let builder = prepare(builder, timeout, auth);
            match body {
                Some(body) => builder.header("Content-Type", CONTENT_TYPE).send(body),
                None => builder.send_empty(),
            }
        };
        let result = match method {
            Method::Get => prepare(self.agent.get(&url), timeout, auth).call(),
            Method::Put => with_body(self.agent.put(&url)),
            Method::Post => with_body(self.agent.post(&url)),
            Method::Delete => prepare(self.agent.delete(&url), timeout, auth).call(),
        };
        let mut response = match result {
            Ok(r) => r,
            Err(e) => return Attempt::Transport(e.to_string()),
        };
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY as u64)
            .read_to_vec()
            .unwrap_or_default();
        Attempt::Answer(status, body)
    }

    /// Tries the XSPs of `order` until one answers for the request itself;
    /// each attempt gets `xsi.request_timeout_s`, or less to end by
    /// `deadline`, and none starts after it. A failed XSP is logged at
    /// `level` (`shown` names the request). Err: the last failure.
    pub fn first_answer(
        &self,
        order: &[usize],
        request: (Method, &str, Option<&str>),
        shown: &dyn std::fmt::Display,
        deadline: Option<Instant>,
        level: log::Level,
    ) -> Result<Answered, String> {
        let (method, target, body) = request;
        let mut last = "no XSP configured".to_owned();
        for &server in order {
            let name = self.settings.server_name(server);
            let mut timeout = self.settings.request_timeout;
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    last = format!("its deadline passed (last: {last})");
                    break;
                }
                timeout = timeout.min(left);
            }
            let failure = match self.attempt(server, method, target, body, timeout) {
                Attempt::Answer(status, body) => match classify(status, &body) {
                    Answer::Failed { status, error } => {
                        if status == 401 {
                            self.refused(name);
                        }
                        format!("HTTP {status}: {error}")
                    }
                    answer => {
                        return Ok(Answered {
                            server,
                            status,
                            body,
                            answer,
                        })
                    }
                },
                Attempt::Transport(detail) => detail,
            };
            log::log!(
                level,
                "{name}: {shown} failed ({failure}); trying the next XSP"
            );
            last = format!("{name}: {failure}");
        }
        Err(last)
    }

    /// An XSP refused the credentials (401).
    fn refused(&self, name: &str) {
        let ready = self.refused_log.lock().ready(Instant::now());
        if let Some(held_back) = ready {
            log::error!(
                "XSP {name} refused the credentials of {} (401){}",
                self.settings.username,
                if held_back > 0 {
                    format!("; {held_back} more refusals not logged")
                } else {
                    String::new()
                }
            );
        }
    }
}

/// What every request carries: its end-to-end timeout and the credentials.
fn prepare<B>(
    builder: RequestBuilder<B>,
    timeout: Option<Duration>,
    authorization: &str,
) -> RequestBuilder<B> {
    builder
        .config()
        .timeout_global(timeout)
        .build()
        .header("Authorization", authorization)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bwcsta_integration::sim::{SimConfig, Simulator};

    /// A client of two simulated XSPs, logging in with `password`.
    fn client(sim: &Simulator, password: &str) -> XsiClient {
        let urls = sim.xsp_urls();
        let settings = XsiSettings::for_test(serde_json::json!({
            "servers": [{ "name": "xsp1", "url": urls[0] }, { "name": "xsp2", "url": urls[1] }],
            "username": "cti@example.net",
            "password": password,
            "channel_set_id": "client-tests",
            "request_timeout_s": 30
        }));
        let agent = settings.agent();
        XsiClient::new(settings, Arc::new(LinkFlags::new(2)), agent)
    }

    #[test]
    fn an_answer_for_the_request_ends_the_round_a_server_failure_does_not() {
        let sim = Simulator::start(SimConfig::default()).expect("simulator");
        let deadline = Some(Instant::now() + Duration::from_secs(30));
        let shown = "PUT Hold";
        let target = "/com.broadsoft.xsi-actions/v2.0/user/2001@example.net/calls/nothing/Hold";
        // Refused credentials (401) on both: the last failure is reported.
        let wrong = client(&sim, "wrong");
        let refused = wrong.first_answer(
            &[0, 1],
            (Method::Put, target, None),
            &shown,
            deadline,
            log::Level::Debug,
        );
        let err = refused.expect_err("both refuse");
        assert!(err.starts_with("xsp2: HTTP 401"), "{err}");
        // A 4xx about the request itself comes from the first XSP.
        let right = client(&sim, "secret");
        let answered = right
            .first_answer(
                &[1, 0],
                (Method::Put, target, None),
                &shown,
                deadline,
                log::Level::Debug,
            )
            .expect("answered");
        assert_eq!(answered.server, 1);
        assert!(
            matches!(answered.answer, Answer::Rejected { .. }),
            "{answered:?}"
        );
        // A deadline already passed sends nothing.
        let late = right.first_answer(
            &[0, 1],
            (Method::Put, target, None),
            &shown,
            Some(Instant::now()),
            log::Level::Debug,
        );
        assert!(late.expect_err("late").contains("deadline"));
    }

    #[test]
    fn order_puts_up_links_first_and_rotates() {
        let flags = LinkFlags::new(3);
        flags.set(2, true);
        for _ in 0..5 {
            let order = flags.order();
            assert_eq!(order[0], 2);
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, vec![0, 1, 2]);
        }
        flags.set(0, true);
        let firsts: std::collections::HashSet<usize> = (0..6).map(|_| flags.order()[0]).collect();
        assert_eq!(
            firsts,
            [0, 2].into_iter().collect(),
            "both up links get turns"
        );
        assert!(LinkFlags::new(0).order().is_empty());
    }
}
