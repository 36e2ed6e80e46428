//! The contact-centre messages the server sends: the answers to the agent,
//! routeing and treatment requests, and its own routeing requests
//! (`RouteRequest`, `RouteEnd`). Children in schema order, like the rest of
//! [`super`].

use super::{connection, document, ErrorCategory};
use crate::csta::parse::ConnectionId;
use crate::xml::text::xs_bool;
use crate::xml::XmlWriter;

/// `AgentState` values the server reports (which BroadWorks state is
/// which: `translate::agent`).
pub mod agent_state {
    pub const NOT_READY: &str = "agentNotReady";
    pub const READY: &str = "agentReady";
    pub const WORKING_AFTER_CALL: &str = "agentWorkingAfterCall";
    /// Logged off.
    pub const NULL: &str = "agentNull";
    pub const ALL: [&str; 4] = [NOT_READY, READY, WORKING_AFTER_CALL, NULL];
}

/// `GetAgentStateResponse` with one entry for `agent_id`: logged on unless
/// the state is [`agent_state::NULL`], and its state (an [`agent_state`]
/// value) when known.
pub fn get_agent_state_response(ns: &str, agent_id: &str, state: Option<&str>) -> String {
    document("GetAgentStateResponse", ns, |w| {
        w.open("agentStateList");
        w.open("agentStateEntry");
        w.leaf("agentID", agent_id);
        let logged_on = state.is_some_and(|s| s != agent_state::NULL);
        w.leaf("loggedOnState", xs_bool(logged_on));
        if let Some(state) = state {
            w.open("agentInfo");
            w.open("agentInfoItem");
            w.leaf("agentState", state);
            w.close("agentInfoItem");
            w.close("agentInfo");
        }
        w.close("agentStateEntry");
        w.close("agentStateList");
    })
}

pub fn route_register_response(ns: &str, register_id: &str) -> String {
    document("RouteRegisterResponse", ns, |w| {
        w.leaf("routeRegisterReqID", register_id)
    })
}

/// A device field (`CalledDeviceID`, `CallingDeviceID`, `SubjectDeviceID`):
/// `deviceIdentifier`, or `notKnown` when there is none.
fn device(w: &mut XmlWriter, name: &str, id: Option<&str>) {
    w.open(name);
    match id {
        Some(id) => w.leaf("deviceIdentifier", id),
        None => w.empty("notKnown"),
    }
    w.close(name);
}

/// What a `RouteRequest` says about the call to route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteRequestInfo<'a> {
    pub cross_ref: &'a str,
    pub register_id: &'a str,
    /// The route point, as the client names it.
    pub route_point: &'a str,
    /// The caller, when known.
    pub calling: Option<&'a str>,
    /// The call's CSTA callID.
    pub call_id: &'a str,
}

/// The server's `RouteRequest`: currentRoute and routeingDevice are the
/// route point, routedCall its connection in the call.
pub fn route_request(ns: &str, r: &RouteRequestInfo<'_>) -> String {
    document("RouteRequest", ns, |w| {
        w.leaf("crossRefIdentifier", r.cross_ref);
        w.leaf("routeRegisterReqID", r.register_id);
        device(w, "currentRoute", Some(r.route_point));
        device(w, "callingDevice", r.calling);
        device(w, "routeingDevice", Some(r.route_point));
        let call = ConnectionId {
            call_id: Some(r.call_id.to_owned()),
            device_id: Some(r.route_point.to_owned()),
        };
        connection(w, "routedCall", &call);
    })
}

/// The server's `RouteEnd`; `error` (category and value) when the route
/// failed.
pub fn route_end(
    ns: &str,
    cross_ref: &str,
    register_id: &str,
    error: Option<(ErrorCategory, &str)>,
) -> String {
    document("RouteEnd", ns, |w| {
        w.leaf("crossRefIdentifier", cross_ref);
        w.leaf("routeRegisterReqID", register_id);
        if let Some((category, value)) = error {
            w.open("errorValue");
            match category {
                ErrorCategory::Unspecified => w.empty(category.element()),
                _ => w.leaf(category.element(), value),
            }
            w.close("errorValue");
        }
    })
}
