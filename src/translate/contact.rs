//! CSTA contact-centre requests → Xsi-Actions (README, Contact centre): the agent state
//! (`U/services/CallCenter`) and the route point commands (`R/calls/…`:
//! the blind transfer of RouteSelect, the Fail of a client's RouteEnd, the
//! treatments of PlayMessage). Nothing here does I/O; the routeing
//! dialogues themselves (registrations, cross references) are the
//! dispatcher's.

use crate::csta::build::{operation, Ack, ErrorCategory};
use crate::device::DeviceKind;
use crate::xsi::actions::{self, Play};

use super::agent;
use super::plan::{Plan, Refusal, Reply, Scope};

/// The agent this session monitors behind `device`, or the refusal.
fn agent_user(device: &str, scope: &dyn Scope) -> Result<String, Refusal> {
    let refuse = |reason: String| Refusal {
        category: ErrorCategory::Operation,
        value: operation::INVALID_DEVICE_ID,
        reason,
    };
    let user = scope
        .user_of(device)
        .ok_or_else(|| refuse(format!("device {device} is not monitored by this session")))?;
    match scope.kind(&user) {
        DeviceKind::Agent => Ok(user),
        other => Err(refuse(format!(
            "device {device} is a {}, not an agent (devices.agents)",
            other.label()
        ))),
    }
}

/// SetAgentState: `PUT U/services/CallCenter` with the BroadWorks state.
pub fn set_agent_state(device: &str, requested: &str, scope: &dyn Scope) -> Result<Plan, Refusal> {
    let user = agent_user(device, scope)?;
    let state = agent::requested(requested).ok_or_else(|| Refusal {
        category: ErrorCategory::Operation,
        value: operation::INVALID_PARAMETER_VALUE,
        reason: format!("requested agent state {requested:?} is not one of the five"),
    })?;
    let steps = vec![actions::set_agent_state(&user, state)];
    let reply = Reply::Ack(Ack::SetAgentState);
    Ok(Plan::new(
        "SetAgentState",
        user,
        device.to_owned(),
        steps,
        reply,
    ))
}

/// GetAgentState: `GET U/services/CallCenter`.
pub fn get_agent_state(device: &str, scope: &dyn Scope) -> Result<Plan, Refusal> {
    let user = agent_user(device, scope)?;
    let steps = vec![actions::get_agent_state(&user)];
    Ok(Plan::new(
        "GetAgentState",
        user,
        device.to_owned(),
        steps,
        Reply::AgentState,
    ))
}

/// A call waiting at a route point: the route point's user and device, and
/// its BroadWorks callId (the route point's leg).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePointCall {
    pub user: String,
    pub device: String,
    pub call_id: String,
}

fn route_plan(
    request: &'static str,
    call: &RoutePointCall,
    step: actions::XsiRequest,
    reply: Reply,
) -> Plan {
    let (user, device) = (call.user.clone(), call.device.clone());
    Plan {
        route_point_call: Some(call.call_id.clone()),
        ..Plan::new(request, user, device, vec![step], reply)
    }
}

/// RouteSelect: `PUT R/calls/<callId>/BlindTransfer?address=<selected>`.
/// Nothing is answered when it succeeds; a failure ends the routeing
/// dialogue `cross_ref` with a RouteEnd carrying the error.
pub fn route_select(call: &RoutePointCall, selected: &str, cross_ref: &str) -> Plan {
    let step = actions::route_point_transfer(&call.user, &call.call_id, selected);
    let reply = Reply::Routed {
        cross_ref: cross_ref.to_owned(),
    };
    route_plan("RouteSelect", call, step, reply)
}

/// The client's RouteEnd: `PUT R/calls/<callId>/Fail`, unanswered.
pub fn route_end(call: &RoutePointCall) -> Plan {
    let step = actions::route_point_fail(&call.user, &call.call_id);
    route_plan("RouteEnd", call, step, Reply::Silent)
}

/// PlayMessage 0–4: the route point treatment, playing `audio_urls`
/// (`devices.treatment_audio_urls`) for message 4. `Err` says why a
/// message is refused (`invalidMsgID`): not 0–4, or 4 without audio.
pub fn play_message(
    call: &RoutePointCall,
    message: &str,
    audio_urls: &[String],
) -> Result<Plan, String> {
    let treatment = Play::from_message(message)
        .ok_or_else(|| format!("PlayMessage of message {message:?} (only 0–4)"))?;
    if treatment == Play::Treatment && audio_urls.is_empty() {
        return Err("PlayMessage 4 (treatment) needs devices.treatment_audio_urls".to_owned());
    }
    let step = actions::route_point_play(&call.user, &call.call_id, treatment, audio_urls);
    Ok(route_plan(
        "PlayMessage",
        call,
        step,
        Reply::Ack(Ack::PlayMessage),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn play_message_by_message_and_audio() {
        let call = RoutePointCall {
            user: "6000@d".into(),
            device: "6000".into(),
            call_id: "rp-1".into(),
        };
        let urls = ["http://m/welcome.wav".to_owned()];
        // (message, audio configured, the command, or the refusal's reason)
        let cases: &[(&str, bool, Result<&str, &str>)] = &[
            ("0", false, Ok("PlayBusy")),
            ("1", false, Ok("PlayMusicOnHold")),
            ("2", false, Ok("PlayRingback")),
            ("3", false, Ok("PlaySilence")),
            ("4", true, Ok("PlayTreatment")),
            ("4", false, Err("needs devices.treatment_audio_urls")),
            ("5", true, Err("only 0–4")),
        ];
        for (message, audio, want) in cases {
            let audio: &[String] = if *audio { &urls } else { &[] };
            let got = play_message(&call, message, audio);
            match (&got, want) {
                (Ok(plan), Ok(verb)) => {
                    let step = &plan.steps[0];
                    assert!(step.path.ends_with(&format!("/rp-1/{verb}")), "{step}");
                    assert_eq!(plan.reply, Reply::Ack(Ack::PlayMessage));
                    if *verb == "PlayTreatment" {
                        let body = step.body.as_deref().unwrap_or_default();
                        assert!(body.contains("<uri>http://m/welcome.wav</uri>"), "{body}");
                    }
                }
                // Refused: no plan, so no Xsi request.
                (Err(why), Err(needle)) => assert!(why.contains(needle), "{message}: {why}"),
                _ => panic!("PlayMessage {message}: {got:?}, expected {want:?}"),
            }
        }
    }
}
