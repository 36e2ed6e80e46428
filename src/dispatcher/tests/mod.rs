//! Tests of the dispatcher's `State`, driven as the dispatcher thread drives
//! it: [`Event`]s in (CSTA requests, link changes, subscription results,
//! Xsi events), then `flush`, and the timer tick. Sessions are in-memory
//! outboxes plus a real loopback socket (the dispatcher shuts it down when
//! it cuts a client off); worker jobs arrive on an in-memory channel. Every
//! frame a session gets is decoded, parsed and checked against the ECMA-323
//! ed3 structure (`csta::schema_check`).
//!
//! Themes: `subscriptions` (shared subscriptions, reference counts,
//! MonitorStart waiting for its subscriptions, the packages of each device
//! kind), `links` (all links down and
//! back), `sessions` (slow session cut off, a session closing with monitors
//! and pending requests), `control` (call-control requests and their jobs),
//! `contact` (route points, agents and call centres), `storms` (many
//! MonitorStarts: answers in order, clients taking turns, refresh timing).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver};

use super::{ActionQueue, Ctx, DispatcherConfig, State};
use crate::config::{ClientEntry, DevicePattern, DevicesConfig};
use crate::csta::clients::Peer;
use crate::csta::edition::Edition;
use crate::csta::frame::{FrameDecoder, InvokeId};
use crate::csta::parse::{self, Message};
use crate::csta::schema_check::{self, ED3};
use crate::event::{
    ClientEvent, ClientId, Event, LinkEvent, LinkId, Outbound, SubscriptionError,
    SubscriptionResult,
};
use crate::xsi::client::LinkFlags;
use crate::xsi::executor::ActionJob;
use crate::xsi::known::KnownSubscriptions;
use crate::xsi::parse::{parse_doc, XsiDoc};
use crate::xsi::subscriber::Job;

mod contact;
mod control;
mod control_races;
mod grace;
mod links;
mod routeing;
mod scope;
mod sessions;
mod storms;
mod subscriptions;

const NS: &str = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
const DOMAIN: &str = "example.net";
const CALL_PACKAGE: &str = "Advanced Call";

/// The devices of the tests: call centre 5000, route point 6000, agents
/// 3001 and 3002; everything else is a plain user.
fn devices() -> DevicesConfig {
    let exact = |t: &str| DevicePattern::Exact(t.to_owned());
    DevicesConfig {
        call_centers: vec![exact("5000")],
        route_points: vec![exact("6000")],
        agents: vec![DevicePattern::Prefix("300".to_owned())],
        treatment_audio_urls: vec!["http://media.example.net/welcome.wav".to_owned()],
    }
}

/// One test client: what the dispatcher queued for it, and the far end of
/// its socket.
struct Client {
    outbox: Receiver<Outbound>,
    socket: TcpStream,
}

/// The dispatcher's state and everything around it.
pub(super) struct Harness {
    st: State,
    ctx: Ctx,
    jobs: Receiver<Job>,
    /// Call-control jobs for the workers (room for 4).
    actions: Receiver<ActionJob>,
    clients: BTreeMap<u64, Client>,
    /// Sequence numbers per subscription, and a counter for event ids.
    sequence: BTreeMap<String, u32>,
    events: u64,
}

impl Harness {
    /// Links `xsp1`…`xspN`, all still connecting; ed3 toward clients.
    pub(super) fn new(links: usize) -> Harness {
        Harness::with_workers(links, 16)
    }

    /// As [`new`](Self::new), with `workers` subscription workers (twice as
    /// many jobs are handed out at once).
    pub(super) fn with_workers(links: usize, workers: usize) -> Harness {
        let (jobs_tx, jobs) = unbounded();
        let (actions_tx, actions) = bounded(4);
        let ctx = Ctx {
            cfg: DispatcherConfig {
                edition: Edition::Ed3,
                system_status_on_connect: false,
                default_domain: Some(DOMAIN.to_owned()),
                link_names: (1..=links).map(|i| format!("xsp{i}")).collect(),
                reorder_wait: std::time::Duration::from_secs(5),
                subscription_workers: workers,
                event_package: "Advanced Call".to_owned(),
                feature_packages: Vec::new(),
                devices: devices(),
            },
            jobs: jobs_tx,
            actions: ActionQueue {
                jobs: actions_tx,
                attempt_timeout: Duration::from_secs(1),
                servers: links,
            },
            known: Arc::new(KnownSubscriptions::new()),
            flags: Arc::new(LinkFlags::new(links)),
            status_poke: None,
        };
        Harness {
            st: State::new(&ctx.cfg),
            ctx,
            jobs,
            actions,
            clients: BTreeMap::new(),
            sequence: BTreeMap::new(),
            events: 0,
        }
    }

    /// What the dispatcher thread does with one inbox message.
    pub(super) fn send(&mut self, ev: Event) {
        self.st.handle(&self.ctx, ev);
        self.st.flush(&self.ctx);
        self.st.devices.check_counts();
    }

    /// A timer tick `later` from now.
    pub(super) fn tick(&mut self, later: Duration) {
        self.st.on_tick(&self.ctx, Instant::now() + later);
        self.st.flush(&self.ctx);
        self.st.devices.check_counts();
    }

    /// The grace period of unmonitored devices passes (a tick after it):
    /// their subscriptions are deleted.
    pub(super) fn grace_over(&mut self) {
        self.tick(super::devices::GRACE + Duration::from_secs(1));
    }

    /// Client `id` connects, with room for `capacity` queued frames.
    pub(super) fn connect_with_outbox(&mut self, id: u64, capacity: usize) {
        self.connect_client(id, capacity, None);
    }

    /// Client `id` connects as the `csta.clients` entry `client`.
    pub(super) fn connect_as(&mut self, id: u64, client: ClientEntry) {
        self.connect_client(id, 1024, Some(Arc::new(client)));
    }

    fn connect_client(&mut self, id: u64, capacity: usize, client: Option<Arc<ClientEntry>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let socket = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (server, peer) = listener.accept().expect("accept");
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let (outbox_tx, outbox) = bounded(capacity);
        self.clients.insert(id, Client { outbox, socket });
        let connected = ClientEvent::Connected {
            peer: Peer { addr: peer, client },
            outbox: outbox_tx,
            socket: server,
        };
        self.send(Event::Client(ClientId(id), connected));
    }

    pub(super) fn connect(&mut self, id: u64) {
        self.connect_with_outbox(id, 1024);
    }

    pub(super) fn closed(&mut self, id: u64, reason: &str) {
        let reason = reason.to_owned();
        self.send(Event::Client(ClientId(id), ClientEvent::Closed { reason }));
    }

    /// Client `id` sends `<root>body</root>` in the ed3 namespace.
    pub(super) fn request(&mut self, id: u64, invoke: u16, root: &str, body: &str) {
        let xml = format!("<?xml version=\"1.0\"?><{root} xmlns=\"{NS}\">{body}</{root}>");
        let incoming = parse::parse(xml.as_bytes()).expect("request parses");
        let ev = ClientEvent::Request {
            invoke_id: InvokeId::new(invoke).expect("invoke id"),
            incoming: Box::new(incoming),
        };
        self.send(Event::Client(ClientId(id), ev));
    }

    pub(super) fn monitor_start(&mut self, id: u64, invoke: u16, device: &str) {
        let body = format!(
            "<monitorObject><deviceObject>{device}</deviceObject></monitorObject>\
             <monitorType>device</monitorType>"
        );
        self.request(id, invoke, "MonitorStart", &body);
    }

    pub(super) fn monitor_stop(&mut self, id: u64, invoke: u16, cross_ref: &str) {
        let body = format!("<monitorCrossRefID>{cross_ref}</monitorCrossRefID>");
        self.request(id, invoke, "MonitorStop", &body);
    }

    pub(super) fn link(&mut self, i: usize, ev: LinkEvent) {
        self.send(Event::Link(LinkId(i), ev));
    }

    pub(super) fn up(&mut self, i: usize) {
        let channel_id = format!("channel-{i}");
        self.link(i, LinkEvent::Up { channel_id });
    }

    pub(super) fn down(&mut self, i: usize) {
        let reason = "test".to_owned();
        self.link(i, LinkEvent::Down { reason });
    }

    /// The creation of `device`'s `Advanced Call` subscription succeeded
    /// as `subscription_id`.
    pub(super) fn created(&mut self, device: &str, subscription_id: &str) {
        self.created_package(device, CALL_PACKAGE, subscription_id);
    }

    /// The creation of `device`'s `package` subscription succeeded.
    pub(super) fn created_package(&mut self, device: &str, package: &str, subscription_id: &str) {
        self.send(Event::Subscription(SubscriptionResult::Created {
            user: user(device),
            package: package.to_owned(),
            subscription_id: subscription_id.to_owned(),
            expires: Duration::from_secs(3600),
        }));
    }

    pub(super) fn failed(&mut self, device: &str, error: SubscriptionError) {
        self.failed_package(device, CALL_PACKAGE, error);
    }

    pub(super) fn failed_package(&mut self, device: &str, package: &str, error: SubscriptionError) {
        self.send(Event::Subscription(SubscriptionResult::Failed {
            user: user(device),
            package: package.to_owned(),
            error,
        }));
    }

    /// BroadWorks sends `CallReceivedEvent` for call `call` to `device`'s
    /// subscription, over link 0.
    pub(super) fn call_received(&mut self, subscription_id: &str, device: &str, call: u32) {
        let leg = format!("callhalf-{call}");
        let call = format!("{call}:1");
        let what = ("CallReceivedEvent", "Terminator", "Alerting");
        self.call_event(subscription_id, device, what, &leg, &call);
    }

    /// BroadWorks sends `event` (its type, the personality and the state of
    /// the leg) for leg `leg` of call `call` to `device`'s subscription,
    /// over link 0.
    pub(super) fn call_event(
        &mut self,
        subscription_id: &str,
        device: &str,
        (event, personality, state): (&str, &str, &str),
        leg: &str,
        call: &str,
    ) {
        let data = format!(
            "<xsi:call>\
             <xsi:callId>{leg}</xsi:callId><xsi:extTrackingId>{call}</xsi:extTrackingId>\
             <xsi:personality>{personality}</xsi:personality><xsi:state>{state}</xsi:state>\
             <xsi:remoteParty><xsi:address>tel:2999</xsi:address><xsi:callType>Group</xsi:callType></xsi:remoteParty>\
             <xsi:allowAnswer/><xsi:startTime>1700000000000</xsi:startTime>\
             </xsi:call>"
        );
        self.xsi_event(subscription_id, device, event, &data);
    }

    /// BroadWorks sends an event of type `data_type` with content `data`
    /// (prefix `xsi:`) to `device`'s subscription `subscription_id`, over
    /// link 0, numbered in sequence. The document must be one the Xsi
    /// schema allows.
    pub(super) fn xsi_event(
        &mut self,
        subscription_id: &str,
        device: &str,
        data_type: &str,
        data: &str,
    ) {
        self.send_event(subscription_id, device, data_type, data, None);
    }

    /// [`Harness::xsi_event`] with a document the Xsi schema does not
    /// allow, for reason `why`.
    pub(super) fn xsi_event_off_schema(
        &mut self,
        subscription_id: &str,
        device: &str,
        data_type: &str,
        data: &str,
        why: &str,
    ) {
        self.send_event(subscription_id, device, data_type, data, Some(why));
    }

    fn send_event(
        &mut self,
        subscription_id: &str,
        device: &str,
        data_type: &str,
        data: &str,
        off_schema: Option<&str>,
    ) {
        let seq = self.sequence.entry(subscription_id.to_owned()).or_insert(0);
        *seq += 1;
        self.events += 1;
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" \
             xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi1:type=\"xsi:SubscriptionEvent\">\
             <xsi:eventID>event-{events}</xsi:eventID><xsi:sequenceNumber>{seq}</xsi:sequenceNumber>\
             <xsi:userId>cti@{DOMAIN}</xsi:userId><xsi:externalApplicationId>bwcsta</xsi:externalApplicationId>\
             <xsi:subscriptionId>{subscription_id}</xsi:subscriptionId><xsi:channelId>channel-0</xsi:channelId>\
             <xsi:targetId>{user}</xsi:targetId>\
             <xsi:eventData xsi1:type=\"xsi:{data_type}\">{data}</xsi:eventData></xsi:Event>",
            events = self.events,
            user = user(device),
        );
        match (off_schema, bwcsta_integration::schema::xsi::check(&xml)) {
            (None, Err(e)) => panic!("{data_type} is not valid Xsi: {e}\n{xml}"),
            (Some(why), Ok(())) => panic!("{data_type} is valid Xsi, not off-schema ({why})"),
            _ => {}
        }
        let event = match parse_doc(xml.as_bytes()) {
            Ok(XsiDoc::Event(event)) => event,
            other => panic!("not an event: {other:?}"),
        };
        self.link(0, LinkEvent::Xsi(vec![event]));
    }

    /// The frames queued to client `id` since the last call, one line each
    /// (see [`summary`]), every one checked against the ed3 structure.
    pub(super) fn frames(&mut self, id: u64) -> Vec<String> {
        let client = self.clients.get(&id).expect("client");
        let mut decoder = FrameDecoder::new();
        let mut out = Vec::new();
        for message in client.outbox.try_iter() {
            match message {
                Outbound::Frame(bytes) => decoder.push(&bytes),
                Outbound::Close => out.push("(close)".to_owned()),
            }
            while let Some(frame) = decoder.next_frame().expect("frame") {
                let xml = String::from_utf8(frame.xml.clone()).expect("UTF-8");
                if let Err(e) = schema_check::load(ED3).check(&xml) {
                    panic!("schema: {e}\n{xml}");
                }
                out.push(summary(frame.invoke_id, &xml));
            }
        }
        out
    }

    /// The jobs queued to the subscription workers since the last call.
    pub(super) fn jobs(&mut self) -> Vec<String> {
        self.jobs
            .try_iter()
            .map(|job| match job {
                Job::Create { user, package } if *package == *CALL_PACKAGE => {
                    format!("create {user}")
                }
                Job::Create { user, package } => format!("create {user} {package}"),
                Job::Refresh {
                    user,
                    subscription_id,
                } => format!("refresh {user} {subscription_id}"),
                Job::Delete { subscription_id } => format!("delete {subscription_id}"),
            })
            .collect()
    }

    /// Whether the dispatcher shut client `id`'s socket down (EOF here).
    pub(super) fn socket_closed(&mut self, id: u64) -> bool {
        let client = self.clients.get_mut(&id).expect("client");
        let mut buf = [0u8; 64];
        matches!(client.socket.read(&mut buf), Ok(0))
    }

    pub(super) fn known(&self) -> &KnownSubscriptions {
        &self.ctx.known
    }

    /// `status` and `subscriptions` of the status file, and its sessions.
    pub(super) fn status(&self) -> (&'static str, usize, usize) {
        let doc = self.st.status_doc();
        (doc.status, doc.subscriptions, doc.csta.len())
    }
}

/// `2001` → `2001@example.net`.
pub(super) fn user(device: &str) -> String {
    format!("{device}@{DOMAIN}")
}

/// One line per frame: responses with the invoke id they echo (`#0003`),
/// then the message and what matters of it.
fn summary(invoke: InvokeId, xml: &str) -> String {
    let incoming = parse::parse(xml.as_bytes()).expect("sent frames parse");
    let what = match &incoming.message {
        Message::MonitorStartResponse { cross_ref } => format!("MonitorStartResponse {cross_ref}"),
        Message::MonitorStop { cross_ref } => format!("MonitorStop {cross_ref}"),
        Message::SystemStatus { status } => format!("SystemStatus {status}"),
        Message::RequestSystemStatusResponse { status } => {
            format!("RequestSystemStatusResponse {status}")
        }
        Message::ErrorCode { category, value } => format!("CSTAErrorCode {category}/{value}"),
        Message::RouteRegisterResponse { register_id } => {
            format!("RouteRegisterResponse {register_id}")
        }
        Message::RouteRequest {
            cross_ref,
            register_id,
            routed_call,
            calling_device,
            ..
        } => format!(
            "RouteRequest {cross_ref} {} call={} from={}",
            register_id.as_deref().unwrap_or("-"),
            routed_call.call_id.as_deref().unwrap_or("-"),
            calling_device.as_deref().unwrap_or("-")
        ),
        Message::RouteEnd {
            cross_ref, error, ..
        } => match error {
            Some((category, value)) => format!("RouteEnd {cross_ref} {category}/{value}"),
            None => format!("RouteEnd {cross_ref}"),
        },
        Message::GetAgentStateResponse { logged_on, states } => format!(
            "GetAgentStateResponse {} {}",
            logged_on.map_or("-", |on| if on { "on" } else { "off" }),
            states.join(",")
        ),
        Message::SnapshotDeviceResponse { items } => format!(
            "SnapshotDeviceResponse {}",
            items
                .iter()
                .map(|i| format!("{}/{}/{}", i.call_id, i.device_id, i.local_call_state))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Message::Event(e) => format!(
            "{} xref={} call={}",
            e.name,
            e.cross_ref.as_deref().unwrap_or("-"),
            e.connection
                .as_ref()
                .and_then(|(_, c)| c.call_id.as_deref())
                .unwrap_or("-")
        ),
        _ => incoming.root.clone(),
    };
    let response = incoming.root.ends_with("Response") || incoming.root == "CSTAErrorCode";
    if response {
        format!("#{invoke} {what}")
    } else {
        what
    }
}
