//! The feature Xsi-Actions of one XSP (README, "Call control"), after
//! `/com.broadsoft.xsi-actions/v2.0/user/<userId>`:
//!
//! | method and path | answer |
//! |---|---|
//! | `GET /services/DoNotDisturb`, `GET /services/CallForwardingAlways` | 200, the settings |
//! | `POST /calls/DirectedCallPickup?address=` | 201, `CallStartInfo`: the call ringing there is picked up |
//! | `POST /calls/CallPickup` | 201, `CallStartInfo`: the oldest call ringing at another user |
//! | `POST /calls/DirectedCallPickupBargeIn?address=` | 201, `CallStartInfo`: a three-way call (a pickup while it rings) |
//! | `PUT /calls/<callId>/Park?address=`, `PUT /calls/<callId>/GroupCallPark` | 200; parked at the address (the group park parks at the user itself) |
//! | `POST /calls/ParkRetrieve?address=` | 201, `CallStartInfo`: the call parked there |
//! | `PUT /calls/<callId>/{Record,PauseRecording,ResumeRecording,StopRecording}` | 200; the recording events |
//! | `PUT /calls/<callId>/Reconnect` | 200; the held call retrieved, the user's others released |
//!
//! The PUTs of DoNotDisturb and CallForwardingAlways (in `actions`) send the service event
//! ([`service_event`]) to the `Do Not Disturb` and `Call Forwarding Always` subscriptions.
//! Nothing to pick up, retrieve or park, or a leg whose state does not allow the command: 400.

use super::{address_dn, bad_state, call_started, not_found, on_leg};
use crate::sim::calls::{event_data, CallModel, Emit, RecordingCommand};
use crate::sim::hub::Hub;
use crate::sim::reply::{error_reply, Reply, XML};
use crate::sim::state::now_ms;
use crate::sim::stats::UserServices;
use crate::sim::xml::escape_into;

/// A feature command of user `dn`; `rest` is the path after `…/user/<id>`, `path` the whole
/// (raw) path.
pub(crate) fn route(
    hub: &Hub,
    dn: &str,
    method: &str,
    path: &str,
    rest: &[&str],
    address: Option<String>,
) -> Reply {
    let address = address.as_deref().map(address_dn);
    match (method, rest) {
        ("GET", ["services", service @ ("DoNotDisturb" | "CallForwardingAlways")]) => {
            service_settings(hub, dn, service)
        }
        ("POST", ["calls", verb]) => {
            let calls = path.rsplit_once('/').map_or(path, |(calls, _)| calls);
            start(hub, dn, verb, address.as_deref(), calls)
        }
        ("PUT", ["calls", id, "Park"]) => match address {
            Some(at) => park(hub, dn, id, &at),
            None => error_reply(400, "address is required", 4_002),
        },
        ("PUT", ["calls", id, "GroupCallPark"]) => park(hub, dn, id, dn),
        ("PUT", ["calls", id, "Reconnect"]) => {
            on_leg(hub, dn, id, |m, n, _, now| m.reconnect(n, dn, now))
        }
        ("PUT", ["calls", id, verb]) => match RecordingCommand::from_verb(verb) {
            Some(command) => on_leg(hub, dn, id, |m, n, _, _| m.recording(n, dn, command)),
            None => not_found(),
        },
        _ => not_found(),
    }
}

/// The `POST U/calls/<verb>` that give the user a new leg in an existing call.
fn start(hub: &Hub, dn: &str, verb: &str, address: Option<&str>, calls: &str) -> Reply {
    type Op = fn(&mut CallModel, &str, Option<&str>, u64) -> Option<(u64, u64, Vec<Emit>)>;
    let op: Op = match verb {
        "DirectedCallPickup" => |m, dn, at, now| m.pickup(dn, Some(at?), now),
        "CallPickup" => |m, dn, _, now| m.pickup(dn, None, now),
        "DirectedCallPickupBargeIn" => |m, dn, at, now| m.barge_in(dn, at?, now),
        "ParkRetrieve" => |m, dn, at, now| m.park_retrieve(dn, at?, now),
        _ => return not_found(),
    };
    if verb != "CallPickup" && address.is_none() {
        return error_reply(400, "address is required", 4_002);
    }
    let mut st = hub.state.lock();
    let Some((n, half, emits)) = op(&mut st.calls, dn, address, now_ms()) else {
        let what = address.unwrap_or("any user");
        return bad_state(&format!("{verb}: no call to take at {what}"));
    };
    st.emit(emits);
    drop(st);
    call_started(calls, n, half)
}

fn park(hub: &Hub, dn: &str, call_id: &str, at: &str) -> Reply {
    on_leg(hub, dn, call_id, |m, n, _, now| m.park(n, dn, at, now))
}

/// The fields of `service` (`DoNotDisturb` or `CallForwardingAlways`) with the settings `s`,
/// in schema order: what both the settings ([`service_settings`]) and the service event
/// ([`service_event`]) hold.
fn service_fields<'s>(service: &str, s: &'s UserServices) -> Vec<(&'static str, &'s str)> {
    let on = bwcsta::xml::text::xs_bool;
    let mut fields = Vec::new();
    if service == "DoNotDisturb" {
        fields.push(("active", on(s.do_not_disturb)));
    } else {
        fields.push(("active", on(s.forward_always)));
        if let Some(to) = s.forward_to.as_deref() {
            fields.push(("forwardToPhoneNumber", to));
        }
    }
    fields.push(("ringSplash", "false"));
    fields
}

/// `<DoNotDisturb>` or `<CallForwardingAlways>` with the user's settings.
fn service_settings(hub: &Hub, dn: &str, service: &str) -> Reply {
    let user = crate::sim::calls::user_id(dn, &hub.cfg.domain);
    let s = hub.services.lock().get(&user).cloned().unwrap_or_default();
    let fields = service_fields(service, &s);
    let body = bwcsta::xml::document(service, bwcsta::xsi::body::XSI_NAMESPACE, &fields);
    Reply::new(200, XML, body)
}

/// The service event a PUT of `service` causes: `DoNotDisturbEvent` or
/// `CallForwardingAlwaysEvent`, with the settings as they are now.
pub(crate) fn service_event(service: &str, s: &UserServices) -> String {
    let kind = format!("{service}Event");
    event_data(&kind, |o| {
        o.push_str("<xsi:info>");
        for (name, text) in service_fields(service, s) {
            o.push_str("<xsi:");
            o.push_str(name);
            o.push('>');
            escape_into(o, text);
            o.push_str("</xsi:");
            o.push_str(name);
            o.push('>');
        }
        o.push_str("</xsi:info>");
    })
}
