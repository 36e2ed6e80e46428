//! The one HTTP client of the Xsi requests made off the channel: the
//! subscription workers (`subscriber`) and the call-control workers
//! (`executor`) both send through an [`XsiClient`].
//!
//! It holds the ureq agent, the `Authorization` value (built once), the
//! settings and which XSPs have a channel up ([`LinkFlags`]). One attempt
//! ([`XsiClient::attempt`]) sends one request to one XSP, bounded end to end
//! by its timeout, and reads at most [`MAX_BODY`] of the answer; a failure
//! without an answer says whether the request can have reached the XSP
//! ([`Attempt::Unsent`]: the name did not resolve, the connection or the TLS
//! handshake failed) or may have ([`Attempt::Lost`]: a timeout or a broken
//! connection once connected). [`XsiClient::first_answer`] tries the XSPs in
//! the order given until one answers for the request itself ([`classify`]: a
//! 2xx, or a 4xx refusal another XSP would repeat), within the deadline;
//! which failures hand the request to the next XSP is the caller's
//! [`Retry`] rule: any trouble of the server's for a subscription, only
//! "cannot have acted on it" (unsent, or `503`) for call control (README,
//! Call control). A 401 says the credentials are wrong: logged at error, at
//! most once a [`REFUSED_LOG`] period with the count of those held back,
//! since every request of a storm would get one.

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
    /// Nothing of the request reached the XSP: its name did not resolve,
    /// the connection was refused or timed out, the TLS handshake failed.
    Unsent(String),
    /// The connection was made, then no answer came: a timeout or a broken
    /// connection after the request may have been sent, so the XSP may
    /// have carried it out.
    Lost(String),
}

/// Which failures of one XSP hand a request to the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Any trouble of the server's: no answer, 5xx, 401, 429. For the
    /// subscription requests, which are safe to repeat.
    OnServerTrouble,
    /// Only when the XSP cannot have acted on the request: it was never
    /// sent ([`Attempt::Unsent`]), or the XSP answered `503`. For call
    /// control (README, Call control): a repeated `calls/new` would place
    /// a second call.
    OnlyIfNotActed,
}

/// No XSP answered for the request (see [`XsiClient::first_answer`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoAnswer {
    /// The last failure, with the XSP's name.
    pub detail: String,
    /// The request may have reached that XSP ([`Attempt::Lost`]): it may
    /// have been carried out.
    pub maybe_sent: bool,
}

impl From<NoAnswer> for String {
    fn from(failure: NoAnswer) -> String {
        failure.detail
    }
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
            return Attempt::Unsent("no such server".into());
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
            Err(e) if before_sending(&e) => return Attempt::Unsent(e.to_string()),
            Err(e) => return Attempt::Lost(e.to_string()),
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

    /// Tries the XSPs of `order` until one answers for the request itself,
    /// or one fails in a way `retry` does not pass on (that answer is
    /// returned as it is, a [`Answer::Failed`] one included; a lost one is
    /// the error); each attempt gets `xsi.request_timeout_s`, or less to end
    /// by `deadline`, and none starts after it. A failed XSP that is passed
    /// over is logged at `level` (`shown` names the request). Err: the last
    /// failure.
    pub fn first_answer(
        &self,
        order: &[usize],
        request: (Method, &str, Option<&str>),
        shown: &dyn std::fmt::Display,
        deadline: Option<Instant>,
        level: log::Level,
        retry: Retry,
    ) -> Result<Answered, NoAnswer> {
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
                Attempt::Answer(status, body) => match self.classify(name, status, &body) {
                    Answer::Failed { status, error }
                        if retry == Retry::OnServerTrouble || status == 503 =>
                    {
                        format!("HTTP {status}: {error}")
                    }
                    answer => {
                        return Ok(Answered {
                            server,
                            status,
                            body,
                            answer,
                        });
                    }
                },
                Attempt::Unsent(detail) => format!("not sent: {detail}"),
                Attempt::Lost(detail) if retry == Retry::OnlyIfNotActed => {
                    return Err(NoAnswer {
                        detail: format!("{name}: {detail}"),
                        maybe_sent: true,
                    });
                }
                Attempt::Lost(detail) => detail,
            };
            log::log!(
                level,
                "{name}: {shown} failed ({failure}); trying the next XSP"
            );
            last = format!("{name}: {failure}");
        }
        Err(NoAnswer {
            detail: last,
            maybe_sent: false,
        })
    }

    /// What XSP `name`'s answer means for the request ([`classify`]); a
    /// refusal of the credentials (401) is logged here, whatever follows.
    fn classify(&self, name: &str, status: u16, body: &[u8]) -> Answer {
        let answer = classify(status, body);
        if let Answer::Failed { status: 401, .. } = answer {
            self.refused(name);
        }
        answer
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
/// Resolving the name and connecting (TLS handshake included) get half of
/// it each, so that an XSP that cannot be reached fails with a timeout of
/// its own, one [`before_sending`] can tell from the end-to-end one.
fn prepare<B>(
    builder: RequestBuilder<B>,
    timeout: Option<Duration>,
    authorization: &str,
) -> RequestBuilder<B> {
    let setup = timeout.map(|t| t / 2);
    builder
        .config()
        .timeout_global(timeout)
        .timeout_resolve(setup)
        .timeout_connect(setup)
        .build()
        .header("Authorization", authorization)
}

/// True when `e` came before any byte of the request left: the name did
/// not resolve, the connection was refused or unreachable, connecting or
/// the TLS handshake timed out or failed, or the request could not even be
/// built. Anything else (a timeout after connecting, a connection reset or
/// closed while sending or waiting, a garbled answer) may come after the
/// XSP read the request. A connect that outlasts the end-to-end timeout
/// (the resolve and connect ones are shorter) counts as maybe sent: that
/// errs on the side of not repeating.
fn before_sending(e: &ureq::Error) -> bool {
    use std::io::ErrorKind as K;
    use ureq::{Error as E, Timeout};
    match e {
        E::Timeout(phase) => matches!(phase, Timeout::Resolve | Timeout::Connect),
        E::Io(io) => matches!(
            io.kind(),
            K::ConnectionRefused
                | K::HostUnreachable
                | K::NetworkUnreachable
                | K::NetworkDown
                | K::AddrNotAvailable
        ),
        E::HostNotFound
        | E::ConnectionFailed
        | E::BadUri(_)
        | E::Http(_)
        | E::Tls(_)
        | E::NativeTls(_)
        | E::Der(_)
        | E::TlsRequired
        | E::InvalidProxyUrl
        | E::ConnectProxyFailed(_)
        | E::RequireHttpsOnly(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
