//! Planning of the feature requests (README, Call control): the device
//! queries, SnapshotCall (answered from the call model, no Xsi request),
//! the pickups, ParkCall, IntrudeCall, the recording requests and
//! ReconnectCall's single `Reconnect` with its two-step fallback. The same
//! rules as the other requests: only devices the session monitors, only
//! connections the call model knows.

use crate::csta::build::{operation, Ack, ErrorCategory, Pickup, SnapshotCallItem};
use crate::csta::parse::ConnectionId;
use crate::translate::model::{party_state, Party};
use crate::translate::out::Dev;
use crate::xsi::actions::{self, Recording};
use crate::xsi::parse::CallState;

use super::{device_user, not_monitored, refuse, Conn, Planner};
use crate::translate::plan::{Plan, Refusal, Reply};

/// The message id of a call's recording: `rec-<callID>`.
pub fn recording_message(csta_call: &str) -> String {
    format!("rec-{csta_call}")
}

/// The far end's `localConnectionInfo`, as the user's side of the call
/// shows it.
fn remote_state(p: &Party) -> &'static str {
    match p.state {
        CallState::Alerting if p.originator => "alerting",
        CallState::RemoteHeld => "hold",
        CallState::Released | CallState::Detached | CallState::Idle => "null",
        _ => "connected",
    }
}

impl Planner<'_> {
    /// A device query: one read of the device's own user.
    fn query(
        &self,
        device: &str,
        step: fn(&str) -> actions::XsiRequest,
        reply: Reply,
    ) -> Result<Plan, Refusal> {
        let user = device_user(device, self.scope)?;
        let step = step(&user);
        Ok(self.device_plan(user, device, step, reply))
    }

    /// GetDoNotDisturb: `GET U/services/DoNotDisturb`.
    pub(super) fn get_do_not_disturb(&self, device: &str) -> Result<Plan, Refusal> {
        self.query(device, actions::get_do_not_disturb, Reply::DoNotDisturb)
    }

    /// GetForwarding: `GET U/services/CallForwardingAlways`.
    pub(super) fn get_forwarding(&self, device: &str) -> Result<Plan, Refusal> {
        let step = actions::get_call_forwarding_always;
        self.query(device, step, Reply::Forwarding)
    }

    /// SnapshotCall: every connection of the call the model knows at the
    /// session's devices, and their far ends; no Xsi request.
    pub(super) fn snapshot_call(&self, call: &ConnectionId) -> Result<Plan, Refusal> {
        let csta_call = match &call.call_id {
            Some(id) => {
                if let Some(device) = &call.device_id {
                    device_user(device, self.scope)?;
                }
                id.clone()
            }
            None => self.resolve(call)?.csta_call,
        };
        let found = self.legs_at_monitored(&csta_call)?;
        let mut items: Vec<SnapshotCallItem> = found
            .iter()
            .flat_map(|(_, device, legs)| {
                legs.iter().map(|party| SnapshotCallItem {
                    device: Some(device.clone()),
                    call_id: csta_call.clone(),
                    state: party_state(party),
                })
            })
            .collect();
        for party in found.iter().flat_map(|(_, _, legs)| legs) {
            let far = match &party.remote {
                Dev::Remote(n) => Some(n.clone()),
                Dev::Local | Dev::NotKnown | Dev::Restricted => None,
            };
            let known = items.iter().any(|i| far.is_some() && i.device == far);
            if !known {
                items.push(SnapshotCallItem {
                    device: far,
                    call_id: csta_call.clone(),
                    state: remote_state(party),
                });
            }
        }
        let (user, device) = (found[0].0.clone(), found[0].1.clone());
        let reply = Reply::SnapshotCall(items);
        Ok(Plan::new(self.request, user, device, Vec::new(), reply))
    }

    /// DirectedPickupCall: the requesting device picks up the call ringing
    /// at the connection's device.
    pub(super) fn directed_pickup(
        &self,
        call: &ConnectionId,
        requesting: &str,
    ) -> Result<Plan, Refusal> {
        let user = device_user(requesting, self.scope)?;
        let ringing = self.resolve(call)?;
        let step = actions::directed_pickup(&user, &ringing.device);
        let reply = Reply::Picked(Pickup::Directed);
        Ok(self.device_plan(user, requesting, step, reply))
    }

    /// GroupPickupCall: the device picks up a call ringing in its group.
    pub(super) fn group_pickup(&self, device: &str) -> Result<Plan, Refusal> {
        let user = device_user(device, self.scope)?;
        let step = actions::group_pickup(&user);
        Ok(self.device_plan(user, device, step, Reply::Picked(Pickup::Group)))
    }

    /// ParkCall: against `parkTo`, or in the group without one.
    pub(super) fn park(&self, parking: &ConnectionId, to: Option<&str>) -> Result<Plan, Refusal> {
        let conn = self.resolve(parking)?;
        let steps = vec![actions::park(&conn.user, conn.leg(), to)];
        Ok(self.plan(conn, steps, Reply::Ack(Ack::ParkCall)))
    }

    /// IntrudeCall: the requesting device (from the request, else the one
    /// other device the session monitors) barges in on the connection's
    /// device.
    pub(super) fn intrude(
        &self,
        intrude: &ConnectionId,
        requesting: Option<&str>,
    ) -> Result<Plan, Refusal> {
        let target = self.resolve(intrude)?;
        let requesting = match requesting {
            Some(device) => device.to_owned(),
            None => self.only_other_device(&target)?,
        };
        let user = device_user(&requesting, self.scope)?;
        let step = actions::barge_in(&user, &target.device);
        let reply = Reply::Ack(Ack::IntrudeCall);
        Ok(self.device_plan(user, &requesting, step, reply))
    }

    /// The one device the session monitors besides `target`'s.
    fn only_other_device(&self, target: &Conn) -> Result<String, Refusal> {
        let others: Vec<String> = self
            .scope
            .monitored()
            .into_iter()
            .filter(|(user, _)| *user != target.user)
            .map(|(_, device)| device)
            .collect();
        match others.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(not_monitored(
                &format!("(none named; {} candidates)", others.len()),
                operation::INVALID_DEVICE_ID,
            )),
        }
    }

    /// RecordMessage: record the connection's call.
    pub(super) fn record(&self, call: &ConnectionId) -> Result<Plan, Refusal> {
        let conn = self.resolve(call)?;
        let steps = vec![actions::recording(
            &conn.user,
            conn.leg(),
            Recording::Record,
        )];
        let message = recording_message(&conn.csta_call);
        Ok(self.plan(conn, steps, Reply::Recording { message }))
    }

    /// Suspend, Resume, Stop: a command on the recording of the
    /// connection's call; a message names it (`rec-<callID>`), and names
    /// the call when the connection has no callID.
    pub(super) fn recording(
        &self,
        connection: &ConnectionId,
        message: Option<&str>,
        command: Recording,
        ack: Ack,
    ) -> Result<Plan, Refusal> {
        let mut connection = connection.clone();
        if connection.call_id.is_none() {
            connection.call_id = message
                .and_then(|m| m.strip_prefix("rec-"))
                .map(str::to_owned);
        }
        let conn = self.resolve(&connection)?;
        let expected = recording_message(&conn.csta_call);
        if let Some(message) = message.filter(|m| *m != expected) {
            return Err(refuse(
                ErrorCategory::Operation,
                operation::INVALID_MSG_ID,
                format!(
                    "message {message} is not the recording of call {}",
                    conn.csta_call
                ),
            ));
        }
        let steps = vec![actions::recording(&conn.user, conn.leg(), command)];
        Ok(self.plan(conn, steps, Reply::Ack(ack)))
    }

    /// ReconnectCall: `Reconnect` on the held call (it releases the
    /// others); an XSP that does not know it gets the release of the active
    /// call and a talk on the held one.
    pub(super) fn reconnect(
        &self,
        active: &ConnectionId,
        held: &ConnectionId,
    ) -> Result<Plan, Refusal> {
        let (active, held) = self.resolve_pair(active, held)?;
        let fallback = vec![
            actions::release(&active.user, active.leg()),
            actions::talk(&held.user, held.leg()),
        ];
        let steps = vec![actions::reconnect(&held.user, held.leg())];
        let mut plan = self.plan(held, steps, Reply::Ack(Ack::ReconnectCall));
        plan.fallback = fallback;
        Ok(plan)
    }
}
