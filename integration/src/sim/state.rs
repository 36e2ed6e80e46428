//! The "BroadWorks" every XSP shares: channel sets, channels, subscriptions, unacknowledged
//! events and the call model.
//!
//! It lives behind one lock in the hub. XSP request handlers, the public API, the flood producer
//! and the housekeeping timer call its methods; it never blocks: documents go to the channel
//! writers over unbounded queues. Rules it implements (see the protocol digest §2–§3):
//!
//! - a channel belongs to the XSP that received its POST; heartbeat, renew and delete are only
//!   accepted there;
//! - subscriptions belong to a channel set; a subscription's events are spread round-robin over
//!   the set's live channels, and queued (bounded) while the set has none;
//! - every event is kept until acknowledged; after `ack_timeout` it is re-sent, same eventID and
//!   sequence number, on another live channel of the set; EventResponse 404/500 re-send at once,
//!   481 deletes the subscription, 400 drops the event;
//! - a new channel set for the same applicationId terminates the old set's channels
//!   (`DuplicateChannelSet`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender};

use super::calls::{dn_of, CallModel, Emit, FloodCycle};
use super::ids::{self, IdGen};
use super::stats::{ChannelInfo, SubscriptionInfo};
use super::stream::{ChannelShared, EventDoc, Out, DECL};
use super::xml::escape;
use super::{Delivery, LogFn, SimConfig};

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
    Terminate(String),
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
    ack_timeout: Duration,
    event_timeout: Option<Duration>,
    log: Option<LogFn>,
    ids: IdGen,
    channels: Vec<ChannelRec>,
    channel_by_id: HashMap<String, usize>,
    sets: HashMap<String, SetRec>,
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
    pub delivery: Delivery,
    pub counters: Counters,
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
            delivery: Delivery::Normal,
            counters: Counters::default(),
        }
    }

    fn log(&self, line: impl FnOnce() -> String) {
        if let Some(log) = &self.log {
            log(&line());
        }
    }

    /// A fresh UUID-like id.
    pub(crate) fn new_id(&self) -> String {
        self.ids.text()
    }

    // ----- channels -------------------------------------------------------------------------

    /// Opens a channel owned by XSP `xsp`. `sock` is a clone of the streaming socket, used to
    /// close it abruptly.
    pub(crate) fn open_channel(
        &mut self,
        xsp: usize,
        params: &ChannelParams,
        sock: Option<TcpStream>,
    ) -> Opened {
        let ChannelParams {
            set_id,
            app_id,
            expires: asked,
            priority,
            weight,
        } = params;
        let (set_id, app_id, priority, weight) =
            (set_id.as_str(), app_id.as_str(), *priority, *weight);
        if !app_id.is_empty() {
            if let Some(old) = self.app_sets.insert(app_id.to_string(), set_id.to_string()) {
                if old != set_id {
                    let victims = self
                        .sets
                        .get(&old)
                        .map(|s| s.live.clone())
                        .unwrap_or_default();
                    for idx in victims {
                        self.close_channel(
                            idx,
                            Close::Terminate("DuplicateChannelSet".into()),
                            "DuplicateChannelSet",
                        );
                    }
                }
            }
        }
        let now = Instant::now();
        let expires = grant(*asked, self.channel_expires);
        let (tx, rx) = crossbeam_channel::unbounded();
        let shared = Arc::new(ChannelShared::default());
        let channel_id = self.new_id();
        let index = self.channels.len();
        self.channels.push(ChannelRec {
            id: channel_id.clone(),
            xsp,
            set_id: set_id.to_string(),
            app_id: app_id.to_string(),
            priority,
            weight,
            open: true,
            deleted_explicitly: false,
            close_reason: None,
            expires,
            expires_at: deadline(now, expires),
            last_heartbeat: now,
            heartbeats: 0,
            acks: 0,
            tx: Some(tx),
            shared: shared.clone(),
            sock,
        });
        self.channel_by_id.insert(channel_id.clone(), index);
        let set = self.sets.entry(set_id.to_string()).or_default();
        set.live.push(index);
        let pending: Vec<Arc<EventDoc>> = set.pending.drain(..).collect();
        self.log(|| {
            format!("channel {channel_id} opened on xsp {xsp} (set {set_id}, expires {expires})")
        });
        for doc in pending {
            self.route(doc, &[]);
        }
        Opened {
            index,
            channel_id,
            expires,
            rx,
            shared,
        }
    }

    /// The open channel `id` owned by `xsp`.
    fn owned(&self, xsp: usize, id: &str) -> Result<usize, Refusal> {
        match self.channel_by_id.get(id) {
            Some(&idx) if self.channels[idx].xsp == xsp && self.channels[idx].open => Ok(idx),
            _ => Err(Refusal::NotFound),
        }
    }

    /// Accepts a heartbeat PUT; the heartbeat document is queued by [`State::send_heartbeat`].
    pub(crate) fn heartbeat(&mut self, xsp: usize, id: &str) -> Result<usize, Refusal> {
        let idx = self.owned(xsp, id)?;
        let ch = &mut self.channels[idx];
        ch.heartbeats += 1;
        ch.last_heartbeat = Instant::now();
        Ok(idx)
    }

    pub(crate) fn send_heartbeat(&mut self, idx: usize) {
        if let Some(tx) = self
            .channels
            .get(idx)
            .filter(|c| c.open)
            .and_then(|c| c.tx.as_ref())
        {
            let _ = tx.send(Out::Heartbeat);
        }
    }

    /// Renews channel `id`: the granted expires.
    pub(crate) fn renew(
        &mut self,
        xsp: usize,
        id: &str,
        asked: Option<u32>,
    ) -> Result<u32, Refusal> {
        let idx = self.owned(xsp, id)?;
        let expires = grant(asked, self.channel_expires);
        let ch = &mut self.channels[idx];
        ch.expires = expires;
        ch.expires_at = deadline(Instant::now(), expires);
        Ok(expires)
    }

    /// Checks a DELETE of channel `id`; the channel is closed by [`State::finish_delete`] once
    /// the response is out.
    pub(crate) fn delete_channel(&mut self, xsp: usize, id: &str) -> Result<usize, Refusal> {
        let idx = self.owned(xsp, id)?;
        self.channels[idx].deleted_explicitly = true;
        Ok(idx)
    }

    pub(crate) fn finish_delete(&mut self, idx: usize) {
        self.close_channel(
            idx,
            Close::Terminate("ExplicitDelete".into()),
            "ExplicitDelete",
        );
    }

    /// The `ChannelSet` document for `set_id` (its open channels).
    pub(crate) fn channel_set_doc(&self, set_id: &str) -> Option<String> {
        let set = self.sets.get(set_id)?;
        let mut doc = format!("{DECL}\n<ChannelSet xmlns=\"http://schema.broadsoft.com/xsi\">");
        for &idx in &set.live {
            let c = &self.channels[idx];
            let _ = write!(
                doc,
                "<channel><channelId>{}</channelId><channelSetId>{}</channelSetId><priority>{}</priority><weight>{}</weight><expires>{}</expires></channel>",
                c.id,
                escape(&c.set_id),
                c.priority,
                c.weight,
                c.expires
            );
        }
        doc.push_str("</ChannelSet>");
        Some(doc)
    }

    /// Closes channel `idx` (no-op when already closed).
    pub(crate) fn close_channel(&mut self, idx: usize, how: Close, reason: &str) {
        let Some(ch) = self.channels.get_mut(idx) else {
            return;
        };
        if !ch.open {
            return;
        }
        ch.open = false;
        ch.close_reason = Some(reason.to_string());
        let tx = ch.tx.take();
        match how {
            Close::Abort => {
                ch.shared.abort.store(true, Ordering::Release);
                if let Some(sock) = &ch.sock {
                    let _ = sock.shutdown(Shutdown::Both);
                }
            }
            Close::Terminate(r) => {
                if let Some(tx) = &tx {
                    let _ = tx.send(Out::Terminate(r));
                }
            }
            Close::Finish => {
                if let Some(tx) = &tx {
                    let _ = tx.send(Out::Finish);
                }
            }
        }
        let (id, set_id, xsp) = (ch.id.clone(), ch.set_id.clone(), ch.xsp);
        if let Some(set) = self.sets.get_mut(&set_id) {
            set.live.retain(|&i| i != idx);
        }
        self.log(|| format!("channel {id} on xsp {xsp} closed ({reason})"));
    }

    /// The writer of channel `idx` has stopped.
    pub(crate) fn channel_gone(&mut self, idx: usize, reason: &str) {
        if let Some(ch) = self.channels.get_mut(idx) {
            ch.sock = None;
        }
        self.close_channel(idx, Close::Abort, reason);
    }

    /// Closes every open channel of XSP `xsp` (all XSPs for `None`).
    pub(crate) fn close_channels_of(
        &mut self,
        xsp: Option<usize>,
        how: Close,
        reason: &str,
    ) -> usize {
        let victims: Vec<usize> = (0..self.channels.len())
            .filter(|&i| self.channels[i].open && xsp.is_none_or(|x| self.channels[i].xsp == x))
            .collect();
        for &idx in &victims {
            self.close_channel(idx, how.clone(), reason);
        }
        victims.len()
    }

    pub(crate) fn abort_all_channels(&mut self) {
        self.close_channels_of(None, Close::Abort, "simulator stopped");
    }

    /// Sum of queued documents over the open channels (flood back-pressure).
    pub(crate) fn queued(&self) -> usize {
        self.channels
            .iter()
            .filter(|c| c.open)
            .filter_map(|c| c.tx.as_ref())
            .map(|tx| tx.len())
            .sum()
    }

    // ----- subscriptions --------------------------------------------------------------------

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
        let expires = grant(asked, None);
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
        self.sets.entry(set_id.to_string()).or_default();
        let owner = &self.owner;
        self.log(|| {
            format!("subscription {id} created: {owner} -> {user_id} ({package}, set {set_id})")
        });
        (idx, id, expires)
    }

    /// Sends subscription `idx` a `CallSubscriptionEvent` with the target's current calls.
    pub(crate) fn snapshot_event(&mut self, idx: usize) {
        if self.subs.get(idx).is_some_and(|s| s.active) {
            let data = self.calls.snapshot(&self.subs[idx].dn);
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
        sub.expires = grant(asked, None);
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

    fn deactivate(&mut self, idx: usize, why: &str) {
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

    // ----- events ---------------------------------------------------------------------------

    /// Builds the next event of subscription `idx` around `data` (an `xsi:eventData` element).
    fn new_event(&mut self, idx: usize, data: &str) -> Arc<EventDoc> {
        let (key, event_id) = self.ids.next();
        let sub = &mut self.subs[idx];
        sub.seq = if sub.seq >= 2_147_483_647 {
            1
        } else {
            sub.seq + 1
        };
        let mut text = String::with_capacity(
            DECL.len()
                + EVENT_OPEN.len()
                + 120
                + sub.env_mid.len()
                + sub.env_target.len()
                + data.len(),
        );
        text.push_str(DECL);
        text.push_str(EVENT_OPEN);
        text.push_str(&event_id);
        let _ = write!(text, "</xsi:eventID><xsi:sequenceNumber>{}", sub.seq);
        text.push_str(&sub.env_mid);
        let split = text.len();
        text.push_str(&sub.env_target);
        text.push_str(data);
        text.push_str("</xsi:Event>");
        self.counters.events_generated += 1;
        Arc::new(EventDoc {
            key,
            sub: idx,
            text,
            split,
        })
    }

    /// Delivers call events to the active subscriptions of each emit's DN.
    pub(crate) fn emit(&mut self, emits: Vec<Emit>) {
        for e in emits {
            self.emit_data(&e.dn, &e.data);
        }
    }

    /// Delivers one payload to every active subscription of `dn`; returns how many.
    pub(crate) fn emit_data(&mut self, dn: &str, data: &str) -> usize {
        let Some(targets) = self.subs_by_dn.get(dn) else {
            return 0;
        };
        let targets = targets.clone();
        for &idx in &targets {
            let doc = self.new_event(idx, data);
            self.deliver(doc);
        }
        targets.len()
    }

    /// The next flood event for `dn` (one per subscription); false when `dn` has none.
    pub(crate) fn flood_one(
        &mut self,
        cycle: &mut FloodCycle,
        dn: &str,
        now: u64,
        buf: &mut String,
    ) -> bool {
        if self.subs_by_dn.get(dn).is_none_or(|v| v.is_empty()) {
            return false;
        }
        self.calls.flood_event(cycle, dn, now, buf);
        self.emit_data(dn, buf);
        true
    }

    /// Sends a new event according to the delivery mode.
    fn deliver(&mut self, doc: Arc<EventDoc>) {
        match self.delivery {
            Delivery::Normal => self.route(doc, &[]),
            Delivery::Duplicate => {
                let Some(first) = self.pick(doc.sub, &[]) else {
                    self.pend(doc);
                    return;
                };
                let mut sent_on = vec![first];
                if let Some(second) = self.pick(doc.sub, &[first]) {
                    sent_on.push(second);
                }
                for &c in &sent_on {
                    self.send_on(c, &doc);
                }
                self.track(doc, sent_on);
            }
            Delivery::SwapPairs => {
                let sub = doc.sub;
                match self.subs[sub].swap_held.take() {
                    Some((held, _)) => {
                        self.route(doc, &[]);
                        self.route(held, &[]);
                    }
                    None => self.subs[sub].swap_held = Some((doc, Instant::now())),
                }
            }
        }
    }

    /// Sends any events held back by SwapPairs (when the mode changes or they waited too long).
    pub(crate) fn flush_swapped(&mut self, older_than: Duration) {
        let now = Instant::now();
        for idx in 0..self.subs.len() {
            let due = self.subs[idx]
                .swap_held
                .as_ref()
                .is_some_and(|(_, at)| now.duration_since(*at) >= older_than);
            if due {
                if let Some((doc, _)) = self.subs[idx].swap_held.take() {
                    self.route(doc, &[]);
                }
            }
        }
    }

    /// Sends `doc` on the subscription's next live channel not in `exclude`, or queues it.
    fn route(&mut self, doc: Arc<EventDoc>, exclude: &[usize]) {
        match self.pick(doc.sub, exclude) {
            Some(c) => {
                self.send_on(c, &doc);
                self.track(doc, vec![c]);
            }
            None => self.pend(doc),
        }
    }

    fn pend(&mut self, doc: Arc<EventDoc>) {
        let set_id = &self.subs[doc.sub].set_id;
        let set = self.sets.entry(set_id.clone()).or_default();
        set.pending.push_back(doc);
        if set.pending.len() > MAX_PENDING {
            set.pending.pop_front();
            self.counters.events_dropped += 1;
        }
    }

    /// The next live channel of the subscription's set, round-robin, skipping `exclude`.
    fn pick(&mut self, sub: usize, exclude: &[usize]) -> Option<usize> {
        let s = &mut self.subs[sub];
        let live = &self.sets.get(&s.set_id)?.live;
        let n = live.len();
        for k in 0..n {
            let c = live[(s.rr + k) % n];
            if !exclude.contains(&c) {
                s.rr = (s.rr + k + 1) % n;
                return Some(c);
            }
        }
        None
    }

    fn send_on(&mut self, c: usize, doc: &Arc<EventDoc>) {
        if let Some(tx) = self.channels[c].tx.as_ref() {
            // An overfull queue (a stalled reader) gets nothing more; the re-send timer retries.
            if tx.len() < MAX_CHANNEL_QUEUE {
                let _ = tx.send(Out::Event(doc.clone()));
            }
        }
    }

    fn track(&mut self, doc: Arc<EventDoc>, sent_on: Vec<usize>) {
        self.stamp += 1;
        let key = doc.key;
        self.unacked.insert(
            key,
            Unacked {
                doc,
                sent_on,
                stamp: self.stamp,
            },
        );
        self.unacked_order
            .push_back((key, self.stamp, Instant::now()));
        while self.unacked.len() > MAX_UNACKED {
            let Some((k, stamp, _)) = self.unacked_order.pop_front() else {
                break;
            };
            if self.unacked.get(&k).is_some_and(|u| u.stamp == stamp) {
                self.unacked.remove(&k);
                self.counters.events_dropped += 1;
            }
        }
    }

    /// Handles an EventResponse received on XSP `xsp`.
    pub(crate) fn ack(&mut self, xsp: usize, event_id: Option<&str>, status: u16) {
        *self.counters.acks_by_status.entry(status).or_default() += 1;
        let Some(key) = event_id.and_then(ids::parse) else {
            return;
        };
        let Some(entry) = self.unacked.get(&key) else {
            return;
        };
        if !entry.sent_on.iter().any(|&c| self.channels[c].xsp == xsp) {
            self.counters.acks_wrong_xsp += 1;
        }
        let last = *entry.sent_on.last().unwrap_or(&0);
        if let Some(ch) = self.channels.get_mut(last) {
            ch.acks += 1;
        }
        let Some(entry) = self.unacked.remove(&key) else {
            return;
        };
        match status {
            404 => {
                // The client does not know the channel: it is deleted, the event goes elsewhere.
                self.close_channel(
                    last,
                    Close::Terminate("UnknownChannel".into()),
                    "UnknownChannel",
                );
                self.counters.events_resent += 1;
                self.route(entry.doc, &[]);
            }
            500 => {
                self.counters.events_resent += 1;
                self.route(entry.doc, &[last]);
            }
            481 => {
                let sub = entry.doc.sub;
                if self.subs[sub].active {
                    self.deactivate(sub, "deleted by EventResponse 481");
                }
            }
            _ => {}
        }
    }

    /// Periodic work: re-sends, heartbeat timeouts, expiry, SwapPairs flush.
    pub(crate) fn tick(&mut self) {
        let now = Instant::now();
        // Unacknowledged events past the timeout go to another live channel of their set.
        let mut due = std::mem::take(&mut self.stuck);
        while let Some(&(key, stamp, at)) = self.unacked_order.front() {
            if now.duration_since(at) < self.ack_timeout {
                break;
            }
            self.unacked_order.pop_front();
            if self.unacked.get(&key).is_some_and(|u| u.stamp == stamp) {
                due.push(key);
            }
        }
        for key in due {
            let Some(entry) = self.unacked.get(&key) else {
                continue;
            };
            let exclude = entry.sent_on.clone();
            let sub = entry.doc.sub;
            match self.pick(sub, &exclude) {
                Some(c) => {
                    if let Some(entry) = self.unacked.remove(&key) {
                        self.send_on(c, &entry.doc);
                        self.counters.events_resent += 1;
                        self.track(entry.doc, vec![c]);
                    }
                }
                None => self.stuck.push(key),
            }
        }
        // Channels without heartbeats, and expired channels.
        for idx in 0..self.channels.len() {
            let ch = &self.channels[idx];
            if !ch.open {
                continue;
            }
            if self
                .event_timeout
                .is_some_and(|t| now.duration_since(ch.last_heartbeat) > t)
            {
                self.counters.channels_timed_out += 1;
                self.close_channel(idx, Close::Finish, "no heartbeat within eventTimeout");
            } else if ch.expires_at.is_some_and(|at| now >= at) {
                self.close_channel(idx, Close::Terminate("Expired".into()), "Expired");
            }
        }
        // Expired subscriptions.
        for idx in 0..self.subs.len() {
            if self.subs[idx].active && self.subs[idx].expires_at.is_some_and(|at| now >= at) {
                self.deactivate(idx, "expired");
                self.terminated_event(idx);
            }
        }
        self.flush_swapped(SWAP_HOLD);
    }

    pub(crate) fn set_delivery(&mut self, mode: Delivery) {
        self.delivery = mode;
        if mode != Delivery::SwapPairs {
            self.flush_swapped(Duration::ZERO);
        }
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
mod tests {
    use super::*;
    use crate::sim::xml::element_text;

    fn state() -> State {
        let cfg = SimConfig {
            ack_timeout: Duration::ZERO,
            ..SimConfig::default()
        };
        State::new(&cfg)
    }

    /// Renders everything queued on a channel's receiver: (type, eventID, seq) per event.
    fn drain(rx: &Receiver<Out>, channel_id: &str) -> Vec<(String, String, String)> {
        rx.try_iter()
            .map(|m| match m {
                Out::Event(doc) => {
                    let mut bytes = Vec::new();
                    doc.render(channel_id, &mut bytes);
                    let text = String::from_utf8(bytes).unwrap();
                    assert_eq!(
                        element_text(&text, "channelId").as_deref(),
                        Some(channel_id)
                    );
                    let kind = text
                        .split("eventData xsi1:type=\"xsi:")
                        .nth(1)
                        .unwrap_or("")
                        .split('"')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    (
                        kind,
                        element_text(&text, "eventID").unwrap().into_owned(),
                        element_text(&text, "sequenceNumber").unwrap().into_owned(),
                    )
                }
                Out::Heartbeat => ("heartbeat".into(), String::new(), String::new()),
                Out::Terminate(r) => (format!("terminate {r}"), String::new(), String::new()),
                Out::Finish => ("finish".into(), String::new(), String::new()),
            })
            .collect()
    }

    #[test]
    fn events_alternate_over_the_live_channels_and_queue_without_one() {
        let mut st = state();
        let (sub, _, _) = st.subscribe("2001@example.net", "Advanced Call", None, "set", "app");
        st.initial_event(sub);
        assert_eq!(st.sets["set"].pending.len(), 1, "queued while no channel");
        let a = st.open_channel(0, &ChannelParams::new("set", "app"), None);
        let b = st.open_channel(1, &ChannelParams::new("set", "app"), None);
        let (_, emits) = st.calls.call("2001", "2002", 1);
        st.emit(emits);
        let on_a = drain(&a.rx, &a.channel_id);
        let on_b = drain(&b.rx, &b.channel_id);
        let kinds = |v: &[(String, String, String)]| {
            v.iter()
                .map(|e| format!("{}#{}", e.0, e.2))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(&on_a),
            ["CallSubscriptionEvent#1", "HookStatusEvent#2"]
        );
        assert_eq!(kinds(&on_b), ["CallOriginatedEvent#3"]);
        assert_eq!(st.unacked_len(), 3);
    }

    #[test]
    fn acks_follow_the_status_codes() {
        // (status, unacked after, events resent, subscription still active, channel a open)
        let cases: &[(u16, usize, u64, bool, bool)] = &[
            (200, 0, 0, true, true),
            (400, 0, 0, true, true),
            (481, 0, 0, false, true),
            (500, 1, 1, true, true),
            (404, 1, 1, true, false),
        ];
        for &(status, unacked, resent, active, a_open) in cases {
            let mut st = state();
            let a = st.open_channel(0, &ChannelParams::new("set", "app"), None);
            let b = st.open_channel(1, &ChannelParams::new("set", "app"), None);
            let (sub, _, _) = st.subscribe("2001@example.net", "Advanced Call", None, "set", "app");
            st.initial_event(sub);
            let sent = drain(&a.rx, &a.channel_id);
            st.ack(1, Some(&sent[0].1), status);
            assert_eq!(st.unacked_len(), unacked, "status {status}");
            assert_eq!(st.counters.events_resent, resent, "status {status}");
            assert_eq!(
                st.counters.acks_wrong_xsp, 1,
                "acked on xsp 1, sent on xsp 0"
            );
            assert_eq!(st.subs[sub].active, active, "status {status}");
            assert_eq!(st.channels[a.index].open, a_open, "status {status}");
            let on_b = drain(&b.rx, &b.channel_id);
            if resent > 0 {
                assert_eq!(
                    (on_b[0].1.as_str(), on_b[0].2.as_str()),
                    (sent[0].1.as_str(), "1"),
                    "same id and seq"
                );
            }
        }
    }

    #[test]
    fn timed_out_events_move_to_another_channel_or_wait() {
        let mut st = state();
        let a = st.open_channel(0, &ChannelParams::new("set", ""), None);
        let (sub, _, _) = st.subscribe("2001@example.net", "Advanced Call", None, "set", "app");
        st.initial_event(sub);
        let first = drain(&a.rx, &a.channel_id);
        st.tick();
        assert!(
            drain(&a.rx, &a.channel_id).is_empty(),
            "no other channel: nothing re-sent"
        );
        let b = st.open_channel(1, &ChannelParams::new("set", ""), None);
        st.tick();
        let again = drain(&b.rx, &b.channel_id);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].1, first[0].1);
        assert_eq!(st.counters.events_resent, 1);
        st.ack(1, Some(&again[0].1), 200);
        assert_eq!((st.unacked_len(), st.counters.acks_wrong_xsp), (0, 0));
    }

    #[test]
    fn flood_events_are_about_1300_bytes() {
        let mut st = state();
        let a = st.open_channel(0, &ChannelParams::new("set", "bwcsta-application"), None);
        let (sub, _, _) = st.subscribe(
            "2001@example.net",
            "Advanced Call",
            None,
            "set",
            "bwcsta-application",
        );
        st.initial_event(sub);
        let mut cycle = FloodCycle::default();
        let mut buf = String::new();
        for _ in 0..5 {
            assert!(st.flood_one(&mut cycle, "2001", now_ms(), &mut buf));
        }
        assert!(
            !st.flood_one(&mut cycle, "2999", now_ms(), &mut buf),
            "nobody subscribed"
        );
        let sizes: Vec<usize> =
            a.rx.try_iter()
                .skip(1)
                .map(|m| match m {
                    Out::Event(d) => d.len_on(&a.channel_id),
                    _ => 0,
                })
                .collect();
        let avg = sizes.iter().sum::<usize>() / sizes.len();
        assert!((1100..1500).contains(&avg), "{sizes:?}");
    }

    #[test]
    fn delivery_modes_duplicate_and_swap() {
        let mut st = state();
        let a = st.open_channel(0, &ChannelParams::new("set", ""), None);
        let b = st.open_channel(1, &ChannelParams::new("set", ""), None);
        let (sub, _, _) = st.subscribe("2001@example.net", "Advanced Call", None, "set", "app");
        st.set_delivery(Delivery::Duplicate);
        st.initial_event(sub);
        let (da, db) = (drain(&a.rx, &a.channel_id), drain(&b.rx, &b.channel_id));
        assert_eq!((da.len(), db.len()), (1, 1));
        assert_eq!(da[0].1, db[0].1);
        st.set_delivery(Delivery::SwapPairs);
        st.snapshot_event(sub);
        assert!(
            drain(&a.rx, &a.channel_id).is_empty() && drain(&b.rx, &b.channel_id).is_empty(),
            "held"
        );
        st.snapshot_event(sub);
        let (sa, sb) = (drain(&a.rx, &a.channel_id), drain(&b.rx, &b.channel_id));
        assert_eq!((sa.len(), sb.len()), (1, 1), "on different channels");
        let mut seqs = [sa[0].2.clone(), sb[0].2.clone()];
        seqs.sort();
        assert_eq!(seqs, ["2".to_string(), "3".to_string()]);
        st.snapshot_event(sub);
        st.set_delivery(Delivery::Normal);
        assert_eq!(
            drain(&a.rx, &a.channel_id).len() + drain(&b.rx, &b.channel_id).len(),
            1,
            "flushed on mode change"
        );
    }

    #[test]
    fn duplicate_channel_set_and_ownership() {
        let mut st = state();
        let a = st.open_channel(
            0,
            &ChannelParams {
                expires: Some(10),
                ..ChannelParams::new("old", "app")
            },
            None,
        );
        assert_eq!(a.expires, 3600, "minimum");
        assert_eq!(st.heartbeat(1, &a.channel_id), Err(Refusal::NotFound));
        assert!(st.heartbeat(0, &a.channel_id).is_ok());
        assert_eq!(st.renew(0, &a.channel_id, Some(7200)), Ok(7200));
        let b = st.open_channel(1, &ChannelParams::new("new", "app"), None);
        let on_a = drain(&a.rx, &a.channel_id);
        assert_eq!(
            on_a.last().map(|e| e.0.as_str()),
            Some("terminate DuplicateChannelSet")
        );
        assert!(!st.channels[a.index].open && st.channels[b.index].open);
        assert_eq!(st.delete_channel(0, &b.channel_id), Err(Refusal::NotFound));
        assert!(st.delete_channel(1, &b.channel_id).is_ok());
        st.finish_delete(b.index);
        assert_eq!(
            drain(&b.rx, &b.channel_id).last().map(|e| e.0.as_str()),
            Some("terminate ExplicitDelete")
        );
        assert!(st.channels[b.index].deleted_explicitly);
    }
}
