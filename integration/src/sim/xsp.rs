//! One XSP's Xsi-Events endpoints: routing, authentication, fault injection and the request
//! bodies (parsed by local element name), on top of the shared BroadWorks state.
//!
//! | method and path (after the XSP root)                                   | handling |
//! |---|---|
//! | `POST /com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel`       | open a channel: the connection becomes its stream |
//! | `PUT  /com.broadsoft.xsi-events/v2.0/channel/<id>/heartbeat`            | 200, then a heartbeat document on the channel |
//! | `POST /com.broadsoft.xsi-events/v2.0/channel/eventresponse`             | 200 always; the ack is applied |
//! | `PUT` / `DELETE /com.broadsoft.xsi-events/v2.0/channel/<id>`            | renew / delete (then `ChannelTerminatedEvent`) |
//! | `GET  /com.broadsoft.xsi-events/v2.0/channelset/<setId>`                | the set's open channels |
//! | `POST /com.broadsoft.xsi-events/v2.0/user/<userId>`                     | subscribe, then the initial `CallSubscriptionEvent` |
//! | `PUT` / `DELETE /com.broadsoft.xsi-events/v2.0/subscription/<id>`       | refresh (then a snapshot) / delete (then `SubscriptionTerminatedEvent`) |
//!
//! Channel operations other than the POST must reach the XSP that owns the channel; elsewhere
//! they get 404. Anything unknown gets 404 with an `ErrorInfo` body. Xsi-Actions
//! (`/com.broadsoft.xsi-actions/v2.0/…`) are handled by `actions`. Each kind of request may be
//! answered after a delay (see `delay`).

use std::sync::Arc;
use std::time::Duration;

use super::actions;
use super::calls::dn_of;
use super::delay::RequestKind;
use super::http::{basic_auth_ok, percent_decode, HttpError, Request};
use super::hub::{method_name, Hub};
use super::reply::{error_reply, Reply, XML};
use super::server::{Outcome, Service};
use super::state::ChannelParams;
use super::stats::RequestRecord;
use super::stream::{self, StreamSpec};
use super::tls::SimStream;
use super::xml::{element_text, escape, DECL};

const EVENTS: &str = "com.broadsoft.xsi-events";
const ACK_PATH: &str = "/com.broadsoft.xsi-events/v2.0/channel/eventresponse";

fn not_found(what: &str) -> Reply {
    error_reply(404, &format!("{what} not found"), 110_404)
}

fn number(body: &str, name: &str) -> Option<u32> {
    element_text(body, name)?.trim().parse().ok()
}

/// The request handler of XSP number `xsp`.
pub(crate) struct XspService {
    pub hub: Arc<Hub>,
    pub xsp: usize,
}

impl Service for XspService {
    fn delay(&self, req: &Request<'_>) -> Duration {
        RequestKind::of(req.method, req.path()).map_or(Duration::ZERO, |k| self.hub.delays.get(k))
    }

    fn handle(&self, req: &Request<'_>) -> Outcome {
        if req.body.starts_with(b"<") {
            self.hub.check_received(&req.body);
        }
        let outcome = self.route(req);
        let status = match &outcome {
            Outcome::Reply(r) => r.status,
            Outcome::Stream(_) => 200,
            Outcome::Drop => 0,
        };
        let path = if req.target == ACK_PATH || req.target.len() < 128 {
            self.hub.intern(req.target)
        } else {
            Arc::from(req.target)
        };
        self.hub.record_request(RequestRecord {
            xsp: self.xsp,
            method: method_name(req.method),
            path,
            status,
        });
        outcome
    }

    fn bad_request(&self, err: &HttpError) -> Reply {
        self.hub.record_request(RequestRecord {
            xsp: self.xsp,
            method: "OTHER",
            path: self.hub.intern(""),
            status: err.status(),
        });
        error_reply(err.status(), err.text(), 110_400)
    }
}

impl XspService {
    fn route(&self, req: &Request<'_>) -> Outcome {
        // Injected failures come first: a broken server answers before looking at anything.
        {
            let mut fail = self.hub.xsps[self.xsp].fail.lock();
            if fail.1 > 0 {
                fail.1 -= 1;
                let status = fail.0;
                drop(fail);
                return Outcome::Reply(error_reply(
                    status,
                    "Injected failure",
                    110_000 + status as u32,
                ));
            }
        }
        if !basic_auth_ok(req, &self.hub.cfg.username, &self.hub.cfg.password) {
            let mut reply = error_reply(401, "Unauthorized", 110_401);
            reply.headers = vec![("WWW-Authenticate", "Basic realm=\"BroadWorks\"".into())];
            return Outcome::Reply(reply);
        }
        let method = req.method;
        let path = req.path();
        // The hot path: acknowledgements.
        if path == ACK_PATH && method == "POST" {
            return Outcome::Reply(self.ack(req));
        }
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let reply = match segs.as_slice() {
            [a, e, v, c]
                if is(a, "com.broadsoft.async")
                    && is(e, EVENTS)
                    && is(v, "v2.0")
                    && is(c, "channel")
                    && method == "POST" =>
            {
                return self.open_channel(req);
            }
            [a, v, ..] if is(a, actions::ACTIONS) && is(v, "v2.0") => {
                return actions::handle(&self.hub, self.xsp, req);
            }
            [e, v, rest @ ..] if is(e, EVENTS) && is(v, "v2.0") => match (method, rest) {
                ("POST", [c, r]) if is(c, "channel") && is(r, "eventresponse") => self.ack(req),
                ("PUT", [c, id, h]) if is(c, "channel") && is(h, "heartbeat") => {
                    self.heartbeat(&percent_decode(id))
                }
                ("PUT", [c, id]) if is(c, "channel") => self.renew(&percent_decode(id), req),
                ("DELETE", [c, id]) if is(c, "channel") => self.delete_channel(&percent_decode(id)),
                ("GET", [c, id]) if is(c, "channelset") => self.channel_set(&percent_decode(id)),
                ("POST", [u, user]) if is(u, "user") => self.subscribe(&percent_decode(user), req),
                ("PUT", [s, id]) if is(s, "subscription") => self.refresh(&percent_decode(id), req),
                ("DELETE", [s, id]) if is(s, "subscription") => {
                    self.unsubscribe(&percent_decode(id))
                }
                _ => not_found("Resource"),
            },
            _ => not_found("Resource"),
        };
        Outcome::Reply(reply)
    }

    fn open_channel(&self, req: &Request<'_>) -> Outcome {
        let body = req.body_text();
        let Some(set_id) = element_text(&body, "channelSetId").filter(|s| !s.is_empty()) else {
            return Outcome::Reply(error_reply(400, "channelSetId is required", 110_001));
        };
        let params = ChannelParams {
            set_id: set_id.into_owned(),
            app_id: element_text(&body, "applicationId")
                .map(|s| s.into_owned())
                .unwrap_or_default(),
            expires: number(&body, "expires"),
            priority: number(&body, "priority").unwrap_or(1),
            weight: number(&body, "weight").unwrap_or(50),
        };
        let hub = self.hub.clone();
        let xsp = self.xsp;
        Outcome::Stream(Box::new(move |socket: SimStream| {
            let opened = {
                let mut st = hub.state.lock();
                st.open_channel(xsp, &params, socket.tcp().try_clone().ok())
            };
            let tracking_id = hub.state.lock().new_id();
            let spec = StreamSpec {
                xsp,
                index: opened.index,
                channel_id: opened.channel_id,
                expires: opened.expires,
                rx: opened.rx,
                shared: opened.shared,
                tracking_id,
            };
            stream::run(&hub, socket, spec);
        }))
    }

    fn ack(&self, req: &Request<'_>) -> Reply {
        {
            let mut fail = self.hub.xsps[self.xsp].fail_acks.lock();
            if fail.1 > 0 {
                fail.1 -= 1;
                let status = fail.0;
                drop(fail);
                return error_reply(
                    status,
                    "Injected acknowledgement failure",
                    110_000 + status as u32,
                );
            }
        }
        let body = req.body_text();
        let event_id = element_text(&body, "eventID");
        let status = element_text(&body, "statusCode")
            .and_then(|s| s.trim().parse::<u16>().ok())
            .unwrap_or(0);
        self.hub
            .state
            .lock()
            .ack(self.xsp, event_id.as_deref(), status);
        Reply::empty(200)
    }

    fn heartbeat(&self, id: &str) -> Reply {
        if let Some(status) = self.hub.state.lock().heartbeat_fault(self.xsp) {
            return error_reply(
                status,
                "Injected heartbeat failure",
                110_000 + status as u32,
            );
        }
        match self.hub.state.lock().heartbeat(self.xsp, id) {
            Ok(idx) => {
                let hub = self.hub.clone();
                Reply::empty(200).then(move || hub.state.lock().send_heartbeat(idx))
            }
            Err(_) => not_found("Channel"),
        }
    }

    fn renew(&self, id: &str, req: &Request<'_>) -> Reply {
        let asked = number(&req.body_text(), "expires");
        match self.hub.state.lock().renew(self.xsp, id, asked) {
            Ok(expires) => {
                let id = escape(id);
                Reply::new(
                    200,
                    XML,
                    format!("{DECL}\n<Channel xmlns=\"http://schema.broadsoft.com/xsi\"><channelId>{id}</channelId><expires>{expires}</expires></Channel>"),
                )
            }
            Err(_) => not_found("Channel"),
        }
    }

    fn delete_channel(&self, id: &str) -> Reply {
        match self.hub.state.lock().delete_channel(self.xsp, id) {
            Ok(idx) => {
                let hub = self.hub.clone();
                Reply::empty(200).then(move || hub.state.lock().finish_delete(idx))
            }
            Err(_) => not_found("Channel"),
        }
    }

    fn channel_set(&self, id: &str) -> Reply {
        match self.hub.state.lock().channel_set_doc(id) {
            Some(doc) => Reply::new(200, XML, doc),
            None => not_found("Channel set"),
        }
    }

    fn subscribe(&self, user: &str, req: &Request<'_>) -> Reply {
        let body = req.body_text();
        let package = element_text(&body, "event")
            .map(|s| s.into_owned())
            .unwrap_or_default();
        if package.is_empty() {
            return error_reply(400, "event is required", 110_002);
        }
        let Some(set_id) = element_text(&body, "channelSetId").filter(|s| !s.is_empty()) else {
            let what = if element_text(&body, "httpContact").is_some() {
                "httpContact delivery is not supported"
            } else {
                "channelSetId is required"
            };
            return error_reply(400, what, 110_003);
        };
        let app_id = element_text(&body, "applicationId")
            .map(|s| s.into_owned())
            .unwrap_or_default();
        let asked = number(&body, "expires");
        let mut st = self.hub.state.lock();
        // BroadWorks validates the package against the target (call centres, route points).
        if let Err(why) = st.package_allowed(dn_of(user, &self.hub.cfg.domain), &package) {
            return error_reply(400, &why, 110_004);
        }
        let (idx, id, expires) = st.subscribe(user, &package, asked, &set_id, &app_id);
        drop(st);
        let hub = self.hub.clone();
        Reply::new(200, XML, subscription_doc(&id, expires))
            .then(move || hub.state.lock().initial_event(idx))
    }

    fn refresh(&self, id: &str, req: &Request<'_>) -> Reply {
        let asked = number(&req.body_text(), "expires");
        let refreshed = self.hub.state.lock().refresh(id, asked);
        match refreshed {
            Some((idx, expires)) => {
                let hub = self.hub.clone();
                Reply::new(200, XML, subscription_doc(id, expires))
                    .then(move || hub.state.lock().snapshot_event(idx))
            }
            None => not_found("Subscription"),
        }
    }

    fn unsubscribe(&self, id: &str) -> Reply {
        let removed = self.hub.state.lock().unsubscribe(id);
        match removed {
            Some(idx) => {
                let hub = self.hub.clone();
                Reply::empty(200).then(move || hub.state.lock().terminated_event(idx))
            }
            None => not_found("Subscription"),
        }
    }
}

fn subscription_doc(id: &str, expires: u32) -> String {
    let id = escape(id);
    format!("{DECL}\n<Subscription xmlns=\"http://schema.broadsoft.com/xsi\"><subscriptionId>{id}</subscriptionId><expires>{expires}</expires></Subscription>")
}
