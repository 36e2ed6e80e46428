//! The contact-centre Xsi-Actions of one XSP (README, "Contact centre"):
//!
//! | method and path | answer |
//! |---|---|
//! | `PUT …/user/<id>/services/CallCenter` (`agentACDState`) | 200; AgentStateEvent |
//! | `GET …/user/<id>/services/CallCenter` | 200, `<CallCenter><agentACDState>…` |
//! | `PUT …/routepoint/<id>/calls/<callId>/BlindTransfer?address=` | 200; the call is routed |
//! | `PUT …/routepoint/<id>/calls/<callId>/Fail` | 200; the call fails, the caller is released |
//! | `PUT …/routepoint/<id>/calls/<callId>/Play{Busy,MusicOnHold,Ringback,Silence,Treatment}` | 200, `RoutePointPlayInfo` |
//!
//! A call the route point does not hold is 404, an unknown agent state 400.

use super::{address_dn, no_call, not_found};
use crate::sim::calls::half_of;
use crate::sim::hub::Hub;
use crate::sim::reply::{error_reply, Reply, XML};
use crate::sim::state::contact::{Play, AGENT_STATES};
use crate::sim::xml::{element_text, escape, DECL};

/// `PUT`/`GET U/services/CallCenter` of agent `dn`.
pub(crate) fn agent_service(hub: &Hub, dn: &str, method: &str, body: &str) -> Reply {
    match method {
        "GET" => {
            let state = hub.state.lock().agent_state(dn);
            let body = format!(
                "{DECL}\n<CallCenter xmlns=\"http://schema.broadsoft.com/xsi\"><agentACDState>{}</agentACDState></CallCenter>",
                escape(&state)
            );
            Reply::new(200, XML, body)
        }
        "PUT" => {
            let Some(state) = element_text(body, "agentACDState").map(|s| s.into_owned()) else {
                return error_reply(400, "agentACDState is required", 4_005);
            };
            if hub.state.lock().set_agent_state(dn, &state) {
                Reply::empty(200)
            } else {
                let known = AGENT_STATES.join(", ");
                error_reply(400, &format!("agentACDState must be one of {known}"), 4_005)
            }
        }
        _ => not_found(),
    }
}

/// A command on route point `rp`'s calls; `rest` is the path after `…/routepoint/<id>`.
pub(crate) fn route_point(
    hub: &Hub,
    rp: &str,
    method: &str,
    rest: &[&str],
    address: Option<String>,
) -> Reply {
    let ["calls", call_id, verb] = rest else {
        return not_found();
    };
    if method != "PUT" {
        return not_found();
    }
    let Some(half) = half_of(call_id) else {
        return no_call(call_id);
    };
    let mut st = hub.state.lock();
    match *verb {
        "BlindTransfer" => {
            let Some(to) = address else {
                return error_reply(400, "address is required", 4_002);
            };
            let to = address_dn(&to);
            if st.rp_transfer(rp, half, &to) {
                Reply::empty(200)
            } else {
                no_call(call_id)
            }
        }
        "Fail" => {
            if st.rp_fail(rp, half) {
                Reply::empty(200)
            } else {
                no_call(call_id)
            }
        }
        verb => {
            let Some(treatment) = Play::from_verb(verb) else {
                return not_found();
            };
            match st.rp_play(rp, half, treatment) {
                Some(id) => Reply::new(
                    200,
                    XML,
                    format!(
                        "{DECL}\n<RoutePointPlayInfo xmlns=\"http://schema.broadsoft.com/xsi\"><playCollectId>{id}</playCollectId></RoutePointPlayInfo>"
                    ),
                ),
                None => no_call(call_id),
            }
        }
    }
}
