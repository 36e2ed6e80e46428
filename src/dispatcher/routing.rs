//! Route points (README, Contact centre): registrations, routeing dialogues and
//! treatments.
//!
//! A session registers for one route point (or for all) with
//! RouteRegister. When a call arrives at a route point (the
//! `RoutePointCallAddedEvent` of its subscription: some session monitors
//! it), the registered session (one for that route point first, then one
//! for all route points; the oldest of them) gets a RouteRequest with a new
//! crossRefIdentifier: a routeing dialogue. RouteSelect routes the call
//! (`BlindTransfer` at the route point); when the call leaves the route
//! point the dialogue ends with a RouteEnd to the session, at once with an
//! errorValue when the transfer failed. A client's RouteEnd fails the call
//! at the route point. A route point without a registered session: its
//! calls are only reported to its monitors. Registrations and dialogues end
//! with their session. A new registration, and a session leaving (or
//! cancelling) while another registration covers its route points, gets a
//! RouteRequest for every call already waiting at a monitored route point
//! without a dialogue: a backup T-Server taking over routes the calls
//! that were waiting for its failed primary. While BroadWorks reports a
//! route point failed (`RoutePointFailedEvent`) its calls are reported but
//! not offered; when it recovers, the calls waiting there are offered. A
//! registration for every route point of a client with `csta.clients`
//! devices covers only the route points among them: the calls of the others
//! are never offered to it.

use std::collections::HashMap;
use std::sync::Arc;

use super::devices::user_for;
use super::{Ctx, State};
use crate::config::ClientEntry;
use crate::csta::build::{self, operation, system_resource, Ack, ErrorCategory, RouteRequestInfo};
use crate::csta::frame::InvokeId;
use crate::csta::parse::ConnectionId;
use crate::device::DeviceKind;
use crate::event::ClientId;
use crate::translate::acd::{device_of_user, route_effect, Queued, RouteEffect};
use crate::translate::contact::{self, RoutePointCall};
use crate::xsi::parse::{QueueEntry, QueueEvent, QueueEventKind};

/// Routeing registrations one session may hold.
const MAX_REGISTRATIONS: usize = 64;

#[derive(Default)]
pub struct Routing {
    next_register: u64,
    next_cross_ref: u64,
    /// In registration order.
    registrations: Vec<Registration>,
    /// crossRefIdentifier → dialogue.
    dialogues: HashMap<String, Dialogue>,
}

struct Registration {
    id: String,
    client: ClientId,
    /// The route point's user and device as the client named it; `None`:
    /// every route point (of the client's devices).
    route_point: Option<(String, String)>,
    /// The client's `csta.clients` entry, if any: its devices.
    scope: Option<Arc<ClientEntry>>,
}

impl Registration {
    /// Whether this registration routes the calls of route point `user`.
    fn covers(&self, user: &str, default_domain: Option<&str>) -> bool {
        match &self.route_point {
            Some((registered, _)) => registered == user,
            None => self
                .scope
                .as_deref()
                .is_none_or(|client| client.covers(user, default_domain)),
        }
    }
}

struct Dialogue {
    client: ClientId,
    register_id: String,
    call: RoutePointCall,
    /// The call's CSTA callID.
    csta_call: String,
}

impl Routing {
    /// The registration a call at `user` goes to: one for that route
    /// point first, then one for every route point that covers it.
    fn registration_for(&self, user: &str, default_domain: Option<&str>) -> Option<&Registration> {
        let specific = self
            .registrations
            .iter()
            .find(|r| r.route_point.is_some() && r.covers(user, default_domain));
        specific.or_else(|| {
            self.registrations
                .iter()
                .find(|r| r.route_point.is_none() && r.covers(user, default_domain))
        })
    }

    /// The dialogue of a route point call.
    fn dialogue_of(&self, user: &str, call_id: &str) -> Option<String> {
        self.dialogues
            .iter()
            .find(|(_, d)| d.call.user == user && d.call.call_id == call_id)
            .map(|(xref, _)| xref.clone())
    }

    /// The dialogues of calls at route point `user`.
    fn dialogues_at(&self, user: &str) -> Vec<String> {
        self.dialogues
            .iter()
            .filter(|(_, d)| d.call.user == user)
            .map(|(xref, _)| xref.clone())
            .collect()
    }

    /// Drops what a closed session had.
    pub fn forget_session(&mut self, id: ClientId) {
        self.registrations.retain(|r| r.client != id);
        self.dialogues.retain(|_, d| d.client != id);
    }

    /// Open routeing dialogues.
    #[cfg(test)]
    pub fn dialogues(&self) -> usize {
        self.dialogues.len()
    }
}

impl State {
    fn refuse(&mut self, ctx: &Ctx, id: ClientId, invoke_id: InvokeId, value: &str, why: &str) {
        if let Some(s) = self.sessions.get(id) {
            log::info!("{id} ({}): {why}", s.peer);
        }
        self.respond_error(ctx, id, invoke_id, ErrorCategory::Operation, value);
    }

    pub(super) fn route_register(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        device: Option<&str>,
    ) {
        let route_point = match device.map(str::trim) {
            None | Some("") => None,
            Some(device) => {
                let user = user_for(device, ctx.cfg.default_domain.as_deref());
                if ctx.cfg.devices.kind_of(device, &user) != DeviceKind::RoutePoint {
                    let why = format!("RouteRegister for {device}, not a route point");
                    self.refuse(ctx, id, invoke_id, operation::INVALID_DEVICE_ID, &why);
                    return;
                }
                Some((user, device.to_owned()))
            }
        };
        let held = self.routing.registrations.iter().filter(|r| r.client == id);
        if held.count() >= MAX_REGISTRATIONS {
            if let Some(s) = self.sessions.get(id) {
                log::warn!(
                    "{id} ({}): RouteRegister refused: {MAX_REGISTRATIONS} registrations already",
                    s.peer
                );
            }
            let category = ErrorCategory::SystemResourceAvailability;
            let value = system_resource::REGISTRATION_LIMIT_EXCEEDED;
            self.respond_error(ctx, id, invoke_id, category, value);
            return;
        }
        let r = &mut self.routing;
        r.next_register += 1;
        let register_id = format!("rr{}", r.next_register);
        if let Some(s) = self.sessions.get(id) {
            log::info!(
                "{id} ({}) routes the calls of {} (routeRegisterReqID {register_id})",
                s.peer,
                route_point
                    .as_ref()
                    .map_or("every route point", |(_, d)| d.as_str())
            );
        }
        let scope = self.sessions.get(id).and_then(|s| s.peer.client.clone());
        self.routing.registrations.push(Registration {
            id: register_id.clone(),
            client: id,
            route_point,
            scope,
        });
        let ns = self.ns(ctx, id);
        let xml = build::route_register_response(ns, &register_id);
        self.respond(ctx, id, invoke_id, &xml);
        self.offer_waiting(ctx);
    }

    pub(super) fn route_register_cancel(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        register_id: &str,
    ) {
        let r = &mut self.routing;
        let Some(at) = r
            .registrations
            .iter()
            .position(|reg| reg.id == register_id && reg.client == id)
        else {
            let why = format!("RouteRegisterCancel of unknown registration {register_id}");
            let value = operation::INVALID_ROUTE_REGISTRATION_CROSS_REF_ID;
            self.refuse(ctx, id, invoke_id, value, &why);
            return;
        };
        r.registrations.remove(at);
        r.dialogues.retain(|_, d| d.register_id != register_id);
        let who = self.sessions.who(id);
        log::info!("{who}: routeing registration {register_id} cancelled");
        let ns = self.ns(ctx, id);
        let xml = build::ack_response(ns, Ack::RouteRegisterCancel);
        self.respond(ctx, id, invoke_id, &xml);
        self.offer_waiting(ctx);
    }

    /// Offers every call waiting at a monitored route point without a
    /// routeing dialogue to the registration that covers it, if any.
    pub(super) fn offer_waiting(&mut self, ctx: &Ctx) {
        if self.routing.registrations.is_empty() {
            return;
        }
        let mut waiting: Vec<(String, Queued)> = Vec::new();
        for user in self.translator.queues.users() {
            let monitored = self
                .devices
                .get(user)
                .is_some_and(|d| d.kind == DeviceKind::RoutePoint && !d.monitors.is_empty());
            let domain = ctx.cfg.default_domain.as_deref();
            if !monitored || self.routing.registration_for(user, domain).is_none() {
                continue;
            }
            for q in self.translator.queues.entries(user) {
                if self.routing.dialogue_of(user, &q.call_id).is_none() {
                    waiting.push((user.to_owned(), q));
                }
            }
        }
        for (user, queued) in waiting {
            self.offer_call(ctx, &user, &queued);
        }
    }

    /// The device a route point is shown as: as its registration or a
    /// monitor names it, else its user's part before `@`.
    fn route_point_device(&self, user: &str, registration: Option<&(String, String)>) -> String {
        if let Some((_, device)) = registration {
            return device.clone();
        }
        let monitored = self.devices.get(user).and_then(|d| {
            d.monitors.iter().find_map(|(client, xref)| {
                let session = self.sessions.get(*client)?;
                Some(session.monitors.get(xref)?.device().to_owned())
            })
        });
        monitored.unwrap_or_else(|| device_of_user(user))
    }

    /// A route point event, after its CSTA events went to the monitors:
    /// starts or ends the call's routeing dialogue.
    pub(super) fn route_point_event(
        &mut self,
        ctx: &Ctx,
        user: &str,
        kind: QueueEventKind,
        event: &QueueEvent,
    ) {
        let call_id = &event.entry.call_id;
        match route_effect(kind, event) {
            RouteEffect::Arrives => {
                if self.routing.dialogue_of(user, call_id).is_some() {
                    return;
                }
                let queued = self.translator.queues.get(user, call_id).cloned();
                let queued = queued.unwrap_or_else(|| Queued {
                    call_id: call_id.clone(),
                    csta_call: event.entry.ext_tracking_id.clone(),
                    calling: crate::translate::map::remote_device(&event.entry.remote_party),
                    state: "alerting",
                });
                self.offer_call(ctx, user, &queued);
            }
            RouteEffect::Leaves => {
                if let Some(cross_ref) = self.routing.dialogue_of(user, call_id) {
                    self.end_dialogue(ctx, &cross_ref, kind.type_name());
                }
            }
            RouteEffect::Stays => {}
        }
    }

    /// Starts the routeing dialogue of a call at route point `user`: a
    /// RouteRequest to the session registered for it (if any).
    fn offer_call(&mut self, ctx: &Ctx, user: &str, queued: &Queued) {
        let call_id = &queued.call_id;
        if self.translator.route_points.is_failed(user) {
            log::info!(
                "{user}: call {call_id} arrived while the route point is failed: not offered"
            );
            return;
        }
        let domain = ctx.cfg.default_domain.as_deref();
        let Some(reg) = self.routing.registration_for(user, domain) else {
            log::debug!("{user}: call {call_id} arrived, no session routes it");
            return;
        };
        let (client, register_id) = (reg.client, reg.id.clone());
        let device = self.route_point_device(user, reg.route_point.as_ref());
        self.routing.next_cross_ref += 1;
        let cross_ref = self.routing.next_cross_ref.to_string();
        let csta_call = queued.csta_call.clone();
        let calling = match &queued.calling {
            crate::translate::out::Dev::Remote(n) => Some(n.as_str()),
            _ => None,
        };
        let ns = self.ns(ctx, client);
        let xml = build::route_request(
            ns,
            &RouteRequestInfo {
                cross_ref: &cross_ref,
                register_id: &register_id,
                route_point: &device,
                calling,
                call_id: &csta_call,
            },
        );
        log::info!(
            "{client}: RouteRequest {cross_ref} for call {csta_call} at {device} \
             (registration {register_id})"
        );
        self.routing.dialogues.insert(
            cross_ref,
            Dialogue {
                client,
                register_id,
                call: RoutePointCall {
                    user: user.to_owned(),
                    device,
                    call_id: call_id.clone(),
                },
                csta_call,
            },
        );
        self.sessions.send_request(client, &xml);
    }

    /// Ends a dialogue with a RouteEnd to its session: the call left.
    fn end_dialogue(&mut self, ctx: &Ctx, cross_ref: &str, why: &str) {
        let Some(d) = self.routing.dialogues.remove(cross_ref) else {
            return;
        };
        log::info!(
            "{}: RouteEnd {cross_ref}: call {} left {} ({why})",
            d.client,
            d.csta_call,
            d.call.device
        );
        let ns = self.ns(ctx, d.client);
        let xml = build::route_end(ns, cross_ref, &d.register_id, None);
        self.sessions.send_request(d.client, &xml);
    }

    /// A route point's snapshot: the dialogues of calls it no longer lists
    /// end (their leaving was missed).
    pub(super) fn route_point_resync(&mut self, ctx: &Ctx, user: &str, entries: &[QueueEntry]) {
        for cross_ref in self.routing.dialogues_at(user) {
            let listed = self
                .routing
                .dialogues
                .get(&cross_ref)
                .is_some_and(|d| entries.iter().any(|e| e.call_id == d.call.call_id));
            if !listed {
                self.end_dialogue(ctx, &cross_ref, "no longer at the route point");
            }
        }
    }

    /// Nobody monitors route point `user` any more: its calls' leaving
    /// cannot be seen, so their dialogues end now.
    pub(super) fn route_point_unmonitored(&mut self, ctx: &Ctx, user: &str) {
        for cross_ref in self.routing.dialogues_at(user) {
            self.end_dialogue(ctx, &cross_ref, "the route point is no longer monitored");
        }
    }

    /// A dialogue of this session, or the refusal already answered.
    fn own_dialogue(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        cross_ref: &str,
        request: &str,
    ) -> Option<RoutePointCall> {
        match self.routing.dialogues.get(cross_ref) {
            Some(d) if d.client == id => Some(d.call.clone()),
            _ => {
                let why = format!("{request} of unknown crossRefIdentifier {cross_ref}");
                let value = operation::INVALID_ROUTEING_CROSS_REF_ID;
                self.refuse(ctx, id, invoke_id, value, &why);
                None
            }
        }
    }

    pub(super) fn route_select(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        cross_ref: &str,
        selected: &str,
    ) {
        let Some(call) = self.own_dialogue(ctx, id, invoke_id, cross_ref, "RouteSelect") else {
            return;
        };
        let plan = contact::route_select(&call, selected, cross_ref);
        self.start_plan(ctx, id, invoke_id, plan);
    }

    /// The client ends a dialogue: the call fails at the route point.
    pub(super) fn client_route_end(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        cross_ref: &str,
    ) {
        let Some(call) = self.own_dialogue(ctx, id, invoke_id, cross_ref, "RouteEnd") else {
            return;
        };
        self.routing.dialogues.remove(cross_ref);
        log::info!(
            "{id}: RouteEnd {cross_ref} from the client: failing the call at {}",
            call.device
        );
        self.start_plan(ctx, id, invoke_id, contact::route_end(&call));
    }

    /// RouteSelect failed at BroadWorks: the dialogue ends with the error.
    pub(super) fn route_failed(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        cross_ref: &str,
        category: ErrorCategory,
        value: &str,
    ) {
        let Some(d) = self.routing.dialogues.remove(cross_ref) else {
            return;
        };
        log::warn!("{id}: RouteEnd {cross_ref} with error {value}: the route was not taken");
        let ns = self.ns(ctx, id);
        let xml = build::route_end(ns, cross_ref, &d.register_id, Some((category, value)));
        self.sessions.send_request(id, &xml);
    }

    /// PlayMessage on a route point call: the treatment of message 0–4.
    pub(super) fn play_message(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        message: &str,
        connection: &ConnectionId,
    ) {
        let Some(call) = self.route_point_call(ctx, id, connection) else {
            let why = format!(
                "PlayMessage over {}/{}, not a call at a route point this session monitors or routes",
                connection.call_id.as_deref().unwrap_or("-"),
                connection.device_id.as_deref().unwrap_or("-")
            );
            self.refuse(ctx, id, invoke_id, operation::INVALID_CONNECTION_ID, &why);
            return;
        };
        let audio = &ctx.cfg.devices.treatment_audio_urls;
        match contact::play_message(&call, message, audio) {
            Ok(plan) => self.start_plan(ctx, id, invoke_id, plan),
            Err(why) => self.refuse(ctx, id, invoke_id, operation::INVALID_MSG_ID, &why),
        }
    }

    /// The route point call a connection names: a call in the queue of a
    /// route point the session monitors, or of one of its dialogues.
    fn route_point_call(
        &self,
        ctx: &Ctx,
        id: ClientId,
        connection: &ConnectionId,
    ) -> Option<RoutePointCall> {
        let csta_call = connection.call_id.as_deref()?;
        let own = self
            .routing
            .dialogues
            .values()
            .filter(|d| d.client == id && d.csta_call == csta_call);
        let named = |d: &&Dialogue| {
            connection.device_id.as_deref().is_none_or(|device| {
                user_for(device.trim(), ctx.cfg.default_domain.as_deref()) == d.call.user
            })
        };
        if let Some(d) = own.clone().find(named) {
            return Some(d.call.clone());
        }
        let device = connection.device_id.as_deref()?.trim();
        let user = user_for(device, ctx.cfg.default_domain.as_deref());
        let monitored = self.devices.monitor_of(&user, id).is_some();
        if !monitored || self.devices.kind(&user) != Some(DeviceKind::RoutePoint) {
            return None;
        }
        let queued = self.translator.queues.by_csta_call(&user, csta_call)?;
        Some(RoutePointCall {
            user,
            device: device.to_owned(),
            call_id: queued.call_id.clone(),
        })
    }
}
