//! The contact centre of the simulated BroadWorks (README, "Contact centre"): call centres with
//! their agents and queues, route points with their waiting calls and treatments, and the
//! agents' ACD state.
//!
//! A call to a call centre or a route point is the caller's leg in the call model plus an entry
//! in the queue, which keeps the queue's own leg (`callhalf-<n>:0`). The queue's events go to
//! the `Call Center Queue` / `Route Point Queue` subscriptions of the virtual user, the agent
//! events to the agent's `Call Center Agent` subscriptions, call events to the call packages
//! only ([`PackageClass`]). After every call operation [`State::contact_sync`] looks at the
//! queued calls: a call whose caller hung up was abandoned, a call the offered agent answered
//! leaves the queue answered.
//!
//! Scripted from the API and the control interface: a caller dials a call centre
//! ([`State::acd_call`]) or a route point ([`State::rp_call`]); a queued call is offered to an
//! agent ([`State::acd_offer`], the agent answers with Xsi `Talk` or at the phone) or
//! overflows ([`State::acd_overflow`]); route point calls are routed, failed and given
//! treatments by Xsi-Actions (`actions`), and a treatment ends with
//! [`State::complete_treatment`]; agent states change by Xsi-Actions or
//! [`State::set_agent_state`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{now_ms, State};
use crate::sim::calls::{event_data, render_party, render_redirect, user_id, LegState};
use crate::sim::journal::Fact;
use crate::sim::xml::escape_into;

mod incidents;
#[cfg(test)]
mod tests;

/// The agent states BroadWorks knows (`AgentState`).
pub(crate) const AGENT_STATES: [&str; 5] =
    ["Sign-In", "Available", "Unavailable", "Wrap-Up", "Sign-Out"];

/// Which subscriptions get an event: those of the package it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PackageClass {
    /// Basic, Standard, Advanced Call (and any other user package).
    Calls,
    /// `Call Center Queue`.
    Queue,
    /// `Route Point Queue`.
    RoutePoint,
    /// `Call Center Agent`.
    Agent,
    /// `Do Not Disturb`.
    DoNotDisturb,
    /// `Call Forwarding Always`.
    ForwardingAlways,
}

impl PackageClass {
    pub(crate) fn of_package(package: &str) -> PackageClass {
        match package {
            "Call Center Queue" => PackageClass::Queue,
            "Route Point Queue" => PackageClass::RoutePoint,
            "Call Center Agent" => PackageClass::Agent,
            "Do Not Disturb" => PackageClass::DoNotDisturb,
            "Call Forwarding Always" => PackageClass::ForwardingAlways,
            _ => PackageClass::Calls,
        }
    }

    /// The class of an `xsi:eventData` payload, by its type.
    pub(crate) fn of_data(data: &str) -> PackageClass {
        let ty = data
            .strip_prefix("<xsi:eventData xsi1:type=\"xsi:")
            .unwrap_or("");
        if ty.starts_with("DoNotDisturb") {
            PackageClass::DoNotDisturb
        } else if ty.starts_with("CallForwardingAlways") {
            PackageClass::ForwardingAlways
        } else if ty.starts_with("Agent") || ty.starts_with("ACDAgent") {
            PackageClass::Agent
        } else if ty.starts_with("ACD") {
            PackageClass::Queue
        } else if ty.starts_with("RoutePoint") {
            PackageClass::RoutePoint
        } else {
            PackageClass::Calls
        }
    }
}

/// The treatments of a route point, in CSTA message order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Play {
    Busy,
    MusicOnHold,
    Ringback,
    Silence,
    Treatment,
}

impl Play {
    /// From the Xsi-Actions command (`PlayBusy`, …).
    pub(crate) fn from_verb(verb: &str) -> Option<Play> {
        Some(match verb {
            "PlayBusy" => Play::Busy,
            "PlayMusicOnHold" => Play::MusicOnHold,
            "PlayRingback" => Play::Ringback,
            "PlaySilence" => Play::Silence,
            "PlayTreatment" => Play::Treatment,
            _ => return None,
        })
    }

    /// The event name part: `RoutePoint<name>StartedEvent`.
    fn name(self) -> &'static str {
        match self {
            Play::Busy => "Busy",
            Play::MusicOnHold => "MOH",
            Play::Ringback => "Ringback",
            Play::Silence => "Silence",
            Play::Treatment => "Treatment",
        }
    }
}

/// A call waiting in a queue.
#[derive(Clone, Debug)]
struct Queued {
    /// The call's number (extTrackingId `<n>:1`).
    call: u64,
    /// The queue's leg `callhalf-<half>:0`.
    half: u64,
    caller: String,
    /// The agent it is offered to.
    offered: Option<String>,
    added: u64,
    /// The treatment playing (route points) and its playCollectId.
    playing: Option<(Play, u32)>,
}

/// Where a queue is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Center,
    RoutePoint,
}

/// See the module documentation.
#[derive(Default)]
pub(crate) struct ContactModel {
    /// Call centre DN → its agents and queue.
    centers: BTreeMap<String, (Vec<String>, Vec<Queued>)>,
    /// Route point DN → its waiting calls.
    route_points: BTreeMap<String, Vec<Queued>>,
    /// Agent DN → ACD state.
    agent_states: BTreeMap<String, String>,
    /// Agent DN → when its state was last set (epoch ms).
    state_times: BTreeMap<String, u64>,
    next_play: u32,
}

impl ContactModel {
    fn queue_mut(&mut self, place: Place, dn: &str) -> Option<&mut Vec<Queued>> {
        match place {
            Place::Center => self.centers.get_mut(dn).map(|(_, q)| q),
            Place::RoutePoint => self.route_points.get_mut(dn),
        }
    }

    /// Where call `n` waits: place, queue DN, the entry.
    fn find(&self, n: u64) -> Option<(Place, String, Queued)> {
        let centers = self
            .centers
            .iter()
            .flat_map(|(dn, (_, q))| q.iter().map(move |c| (Place::Center, dn, c)));
        let points = self
            .route_points
            .iter()
            .flat_map(|(dn, q)| q.iter().map(move |c| (Place::RoutePoint, dn, c)));
        centers
            .chain(points)
            .find(|(_, _, c)| c.call == n)
            .map(|(p, dn, c)| (p, dn.clone(), c.clone()))
    }

    fn take(&mut self, place: Place, dn: &str, n: u64) -> Option<Queued> {
        let queue = self.queue_mut(place, dn)?;
        let at = queue.iter().position(|c| c.call == n)?;
        Some(queue.remove(at))
    }

    fn set(&mut self, place: Place, dn: &str, entry: Queued) {
        if let Some(c) = self
            .queue_mut(place, dn)
            .and_then(|q| q.iter_mut().find(|c| c.call == entry.call))
        {
            *c = entry;
        }
    }

    fn is_empty(&self) -> bool {
        self.centers.values().all(|(_, q)| q.is_empty())
            && self.route_points.values().all(Vec::is_empty)
    }

    /// The virtual users' package: `Queue` for a call centre, `RoutePoint` for a route point.
    pub(crate) fn virtual_class(&self, dn: &str) -> Option<PackageClass> {
        if self.centers.contains_key(dn) {
            Some(PackageClass::Queue)
        } else if self.route_points.contains_key(dn) {
            Some(PackageClass::RoutePoint)
        } else {
            None
        }
    }

    /// Agent user id → ACD state.
    /// When agent `dn`'s state was last set (now when it never was).
    fn state_since(&self, dn: &str) -> u64 {
        self.state_times.get(dn).copied().unwrap_or_else(now_ms)
    }

    pub(crate) fn agent_states(&self, domain: &str) -> BTreeMap<String, String> {
        self.agent_states
            .iter()
            .map(|(dn, s)| (user_id(dn, domain), s.clone()))
            .collect()
    }

    /// Queue DN → the call numbers waiting in it.
    pub(crate) fn queued(&self) -> BTreeMap<String, Vec<u64>> {
        let centers = self.centers.iter().map(|(dn, (_, q))| (dn, q));
        centers
            .chain(self.route_points.iter())
            .map(|(dn, q)| (dn.clone(), q.iter().map(|c| c.call).collect()))
            .collect()
    }
}

/// One `queueEntry`, children in xsd order; `answered` is the answering agent's user id and
/// call half.
fn render_entry(
    out: &mut String,
    place: Place,
    queue: &str,
    c: &Queued,
    domain: &str,
    answered: Option<(&str, u64)>,
) {
    let _ = write!(
        out,
        "<xsi:queueEntry><xsi:callId>callhalf-{}:0</xsi:callId><xsi:extTrackingId>{}:1</xsi:extTrackingId>",
        c.half, c.call
    );
    render_party(out, &c.caller, domain);
    let _ = write!(out, "<xsi:addTime>{}</xsi:addTime>", c.added);
    let (name, number) = match place {
        Place::Center => ("acdName", "acdNumber"),
        Place::RoutePoint => ("routePointName", "routePointNumber"),
    };
    let _ = write!(out, "<xsi:{name}>Queue ");
    escape_into(out, queue);
    let _ = write!(out, "</xsi:{name}><xsi:{number}>");
    escape_into(out, queue);
    let _ = write!(out, "</xsi:{number}>");
    if let Some((user, half)) = answered {
        out.push_str("<xsi:answeringUserId>");
        escape_into(out, user);
        let _ = write!(
            out,
            "</xsi:answeringUserId><xsi:answeringCallId>callhalf-{half}:0</xsi:answeringCallId>"
        );
    }
    out.push_str("</xsi:queueEntry>");
}

impl State {
    /// Call centre `dn` with `agents`; replaces an existing one's agents.
    pub(crate) fn add_call_center(&mut self, dn: &str, agents: &[String]) {
        self.contact.centers.entry(dn.to_string()).or_default().0 = agents.to_vec();
    }

    pub(crate) fn add_route_point(&mut self, dn: &str) {
        self.contact.route_points.entry(dn.to_string()).or_default();
    }

    /// BroadWorks refuses a call package on a virtual user and a queue package on anyone
    /// else (see `bwcsta::xsi::packages`).
    pub(crate) fn package_allowed(&self, dn: &str, package: &str) -> Result<(), String> {
        let class = PackageClass::of_package(package);
        match (self.contact.virtual_class(dn), class) {
            (Some(target), asked) if target == asked => Ok(()),
            (Some(_), _) => Err(format!(
                "{package} is not available for the virtual user {dn}"
            )),
            (None, PackageClass::Queue | PackageClass::RoutePoint) => Err(format!(
                "{package} needs a {} target",
                if class == PackageClass::Queue {
                    "call center"
                } else {
                    "route point"
                }
            )),
            (None, _) => Ok(()),
        }
    }

    /// Sends a queue event about `c` to the queue's subscriptions.
    fn queue_event(
        &mut self,
        kind: &str,
        place: Place,
        queue: &str,
        c: &Queued,
        extras: impl FnOnce(&mut String),
        answered: Option<(&str, u64)>,
    ) {
        let domain = self.domain().to_string();
        let payload = event_data(kind, |o| {
            render_entry(o, place, queue, c, &domain, answered);
            extras(o);
        });
        self.calls.notes.note(&payload, || Fact::Queue {
            kind: kind.to_owned(),
            ext: c.call,
        });
        self.emit_data(queue, &payload);
    }

    /// `from` dials a virtual user: the caller's leg, and the call enters the queue.
    fn enter(&mut self, place: Place, from: &str, to: &str) -> Option<u64> {
        self.contact.queue_mut(place, to)?;
        let now = now_ms();
        let (n, emits) = self.calls.call_virtual(from, to, now);
        let half = self.calls.queue_half();
        self.deliver_emits(emits);
        let entry = Queued {
            call: n,
            half,
            caller: from.to_string(),
            offered: None,
            added: now,
            playing: None,
        };
        let queue = self.contact.queue_mut(place, to)?;
        queue.push(entry.clone());
        let position = queue.len();
        match place {
            Place::Center => self.queue_event(
                "ACDCallAddedEvent",
                place,
                to,
                &entry,
                |o| {
                    let _ = write!(o, "<xsi:position>{position}</xsi:position>");
                },
                None,
            ),
            Place::RoutePoint => {
                self.queue_event("RoutePointCallAddedEvent", place, to, &entry, |_| {}, None)
            }
        }
        Some(n)
    }

    /// `from` calls call centre `cc`: ACDCallAdded; the call waits for an agent.
    pub(crate) fn acd_call(&mut self, from: &str, cc: &str) -> Option<u64> {
        self.enter(Place::Center, from, cc)
    }

    /// `from` calls route point `rp`: RoutePointCallAdded; the call waits to be routed.
    pub(crate) fn rp_call(&mut self, from: &str, rp: &str) -> Option<u64> {
        self.enter(Place::RoutePoint, from, rp)
    }

    /// Offers queued call `n` to `agent` (any agent if `None`: the first of the call
    /// centre's agents that is Available): ACDCallOfferedToAgent, and the agent's phone rings.
    pub(crate) fn acd_offer(&mut self, n: u64, agent: Option<&str>) -> bool {
        let Some((Place::Center, cc, mut entry)) = self.contact.find(n) else {
            return false;
        };
        if entry.offered.is_some() {
            return false;
        }
        let agent = match agent {
            Some(a) => a.to_string(),
            None => {
                let agents = self.contact.centers.get(&cc).map(|(a, _)| a.clone());
                let available = agents.into_iter().flatten().find(|a| {
                    self.contact.agent_states.get(a).map(String::as_str) == Some("Available")
                });
                match available {
                    Some(a) => a,
                    None => return false,
                }
            }
        };
        entry.offered = Some(agent.clone());
        self.contact.set(Place::Center, &cc, entry.clone());
        self.queue_event(
            "ACDCallOfferedToAgentEvent",
            Place::Center,
            &cc,
            &entry,
            |_| {},
            None,
        );
        let emits = self
            .calls
            .deliver_to(n, &agent, Some((&cc, "call-center")), now_ms());
        self.deliver_emits(emits);
        true
    }

    /// Queued call `n` overflows to `to`: ACDCallOverflowed (time), the offered agent stops
    /// ringing, `to` rings.
    pub(crate) fn acd_overflow(&mut self, n: u64, to: &str) -> bool {
        let Some((Place::Center, cc, _)) = self.contact.find(n) else {
            return false;
        };
        let Some(entry) = self.contact.take(Place::Center, &cc, n) else {
            return false;
        };
        let now = now_ms();
        if let Some(agent) = &entry.offered {
            let emits = self.calls.withdraw(n, agent, now);
            self.deliver_emits(emits);
        }
        self.queue_event(
            "ACDCallOverflowedEvent",
            Place::Center,
            &cc,
            &entry,
            |o| {
                o.push_str("<xsi:overflowReason>time</xsi:overflowReason>");
                render_redirect(o, to, "call-center", now);
            },
            None,
        );
        let emits = self
            .calls
            .deliver_to(n, to, Some((&cc, "call-center")), now);
        self.emit(emits);
        true
    }

    /// Ends the treatment of a route point call, if one plays, with `reason`.
    fn end_treatment(&mut self, rp: &str, entry: &mut Queued, reason: &str) {
        let Some((treatment, id)) = entry.playing.take() else {
            return;
        };
        let kind = format!("RoutePoint{}CompletedEvent", treatment.name());
        let done = entry.clone();
        self.queue_event(
            &kind,
            Place::RoutePoint,
            rp,
            &done,
            |o| {
                let _ = write!(
                    o,
                    "<xsi:playCollectResult><xsi:playCollectId>{id}</xsi:playCollectId>\
                     <xsi:completionReason>{reason}</xsi:completionReason></xsi:playCollectResult>"
                );
            },
            None,
        );
    }

    /// The route point call whose leg is `callhalf-<half>:0`.
    fn rp_entry(&self, rp: &str, half: u64) -> Option<Queued> {
        self.contact
            .route_points
            .get(rp)?
            .iter()
            .find(|c| c.half == half)
            .cloned()
    }

    /// Routes a route point call to `to` (Xsi BlindTransfer): its treatment stops,
    /// RoutePointCallTransferred, `to` rings. False when there is no such call.
    pub(crate) fn rp_transfer(&mut self, rp: &str, half: u64, to: &str) -> bool {
        let Some(mut entry) = self.rp_entry(rp, half) else {
            return false;
        };
        self.contact.take(Place::RoutePoint, rp, entry.call);
        let now = now_ms();
        self.end_treatment(rp, &mut entry, "Stopped-OutOfQueue");
        self.queue_event(
            "RoutePointCallTransferredEvent",
            Place::RoutePoint,
            rp,
            &entry,
            |o| render_redirect(o, to, "route-point", now),
            None,
        );
        let emits = self
            .calls
            .deliver_to(entry.call, to, Some((rp, "route-point")), now);
        self.emit(emits);
        true
    }

    /// Fails a route point call (Xsi Fail): RoutePointCallFailed, the caller is released.
    pub(crate) fn rp_fail(&mut self, rp: &str, half: u64) -> bool {
        let Some(mut entry) = self.rp_entry(rp, half) else {
            return false;
        };
        self.contact.take(Place::RoutePoint, rp, entry.call);
        self.end_treatment(rp, &mut entry, "Stopped-OutOfQueue");
        self.queue_event(
            "RoutePointCallFailedEvent",
            Place::RoutePoint,
            rp,
            &entry,
            |o| o.push_str("<xsi:failureReason>CallFailureRequested</xsi:failureReason>"),
            None,
        );
        let emits = self.calls.release(entry.call, rp, now_ms());
        self.emit(emits);
        true
    }

    /// Plays `treatment` to a route point call (a playing one ends first, Stopped-
    /// NewPlayCollect): RoutePoint…Started. The playCollectId, `None` without such a call.
    pub(crate) fn rp_play(&mut self, rp: &str, half: u64, treatment: Play) -> Option<u32> {
        let mut entry = self.rp_entry(rp, half)?;
        self.end_treatment(rp, &mut entry, "Stopped-NewPlayCollect");
        self.contact.next_play += 1;
        let id = self.contact.next_play;
        entry.playing = Some((treatment, id));
        self.contact.set(Place::RoutePoint, rp, entry.clone());
        let kind = format!("RoutePoint{}StartedEvent", treatment.name());
        self.queue_event(&kind, Place::RoutePoint, rp, &entry, |_| {}, None);
        Some(id)
    }

    /// The treatment of route point call `n` ends with `reason` (`Timeout`, `EOF`, …).
    pub(crate) fn complete_treatment(&mut self, n: u64, reason: &str) -> bool {
        let Some((Place::RoutePoint, rp, mut entry)) = self.contact.find(n) else {
            return false;
        };
        if entry.playing.is_none() {
            return false;
        }
        self.end_treatment(&rp, &mut entry, reason);
        self.contact.set(Place::RoutePoint, &rp, entry);
        true
    }

    /// Agent `dn`'s ACD state becomes `state`: AgentStateEvent. False for an unknown state.
    pub(crate) fn set_agent_state(&mut self, dn: &str, state: &str) -> bool {
        if !AGENT_STATES.contains(&state) {
            return false;
        }
        self.contact
            .agent_states
            .insert(dn.to_string(), state.to_string());
        let now = now_ms();
        self.contact.state_times.insert(dn.to_string(), now);
        let payload = event_data("AgentStateEvent", |o| {
            let _ = write!(
                o,
                "<xsi:agentStateInfo><xsi:state>{state}</xsi:state>\
                 <xsi:stateTimestamp><xsi:value>{now}</xsi:value></xsi:stateTimestamp></xsi:agentStateInfo>"
            );
        });
        self.emit_data(dn, &payload);
        true
    }

    /// Agent `dn`'s ACD state (`Sign-Out` until set).
    pub(crate) fn agent_state(&self, dn: &str) -> String {
        self.contact
            .agent_states
            .get(dn)
            .cloned()
            .unwrap_or_else(|| "Sign-Out".to_string())
    }

    /// Agent `dn` joins (or leaves) call centre `cc`: ACDAgentJoinUpdate.
    pub(crate) fn agent_join(&mut self, dn: &str, cc: &str, joined: bool) {
        if let Some((agents, _)) = self.contact.centers.get_mut(cc) {
            agents.retain(|a| a != dn);
            if joined {
                agents.push(dn.to_string());
            }
        }
        let acd = user_id(cc, self.domain());
        let payload = event_data("ACDAgentJoinUpdateEvent", |o| {
            o.push_str("<xsi:ccAgentJoinUpdateData><xsi:joinInfo><xsi:acdUserId>");
            escape_into(o, &acd);
            o.push_str("</xsi:acdUserId>");
            if joined {
                o.push_str("<xsi:joined/>");
            }
            o.push_str("</xsi:joinInfo></xsi:ccAgentJoinUpdateData>");
        });
        self.emit_data(dn, &payload);
    }

    /// After a call operation: queued calls whose caller is gone were abandoned; calls the
    /// offered agent answered leave the queue; an offer the agent's phone dropped bounces.
    pub(crate) fn contact_sync(&mut self) {
        if self.contact.is_empty() {
            return;
        }
        let mut waiting: Vec<(Place, String, Queued)> = Vec::new();
        for (dn, (_, q)) in &self.contact.centers {
            waiting.extend(q.iter().map(|c| (Place::Center, dn.clone(), c.clone())));
        }
        for (dn, q) in &self.contact.route_points {
            waiting.extend(q.iter().map(|c| (Place::RoutePoint, dn.clone(), c.clone())));
        }
        for (place, queue, mut entry) in waiting {
            let prefix = match place {
                Place::Center => "ACD",
                Place::RoutePoint => "RoutePoint",
            };
            if self.calls.caller_of(entry.call).is_none() {
                self.contact.take(place, &queue, entry.call);
                self.end_treatment(&queue, &mut entry, "Stopped-OutOfQueue");
                let kind = format!("{prefix}CallAbandonedEvent");
                self.queue_event(&kind, place, &queue, &entry, |_| {}, None);
                continue;
            }
            let Some(agent) = entry.offered.clone() else {
                continue;
            };
            match self.calls.leg_state(entry.call, &agent) {
                Some(LegState::Active) => {
                    self.contact.take(place, &queue, entry.call);
                    let user = user_id(&agent, self.domain());
                    let half = self.calls.half_in(entry.call, &agent).unwrap_or_default();
                    let kind = format!("{prefix}CallAnsweredByAgentEvent");
                    self.queue_event(&kind, place, &queue, &entry, |_| {}, Some((&user, half)));
                }
                Some(_) => {}
                None => {
                    entry.offered = None;
                    self.contact.set(place, &queue, entry.clone());
                    let kind = format!("{prefix}CallBouncedEvent");
                    self.queue_event(&kind, place, &queue, &entry, |_| {}, None);
                }
            }
        }
    }

    /// The initial (and refresh) event of a contact-centre subscription of `dn`, or `None`
    /// for the call and service packages.
    pub(crate) fn contact_snapshot(&self, class: PackageClass, dn: &str) -> Option<String> {
        let domain = self.domain();
        match class {
            PackageClass::Calls | PackageClass::DoNotDisturb | PackageClass::ForwardingAlways => {
                None
            }
            PackageClass::Queue | PackageClass::RoutePoint => {
                let (place, kind, queue) = if class == PackageClass::Queue {
                    let q = self.contact.centers.get(dn).map(|(_, q)| q);
                    (Place::Center, "ACDSubscriptionEvent", q)
                } else {
                    let q = self.contact.route_points.get(dn);
                    (Place::RoutePoint, "RoutePointSubscriptionEvent", q)
                };
                Some(event_data(kind, |o| {
                    // An empty queue has no `queueEntries` (the list holds at least one).
                    let entries = queue.map_or(&[][..], Vec::as_slice);
                    if entries.is_empty() {
                        return;
                    }
                    o.push_str("<xsi:queueEntries>");
                    for c in entries {
                        render_entry(o, place, dn, c, domain, None);
                    }
                    o.push_str("</xsi:queueEntries>");
                }))
            }
            PackageClass::Agent => {
                let state = self.agent_state(dn);
                Some(event_data("AgentSubscriptionEvent", |o| {
                    // `joinInfos` holds at least one `joinInfo`: none without a call centre.
                    o.push_str("<xsi:joinData>");
                    let joined: Vec<&String> = self
                        .contact
                        .centers
                        .iter()
                        .filter(|(_, (agents, _))| agents.iter().any(|a| a == dn))
                        .map(|(cc, _)| cc)
                        .collect();
                    if !joined.is_empty() {
                        o.push_str("<xsi:joinInfos>");
                        for cc in joined {
                            o.push_str("<xsi:joinInfo><xsi:acdUserId>");
                            escape_into(o, &user_id(cc, domain));
                            o.push_str("</xsi:acdUserId><xsi:joined/></xsi:joinInfo>");
                        }
                        o.push_str("</xsi:joinInfos>");
                    }
                    let _ = write!(
                        o,
                        "</xsi:joinData><xsi:stateInfo><xsi:state>{state}</xsi:state>\
                         <xsi:stateTimestamp><xsi:value>{}</xsi:value></xsi:stateTimestamp></xsi:stateInfo>",
                        self.contact.state_since(dn)
                    );
                }))
            }
        }
    }
}
