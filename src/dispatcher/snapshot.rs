//! SnapshotDevice, answered from the call model.
//!
//! As the Genesys connector does, a snapshot first refreshes the device's
//! subscription: BroadWorks answers a refresh with a CallSubscriptionEvent
//! listing the user's calls, which resynchronises the model (clearing calls
//! BroadWorks no longer has) before the answer is built. If that event does
//! not come within [`SNAPSHOT_WAIT`], the answer comes from the model as it is.

use std::time::{Duration, Instant};

use super::devices::user_for;
use super::{Ctx, State};
use crate::csta::build::{self, operation, ErrorCategory};
use crate::csta::frame::InvokeId;
use crate::event::ClientId;

pub const SNAPSHOT_WAIT: Duration = Duration::from_secs(2);

pub struct PendingSnapshot {
    client: ClientId,
    invoke_id: InvokeId,
    user: String,
    device: String,
    deadline: Instant,
}

impl State {
    pub(super) fn snapshot_device(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        device: &str,
    ) {
        let device = device.trim().to_owned();
        let user = user_for(&device, ctx.cfg.default_domain.as_deref());
        // Requests are filtered per session against its own monitors.
        let monitored_here = self.devices.monitor_of(&user, id).is_some();
        if !monitored_here || !self.devices.is_ready(&user) {
            let why = if monitored_here {
                "whose subscriptions are being created"
            } else {
                "which this session does not monitor"
            };
            let who = self.sessions.who(id);
            log::info!("{who}: SnapshotDevice of {device}, {why}: answering objectNotKnown");
            let value = operation::OBJECT_NOT_KNOWN;
            self.respond_error(ctx, id, invoke_id, ErrorCategory::Operation, value);
            return;
        }
        self.snapshots.push(PendingSnapshot {
            client: id,
            invoke_id,
            user: user.clone(),
            device,
            deadline: Instant::now() + SNAPSHOT_WAIT,
        });
        self.refresh_now(id, &user);
    }

    /// The model of `user` was just resynchronised: answer its snapshots.
    pub(super) fn snapshot_ready(&mut self, ctx: &Ctx, user: &str) {
        if !self.snapshots.iter().any(|p| p.user == user) {
            return;
        }
        let (ready, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.snapshots)
            .into_iter()
            .partition(|p| p.user == user);
        self.snapshots = rest;
        for p in ready {
            self.answer_snapshot(ctx, p);
        }
    }

    pub(super) fn snapshot_timeouts(&mut self, ctx: &Ctx, now: Instant) {
        let (due, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.snapshots)
            .into_iter()
            .partition(|p| p.deadline <= now);
        self.snapshots = rest;
        for p in due {
            log::debug!(
                "snapshot of {}: no resync event in time; answering from the model",
                p.user
            );
            self.answer_snapshot(ctx, p);
        }
    }

    fn answer_snapshot(&mut self, ctx: &Ctx, p: PendingSnapshot) {
        let items = self.translator.snapshot(&p.user, &p.device);
        let ns = self.ns(ctx, p.client);
        let xml = build::snapshot_device_response(ns, &items);
        self.respond(ctx, p.client, p.invoke_id, &xml);
    }
}
