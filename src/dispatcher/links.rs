//! XSP link health and the path of an Xsi event to the CSTA sessions.
//!
//! Overall status is `normal` while at least one channel is up. When the last
//! one goes down every session gets SystemStatus `disabled` and a
//! server-initiated MonitorStop for each of its monitors (clients start them
//! again once SystemStatus `normal` arrives); one link failing while another
//! is up changes nothing for the clients.

use crate::capture::LinkRecord;
use crate::csta::build::{self, system_resource, ErrorCategory};
use crate::csta::frame::InvokeId;
use crate::event::{ClientId, LinkEvent, LinkId};
use crate::status::XspStatus;
use crate::translate::fanout::{fan_out, Watch};
use crate::translate::CstaEvent;
use crate::xsi::parse::{EventData, XsiEvent};

use std::sync::Arc;

use super::monitor::CrossRef;
use super::{Ctx, State};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Up,
    Down,
}

pub struct Link {
    pub name: String,
    pub state: LinkState,
    pub channel_id: Option<String>,
    pub since: String,
    pub events: u64,
    pub reconnects: u64,
    pub last_error: Option<String>,
    /// Has been up at least once (a later `Up` is a reconnect).
    was_up: bool,
}

pub struct Links(Vec<Link>);

impl Links {
    pub fn new(names: &[String]) -> Self {
        let now = crate::time::rfc3339_now();
        Links(
            names
                .iter()
                .map(|name| Link {
                    name: name.clone(),
                    state: LinkState::Connecting,
                    channel_id: None,
                    since: now.clone(),
                    events: 0,
                    reconnects: 0,
                    last_error: None,
                    was_up: false,
                })
                .collect(),
        )
    }

    pub fn any_up(&self) -> bool {
        self.0.iter().any(|l| l.state == LinkState::Up)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Link> {
        self.0.iter()
    }
}

impl From<&Link> for XspStatus {
    fn from(l: &Link) -> Self {
        XspStatus {
            name: l.name.clone(),
            state: match l.state {
                LinkState::Connecting => "connecting",
                LinkState::Up => "up",
                LinkState::Down => "down",
            },
            channel_id: l.channel_id.clone(),
            since: l.since.clone(),
            events: l.events,
            reconnects: l.reconnects,
            last_error: l.last_error.clone(),
        }
    }
}

impl State {
    pub(super) fn on_link(&mut self, ctx: &Ctx, LinkId(i): LinkId, ev: LinkEvent) {
        crate::capture::link(i, &ev);
        let now = std::time::Instant::now();
        if let Some((news, _)) = ev.change() {
            self.translator.channel_news(i, news, now);
        }
        let was_normal = self.overall_normal();
        let Some(link) = self.links.0.get_mut(i) else {
            return;
        };
        let (state, up) = match ev {
            LinkEvent::Connecting => (LinkState::Connecting, false),
            LinkEvent::Up { channel_id } => {
                if link.was_up {
                    link.reconnects += 1;
                }
                link.was_up = true;
                link.channel_id = Some(channel_id);
                (LinkState::Up, true)
            }
            LinkEvent::Down { reason } => {
                link.channel_id = None;
                link.last_error = Some(reason);
                (LinkState::Down, false)
            }
            LinkEvent::Xsi(_) | LinkEvent::AckFailed { .. } => return,
        };
        ctx.flags.set(i, up);
        if link.state != state {
            link.state = state;
            link.since = crate::time::rfc3339_now();
            if let Some(poke) = &ctx.status_poke {
                let _ = poke.try_send(());
            }
        }
        match (was_normal, self.overall_normal()) {
            (false, true) => {
                log::info!("an XSP channel is up: system status normal");
                self.broadcast_status(ctx);
            }
            (true, false) => {
                log::warn!("all XSP channels are down: system status disabled");
                self.broadcast_status(ctx);
                self.end_all_monitors(ctx);
            }
            _ => {}
        }
    }

    fn broadcast_status(&mut self, ctx: &Ctx) {
        let status = self.system_status();
        for id in self.sessions.ids() {
            let ns = self.ns(ctx, id);
            self.sessions
                .send_request(id, &build::system_status(ns, status));
        }
    }

    /// Server-initiated MonitorStop for every monitor of every session.
    fn end_all_monitors(&mut self, ctx: &Ctx) {
        for id in self.sessions.ids() {
            let ns = self.ns(ctx, id);
            let Some(session) = self.sessions.get_mut(id) else {
                continue;
            };
            let monitors: Vec<(CrossRef, Arc<str>)> = session
                .monitors
                .drain()
                .map(|(xref, m)| (xref, m.user))
                .collect();
            for (xref, user) in monitors {
                // Not answered yet: the MonitorStart is answered with an
                // error instead of stopping a monitor the client never got
                // (so is a second MonitorStart of it).
                let (waiting, answered) = self.devices.take_waiters(&user, id, xref);
                for slot in waiting {
                    let xml = build::error_code(
                        ns,
                        ErrorCategory::SystemResourceAvailability,
                        system_resource::RESOURCE_OUT_OF_SERVICE,
                    );
                    self.answer_start(ctx, id, slot, xml);
                }
                if answered {
                    self.sessions
                        .send_request(id, &build::monitor_stop(ns, xref.text().as_str()));
                }
                self.release_monitor(ctx, id, xref, &user);
            }
        }
    }

    pub(super) fn on_xsi(&mut self, ctx: &Ctx, LinkId(i): LinkId, ev: XsiEvent) {
        self.events_in += 1;
        if let Some(link) = self.links.0.get_mut(i) {
            link.events += 1;
        }
        if !self.owned(ctx, &ev) {
            self.events_unowned += 1;
            log::debug!(
                "event {} of subscription {} dropped: not (or no longer) a subscription of a \
                 monitored device",
                ev.event_id,
                ev.subscription_id
            );
            return;
        }
        for ready in self.translator.accept(ev, i, std::time::Instant::now()) {
            self.deliver(ctx, ready);
        }
    }

    /// Whether `ev` is of a subscription one of our devices holds (or is
    /// creating). Others are in flight from before the last MonitorStop,
    /// a failed creation or a deletion: kept away from the sequencer, where
    /// they would open a stream expecting sequence 1 (a false gap).
    fn owned(&self, ctx: &Ctx, ev: &XsiEvent) -> bool {
        match ev.target_id.as_deref() {
            Some(user) => self
                .devices
                .get(user)
                .is_some_and(|d| d.owns(&ev.subscription_id)),
            None => ctx.known.accepts(&ev.subscription_id, None),
        }
    }

    /// One event, deduplicated and in order: update the model, send the
    /// resulting CSTA events to every session monitoring the target.
    pub(super) fn deliver(&mut self, ctx: &Ctx, ev: XsiEvent) {
        let Some(user) = ev.target_id.as_deref() else {
            log::debug!("event {} has no targetId; ignored", ev.event_id);
            return;
        };
        if let EventData::SubscriptionTerminated = ev.data {
            self.subscription_gone(
                ctx,
                user,
                &ev.subscription_id,
                "SubscriptionTerminatedEvent",
            );
            return;
        }
        let Some(device) = self.devices.get(user) else {
            self.events_unowned += 1;
            return;
        };
        if device.monitors.is_empty() {
            // Nobody monitors the user any more. In its grace period its
            // models are kept up to date for a client that comes back;
            // otherwise (a creation still in flight) none is kept.
            if device.is_idle() {
                self.translator.translate(user, &ev);
            }
            self.events_unowned += 1;
            return;
        }
        let outs = self.translator.translate(user, &ev);
        if let EventData::Subscription { .. } | EventData::QueueSnapshot { .. } = ev.data {
            self.snapshot_ready(ctx, user);
        }
        self.send_events(ctx, user, &outs);
        match &ev.data {
            EventData::Queue { kind, event } if kind.is_route_point() => {
                self.route_point_event(ctx, user, *kind, event);
            }
            EventData::QueueSnapshot {
                route_point: true,
                entries,
            } => self.route_point_resync(ctx, user, entries),
            // Recovered: the calls that waited there are offered now.
            EventData::RoutePointState { failed: false, .. } => self.offer_waiting(ctx),
            _ => {}
        }
    }

    /// Sends `outs` to every session monitoring `user`.
    fn send_events(&mut self, ctx: &Ctx, user: &str, outs: &[CstaEvent]) {
        if outs.is_empty() {
            return;
        }
        // Render every monitor's frames first (shared borrows only), then
        // queue them: no per-event copies of device strings or filters.
        let Some(device) = self.devices.get(user) else {
            return;
        };
        let mut frames: Vec<(ClientId, String)> = Vec::new();
        for (client, xref) in &device.monitors {
            let Some(monitor) = self
                .sessions
                .get(*client)
                .and_then(|s| s.monitors.get(xref))
            else {
                continue;
            };
            let xref = xref.text();
            let watch = Watch {
                client: *client,
                ns: self.ns(ctx, *client),
                cross_ref: xref.as_str(),
                device: monitor.device(),
                filter: monitor.filter(),
            };
            fan_out(outs, [watch], |client, xml| frames.push((client, xml)));
        }
        for (client, xml) in frames {
            if self.sessions.send(client, InvokeId::EVENT, &xml) {
                self.events_out += 1;
                if let Some(s) = self.sessions.get_mut(client) {
                    s.events_sent += 1;
                }
            }
        }
    }
}
