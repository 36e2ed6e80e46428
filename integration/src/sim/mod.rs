//! An XSP simulator: a stand-in for Cisco/BroadSoft BroadWorks Xsi-Events servers, for tests
//! and demos.
//!
//! [`Simulator::start`] binds one HTTP listener per configured XSP. All of them front one shared
//! "BroadWorks": channel sets, channels (owned by the XSP that received their POST),
//! subscriptions and unacknowledged events, following `docs/xsi-protocol.md` (§2 channels,
//! stream framing, heartbeats, acknowledgements and channel sets; §3 subscriptions; §4 events).
//! A small call model ([`Simulator::call`], [`Simulator::answer`], …) produces the events;
//! delivery shaping and fault injection exercise a client's recovery paths; [`Simulator::stats`]
//! shows what happened. Dropping the simulator stops every thread and closes every socket.
//!
//! Module map: `http` (request parsing, response writing), `server` (listener and connection
//! loops), `xsp` (the Xsi-Events endpoints), `stream` (channel stream writers), `state` (the
//! shared BroadWorks), `calls` (the call model), `control` (the JSON control API), `flood`
//! (load producer), `ops` (operations shared by this API and the control API), `hub` (what all
//! threads share), `stats`, `ids`, `xml`.
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

mod calls;
mod control;
mod flood;
mod http;
mod hub;
mod ids;
mod ops;
mod server;
mod state;
mod stats;
mod stream;
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

pub use stats::{ChannelInfo, RequestRecord, SimStats, SubscriptionInfo};

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
    /// An unacknowledged event is re-sent on another live channel of its set after this.
    pub ack_timeout: Duration,
    /// A channel without a heartbeat PUT for this long is closed.
    pub event_timeout: Option<Duration>,
    /// Where the control API listens, if anywhere.
    pub control: Option<SocketAddr>,
    /// Where notable events are logged, if anywhere.
    pub log: Option<LogFn>,
}

impl Default for SimConfig {
    /// Two XSPs on ephemeral loopback ports, `cti@example.net` / `secret`, domain
    /// `example.net`, ack timeout 2 s, no event timeout, no control API.
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
            ack_timeout: Duration::from_secs(2),
            event_timeout: None,
            control: None,
            log: None,
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
            hub.log(|| format!("{name} listening on http://{}", server::reachable(addr)));
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

    /// `http://IP:PORT` of each XSP, in configuration order.
    pub fn xsp_urls(&self) -> Vec<String> {
        self.hub
            .xsps
            .iter()
            .map(|x| format!("http://{}", server::reachable(x.addr)))
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
    /// other alerting leg.
    pub fn answer(&self, call: CallId) {
        self.hub.op_answer(call);
    }

    /// `by` holds: CallHeld (Held) to `by`, CallHeld (Remote Held) to the other party.
    pub fn hold(&self, call: CallId, by: &str) {
        self.hub.op_hold(call, by);
    }

    /// `by` retrieves: CallRetrieved to both parties.
    pub fn retrieve(&self, call: CallId, by: &str) {
        self.hub.op_retrieve(call, by);
    }

    /// `by` blind-transfers to `to`: CallRedirected + CallReleased to `by`, CallTransferred to
    /// the other party, CallReceived (with redirections) to `to`.
    pub fn blind_transfer(&self, call: CallId, by: &str, to: &str) {
        self.hub.op_blind_transfer(call, by, to);
    }

    /// `by`, a party of both calls, joins their other parties; the merged call keeps
    /// `active`'s id and extTrackingId.
    pub fn consult_transfer(&self, held: CallId, active: CallId, by: &str) {
        self.hub.op_consult_transfer(held, active, by);
    }

    /// `by`, a party of both calls, starts a conference: ConferenceStarted to `by` only.
    pub fn conference(&self, a: CallId, b: CallId, by: &str) {
        self.hub.op_conference(a, b, by);
    }

    /// Releases the call: CallReleased (local for `by`, remote for the others), then HookStatus
    /// On-Hook for parties left without calls.
    pub fn release(&self, call: CallId, by: &str) {
        self.hub.op_release(call, by);
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

    pub fn set_delivery(&self, mode: Delivery) {
        self.hub.op_set_delivery(mode);
    }

    pub fn set_chunking(&self, mode: Chunking) {
        self.hub.op_set_chunking(mode);
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
        self.hub.op_flood(dns, count);
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
mod tests {
    use super::testclient::*;
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    const T: Duration = Duration::from_secs(5);
    const SET: &str = "bwcsta-set";
    const APP: &str = "bwcsta-app";

    /// A simulator with a long ack timeout (no surprise re-sends), tweaked by `f`.
    fn start(f: impl FnOnce(&mut SimConfig)) -> Simulator {
        let mut cfg = SimConfig {
            ack_timeout: Duration::from_secs(30),
            ..SimConfig::default()
        };
        f(&mut cfg);
        Simulator::start(cfg).expect("start")
    }

    /// Subscribes to `user` on `url` and waits until the initial event has been generated.
    fn subscribe(sim: &Simulator, url: &str, user: &str) -> String {
        let resp = Client::connect(url).request(
            "POST",
            &format!("{EVENTS}/user/{user}"),
            &subscription_body(SET, APP),
        );
        assert_eq!(resp.status, 200, "{}", resp.body);
        let id = field(&resp.body, "subscriptionId");
        assert!(sim.wait_for(T, |s| s
            .subscriptions
            .iter()
            .any(|x| x.id == id && x.last_sequence >= 1)));
        id
    }

    fn ack(client: &mut Client, doc: &str, status: u16) {
        let resp = client.request(
            "POST",
            &format!("{EVENTS}/channel/eventresponse"),
            &ack_body(&field(doc, "eventID"), status),
        );
        assert_eq!(resp.status, 200);
    }

    fn kinds(docs: &[String]) -> Vec<String> {
        docs.iter().map(|d| doc_kind(d)).collect()
    }

    #[test]
    fn every_request_needs_basic_auth() {
        let sim = start(|_| {});
        let url = &sim.xsp_urls()[0];
        let paths = [
            ("PUT", format!("{EVENTS}/channel/nope/heartbeat")),
            ("POST", format!("{EVENTS}/user/2001@example.net")),
            ("GET", "/anything".to_string()),
            ("POST", ASYNC_CHANNEL.to_string()),
        ];
        let cases: &[(Option<(&str, &str)>, bool)] = &[
            (None, false),
            (Some((USER, "wrong")), false),
            (Some(("x", PASSWORD)), false),
        ];
        for (method, path) in &paths {
            for (auth, _) in cases {
                let mut c = Client::connect(url);
                c.send_raw(&request_with_auth(method, path, "", *auth));
                let resp = c.read_response();
                assert_eq!(resp.status, 401, "{method} {path} {auth:?}");
                assert!(
                    resp.head.contains("WWW-Authenticate: Basic"),
                    "{}",
                    resp.head
                );
                assert!(
                    resp.body
                        .contains("<ErrorInfo xmlns=\"http://schema.broadsoft.com/xsi\"><summary>"),
                    "{}",
                    resp.body
                );
            }
        }
        let resp = Client::connect(url).request("GET", "/anything", "");
        assert_eq!(resp.status, 404);
        assert!(
            !field(&resp.body, "summaryEnglish").is_empty()
                && !field(&resp.body, "errorCode").is_empty()
        );
    }

    #[test]
    fn a_channel_stream_starts_with_the_channel_document() {
        let sim = start(|_| {});
        let ch = ChannelReader::open(&sim.xsp_urls()[1], SET, APP);
        assert!(
            ch.head.contains("Content-Type: text/xml;charset=UTF-8"),
            "{}",
            ch.head
        );
        assert!(
            ch.head.contains("Transfer-Encoding: chunked"),
            "{}",
            ch.head
        );
        let expected = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><channelId>{}</channelId><expires>3600</expires></Channel>",
            ch.id
        );
        assert_eq!(ch.first_chunk, expected);
        assert_eq!(ch.chunk_sizes, [expected.len()]);
        let stats = sim.stats();
        let info = &stats.channels[0];
        assert_eq!(
            (
                info.id.as_str(),
                info.xsp,
                info.channel_set_id.as_str(),
                info.application_id.as_str(),
                info.open
            ),
            (ch.id.as_str(), 1, SET, APP, true)
        );
    }

    #[test]
    fn heartbeats_are_answered_on_the_owning_xsp_only() {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        let path = format!("{EVENTS}/channel/{}/heartbeat", ch.id);
        // (xsp, path, status)
        let cases = [
            (1, path.clone(), 404),
            (0, format!("{EVENTS}/channel/unknown/heartbeat"), 404),
            (0, path.clone(), 200),
        ];
        for (xsp, p, status) in &cases {
            let resp = Client::connect(&urls[*xsp]).request("PUT", p, "");
            assert_eq!(resp.status, *status, "xsp {xsp} {p}");
            if *status == 200 {
                assert!(resp.head.contains("Content-Length: 0") && resp.body.is_empty());
            } else {
                assert!(resp.body.contains("<ErrorInfo"));
            }
        }
        assert_eq!(ch.expect_doc(), stream::HEARTBEAT_DOC);
        assert_eq!(sim.stats().channels[0].heartbeats, 1);
    }

    #[test]
    fn a_subscription_is_answered_then_gets_its_initial_event() {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        let mut client = Client::connect(&urls[0]);
        let resp = client.request(
            "POST",
            &format!("{EVENTS}/user/2001@example.net"),
            &subscription_body(SET, APP),
        );
        assert_eq!(resp.status, 200);
        assert!(resp.body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Subscription xmlns=\"http://schema.broadsoft.com/xsi\"><subscriptionId>"));
        assert_eq!(field(&resp.body, "expires"), "3600");
        let sub_id = field(&resp.body, "subscriptionId");
        let doc = ch.expect_doc();
        assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\"><xsi:eventID>"), "{doc}");
        assert!(doc.ends_with("<xsi:eventData xsi1:type=\"xsi:CallSubscriptionEvent\"><xsi:hookStatus>On-Hook</xsi:hookStatus></xsi:eventData></xsi:Event>"), "{doc}");
        for (name, want) in [
            ("sequenceNumber", "1"),
            ("userId", USER),
            ("externalApplicationId", APP),
            ("subscriptionId", &sub_id),
            ("channelId", &ch.id),
            ("targetId", "2001@example.net"),
        ] {
            assert_eq!(field(&doc, name), want, "{name}");
        }
        assert_eq!(field(&doc, "eventID").len(), 36);
        assert_eq!(sim.stats().unacked, 1);
        ack(&mut client, &doc, 200);
        assert!(sim.wait_for(T, |s| s.unacked == 0
            && s.acked() == 1
            && s.acks_wrong_xsp == 0));
        let stats = sim.stats();
        let sub = &stats.subscriptions[0];
        assert_eq!(
            (
                sub.id.as_str(),
                sub.user_id.as_str(),
                sub.event.as_str(),
                sub.active
            ),
            (sub_id.as_str(), "2001@example.net", "Advanced Call", true)
        );
    }

    #[test]
    fn a_call_reaches_both_parties_in_order_with_one_tracking_id() {
        let sim = start(|_| {});
        let url = &sim.xsp_urls()[0];
        let mut ch = ChannelReader::open(url, SET, APP);
        let mut client = Client::connect(url);
        subscribe(&sim, url, "2001@example.net");
        subscribe(&sim, url, "2002@example.net");
        for _ in 0..2 {
            ack(&mut client, &ch.expect_doc(), 200);
        }
        let call = sim.call("2001", "2002");
        let docs: Vec<String> = (0..3).map(|_| ch.expect_doc()).collect();
        let by_target = |docs: &[String], user: &str| {
            docs.iter()
                .filter(|d| field(d, "targetId") == user)
                .cloned()
                .collect::<Vec<_>>()
        };
        let (a, b) = (
            by_target(&docs, "2001@example.net"),
            by_target(&docs, "2002@example.net"),
        );
        assert_eq!(kinds(&a), ["HookStatusEvent", "CallOriginatedEvent"]);
        assert_eq!(kinds(&b), ["CallReceivedEvent"]);
        assert_eq!(
            a.iter()
                .map(|d| field(d, "sequenceNumber"))
                .collect::<Vec<_>>(),
            ["2", "3"]
        );
        assert_eq!(field(&b[0], "sequenceNumber"), "2");
        let ext = format!("{}:1", call.0);
        assert_eq!(
            (field(&a[1], "extTrackingId"), field(&b[0], "extTrackingId")),
            (ext.clone(), ext.clone())
        );
        assert_eq!(
            (
                field(&a[1], "personality"),
                field(&a[1], "address"),
                field(&a[1], "callType")
            ),
            ("Originator".into(), "tel:2002".into(), "Group".into())
        );
        assert_eq!(
            (field(&b[0], "personality"), field(&b[0], "state")),
            ("Terminator".into(), "Alerting".into())
        );
        assert!(b[0].contains("<xsi:allowAnswer/>"));
        for d in &docs {
            ack(&mut client, d, 200);
        }
        sim.answer(call);
        sim.release(call, "2002");
        let docs: Vec<String> = (0..7).map(|_| ch.expect_doc()).collect();
        let seen: Vec<(String, String)> = docs
            .iter()
            .map(|d| (field(d, "targetId")[..4].to_string(), doc_kind(d)))
            .collect();
        let want = [
            ("2002", "HookStatusEvent"),
            ("2002", "CallAnsweredEvent"),
            ("2001", "CallAnsweredEvent"),
            ("2002", "CallReleasedEvent"),
            ("2001", "CallReleasedEvent"),
            ("2002", "HookStatusEvent"),
            ("2001", "HookStatusEvent"),
        ];
        assert_eq!(seen, want.map(|(a, b)| (a.to_string(), b.to_string())));
        assert!(docs
            .iter()
            .filter(|d| doc_kind(d).starts_with("Call"))
            .all(|d| field(d, "extTrackingId") == ext));
    }

    #[test]
    fn events_alternate_between_the_channels_of_a_set() {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        let mut a = ChannelReader::open(&urls[0], SET, APP);
        let mut b = ChannelReader::open(&urls[1], SET, APP);
        subscribe(&sim, &urls[0], "2001@example.net");
        sim.call("2001", "2002");
        let (a1, b1, a2) = (a.expect_doc(), b.expect_doc(), a.expect_doc());
        assert_eq!(
            kinds(&[a1.clone(), b1.clone(), a2.clone()]),
            [
                "CallSubscriptionEvent",
                "HookStatusEvent",
                "CallOriginatedEvent"
            ]
        );
        assert_eq!(
            [
                field(&a1, "sequenceNumber"),
                field(&b1, "sequenceNumber"),
                field(&a2, "sequenceNumber")
            ],
            ["1", "2", "3"]
        );
        assert_eq!(
            (field(&a1, "channelId"), field(&b1, "channelId")),
            (a.id.clone(), b.id.clone())
        );
        let stats = sim.stats();
        assert_eq!(
            stats
                .channels
                .iter()
                .map(|c| c.events_sent)
                .collect::<Vec<_>>(),
            [2, 1]
        );
    }

    #[test]
    fn an_unacknowledged_event_is_resent_on_the_other_channel() {
        let sim = start(|c| c.ack_timeout = Duration::from_millis(100));
        let urls = sim.xsp_urls();
        let mut a = ChannelReader::open(&urls[0], SET, APP);
        let mut b = ChannelReader::open(&urls[1], SET, APP);
        subscribe(&sim, &urls[0], "2001@example.net");
        let first = a.expect_doc();
        let again = b.expect_doc();
        assert_eq!(
            (field(&again, "eventID"), field(&again, "sequenceNumber")),
            (field(&first, "eventID"), "1".to_string())
        );
        assert_eq!(field(&again, "channelId"), b.id);
        ack(&mut Client::connect(&urls[1]), &again, 200);
        assert!(sim.wait_for(T, |s| s.unacked == 0
            && s.events_resent >= 1
            && s.acks_wrong_xsp == 0));
    }

    #[test]
    fn acknowledgement_status_codes() {
        // (status, subscription still active, event re-sent on the other channel, first channel still open)
        let cases = [
            (200, true, false, true),
            (400, true, false, true),
            (481, false, false, true),
            (500, true, true, true),
            (404, true, true, false),
        ];
        for (status, active, resent, open) in cases {
            let sim = start(|_| {});
            let urls = sim.xsp_urls();
            let mut a = ChannelReader::open(&urls[0], SET, APP);
            let mut b = ChannelReader::open(&urls[1], SET, APP);
            subscribe(&sim, &urls[0], "2001@example.net");
            let doc = a.expect_doc();
            ack(&mut Client::connect(&urls[0]), &doc, status);
            assert!(
                sim.wait_for(T, |s| s.acks_by_status.get(&status) == Some(&1)),
                "status {status}"
            );
            let stats = sim.stats();
            assert_eq!(stats.subscriptions[0].active, active, "status {status}");
            assert_eq!(stats.channels[0].open, open, "status {status}");
            if resent {
                assert_eq!(
                    field(&b.expect_doc(), "eventID"),
                    field(&doc, "eventID"),
                    "status {status}"
                );
            } else {
                assert!(b.quiet_for(Duration::from_millis(100)), "status {status}");
                assert_eq!(stats.unacked, 0);
            }
            if !open {
                assert_eq!(doc_kind(&a.expect_doc()), "ChannelTerminatedEvent");
            }
            if !active {
                sim.call("2001", "2002");
                assert!(
                    a.quiet_for(Duration::from_millis(100)),
                    "no events after 481"
                );
            }
        }
    }

    #[test]
    fn subscriptions_outlive_channels_and_queue_until_one_is_back() {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        subscribe(&sim, &urls[0], "2001@example.net");
        sim.call("2001", "2002");
        let mut ch = ChannelReader::open(&urls[1], SET, APP);
        let docs = [ch.expect_doc(), ch.expect_doc(), ch.expect_doc()];
        assert_eq!(
            kinds(&docs),
            [
                "CallSubscriptionEvent",
                "HookStatusEvent",
                "CallOriginatedEvent"
            ]
        );
        // The client goes away: the channel is noticed closed, the subscription stays.
        drop(ch);
        assert!(sim.wait_for(T, |s| !s.channels[0].open
            && s.channels[0].close_reason.as_deref() == Some("connection lost")));
        let call = sim.call("2001", "2003");
        sim.release(call, "2001");
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        let docs = [ch.expect_doc(), ch.expect_doc()];
        assert_eq!(kinds(&docs), ["CallOriginatedEvent", "CallReleasedEvent"]);
        assert_eq!(docs.map(|d| field(&d, "sequenceNumber")), ["4", "5"]);
        assert!(sim.stats().subscriptions[0].active);
    }

    #[test]
    fn deleting_a_channel_ends_its_stream() {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        let path = format!("{EVENTS}/channel/{}", ch.id);
        assert_eq!(
            Client::connect(&urls[1])
                .request("DELETE", &path, "")
                .status,
            404
        );
        assert_eq!(
            Client::connect(&urls[0])
                .request("DELETE", &path, "")
                .status,
            200
        );
        let doc = ch.expect_doc();
        assert_eq!(
            doc,
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:ChannelTerminatedEvent\"><xsi:channelId>{}</xsi:channelId><xsi:reason>ExplicitDelete</xsi:reason></xsi:Event>", ch.id)
        );
        assert_eq!(ch.next_doc(T), testclient::Item::End);
        assert_eq!(ch.next_doc(T), testclient::Item::Eof);
        let stats = sim.stats();
        assert!(stats.channels[0].deleted_explicitly && !stats.channels[0].open);
        assert_eq!(
            Client::connect(&urls[0])
                .request("DELETE", &path, "")
                .status,
            404
        );
    }

    #[test]
    fn channel_renewal_subscription_refresh_and_delete() {
        let sim = start(|_| {});
        let url = &sim.xsp_urls()[0];
        let mut ch = ChannelReader::open(url, SET, APP);
        let mut client = Client::connect(url);
        let renew = client.request(
            "PUT",
            &format!("{EVENTS}/channel/{}", ch.id),
            "<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><expires>7200</expires></Channel>",
        );
        assert_eq!(
            (
                renew.status,
                field(&renew.body, "channelId"),
                field(&renew.body, "expires")
            ),
            (200, ch.id.clone(), "7200".to_string())
        );
        let sub = subscribe(&sim, url, "2001@example.net");
        ch.expect_doc();
        let refresh = client.request("PUT", &format!("{EVENTS}/subscription/{sub}"), "<Subscription xmlns=\"http://schema.broadsoft.com/xsi\"><expires>3600</expires></Subscription>");
        assert_eq!(
            (refresh.status, field(&refresh.body, "subscriptionId")),
            (200, sub.clone())
        );
        let snap = ch.expect_doc();
        assert_eq!(
            (doc_kind(&snap), field(&snap, "sequenceNumber")),
            ("CallSubscriptionEvent".into(), "2".into())
        );
        assert_eq!(
            client
                .request("DELETE", &format!("{EVENTS}/subscription/{sub}"), "")
                .status,
            200
        );
        let term = ch.expect_doc();
        assert!(
            term.contains(
                "<xsi:eventData xsi1:type=\"xsi:SubscriptionTerminatedEvent\"/></xsi:Event>"
            ),
            "{term}"
        );
        assert_eq!(field(&term, "sequenceNumber"), "3");
        for (method, path) in [
            ("PUT", format!("{EVENTS}/subscription/{sub}")),
            ("DELETE", format!("{EVENTS}/subscription/{sub}")),
            ("PUT", format!("{EVENTS}/subscription/nope")),
        ] {
            let resp = client.request(method, &path, "");
            assert_eq!(resp.status, 404, "{method} {path}");
            assert!(resp.body.contains("<ErrorInfo"));
        }
        let stats = sim.stats();
        assert_eq!(
            (
                stats.subscriptions[0].refreshes,
                stats.subscriptions[0].active,
                stats.channels[0].expires
            ),
            (1, false, 7200)
        );
    }

    #[test]
    fn faults_close_terminate_stall_and_fail() {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        // Abrupt close: EOF without the terminating chunk.
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        sim.close_channels(0);
        assert_eq!(ch.next_doc(T), testclient::Item::Eof);
        assert!(sim.wait_for(T, |s| !s.channels[0].open));
        // Terminate: the event, then the end of the body.
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        sim.terminate_channels(0, "NonResponsiveChannel");
        let doc = ch.expect_doc();
        assert_eq!(
            (
                doc_kind(&doc),
                field(&doc, "reason"),
                field(&doc, "channelId")
            ),
            (
                "ChannelTerminatedEvent".into(),
                "NonResponsiveChannel".into(),
                ch.id.clone()
            )
        );
        assert_eq!(ch.next_doc(T), testclient::Item::End);
        // Stall: nothing is written, requests are still answered; everything comes after.
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        sim.stall(0, true);
        subscribe(&sim, &urls[0], "2001@example.net");
        let hb = Client::connect(&urls[0]).request(
            "PUT",
            &format!("{EVENTS}/channel/{}/heartbeat", ch.id),
            "",
        );
        assert_eq!(hb.status, 200);
        assert!(ch.quiet_for(Duration::from_millis(150)));
        sim.stall(0, false);
        assert_eq!(
            kinds(&[ch.expect_doc(), ch.expect_doc()]),
            ["CallSubscriptionEvent", "heartbeat"]
        );
        // Injected statuses, then normal service.
        sim.fail_requests(1, 503, 2);
        let mut c = Client::connect(&urls[1]);
        for want in [503, 503, 404] {
            let resp = c.request("GET", "/nothing", "");
            assert_eq!(resp.status, want);
            assert!(resp.body.contains("<ErrorInfo"));
        }
        sim.fail_requests(1, 500, 1);
        let resp =
            Client::connect(&urls[1]).request("POST", ASYNC_CHANNEL, &channel_body(SET, APP));
        assert_eq!(resp.status, 500, "channel POSTs fail too");
        let statuses: Vec<u16> = sim
            .stats()
            .requests
            .iter()
            .filter(|r| r.xsp == 1)
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, [503, 503, 404, 500]);
    }

    #[test]
    fn duplicate_and_swapped_delivery() {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        let mut a = ChannelReader::open(&urls[0], SET, APP);
        let mut b = ChannelReader::open(&urls[1], SET, APP);
        sim.set_delivery(Delivery::Duplicate);
        subscribe(&sim, &urls[0], "2001@example.net");
        let (da, db) = (a.expect_doc(), b.expect_doc());
        assert_eq!(field(&da, "eventID"), field(&db, "eventID"));
        assert_ne!(field(&da, "channelId"), field(&db, "channelId"));
        sim.set_delivery(Delivery::SwapPairs);
        sim.hold(sim.call("2001", "2002"), "2001"); // HookStatus (seq 2) and CallOriginated (seq 3)
        let mut got = [a.expect_doc(), b.expect_doc()];
        got.sort_by_key(|d| field(d, "channelId") != a.id);
        let seqs = got.map(|d| field(&d, "sequenceNumber"));
        assert_eq!(
            seqs,
            ["3", "2"],
            "seq 3 goes out first, on the next channel in turn"
        );
        sim.set_delivery(Delivery::Normal);
    }

    #[test]
    fn a_down_xsp_refuses_connections() {
        let sim = start(|_| {});
        let urls = sim.xsp_urls();
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        let mut idle = Client::connect(&urls[0]);
        sim.down(0, true);
        assert_eq!(ch.next_doc(T), testclient::Item::Eof);
        let mut buf = [0u8; 16];
        assert_eq!(
            idle.stream.read(&mut buf).unwrap_or(0),
            0,
            "request connections are closed too"
        );
        let refused = |url: &str| TcpStream::connect(host_of(url)).is_err();
        let deadline = Instant::now() + T;
        while !refused(&urls[0]) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(refused(&urls[0]));
        assert!(!refused(&urls[1]));
        sim.down(0, false);
        let deadline = Instant::now() + T;
        while refused(&urls[0]) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            Client::connect(&urls[0]).request("GET", "/x", "").status,
            404
        );
        assert!(sim.wait_for(T, |s| !s.channels[0].open));
    }

    #[test]
    fn pipelined_requests_are_answered_in_order() {
        let sim = start(|_| {});
        let url = &sim.xsp_urls()[0];
        let mut ch = ChannelReader::open(url, SET, APP);
        subscribe(&sim, url, "2001@example.net");
        let doc = ch.expect_doc();
        let mut bytes = request_bytes(
            "POST",
            &format!("{EVENTS}/channel/eventresponse"),
            &ack_body(&field(&doc, "eventID"), 200),
        );
        bytes.extend(request_bytes("GET", "/unknown", ""));
        bytes.extend(request_bytes(
            "PUT",
            &format!("{EVENTS}/channel/{}/heartbeat", ch.id),
            "",
        ));
        bytes.extend(request_bytes(
            "POST",
            &format!("{EVENTS}/channel/eventresponse"),
            &ack_body("not-an-id", 200),
        ));
        let mut c = Client::connect(url);
        c.send_raw(&bytes);
        let statuses: Vec<u16> = (0..4).map(|_| c.read_response().status).collect();
        assert_eq!(statuses, [200, 404, 200, 200]);
        assert!(sim.wait_for(T, |s| s.acked() == 2 && s.unacked == 0));
    }

    #[test]
    fn malformed_requests_are_refused_and_closed() {
        let sim = start(|_| {});
        let url = &sim.xsp_urls()[0];
        let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(70 * 1024));
        let cases: &[(&[u8], u16)] = &[
            (big.as_bytes(), 413),
            (b"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413),
            (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
            (b"NOT HTTP AT ALL\r\n\r\n", 400),
            (b"\x00\x01\x02 / HTTP/1.1\r\n\r\n", 400),
        ];
        for (raw, status) in cases {
            let mut c = Client::connect(url);
            c.send_raw(raw);
            let resp = c.read_response();
            assert_eq!(resp.status, *status);
            assert!(resp.head.contains("Connection: close"));
            let mut buf = [0u8; 16];
            assert_eq!(
                c.stream.read(&mut buf).unwrap_or(0),
                0,
                "closed after the error"
            );
        }
        // Garbage bodies are harmless.
        let mut c = Client::connect(url);
        for body in [
            "",
            "<",
            "<EventResponse><eventID>",
            "\u{0}\u{1}<statusCode>99999999</statusCode>",
        ] {
            assert_eq!(
                c.request("POST", &format!("{EVENTS}/channel/eventresponse"), body)
                    .status,
                200
            );
            assert_eq!(
                c.request("POST", &format!("{EVENTS}/user/x"), body).status,
                400
            );
            assert_eq!(
                c.request("PUT", &format!("{EVENTS}/channel/bogus"), body)
                    .status,
                404
            );
        }
        assert_eq!(sim.stats().acks_by_status.get(&0), Some(&4));
    }

    #[test]
    fn channels_without_heartbeats_time_out() {
        let sim = start(|c| c.event_timeout = Some(Duration::from_millis(150)));
        let mut ch = ChannelReader::open(&sim.xsp_urls()[0], SET, APP);
        assert_eq!(ch.next_doc(T), testclient::Item::End);
        assert!(sim.wait_for(T, |s| s.channels_timed_out == 1 && !s.channels[0].open));
    }

    #[test]
    fn split_and_coalesced_chunks_carry_the_same_documents() {
        let sim = start(|_| {});
        let url = &sim.xsp_urls()[0];
        let mut ch = ChannelReader::open(url, SET, APP);
        sim.set_chunking(Chunking::Split);
        subscribe(&sim, url, "2001@example.net");
        sim.call("2001", "2002");
        let docs: Vec<String> = (0..3).map(|_| ch.expect_doc()).collect();
        assert_eq!(
            kinds(&docs),
            [
                "CallSubscriptionEvent",
                "HookStatusEvent",
                "CallOriginatedEvent"
            ]
        );
        assert!(ch.chunk_sizes.len() > 2 * 3, "{:?}", ch.chunk_sizes);
        sim.set_chunking(Chunking::Coalesce);
        sim.stall(0, true);
        let call = sim.call("2001", "2003");
        sim.release(call, "2001");
        let before = ch.chunk_sizes.len();
        sim.stall(0, false);
        let docs: Vec<String> = (0..2).map(|_| ch.expect_doc()).collect();
        assert_eq!(kinds(&docs), ["CallOriginatedEvent", "CallReleasedEvent"]);
        assert_eq!(
            ch.chunk_sizes.len(),
            before + 1,
            "one chunk for the queued documents"
        );
    }

    #[test]
    fn the_control_api_drives_the_simulator() {
        let sim = start(|c| c.control = Some(SocketAddr::from(([127, 0, 0, 1], 0))));
        let ctl = format!("http://{}", sim.control_addr().unwrap());
        let url = &sim.xsp_urls()[0];
        let mut ch = ChannelReader::open(url, SET, APP);
        subscribe(&sim, url, "2002@example.net");
        ch.expect_doc();
        let mut c = Client::connect(&ctl);
        let cases: &[(&str, &str, u16, &str)] = &[
            ("POST", "/sim/call?from=2001&to=2002", 200, "{\"call\":1}"),
            ("POST", "/sim/answer?call=1", 200, "{\"ok\":true}"),
            ("POST", "/sim/answer?call=99", 400, "not applicable"),
            ("POST", "/sim/call?from=2001", 400, "missing parameter to"),
            ("POST", "/sim/hold?call=x&by=2001", 400, "not a number"),
            (
                "POST",
                "/sim/delivery?mode=sideways",
                400,
                "unknown delivery mode",
            ),
            ("POST", "/sim/chunking?mode=one", 200, "ok"),
            (
                "POST",
                "/sim/fault/status?xsp=9&code=503&count=1",
                400,
                "no xsp 9",
            ),
            (
                "POST",
                "/sim/fault/stall?xsp=1&on=maybe",
                400,
                "must be 1 or 0",
            ),
            ("POST", "/sim/fault/stall?xsp=1&on=0", 200, "ok"),
            ("POST", "/sim/nope", 404, "unknown command"),
            ("DELETE", "/sim/stats", 405, "not allowed"),
        ];
        for (method, path, status, body) in cases {
            let resp = c.request(method, path, "");
            assert_eq!(resp.status, *status, "{path}: {}", resp.body);
            assert!(resp.body.contains(body), "{path}: {}", resp.body);
            assert!(resp.head.contains("Content-Type: application/json"));
        }
        assert_eq!(
            kinds(&[ch.expect_doc(), ch.expect_doc()]),
            ["CallReceivedEvent", "HookStatusEvent"]
        );
        let stats = c.request("GET", "/sim/stats", "");
        let v: serde_json::Value = serde_json::from_str(&stats.body).unwrap();
        assert_eq!(v["channels"][0]["id"], serde_json::json!(ch.id));
        assert_eq!(
            v["subscriptions"][0]["user_id"],
            serde_json::json!("2002@example.net")
        );
        assert!(v["events_generated"].as_u64().unwrap() >= 3);
    }

    #[test]
    fn dropping_the_simulator_closes_everything() {
        let sim = start(|c| c.control = Some(SocketAddr::from(([127, 0, 0, 1], 0))));
        let urls = sim.xsp_urls();
        let mut ch = ChannelReader::open(&urls[0], SET, APP);
        let mut idle = Client::connect(&urls[1]);
        let ctl = Client::connect(&format!("http://{}", sim.control_addr().unwrap()));
        sim.stall(0, true);
        sim.down(1, true);
        let t0 = Instant::now();
        drop(sim);
        assert!(
            t0.elapsed() < Duration::from_secs(2),
            "drop took {:?}",
            t0.elapsed()
        );
        assert_eq!(ch.next_doc(T), testclient::Item::Eof);
        let mut buf = [0u8; 8];
        assert_eq!(idle.stream.read(&mut buf).unwrap_or(0), 0);
        drop(ctl);
        assert!(TcpStream::connect(host_of(&urls[0])).is_err());
    }

    /// A fake high-rate client: one stream reader per channel that acks every event on a
    /// keep-alive connection to the same XSP with pipelined requests, and a thread per ack
    /// connection counting the responses. Returns (events acked, channels).
    struct FastClient {
        acked: Arc<AtomicU64>,
        stop: Arc<AtomicBool>,
        threads: Vec<std::thread::JoinHandle<()>>,
    }

    impl FastClient {
        fn start(urls: &[String]) -> (FastClient, Vec<String>) {
            let acked = Arc::new(AtomicU64::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let mut threads = Vec::new();
            let mut ids = Vec::new();
            for url in urls {
                let ch = ChannelReader::open(url, SET, APP);
                ids.push(ch.id.clone());
                let ack_conn = TcpStream::connect(host_of(url)).unwrap();
                ack_conn.set_nodelay(true).unwrap();
                let mut responses = ack_conn.try_clone().unwrap();
                let (acked2, stop2) = (acked.clone(), stop.clone());
                threads.push(std::thread::spawn(move || {
                    responses
                        .set_read_timeout(Some(Duration::from_millis(50)))
                        .unwrap();
                    let mut buf = vec![0u8; 256 * 1024];
                    let mut tail = 0usize; // bytes of a partial "\r\n\r\n" match carried over
                    while !stop2.load(Ordering::Relaxed) {
                        let n = match responses.read(&mut buf[..]) {
                            Ok(0) => return,
                            Ok(n) => n,
                            Err(_) => continue,
                        };
                        // Every response is header-only (Content-Length: 0): count terminators.
                        let mut count = 0;
                        for &b in &buf[..n] {
                            tail = match (tail, b) {
                                (0, b'\r') | (2, b'\r') => tail + 1,
                                (1, b'\n') => 2,
                                (3, b'\n') => {
                                    count += 1;
                                    0
                                }
                                (_, b'\r') => 1,
                                _ => 0,
                            };
                        }
                        acked2.fetch_add(count, Ordering::Relaxed);
                    }
                }));
                let stop3 = stop.clone();
                threads.push(std::thread::spawn(move || fast_reader(ch, ack_conn, stop3)));
            }
            (
                FastClient {
                    acked,
                    stop,
                    threads,
                },
                ids,
            )
        }
    }

    impl Drop for FastClient {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            for t in self.threads.drain(..) {
                let _ = t.join();
            }
        }
    }

    /// Reads the chunked stream in big reads and acks every event found.
    fn fast_reader(mut ch: ChannelReader, mut ack_conn: TcpStream, stop: Arc<AtomicBool>) {
        ch.stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let auth = format!(
            "Basic {}",
            http::base64_encode(format!("{USER}:{PASSWORD}").as_bytes())
        );
        let mut raw: Vec<u8> = Vec::with_capacity(512 * 1024);
        let mut buf = vec![0u8; 256 * 1024];
        let mut acks: Vec<u8> = Vec::with_capacity(256 * 1024);
        let mut text: Vec<u8> = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            match ch.stream.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
                Err(_) => continue,
            }
            // De-chunk.
            let mut pos = 0;
            while let Some(nl) = raw[pos..].iter().position(|&b| b == b'\n') {
                let size = usize::from_str_radix(
                    std::str::from_utf8(&raw[pos..pos + nl]).unwrap().trim(),
                    16,
                )
                .unwrap();
                let start = pos + nl + 1;
                if raw.len() < start + size + 2 {
                    break;
                }
                text.extend_from_slice(&raw[start..start + size]);
                pos = start + size + 2;
            }
            raw.drain(..pos);
            // Ack every complete event.
            let s = std::str::from_utf8(&text).unwrap();
            let mut consumed = 0;
            while let Some(end) = s[consumed..].find("</xsi:Event>") {
                let doc = &s[consumed..consumed + end];
                if let Some(i) = doc.find("<xsi:eventID>") {
                    let id = &doc[i + 13..i + 13 + 36];
                    let body = ack_body(id, 200);
                    let _ = write!(
                        acks,
                        "POST /com.broadsoft.xsi-events/v2.0/channel/eventresponse HTTP/1.1\r\nHost: xsp\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                }
                consumed += end + 12;
            }
            text.drain(..consumed);
            if !acks.is_empty() {
                if ack_conn.write_all(&acks).is_err() {
                    return;
                }
                acks.clear();
            }
        }
    }

    /// CPU seconds used so far by the simulator's threads (Linux `/proc`; 0 elsewhere).
    fn simulator_cpu_seconds() -> f64 {
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return 0.0;
        };
        let mut ticks = 0u64;
        for task in tasks.flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if !(comm.starts_with("xsp") || comm.starts_with("sim-")) {
                continue;
            }
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            let after_name = stat.rsplit(')').next().unwrap_or("");
            let fields: Vec<&str> = after_name.split_whitespace().collect();
            // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after the name.
            ticks += fields
                .get(11)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            ticks += fields
                .get(12)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        ticks as f64 / 100.0
    }

    fn flood_through(channels: usize, count: u64) -> f64 {
        let sim = start(|_| {});
        let urls: Vec<String> = sim.xsp_urls().into_iter().take(channels).collect();
        let (client, _) = FastClient::start(&urls);
        subscribe(&sim, &urls[0], "2001@example.net");
        assert!(sim.wait_for(T, |s| s.acked() == 1));
        // The client counts responses; wait until it has seen the one to the initial event.
        let deadline = Instant::now() + T;
        while client.acked.load(Ordering::Relaxed) < 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let base = 1;
        let t0 = Instant::now();
        let cpu0 = simulator_cpu_seconds();
        sim.flood(&["2001"], count);
        let deadline = t0 + Duration::from_secs(120);
        while client.acked.load(Ordering::Relaxed) < base + count && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let elapsed = t0.elapsed();
        assert_eq!(
            client.acked.load(Ordering::Relaxed),
            base + count,
            "every flood event acked"
        );
        let cpu = simulator_cpu_seconds() - cpu0;
        assert!(sim.wait_for(T, |s| s.flood_sent == count
            && s.unacked == 0
            && s.acked() == count + 1));
        if count >= 100_000 {
            println!(
                "  simulator threads: {cpu:.2} CPU s for {count} events ({:.1} µs/event)",
                cpu * 1e6 / count as f64
            );
        }
        count as f64 / elapsed.as_secs_f64()
    }

    #[test]
    fn a_flood_reaches_an_acking_client() {
        let rate = flood_through(2, 5_000);
        assert!(rate > 0.0);
    }

    /// `cargo test --release -- --ignored --nocapture flood_throughput`
    #[test]
    #[ignore]
    fn flood_throughput() {
        for channels in [1, 2] {
            let rate = flood_through(channels, 200_000);
            println!("flood of 200000 events over {channels} channel(s): {rate:.0} events/s");
        }
    }
}
