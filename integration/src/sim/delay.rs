//! Response delays: a real XSP answers a subscription POST in tens of milliseconds, an
//! acknowledgement in a few. Each kind of XSP request can be given a delay (from
//! [`SimConfig::delays`](super::SimConfig), `xsp-sim serve --delay KIND=SECONDS`, the control
//! API's `delay` command, or [`Simulator::set_delay`](super::Simulator::set_delay)).
//!
//! A request is handled (and answered) when its delay has passed since it arrived, on its own
//! connection's thread: requests on different connections wait at the same time, and requests
//! pipelined on one connection each wait from their own arrival, so many requests in flight each
//! take about the delay, never the sum. The counters show it: how many requests were delayed, the
//! most that waited at once, and the total time spent waiting.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The kinds of XSP requests that can be delayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// Channel open (the answer to the POST, i.e. the stream's start), renewal, deletion, and
    /// the channel-set query.
    Channel,
    /// `PUT …/channel/<id>/heartbeat`.
    Heartbeat,
    /// `POST …/channel/eventresponse`.
    Ack,
    /// `POST …/user/<userId>` (subscription create).
    Subscribe,
    /// `PUT …/subscription/<id>`.
    Refresh,
    /// `DELETE …/subscription/<id>`.
    Unsubscribe,
    /// Xsi-Actions (`/com.broadsoft.xsi-actions/…`: call control, services).
    Actions,
}

impl RequestKind {
    pub const ALL: [RequestKind; 7] = [
        RequestKind::Channel,
        RequestKind::Heartbeat,
        RequestKind::Ack,
        RequestKind::Subscribe,
        RequestKind::Refresh,
        RequestKind::Unsubscribe,
        RequestKind::Actions,
    ];

    /// The name used by the command line and the control API.
    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Channel => "channel",
            RequestKind::Heartbeat => "heartbeat",
            RequestKind::Ack => "ack",
            RequestKind::Subscribe => "subscribe",
            RequestKind::Refresh => "refresh",
            RequestKind::Unsubscribe => "unsubscribe",
            RequestKind::Actions => "actions",
        }
    }

    /// The kinds a name stands for: one, or every kind for `all`.
    pub fn parse(name: &str) -> Option<Vec<RequestKind>> {
        if name.eq_ignore_ascii_case("all") {
            return Some(Self::ALL.to_vec());
        }
        Self::ALL
            .iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
            .map(|k| vec![*k])
    }

    /// The kind of an XSP request, from its method and path (after the XSP root); `None` for
    /// what no real XSP serves.
    pub(crate) fn of(method: &str, path: &str) -> Option<RequestKind> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let events = |s: &str| is(s, "com.broadsoft.xsi-events");
        match segs.as_slice() {
            [first, ..] if is(first, "com.broadsoft.xsi-actions") => Some(RequestKind::Actions),
            [a, e, _, c] if is(a, "com.broadsoft.async") && events(e) && is(c, "channel") => {
                Some(RequestKind::Channel)
            }
            [e, _, rest @ ..] if events(e) => match (method, rest) {
                ("POST", [c, r]) if is(c, "channel") && is(r, "eventresponse") => {
                    Some(RequestKind::Ack)
                }
                ("PUT", [c, _, h]) if is(c, "channel") && is(h, "heartbeat") => {
                    Some(RequestKind::Heartbeat)
                }
                (_, [c, ..]) if is(c, "channel") || is(c, "channelset") => {
                    Some(RequestKind::Channel)
                }
                ("POST", [u, _]) if is(u, "user") => Some(RequestKind::Subscribe),
                ("PUT", [s, _]) if is(s, "subscription") => Some(RequestKind::Refresh),
                ("DELETE", [s, _]) if is(s, "subscription") => Some(RequestKind::Unsubscribe),
                _ => None,
            },
            _ => None,
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The delays in force and what they did; shared by every connection thread.
#[derive(Debug, Default)]
pub(crate) struct Delays {
    micros: [AtomicU64; RequestKind::ALL.len()],
    delayed: AtomicU64,
    slept: AtomicU64,
    waiting: AtomicU64,
    peak: AtomicU64,
    waited_us: AtomicU64,
}

/// What the delays did, for the stats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DelayCounters {
    /// Requests answered after a delay.
    pub delayed: u64,
    /// Those of them that had to wait (the others' delay had passed when their turn came).
    pub slept: u64,
    /// The most requests waiting at the same time.
    pub peak_waiting: u64,
    /// Time spent waiting, over all requests (microseconds).
    pub waited_us: u64,
}

impl Delays {
    pub(crate) fn new(initial: &[(RequestKind, Duration)]) -> Delays {
        let delays = Delays::default();
        for (kind, d) in initial {
            delays.set(*kind, *d);
        }
        delays
    }

    pub(crate) fn set(&self, kind: RequestKind, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.micros[kind.index()].store(us, Ordering::Relaxed);
    }

    pub(crate) fn get(&self, kind: RequestKind) -> Duration {
        Duration::from_micros(self.micros[kind.index()].load(Ordering::Relaxed))
    }

    /// Every kind with a delay, in [`RequestKind::ALL`] order.
    pub(crate) fn in_force(&self) -> Vec<(RequestKind, Duration)> {
        RequestKind::ALL
            .iter()
            .map(|k| (*k, self.get(*k)))
            .filter(|(_, d)| !d.is_zero())
            .collect()
    }

    pub(crate) fn counters(&self) -> DelayCounters {
        DelayCounters {
            delayed: self.delayed.load(Ordering::Relaxed),
            slept: self.slept.load(Ordering::Relaxed),
            peak_waiting: self.peak.load(Ordering::Relaxed),
            waited_us: self.waited_us.load(Ordering::Relaxed),
        }
    }

    /// Waits until `due` (a request's arrival plus its delay), in slices so that `stop` is
    /// noticed; counts the wait. Returns at once when `due` has passed.
    pub(crate) fn wait_until(&self, due: Instant, stop: impl Fn() -> bool) {
        let started = Instant::now();
        if due <= started {
            self.delayed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.slept.fetch_add(1, Ordering::Relaxed);
        let now_waiting = self.waiting.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now_waiting, Ordering::Relaxed);
        loop {
            let now = Instant::now();
            if now >= due || stop() {
                break;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(50)));
        }
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        self.delayed.fetch_add(1, Ordering::Relaxed);
        let waited = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.waited_us.fetch_add(waited, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_classified_by_method_and_path() {
        let cases = [
            (
                "POST",
                "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel",
                Some(RequestKind::Channel),
            ),
            (
                "PUT",
                "/com.broadsoft.xsi-events/v2.0/channel/c1",
                Some(RequestKind::Channel),
            ),
            (
                "DELETE",
                "/com.broadsoft.xsi-events/v2.0/channel/c1",
                Some(RequestKind::Channel),
            ),
            (
                "GET",
                "/com.broadsoft.xsi-events/v2.0/channelset/set",
                Some(RequestKind::Channel),
            ),
            (
                "PUT",
                "/com.broadsoft.xsi-events/v2.0/channel/c1/heartbeat",
                Some(RequestKind::Heartbeat),
            ),
            (
                "POST",
                "/com.broadsoft.xsi-events/v2.0/channel/eventresponse",
                Some(RequestKind::Ack),
            ),
            (
                "POST",
                "/com.broadsoft.xsi-events/v2.0/user/2001@example.net",
                Some(RequestKind::Subscribe),
            ),
            (
                "PUT",
                "/com.broadsoft.xsi-events/v2.0/subscription/s1",
                Some(RequestKind::Refresh),
            ),
            (
                "DELETE",
                "/com.broadsoft.xsi-events/v2.0/subscription/s1",
                Some(RequestKind::Unsubscribe),
            ),
            (
                "PUT",
                "/com.broadsoft.xsi-actions/v2.0/user/2001@x/calls/c/Hold",
                Some(RequestKind::Actions),
            ),
            ("GET", "/elsewhere", None),
            ("GET", "/com.broadsoft.xsi-events/v2.0/user/2001@x", None),
        ];
        for (method, path, want) in cases {
            assert_eq!(RequestKind::of(method, path), want, "{method} {path}");
        }
    }

    #[test]
    fn names_parse_back_and_all_means_every_kind() {
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::parse(kind.name()), Some(vec![kind]));
        }
        assert_eq!(RequestKind::parse("ALL").map(|k| k.len()), Some(7));
        assert_eq!(RequestKind::parse("bogus"), None);
    }

    #[test]
    fn delays_are_set_per_kind_and_a_passed_due_time_does_not_wait() {
        let d = Delays::new(&[(RequestKind::Subscribe, Duration::from_millis(20))]);
        assert_eq!(d.get(RequestKind::Subscribe), Duration::from_millis(20));
        assert_eq!(d.get(RequestKind::Ack), Duration::ZERO);
        d.set(RequestKind::Ack, Duration::from_micros(1500));
        assert_eq!(
            d.in_force(),
            [
                (RequestKind::Ack, Duration::from_micros(1500)),
                (RequestKind::Subscribe, Duration::from_millis(20))
            ]
        );
        d.wait_until(Instant::now() - Duration::from_secs(1), || false);
        assert_eq!(
            d.counters(),
            DelayCounters {
                delayed: 1,
                slept: 0,
                peak_waiting: 0,
                waited_us: 0
            }
        );
        // A stop request ends a wait early.
        d.wait_until(Instant::now() + Duration::from_secs(600), || true);
        assert_eq!(d.counters().delayed, 2);
        assert_eq!(d.counters().peak_waiting, 1);
    }
}
