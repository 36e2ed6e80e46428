//! What the simulator reports: a snapshot of channels, subscriptions, acknowledgements and
//! requests, plus its JSON form for the control API.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::conformance::SchemaStats;
use super::delay::{DelayCounters, RequestKind};

/// One channel, open or closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelInfo {
    pub id: String,
    /// Index of the owning XSP.
    pub xsp: usize,
    pub channel_set_id: String,
    pub application_id: String,
    pub open: bool,
    /// Granted expires (seconds), after the latest renewal.
    pub expires: u32,
    /// Heartbeat PUTs accepted.
    pub heartbeats: u64,
    /// Event documents written on the stream (re-sends included).
    pub events_sent: u64,
    /// EventResponses for events last sent on this channel.
    pub acks: u64,
    pub deleted_explicitly: bool,
    /// Why it was closed (`ExplicitDelete`, `connection lost`, a fault…); `None` while open.
    pub close_reason: Option<String>,
}

/// One subscription, active or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionInfo {
    pub id: String,
    /// The target user.
    pub user_id: String,
    /// The event package (`Advanced Call`).
    pub event: String,
    pub channel_set_id: String,
    pub application_id: String,
    pub expires: u32,
    pub active: bool,
    pub refreshes: u64,
    /// Sequence number of its latest event (0 before the first).
    pub last_sequence: u32,
}

/// One request received by an XSP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub xsp: usize,
    /// `GET`, `PUT`, `POST`, `DELETE`, … (`OTHER` for unusual methods).
    pub method: &'static str,
    /// The request target as sent (path and query).
    pub path: Arc<str>,
    pub status: u16,
}

/// One Xsi-Actions (call control) request received by an XSP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    pub xsp: usize,
    pub method: &'static str,
    /// The path as sent (not decoded), without the query.
    pub path: String,
    /// The query as sent (not decoded), without `?`; empty when none.
    pub query: String,
    pub body: String,
    /// The status answered.
    pub status: u16,
}

/// A user's services as set through Xsi-Actions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserServices {
    pub do_not_disturb: bool,
    pub forward_always: bool,
    /// The latest `forwardToPhoneNumber` given.
    pub forward_to: Option<String>,
}

/// A consistent snapshot of the simulator (see `Simulator::stats`).
#[derive(Clone, Debug, Default)]
pub struct SimStats {
    /// Every channel ever created, in creation order.
    pub channels: Vec<ChannelInfo>,
    /// Every subscription ever created, in creation order.
    pub subscriptions: Vec<SubscriptionInfo>,
    /// EventResponses by statusCode (0 for a missing or garbled code).
    pub acks_by_status: BTreeMap<u16, u64>,
    /// EventResponses received on an XSP that does not own the channel the event was sent on.
    pub acks_wrong_xsp: u64,
    /// Events sent and not yet acknowledged.
    pub unacked: usize,
    /// Events sent again (ack timeout, EventResponse 404/500).
    pub events_resent: u64,
    /// Event documents generated (one per subscription per event).
    pub events_generated: u64,
    /// Events dropped: set queue overflow while no channel was live, unacked-table overflow.
    pub events_dropped: u64,
    /// Flood iterations done.
    pub flood_sent: u64,
    /// Channels closed for lack of heartbeats (`event_timeout`).
    pub channels_timed_out: u64,
    /// Idle request connections closed after the keep-alive timeout.
    pub keep_alive_closes: u64,
    /// Failed TLS handshakes on HTTPS XSPs.
    pub tls_failures: u64,
    /// The latest requests (at most 10 000), oldest first.
    pub requests: Vec<RequestRecord>,
    /// The latest Xsi-Actions requests (at most 10 000), oldest first.
    pub actions: Vec<ActionRecord>,
    /// Service settings by user id.
    pub services: BTreeMap<String, UserServices>,
    /// The response delays in force.
    pub delays: Vec<(RequestKind, std::time::Duration)>,
    /// What the response delays did.
    pub delayed: DelayCounters,
    /// Connections accepted (XSP and control listeners): few when clients keep them alive.
    pub connections_accepted: u64,
    /// ACD state (`Available`, …) by agent user id, for agents whose state was set.
    pub agent_states: BTreeMap<String, String>,
    /// The call numbers waiting in each call centre's and route point's queue, by DN.
    pub queued: BTreeMap<String, Vec<u64>>,
    /// Calls the call model started so far (by the API, by Xsi-Actions `calls/new`, by a
    /// flood), whether or not they still exist.
    pub calls_started: u64,
    /// The calls parked (Xsi-Actions `Park`, `GroupCallPark`), by park location DN.
    pub parked: BTreeMap<String, u64>,
    /// What the schema check saw (`SimConfig::schema_check`).
    pub schema: SchemaStats,
}

impl SimStats {
    /// Open channels.
    pub fn open_channels(&self) -> impl Iterator<Item = &ChannelInfo> {
        self.channels.iter().filter(|c| c.open)
    }

    /// Active subscriptions.
    pub fn active_subscriptions(&self) -> impl Iterator<Item = &SubscriptionInfo> {
        self.subscriptions.iter().filter(|s| s.active)
    }

    /// Acknowledgements with status 200.
    pub fn acked(&self) -> u64 {
        self.acks_by_status.get(&200).copied().unwrap_or(0)
    }

    /// Event documents written over all channels.
    pub fn events_sent(&self) -> u64 {
        self.channels.iter().map(|c| c.events_sent).sum()
    }

    /// The JSON form used by the control API.
    pub fn to_json(&self) -> Value {
        let channels: Vec<Value> = self
            .channels
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "xsp": c.xsp, "channel_set_id": c.channel_set_id,
                    "application_id": c.application_id, "open": c.open, "expires": c.expires,
                    "heartbeats": c.heartbeats, "events_sent": c.events_sent, "acks": c.acks,
                    "deleted_explicitly": c.deleted_explicitly, "close_reason": c.close_reason,
                })
            })
            .collect();
        let subscriptions: Vec<Value> = self
            .subscriptions
            .iter()
            .map(|s| {
                json!({
                    "id": s.id, "user_id": s.user_id, "event": s.event,
                    "channel_set_id": s.channel_set_id, "application_id": s.application_id,
                    "expires": s.expires, "active": s.active, "refreshes": s.refreshes,
                    "last_sequence": s.last_sequence,
                })
            })
            .collect();
        let acks: serde_json::Map<String, Value> = self
            .acks_by_status
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let requests: Vec<Value> = self
            .requests
            .iter()
            .map(|r| json!({ "xsp": r.xsp, "method": r.method, "path": &*r.path, "status": r.status }))
            .collect();
        let actions: Vec<Value> = self
            .actions
            .iter()
            .map(|a| {
                json!({
                    "xsp": a.xsp, "method": a.method, "path": a.path, "query": a.query,
                    "body": a.body, "status": a.status,
                })
            })
            .collect();
        let services: serde_json::Map<String, Value> = self
            .services
            .iter()
            .map(|(user, s)| {
                let v = json!({
                    "do_not_disturb": s.do_not_disturb, "forward_always": s.forward_always,
                    "forward_to": s.forward_to,
                });
                (user.clone(), v)
            })
            .collect();
        json!({
            "channels": channels,
            "subscriptions": subscriptions,
            "acks_by_status": acks,
            "acks_wrong_xsp": self.acks_wrong_xsp,
            "unacked": self.unacked,
            "events_resent": self.events_resent,
            "events_generated": self.events_generated,
            "events_dropped": self.events_dropped,
            "flood_sent": self.flood_sent,
            "channels_timed_out": self.channels_timed_out,
            "keep_alive_closes": self.keep_alive_closes,
            "tls_failures": self.tls_failures,
            "requests": requests,
            "actions": actions,
            "services": services,
            "agent_states": self.agent_states,
            "queued": self.queued,
            "delays": self.delays_json(),
            "connections_accepted": self.connections_accepted,
            "calls_started": self.calls_started,
            "parked": self.parked,
            "schema": {
                "on": self.schema.on, "sent": self.schema.sent,
                "received": self.schema.received, "violations": self.schema.violations,
                "first": self.schema.first,
            },
        })
    }

    /// The stats without the lists of channels, subscriptions and requests (their counts
    /// instead): cheap to fetch while 100 000 subscriptions exist.
    pub fn brief_json(&self) -> Value {
        let mut v = self.to_json();
        if let Some(map) = v.as_object_mut() {
            map.insert("channels_open".into(), json!(self.open_channels().count()));
            map.insert(
                "subscriptions_active".into(),
                json!(self.active_subscriptions().count()),
            );
            for list in ["channels", "subscriptions", "requests"] {
                map.remove(list);
            }
        }
        v
    }

    fn delays_json(&self) -> Value {
        let in_force: serde_json::Map<String, Value> = self
            .delays
            .iter()
            .map(|(k, d)| (k.name().to_owned(), json!(d.as_secs_f64())))
            .collect();
        json!({
            "in_force": in_force,
            "delayed": self.delayed.delayed,
            "slept": self.delayed.slept,
            "peak_waiting": self.delayed.peak_waiting,
            "waited_us": self.delayed.waited_us,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_every_field() {
        let stats = SimStats {
            channels: vec![ChannelInfo {
                id: "c".into(),
                xsp: 1,
                channel_set_id: "s".into(),
                application_id: "a".into(),
                open: true,
                expires: 3600,
                heartbeats: 2,
                events_sent: 3,
                acks: 3,
                deleted_explicitly: false,
                close_reason: None,
            }],
            acks_by_status: BTreeMap::from([(200, 3)]),
            agent_states: BTreeMap::from([("2002@x".into(), "Available".into())]),
            queued: BTreeMap::from([("5000".into(), vec![7])]),
            requests: vec![RequestRecord {
                xsp: 1,
                method: "PUT",
                path: Arc::from("/x"),
                status: 200,
            }],
            delays: vec![(RequestKind::Subscribe, std::time::Duration::from_millis(20))],
            delayed: DelayCounters {
                delayed: 9,
                slept: 9,
                peak_waiting: 4,
                waited_us: 180_000,
            },
            ..SimStats::default()
        };
        let brief = stats.brief_json();
        assert_eq!(brief.pointer("/channels_open"), Some(&json!(1)));
        assert_eq!(brief.pointer("/subscriptions_active"), Some(&json!(0)));
        assert_eq!(brief.pointer("/requests"), None);
        assert_eq!(brief.pointer("/delays/delayed"), Some(&json!(9)));
        let v = stats.to_json();
        for (pointer, want) in [
            ("/channels/0/xsp", json!(1)),
            ("/channels/0/events_sent", json!(3)),
            ("/channels/0/close_reason", Value::Null),
            ("/acks_by_status/200", json!(3)),
            ("/requests/0/path", json!("/x")),
            ("/unacked", json!(0)),
            ("/flood_sent", json!(0)),
            ("/keep_alive_closes", json!(0)),
            ("/tls_failures", json!(0)),
            ("/delays/in_force/subscribe", json!(0.02)),
            ("/delays/peak_waiting", json!(4)),
            ("/agent_states/2002@x", json!("Available")),
            ("/queued/5000/0", json!(7)),
            ("/schema/on", json!(false)),
            ("/schema/violations", json!({})),
        ] {
            assert_eq!(v.pointer(pointer), Some(&want), "{pointer}");
        }
        assert_eq!(
            (
                stats.acked(),
                stats.events_sent(),
                stats.open_channels().count()
            ),
            (3, 3, 1)
        );
    }
}
