//! An XSP simulator: a stand-in for Cisco/BroadSoft BroadWorks Xsi-Events and Xsi-Actions
//! servers, for tests and demos.
//!
//! [`Simulator::start`] binds one HTTP listener per configured XSP. All of them front one shared
//! "BroadWorks": channel sets, channels (owned by the XSP that received their POST),
//! subscriptions and unacknowledged events, following BroadWorks Xsi-Events (channels, stream
//! framing, heartbeats, acknowledgements and channel sets; subscriptions; events). A small call
//! model ([`Simulator::call`], [`Simulator::answer`], …, or Xsi-Actions call control from the
//! client under test, the requests README "Call control" lists) produces the events;
//! delivery shaping and fault injection exercise a client's recovery paths; [`Simulator::stats`]
//! shows what happened. Dropping the simulator stops every thread and closes every socket.
//!
//! Module map: `http` (request parsing, response writing), `server` (listener and connection
//! loops, keep-alive), `tls` (HTTPS XSPs), `xsp` (the Xsi-Events endpoints), `actions`
//! (the Xsi-Actions endpoints; `actions/contact.rs` those of the contact centre), `stream`
//! (channel stream writers), `state` (the shared BroadWorks; `state/{channels,subscriptions,
//! events,contact}.rs` split it by concern, `contact` being call centres, route points and
//! agents), `calls` (the call model), `control` (the JSON control API), `flood` (load
//! producer), `ops` (operations shared by this API and the control API), `hub` (what all
//! threads share), `stats`, `ids`, `xml`; for soak runs, `chaos` (more faults, call operations
//! that report whether they applied, the live calls) and `journal` (every event emitted, with the
//! facts of its call from the models, and every subscription created and ended). Leaves that the others share without importing each
//! other: `reply` (the HTTP replies and the Xsi `ErrorInfo`), `outbox` (what the state queues
//! for a channel writer), `xml` (with the XML declaration). Imports go one way: the endpoints
//! (`xsp`, `actions`, `control`) use `server`, `stream`, `hub` and `state`; `server` and
//! `stream` use `hub`; `hub` uses `state`; nothing under `state` imports a thread module.
//! Tests: unit tests in `<module>/tests.rs` beside `calls` and `state`,
//! end-to-end tests over sockets in `tests/` (by theme, shared helpers in `tests/mod.rs`),
//! using the raw-socket clients of `testclient`.
//!
//! ```no_run
//! use bwcsta_integration::sim::{SimConfig, Simulator};
//! use std::time::Duration;
//!
//! let sim = Simulator::start(SimConfig::default()).unwrap();
//! let urls = sim.xsp_urls(); // hand these to the client under test
//! # let _ = urls;
//! sim.wait_for(Duration::from_secs(5), |s| s.active_subscriptions().count() == 2);
//! let call = sim.call("2001", "2002");
//! sim.answer(call);
//! sim.release(call, "2002");
//! ```

mod actions;
mod calls;
pub mod chaos;
mod conformance;
mod control;
mod delay;
mod flood;
mod http;
mod hub;
mod ids;
mod journal;
mod ops;
mod outbox;
mod probe;
mod reply;
mod server;
mod state;
mod stats;
mod stream;
mod tls;
mod xml;
mod xsp;

#[cfg(test)]
mod testclient;

use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, Sender};
use parking_lot::{Condvar, Mutex};

pub use conformance::SchemaStats;
pub use delay::{DelayCounters, RequestKind};
pub use flood::Pace;
pub use stats::{
    ActionRecord, ChannelInfo, RequestRecord, SimStats, SubscriptionInfo, UserServices,
};
pub use tls::{acceptor as tls_acceptor, TlsAcceptor};

use hub::{Hub, Owner, XspFlags};

/// A log sink for notable events (channel opened/closed, subscription created/deleted, fault
/// injected). The `xsp-sim` binary prints them.
pub type LogFn = Arc<dyn Fn(&str) + Send + Sync>;

/// Simulator configuration.
#[derive(Clone)]
pub struct SimConfig {
    /// Name and bind address of each XSP; port 0 picks a free port.
    pub xsps: Vec<(String, SocketAddr)>,
    /// Basic-auth credentials required on every XSP request; the username is also the
    /// subscription owner (`xsi:userId` in events).
    pub username: String,
    pub password: String,
    /// DN `2001` is user `2001@<domain>`.
    pub domain: String,
    /// Channel expires granted; `None` grants what was asked, at least 3600.
    pub channel_expires: Option<u32>,
    /// Subscription expires granted; `None` grants what was asked, at least 3600.
    pub subscription_expires: Option<u32>,
    /// An unacknowledged event is re-sent on another live channel of its set after this.
    pub ack_timeout: Duration,
    /// A channel without a heartbeat PUT for this long is closed.
    pub event_timeout: Option<Duration>,
    /// Where the control API listens, if anywhere.
    pub control: Option<SocketAddr>,
    /// Where notable events are logged, if anywhere.
    pub log: Option<LogFn>,
    /// XSP `i` serves HTTPS with `https[i]` when that is `Some` (see [`tls_acceptor`]); the
    /// others, and those past the end, plain HTTP.
    pub https: Vec<Option<TlsAcceptor>>,
    /// An idle request connection is closed after this long, as XSPs do; responses announce it
    /// as `Keep-Alive: timeout=<whole seconds, rounded up>`.
    pub keep_alive_timeout: Duration,
    /// Requests of these kinds are answered this long after they arrive (see
    /// [`Simulator::set_delay`]); others at once.
    pub delays: Vec<(RequestKind, Duration)>,
    /// Check every document sent and every XML body received against the Xsi schema
    /// (`SimStats::schema`). On by default, for tests; benchmarks turn it off (a parse per
    /// document).
    pub schema_check: bool,
}

impl Default for SimConfig {
    /// Two XSPs on ephemeral loopback ports, plain HTTP, `cti@example.net` / `secret`, domain
    /// `example.net`, ack timeout 2 s, no event timeout, no control API, idle connections
    /// closed after 4 s (like a real XSP's `Keep-Alive: timeout=4`), schema check on.
    fn default() -> SimConfig {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        SimConfig {
            xsps: vec![
                ("xsp1".to_string(), loopback),
                ("xsp2".to_string(), loopback),
            ],
            username: "cti@example.net".to_string(),
            password: "secret".to_string(),
            domain: "example.net".to_string(),
            channel_expires: None,
            subscription_expires: None,
            ack_timeout: Duration::from_secs(2),
            event_timeout: None,
            control: None,
            log: None,
            https: Vec::new(),
            keep_alive_timeout: Duration::from_secs(4),
            delays: Vec::new(),
            schema_check: true,
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("xsps", &self.xsps)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("domain", &self.domain)
            .field("channel_expires", &self.channel_expires)
            .field("ack_timeout", &self.ack_timeout)
            .field("event_timeout", &self.event_timeout)
            .field("control", &self.control)
            .field("log", &self.log.as_ref().map(|_| "<fn>"))
            .field(
                "https",
                &self.https.iter().map(Option::is_some).collect::<Vec<_>>(),
            )
            .field("keep_alive_timeout", &self.keep_alive_timeout)
            .field("delays", &self.delays)
            .field("schema_check", &self.schema_check)
            .finish()
    }
}

/// A call of the call model; its number is the `n` of the extTrackingId `<n>:1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

/// How events are spread over the channels of a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Each event once, round-robin over the live channels.
    Normal,
    /// Each event on two different live channels, with the same eventID.
    Duplicate,
    /// Every two consecutive events of a subscription are sent in swapped order, on
    /// different channels (a lone event goes out after 200 ms).
    SwapPairs,
}

/// How documents are cut into HTTP chunks on the channel streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Chunking {
    /// One document per chunk, as BroadWorks does.
    OnePerDoc = 0,
    /// Each document as 2-3 chunks, each flushed separately.
    Split = 1,
    /// Every document queued at the moment in one chunk.
    Coalesce = 2,
}

impl Chunking {
    fn from_u8(v: u8) -> Chunking {
        match v {
            1 => Chunking::Split,
            2 => Chunking::Coalesce,
            _ => Chunking::OnePerDoc,
        }
    }
}

/// A running simulator; see the module documentation.
pub struct Simulator {
    hub: Arc<Hub>,
    control: Option<SocketAddr>,
    /// Dropping it stops the housekeeping thread.
    stop: Option<Sender<()>>,
}

impl Simulator {
    /// Binds every listener and starts the threads.
    pub fn start(cfg: SimConfig) -> std::io::Result<Simulator> {
        let mut flags = Vec::new();
        let mut listeners = Vec::new();
        for (name, addr) in &cfg.xsps {
            let listener = TcpListener::bind(addr)?;
            let bound = listener.local_addr()?;
            flags.push(XspFlags {
                name: name.clone(),
                addr: bound,
                down: Mutex::new(false),
                down_changed: Condvar::new(),
                stalled: Default::default(),
                fail: Mutex::new((0, 0)),
                fail_acks: Mutex::new((0, 0)),
                action_fault: Mutex::new(Default::default()),
            });
            listeners.push((listener, bound));
        }
        let control_listener = match cfg.control {
            Some(addr) => Some(TcpListener::bind(addr)?),
            None => None,
        };
        let control = match &control_listener {
            Some(l) => Some(l.local_addr()?),
            None => None,
        };
        let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
        let hub = Arc::new(Hub::new(cfg, flags));
        // From here on, dropping `sim` cleans up whatever was started.
        let sim = Simulator {
            hub: hub.clone(),
            control,
            stop: Some(stop_tx),
        };
        for (i, (listener, addr)) in listeners.into_iter().enumerate() {
            let service: Arc<dyn server::Service> = Arc::new(xsp::XspService {
                hub: hub.clone(),
                xsp: i,
            });
            let hub2 = hub.clone();
            hub.spawn(format!("xsp{i}-accept"), move || {
                server::run_listener(
                    hub2,
                    Owner::Xsp(i),
                    listener,
                    addr,
                    service,
                    format!("xsp{i}"),
                )
            })?;
            let name = &hub.xsps[i].name;
            let scheme = if matches!(hub.cfg.https.get(i), Some(Some(_))) {
                "https"
            } else {
                "http"
            };
            hub.log(|| format!("{name} listening on {scheme}://{}", server::reachable(addr)));
        }
        if let (Some(listener), Some(addr)) = (control_listener, control) {
            let service: Arc<dyn server::Service> =
                Arc::new(control::ControlService { hub: hub.clone() });
            let hub2 = hub.clone();
            hub.spawn("sim-control".to_string(), move || {
                server::run_listener(
                    hub2,
                    Owner::Control,
                    listener,
                    addr,
                    service,
                    "sim-control".to_string(),
                )
            })?;
            hub.log(|| format!("control on {addr}"));
        }
        let hub2 = hub.clone();
        hub.spawn("sim-housekeeper".to_string(), move || loop {
            match stop_rx.recv_timeout(Duration::from_millis(50)) {
                Err(RecvTimeoutError::Timeout) => hub2.state.lock().tick(),
                _ => return,
            }
        })?;
        Ok(sim)
    }

    /// `http://IP:PORT` (`https://` for an HTTPS XSP) of each XSP, in configuration order.
    pub fn xsp_urls(&self) -> Vec<String> {
        self.hub
            .xsps
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let https = matches!(self.hub.cfg.https.get(i), Some(Some(_)));
                let scheme = if https { "https" } else { "http" };
                format!("{scheme}://{}", server::reachable(x.addr))
            })
            .collect()
    }

    /// The bound address of the control API.
    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control
    }

    /// `from` dials `to`: `from` gets HookStatus Off-Hook and CallOriginated, `to` gets
    /// CallReceived (Alerting, allowAnswer).
    pub fn call(&self, from: &str, to: &str) -> CallId {
        self.hub.op_call(from, to)
    }

    /// Click-to-dial: `from` gets CallOriginating (Click-to-Dial, Alerting). [`answer`] then
    /// makes it CallOriginated and rings `to`; a second [`answer`] answers `to`.
    ///
    /// [`answer`]: Simulator::answer
    pub fn click_to_dial(&self, from: &str, to: &str) -> CallId {
        self.hub.op_click_to_dial(from, to)
    }

    /// Answers the ringing leg: CallAnswered to it (after HookStatus Off-Hook) and to every
    /// other alerting leg. False when it did not apply (unknown call, party not in it, wrong
    /// state), as for each call operation below: the call may have ended or changed meanwhile.
    pub fn answer(&self, call: CallId) -> bool {
        self.hub.op_answer(call)
    }

    /// `by` holds: CallHeld (Held) to `by`, CallHeld (Remote Held) to the other party.
    pub fn hold(&self, call: CallId, by: &str) -> bool {
        self.hub.op_hold(call, by)
    }

    /// `by` retrieves: CallRetrieved to both parties.
    pub fn retrieve(&self, call: CallId, by: &str) -> bool {
        self.hub.op_retrieve(call, by)
    }

    /// `by` blind-transfers to `to`: CallRedirected + CallReleased to `by`, CallTransferred to
    /// the other party, CallReceived (with redirections) to `to`.
    pub fn blind_transfer(&self, call: CallId, by: &str, to: &str) -> bool {
        self.hub.op_blind_transfer(call, by, to)
    }

    /// `by`, a party of both calls, joins their other parties; the merged call keeps
    /// `active`'s id and extTrackingId.
    pub fn consult_transfer(&self, held: CallId, active: CallId, by: &str) -> bool {
        self.hub.op_consult_transfer(held, active, by)
    }

    /// `by`, a party of both calls, starts a conference: ConferenceStarted to `by` only.
    pub fn conference(&self, a: CallId, b: CallId, by: &str) -> bool {
        self.hub.op_conference(a, b, by)
    }

    /// Releases the call: CallReleased (local for `by`, remote for the others), then HookStatus
    /// On-Hook for parties left without calls.
    pub fn release(&self, call: CallId, by: &str) -> bool {
        self.hub.op_release(call, by)
    }

    /// `by` retrieves the call parked at `at` (by Xsi-Actions `Park` or `GroupCallPark`):
    /// CallParkRetrieved to `by`, CallRetrieved to the parked party. `None` when no call waits
    /// there.
    pub fn park_retrieve(&self, by: &str, at: &str) -> Option<CallId> {
        self.hub.op_park_retrieve(by, at)
    }

    /// `from` calls busy `to`: CallOriginated, CallReleasing (Busy), CallReleased to `from`.
    pub fn busy(&self, from: &str, to: &str) -> CallId {
        self.hub.op_busy(from, to)
    }

    /// Application-server failover: `dn`'s calls are forgotten and an unsolicited
    /// CallSubscriptionEvent (no calls, On-Hook) is sent.
    pub fn as_failover(&self, dn: &str) {
        self.hub.op_as_failover(dn);
    }

    /// Makes `dn` a call centre (a virtual user: only `Call Center Queue` subscriptions) whose
    /// agents are `agents`.
    pub fn add_call_center(&self, dn: &str, agents: &[&str]) {
        self.hub.op_add_call_center(dn, agents);
    }

    /// Makes `dn` a route point (only `Route Point Queue` subscriptions).
    pub fn add_route_point(&self, dn: &str) {
        self.hub.op_add_route_point(dn);
    }

    /// `from` calls call centre `cc`: CallOriginated to `from`, ACDCallAdded (with its
    /// position) to `cc`. `None` when `cc` is not a call centre.
    pub fn acd_call(&self, from: &str, cc: &str) -> Option<CallId> {
        self.hub.op_acd_call(from, cc)
    }

    /// Offers queued `call` to `agent` (or to the first Available agent of the call centre):
    /// ACDCallOfferedToAgent to the call centre, CallReceived to the agent. When the agent
    /// answers (Xsi `Talk` or [`Simulator::answer`]) the call centre gets
    /// ACDCallAnsweredByAgent; if the caller hangs up first ([`Simulator::release`]),
    /// ACDCallAbandoned.
    pub fn acd_offer(&self, call: CallId, agent: Option<&str>) -> bool {
        self.hub.op_acd_offer(call, agent)
    }

    /// Queued `call` overflows to `to`: ACDCallOverflowed (redirect to `to`), `to` rings.
    pub fn acd_overflow(&self, call: CallId, to: &str) -> bool {
        self.hub.op_acd_overflow(call, to)
    }

    /// `from` calls route point `rp`: CallOriginated to `from`, RoutePointCallAdded to `rp`.
    /// The call waits for Xsi-Actions on the route point (BlindTransfer, Fail, treatments).
    pub fn rp_call(&self, from: &str, rp: &str) -> Option<CallId> {
        self.hub.op_rp_call(from, rp)
    }

    /// The treatment playing to route point `call` ends with `reason` (`Timeout`, `EOF`,
    /// `NoMatch`, …): RoutePoint…CompletedEvent.
    pub fn complete_treatment(&self, call: CallId, reason: &str) -> bool {
        self.hub.op_complete_treatment(call, reason)
    }

    /// Agent `dn` changes its ACD state at BroadWorks (`Sign-In`, `Available`,
    /// `Unavailable`, `Wrap-Up`, `Sign-Out`): AgentStateEvent. False for another state.
    pub fn set_agent_state(&self, dn: &str, state: &str) -> bool {
        self.hub.op_set_agent_state(dn, state)
    }

    /// Agent `dn` joins (or leaves) call centre `cc`: ACDAgentJoinUpdateEvent.
    pub fn agent_join(&self, dn: &str, cc: &str, joined: bool) {
        self.hub.op_agent_join(dn, cc, joined);
    }

    /// Route point `rp` fails (RoutePointFailedEvent) or recovers (RoutePointRecoveredEvent).
    /// False when `rp` is not a route point.
    pub fn rp_state(&self, rp: &str, failed: bool) -> bool {
        self.hub.op_rp_state(rp, failed)
    }

    /// `from` calls route point `rp` and admission control refuses the call:
    /// RoutePointCallRejectedEvent to `rp`, the caller is released.
    pub fn rp_reject(&self, from: &str, rp: &str) -> Option<CallId> {
        self.hub.op_rp_reject(from, rp)
    }

    /// Queued `call` is stranded, no agent being available: ACDCallStrandedUnavailableEvent,
    /// the caller is released.
    pub fn acd_strand(&self, call: CallId) -> bool {
        self.hub.op_acd_strand(call)
    }

    /// The agent of queued `call` hears the whisper message: ACDWhisperStartedEvent (or
    /// RoutePointWhisperStartedEvent at a route point).
    pub fn whisper(&self, call: CallId) -> bool {
        self.hub.op_whisper(call)
    }

    pub fn set_delivery(&self, mode: Delivery) {
        self.hub.op_set_delivery(mode);
    }

    pub fn set_chunking(&self, mode: Chunking) {
        self.hub.op_set_chunking(mode);
    }

    /// From now on, requests of `kind` are handled and answered `delay` after they arrive, each
    /// on its own (requests in flight at once each take about `delay`; zero: at once).
    pub fn set_delay(&self, kind: RequestKind, delay: Duration) {
        self.hub.delays.set(kind, delay);
    }

    /// Closes the streaming sockets of XSP `xsp` abruptly (no terminating chunk).
    pub fn close_channels(&self, xsp: usize) {
        self.hub.op_close_channels(xsp);
    }

    /// Sends ChannelTerminatedEvent with `reason` on XSP `xsp`'s streams, then ends them.
    pub fn terminate_channels(&self, xsp: usize, reason: &str) {
        self.hub.op_terminate_channels(xsp, reason);
    }

    /// While on, XSP `xsp`'s streams write nothing (requests are still answered).
    pub fn stall(&self, xsp: usize, on: bool) {
        self.hub.op_stall(xsp, on);
    }

    /// The next `count` requests to XSP `xsp` (any path) get `status` with an ErrorInfo body.
    pub fn fail_requests(&self, xsp: usize, status: u16, count: u32) {
        self.hub.op_fail_requests(xsp, status, count);
    }

    /// The next `count` EventResponses to XSP `xsp` get `status` (other requests are answered
    /// normally); the events stay unacknowledged and are re-sent after `ack_timeout`.
    pub fn fail_acks(&self, xsp: usize, status: u16, count: u32) {
        self.hub.op_fail_acks(xsp, status, count);
    }

    /// The next `count` Xsi-Actions (call-control) requests to XSP `xsp` get `status` with an
    /// ErrorInfo body; other requests are not affected.
    pub fn fail_actions(&self, xsp: usize, status: u16, count: u32) {
        self.hub.op_fail_actions(xsp, status, count);
    }

    /// XSP `xsp` waits `delay` before handling each Xsi-Actions request (zero: no delay). The
    /// request is carried out after the delay even if the client gave up, as on a real server.
    pub fn delay_actions(&self, xsp: usize, delay: Duration) {
        self.hub.op_delay_actions(xsp, delay, None);
    }

    /// As [`delay_actions`](Self::delay_actions), for the Xsi-Actions requests whose last path
    /// segment is `verb` only (`new` for `calls/new`, `Hold`, `Talk`, …); others are answered
    /// at once.
    pub fn delay_action(&self, xsp: usize, verb: &str, delay: Duration) {
        self.hub.op_delay_actions(xsp, delay, Some(verb));
    }

    /// The next `count` Xsi-Actions requests to XSP `xsp` are carried out, then their
    /// connection is closed without an answer (recorded with status 0).
    pub fn drop_actions(&self, xsp: usize, count: u32) {
        self.hub.op_drop_actions(xsp, count);
    }

    /// While on, XSP `xsp` refuses connections (its listener is closed) and its existing
    /// connections, streams included, are closed.
    pub fn down(&self, xsp: usize, on: bool) {
        self.hub.op_down(xsp, on);
    }

    /// A consistent snapshot of channels, subscriptions, counters and recent requests.
    pub fn stats(&self) -> SimStats {
        self.hub.op_stats()
    }

    /// Polls [`Simulator::stats`] every few milliseconds until `pred` holds (true) or `timeout`
    /// passes (false).
    pub fn wait_for(&self, timeout: Duration, pred: impl Fn(&SimStats) -> bool) -> bool {
        let start = Instant::now();
        loop {
            if pred(&self.stats()) {
                return true;
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return false;
            }
            std::thread::sleep((timeout - waited).min(Duration::from_millis(5)));
        }
    }

    /// Starts a background producer of `count` call events (CallReceived, CallAnswered,
    /// CallHeld, CallRetrieved, CallReleased on fresh calls, about 1.3 KB each) spread over
    /// `dns`' subscriptions; returns at once. Progress: `stats().flood_sent`.
    pub fn flood(&self, dns: &[&str], count: u64) {
        self.hub.op_flood(dns, count, Pace::default());
    }

    /// As [`flood`](Simulator::flood), paced and probed as `pace` says.
    pub fn flood_paced(&self, dns: &[&str], count: u64, pace: Pace) {
        self.hub.op_flood(dns, count, pace);
    }

    /// `(probe key, CLOCK_MONOTONIC ns)` of every probed flood event written to a channel since
    /// the last call (see [`Pace::probe`]); the key is `extTrackingId number × 8 + step`, step
    /// 0–4 for CallReceived, CallAnswered, CallHeld, CallRetrieved, CallReleased.
    /// How many probe records there are so far (see [`take_probes`](Self::take_probes)).
    pub fn probes_recorded(&self) -> usize {
        self.hub.probes.len()
    }

    pub fn take_probes(&self) -> Vec<(u64, u64)> {
        self.hub.probes.take()
    }

    /// The documents of a flood of `count` events over `dns` exactly as a channel called
    /// `channel_id` carries them (one subscription per DN, of a throw-away state): the input of
    /// an in-process benchmark of the same work.
    pub fn flood_documents(
        cfg: &SimConfig,
        dns: &[&str],
        count: u64,
        channel_id: &str,
    ) -> Vec<Vec<u8>> {
        state::State::new(cfg).flood_documents(dns, count, channel_id)
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.hub.begin_shutdown();
        self.stop.take();
        for flags in &self.hub.xsps {
            if !*flags.down.lock() {
                server::poke(flags.addr);
            }
        }
        if let Some(addr) = self.control {
            server::poke(addr);
        }
        self.hub.join_all();
    }
}

#[cfg(test)]
mod tests;
