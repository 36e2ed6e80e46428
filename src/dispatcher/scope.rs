//! The per-client device scope (`csta.clients`; README, "Securing the CSTA
//! link"): one check on every request of a named client, before anything
//! else looks at it (before the "not monitored" checks, and so before any
//! Xsi request).
//!
//! The request says what it asks and which devices it names
//! ([`Message::named`]); a device outside the client's `devices` is
//! refused with `privilegeViolationSpecifiedDevice`
//! (`privilegeViolationCallingDevice` for MakeCall's calling device), and
//! so is any control request of a `control: false` client. Numbers to
//! reach (called numbers, transfer targets) are not devices acted on and
//! are not checked. What the session then receives is limited by the same
//! scope: events only for its monitors (each one checked here), route
//! requests only for route points in its scope (`routing`).

use super::{Ctx, State};
use crate::config::ClientEntry;
use crate::csta::build::{self, operation, ErrorCategory};
use crate::csta::frame::InvokeId;
use crate::csta::parse::{Access, Incoming, Message, Named, Role};
use crate::event::ClientId;

impl State {
    /// Answers a request of `id` that its client may not make with the
    /// privilege violation; true when it did (the request is done with).
    pub(super) fn out_of_scope(
        &mut self,
        ctx: &Ctx,
        id: ClientId,
        invoke_id: InvokeId,
        incoming: &Incoming,
    ) -> bool {
        let Some(session) = self.sessions.get_mut(id) else {
            return false;
        };
        let Some(client) = session.peer.client.clone() else {
            return false;
        };
        let default_domain = ctx.cfg.default_domain.as_deref();
        let Some((value, why)) = refusal(&client, &incoming.message.named(), default_domain) else {
            return false;
        };
        let root = &incoming.root;
        if session.first_time(&format!("scope {root}")) {
            log::warn!(
                "{id} ({}): {root} {invoke_id} refused ({value}): {why} (further {root} refusals \
                 of this client are logged at debug level)",
                session.peer
            );
        } else {
            log::debug!("{id}: {root} {invoke_id} refused ({value}): {why}");
        }
        let category = ErrorCategory::Operation;
        if let Message::MonitorStart { .. } = incoming.message {
            // In its turn among the MonitorStart answers.
            let xml = build::error_code(self.ns(ctx, id), category, value);
            self.answer_start_now(ctx, id, invoke_id, xml);
        } else {
            self.respond_error(ctx, id, invoke_id, category, value);
        }
        true
    }
}

/// Why `client` may not make a request that names `named`: the error value
/// and the reason for the log; `None` when it may.
fn refusal(
    client: &ClientEntry,
    named: &Named<'_>,
    default_domain: Option<&str>,
) -> Option<(&'static str, String)> {
    if !client.control && named.access == Access::Control {
        let why = format!(
            "client {} has control false (monitoring, snapshots and queries only)",
            client.name
        );
        return Some((operation::PRIVILEGE_VIOLATION_SPECIFIED_DEVICE, why));
    }
    for &(role, device) in &named.devices {
        let (value, what) = match role {
            Role::Calling => (
                operation::PRIVILEGE_VIOLATION_CALLING_DEVICE,
                "calling device",
            ),
            Role::Specified => (operation::PRIVILEGE_VIOLATION_SPECIFIED_DEVICE, "device"),
            Role::RoutePoint => (
                operation::PRIVILEGE_VIOLATION_SPECIFIED_DEVICE,
                "route point",
            ),
            Role::Connection => (
                operation::PRIVILEGE_VIOLATION_SPECIFIED_DEVICE,
                "connection's device",
            ),
            Role::Destination => continue,
        };
        if !client.covers(device, default_domain) {
            let why = format!(
                "{what} {device} is not one of client {}'s devices",
                client.name
            );
            return Some((value, why));
        }
    }
    None
}
