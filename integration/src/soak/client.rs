//! The soak's CSTA clients: each a thread that behaves as a T-Server does and records
//! everything it sees for the oracle.
//!
//! A client monitors its devices (MonitorStarts pipelined), answers each MonitorStart with a
//! SnapshotDevice to learn the device's calls, keeps its own view of each device's calls from
//! the events (see [`apply`]), answers the server's SystemStatus, and after a `disabled` and
//! then `normal` (or a server MonitorStop, or an error) starts its monitors again. It records
//! every event with its arrival time, each monitor's window (from the MonitorStartResponse to
//! its end), every SystemStatus and every call-control request with its answers. Commands from
//! the run (disconnect for a while, stop and start monitors, send a request) come over a
//! channel.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bwcsta::csta::edition::Edition;
use bwcsta::csta::frame::{self, FrameDecoder, InvokeId};
use bwcsta::csta::parse::{self, EventInfo, Message};
use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

use crate::client::{
    monitor_start_xml, monitor_stop_xml, request_system_status_xml, snapshot_device_xml,
    system_status_response_xml,
};
use crate::commands::command_xml;
use crate::rng::Rng;

/// MonitorStarts in flight at once per client.
const MAX_PENDING_STARTS: usize = 256;
/// A monitor that failed (an error, a server MonitorStop) is started again after this.
const RETRY: Duration = Duration::from_millis(500);

/// One CSTA event as received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub at: Instant,
    /// The monitored device (from the monitorCrossRefID).
    pub device: String,
    /// The root element (`DeliveredEvent`).
    pub kind: String,
    /// The primary connection's callID and deviceID.
    pub call: Option<String>,
    pub conn_device: Option<String>,
    pub state: Option<String>,
    /// Every callID in the document (transfers and conferences name more than one).
    pub calls: Vec<String>,
}

/// Why a monitor's window ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A MonitorStop from the server (all XSPs down, a subscription lost).
    ServerStop,
    /// The client stopped it.
    ClientStop,
    /// The client disconnected.
    Disconnected,
}

/// One monitor of one device: from its MonitorStartResponse to its end.
#[derive(Clone, Debug)]
pub struct Window {
    pub device: String,
    pub start: Instant,
    pub end: Option<(Instant, End)>,
}

/// One call-control request and its answers.
#[derive(Clone, Debug)]
pub struct Req {
    pub what: String,
    pub sent: Instant,
    pub answers: Vec<(Instant, String)>,
    /// The connection went away before an answer.
    pub abandoned: bool,
}

/// What a client saw, for the oracle; and its view of each device's calls.
#[derive(Clone, Debug, Default)]
pub struct ClientLog {
    pub name: String,
    pub events: Vec<Seen>,
    pub windows: Vec<Window>,
    pub statuses: Vec<(Instant, String)>,
    pub requests: Vec<Req>,
    /// Things that should not happen on the CSTA side (an event of a monitor the client does
    /// not hold, an answer to nothing, a frame that does not parse).
    pub strays: Vec<(Instant, String)>,
    /// Device → the callIDs the client believes it has (see [`apply`]).
    pub views: HashMap<String, BTreeSet<String>>,
    pub connected: bool,
    /// Devices with an open window.
    pub monitored: HashSet<String>,
    /// The last SystemStatus (`normal` on connecting, until told otherwise).
    pub normal: bool,
    pub disconnects: u64,
}

/// What the run asks of a client.
#[derive(Clone, Debug)]
pub enum Command {
    /// Close the connection, then connect and monitor again after this long.
    Drop(Duration),
    /// Stop monitoring these devices (and no longer want them).
    StopMonitors(Vec<String>),
    /// Want these devices monitored too.
    StartMonitors(Vec<String>),
    /// A call-control request on one of the calls the client sees.
    Control,
    Quit,
}

/// What a request answers, for the pending table.
#[derive(Clone, Debug)]
enum Pending {
    Start(String),
    Stop(String),
    Snapshot(String),
    Control(usize),
    Status,
}

/// The callIDs in a CSTA document.
fn call_ids(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find("<callID>") {
        rest = &rest[at + 8..];
        let Some(end) = rest.find("</callID>") else {
            break;
        };
        let id = rest[..end].to_owned();
        if !out.contains(&id) {
            out.push(id);
        }
        rest = &rest[end..];
    }
    out
}

/// The client's view of `device`'s calls after event `e` (a T-Server's bookkeeping, written
/// from the CSTA events alone): a call appears with any event about it, leaves with the
/// device's own ConnectionCleared or a Diverted that takes the device's connection to `null`,
/// is renamed by a Transfered (old callID → new) and merged by a Conferenced.
pub fn apply(view: &mut BTreeSet<String>, device: &str, e: &Seen) {
    let Some(call) = e.call.clone() else {
        return;
    };
    let mine = e.conn_device.as_deref() == Some(device);
    match e.kind.as_str() {
        "ConnectionClearedEvent" => {
            if mine {
                view.remove(&call);
            }
        }
        "DivertedEvent" if mine && e.state.as_deref() == Some("null") => {
            view.remove(&call);
        }
        "TransferedEvent" => {
            let new: Vec<&String> = e.calls.iter().filter(|c| **c != call).collect();
            if !new.is_empty() {
                view.remove(&call);
            }
            view.extend(new.into_iter().cloned());
            if e.calls.len() == 1 {
                view.insert(call);
            }
        }
        "ConferencedEvent" => {
            for other in e.calls.iter().filter(|c| **c != call) {
                view.remove(other);
            }
            view.insert(call);
        }
        _ => {
            view.insert(call);
        }
    }
}

/// A running client.
pub struct Client {
    pub log: Arc<Mutex<ClientLog>>,
    pub tx: Sender<Command>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Client {
    /// Starts client `name` on `addr`, monitoring `devices`.
    pub fn start(name: &str, addr: SocketAddr, devices: Vec<String>, rng: Rng) -> Client {
        let log = Arc::new(Mutex::new(ClientLog {
            name: name.to_owned(),
            ..ClientLog::default()
        }));
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut worker = Worker {
            addr,
            log: log.clone(),
            rx,
            rng,
            want: devices.into_iter().collect(),
            conn: None,
            reconnect_at: Instant::now(),
            decoder: FrameDecoder::new(),
            next_invoke: 0,
            pending: HashMap::new(),
            xrefs: HashMap::new(),
            monitors: HashMap::new(),
            retry_at: HashMap::new(),
            starting: HashSet::new(),
            snapshot_at: HashMap::new(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("soak-{name}"))
            .spawn(move || worker.run())
            .ok();
        Client { log, tx, thread }
    }

    /// Every wanted device monitored, with its snapshot in.
    pub fn settled(&self, want: usize) -> bool {
        let log = self.log.lock();
        log.connected && log.normal && log.monitored.len() >= want
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.tx.send(Command::Quit);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    addr: SocketAddr,
    log: Arc<Mutex<ClientLog>>,
    rx: Receiver<Command>,
    rng: Rng,
    want: BTreeSet<String>,
    conn: Option<TcpStream>,
    reconnect_at: Instant,
    decoder: FrameDecoder,
    next_invoke: u16,
    pending: HashMap<u16, Pending>,
    /// monitorCrossRefID → device, while the monitor is ours (until its stop is answered).
    xrefs: HashMap<String, String>,
    /// device → its monitorCrossRefID.
    monitors: HashMap<String, String>,
    retry_at: HashMap<String, Instant>,
    /// Devices whose MonitorStart is in flight.
    starting: HashSet<String>,
    /// Devices whose SnapshotDevice is to be asked again, and when.
    snapshot_at: HashMap<String, Instant>,
}

impl Worker {
    fn run(&mut self) {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            while let Ok(cmd) = self.rx.try_recv() {
                if !self.command(cmd) {
                    self.disconnect(Instant::now());
                    return;
                }
            }
            if self.conn.is_none() && Instant::now() >= self.reconnect_at {
                self.connect();
            }
            let Some(conn) = self.conn.as_mut() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            let _ = conn.set_read_timeout(Some(Duration::from_millis(10)));
            match conn.read(&mut buf) {
                Ok(0) => {
                    self.note_stray("the server closed the connection".into());
                    self.disconnect(Instant::now());
                }
                Ok(n) => {
                    self.decoder.push(&buf[..n]);
                    self.frames();
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => {
                    self.note_stray(format!("read: {e}"));
                    self.disconnect(Instant::now());
                }
            }
            self.start_monitors();
        }
    }

    /// False to quit.
    fn command(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Quit => return false,
            Command::Drop(away) => {
                let now = Instant::now();
                self.disconnect(now);
                self.reconnect_at = now + away;
            }
            Command::StopMonitors(devices) => {
                for device in devices {
                    self.want.remove(&device);
                    if let Some(xref) = self.monitors.remove(&device) {
                        let xml = monitor_stop_xml(Edition::Ed3.namespace(), &xref);
                        self.send(&xml, Pending::Stop(device.clone()));
                        self.end_window(&device, Instant::now(), End::ClientStop);
                    }
                }
            }
            Command::StartMonitors(devices) => self.want.extend(devices),
            Command::Control => self.control(),
        }
        true
    }

    fn connect(&mut self) {
        match TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)) {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                self.conn = Some(stream);
                self.decoder = FrameDecoder::new();
                {
                    let mut log = self.log.lock();
                    log.connected = true;
                    log.normal = false;
                }
                let xml = request_system_status_xml(Edition::Ed3.namespace());
                self.send(&xml, Pending::Status);
            }
            Err(_) => self.reconnect_at = Instant::now() + RETRY,
        }
    }

    fn disconnect(&mut self, now: Instant) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let _ = conn.shutdown(std::net::Shutdown::Both);
        let devices: Vec<String> = self.monitors.keys().cloned().collect();
        for device in devices {
            self.end_window(&device, now, End::Disconnected);
        }
        self.monitors.clear();
        self.xrefs.clear();
        self.starting.clear();
        self.snapshot_at.clear();
        let mut log = self.log.lock();
        for (_, p) in self.pending.drain() {
            if let Pending::Control(i) = p {
                if let Some(r) = log.requests.get_mut(i) {
                    r.abandoned = true;
                }
            }
        }
        log.connected = false;
        log.disconnects += 1;
        log.views.clear();
    }

    fn send(&mut self, xml: &str, what: Pending) -> Option<u16> {
        self.next_invoke = if self.next_invoke >= 9998 {
            1
        } else {
            self.next_invoke + 1
        };
        let id = self.next_invoke;
        let invoke = InvokeId::new(id)?;
        let bytes = frame::encode(invoke, xml.as_bytes()).ok()?;
        let conn = self.conn.as_mut()?;
        if conn.write_all(&bytes).is_err() {
            self.disconnect(Instant::now());
            return None;
        }
        self.pending.insert(id, what);
        Some(id)
    }

    fn note_stray(&self, what: String) {
        self.log.lock().strays.push((Instant::now(), what));
    }

    fn end_window(&mut self, device: &str, at: Instant, why: End) {
        let mut log = self.log.lock();
        log.monitored.remove(device);
        log.views.remove(device);
        if let Some(w) = log
            .windows
            .iter_mut()
            .rev()
            .find(|w| w.device == device && w.end.is_none())
        {
            w.end = Some((at, why));
        }
    }

    fn start_monitors(&mut self) {
        if self.conn.is_none() || !self.log.lock().normal {
            return;
        }
        let now = Instant::now();
        let again: Vec<String> = self
            .snapshot_at
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(d, _)| d.clone())
            .collect();
        for device in again {
            self.snapshot_at.remove(&device);
            if self.monitors.contains_key(&device) {
                let xml = snapshot_device_xml(Edition::Ed3.namespace(), &device);
                self.send(&xml, Pending::Snapshot(device));
            }
        }
        let due: Vec<String> = self
            .want
            .iter()
            .filter(|d| !self.monitors.contains_key(*d) && !self.starting.contains(*d))
            .filter(|d| self.retry_at.get(*d).is_none_or(|at| *at <= now))
            .take(MAX_PENDING_STARTS.saturating_sub(self.starting.len()))
            .cloned()
            .collect();
        for device in due {
            let xml = monitor_start_xml(Edition::Ed3.namespace(), &device);
            if self.send(&xml, Pending::Start(device.clone())).is_some() {
                self.starting.insert(device);
            }
        }
    }

    /// A call-control request on a random call of a random monitored device.
    fn control(&mut self) {
        let choices: Vec<(String, String)> = {
            let log = self.log.lock();
            log.views
                .iter()
                .flat_map(|(d, calls)| calls.iter().map(move |c| (d.clone(), c.clone())))
                .collect()
        };
        let Some((device, call)) = self.rng.pick(&choices).cloned() else {
            return;
        };
        let verb = ["answer", "hold", "retrieve", "clear"][self.rng.below(4)];
        let line = format!("{verb} {call} {device}");
        let Ok(Some(xml)) = command_xml(Edition::Ed3.namespace(), &line) else {
            return;
        };
        let index = {
            let mut log = self.log.lock();
            log.requests.push(Req {
                what: line,
                sent: Instant::now(),
                answers: Vec::new(),
                abandoned: false,
            });
            log.requests.len() - 1
        };
        if self.send(&xml, Pending::Control(index)).is_none() {
            if let Some(r) = self.log.lock().requests.get_mut(index) {
                r.abandoned = true;
            }
        }
    }

    fn frames(&mut self) {
        loop {
            let f = match self.decoder.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => return,
                Err(e) => {
                    self.note_stray(format!("bad frame: {e}"));
                    self.disconnect(Instant::now());
                    return;
                }
            };
            let at = Instant::now();
            let xml = String::from_utf8_lossy(&f.xml).into_owned();
            match parse::parse(&f.xml) {
                Ok(incoming) => {
                    self.message(at, f.invoke_id, incoming.root, incoming.message, &xml)
                }
                Err(e) => self.note_stray(format!("frame does not parse: {e}: {xml}")),
            }
        }
    }

    fn message(&mut self, at: Instant, invoke: InvokeId, root: String, msg: Message, xml: &str) {
        match msg {
            Message::Event(e) => self.event(at, e, xml),
            Message::SystemStatus { status } => {
                let ack = system_status_response_xml(Edition::Ed3.namespace());
                if let Ok(bytes) = frame::encode(invoke, ack.as_bytes()) {
                    if let Some(conn) = self.conn.as_mut() {
                        let _ = conn.write_all(&bytes);
                    }
                }
                let mut log = self.log.lock();
                log.normal = status == "normal";
                log.statuses.push((at, status));
            }
            Message::MonitorStop { cross_ref } => {
                if let Some(device) = self.xrefs.remove(&cross_ref) {
                    self.monitors.remove(&device);
                    self.end_window(&device, at, End::ServerStop);
                    self.retry_at.insert(device, at + RETRY);
                } else {
                    self.note_stray(format!("MonitorStop of unknown monitor {cross_ref}"));
                }
            }
            other => self.answer(at, invoke, root, other),
        }
    }

    fn answer(&mut self, at: Instant, invoke: InvokeId, root: String, msg: Message) {
        let Some(what) = self.pending.remove(&invoke.get()) else {
            self.note_stray(format!("{root} answers no request (#{invoke})"));
            return;
        };
        match (what, msg) {
            (Pending::Status, Message::RequestSystemStatusResponse { status }) => {
                self.log.lock().normal = status == "normal";
            }
            (Pending::Start(device), Message::MonitorStartResponse { cross_ref }) => {
                self.starting.remove(&device);
                if !self.want.contains(&device) {
                    // Not wanted any more (stopped meanwhile): stop it at once.
                    let xml = monitor_stop_xml(Edition::Ed3.namespace(), &cross_ref);
                    self.xrefs.insert(cross_ref, device.clone());
                    self.send(&xml, Pending::Stop(device));
                    return;
                }
                self.xrefs.insert(cross_ref.clone(), device.clone());
                self.monitors.insert(device.clone(), cross_ref);
                {
                    let mut log = self.log.lock();
                    log.windows.push(Window {
                        device: device.clone(),
                        start: at,
                        end: None,
                    });
                    log.monitored.insert(device.clone());
                    log.views.insert(device.clone(), BTreeSet::new());
                }
                let xml = snapshot_device_xml(Edition::Ed3.namespace(), &device);
                self.send(&xml, Pending::Snapshot(device));
            }
            (Pending::Start(device), _) => {
                self.starting.remove(&device);
                self.retry_at.insert(device, at + RETRY);
            }
            (Pending::Stop(device), _) => {
                self.xrefs
                    .retain(|_, d| *d != device || self.monitors.contains_key(d));
            }
            (Pending::Snapshot(device), Message::SnapshotDeviceResponse { items }) => {
                let mut log = self.log.lock();
                if log.monitored.contains(&device) {
                    let calls = items.into_iter().map(|i| i.call_id).collect();
                    log.views.insert(device, calls);
                }
            }
            (Pending::Snapshot(device), _) => {
                // Refused: the monitor ended meanwhile (a MonitorStop crossed it), or its
                // subscription is being created anew; asked again while it is monitored.
                if self.monitors.contains_key(&device) {
                    self.snapshot_at.insert(device, at + RETRY);
                }
            }
            (Pending::Control(i), _) => {
                if let Some(r) = self.log.lock().requests.get_mut(i) {
                    r.answers.push((at, root));
                }
            }
            (Pending::Status, _) => {}
        }
    }

    fn event(&mut self, at: Instant, e: EventInfo, xml: &str) {
        let device = e
            .cross_ref
            .as_ref()
            .and_then(|x| self.xrefs.get(x))
            .cloned();
        let Some(device) = device else {
            self.note_stray(format!(
                "{} for monitor {:?}, which this client does not hold",
                e.name, e.cross_ref
            ));
            return;
        };
        let (call, conn_device) = match &e.connection {
            Some((_, c)) => (c.call_id.clone(), c.device_id.clone()),
            None => (None, None),
        };
        let seen = Seen {
            at,
            device: device.clone(),
            kind: e.name,
            call,
            conn_device,
            state: e.local_connection_info,
            calls: call_ids(xml),
        };
        let mut log = self.log.lock();
        if let Some(view) = log.views.get_mut(&device) {
            apply(view, &device, &seen);
        }
        log.events.push(seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(kind: &str, call: &str, device: &str, state: &str, calls: &[&str]) -> Seen {
        Seen {
            at: Instant::now(),
            device: "2001".into(),
            kind: kind.into(),
            call: Some(call.into()),
            conn_device: Some(device.into()),
            state: Some(state.into()),
            calls: calls.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn a_client_view_follows_the_events() {
        let mut view = BTreeSet::new();
        let steps: &[(Seen, &[&str])] = &[
            (
                seen("DeliveredEvent", "1:1", "2001", "alerting", &["1:1"]),
                &["1:1"],
            ),
            (
                seen("EstablishedEvent", "1:1", "2002", "connected", &["1:1"]),
                &["1:1"],
            ),
            (
                seen(
                    "ConnectionClearedEvent",
                    "1:1",
                    "2002",
                    "connected",
                    &["1:1"],
                ),
                &["1:1"],
            ),
            (
                seen(
                    "TransferedEvent",
                    "1:1",
                    "2003",
                    "connected",
                    &["1:1", "5:1"],
                ),
                &["5:1"],
            ),
            (
                seen("OriginatedEvent", "6:1", "2001", "connected", &["6:1"]),
                &["5:1", "6:1"],
            ),
            (
                seen(
                    "ConferencedEvent",
                    "5:1",
                    "2001",
                    "connected",
                    &["5:1", "6:1"],
                ),
                &["5:1"],
            ),
            (seen("DivertedEvent", "5:1", "2001", "null", &["5:1"]), &[]),
            (
                seen("DeliveredEvent", "7:1", "2001", "alerting", &["7:1"]),
                &["7:1"],
            ),
            (
                seen("ConnectionClearedEvent", "7:1", "2001", "null", &["7:1"]),
                &[],
            ),
        ];
        for (e, want) in steps {
            apply(&mut view, "2001", e);
            let got: Vec<&str> = view.iter().map(String::as_str).collect();
            assert_eq!(got, *want, "after {}", e.kind);
        }
        assert_eq!(
            call_ids("<a><callID>1:1</callID><x><callID>2:1</callID></x><callID>1:1</callID>"),
            ["1:1", "2:1"]
        );
    }
}
