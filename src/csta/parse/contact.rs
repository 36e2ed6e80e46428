//! The readers of the contact-centre messages: agent state (SetAgentState,
//! GetAgentState and its response), routeing (RouteRegister, RouteRequest,
//! RouteSelect, RouteEnd) and PlayMessage.

use super::node::Node;
use super::{Message, Parsed};
use crate::xml::text::xs_boolean;

/// `ReqAgentState` values.
pub const REQUESTED_AGENT_STATES: [&str; 5] = [
    "loggedOn",
    "loggedOff",
    "notReady",
    "ready",
    "workingAfterCall",
];

pub(super) fn set_agent_state(m: Node<'_>) -> Parsed<Message> {
    let state = m.required_text("requestedAgentState")?;
    if !REQUESTED_AGENT_STATES.contains(&state.as_str()) {
        return Err(m.invalid("requestedAgentState", state));
    }
    Ok(Message::SetAgentState {
        device: m.required_text("device")?,
        requested_state: state,
        agent_id: m.optional_text("agentID"),
        group: m.optional_text("group"),
    })
}

/// Every `agentStateEntry`: its `loggedOnState` and the `agentState` of
/// each of its `agentInfo` items.
pub(super) fn get_agent_state_response(m: Node<'_>) -> Parsed<Message> {
    let mut logged_on = None;
    let mut states = Vec::new();
    let entries = m
        .child("agentStateList")
        .into_iter()
        .flat_map(Node::children)
        .filter(|e| e.local() == "agentStateEntry");
    for entry in entries {
        if let Some(text) = entry.optional_text("loggedOnState") {
            logged_on = Some(xs_boolean(&text).ok_or_else(|| m.invalid("loggedOnState", text))?);
        }
        let infos = entry
            .child("agentInfo")
            .into_iter()
            .flat_map(Node::children);
        states.extend(infos.filter_map(|info| info.optional_text("agentState")));
    }
    Ok(Message::GetAgentStateResponse { logged_on, states })
}

pub(super) fn route_request(m: Node<'_>) -> Parsed<Message> {
    let device = |name: &str| {
        m.child(name)
            .and_then(|d| d.optional_text("deviceIdentifier"))
    };
    Ok(Message::RouteRequest {
        cross_ref: m.required_text("crossRefIdentifier")?,
        register_id: m.optional_text("routeRegisterReqID"),
        current_route: device("currentRoute"),
        calling_device: device("callingDevice"),
        routed_call: m.connection("routedCall")?,
    })
}

pub(super) fn route_end(m: Node<'_>) -> Parsed<Message> {
    // errorValue holds one element named after the error category.
    let error = m.child("errorValue").map(|value| {
        value
            .children()
            .next()
            .map(|c| (c.local().to_owned(), c.text()))
            .unwrap_or_default()
    });
    Ok(Message::RouteEnd {
        cross_ref: m.required_text("crossRefIdentifier")?,
        register_id: m.optional_text("routeRegisterReqID"),
        error,
    })
}

pub(super) fn play_message(m: Node<'_>) -> Parsed<Message> {
    let message = m.required_text("messageToBePlayed")?;
    let connection = m.connection("overConnection")?;
    Ok(Message::PlayMessage {
        message,
        connection,
    })
}

pub(super) fn route_select(m: Node<'_>) -> Parsed<Message> {
    Ok(Message::RouteSelect {
        cross_ref: m.required_text("crossRefIdentifier")?,
        register_id: m.optional_text("routeRegisterReqID"),
        route_selected: m.required_text("routeSelected")?,
    })
}
