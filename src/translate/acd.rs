//! Contact-centre events → CSTA events (README, Contact centre: the
//! queue event table): the Call Center Queue and Route Point Queue events on
//! the ACD or routeing device, the agent events on the agent's device.
//!
//! A queue event is about the queue's own leg of a call: the CSTA
//! connection is {callID = the call's extTrackingId, deviceID = the queue
//! (the monitored device)}, the caller is the remote party. [`shape`] is the
//! mapping table, one row per Xsi event type; [`QueueModel`] keeps the calls
//! each monitored queue holds, for SnapshotDevice, for the events that
//! refer back to a call (an updated tracking id) and for routeing (a route
//! point call by its CSTA callID).

use std::collections::{BTreeMap, HashMap};

use crate::xsi::parse::{EventData, QueueEntry, QueueEvent, QueueEventKind};
use crate::xsi::vocab::AgentState;

use super::agent;
use super::map::{redirect_device, remote_device};
use super::out::{Conn, CstaEvent, Dev, Kind, ListItem, Redirection};

/// One call in a queue, as the model keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    /// BroadWorks callId of the queue's leg.
    pub call_id: String,
    /// CSTA callID (the extTrackingId).
    pub csta_call: String,
    /// The caller.
    pub calling: Dev,
    /// `localConnectionInfo` of the queue's connection: `queued` in a call
    /// centre, `alerting` at a route point.
    pub state: &'static str,
}

/// The calls in every monitored queue: user id → callId → call.
#[derive(Default)]
pub struct QueueModel {
    queues: HashMap<String, BTreeMap<String, Queued>>,
}

impl QueueModel {
    pub fn get(&self, user: &str, call_id: &str) -> Option<&Queued> {
        self.queues.get(user)?.get(call_id)
    }

    /// The call of `user`'s queue whose CSTA callID is `csta_call`.
    pub fn by_csta_call(&self, user: &str, csta_call: &str) -> Option<&Queued> {
        self.queues
            .get(user)?
            .values()
            .find(|q| q.csta_call == csta_call)
    }

    /// The users (queues) with calls.
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.queues.keys().map(String::as_str)
    }

    /// The calls in `user`'s queue, by callId.
    pub fn entries(&self, user: &str) -> Vec<Queued> {
        self.queues
            .get(user)
            .map(|q| q.values().cloned().collect())
            .unwrap_or_default()
    }

    fn insert(&mut self, user: &str, queued: Queued) {
        self.queues
            .entry(user.to_owned())
            .or_default()
            .insert(queued.call_id.clone(), queued);
    }

    fn remove(&mut self, user: &str, call_id: &str) -> Option<Queued> {
        let queue = self.queues.get_mut(user)?;
        let gone = queue.remove(call_id);
        if queue.is_empty() {
            self.queues.remove(user);
        }
        gone
    }

    pub fn forget_user(&mut self, user: &str) {
        self.queues.remove(user);
    }

    /// Number of queued calls across all queues.
    pub fn len(&self) -> usize {
        self.queues.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a queue event becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `QueuedEvent`: the call entered the call centre's queue.
    Queued,
    /// `DeliveredEvent` (alerting): a call arrived at the route point.
    Arrived,
    /// `DeliveredEvent` (queued): the call is offered to an agent, or
    /// re-offered after a bounce.
    Offered,
    /// `DivertedEvent` to the answering agent (`answeringUserId`).
    Answered,
    /// `DivertedEvent` to the redirect address, with this cause.
    Diverted(&'static str),
    /// `DeliveredEvent`, or `DivertedEvent` when the event has a `redirect`.
    Bounced,
    /// `ConnectionClearedEvent` with this cause.
    Cleared(&'static str),
    /// `CallInformationEvent`.
    Information,
    /// `TransferedEvent`: the call's tracking id changed.
    Updated,
    /// `PlayEvent` of treatment 0–4 (busy, music on hold, ringback,
    /// silence, treatment).
    Play(u8),
    /// `StopEvent` of treatment 0–4; the cause from the completion reason.
    Stop(u8),
    /// `FailedEvent` (`blocked`): admission control refused the call.
    Rejected,
}

impl Shape {
    /// The call always leaves the queue or route point with it (a bounce
    /// leaves only when it has a redirect).
    pub fn leaves(self) -> bool {
        matches!(
            self,
            Shape::Answered | Shape::Diverted(_) | Shape::Cleared(_) | Shape::Rejected
        )
    }
}

/// The mapping table: the CSTA event of each queue event type.
pub fn shape(kind: QueueEventKind) -> Shape {
    use QueueEventKind as K;
    match kind {
        K::AcdCallAdded => Shape::Queued,
        K::AcdCallOfferedToAgent | K::RpCallOfferedToAgent => Shape::Offered,
        K::AcdCallAnsweredByAgent | K::RpCallAnsweredByAgent => Shape::Answered,
        K::AcdCallAbandoned | K::RpCallAbandoned => Shape::Cleared("callCancelled"),
        K::AcdCallReleased | K::RpCallReleased | K::AcdCallEscaped => {
            Shape::Cleared("normalClearing")
        }
        K::AcdCallStranded | K::AcdCallStrandedUnavailable => Shape::Cleared("noAvailableAgents"),
        K::RpCallFailed => Shape::Cleared("destNotObtainable"),
        K::AcdCallOverflowed | K::RpCallOverflowed => Shape::Diverted("overflow"),
        K::AcdCallForwarded | K::RpCallForwarded => Shape::Diverted("callForward"),
        K::AcdCallTransferred | K::RpCallTransferred => Shape::Diverted("singleStepTransfer"),
        K::AcdNightPolicyApplied
        | K::AcdHolidayPolicyApplied
        | K::RpNightPolicyApplied
        | K::RpHolidayPolicyApplied => Shape::Diverted("callForward"),
        K::AcdCallBounced | K::RpCallBounced => Shape::Bounced,
        K::AcdCallPromoted | K::AcdCallReordered | K::AcdWhisperStarted | K::RpWhisperStarted => {
            Shape::Information
        }
        K::RpCallRejected => Shape::Rejected,
        K::AcdCallUpdated | K::RpCallUpdated => Shape::Updated,
        K::RpCallAdded => Shape::Arrived,
        K::RpBusyStarted => Shape::Play(0),
        K::RpMohStarted => Shape::Play(1),
        K::RpRingbackStarted => Shape::Play(2),
        K::RpSilenceStarted => Shape::Play(3),
        K::RpTreatmentStarted => Shape::Play(4),
        K::RpBusyCompleted => Shape::Stop(0),
        K::RpMohCompleted => Shape::Stop(1),
        K::RpRingbackCompleted => Shape::Stop(2),
        K::RpSilenceCompleted => Shape::Stop(3),
        K::RpTreatmentCompleted => Shape::Stop(4),
    }
}

/// A route point call's routeing dialogue: it starts when the call arrives
/// and ends when the call leaves the route point (README, Contact centre).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteEffect {
    Arrives,
    Leaves,
    Stays,
}

/// What a queue event means for routeing: as for the queue model, a
/// bounced call with a `redirect` has left the route point.
pub fn route_effect(kind: QueueEventKind, event: &QueueEvent) -> RouteEffect {
    if !kind.is_route_point() {
        return RouteEffect::Stays;
    }
    match shape(kind) {
        Shape::Arrived => RouteEffect::Arrives,
        s if s.leaves() => RouteEffect::Leaves,
        Shape::Bounced if event.redirect.is_some() => RouteEffect::Leaves,
        _ => RouteEffect::Stays,
    }
}

/// CSTA cause of a treatment's completion (README, Contact centre: the
/// `RoutePoint…Completed` row; ECMA-323 spellings). `Match` and an absent reason are not in that
/// table: they end the treatment normally.
pub fn completion_cause(reason: Option<&str>) -> &'static str {
    match reason {
        Some("NoMatch") => "invalidNumberFormat",
        Some("Timeout") => "timeout",
        Some("EOF") => "terminationCharacterReceived",
        Some("Stopped-OutOfQueue") => "switchingFunctionTerminated",
        Some("Stopped-NewPlayCollect") => "nextMessage",
        Some("Stopped-OfferedWithRingback") => "distributed",
        Some("Error") => "reserved",
        _ => "normal",
    }
}

/// A BroadWorks user id as a CSTA device: its part before `@`.
pub fn device_of_user(user_id: &str) -> String {
    user_id.split('@').next().unwrap_or(user_id).to_owned()
}

/// Translates one contact-centre event of `user` (a queue or an agent);
/// `None` when `data` is not one.
pub fn translate(queues: &mut QueueModel, user: &str, data: &EventData) -> Option<Vec<CstaEvent>> {
    Some(match data {
        EventData::Queue { kind, event } => vec![queue_event(queues, user, *kind, event)],
        EventData::QueueSnapshot {
            route_point,
            entries,
        } => {
            let state = if *route_point { "alerting" } else { "queued" };
            resync(queues, user, entries, state)
        }
        EventData::AgentState {
            state: Some(state),
            snapshot: false,
        } => agent_state(user, state),
        // The agent's state when the subscription starts: nothing changed.
        EventData::AgentState { .. } => Vec::new(),
        EventData::AgentJoin {
            acd_user_id,
            joined,
        } => vec![agent_join(acd_user_id, *joined)],
        _ => return None,
    })
}

/// An agent state change: its agent event, when CSTA has one.
fn agent_state(user: &str, state: &str) -> Vec<CstaEvent> {
    match AgentState::from_xsi(state) {
        Some(state) => {
            vec![CstaEvent::without_connection(agent::event(state))
                .device("agentDevice", Dev::Local)]
        }
        None => {
            log::debug!("{user}: agent state {state:?} has no CSTA event");
            Vec::new()
        }
    }
}

/// The agent joined or left a call centre (`acd_user_id`): logged on or
/// off in that ACD group.
fn agent_join(acd_user_id: &str, joined: bool) -> CstaEvent {
    let kind = if joined {
        Kind::AgentLoggedOn
    } else {
        Kind::AgentLoggedOff
    };
    CstaEvent::without_connection(kind)
        .device("agentDevice", Dev::Local)
        .leaf("acdGroup", device_of_user(acd_user_id))
}

/// One queue event: the dispatch to the function of its [`shape`], each
/// making the one CSTA event (the table tests in `tests/contact.rs` give
/// each row).
fn queue_event(
    queues: &mut QueueModel,
    user: &str,
    kind: QueueEventKind,
    event: &QueueEvent,
) -> CstaEvent {
    let q = QueueCall::new(queues, user, kind, event);
    match shape(kind) {
        Shape::Queued => q.queued(queues),
        Shape::Arrived => q.arrived(queues),
        Shape::Offered => q.offered(queues),
        Shape::Answered => q.answered(queues),
        Shape::Diverted(cause) => q.diverted(queues, cause),
        Shape::Bounced => q.bounced(queues),
        Shape::Cleared(cause) => q.cleared(queues, cause),
        Shape::Information => q.information(queues),
        Shape::Updated => q.updated(queues),
        Shape::Play(message) => q.play(message),
        Shape::Stop(message) => q.stop(message),
        Shape::Rejected => q.rejected(queues),
    }
}

/// A queue event's call, as its CSTA event names it.
struct QueueCall<'a> {
    user: &'a str,
    event: &'a QueueEvent,
    /// The queue's connection: the callID the model knows the call by
    /// (the event's tracking id for a call not seen before).
    here: Conn,
    /// The caller.
    calling: Dev,
    /// The queue connection's state while the call stays: `queued` in a
    /// call centre, `alerting` at a route point.
    queue_state: &'static str,
}

impl<'a> QueueCall<'a> {
    fn new(
        queues: &QueueModel,
        user: &'a str,
        kind: QueueEventKind,
        event: &'a QueueEvent,
    ) -> Self {
        let entry = &event.entry;
        let known = queues.get(user, &entry.call_id);
        QueueCall {
            user,
            event,
            here: Conn {
                call_id: known
                    .map_or_else(|| entry.ext_tracking_id.clone(), |q| q.csta_call.clone()),
                device: Dev::Local,
            },
            calling: remote_device(&entry.remote_party),
            queue_state: if kind.is_route_point() {
                "alerting"
            } else {
                "queued"
            },
        }
    }

    /// The call stays in the queue, in `state`.
    fn stays(&self, queues: &mut QueueModel, state: &'static str) {
        let queued = Queued {
            call_id: self.event.entry.call_id.clone(),
            csta_call: self.here.call_id.clone(),
            calling: self.calling.clone(),
            state,
        };
        queues.insert(self.user, queued);
    }

    /// The call leaves the queue.
    fn leaves(&self, queues: &mut QueueModel) {
        queues.remove(self.user, &self.event.entry.call_id);
    }

    /// The address the event redirects the call to.
    fn redirect_to(&self) -> Dev {
        redirect_device(self.event.redirect.as_ref())
    }

    /// `DivertedEvent` of the call leaving the queue for `to`.
    fn diverted_to(&self, to: Dev, cause: &'static str) -> CstaEvent {
        CstaEvent::new(Kind::Diverted, self.here.clone())
            .device("divertingDevice", Dev::Local)
            .device("newDestination", to)
            .device("callingDevice", self.calling.clone())
            .device("calledDevice", Dev::Local)
            .redirection(Redirection::NotRequired)
            .state("null", cause)
    }

    /// `DeliveredEvent` of the call at the queue (in `state`).
    fn delivered(&self, alerting: Dev, state: &'static str, cause: &'static str) -> CstaEvent {
        CstaEvent::new(Kind::Delivered, self.here.clone())
            .device("alertingDevice", alerting)
            .device("callingDevice", self.calling.clone())
            .device("calledDevice", Dev::Local)
            .redirection(Redirection::NotRequired)
            .state(state, cause)
    }

    /// [`Shape::Queued`].
    fn queued(&self, queues: &mut QueueModel) -> CstaEvent {
        self.stays(queues, "queued");
        let mut ev = CstaEvent::new(Kind::Queued, self.here.clone())
            .device("queue", Dev::Local)
            .device("callingDevice", self.calling.clone())
            .device("calledDevice", Dev::Local)
            .redirection(Redirection::NotRequired);
        if let Some(position) = self.event.position {
            ev = ev.leaf("numberQueued", position.to_string());
        }
        ev.state("queued", "enteringDistribution")
    }

    /// [`Shape::Arrived`].
    fn arrived(&self, queues: &mut QueueModel) -> CstaEvent {
        self.stays(queues, "alerting");
        self.delivered(Dev::Local, "alerting", "newCall")
    }

    /// [`Shape::Offered`].
    fn offered(&self, queues: &mut QueueModel) -> CstaEvent {
        self.stays(queues, self.queue_state);
        self.delivered(Dev::NotKnown, self.queue_state, "distributed")
    }

    /// [`Shape::Answered`].
    fn answered(&self, queues: &mut QueueModel) -> CstaEvent {
        self.leaves(queues);
        let agent = self
            .event
            .entry
            .answering_user_id
            .as_deref()
            .map_or(Dev::NotKnown, |u| Dev::Remote(device_of_user(u)));
        self.diverted_to(agent, "distributed")
    }

    /// [`Shape::Diverted`].
    fn diverted(&self, queues: &mut QueueModel, cause: &'static str) -> CstaEvent {
        self.leaves(queues);
        self.diverted_to(self.redirect_to(), cause)
    }

    /// [`Shape::Bounced`]: away when the event has a `redirect`, else back
    /// in the queue.
    fn bounced(&self, queues: &mut QueueModel) -> CstaEvent {
        if self.event.redirect.is_some() {
            self.leaves(queues);
            return self.diverted_to(self.redirect_to(), "callNotAnswered");
        }
        self.stays(queues, self.queue_state);
        self.delivered(Dev::NotKnown, self.queue_state, "callNotAnswered")
    }

    /// [`Shape::Cleared`]: released by the caller when abandoned.
    fn cleared(&self, queues: &mut QueueModel, cause: &'static str) -> CstaEvent {
        self.leaves(queues);
        let releasing = if cause == "callCancelled" {
            self.calling.clone()
        } else {
            Dev::NotKnown
        };
        CstaEvent::new(Kind::ConnectionCleared, self.here.clone())
            .device("releasingDevice", releasing)
            .state("null", cause)
    }

    /// [`Shape::Information`].
    fn information(&self, queues: &mut QueueModel) -> CstaEvent {
        self.stays(queues, self.queue_state);
        CstaEvent::new(Kind::CallInformation, self.here.clone())
            .device("device", Dev::Local)
            .device("callingDevice", self.calling.clone())
    }

    /// [`Shape::Updated`]: the call goes on under its new tracking id.
    fn updated(&self, queues: &mut QueueModel) -> CstaEvent {
        let new = Conn {
            call_id: self.event.entry.ext_tracking_id.clone(),
            device: Dev::Local,
        };
        let queued = Queued {
            call_id: self.event.entry.call_id.clone(),
            csta_call: new.call_id.clone(),
            calling: self.calling.clone(),
            state: self.queue_state,
        };
        queues.insert(self.user, queued);
        let mut ev = CstaEvent::new(Kind::Transfered, self.here.clone())
            .device("transferringDevice", Dev::NotKnown)
            .device("transferredToDevice", Dev::Local);
        ev.list = vec![
            ListItem {
                new: new.clone(),
                old: Some(self.here.clone()),
            },
            ListItem {
                new: Conn {
                    call_id: new.call_id,
                    device: self.calling.clone(),
                },
                old: None,
            },
        ];
        ev.state(self.queue_state, "transfer")
    }

    /// [`Shape::Play`].
    fn play(&self, message: u8) -> CstaEvent {
        CstaEvent::new(Kind::Play, self.here.clone()).leaf("message", message.to_string())
    }

    /// [`Shape::Rejected`]: the call never entered the route point.
    fn rejected(&self, queues: &mut QueueModel) -> CstaEvent {
        self.leaves(queues);
        CstaEvent::new(Kind::Failed, self.here.clone())
            .device("failingDevice", Dev::Local)
            .device("callingDevice", self.calling.clone())
            .device("calledDevice", Dev::Local)
            .redirection(Redirection::NotRequired)
            .state("fail", "blocked")
    }

    /// [`Shape::Stop`].
    fn stop(&self, message: u8) -> CstaEvent {
        CstaEvent::new(Kind::Stop, self.here.clone())
            .leaf("message", message.to_string())
            .cause(completion_cause(self.event.completion.as_deref()))
    }
}

/// A queue snapshot: calls the model holds and BroadWorks no longer lists
/// are cleared (`switchingFunctionTerminated`); listed ones are recorded
/// (in `state`: `queued` in a call centre, `alerting` at a route point).
fn resync(
    queues: &mut QueueModel,
    user: &str,
    entries: &[QueueEntry],
    state: &'static str,
) -> Vec<CstaEvent> {
    let mut out = Vec::new();
    for gone in queues.entries(user) {
        if entries.iter().any(|e| e.call_id == gone.call_id) {
            continue;
        }
        queues.remove(user, &gone.call_id);
        log::info!(
            "{user}: queued call {} ({}) no longer reported by BroadWorks; clearing it",
            gone.csta_call,
            gone.call_id
        );
        let here = Conn {
            call_id: gone.csta_call,
            device: Dev::Local,
        };
        out.push(
            CstaEvent::new(Kind::ConnectionCleared, here)
                .device("releasingDevice", Dev::NotKnown)
                .state("null", "switchingFunctionTerminated"),
        );
    }
    for e in entries {
        if queues.get(user, &e.call_id).is_none() {
            queues.insert(
                user,
                Queued {
                    call_id: e.call_id.clone(),
                    csta_call: e.ext_tracking_id.clone(),
                    calling: remote_device(&e.remote_party),
                    state,
                },
            );
        }
    }
    out
}

/// Whether a late queue event still changes something: the call leaving a
/// queue that still holds it. `None` when `data` is not a queue event.
pub fn late_matters(queues: &QueueModel, user: &str, data: &EventData) -> Option<bool> {
    let EventData::Queue { kind, event } = data else {
        return None;
    };
    Some(shape(*kind).leaves() && queues.get(user, &event.entry.call_id).is_some())
}
