//! The "BroadWorks" every XSP shares: channel sets, channels, subscriptions, unacknowledged
//! events and the call model.
//!
//! It lives behind one lock in the hub. XSP request handlers, the public API, the flood producer
//! and the housekeeping timer call its methods; it never blocks: documents go to the channel
//! writers over unbounded queues. Rules it implements (BroadWorks' channel and subscription
//! behaviour, as the README's "Sequence gaps" describes it):
//!
//! - a channel belongs to the XSP that received its POST; heartbeat, renew and delete are only
//!   accepted there;
//! - subscriptions belong to a channel set; a subscription's events are spread round-robin over
//!   the set's live channels, and queued (bounded) while the set has none;
//! - every event is kept until acknowledged; after `ack_timeout` it is re-sent, same eventID and
//!   sequence number, on another live channel of the set; EventResponse 404/500 re-send at once,
//!   481 deletes the subscription, 400 drops the event;
//! - BroadWorks keeps one channel set per (user, applicationId): a new channel set for the same
//!   pair terminates the old set's channels (`DuplicateChannelSet`). Every request is
//!   authenticated as the one configured user, so here the pair is the applicationId alone;
//!   subscriptions and their events belong to a channel set, never to the applicationId.
//!
//! This file holds the records and the observation methods; the rest of `State` is split by
//! concern: `channels` (open, heartbeat, renew, delete, close), `subscriptions` (create,
//! refresh, delete, their initial and terminated events) and `events` (envelopes, delivery
//! modes, routing, acknowledgements, re-sends, the housekeeping tick).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender};

use super::calls::CallModel;
use super::ids::IdGen;
use super::outbox::{ChannelShared, EndReason, EventDoc, Out};
use super::stats::{ChannelInfo, SubscriptionInfo};
use super::xml::escape;
use super::{Delivery, LogFn, SimConfig};
use contact::{ContactModel, PackageClass};

mod channels;
mod chaos;
pub(crate) mod contact;
mod events;
mod subscriptions;

/// Events kept per channel set while it has no live channel; older ones are dropped.
const MAX_PENDING: usize = 10_000;
/// Unacknowledged events kept; the oldest are forgotten beyond this.
const MAX_UNACKED: usize = 100_000;
/// A channel queue longer than this gets no new events (they wait for the re-send timer).
const MAX_CHANNEL_QUEUE: usize = 100_000;
/// How long SwapPairs holds a lone event before sending it anyway.
const SWAP_HOLD: Duration = Duration::from_millis(200);
/// Smallest channel and subscription lifetime granted (seconds).
const MIN_EXPIRES: u32 = 3600;
/// `expires` value meaning "never".
const NEVER_EXPIRES: u32 = 2_147_483_647;

const EVENT_OPEN: &str = "<xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\"><xsi:eventID>";

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// How a channel is closed by the server.
#[derive(Debug, Clone)]
pub(crate) enum Close {
    /// Socket shut down at once, no terminating chunk.
    Abort,
    /// `ChannelTerminatedEvent` with this reason, then the terminating chunk.
    Terminate(EndReason),
    /// Only the terminating chunk.
    Finish,
}

struct ChannelRec {
    id: String,
    xsp: usize,
    set_id: String,
    app_id: String,
    priority: u32,
    weight: u32,
    open: bool,
    deleted_explicitly: bool,
    close_reason: Option<String>,
    expires: u32,
    expires_at: Option<Instant>,
    last_heartbeat: Instant,
    heartbeats: u64,
    acks: u64,
    tx: Option<Sender<Out>>,
    shared: Arc<ChannelShared>,
    sock: Option<TcpStream>,
}

#[derive(Default)]
struct SetRec {
    /// Open channels, in creation order.
    live: Vec<usize>,
    /// Events generated while no channel was live.
    pending: VecDeque<Arc<EventDoc>>,
}

struct SubRec {
    id: String,
    user_id: String,
    dn: String,
    package: String,
    /// Which events it gets (by `package`).
    class: PackageClass,
    set_id: String,
    app_id: String,
    expires: u32,
    expires_at: Option<Instant>,
    active: bool,
    refreshes: u64,
    seq: u32,
    rr: usize,
    /// Envelope from `</xsi:sequenceNumber>` to the channel id (escaped, constant).
    env_mid: String,
    /// Envelope from after the channel id to `eventData` (escaped, constant).
    env_target: String,
    swap_held: Option<(Arc<EventDoc>, Instant)>,
}

struct Unacked {
    doc: Arc<EventDoc>,
    /// Channels of the latest send (two in Duplicate mode).
    sent_on: Vec<usize>,
    stamp: u64,
}

/// Counters reported in the stats.
#[derive(Debug, Default, Clone)]
pub(crate) struct Counters {
    pub acks_by_status: BTreeMap<u16, u64>,
    pub acks_wrong_xsp: u64,
    pub events_resent: u64,
    pub events_generated: u64,
    pub events_dropped: u64,
    pub flood_sent: u64,
    pub channels_timed_out: u64,
}

/// The parameters of a channel POST.
#[derive(Debug, Clone)]
pub(crate) struct ChannelParams {
    pub set_id: String,
    /// Empty when the client sent none.
    pub app_id: String,
    pub expires: Option<u32>,
    pub priority: u32,
    pub weight: u32,
}

impl ChannelParams {
    #[cfg(test)]
    pub(crate) fn new(set_id: &str, app_id: &str) -> ChannelParams {
        ChannelParams {
            set_id: set_id.into(),
            app_id: app_id.into(),
            expires: None,
            priority: 1,
            weight: 50,
        }
    }
}

/// A channel just opened: what its writer needs.
pub(crate) struct Opened {
    pub index: usize,
    pub channel_id: String,
    pub expires: u32,
    pub rx: Receiver<Out>,
    pub shared: Arc<ChannelShared>,
}

/// Why a channel request was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotFound,
}

/// See the module documentation.
pub(crate) struct State {
    owner: String,
    owner_escaped: String,
    domain: String,
    channel_expires: Option<u32>,
    subscription_expires: Option<u32>,
    ack_timeout: Duration,
    event_timeout: Option<Duration>,
    log: Option<LogFn>,
    ids: IdGen,
    channels: Vec<ChannelRec>,
    channel_by_id: HashMap<String, usize>,
    sets: HashMap<String, SetRec>,
    /// applicationId (of the one user) → its current channel set.
    app_sets: HashMap<String, String>,
    subs: Vec<SubRec>,
    sub_by_id: HashMap<String, usize>,
    subs_by_dn: HashMap<String, Vec<usize>>,
    unacked: HashMap<u128, Unacked>,
    /// (key, stamp, sent at) in send order; stale entries are skipped.
    unacked_order: VecDeque<(u128, u64, Instant)>,
    /// Timed-out events that had no other live channel to go to.
    stuck: Vec<u128>,
    stamp: u64,
    pub calls: CallModel,
    /// Call centres, route points and agents.
    pub(crate) contact: ContactModel,
    pub delivery: Delivery,
    pub counters: Counters,
    /// The soak's faults and the journal (see `chaos`).
    chaos: chaos::Chaos,
}

fn grant(asked: Option<u32>, fixed: Option<u32>) -> u32 {
    fixed.unwrap_or_else(|| asked.unwrap_or(MIN_EXPIRES).max(MIN_EXPIRES))
}

fn deadline(now: Instant, expires: u32) -> Option<Instant> {
    if expires >= NEVER_EXPIRES {
        return None;
    }
    now.checked_add(Duration::from_secs(expires as u64))
}

impl State {
    pub(crate) fn new(cfg: &SimConfig) -> State {
        State {
            owner: cfg.username.clone(),
            owner_escaped: escape(&cfg.username).into_owned(),
            domain: cfg.domain.clone(),
            channel_expires: cfg.channel_expires,
            subscription_expires: cfg.subscription_expires,
            ack_timeout: cfg.ack_timeout,
            event_timeout: cfg.event_timeout,
            log: cfg.log.clone(),
            ids: IdGen::new(),
            channels: Vec::new(),
            channel_by_id: HashMap::new(),
            sets: HashMap::new(),
            app_sets: HashMap::new(),
            subs: Vec::new(),
            sub_by_id: HashMap::new(),
            subs_by_dn: HashMap::new(),
            unacked: HashMap::new(),
            unacked_order: VecDeque::new(),
            stuck: Vec::new(),
            stamp: 0,
            calls: CallModel::new(&cfg.domain),
            contact: ContactModel::default(),
            delivery: Delivery::Normal,
            counters: Counters::default(),
            chaos: chaos::Chaos::default(),
        }
    }

    fn log(&self, line: impl FnOnce() -> String) {
        if let Some(log) = &self.log {
            log(&line());
        }
    }

    /// DN `2001` is user `2001@<domain>`.
    pub(crate) fn domain(&self) -> &str {
        &self.domain
    }

    /// A fresh UUID-like id.
    pub(crate) fn new_id(&self) -> String {
        self.ids.text()
    }

    // ----- observation ----------------------------------------------------------------------

    pub(crate) fn channel_infos(&self) -> Vec<ChannelInfo> {
        self.channels
            .iter()
            .map(|c| ChannelInfo {
                id: c.id.clone(),
                xsp: c.xsp,
                channel_set_id: c.set_id.clone(),
                application_id: c.app_id.clone(),
                open: c.open,
                expires: c.expires,
                heartbeats: c.heartbeats,
                events_sent: c.shared.events_sent.load(Ordering::Relaxed),
                acks: c.acks,
                deleted_explicitly: c.deleted_explicitly,
                close_reason: c.close_reason.clone(),
            })
            .collect()
    }

    pub(crate) fn subscription_infos(&self) -> Vec<SubscriptionInfo> {
        self.subs
            .iter()
            .map(|s| SubscriptionInfo {
                id: s.id.clone(),
                user_id: s.user_id.clone(),
                event: s.package.clone(),
                channel_set_id: s.set_id.clone(),
                application_id: s.app_id.clone(),
                expires: s.expires,
                active: s.active,
                refreshes: s.refreshes,
                last_sequence: s.seq,
            })
            .collect()
    }

    pub(crate) fn unacked_len(&self) -> usize {
        self.unacked.len()
    }
}

#[cfg(test)]
mod tests;
