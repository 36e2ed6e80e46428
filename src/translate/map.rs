//! Xsi call events → CSTA events for the sessions monitoring the target user
//! (the mapping of the Genesys BroadWorks connector; README, Event
//! mapping), updating the call model on the way.
//!
//! Device ids: the monitored device ([`Dev::Local`]) for the user's own side,
//! the remote party's number for the other side. Each BroadWorks user has its
//! own view of a call, so each Xsi event produces events for the monitors of
//! its target only.

use crate::xsi::parse::{
    Call, CallEventKind, CallState, Conference, ConferenceEventKind, EventData, Personality,
    Redirect, RemoteParty,
};

use super::model::{party_state, CallModel, Party};
use super::out::{Conn, CstaEvent, Dev, Kind, ListItem, Redirection};

/// The remote party as a CSTA device.
pub fn remote_device(rp: &RemoteParty) -> Dev {
    if rp.privacy {
        return Dev::Restricted;
    }
    if let Some(n) = rp.address.as_deref().and_then(number_of) {
        return Dev::Remote(n);
    }
    if let Some(n) = rp.user_dn.as_deref().and_then(number_of) {
        return Dev::Remote(n);
    }
    if let Some(u) = rp.user_id.as_deref() {
        let local = u.split('@').next().unwrap_or(u);
        if !local.is_empty() {
            return Dev::Remote(local.to_owned());
        }
    }
    Dev::NotKnown
}

/// `tel:+15551234;ext=1`→`+15551234`, `sip:2001@host;user=phone`→`2001`.
pub fn number_of(uri: &str) -> Option<String> {
    let uri = uri.trim();
    let rest = if let Some(r) = strip_prefix_ci(uri, "tel:") {
        r
    } else if let Some(r) = strip_prefix_ci(uri, "sip:").or_else(|| strip_prefix_ci(uri, "sips:")) {
        r.split('@').next().unwrap_or(r)
    } else {
        uri
    };
    let number = rest.split(';').next().unwrap_or(rest).trim();
    (!number.is_empty()).then(|| number.to_owned())
}

/// Where a redirect sends the call: its address's number, else not known.
pub fn redirect_device(redirect: Option<&Redirect>) -> Dev {
    redirect
        .and_then(|r| r.address.as_deref())
        .and_then(number_of)
        .map_or(Dev::NotKnown, Dev::Remote)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// CSTA cause for a BroadWorks internal release cause.
pub fn release_cause(cause: Option<&str>) -> &'static str {
    match cause.map(str::to_ascii_lowercase).as_deref() {
        None => "normalClearing",
        Some("busy") => "busy",
        Some("forbidden") => "blocked",
        Some("user not found") | Some("translation failure") => "numberUnallocated",
        Some("routing failure") | Some("global failure") | Some("request failure") => {
            "destNotObtainable"
        }
        Some("temporarily unavailable") => "destOutOfOrder",
        Some("request timeout") | Some("dial tone timeout") => "timeout",
        Some("server failure") => "resourcesNotAvailable",
        Some("insufficient credits") => "blocked",
        Some(_) => "normalClearing",
    }
}

/// CSTA cause for a BroadWorks redirect reason.
pub fn redirect_cause(reason: Option<&str>) -> &'static str {
    match reason.map(str::to_ascii_lowercase).as_deref() {
        Some("unconditional") => "callForwardImmediate",
        Some("user-busy") => "callForwardBusy",
        Some("no-answer") => "callForwardNoAnswer",
        Some("do-not-disturb") => "doNotDisturb",
        Some("transfer") => "singleStepTransfer",
        Some("deflection") => "redirected",
        Some("call-center") | Some("hunt-group") | Some("route-point") => "distributed",
        Some("unavailable") | Some("out-of-service") => "callForward",
        Some("time-of-day") | Some("follow-me") | Some("away") | Some("voicemail") => "callForward",
        _ => "redirected",
    }
}

/// Translates one in-order, deduplicated event of `user`.
pub fn translate(model: &mut CallModel, user: &str, data: &EventData) -> Vec<CstaEvent> {
    match data {
        EventData::Call { kind, call } => call_event(model, user, *kind, call),
        EventData::Redirected { calls } => calls
            .iter()
            .filter_map(|c| redirected(model, user, c))
            .collect(),
        EventData::Subscription { calls, .. } => resync(model, user, calls),
        EventData::Conference { kind, conference } => {
            conference_event(model, user, *kind, conference)
        }
        // The contact-centre events are translated by `acd`, the feature
        // events by `features`.
        EventData::HookStatus { .. }
        | EventData::Feature(_)
        | EventData::SubscriptionTerminated
        | EventData::Queue { .. }
        | EventData::QueueSnapshot { .. }
        | EventData::AgentState { .. }
        | EventData::AgentJoin { .. }
        | EventData::RoutePointState { .. }
        | EventData::Unknown { .. }
        | EventData::Malformed { .. } => Vec::new(),
    }
}

fn new_party(call: &Call) -> Party {
    Party {
        leg: call.call_id.clone(),
        csta_call: call.ext_tracking_id.clone(),
        state: call.state.clone(),
        remote: remote_device(&call.remote_party),
        originator: !matches!(call.personality, Personality::Terminator),
        joined: false,
        answered: false,
        click_to_dial: matches!(call.personality, Personality::ClickToDial),
    }
}

/// Records the call's current view in the model; returns the party before.
fn upsert(model: &mut CallModel, user: &str, call: &Call) -> (Option<Party>, Party) {
    let before = model.get(user, &call.call_id).cloned();
    let mut now = new_party(call);
    if let Some(b) = &before {
        // A conference alias outlives the leg's own extTrackingId.
        if b.joined {
            now.csta_call = b.csta_call.clone();
            now.joined = true;
        }
        now.originator = b.originator;
        now.answered = b.answered;
        now.click_to_dial = b.click_to_dial;
    }
    model.insert(user, now.clone());
    (before, now)
}

/// One call event: the dispatch to the function of its kind (the table
/// tests in `tests/mapping.rs` give each row).
fn call_event(
    model: &mut CallModel,
    user: &str,
    kind: CallEventKind,
    call: &Call,
) -> Vec<CstaEvent> {
    use CallEventKind as K;
    match kind {
        K::Originating | K::Collecting => initiated(model, user, call),
        K::Originated => originated(model, user, call),
        K::Received => received(model, user, call),
        K::Answered => answered(model, user, call),
        K::Held => held(model, user, call),
        K::Retrieved => retrieved(model, user, call, "normal"),
        K::ParkRetrieved => retrieved(model, user, call, "park"),
        K::Releasing => releasing(model, user, call),
        K::Released => released(model, user, call, false),
        K::Detached => released(model, user, call, true),
        K::Transferred => transferred(model, user, call),
        K::Forwarded => forwarded(model, user, call),
        K::PickedUp => picked_up(model, user, call),
        K::Monitored => joined_call(model, user, call, "silentParticipation"),
        K::BargedIn => joined_call(model, user, call, "intrude"),
        K::Updated => updated(model, user, call),
    }
}

/// Originating, Collecting: `ServiceInitiated`.
fn initiated(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let (_, p) = upsert(model, user, call);
    let cause = if matches!(call.personality, Personality::ClickToDial) {
        "makeCall"
    } else {
        "newCall"
    };
    vec![CstaEvent::new(Kind::ServiceInitiated, local(&p))
        .device("initiatingDevice", Dev::Local)
        .state("initiated", cause)]
}

/// Originated: `Originated`.
fn originated(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let (before, p) = upsert(model, user, call);
    let cause = if before.is_some_and(|b| b.click_to_dial) {
        "makeCall"
    } else {
        "newCall"
    };
    vec![CstaEvent::new(Kind::Originated, local(&p))
        .device("callingDevice", Dev::Local)
        .device("calledDevice", p.remote.clone())
        .state("connected", cause)]
}

/// Received: `Delivered`, with the redirection it came through.
fn received(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let (_, p) = upsert(model, user, call);
    let (redirection, cause) = match &call.redirection {
        Some(r) => (
            r.party
                .as_deref()
                .and_then(number_of)
                .map_or(Redirection::NotKnown, Redirection::NumberDialed),
            if r.reason.as_deref() == Some("transfer") {
                "transfer"
            } else {
                "redirected"
            },
        ),
        None if call.recall_type.is_some() => (Redirection::NotRequired, "recall"),
        None => (Redirection::NotRequired, "newCall"),
    };
    vec![CstaEvent::new(Kind::Delivered, local(&p))
        .device("alertingDevice", Dev::Local)
        .device("callingDevice", p.remote.clone())
        .device("calledDevice", Dev::Local)
        .redirection(redirection)
        .state("alerting", cause)]
}

/// Answered: `Established`, by the far end when the user called (or had
/// answered before).
fn answered(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let (before, p) = upsert(model, user, call);
    let answered_before = before.is_some_and(|b| b.answered);
    if let Some(party) = model.get_mut(user, &call.call_id) {
        party.answered = true;
    }
    let ev = if p.originator || answered_before {
        CstaEvent::new(Kind::Established, remote_conn(&p))
            .device("answeringDevice", p.remote.clone())
            .device("callingDevice", Dev::Local)
            .device("calledDevice", p.remote.clone())
    } else {
        CstaEvent::new(Kind::Established, local(&p))
            .device("answeringDevice", Dev::Local)
            .device("callingDevice", p.remote.clone())
            .device("calledDevice", Dev::Local)
    };
    vec![ev
        .redirection(Redirection::NotRequired)
        .state("connected", "newCall")]
}

/// Held: `Held`, by the far end when BroadWorks says remote-held.
fn held(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let (_, p) = upsert(model, user, call);
    let ev = if matches!(call.state, CallState::RemoteHeld) {
        CstaEvent::new(Kind::Held, remote_conn(&p))
            .device("holdingDevice", p.remote.clone())
            .state("connected", "normal")
    } else {
        CstaEvent::new(Kind::Held, local(&p))
            .device("holdingDevice", Dev::Local)
            .state("hold", "normal")
    };
    vec![ev]
}

/// Retrieved, ParkRetrieved: `Retrieved`, by the far end when it was the
/// one holding.
fn retrieved(
    model: &mut CallModel,
    user: &str,
    call: &Call,
    cause: &'static str,
) -> Vec<CstaEvent> {
    let (before, p) = upsert(model, user, call);
    let remote_held = before.is_some_and(|b| matches!(b.state, CallState::RemoteHeld));
    let ev = if remote_held {
        CstaEvent::new(Kind::Retrieved, remote_conn(&p))
            .device("retrievingDevice", p.remote.clone())
    } else {
        CstaEvent::new(Kind::Retrieved, local(&p)).device("retrievingDevice", Dev::Local)
    };
    vec![ev.state("connected", cause)]
}

/// Releasing with a release cause: `Failed` (the far end could not be
/// reached); nothing without one.
fn releasing(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let (_, p) = upsert(model, user, call);
    let Some(cause) = call.release_cause.as_deref() else {
        return Vec::new();
    };
    let (calling, called) = if p.originator {
        (Dev::Local, p.remote.clone())
    } else {
        (p.remote.clone(), Dev::Local)
    };
    vec![CstaEvent::new(Kind::Failed, remote_conn(&p))
        .device("failingDevice", p.remote.clone())
        .device("callingDevice", calling)
        .device("calledDevice", called)
        .redirection(Redirection::NotRequired)
        .state("fail", release_cause(Some(cause)))]
}

/// Released, Detached (the call went elsewhere): `ConnectionCleared` of
/// the user's connection, or only of the far end's when it left a
/// conference.
fn released(model: &mut CallModel, user: &str, call: &Call, detached: bool) -> Vec<CstaEvent> {
    let Some(p) = model.remove(user, &call.call_id) else {
        // Already cleared (diverted, resynced) or never seen.
        return Vec::new();
    };
    let remote_left = call.releasing_party.as_deref() == Some("remoteRelease");
    if p.joined && remote_left {
        // One party left a conference: only its connection goes;
        // the user stays connected to the others.
        return vec![CstaEvent::new(Kind::ConnectionCleared, remote_conn(&p))
            .device("releasingDevice", p.remote.clone())
            .state("connected", release_cause(call.release_cause.as_deref()))];
    }
    let releasing = match call.releasing_party.as_deref() {
        Some("localRelease") => Dev::Local,
        Some("remoteRelease") => p.remote.clone(),
        _ if detached => Dev::Local,
        _ => Dev::NotKnown,
    };
    let cause = if detached {
        "redirected"
    } else {
        release_cause(call.release_cause.as_deref())
    };
    vec![CstaEvent::new(Kind::ConnectionCleared, local(&p))
        .device("releasingDevice", releasing)
        .state("null", cause)]
}

/// Transferred: `Transfered` from the old far end to the new one.
fn transferred(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let before = model.get(user, &call.call_id).cloned();
    let (_, p) = upsert(model, user, call);
    let (old_call, transferring) = match &before {
        Some(b) => (b.csta_call.clone(), b.remote.clone()),
        None => (p.csta_call.clone(), Dev::NotKnown),
    };
    let mut ev = CstaEvent::new(
        Kind::Transfered,
        Conn {
            call_id: old_call.clone(),
            device: transferring.clone(),
        },
    )
    .device("transferringDevice", transferring)
    .device("transferredToDevice", p.remote.clone());
    ev.list = vec![
        ListItem {
            new: local(&p),
            old: Some(Conn {
                call_id: old_call,
                device: Dev::Local,
            }),
        },
        ListItem {
            new: remote_conn(&p),
            old: None,
        },
    ];
    // The transferred party's own connection stays connected even
    // while the new destination rings (BroadWorks reports Alerting).
    let local = if matches!(call.state, CallState::Held) {
        "hold"
    } else {
        "connected"
    };
    vec![ev.state(local, "transfer")]
}

/// Forwarded (the far end forwarded the user's call): `Diverted` from the
/// old far end to the new one.
fn forwarded(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let before = model.get(user, &call.call_id).cloned();
    let (_, p) = upsert(model, user, call);
    let old_remote = before.map_or(Dev::NotKnown, |b| b.remote);
    let redirection = match &old_remote {
        Dev::Remote(n) => Redirection::NumberDialed(n.clone()),
        _ => Redirection::NotKnown,
    };
    vec![CstaEvent::new(
        Kind::Diverted,
        Conn {
            call_id: p.csta_call.clone(),
            device: old_remote.clone(),
        },
    )
    .device("divertingDevice", old_remote.clone())
    .device("newDestination", p.remote.clone())
    .device("callingDevice", Dev::Local)
    .device("calledDevice", old_remote)
    .redirection(redirection)
    .state(party_state(&p), "callForward")]
}

/// PickedUp (BroadWorks sends it for the device the call was ringing at,
/// which another device picked up): `Diverted` cause `callPickup`, the
/// user's connection leaves the call; the picker's new call comes as
/// ordinary events of its own.
fn picked_up(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let p = model
        .remove(user, &call.call_id)
        .unwrap_or_else(|| new_party(call));
    vec![CstaEvent::new(Kind::Diverted, local(&p))
        .device("divertingDevice", Dev::Local)
        .device("newDestination", redirect_device(call.redirect.as_ref()))
        .device("callingDevice", p.remote.clone())
        .device("calledDevice", Dev::Local)
        .redirection(Redirection::NotRequired)
        .state("null", "callPickup")]
}

/// Monitored, BargedIn (the user listens in on, or barges into, another's
/// call): `Conferenced`.
fn joined_call(
    model: &mut CallModel,
    user: &str,
    call: &Call,
    cause: &'static str,
) -> Vec<CstaEvent> {
    let (_, p) = upsert(model, user, call);
    let mut ev = CstaEvent::new(Kind::Conferenced, local(&p))
        .device("conferencingDevice", Dev::Local)
        .device("addedParty", Dev::Local);
    ev.list = vec![
        ListItem {
            new: local(&p),
            old: None,
        },
        ListItem {
            new: remote_conn(&p),
            old: None,
        },
    ];
    vec![ev.state("connected", cause)]
}

/// Updated: `CallInformation` when the far end changed; nothing otherwise.
fn updated(model: &mut CallModel, user: &str, call: &Call) -> Vec<CstaEvent> {
    let before = model.get(user, &call.call_id).cloned();
    let (_, p) = upsert(model, user, call);
    match before {
        Some(b) if b.remote == p.remote => Vec::new(),
        _ => vec![CstaEvent::new(Kind::CallInformation, local(&p))
            .device("device", Dev::Local)
            .device(
                "callingDevice",
                if p.originator {
                    Dev::Local
                } else {
                    p.remote.clone()
                },
            )],
    }
}

/// The user redirected one of its calls (deflect, forward, blind transfer):
/// its connection leaves the call.
fn redirected(model: &mut CallModel, user: &str, call: &Call) -> Option<CstaEvent> {
    let p = model
        .remove(user, &call.call_id)
        .unwrap_or_else(|| new_party(call));
    let redirect = call.redirect.as_ref();
    let destination = redirect_device(redirect);
    let (calling, called) = if p.originator {
        (Dev::Local, p.remote.clone())
    } else {
        (p.remote.clone(), Dev::Local)
    };
    Some(
        CstaEvent::new(Kind::Diverted, local(&p))
            .device("divertingDevice", Dev::Local)
            .device("newDestination", destination)
            .device("callingDevice", calling)
            .device("calledDevice", called)
            .redirection(Redirection::NotRequired)
            .state(
                "null",
                redirect_cause(redirect.and_then(|r| r.reason.as_deref())),
            ),
    )
}

/// CallSubscriptionEvent (initial, refresh or unsolicited after an AS
/// failover): parties the event no longer lists are cleared with
/// `switchingFunctionTerminated`; listed calls update the model silently.
fn resync(model: &mut CallModel, user: &str, calls: &[Call]) -> Vec<CstaEvent> {
    let mut out = Vec::new();
    for p in model.parties(user) {
        if !calls.iter().any(|c| c.call_id == p.leg) {
            model.remove(user, &p.leg);
            log::info!(
                "{user}: call {} ({}) no longer reported by BroadWorks; clearing it",
                p.csta_call,
                p.leg
            );
            out.push(
                CstaEvent::new(Kind::ConnectionCleared, local(&p))
                    .device("releasingDevice", Dev::NotKnown)
                    .state("null", "switchingFunctionTerminated"),
            );
        }
    }
    for call in calls {
        upsert(model, user, call);
    }
    out
}

fn conference_event(
    model: &mut CallModel,
    user: &str,
    kind: ConferenceEventKind,
    conf: &Conference,
) -> Vec<CstaEvent> {
    let legs: Vec<Party> = conf
        .participants
        .iter()
        .filter_map(|leg| model.get(user, leg).cloned())
        .collect();
    let Some(primary) = legs.first() else {
        return Vec::new();
    };
    let local_conn = Conn {
        call_id: primary.csta_call.clone(),
        device: Dev::Local,
    };
    match kind {
        ConferenceEventKind::Started => conferenced(model, user, &legs, local_conn, false),
        ConferenceEventKind::Updated => conferenced(model, user, &legs, local_conn, true),
        ConferenceEventKind::Held => vec![CstaEvent::new(Kind::Held, local_conn)
            .device("holdingDevice", Dev::Local)
            .state("hold", "conference")],
        ConferenceEventKind::Retrieved => vec![CstaEvent::new(Kind::Retrieved, local_conn)
            .device("retrievingDevice", Dev::Local)
            .state("connected", "conference")],
        ConferenceEventKind::Released => {
            for p in &legs {
                model.remove(user, &p.leg);
            }
            vec![CstaEvent::new(Kind::ConnectionCleared, local_conn)
                .device("releasingDevice", Dev::Local)
                .state("null", "normalClearing")]
        }
    }
}

/// A conference started (or, `update`, grew): `Conferenced`, and the legs
/// that join take the conference's callID (the first leg's). An update
/// that adds no leg is nothing.
fn conferenced(
    model: &mut CallModel,
    user: &str,
    legs: &[Party],
    local_conn: Conn,
    update: bool,
) -> Vec<CstaEvent> {
    let conf_call = local_conn.call_id.clone();
    let joining: Vec<&Party> = legs.iter().filter(|p| p.csta_call != conf_call).collect();
    if joining.is_empty() && update {
        return Vec::new();
    }
    let added = joining.last().map_or(Dev::NotKnown, |p| p.remote.clone());
    let mut ev = CstaEvent::new(Kind::Conferenced, local_conn.clone())
        .device("conferencingDevice", Dev::Local)
        .device("addedParty", added);
    if let Some(sec) = joining.first() {
        ev.secondary = Some(Conn {
            call_id: sec.csta_call.clone(),
            device: Dev::Local,
        });
    }
    ev.list.push(ListItem {
        new: local_conn.clone(),
        old: Some(local_conn),
    });
    for p in legs {
        ev.list.push(ListItem {
            new: Conn {
                call_id: conf_call.clone(),
                device: p.remote.clone(),
            },
            old: Some(remote_conn(p)),
        });
    }
    for p in joining {
        if let Some(party) = model.get_mut(user, &p.leg) {
            party.csta_call = conf_call.clone();
            party.joined = true;
        }
    }
    vec![ev.state("connected", "conference")]
}

fn local(p: &Party) -> Conn {
    Conn {
        call_id: p.csta_call.clone(),
        device: Dev::Local,
    }
}

fn remote_conn(p: &Party) -> Conn {
    Conn {
        call_id: p.csta_call.clone(),
        device: p.remote.clone(),
    }
}
