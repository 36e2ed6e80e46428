//! A small call model that turns call operations into Xsi event payloads.
//!
//! Parties are DNs (`2001`); the user id of a DN is `<dn>@<domain>`. Every operation changes the
//! model and returns the events it causes as [`Emit`]s: the DN whose subscriptions get the event
//! and the whole `<xsi:eventData xsi1:type="xsi:…Event">…</xsi:eventData>` element. The caller
//! (the BroadWorks state) wraps each one in a `SubscriptionEvent` envelope per subscription.
//! Nothing here does I/O or reads the clock: times come in as epoch milliseconds.
//!
//! The `call` object follows the Xsi schema's `Call` type: children in schema order,
//! `callhalf-<n>:0` call ids distinct per leg, `<n>:1` external tracking ids shared by the legs
//! of one call.
//!
//! Layout: this file holds the model, the payload writers and the basic operations (call,
//! answer, hold, retrieve, release, snapshots); `transfer` the transfers and the conference,
//! `features` recording, pickup, barge-in, park and Reconnect, `contact` the calls to call
//! centres and route points, `lookup` finding legs by call id.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use super::xml::escape_into;

mod contact;
mod features;
mod lookup;
pub(crate) mod record;
mod transfer;

pub(crate) use features::{Recording, RecordingCommand};
pub(crate) use lookup::half_of;

/// One event for the subscriptions of one DN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Emit {
    pub dn: String,
    /// The whole `xsi:eventData` element.
    pub data: String,
}

impl Emit {
    /// The `xsi1:type` of the payload (`CallReceivedEvent`), for logs and tests.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> &str {
        super::journal::payload_kind(&self.data)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Personality {
    Originator,
    Terminator,
    ClickToDial,
}

impl Personality {
    fn as_str(self) -> &'static str {
        match self {
            Personality::Originator => "Originator",
            Personality::Terminator => "Terminator",
            Personality::ClickToDial => "Click-to-Dial",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegState {
    Alerting,
    Active,
    Held,
    RemoteHeld,
    Detached,
    Released,
}

impl LegState {
    fn as_str(self) -> &'static str {
        match self {
            LegState::Alerting => "Alerting",
            LegState::Active => "Active",
            LegState::Held => "Held",
            LegState::RemoteHeld => "Remote Held",
            LegState::Detached => "Detached",
            LegState::Released => "Released",
        }
    }
}

/// One user's half of a call.
#[derive(Debug, Clone)]
pub(crate) struct Leg {
    pub dn: String,
    /// The `n` of `callhalf-<n>:0`.
    pub half: u64,
    /// The `n` of the extTrackingId `<n>:1`.
    pub ext: u64,
    pub personality: Personality,
    pub state: LegState,
    /// DN of the remote party.
    pub remote: String,
    pub release_cause: Option<&'static str>,
    pub releasing: Option<&'static str>,
    /// `redirections/redirection`: (party DN, reason).
    pub redirection: Option<(String, &'static str)>,
    /// `redirect`: (address DN, reason, time).
    pub redirect: Option<(String, &'static str, u64)>,
    pub allow_answer: bool,
    pub start: u64,
    pub answer: Option<u64>,
    pub held: Option<u64>,
    pub release: Option<u64>,
    /// The user's recording of this call (`calls::features`).
    pub recording: Option<Recording>,
}

impl Leg {
    fn new(dn: &str, half: u64, ext: u64, personality: Personality, remote: &str, now: u64) -> Leg {
        Leg {
            dn: dn.to_string(),
            half,
            ext,
            personality,
            state: LegState::Alerting,
            remote: remote.to_string(),
            release_cause: None,
            releasing: None,
            redirection: None,
            redirect: None,
            allow_answer: personality != Personality::Originator,
            start: now,
            answer: None,
            held: None,
            release: None,
            recording: None,
        }
    }

    fn release(&mut self, releasing: &'static str, now: u64) {
        self.state = LegState::Released;
        self.releasing = Some(releasing);
        self.release = Some(now);
        self.allow_answer = false;
    }
}

#[derive(Debug, Clone, Default)]
struct Call {
    legs: Vec<Leg>,
}

/// Where a DN's flood cycle stands (see [`CallModel::flood_event`]).
#[derive(Debug, Default)]
pub(crate) struct FloodCycle {
    leg: Option<Leg>,
    step: u8,
}

/// The calls of every DN, and their hook state.
#[derive(Debug)]
pub(crate) struct CallModel {
    domain: String,
    next_call: u64,
    next_half: u64,
    calls: BTreeMap<u64, Call>,
    off_hook: HashSet<String>,
    /// Conference controller DN → the call halves (of that DN) in the conference.
    conferences: HashMap<String, Vec<u64>>,
    /// Park location DN → the call parked there (`calls::features`).
    parked: BTreeMap<String, u64>,
    /// The facts of the payloads built, for the journal (see `record`).
    pub(crate) notes: super::journal::Notes,
}

/// Wraps a payload body into `<xsi:eventData xsi1:type="xsi:KIND">…</xsi:eventData>`.
pub(crate) fn event_data(kind: &str, body: impl FnOnce(&mut String)) -> String {
    let mut out = String::with_capacity(900);
    out.push_str("<xsi:eventData xsi1:type=\"xsi:");
    out.push_str(kind);
    out.push_str("\">");
    body(&mut out);
    out.push_str("</xsi:eventData>");
    out
}

fn push_elem(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<xsi:{name}>");
    escape_into(out, text);
    let _ = write!(out, "</xsi:{name}>");
}

fn push_num(out: &mut String, name: &str, n: u64) {
    let _ = write!(out, "<xsi:{name}>{n}</xsi:{name}>");
}

/// Appends `<xsi:remoteParty>` for an internal user with DN `dn`.
pub(crate) fn render_party(out: &mut String, dn: &str, domain: &str) {
    out.push_str("<xsi:remoteParty><xsi:name>User ");
    escape_into(out, dn);
    out.push_str("</xsi:name><xsi:address>tel:");
    escape_into(out, dn);
    out.push_str("</xsi:address><xsi:userId>");
    escape_into(out, &user_id(dn, domain));
    out.push_str("</xsi:userId><xsi:userDN countryCode=\"1\">tel:+1555");
    escape_into(out, dn);
    out.push_str(";ext=");
    escape_into(out, dn);
    out.push_str("</xsi:userDN><xsi:callType>Group</xsi:callType></xsi:remoteParty>");
}

/// Appends one `<xsi:call>` element.
pub(crate) fn render_call(out: &mut String, leg: &Leg, domain: &str) {
    let _ = write!(
        out,
        "<xsi:call><xsi:callId>callhalf-{}:0</xsi:callId><xsi:extTrackingId>{}:1</xsi:extTrackingId>",
        leg.half, leg.ext
    );
    push_elem(out, "personality", leg.personality.as_str());
    push_elem(out, "state", leg.state.as_str());
    if let Some(cause) = leg.release_cause {
        let _ = write!(out, "<xsi:releaseCause><xsi:internalReleaseCause>{cause}</xsi:internalReleaseCause></xsi:releaseCause>");
    }
    if let Some(party) = leg.releasing {
        push_elem(out, "releasingParty", party);
    }
    render_party(out, &leg.remote, domain);
    if let Some((party, reason)) = &leg.redirection {
        // `party` is a PartyInformation, like `remoteParty`.
        out.push_str("<xsi:redirections><xsi:redirection><xsi:party><xsi:address>tel:");
        escape_into(out, party);
        let _ = write!(
            out,
            "</xsi:address></xsi:party><xsi:reason>{reason}</xsi:reason></xsi:redirection></xsi:redirections>"
        );
    }
    if let Some((address, reason, time)) = &leg.redirect {
        render_redirect(out, address, reason, *time);
    }
    if leg.answer.is_some() {
        out.push_str("<xsi:endpoint xsi1:type=\"xsi:AccessEndpoint\"><xsi:addressOfRecord>");
        escape_into(out, &user_id(&leg.dn, domain));
        out.push_str("</xsi:addressOfRecord></xsi:endpoint>");
    }
    if leg.allow_answer && leg.state == LegState::Alerting {
        out.push_str("<xsi:allowAnswer/>");
    }
    if leg.state == LegState::Held {
        out.push_str("<xsi:allowRetrieve/>");
    }
    push_num(out, "startTime", leg.start);
    for (name, time) in [
        ("answerTime", leg.answer),
        ("heldTime", leg.held),
        ("releaseTime", leg.release),
    ] {
        if let Some(t) = time {
            push_num(out, name, t);
        }
    }
    features::render_recording(out, leg);
    out.push_str("</xsi:call>");
}

/// Appends `<xsi:redirect>` to `tel:<to>` for `reason` at `time`.
pub(crate) fn render_redirect(out: &mut String, to: &str, reason: &str, time: u64) {
    out.push_str("<xsi:redirect><xsi:address>tel:");
    escape_into(out, to);
    let _ = write!(
        out,
        "</xsi:address><xsi:reason>{reason}</xsi:reason><xsi:redirectTime>{time}</xsi:redirectTime></xsi:redirect>"
    );
}

/// `<dn>@<domain>`, or `dn` itself when it already holds an `@`.
pub(crate) fn user_id(dn: &str, domain: &str) -> String {
    if dn.contains('@') {
        dn.to_string()
    } else {
        format!("{dn}@{domain}")
    }
}

/// The DN of a user id: the part before `@<domain>`, or the whole id for other domains.
pub(crate) fn dn_of<'a>(user_id: &'a str, domain: &str) -> &'a str {
    match user_id
        .strip_suffix(domain)
        .and_then(|rest| rest.strip_suffix('@'))
    {
        Some(dn) if !dn.is_empty() => dn,
        _ => user_id,
    }
}

fn hook_event(off: bool) -> String {
    event_data("HookStatusEvent", |o| {
        o.push_str(if off {
            "<xsi:hookStatus>Off-Hook</xsi:hookStatus>"
        } else {
            "<xsi:hookStatus>On-Hook</xsi:hookStatus>"
        })
    })
}

fn conference_data(kind: &str, state: &str, halves: &[u64]) -> String {
    event_data(kind, |o| {
        let _ = write!(o, "<xsi:conference><xsi:state>{state}</xsi:state>");
        // The list holds at least one participant: none once every leg is gone.
        if !halves.is_empty() {
            o.push_str("<xsi:conferenceParticipantList>");
            for h in halves {
                let _ = write!(o, "<xsi:conferenceParticipant><xsi:callId>callhalf-{h}:0</xsi:callId></xsi:conferenceParticipant>");
            }
            o.push_str("</xsi:conferenceParticipantList>");
        }
        o.push_str("</xsi:conference>");
    })
}

fn go_off_hook(off_hook: &mut HashSet<String>, dn: &str, emits: &mut Vec<Emit>) {
    if off_hook.insert(dn.to_string()) {
        emits.push(Emit {
            dn: dn.to_string(),
            data: hook_event(true),
        });
    }
}

impl CallModel {
    pub(crate) fn new(domain: &str) -> CallModel {
        CallModel {
            domain: domain.to_string(),
            next_call: 1,
            next_half: 1001,
            calls: BTreeMap::new(),
            off_hook: HashSet::new(),
            conferences: HashMap::new(),
            parked: BTreeMap::new(),
            notes: Default::default(),
        }
    }

    fn new_call_number(&mut self) -> u64 {
        let n = self.next_call;
        self.next_call += 1;
        n
    }

    fn new_half(&mut self) -> u64 {
        let n = self.next_half;
        self.next_half += 1;
        n
    }

    fn call_event(&self, kind: &str, leg: &Leg) -> Emit {
        let data = event_data(kind, |o| render_call(o, leg, &self.domain));
        self.notes.note(&data, || record::leg_fact(kind, leg));
        Emit {
            dn: leg.dn.clone(),
            data,
        }
    }

    fn has_legs(&self, dn: &str) -> bool {
        self.calls
            .values()
            .any(|c| c.legs.iter().any(|l| l.dn == dn))
    }

    /// Sends On-Hook to each of `dns` that is off-hook and has no call left.
    fn on_hook_if_idle(&mut self, dns: &[String], emits: &mut Vec<Emit>) {
        for dn in dns {
            if !self.has_legs(dn) && self.off_hook.remove(dn) {
                emits.push(Emit {
                    dn: dn.clone(),
                    data: hook_event(false),
                });
            }
        }
    }

    /// Drops released halves from conferences; a conference left with fewer than two
    /// participants is released.
    fn prune_conferences(&mut self, gone: &[u64], emits: &mut Vec<Emit>) {
        let mut ended = Vec::new();
        for (dn, halves) in self.conferences.iter_mut() {
            if halves.iter().any(|h| gone.contains(h)) {
                halves.retain(|h| !gone.contains(h));
                if halves.len() < 2 {
                    ended.push((dn.clone(), std::mem::take(halves)));
                }
            }
        }
        for (dn, halves) in ended {
            self.conferences.remove(&dn);
            let data = conference_data("ConferenceReleasedEvent", "Released", &halves);
            self.notes.note(&data, || {
                record::conference_fact("ConferenceReleasedEvent", &halves)
            });
            emits.push(Emit { dn, data });
        }
    }

    /// `from` dials `to`.
    pub(crate) fn call(&mut self, from: &str, to: &str, now: u64) -> (u64, Vec<Emit>) {
        let n = self.new_call_number();
        let a = Leg::new(from, self.new_half(), n, Personality::Originator, to, now);
        let b = Leg::new(to, self.new_half(), n, Personality::Terminator, from, now);
        let mut emits = Vec::new();
        go_off_hook(&mut self.off_hook, from, &mut emits);
        emits.push(self.call_event("CallOriginatedEvent", &a));
        emits.push(self.call_event("CallReceivedEvent", &b));
        self.calls.insert(n, Call { legs: vec![a, b] });
        (n, emits)
    }

    /// Click-to-dial from `from` to `to`: only `from`'s device is rung.
    pub(crate) fn click_to_dial(&mut self, from: &str, to: &str, now: u64) -> (u64, Vec<Emit>) {
        let n = self.new_call_number();
        let a = Leg::new(from, self.new_half(), n, Personality::ClickToDial, to, now);
        let emits = vec![self.call_event("CallOriginatingEvent", &a)];
        self.calls.insert(n, Call { legs: vec![a] });
        (n, emits)
    }

    /// Answers the ringing leg of call `n`: the click-to-dial leg, else the alerting terminator.
    pub(crate) fn answer(&mut self, n: u64, now: u64) -> Vec<Emit> {
        let mut emits = Vec::new();
        let Some(call) = self.calls.get(&n) else {
            return emits;
        };
        let mut call = call.clone();
        if let Some(i) = call.legs.iter().position(|l| {
            l.personality == Personality::ClickToDial && l.state == LegState::Alerting
        }) {
            let leg = &mut call.legs[i];
            leg.personality = Personality::Originator;
            leg.allow_answer = false;
            let (from, to) = (leg.dn.clone(), leg.remote.clone());
            go_off_hook(&mut self.off_hook, &from, &mut emits);
            emits.push(self.call_event("CallOriginatedEvent", &call.legs[i]));
            let b = Leg::new(
                &to,
                self.new_half(),
                call.legs[i].ext,
                Personality::Terminator,
                &from,
                now,
            );
            emits.push(self.call_event("CallReceivedEvent", &b));
            call.legs.push(b);
        } else if let Some(t) = call
            .legs
            .iter()
            .position(|l| l.personality == Personality::Terminator && l.state == LegState::Alerting)
        {
            let dn = call.legs[t].dn.clone();
            go_off_hook(&mut self.off_hook, &dn, &mut emits);
            let order = std::iter::once(t).chain((0..call.legs.len()).filter(|&i| i != t));
            for i in order.collect::<Vec<_>>() {
                let leg = &mut call.legs[i];
                if i == t || leg.state == LegState::Alerting {
                    leg.state = LegState::Active;
                    leg.allow_answer = false;
                    leg.answer = leg.answer.or(Some(now));
                    emits.push(self.call_event("CallAnsweredEvent", &call.legs[i]));
                }
            }
        }
        self.calls.insert(n, call);
        emits
    }

    /// `by` puts call `n` on hold.
    pub(crate) fn hold(&mut self, n: u64, by: &str, now: u64) -> Vec<Emit> {
        let mut emits = Vec::new();
        let Some(mut call) = self.calls.remove(&n) else {
            return emits;
        };
        if let Some(i) = call
            .legs
            .iter()
            .position(|l| l.dn == by && l.state == LegState::Active)
        {
            call.legs[i].state = LegState::Held;
            call.legs[i].held = Some(now);
            emits.push(self.call_event("CallHeldEvent", &call.legs[i]));
            for j in (0..call.legs.len()).filter(|&j| j != i) {
                if call.legs[j].state == LegState::Active {
                    call.legs[j].state = LegState::RemoteHeld;
                    call.legs[j].held = Some(now);
                    emits.push(self.call_event("CallHeldEvent", &call.legs[j]));
                }
            }
        }
        self.calls.insert(n, call);
        emits
    }

    /// `by` retrieves call `n` from hold.
    pub(crate) fn retrieve(&mut self, n: u64, by: &str) -> Vec<Emit> {
        let mut emits = Vec::new();
        let Some(mut call) = self.calls.remove(&n) else {
            return emits;
        };
        if let Some(i) = call
            .legs
            .iter()
            .position(|l| l.dn == by && l.state == LegState::Held)
        {
            call.legs[i].state = LegState::Active;
            call.legs[i].held = None;
            emits.push(self.call_event("CallRetrievedEvent", &call.legs[i]));
            for j in (0..call.legs.len()).filter(|&j| j != i) {
                if call.legs[j].state == LegState::RemoteHeld {
                    call.legs[j].state = LegState::Active;
                    call.legs[j].held = None;
                    emits.push(self.call_event("CallRetrievedEvent", &call.legs[j]));
                }
            }
        }
        self.calls.insert(n, call);
        emits
    }

    /// Releases call `n`; `by` is the releasing party (any other value: all remote).
    pub(crate) fn release(&mut self, n: u64, by: &str, now: u64) -> Vec<Emit> {
        let mut emits = Vec::new();
        let Some(mut call) = self.calls.remove(&n) else {
            return emits;
        };
        call.legs.sort_by_key(|l| l.dn != by);
        let mut parties = Vec::new();
        let mut halves = Vec::new();
        for leg in &mut call.legs {
            leg.release(
                if leg.dn == by {
                    "localRelease"
                } else {
                    "remoteRelease"
                },
                now,
            );
        }
        for leg in &call.legs {
            emits.push(self.call_event("CallReleasedEvent", leg));
            parties.push(leg.dn.clone());
            halves.push(leg.half);
        }
        self.prune_conferences(&halves, &mut emits);
        self.on_hook_if_idle(&parties, &mut emits);
        emits
    }

    /// `from` calls `to`, who is busy.
    pub(crate) fn busy(&mut self, from: &str, to: &str, now: u64) -> (u64, Vec<Emit>) {
        let n = self.new_call_number();
        let mut leg = Leg::new(from, self.new_half(), n, Personality::Originator, to, now);
        let mut emits = Vec::new();
        go_off_hook(&mut self.off_hook, from, &mut emits);
        emits.push(self.call_event("CallOriginatedEvent", &leg));
        leg.state = LegState::Active;
        leg.release_cause = Some("Busy");
        emits.push(self.call_event("CallReleasingEvent", &leg));
        leg.release("remoteRelease", now);
        emits.push(self.call_event("CallReleasedEvent", &leg));
        self.on_hook_if_idle(&[from.to_string()], &mut emits);
        (n, emits)
    }

    /// Application-server failover for `dn`: its legs are forgotten, then a snapshot is sent.
    pub(crate) fn as_failover(&mut self, dn: &str) -> Vec<Emit> {
        for call in self.calls.values_mut() {
            call.legs.retain(|l| l.dn != dn);
        }
        self.calls.retain(|_, c| !c.legs.is_empty());
        self.conferences.remove(dn);
        self.off_hook.remove(dn);
        vec![Emit {
            dn: dn.to_string(),
            data: self.snapshot(dn),
        }]
    }

    /// The `CallSubscriptionEvent` payload for `dn`: its calls, conference and hook status.
    pub(crate) fn snapshot(&self, dn: &str) -> String {
        event_data("CallSubscriptionEvent", |o| {
            let legs: Vec<&Leg> = self
                .calls
                .values()
                .flat_map(|c| c.legs.iter())
                .filter(|l| l.dn == dn)
                .collect();
            if !legs.is_empty() {
                o.push_str("<xsi:calls>");
                for leg in legs {
                    render_call(o, leg, &self.domain);
                }
                o.push_str("</xsi:calls>");
            }
            if let Some(halves) = self.conferences.get(dn) {
                let conf = conference_data("X", "Active", halves);
                let start = conf.find("<xsi:conference>").unwrap_or(0);
                let end = conf.rfind("</xsi:eventData>").unwrap_or(conf.len());
                o.push_str(&conf[start..end]);
            }
            let status = if self.off_hook.contains(dn) {
                "Off-Hook"
            } else {
                "On-Hook"
            };
            let _ = write!(o, "<xsi:hookStatus>{status}</xsi:hookStatus>");
        })
    }

    /// The next payload of `dn`'s flood cycle (CallReceived, CallAnswered, CallHeld,
    /// CallRetrieved, CallReleased on a fresh call each time), written into `out`. The model's
    /// calls are not touched; only fresh ids are taken. Returns the event's probe key,
    /// `extTrackingId number × 8 + step` (step 0–4 in the order above), which a client can
    /// rebuild from the CSTA event (its callID and kind).
    pub(crate) fn flood_event(
        &mut self,
        cycle: &mut FloodCycle,
        dn: &str,
        now: u64,
        out: &mut String,
    ) -> u64 {
        out.clear();
        if cycle.leg.is_none() || cycle.step >= 5 {
            let n = self.new_call_number();
            let half = self.new_half();
            let remote = format!("7{:03}", n % 1000);
            cycle.leg = Some(Leg::new(dn, half, n, Personality::Terminator, &remote, now));
            cycle.step = 0;
        }
        let Some(leg) = cycle.leg.as_mut() else {
            return 0;
        };
        let key = leg.ext * 8 + u64::from(cycle.step);
        let kind = match cycle.step {
            0 => "CallReceivedEvent",
            1 => {
                leg.state = LegState::Active;
                leg.allow_answer = false;
                leg.answer = Some(now);
                "CallAnsweredEvent"
            }
            2 => {
                leg.state = LegState::Held;
                leg.held = Some(now);
                "CallHeldEvent"
            }
            3 => {
                leg.state = LegState::Active;
                leg.held = None;
                "CallRetrievedEvent"
            }
            _ => {
                leg.release("remoteRelease", now);
                "CallReleasedEvent"
            }
        };
        cycle.step += 1;
        let _ = write!(out, "<xsi:eventData xsi1:type=\"xsi:{kind}\">");
        render_call(out, leg, &self.domain);
        out.push_str("</xsi:eventData>");
        key
    }
}

#[cfg(test)]
mod tests;
