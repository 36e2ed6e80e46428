//! What a CSTA request becomes on the Xsi side, shared by the planners of
//! [`super::control`] (call control) and [`super::contact`] (agents, route
//! points): the [`Plan`] of Xsi requests and the answer to send when they
//! succeed, or the [`Refusal`] to answer at once; and the [`Scope`] of the
//! requesting session they are checked against.

use crate::csta::build::{Ack, ErrorCategory, Pickup, SnapshotCallItem};
use crate::device::DeviceKind;
use crate::xsi::actions::XsiRequest;

/// What the requesting session monitors.
pub trait Scope {
    /// The BroadWorks user of `device` when this session monitors it.
    fn user_of(&self, device: &str) -> Option<String>;
    /// `(user, device)` of every device this session monitors.
    fn monitored(&self) -> Vec<(String, String)>;
    /// The kind of a monitored user (`devices` in the configuration).
    fn kind(&self, _user: &str) -> DeviceKind {
        DeviceKind::User
    }
}

/// A request answered with an error at once, without any Xsi request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub category: ErrorCategory,
    pub value: &'static str,
    /// For the log line.
    pub reason: String,
}

/// The positive answer to send once every Xsi request succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Ack(Ack),
    /// `MakeCallResponse`: the calling device's connection in the new call.
    MakeCall,
    /// `ConsultationCallResponse`: the device's connection in the new call.
    Consultation,
    Transfer {
        call_id: String,
    },
    SingleStepTransfer {
        call_id: String,
    },
    Conference {
        call_id: String,
    },
    /// `GetAgentStateResponse` from the agent state BroadWorks returned.
    AgentState,
    /// `GetDoNotDisturbResponse` from the service settings BroadWorks
    /// returned.
    DoNotDisturb,
    /// `GetForwardingResponse` from the service settings BroadWorks
    /// returned.
    Forwarding,
    /// `SnapshotCallResponse`, from the call model: the plan has no Xsi
    /// request.
    SnapshotCall(Vec<SnapshotCallItem>),
    /// `DirectedPickupCallResponse` / `GroupPickupCallResponse`: the
    /// device's connection in the call it picked up.
    Picked(Pickup),
    /// `RecordMessageResponse` with the recording's message id.
    Recording {
        message: String,
    },
    /// RouteSelect: nothing on success; a failure ends the routeing
    /// dialogue with a RouteEnd carrying the error.
    Routed {
        cross_ref: String,
    },
    /// Nothing to answer (the client's RouteEnd).
    Silent,
}

/// The Xsi work of one CSTA request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The CSTA request's name, for logs.
    pub request: &'static str,
    /// The BroadWorks user controlled (the user of every path).
    pub user: String,
    /// That user's device as the client named it.
    pub device: String,
    pub steps: Vec<XsiRequest>,
    /// Sent instead of the one step when the XSP does not support it (404,
    /// 501): ReconnectCall's two-step form.
    pub fallback: Vec<XsiRequest>,
    pub reply: Reply,
    /// The number a new call goes to (MakeCall, ConsultationCall), to
    /// record the call in the model before its first event.
    pub dialled: Option<String>,
    /// The route point call (its BroadWorks callId) a route point request
    /// acts on: those take turns per call, not per route point.
    pub route_point_call: Option<String>,
}

impl Plan {
    /// A plan of `steps` on `user` (the client's `device`), answered with
    /// `reply`: no fallback, no dialled number, the user's own turn.
    pub fn new(
        request: &'static str,
        user: String,
        device: String,
        steps: Vec<XsiRequest>,
        reply: Reply,
    ) -> Plan {
        Plan {
            request,
            user,
            device,
            steps,
            fallback: Vec::new(),
            reply,
            dialled: None,
            route_point_call: None,
        }
    }

    /// The key of the plan's turn: requests with the same key run one at a
    /// time, in order (a user's, or one route point call's).
    pub fn turn(&self) -> String {
        match &self.route_point_call {
            Some(call) => format!("{} {call}", self.user),
            None => self.user.clone(),
        }
    }
}
