//! One XSP's Xsi-Actions endpoints (call control, as README "Call control" lists it): each command
//! runs the matching operation of the call model, whose events go to the users involved, and
//! is answered as BroadWorks does.
//!
//! | method and path (after `/com.broadsoft.xsi-actions/v2.0/user/<userId>`) | answer |
//! |---|---|
//! | `POST /calls/new?address=<addr>`            | 201, `Location`, `CallStartInfo`; the user's phone rings (Click-to-Dial); Talk on it dials |
//! | `PUT /calls/<callId>/Talk`                  | answers an alerting leg that may answer, retrieves a held one |
//! | `PUT /calls/<callId>/Hold`                  | holds an active leg |
//! | `DELETE /calls/<callId>`                    | releases the call |
//! | `PUT /calls/<callId>/BlindTransfer?address=` | transfers (deflects an alerting leg) |
//! | `PUT /calls/<held>/ConsultTransfer/<active>` | joins the other parties of both calls |
//! | `POST /calls/Conference` (callIds in the body) | starts a three-way conference |
//! | `PUT /calls/<callId>/TransmitDTMF?playdtmf=` | 200, no event |
//! | `PUT /services/DoNotDisturb`, `PUT /services/CallForwardingAlways` | stores `active` (and the number); the service event |
//! | pickups, park, barge-in, recording, Reconnect, service GETs | see `actions::features` |
//! | `PUT`/`GET /services/CallCenter`, and `…/routepoint/<id>/calls/…` | see `actions::contact` |
//!
//! An unknown call id is 404, a command the leg's state does not allow 400, both with an
//! `ErrorInfo` body. Faults per XSP ([`ActionFault`](super::hub::ActionFault)): a delay before
//! a command is handled (every command, or those of one kind, such as `new`; the command
//! still runs afterwards, as on a slow real server), a number of commands answered with a
//! given status (`503`: not looked at), and a number of commands carried out and then left
//! unanswered, their connection closed. Every command is recorded with its body and status
//! ([`ActionRecord`](super::ActionRecord); 0 for one left unanswered).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::calls::{dn_of, half_of, user_id, CallModel, Emit, Leg, LegState};
use super::http::{percent_decode, query_pairs, Request};
use super::hub::{method_name, Hub};
use super::reply::{error_reply, Reply, XML};
use super::server::Outcome;
use super::state::now_ms;
use super::stats::{ActionRecord, UserServices};
use super::xml::{element_text, unescape};

mod contact;
mod features;

pub(crate) const ACTIONS: &str = "com.broadsoft.xsi-actions";

pub(crate) fn bad_state(what: &str) -> Reply {
    error_reply(400, what, 4_001)
}

/// 404 for a path no action lives at.
pub(crate) fn not_found() -> Reply {
    error_reply(404, "Resource not found", 4_040)
}

pub(crate) fn no_call(call_id: &str) -> Reply {
    error_reply(404, &format!("Call {call_id} not found"), 4_004)
}

/// The DN an Xsi address names: `tel:+1555`, `sip:2002@host;user=phone`, `2002`.
pub(crate) fn address_dn(address: &str) -> String {
    let a = address.trim();
    let a = a
        .strip_prefix("tel:")
        .or_else(|| a.strip_prefix("sip:"))
        .unwrap_or(a);
    let a = a.split(';').next().unwrap_or(a);
    a.split('@').next().unwrap_or(a).to_string()
}

/// Every `callId` element of a `Conference` body, in order.
fn call_ids(body: &str) -> Vec<String> {
    body.split('<')
        .filter_map(|part| {
            let (tag, text) = part.split_once('>')?;
            if tag.starts_with('/') || tag.ends_with('/') {
                return None;
            }
            let local = tag.rsplit_once(':').map_or(tag, |(_, l)| l);
            (local == "callId").then(|| unescape(text.trim()).into_owned())
        })
        .collect()
}

/// Sleeps `delay` in short steps, giving up at shutdown.
fn pause(hub: &Hub, delay: Duration) {
    let until = Instant::now() + delay;
    while !hub.is_shutting_down() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

/// Handles an Xsi-Actions request on XSP `xsp` (authenticated already): its answer, or
/// [`Outcome::Drop`] when a drop fault closes the connection instead.
pub(crate) fn handle(hub: &Arc<Hub>, xsp: usize, req: &Request<'_>) -> Outcome {
    let delay = hub.xsps[xsp].action_fault.lock().delay_of(req.path());
    if !delay.is_zero() {
        pause(hub, delay);
    }
    let (injected, dropped) = {
        let mut f = hub.xsps[xsp].action_fault.lock();
        if f.count > 0 {
            f.count -= 1;
            (Some(f.status), false)
        } else if f.drops > 0 {
            f.drops -= 1;
            (None, true)
        } else {
            (None, false)
        }
    };
    let reply = match injected {
        Some(status) => error_reply(status, "Injected failure", 110_000 + u32::from(status)),
        None => route(hub, req),
    };
    // A dropped command is recorded with status 0: it was carried out, never answered.
    let status = if dropped { 0 } else { reply.status };
    let name = &hub.xsps[xsp].name;
    hub.log(|| {
        let answer = if dropped {
            format!("{} (dropped unanswered)", reply.status)
        } else {
            reply.status.to_string()
        };
        format!("{name}: {} {} -> {answer}", req.method, req.target)
    });
    hub.record_action(ActionRecord {
        xsp,
        method: method_name(req.method),
        path: req.path().to_string(),
        query: req.query().to_string(),
        body: req.body_text().into_owned(),
        status,
    });
    if dropped {
        Outcome::Drop
    } else {
        Outcome::Reply(reply)
    }
}

fn route(hub: &Hub, req: &Request<'_>) -> Reply {
    let segs: Vec<String> = req
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s).into_owned())
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let query = query_pairs(req.query());
    let param = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    if let [_actions, _version, "routepoint", rp, rest @ ..] = segs.as_slice() {
        let rp = dn_of(rp, &hub.cfg.domain);
        return contact::route_point(hub, rp, req.method, rest, param("address"));
    }
    let [_actions, _version, "user", user, rest @ ..] = segs.as_slice() else {
        return not_found();
    };
    let dn = dn_of(user, &hub.cfg.domain).to_string();
    match (req.method, rest) {
        ("POST", ["calls", "new"]) => match param("address") {
            Some(address) => new_call(hub, req.path(), &dn, &address_dn(&address)),
            None => error_reply(400, "address is required", 4_002),
        },
        ("POST", ["calls", "Conference"]) => conference(hub, &dn, &req.body_text()),
        ("DELETE", ["calls", id]) => on_leg(hub, &dn, id, |m, n, _, now| m.release(n, &dn, now)),
        ("PUT", ["calls", id, "Talk"]) => talk(hub, &dn, id),
        ("PUT", ["calls", id, "Hold"]) => on_leg(hub, &dn, id, |m, n, leg, now| {
            if leg.state == LegState::Active {
                m.hold(n, &dn, now)
            } else {
                Vec::new()
            }
        }),
        ("PUT", ["calls", id, "BlindTransfer"]) => match param("address") {
            Some(address) => {
                let to = address_dn(&address);
                on_leg(hub, &dn, id, |m, n, _, now| {
                    m.blind_transfer(n, &dn, &to, now)
                })
            }
            None => error_reply(400, "address is required", 4_002),
        },
        ("PUT", ["calls", held, "ConsultTransfer", active]) => {
            consult_transfer(hub, &dn, held, active)
        }
        ("PUT", ["calls", id, "TransmitDTMF"]) => match param("playdtmf") {
            Some(_) => dtmf(hub, &dn, id),
            None => error_reply(400, "playdtmf is required", 4_002),
        },
        ("PUT" | "GET", ["services", "CallCenter"]) => {
            contact::agent_service(hub, &dn, req.method, &req.body_text())
        }
        ("PUT", ["services", "DoNotDisturb"]) => {
            let body = req.body_text();
            service(hub, &dn, &body, "DoNotDisturb", |s, active| {
                s.do_not_disturb = active
            })
        }
        ("PUT", ["services", "CallForwardingAlways"]) => {
            let body = req.body_text();
            let number = element_text(&body, "forwardToPhoneNumber").map(|t| t.into_owned());
            service(hub, &dn, &body, "CallForwardingAlways", move |s, active| {
                s.forward_always = active;
                if number.is_some() {
                    s.forward_to.clone_from(&number);
                }
            })
        }
        (method, rest) => features::route(hub, &dn, method, req.path(), rest, param("address")),
    }
}

/// Runs `op` on `dn`'s leg `call_id`: 404 when there is no such leg, 400 when `op` emits
/// nothing (the leg's state does not allow it), 200 otherwise.
pub(crate) fn on_leg(
    hub: &Hub,
    dn: &str,
    call_id: &str,
    op: impl FnOnce(&mut CallModel, u64, &Leg, u64) -> Vec<Emit>,
) -> Reply {
    let mut st = hub.state.lock();
    let Some((n, leg)) = half_of(call_id).and_then(|h| st.calls.leg_of(dn, h)) else {
        return no_call(call_id);
    };
    let emits = op(&mut st.calls, n, &leg, now_ms());
    if emits.is_empty() {
        return bad_state(&format!("Call {call_id} is {:?}", leg.state));
    }
    st.emit(emits);
    Reply::empty(200)
}

/// Talk: answers an alerting leg allowed to answer, else retrieves a held one.
fn talk(hub: &Hub, dn: &str, call_id: &str) -> Reply {
    on_leg(hub, dn, call_id, |m, n, leg, now| match leg.state {
        LegState::Alerting if leg.allow_answer => m.answer(n, now),
        LegState::Held => m.retrieve(n, dn),
        _ => Vec::new(),
    })
}

/// Click-to-dial from `dn`; `path` is the request's (raw) `…/calls/new`.
fn new_call(hub: &Hub, path: &str, dn: &str, to: &str) -> Reply {
    if to.is_empty() {
        return error_reply(400, "address is empty", 4_002);
    }
    let mut st = hub.state.lock();
    let (n, emits) = st.calls.click_to_dial(dn, to, now_ms());
    st.emit(emits);
    let half = st.calls.half_in(n, dn).unwrap_or_default();
    drop(st);
    let calls = path.strip_suffix("/new").unwrap_or(path);
    call_started(calls, n, half)
}

/// 201 with `CallStartInfo` and the `Location` of the user's new leg `callhalf-<half>:0` in call
/// `n`; `calls` is the request's (raw) `…/calls`.
pub(crate) fn call_started(calls: &str, n: u64, half: u64) -> Reply {
    let call_id = format!("callhalf-{half}:0");
    let ext = format!("{n}:1");
    let children = [("callId", call_id.as_str()), ("externalTrackingId", &ext)];
    let body = bwcsta::xml::document("CallStartInfo", bwcsta::xsi::body::XSI_NAMESPACE, &children);
    let mut reply = Reply::new(201, XML, body);
    reply
        .headers
        .push(("Location", format!("{calls}/{call_id}")));
    reply
}

fn consult_transfer(hub: &Hub, dn: &str, held: &str, active: &str) -> Reply {
    let mut st = hub.state.lock();
    let find = |id: &str| half_of(id).and_then(|h| st.calls.leg_of(dn, h));
    let (Some((h, _)), Some((a, _))) = (find(held), find(active)) else {
        let missing = if find(held).is_none() { held } else { active };
        return no_call(missing);
    };
    let emits = st.calls.consult_transfer(h, a, dn, now_ms());
    if emits.is_empty() {
        return bad_state("ConsultTransfer needs two calls with another party each");
    }
    st.emit(emits);
    Reply::empty(200)
}

fn conference(hub: &Hub, dn: &str, body: &str) -> Reply {
    let ids = call_ids(body);
    if ids.len() != 2 {
        return bad_state("Conference needs two callIds (three-way call)");
    }
    let mut st = hub.state.lock();
    let mut calls = Vec::new();
    for id in &ids {
        match half_of(id).and_then(|h| st.calls.leg_of(dn, h)) {
            Some((n, _)) => calls.push(n),
            None => return no_call(id),
        }
    }
    let emits = st.calls.conference(calls[0], calls[1], dn);
    if emits.is_empty() {
        return bad_state("Conference of one call with itself");
    }
    st.emit(emits);
    Reply::empty(200)
}

fn dtmf(hub: &Hub, dn: &str, call_id: &str) -> Reply {
    let st = hub.state.lock();
    match half_of(call_id).and_then(|h| st.calls.leg_of(dn, h)) {
        Some((_, leg)) if leg.state == LegState::Active => Reply::empty(200),
        Some((_, leg)) => bad_state(&format!("Call {call_id} is {:?}", leg.state)),
        None => no_call(call_id),
    }
}

/// A PUT of `service` (`DoNotDisturb`, `CallForwardingAlways`): the settings stored, then the
/// service event to the user's subscriptions of that package.
fn service(
    hub: &Hub,
    dn: &str,
    body: &str,
    service: &str,
    set: impl FnOnce(&mut UserServices, bool),
) -> Reply {
    let active = match element_text(body, "active").as_deref().map(str::trim) {
        Some("true") => true,
        Some("false") => false,
        _ => return error_reply(400, "active must be true or false", 4_003),
    };
    let event = {
        let mut services = hub.services.lock();
        let settings = services.entry(user_id(dn, &hub.cfg.domain)).or_default();
        set(settings, active);
        features::service_event(service, settings)
    };
    hub.state.lock().emit_data(dn, &event);
    Reply::empty(200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_bodies() {
        for (address, dn) in [
            ("2002", "2002"),
            ("tel:+15552002", "+15552002"),
            ("sip:2002@example.net;user=phone", "2002"),
            (" 2003 ", "2003"),
        ] {
            assert_eq!(address_dn(address), dn, "{address}");
        }
        let body = "<Conference xmlns=\"x\"><conferenceParticipantList>\
            <conferenceParticipant><callId>callhalf-1:0</callId></conferenceParticipant>\
            <conferenceParticipant><callId>callhalf-2:0</callId></conferenceParticipant>\
            </conferenceParticipantList></Conference>";
        assert_eq!(call_ids(body), ["callhalf-1:0", "callhalf-2:0"]);
        assert!(call_ids("<Conference/>").is_empty());
        assert_eq!(half_of("callhalf-1001:0"), Some(1001));
        assert_eq!(half_of("callhalf-x:0"), None);
        assert_eq!(half_of("1001"), None);
    }
}
