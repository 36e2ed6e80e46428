//! Reading the `call` object and the parties inside it.

use sxd_document::dom::Element;

use super::dom::{child_elements, first_child, flag, local, number, text};
use super::{
    Call, CallState, Personality, Redirect, Redirection, RemoteParty, Result, XsiParseError,
};

/// The `call` object. Children are visited once, in any order.
pub(super) fn parse_call(call: Element<'_>) -> Result<Call> {
    let mut call_id = None;
    let mut ext_tracking_id = None;
    let mut result = Call {
        call_id: String::new(),
        ext_tracking_id: String::new(),
        network_call_id: None,
        personality: Personality::Other(String::new()),
        state: CallState::Other(String::new()),
        release_cause: None,
        releasing_party: None,
        remote_party: RemoteParty::default(),
        redirection: None,
        redirect: None,
        recall_type: None,
        allow_answer: false,
        allow_retrieve: false,
        start_time: None,
        answer_time: None,
        held_time: None,
        release_time: None,
    };
    for child in child_elements(call) {
        match local(child) {
            "callId" => call_id = Some(text(child)),
            "extTrackingId" => ext_tracking_id = Some(text(child)),
            "networkCallId" => result.network_call_id = Some(text(child)),
            "personality" => result.personality = Personality::from_wire(&text(child)),
            "state" => result.state = CallState::from_wire(&text(child)),
            "releaseCause" => {
                result.release_cause = first_child(child, "internalReleaseCause").map(text)
            }
            "releasingParty" => result.releasing_party = Some(text(child)),
            "remoteParty" => result.remote_party = parse_party(child),
            "redirections" => {
                result.redirection = first_child(child, "redirection").map(parse_redirection)
            }
            "redirect" => result.redirect = Some(parse_redirect(child)),
            "recallType" => result.recall_type = Some(text(child)),
            "allowAnswer" => result.allow_answer = flag(child),
            "allowRetrieve" => result.allow_retrieve = flag(child),
            "startTime" => result.start_time = Some(number("startTime", child)?),
            "answerTime" => result.answer_time = Some(number("answerTime", child)?),
            "heldTime" => result.held_time = Some(number("heldTime", child)?),
            "releaseTime" => result.release_time = Some(number("releaseTime", child)?),
            _ => {}
        }
    }
    result.call_id = call_id.ok_or(XsiParseError::Missing("callId"))?;
    result.ext_tracking_id = ext_tracking_id.ok_or(XsiParseError::Missing("extTrackingId"))?;
    Ok(result)
}

/// `remoteParty` and `redirection/party` (xsd `PartyInformation`).
pub(super) fn parse_party(party: Element<'_>) -> RemoteParty {
    let mut result = RemoteParty::default();
    for child in child_elements(party) {
        match local(child) {
            "name" => result.name = Some(text(child)),
            "address" => result.address = Some(text(child)),
            "userId" => result.user_id = Some(text(child)),
            "userDN" => result.user_dn = Some(text(child)),
            "callType" => result.call_type = Some(text(child)),
            "privacy" => result.privacy = flag(child),
            _ => {}
        }
    }
    result
}

fn parse_redirection(redirection: Element<'_>) -> Redirection {
    let mut result = Redirection::default();
    for child in child_elements(redirection) {
        match local(child) {
            "party" => result.party = parse_party(child).address,
            "reason" => result.reason = Some(text(child)),
            _ => {}
        }
    }
    result
}

pub(super) fn parse_redirect(redirect: Element<'_>) -> Redirect {
    let mut result = Redirect::default();
    for child in child_elements(redirect) {
        match local(child) {
            "address" => result.address = Some(text(child)),
            "reason" => result.reason = Some(text(child)),
            _ => {}
        }
    }
    result
}
