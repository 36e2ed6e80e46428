//! CSTA sessions as the dispatcher sees them: the table of connected clients
//! with their monitors, and the handling of each request a client sends.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{Shutdown, TcpStream};

use crossbeam_channel::{Sender, TrySendError};

use super::answers::{Slot, StartAnswers};
use super::monitor::{CrossRef, Monitor};
use super::{Ctx, State};
use crate::csta::build::{self, operation, session_error, ErrorCategory, SystemStatus};
use crate::csta::clients::Peer;
use crate::csta::edition::Edition;
use crate::csta::frame::{self, InvokeCounter, InvokeId};
use crate::csta::parse::{Incoming, Message};
use crate::event::{ClientEvent, ClientId, Outbound};
use crate::status::CstaStatus;
use crate::translate::control::is_call_control;

/// Session duration granted to ECMA-354 clients that ask for none.
const DEFAULT_SESSION_DURATION: u32 = 180;

pub struct Session {
    /// Its address, and its `csta.clients` entry (its name and devices).
    pub peer: Peer,
    outbox: Sender<Outbound>,
    socket: TcpStream,
    since: String,
    /// The client's own edition once it has shown one.
    pub edition: Option<Edition>,
    /// SystemStatus has been sent (after the first response, or on connect).
    status_sent: bool,
    invoke: InvokeCounter,
    /// monitorCrossRefID → monitor. (Which of them monitors a user is in
    /// the device table: `Devices::monitor_of`.)
    pub monitors: HashMap<CrossRef, Monitor>,
    /// MonitorStart answers, released in request order.
    pub starts: StartAnswers,
    pub events_sent: u64,
    app_session: Option<String>,
    /// Kinds of client mistakes already logged (each once per session).
    logged: HashSet<String>,
}

#[derive(Default)]
pub struct Sessions {
    map: BTreeMap<ClientId, Session>,
    /// Sessions whose queue overflowed or vanished, cut off at `flush`.
    failed: Vec<(ClientId, String)>,
    next_app_session: u64,
}

impl Sessions {
    pub fn get(&self, id: ClientId) -> Option<&Session> {
        self.map.get(&id)
    }

    /// Session `id` as log lines name it: `client#N (name, address)`, or
    /// `client#N` once it has closed.
    pub fn who(&self, id: ClientId) -> String {
        match self.get(id) {
            Some(s) => format!("{id} ({})", s.peer),
            None => id.to_string(),
        }
    }

    pub fn get_mut(&mut self, id: ClientId) -> Option<&mut Session> {
        self.map.get_mut(&id)
    }

    pub fn ids(&self) -> Vec<ClientId> {
        self.map.keys().copied().collect()
    }

    pub fn take_failed(&mut self) -> Vec<(ClientId, String)> {
        std::mem::take(&mut self.failed)
    }

    pub fn remove(&mut self, id: ClientId) -> Option<Session> {
        self.map.remove(&id)
    }

    pub fn status(&self) -> Vec<CstaStatus> {
        self.map
            .values()
            .map(|s| CstaStatus {
                peer: s.peer.addr.to_string(),
                client: s.peer.name().map(str::to_owned),
                monitors: s.monitors.len(),
                events_sent: s.events_sent,
                since: s.since.clone(),
            })
            .collect()
    }

    /// Queues `xml` as a frame for `id`. Never blocks: a full queue marks the
    /// client as too slow.
    pub fn send(&mut self, id: ClientId, invoke_id: InvokeId, xml: &str) -> bool {
        let Some(session) = self.map.get_mut(&id) else {
            return false;
        };
        let frame = match frame::encode(invoke_id, xml.as_bytes()) {
            Ok(frame) => frame,
            Err(e) => {
                log::error!("{id} ({}): cannot frame a message: {e}", session.peer);
                return false;
            }
        };
        match session.outbox.try_send(Outbound::Frame(frame)) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.failed
                    .push((id, "cannot keep up: outbound queue full".into()));
                false
            }
            Err(TrySendError::Disconnected(_)) => {
                self.failed.push((id, "writer gone".into()));
                false
            }
        }
    }

    /// Sends a server-initiated request with the session's own invoke ids.
    pub fn send_request(&mut self, id: ClientId, xml: &str) -> bool {
        let Some(session) = self.map.get_mut(&id) else {
            return false;
        };
        let invoke_id = session.invoke.next();
        self.send(id, invoke_id, xml)
    }
}

impl Session {
    /// True the first time `kind` is noted for this session (bounded: a
    /// client cannot grow the set past a few dozen entries).
    pub(super) fn first_time(&mut self, kind: &str) -> bool {
        if self.logged.len() >= 64 || self.logged.contains(kind) {
            return false;
        }
        self.logged.insert(kind.to_owned())
    }

    fn close_now(&self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }
}

impl State {
    pub(super) fn on_client(&mut self, ctx: &Ctx, id: ClientId, ev: ClientEvent) {
        match ev {
            ClientEvent::Connected {
                peer,
                outbox,
                socket,
            } => self.on_connected(ctx, id, peer, outbox, socket),
            ClientEvent::Request {
                invoke_id,
                incoming,
            } => self.on_request(ctx, id, invoke_id, *incoming),
            ClientEvent::BadXml { invoke_id, error } => {
                if let Some(s) = self.sessions.get_mut(id) {
                    if s.first_time("bad XML") {
                        log::warn!(
                            "{id} ({}): frame {invoke_id} is not well-formed XML: {error} \
                             (further ones from this client are logged at debug level)",
                            s.peer
                        );
                    } else {
                        log::debug!("{id}: frame {invoke_id} is not well-formed XML: {error}");
                    }
                }
                self.respond_error(
                    ctx,
                    id,
                    invoke_id,
                    ErrorCategory::Operation,
                    operation::GENERIC,
                );
            }
            ClientEvent::Invalid { invoke_id, error } => {
                if let Some(s) = self.sessions.get_mut(id) {
                    if s.first_time("invalid request") {
                        log::warn!("{id} ({}): request {invoke_id} rejected: {error}", s.peer);
                    } else {
                        log::debug!("{id}: request {invoke_id} rejected: {error}");
                    }
                }
                let value = operation::INVALID_PARAMETER_VALUE;
                self.respond_error(ctx, id, invoke_id, ErrorCategory::Operation, value);
            }
            ClientEvent::Idle => {
                // Any answer keeps the client; the session reader cuts it
                // off when none comes (see csta::session).
                if let Some(s) = self.sessions.get(id) {
                    log::debug!("{id} ({}) is silent: probing it with SystemStatus", s.peer);
                }
                let ns = self.ns(ctx, id);
                let status = self.system_status();
                self.sessions
                    .send_request(id, &build::system_status(ns, status));
            }
            ClientEvent::Closed { reason } => {
                if let Some(s) = self.sessions.get(id) {
                    log::info!("{id} ({}) closed: {reason}", s.peer);
                }
                self.forget_session(ctx, id);
            }
        }
    }

    fn on_connected(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        peer: Peer,
        outbox: Sender<Outbound>,
        socket: TcpStream,
    ) {
        let session = Session {
            peer,
            outbox,
            socket,
            since: crate::time::rfc3339_now(),
            edition: None,
            status_sent: false,
            invoke: InvokeCounter::new(),
            monitors: HashMap::new(),
            starts: StartAnswers::default(),
            events_sent: 0,
            app_session: None,
            logged: HashSet::new(),
        };
        self.sessions.map.insert(id, session);
        if ctx.cfg.system_status_on_connect {
            self.send_system_status(ctx, id);
        }
    }

    /// Namespace to use toward `id`: its own edition, else the configured one.
    pub(super) fn ns(&self, ctx: &Ctx, id: ClientId) -> &'static str {
        self.sessions
            .get(id)
            .and_then(|s| s.edition)
            .unwrap_or(ctx.cfg.edition)
            .namespace()
    }

    pub(super) fn system_status(&self) -> SystemStatus {
        if self.overall_normal() {
            SystemStatus::Normal
        } else {
            SystemStatus::Disabled
        }
    }

    fn send_system_status(&mut self, ctx: &Ctx, id: ClientId) {
        let ns = self.ns(ctx, id);
        let status = self.system_status();
        if let Some(s) = self.sessions.get_mut(id) {
            s.status_sent = true;
        }
        self.sessions
            .send_request(id, &build::system_status(ns, status));
    }

    /// Sends a response; the first response of a session is followed by
    /// SystemStatus (Genesys validates the link with it).
    pub(super) fn respond(&mut self, ctx: &Ctx, id: ClientId, invoke_id: InvokeId, xml: &str) {
        self.sessions.send(id, invoke_id, xml);
        let needs_status = self.sessions.get(id).is_some_and(|s| !s.status_sent);
        if needs_status {
            self.send_system_status(ctx, id);
        }
    }

    /// Answers request `invoke_id` of `id` with a CSTAErrorCode.
    pub(super) fn respond_error(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        category: ErrorCategory,
        value: &str,
    ) {
        let xml = build::error_code(self.ns(ctx, id), category, value);
        self.respond(ctx, id, invoke_id, &xml);
    }

    /// Takes the next MonitorStart answer slot of `id`.
    pub(super) fn reserve_start(&mut self, id: ClientId, invoke_id: InvokeId) -> Option<Slot> {
        Some(self.sessions.get_mut(id)?.starts.reserve(invoke_id))
    }

    /// The answer of one MonitorStart: sent once every earlier MonitorStart
    /// of the session has been answered.
    pub(super) fn answer_start(&mut self, ctx: &Ctx, id: ClientId, slot: Slot, xml: String) {
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        if !session.starts.fill(slot, xml) {
            return;
        }
        while let Some((invoke_id, xml)) =
            self.sessions.get_mut(id).and_then(|s| s.starts.pop_ready())
        {
            self.respond(ctx, id, invoke_id, &xml);
        }
    }

    /// Answers a MonitorStart now, in its turn after the earlier ones.
    pub(super) fn answer_start_now(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        xml: String,
    ) {
        if let Some(slot) = self.reserve_start(id, invoke_id) {
            self.answer_start(ctx, id, slot, xml);
        }
    }

    fn on_request(&mut self, ctx: &Ctx, id: ClientId, invoke_id: InvokeId, incoming: Incoming) {
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        if session.edition.is_none() {
            session.edition = incoming.edition;
        }
        let peer = session.peer.clone();
        if self.out_of_scope(ctx, id, invoke_id, &incoming) {
            return;
        }
        let ns = self.ns(ctx, id);
        match incoming.message {
            Message::StartApplicationSession {
                protocol_versions,
                requested_duration,
                ..
            } => self.start_app_session(ctx, id, invoke_id, &protocol_versions, requested_duration),
            Message::StopApplicationSession { .. } => {
                self.respond(
                    ctx,
                    id,
                    invoke_id,
                    &build::stop_application_session_pos_response(),
                );
                if let Some(s) = self.sessions.get(id) {
                    let _ = s.outbox.try_send(Outbound::Close);
                }
            }
            Message::ResetApplicationSessionTimer {
                requested_duration, ..
            } => {
                let d = requested_duration.unwrap_or(DEFAULT_SESSION_DURATION);
                let xml = build::reset_application_session_timer_pos_response(d);
                self.respond(ctx, id, invoke_id, &xml);
            }
            Message::SystemRegister { .. } => {
                let xml = build::system_register_response(ns, &format!("sr{}", id.0));
                self.respond(ctx, id, invoke_id, &xml);
            }
            Message::SystemRegisterCancel { .. } => {
                self.respond(
                    ctx,
                    id,
                    invoke_id,
                    &build::system_register_cancel_response(ns),
                );
            }
            Message::RequestSystemStatus => {
                let xml = build::request_system_status_response(ns, self.system_status());
                self.respond(ctx, id, invoke_id, &xml);
            }
            Message::SystemStatus { status } => {
                log::info!("{id} ({peer}) reports system status {status}");
                self.respond(ctx, id, invoke_id, &build::system_status_response(ns));
            }
            Message::MonitorStart { device, filter } => {
                self.monitor_start(ctx, id, invoke_id, device, filter)
            }
            Message::MonitorStop { cross_ref } => self.monitor_stop(ctx, id, invoke_id, &cross_ref),
            Message::SnapshotDevice { device } => self.snapshot_device(ctx, id, invoke_id, &device),
            Message::RouteRegister { device } => {
                self.route_register(ctx, id, invoke_id, device.as_deref())
            }
            Message::RouteRegisterCancel { register_id } => {
                self.route_register_cancel(ctx, id, invoke_id, &register_id)
            }
            Message::RouteSelect {
                cross_ref,
                route_selected,
                ..
            } => self.route_select(ctx, id, invoke_id, &cross_ref, &route_selected),
            Message::RouteEnd { cross_ref, .. } => {
                self.client_route_end(ctx, id, invoke_id, &cross_ref)
            }
            Message::PlayMessage {
                message,
                connection,
            } => self.play_message(ctx, id, invoke_id, &message, &connection),
            message if is_call_control(&message) => self.call_control(ctx, id, invoke_id, message),
            // Acknowledgements of our own SystemStatus / MonitorStop.
            Message::SystemStatusResponse | Message::MonitorStopResponse => {}
            Message::ErrorCode { category, value } => {
                log::warn!(
                    "{id} ({peer}) answered request {invoke_id} with error {category}/{value}"
                );
            }
            other => {
                if other.is_request() || matches!(other, Message::Other) {
                    let first = self
                        .sessions
                        .get_mut(id)
                        .is_some_and(|s| s.first_time(&incoming.root));
                    if first {
                        log::info!(
                            "{id} ({peer}): {} is not supported, answering serviceNotSupported",
                            incoming.root
                        );
                    }
                    let value = operation::SERVICE_NOT_SUPPORTED;
                    self.respond_error(ctx, id, invoke_id, ErrorCategory::Operation, value);
                } else {
                    log::debug!("{id} ({peer}): ignoring unsolicited {}", incoming.root);
                }
            }
        }
    }

    fn start_app_session(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        versions: &[String],
        duration: Option<u32>,
    ) {
        // The first requested CSTA edition we speak wins; else our default.
        let chosen = versions
            .iter()
            .find_map(|v| Edition::from_namespace(v).map(|e| (e, v.clone())));
        let (edition, version) = match chosen {
            Some((e, v)) => (e, v),
            None if versions.is_empty() => (ctx.cfg.edition, ctx.cfg.edition.namespace().into()),
            None => {
                let xml = build::start_application_session_neg_response(
                    session_error::REQUESTED_PROTOCOL_VERSION_NOT_SUPPORTED,
                );
                self.respond(ctx, id, invoke_id, &xml);
                return;
            }
        };
        self.sessions.next_app_session += 1;
        let session_id = format!(
            "bwcsta-{}-{}",
            std::process::id(),
            self.sessions.next_app_session
        );
        if let Some(s) = self.sessions.get_mut(id) {
            s.edition = Some(edition);
            s.app_session = Some(session_id.clone());
        }
        let d = duration.unwrap_or(DEFAULT_SESSION_DURATION);
        let xml = build::start_application_session_pos_response(&session_id, &version, d);
        self.respond(ctx, id, invoke_id, &xml);
    }

    /// Cuts a client off (slow consumer, writer gone): closes its socket and
    /// releases its monitors at once.
    pub(super) fn drop_session(&mut self, ctx: &Ctx, id: ClientId, reason: &str) {
        if let Some(s) = self.sessions.get(id) {
            log::warn!("{id} ({}) disconnected: {reason}", s.peer);
            s.close_now();
        }
        self.forget_session(ctx, id);
    }

    fn forget_session(&mut self, ctx: &Ctx, id: ClientId) {
        self.routing.forget_session(id);
        if let Some(session) = self.sessions.remove(id) {
            for (xref, monitor) in session.monitors {
                self.release_monitor(ctx, id, xref, &monitor.user);
            }
            self.drop_lane(ctx, id);
        }
        // Its calls waiting for routeing go to another registration.
        self.offer_waiting(ctx);
    }
}
