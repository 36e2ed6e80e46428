//! Subscriptions of the shared BroadWorks: create, refresh, delete and expire, with their
//! initial, snapshot and terminated events.

use std::time::Instant;

use super::contact::PackageClass;
use super::{deadline, grant, State, SubRec};
use crate::sim::calls::dn_of;
use crate::sim::xml::escape;

impl State {
    /// Creates a subscription of the authenticated user to `user_id`'s `package` events,
    /// delivered on channel set `set_id`. Returns its index, id and granted expires; the
    /// initial event follows with [`State::initial_event`].
    pub(crate) fn subscribe(
        &mut self,
        user_id: &str,
        package: &str,
        asked: Option<u32>,
        set_id: &str,
        app_id: &str,
    ) -> (usize, String, u32) {
        let id = self.new_id();
        let expires = grant(asked, self.subscription_expires);
        let dn = dn_of(user_id, &self.domain).to_string();
        let idx = self.subs.len();
        let env_mid = format!(
            "</xsi:sequenceNumber><xsi:userId>{}</xsi:userId><xsi:externalApplicationId>{}</xsi:externalApplicationId><xsi:subscriptionId>{}</xsi:subscriptionId><xsi:channelId>",
            self.owner_escaped,
            escape(app_id),
            id
        );
        let env_target = format!(
            "</xsi:channelId><xsi:targetId>{}</xsi:targetId>",
            escape(user_id)
        );
        self.subs.push(SubRec {
            id: id.clone(),
            user_id: user_id.to_string(),
            dn: dn.clone(),
            package: package.to_string(),
            class: PackageClass::of_package(package),
            set_id: set_id.to_string(),
            app_id: app_id.to_string(),
            expires,
            expires_at: deadline(Instant::now(), expires),
            active: true,
            refreshes: 0,
            seq: 0,
            rr: 0,
            env_mid,
            env_target,
            swap_held: None,
        });
        self.sub_by_id.insert(id.clone(), idx);
        self.subs_by_dn.entry(dn).or_default().push(idx);
        self.journal_subscription(idx);
        self.sets.entry(set_id.to_string()).or_default();
        let owner = &self.owner;
        self.log(|| {
            format!("subscription {id} created: {owner} -> {user_id} ({package}, set {set_id})")
        });
        (idx, id, expires)
    }

    /// Sends subscription `idx` the snapshot of its package: a `CallSubscriptionEvent` with
    /// the target's current calls, or a queue's or an agent's (see `state::contact`); none for
    /// the service packages (`Do Not Disturb`, `Call Forwarding Always`), whose events come
    /// with each change.
    pub(crate) fn snapshot_event(&mut self, idx: usize) {
        let service = |s: &SubRec| {
            matches!(
                s.class,
                PackageClass::DoNotDisturb | PackageClass::ForwardingAlways
            )
        };
        if self.subs.get(idx).is_some_and(|s| s.active && !service(s)) {
            let sub = &self.subs[idx];
            let data = self
                .contact_snapshot(sub.class, &sub.dn)
                .unwrap_or_else(|| self.calls.snapshot(&sub.dn));
            let doc = self.new_event(idx, &data);
            self.deliver(doc);
        }
    }

    /// The initial event after a subscription POST.
    pub(crate) fn initial_event(&mut self, idx: usize) {
        self.snapshot_event(idx);
    }

    /// Refreshes subscription `id`: its index and granted expires.
    pub(crate) fn refresh(&mut self, id: &str, asked: Option<u32>) -> Option<(usize, u32)> {
        let idx = *self.sub_by_id.get(id)?;
        let sub = &mut self.subs[idx];
        if !sub.active {
            return None;
        }
        sub.expires = grant(asked, self.subscription_expires);
        sub.expires_at = deadline(Instant::now(), sub.expires);
        sub.refreshes += 1;
        Some((idx, sub.expires))
    }

    /// Deletes subscription `id`; its `SubscriptionTerminatedEvent` follows with
    /// [`State::terminated_event`].
    pub(crate) fn unsubscribe(&mut self, id: &str) -> Option<usize> {
        let idx = *self.sub_by_id.get(id)?;
        if !self.subs[idx].active {
            return None;
        }
        self.deactivate(idx, "deleted");
        Some(idx)
    }

    pub(super) fn deactivate(&mut self, idx: usize, why: &str) {
        self.journal_ended(idx, why);
        let sub = &mut self.subs[idx];
        sub.active = false;
        let held = sub.swap_held.take();
        if let Some(list) = self.subs_by_dn.get_mut(&sub.dn) {
            list.retain(|&i| i != idx);
        }
        let id = sub.id.clone();
        if let Some((doc, _)) = held {
            self.route(doc, &[]);
        }
        self.log(|| format!("subscription {id} {why}"));
    }

    /// Sends the `SubscriptionTerminatedEvent` of subscription `idx` if its set has a live
    /// channel.
    pub(crate) fn terminated_event(&mut self, idx: usize) {
        let has_live = self
            .subs
            .get(idx)
            .and_then(|s| self.sets.get(&s.set_id))
            .is_some_and(|set| !set.live.is_empty());
        if has_live {
            let doc = self.new_event(
                idx,
                "<xsi:eventData xsi1:type=\"xsi:SubscriptionTerminatedEvent\"/>",
            );
            self.deliver(doc);
        }
    }
}
