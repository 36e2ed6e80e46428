//! The Xsi vocabularies the Xsi side and the translation share, sans-IO:
//! BroadWorks' spellings in one place, typed.
//!
//! The parser keeps what BroadWorks sent as text (an unknown value is
//! logged, not lost); whoever acts on a value reads it with `from_xsi`, and
//! whatever goes to BroadWorks is written with `as_xsi`.

/// A call-centre agent's ACD state (`agentACDState` of
/// `U/services/CallCenter`, `agentStateInfo/state` of an `AgentStateEvent`). Its CSTA side is `translate::agent`'s table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgentState {
    /// `Sign-In`: logged on, not yet available.
    SignIn,
    /// `Available`: ready for calls.
    Available,
    /// `Unavailable`: logged on, not ready.
    Unavailable,
    /// `Wrap-Up`: after-call work.
    WrapUp,
    /// `Sign-Out`: logged off.
    SignOut,
}

impl AgentState {
    pub const ALL: [AgentState; 5] = [
        AgentState::SignIn,
        AgentState::Available,
        AgentState::Unavailable,
        AgentState::WrapUp,
        AgentState::SignOut,
    ];

    /// BroadWorks' spelling.
    pub fn as_xsi(self) -> &'static str {
        match self {
            AgentState::SignIn => "Sign-In",
            AgentState::Available => "Available",
            AgentState::Unavailable => "Unavailable",
            AgentState::WrapUp => "Wrap-Up",
            AgentState::SignOut => "Sign-Out",
        }
    }

    /// The state BroadWorks spells `xsi`; `None` for one this side does
    /// not know (BroadWorks releases may add states, e.g. `On-Break`).
    pub fn from_xsi(xsi: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_xsi() == xsi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_states_read_back_as_broadworks_spells_them() {
        let spelled = ["Sign-In", "Available", "Unavailable", "Wrap-Up", "Sign-Out"];
        let written: Vec<&str> = AgentState::ALL.iter().map(|s| s.as_xsi()).collect();
        assert_eq!(written, spelled);
        for state in AgentState::ALL {
            assert_eq!(AgentState::from_xsi(state.as_xsi()), Some(state));
        }
        for unknown in ["On-Break", "sign-in", "", "Available "] {
            assert_eq!(AgentState::from_xsi(unknown), None, "{unknown:?}");
        }
    }
}
