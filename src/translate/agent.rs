//! The BroadWorks agent states in CSTA terms (README, Contact centre: the
//! agent rows): one row per [`AgentState`], read in each direction — the
//! `requestedAgentState` of SetAgentState that sets it, the agent event
//! that announces it, and the `agentState` GetAgentState reports.

use crate::csta::build::agent_state;
use crate::xsi::vocab::AgentState;

use super::out::Kind;

/// One agent state as CSTA knows it.
struct Row {
    /// `requestedAgentState` (a `ReqAgentState` value).
    requested: &'static str,
    /// The agent event of a change to this state.
    event: Kind,
    /// `agentState` (an [`agent_state`] value).
    reported: &'static str,
}

/// The table. Sign-In is reported "not ready while logging in".
fn row(state: AgentState) -> Row {
    let row = |requested, event, reported| Row {
        requested,
        event,
        reported,
    };
    match state {
        AgentState::SignIn => row("loggedOn", Kind::AgentLoggedOn, agent_state::NOT_READY),
        AgentState::Available => row("ready", Kind::AgentReady, agent_state::READY),
        AgentState::Unavailable => row("notReady", Kind::AgentNotReady, agent_state::NOT_READY),
        AgentState::WrapUp => row(
            "workingAfterCall",
            Kind::AgentWorkingAfterCall,
            agent_state::WORKING_AFTER_CALL,
        ),
        AgentState::SignOut => row("loggedOff", Kind::AgentLoggedOff, agent_state::NULL),
    }
}

/// The state a CSTA `requestedAgentState` asks for.
pub fn requested(requested: &str) -> Option<AgentState> {
    AgentState::ALL
        .into_iter()
        .find(|&state| row(state).requested == requested)
}

/// The CSTA agent event of a change to `state`.
pub fn event(state: AgentState) -> Kind {
    row(state).event
}

/// The `agentState` GetAgentState reports for `state`.
pub fn reported(state: AgentState) -> &'static str {
    row(state).reported
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csta::parse::REQUESTED_AGENT_STATES;

    #[test]
    fn every_requestable_state_has_one_broadworks_state() {
        let states: Vec<AgentState> = REQUESTED_AGENT_STATES
            .iter()
            .map(|value| requested(value).unwrap_or_else(|| panic!("{value} unmapped")))
            .collect();
        for state in AgentState::ALL {
            assert!(states.contains(&state), "{state:?} cannot be requested");
        }
        assert_eq!(requested("busy"), None);
        for state in AgentState::ALL {
            assert!(agent_state::ALL.contains(&reported(state)), "{state:?}");
        }
    }
}
