//! Every call-control request against one session and one call model:
//! the Xsi requests planned, or the error answered at once.

use super::*;
use crate::csta::edition::Edition;
use crate::csta::parse::parse;
use crate::device::DeviceKind;
use crate::translate::model::Party;
use crate::xsi::actions::CallStartInfo;
use crate::xsi::parse::CallState;

/// A session monitoring 2001 and 2002 (users `<dn>@d`).
struct Session(Vec<(&'static str, &'static str)>);

impl Scope for Session {
    fn user_of(&self, device: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(_, d)| *d == device)
            .map(|(u, _)| u.to_string())
    }

    fn monitored(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(u, d)| (u.to_string(), d.to_string()))
            .collect()
    }
}

fn session() -> Session {
    Session(vec![("2001@d", "2001"), ("2002@d", "2002")])
}

fn party(leg: &str, call: &str, state: CallState) -> Party {
    Party {
        leg: leg.into(),
        csta_call: call.into(),
        state,
        remote: Dev::Remote("9".into()),
        originator: false,
        joined: false,
        answered: false,
        click_to_dial: false,
    }
}

/// 2001: call 1:1 (leg h1, active), call 2:1 (leg h2, held), call 5:1 as a
/// conference controller (legs h5a, h5b). 2002: call 1:1 (leg h3).
/// 2003 (not monitored here): call 1:1 (leg h4).
fn model() -> CallModel {
    let mut m = CallModel::default();
    m.insert("2001@d", party("h1", "1:1", CallState::Active));
    m.insert("2001@d", party("h2", "2:1", CallState::Held));
    m.insert("2001@d", party("h5a", "5:1", CallState::Active));
    m.insert("2001@d", party("h5b", "5:1", CallState::Active));
    m.insert("2002@d", party("h3", "1:1", CallState::Active));
    m.insert("2003@d", party("h4", "1:1", CallState::Active));
    m
}

fn c(call: &str, device: &str) -> ConnectionId {
    ConnectionId {
        call_id: (!call.is_empty()).then(|| call.to_owned()),
        device_id: (!device.is_empty()).then(|| device.to_owned()),
    }
}

const U1: &str = "/com.broadsoft.xsi-actions/v2.0/user/2001@d";
const U2: &str = "/com.broadsoft.xsi-actions/v2.0/user/2002@d";

type Planned = (String, Vec<String>, Reply);
type Outcome = Result<Planned, (ErrorCategory, &'static str)>;

fn planned(message: Message) -> Outcome {
    let plan = plan(&message, &session(), &model()).expect("call control");
    plan.map(|p| {
        (
            p.device.clone(),
            p.steps.iter().map(ToString::to_string).collect(),
            p.reply,
        )
    })
    .map_err(|r| (r.category, r.value))
}

fn ok(device: &str, steps: &[String], reply: Reply) -> Outcome {
    Ok((device.to_owned(), steps.to_vec(), reply))
}

fn op(value: &'static str) -> Outcome {
    Err((ErrorCategory::Operation, value))
}

#[test]
fn requests_become_xsi_actions() {
    use Message as M;
    let cases: Vec<(M, Outcome)> = vec![
        (
            M::MakeCall {
                calling_device: "2001".into(),
                called_directory_number: "+1555".into(),
            },
            ok(
                "2001",
                &[format!("POST {U1}/calls/new?address=%2B1555")],
                Reply::MakeCall,
            ),
        ),
        (
            M::AnswerCall {
                call: c("1:1", "2002"),
            },
            ok(
                "2002",
                &[format!("PUT {U2}/calls/h3/Talk")],
                Reply::Ack(Ack::AnswerCall),
            ),
        ),
        (
            M::HoldCall {
                call: c("1:1", "2001"),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h1/Hold")],
                Reply::Ack(Ack::HoldCall),
            ),
        ),
        (
            M::RetrieveCall {
                call: c("2:1", "2001"),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h2/Talk")],
                Reply::Ack(Ack::RetrieveCall),
            ),
        ),
        (
            M::ClearConnection {
                connection: c("1:1", "2002"),
            },
            ok(
                "2002",
                &[format!("DELETE {U2}/calls/h3")],
                Reply::Ack(Ack::ClearConnection),
            ),
        ),
        (
            // The conference controller leaves: every leg it holds.
            M::ClearConnection {
                connection: c("5:1", "2001"),
            },
            ok(
                "2001",
                &[
                    format!("DELETE {U1}/calls/h5a"),
                    format!("DELETE {U1}/calls/h5b"),
                ],
                Reply::Ack(Ack::ClearConnection),
            ),
        ),
        (
            // Every monitored connection of the call; 2003 is not monitored here.
            M::ClearCall { call: c("1:1", "") },
            ok(
                "2001",
                &[
                    format!("DELETE {U1}/calls/h1"),
                    format!("DELETE {U2}/calls/h3"),
                ],
                Reply::Ack(Ack::ClearCall),
            ),
        ),
        (
            M::SingleStepTransferCall {
                active_call: c("1:1", "2001"),
                transferred_to: "2004".into(),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h1/BlindTransfer?address=2004")],
                Reply::SingleStepTransfer {
                    call_id: "1:1".into(),
                },
            ),
        ),
        (
            M::DeflectCall {
                call: c("1:1", "2002"),
                new_destination: "tel:+4930".into(),
            },
            ok(
                "2002",
                &[format!(
                    "PUT {U2}/calls/h3/BlindTransfer?address=tel:%2B4930"
                )],
                Reply::Ack(Ack::DeflectCall),
            ),
        ),
        (
            M::ConsultationCall {
                existing_call: c("1:1", "2001"),
                consulted_device: "2005".into(),
            },
            ok(
                "2001",
                &[
                    format!("PUT {U1}/calls/h1/Hold"),
                    format!("POST {U1}/calls/new?address=2005"),
                ],
                Reply::Consultation,
            ),
        ),
        (
            M::TransferCall {
                held_call: c("2:1", "2001"),
                active_call: c("1:1", "2001"),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h2/ConsultTransfer/h1")],
                Reply::Transfer {
                    call_id: "1:1".into(),
                },
            ),
        ),
        (
            M::ConferenceCall {
                held_call: c("2:1", "2001"),
                active_call: c("1:1", "2001"),
            },
            ok(
                "2001",
                &[format!("POST {U1}/calls/Conference")],
                Reply::Conference {
                    call_id: "2:1".into(),
                },
            ),
        ),
        (
            M::ReconnectCall {
                active_call: c("1:1", "2001"),
                held_call: c("2:1", "2001"),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h2/Reconnect")],
                Reply::Ack(Ack::ReconnectCall),
            ),
        ),
        (
            M::AlternateCall {
                held_call: c("2:1", "2001"),
                active_call: c("1:1", "2001"),
            },
            ok(
                "2001",
                &[
                    format!("PUT {U1}/calls/h1/Hold"),
                    format!("PUT {U1}/calls/h2/Talk"),
                ],
                Reply::Ack(Ack::AlternateCall),
            ),
        ),
        (
            M::GenerateDigits {
                connection: c("1:1", "2001"),
                digits: "12#".into(),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h1/TransmitDTMF?playdtmf=12%23")],
                Reply::Ack(Ack::GenerateDigits),
            ),
        ),
        (
            M::SetDoNotDisturb {
                device: "2002".into(),
                on: true,
            },
            ok(
                "2002",
                &[format!("PUT {U2}/services/DoNotDisturb")],
                Reply::Ack(Ack::SetDoNotDisturb),
            ),
        ),
        (
            M::SetForwarding {
                device: "2001".into(),
                forwarding_type: Some("forwardImmediate".into()),
                activate: true,
                forward_dn: Some("2009".into()),
            },
            ok(
                "2001",
                &[format!("PUT {U1}/services/CallForwardingAlways")],
                Reply::Ack(Ack::SetForwarding),
            ),
        ),
        (
            M::SetForwarding {
                device: "2001".into(),
                forwarding_type: None,
                activate: false,
                forward_dn: None,
            },
            ok(
                "2001",
                &[format!("PUT {U1}/services/CallForwardingAlways")],
                Reply::Ack(Ack::SetForwarding),
            ),
        ),
        // Connections without a deviceID or a callID, when unambiguous.
        (
            M::HoldCall { call: c("2:1", "") },
            ok(
                "2001",
                &[format!("PUT {U1}/calls/h2/Hold")],
                Reply::Ack(Ack::HoldCall),
            ),
        ),
        (
            M::AnswerCall {
                call: c("", "2002"),
            },
            ok(
                "2002",
                &[format!("PUT {U2}/calls/h3/Talk")],
                Reply::Ack(Ack::AnswerCall),
            ),
        ),
        // Devices this session does not monitor: refused, no Xsi request.
        (
            M::MakeCall {
                calling_device: "2003".into(),
                called_directory_number: "2001".into(),
            },
            op(operation::INVALID_CALLING_DEVICE_ID),
        ),
        (
            M::AnswerCall {
                call: c("1:1", "2003"),
            },
            op(operation::INVALID_DEVICE_ID),
        ),
        (
            M::SetDoNotDisturb {
                device: "2003".into(),
                on: false,
            },
            op(operation::INVALID_DEVICE_ID),
        ),
        (
            M::TransferCall {
                held_call: c("2:1", "2001"),
                active_call: c("1:1", "2003"),
            },
            op(operation::INVALID_DEVICE_ID),
        ),
        // Connections the model does not know.
        (
            M::HoldCall {
                call: c("7:1", "2001"),
            },
            op(operation::INVALID_CONNECTION_ID),
        ),
        (
            M::HoldCall {
                call: c("h1", "2001"),
            },
            op(operation::INVALID_CONNECTION_ID),
        ),
        (
            M::ClearCall {
                call: c("7:1", "2001"),
            },
            op(operation::INVALID_CALL_ID),
        ),
        (
            M::ClearCall {
                call: c("", "2001"),
            },
            op(operation::INVALID_CALL_ID),
        ),
        // 1:1 is at both monitored devices; 2001 has several calls.
        (
            M::HoldCall { call: c("1:1", "") },
            op(operation::INVALID_CONNECTION_ID),
        ),
        (
            M::HoldCall {
                call: c("", "2001"),
            },
            op(operation::INVALID_CONNECTION_ID),
        ),
        (
            M::TransferCall {
                held_call: c("2:1", "2001"),
                active_call: c("1:1", "2002"),
            },
            op(operation::INVALID_CONNECTION_ID),
        ),
        (
            M::ConferenceCall {
                held_call: c("1:1", "2001"),
                active_call: c("1:1", "2001"),
            },
            op(operation::INVALID_CONNECTION_ID),
        ),
        (
            M::SetForwarding {
                device: "2001".into(),
                forwarding_type: Some("forwardBusy".into()),
                activate: true,
                forward_dn: Some("2009".into()),
            },
            op(operation::INVALID_FORWARDING_TYPE),
        ),
        (
            M::SetForwarding {
                device: "2001".into(),
                forwarding_type: None,
                activate: true,
                forward_dn: None,
            },
            op(operation::INVALID_FORWARDING_DESTINATION),
        ),
    ];
    for (message, want) in cases {
        let shown = format!("{message:?}");
        assert_eq!(planned(message), want, "{shown}");
    }
}

#[test]
fn other_messages_are_not_call_control() {
    for message in [
        Message::RequestSystemStatus,
        Message::MonitorStop {
            cross_ref: "1".into(),
        },
        Message::Other,
    ] {
        assert!(!is_call_control(&message));
        assert!(plan(&message, &session(), &model()).is_none());
    }
}

#[test]
fn answers_are_the_schema_responses() {
    let ns = Edition::Ed3.namespace();
    let base = Plan {
        request: "MakeCall",
        user: "2001@d".into(),
        device: "2001".into(),
        steps: Vec::new(),
        fallback: Vec::new(),
        reply: Reply::MakeCall,
        dialled: Some("2002".into()),
        route_point_call: None,
    };
    let started = Returned::CallStarted(CallStartInfo {
        call_id: "callhalf-9:0".into(),
        external_tracking_id: "9:1".into(),
    });
    let nothing = Returned::Nothing;
    let with = |reply: Reply| Plan {
        reply,
        ..base.clone()
    };
    let new_conn = c("9:1", "2001");
    let cases: Vec<(Plan, &Returned, &str, Option<Message>)> = vec![
        (
            with(Reply::MakeCall),
            &started,
            "MakeCallResponse",
            Some(Message::MakeCallResponse {
                calling_device: new_conn.clone(),
            }),
        ),
        (
            with(Reply::Consultation),
            &started,
            "ConsultationCallResponse",
            Some(Message::ConsultationCallResponse {
                initiated_call: new_conn,
            }),
        ),
        (
            with(Reply::Ack(Ack::HoldCall)),
            &nothing,
            "HoldCallResponse",
            None,
        ),
        (
            with(Reply::Transfer {
                call_id: "1:1".into(),
            }),
            &nothing,
            "TransferCallResponse",
            None,
        ),
        (
            with(Reply::SingleStepTransfer {
                call_id: "1:1".into(),
            }),
            &nothing,
            "SingleStepTransferCallResponse",
            None,
        ),
        (
            with(Reply::Conference {
                call_id: "1:1".into(),
            }),
            &nothing,
            "ConferenceCallResponse",
            None,
        ),
    ];
    for (plan, started, root, message) in cases {
        let xml = response(ns, &plan, started).expect("an answer");
        let got = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
        assert_eq!(got.root, root, "{xml}");
        if let Some(message) = message {
            assert_eq!(got.message, message, "{xml}");
        }
    }
}

#[test]
fn failures_map_to_the_spec_errors() {
    let rejected = |status, on_call| ActionFailure::Rejected {
        request: "PUT x".into(),
        status,
        on_call,
        error: Default::default(),
    };
    let cases = [
        (
            rejected(404, true),
            (ErrorCategory::Operation, "invalidConnectionID"),
        ),
        (
            rejected(404, false),
            (ErrorCategory::StateIncompatibility, "invalidObjectState"),
        ),
        (
            rejected(400, true),
            (ErrorCategory::StateIncompatibility, "invalidObjectState"),
        ),
        (
            rejected(403, false),
            (ErrorCategory::StateIncompatibility, "invalidObjectState"),
        ),
        (
            ActionFailure::Unavailable {
                request: "PUT x".into(),
                detail: "timeout".into(),
            },
            (
                ErrorCategory::SystemResourceAvailability,
                "resourceOutOfService",
            ),
        ),
        (
            ActionFailure::Uncertain {
                request: "POST x".into(),
                detail: "timeout after sending".into(),
                status: None,
            },
            (
                ErrorCategory::SystemResourceAvailability,
                "resourceOutOfService",
            ),
        ),
    ];
    for (failure, want) in cases {
        assert_eq!(failure_error(&failure), want, "{failure:?}");
    }
}

/// 2001 is an agent, 2002 a plain user, both monitored.
struct AgentSession;

impl Scope for AgentSession {
    fn user_of(&self, device: &str) -> Option<String> {
        session().user_of(device)
    }

    fn monitored(&self) -> Vec<(String, String)> {
        session().monitored()
    }

    fn kind(&self, user: &str) -> DeviceKind {
        if user == "2001@d" {
            DeviceKind::Agent
        } else {
            DeviceKind::User
        }
    }
}

#[test]
fn agent_state_requests() {
    let set = |device: &str, state: &str| Message::SetAgentState {
        device: device.into(),
        requested_state: state.into(),
        agent_id: None,
        group: None,
    };
    let states = [
        ("loggedOn", "Sign-In"),
        ("ready", "Available"),
        ("notReady", "Unavailable"),
        ("workingAfterCall", "Wrap-Up"),
        ("loggedOff", "Sign-Out"),
    ];
    for (csta, broadworks) in states {
        let plan = plan(&set("2001", csta), &AgentSession, &model())
            .expect("agent request")
            .expect("planned");
        let state = AgentState::from_xsi(broadworks).expect("a BroadWorks state");
        assert_eq!(plan.steps, [actions::set_agent_state("2001@d", state)]);
        assert_eq!(plan.reply, Reply::Ack(Ack::SetAgentState));
    }
    let get = plan(
        &Message::GetAgentState {
            device: "2001".into(),
        },
        &AgentSession,
        &model(),
    )
    .expect("agent request")
    .expect("planned");
    assert_eq!(get.steps, [actions::get_agent_state("2001@d")]);
    // Refused at once: a plain user, a device not monitored, a state that
    // the parser lets through but BroadWorks has no name for.
    for (message, value) in [
        (set("2002", "ready"), operation::INVALID_DEVICE_ID),
        (set("2003", "ready"), operation::INVALID_DEVICE_ID),
        (set("2001", "busy"), operation::INVALID_PARAMETER_VALUE),
        (
            Message::GetAgentState {
                device: "2002".into(),
            },
            operation::INVALID_DEVICE_ID,
        ),
    ] {
        let refusal = plan(&message, &AgentSession, &model())
            .expect("agent request")
            .expect_err("refused");
        assert_eq!(refusal.value, value, "{message:?}: {}", refusal.reason);
    }
    // The answer of GetAgentState carries the CSTA state.
    let ns = Edition::Ed3.namespace();
    let cases = [
        (Some("Wrap-Up"), Some(true), vec!["agentWorkingAfterCall"]),
        (Some("Sign-In"), Some(true), vec!["agentNotReady"]),
        (Some("Sign-Out"), Some(false), vec!["agentNull"]),
        (None, Some(false), vec![]),
    ];
    for (state, logged_on, states) in cases {
        let returned = Returned::AgentState(state.map(str::to_owned));
        let xml = response(ns, &get, &returned).expect("answered");
        let got = parse(xml.as_bytes()).expect("parses").message;
        assert_eq!(
            got,
            Message::GetAgentStateResponse {
                logged_on,
                states: states.into_iter().map(str::to_owned).collect(),
            },
            "{xml}"
        );
    }
}

mod features;
