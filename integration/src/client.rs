//! A small CSTA client over TCP or TLS, for the `csta-client` tool and the
//! end-to-end tests: frames requests, reads frames, answers the server's
//! SystemStatus with SystemStatusResponse, and keeps unsolicited messages
//! (events, server requests) until asked for.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bwcsta::csta::edition::{Edition, APPL_SESSION_NS};
use bwcsta::csta::frame::{self, FrameDecoder, InvokeId};
use bwcsta::csta::parse::{self, Message};
use bwcsta::http::stream::Stream;
use bwcsta::xml::XmlWriter;

/// One message received from the server.
#[derive(Debug, Clone)]
pub struct Received {
    pub invoke_id: InvokeId,
    pub root: String,
    pub message: Message,
    pub xml: String,
}

impl Received {
    pub fn is_event(&self) -> bool {
        matches!(self.message, Message::Event(_))
    }
}

/// TLS toward the CSTA port (`csta.tls`).
#[derive(Clone, Default)]
pub struct TlsOptions {
    /// PEM: the CA certificates the server's certificate must be signed by
    /// (they replace the system roots).
    pub ca: Vec<u8>,
    /// PEM certificate and PKCS#8 key the client presents, if any.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
    /// The name the server's certificate must carry; the address's IP
    /// when `None`.
    pub server_name: Option<String>,
}

impl TlsOptions {
    /// The native-tls connector of these options.
    pub fn connector(&self) -> io::Result<native_tls::TlsConnector> {
        let failed = |what: &str| {
            let what = what.to_owned();
            move |e: native_tls::Error| io::Error::other(format!("{what}: {e}"))
        };
        let mut builder = native_tls::TlsConnector::builder();
        builder.disable_built_in_roots(true);
        builder.add_root_certificate(
            native_tls::Certificate::from_pem(&self.ca).map_err(failed("CA"))?,
        );
        if let Some((cert, key)) = &self.identity {
            let identity =
                native_tls::Identity::from_pkcs8(cert, key).map_err(failed("identity"))?;
            builder.identity(identity);
        }
        builder.build().map_err(failed("TLS"))
    }
}

pub struct CstaClient {
    stream: Stream,
    decoder: FrameDecoder,
    next_invoke: u16,
    ns: &'static str,
    queue: VecDeque<Received>,
    /// Answer the server's SystemStatus automatically.
    pub auto_ack: bool,
}

impl CstaClient {
    pub fn connect(addr: SocketAddr, edition: Edition) -> io::Result<CstaClient> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        Ok(CstaClient::over(Stream::Plain(stream), edition))
    }

    /// Connects over TLS; the handshake's failure is the error. (With TLS
    /// 1.3 a server that refuses the client's certificate says so only
    /// after the client's side of the handshake is done: the first read
    /// then fails.)
    pub fn connect_tls(
        addr: SocketAddr,
        edition: Edition,
        tls: &TlsOptions,
    ) -> io::Result<CstaClient> {
        let connector = tls.connector()?;
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let name = tls
            .server_name
            .clone()
            .unwrap_or_else(|| addr.ip().to_string());
        let stream = connector.connect(&name, stream).map_err(|e| {
            io::Error::new(
                io::ErrorKind::ConnectionRefused,
                format!("TLS handshake: {e}"),
            )
        })?;
        Ok(CstaClient::over(Stream::Tls(Box::new(stream)), edition))
    }

    fn over(stream: Stream, edition: Edition) -> CstaClient {
        CstaClient {
            stream,
            decoder: FrameDecoder::new(),
            next_invoke: 0,
            ns: edition.namespace(),
            queue: VecDeque::new(),
            auto_ack: true,
        }
    }

    pub fn ns(&self) -> &'static str {
        self.ns
    }

    /// The TCP connection (under TLS, when it is one).
    pub fn stream(&self) -> &TcpStream {
        self.stream.tcp()
    }

    fn next_invoke(&mut self) -> InvokeId {
        self.next_invoke = if self.next_invoke >= 9998 {
            1
        } else {
            self.next_invoke + 1
        };
        InvokeId::new(self.next_invoke).unwrap_or(InvokeId::EVENT)
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Frames and sends `xml` with a fresh invoke id.
    pub fn request(&mut self, xml: &str) -> io::Result<InvokeId> {
        let id = self.next_invoke();
        self.send_with(id, xml)?;
        Ok(id)
    }

    pub fn send_with(&mut self, id: InvokeId, xml: &str) -> io::Result<()> {
        let f = frame::encode(id, xml.as_bytes()).map_err(|e| io::Error::other(e.to_string()))?;
        self.stream.write_all(&f)
    }

    /// Next raw frame from the socket, or None at the deadline.
    fn read_frame(&mut self, deadline: Instant) -> io::Result<Option<frame::Frame>> {
        loop {
            match self.decoder.next_frame() {
                Ok(Some(f)) => return Ok(Some(f)),
                Ok(None) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            self.stream
                .tcp()
                .set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))))?;
            let mut buf = [0u8; 65536];
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "server closed",
                    ))
                }
                Ok(n) => self.decoder.push(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Next message from the socket (not the queue), or None on timeout.
    fn read_one(&mut self, deadline: Instant) -> io::Result<Option<Received>> {
        let Some(f) = self.read_frame(deadline)? else {
            return Ok(None);
        };
        self.parse_frame(f).map(Some)
    }

    fn parse_frame(&mut self, f: frame::Frame) -> io::Result<Received> {
        let xml = String::from_utf8_lossy(&f.xml).into_owned();
        let incoming = parse::parse(&f.xml)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        let r = Received {
            invoke_id: f.invoke_id,
            root: incoming.root,
            message: incoming.message,
            xml,
        };
        if self.auto_ack && matches!(r.message, Message::SystemStatus { .. }) {
            let ack = system_status_response_xml(self.ns);
            self.send_with(r.invoke_id, &ack)?;
        }
        Ok(r)
    }

    /// Load-generator mode: counts event frames (invoke id 9999) without
    /// parsing their XML; other frames are parsed and handled as usual.
    /// Returns the number of events read before `timeout`.
    pub fn count_events(&mut self, timeout: Duration) -> io::Result<u64> {
        let deadline = Instant::now() + timeout;
        let mut n = 0;
        while let Some(f) = self.read_frame(deadline)? {
            if f.invoke_id == InvokeId::EVENT {
                n += 1;
            } else {
                self.parse_frame(f)?;
            }
            if self.decoder.buffered() == 0 {
                break;
            }
        }
        Ok(n)
    }

    /// Next message (queued first), or None when `timeout` passes.
    pub fn recv(&mut self, timeout: Duration) -> io::Result<Option<Received>> {
        if let Some(r) = self.queue.pop_front() {
            return Ok(Some(r));
        }
        self.read_one(Instant::now() + timeout)
    }

    /// Waits for the first message matching `pred`; others stay queued.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Received) -> bool,
    ) -> io::Result<Option<Received>> {
        if let Some(pos) = self.queue.iter().position(&pred) {
            return Ok(self.queue.remove(pos));
        }
        let deadline = Instant::now() + timeout;
        while let Some(r) = self.read_one(deadline)? {
            if pred(&r) {
                return Ok(Some(r));
            }
            self.queue.push_back(r);
        }
        Ok(None)
    }

    /// The response to request `id` (a frame with that invoke id).
    pub fn response(&mut self, id: InvokeId, timeout: Duration) -> io::Result<Received> {
        self.wait_for(timeout, |r| r.invoke_id == id && !r.is_event())?
            .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, format!("no response to {id}")))
    }

    /// MonitorStart; returns the monitorCrossRefID or the error text.
    pub fn monitor_start(
        &mut self,
        device: &str,
        timeout: Duration,
    ) -> io::Result<Result<String, String>> {
        let id = self.request(&monitor_start_xml(self.ns, device))?;
        let r = self.response(id, timeout)?;
        Ok(match r.message {
            Message::MonitorStartResponse { cross_ref } => Ok(cross_ref),
            Message::ErrorCode { category, value } => Err(format!("{category}/{value}")),
            other => Err(format!("unexpected {:?}", std::mem::discriminant(&other))),
        })
    }

    /// Drains queued messages.
    pub fn take_queued(&mut self) -> Vec<Received> {
        self.queue.drain(..).collect()
    }
}

fn simple(ns: &str, root: &str) -> String {
    let mut w = XmlWriter::new();
    w.root(root, ns);
    w.finish()
}

pub fn monitor_start_xml(ns: &str, device: &str) -> String {
    let mut w = XmlWriter::new();
    w.root("MonitorStart", ns);
    w.open("monitorObject");
    w.leaf_attr("deviceObject", &[("typeOfNumber", "dialingNumber")], device);
    w.close("monitorObject");
    w.leaf("monitorType", "device");
    w.finish()
}

pub fn monitor_stop_xml(ns: &str, cross_ref: &str) -> String {
    let mut w = XmlWriter::new();
    w.root("MonitorStop", ns);
    w.leaf("monitorCrossRefID", cross_ref);
    w.finish()
}

pub fn request_system_status_xml(ns: &str) -> String {
    simple(ns, "RequestSystemStatus")
}

pub fn system_status_response_xml(ns: &str) -> String {
    simple(ns, "SystemStatusResponse")
}

pub fn snapshot_device_xml(ns: &str, device: &str) -> String {
    let mut w = XmlWriter::new();
    w.root("SnapshotDevice", ns);
    w.leaf("snapshotObject", device);
    w.finish()
}

pub fn start_application_session_xml(app: &str, edition: Edition) -> String {
    let mut w = XmlWriter::new();
    w.root("StartApplicationSession", APPL_SESSION_NS);
    w.open("applicationInfo");
    w.leaf("applicationID", app);
    w.close("applicationInfo");
    w.open("requestedProtocolVersions");
    w.leaf("protocolVersion", edition.namespace());
    w.close("requestedProtocolVersions");
    w.leaf("requestedSessionDuration", "180");
    w.finish()
}

/// One line describing a received message, for people watching.
pub fn describe(r: &Received) -> String {
    match &r.message {
        Message::Event(e) => {
            let mut line = e.name.clone();
            if let Some(x) = &e.cross_ref {
                line.push_str(&format!(" xref={x}"));
            }
            if let Some((_, c)) = &e.connection {
                line.push_str(&format!(
                    " call={} device={}",
                    c.call_id.as_deref().unwrap_or("-"),
                    c.device_id.as_deref().unwrap_or("-")
                ));
            }
            for (name, value) in &e.devices {
                let short = name.strip_suffix("Device").unwrap_or(name);
                line.push_str(&format!(" {short}={}", value.as_deref().unwrap_or("-")));
            }
            if let Some(s) = &e.local_connection_info {
                line.push_str(&format!(" state={s}"));
            }
            if let Some(c) = &e.cause {
                line.push_str(&format!(" cause={c}"));
            }
            line
        }
        Message::SystemStatus { status } => format!("SystemStatus {status}"),
        Message::RequestSystemStatusResponse { status } => {
            format!("RequestSystemStatusResponse {status} (#{})", r.invoke_id)
        }
        Message::MonitorStartResponse { cross_ref } => {
            format!("MonitorStartResponse xref={cross_ref} (#{})", r.invoke_id)
        }
        Message::MonitorStop { cross_ref } => format!("MonitorStop xref={cross_ref} (server)"),
        Message::MakeCallResponse { calling_device: c }
        | Message::ConsultationCallResponse { initiated_call: c }
        | Message::PickupCallResponse { picked_call: c } => format!(
            "{} call={} device={} (#{})",
            r.root,
            c.call_id.as_deref().unwrap_or("-"),
            c.device_id.as_deref().unwrap_or("-"),
            r.invoke_id
        ),
        Message::ErrorCode { category, value } => {
            format!("CSTAErrorCode {category}={value} (#{})", r.invoke_id)
        }
        Message::SnapshotDeviceResponse { items } => {
            let calls: Vec<String> = items
                .iter()
                .map(|i| format!("{}:{}", i.call_id, i.local_call_state))
                .collect();
            format!(
                "SnapshotDeviceResponse [{}] (#{})",
                calls.join(" "),
                r.invoke_id
            )
        }
        Message::RouteRegisterResponse { register_id } => {
            format!("RouteRegisterResponse id={register_id} (#{})", r.invoke_id)
        }
        Message::RouteRequest {
            cross_ref,
            current_route,
            calling_device,
            routed_call,
            ..
        } => format!(
            "RouteRequest xref={cross_ref} call={} route={} calling={} (server)",
            routed_call.call_id.as_deref().unwrap_or("-"),
            current_route.as_deref().unwrap_or("-"),
            calling_device.as_deref().unwrap_or("-")
        ),
        Message::RouteEnd {
            cross_ref, error, ..
        } => match error {
            Some((category, value)) => {
                format!("RouteEnd xref={cross_ref} error={category}={value} (server)")
            }
            None => format!("RouteEnd xref={cross_ref} (server)"),
        },
        Message::GetAgentStateResponse { logged_on, states } => format!(
            "GetAgentStateResponse loggedOn={} state={} (#{})",
            logged_on.map_or("-".to_owned(), |b| b.to_string()),
            if states.is_empty() {
                "-".to_owned()
            } else {
                states.join(",")
            },
            r.invoke_id
        ),
        Message::RecordMessageResponse { message } => {
            format!("RecordMessageResponse message={message} (#{})", r.invoke_id)
        }
        Message::GetDoNotDisturbResponse { on } => {
            format!("GetDoNotDisturbResponse on={on} (#{})", r.invoke_id)
        }
        Message::GetForwardingResponse { on, forward_dn } => format!(
            "GetForwardingResponse on={} to={} (#{})",
            on.map_or("-".to_owned(), |b| b.to_string()),
            forward_dn.as_deref().unwrap_or("-"),
            r.invoke_id
        ),
        _ => format!("{} (#{})", r.root, r.invoke_id),
    }
}
