//! CSTA call-control requests from one-line text commands, for the
//! `csta-client` tool (commands on its standard input) and the tests.
//!
//! ```text
//! make <calling> <called>                   MakeCall
//! answer <callID> <device>                  AnswerCall
//! hold <callID> <device>                    HoldCall
//! retrieve <callID> <device>                RetrieveCall
//! clear <callID> <device>                   ClearConnection
//! clearcall <callID>                        ClearCall
//! transfer <callID> <device> <to>           SingleStepTransferCall
//! deflect <callID> <device> <to>            DeflectCall
//! consult <callID> <device> <to>            ConsultationCall
//! complete <heldCallID> <activeCallID> <device>    TransferCall
//! conference <heldCallID> <activeCallID> <device>  ConferenceCall
//! reconnect <activeCallID> <heldCallID> <device>   ReconnectCall
//! alternate <heldCallID> <activeCallID> <device>   AlternateCall
//! digits <callID> <device> <digits>         GenerateDigits
//! dnd <device> on|off                       SetDoNotDisturb
//! forward <device> <number>|off             SetForwarding (forwardImmediate)
//! snapshot <device>                         SnapshotDevice
//! agentstate <device> <state>               SetAgentState (loggedOn, ready, notReady,
//!                                           workingAfterCall, loggedOff)
//! getagent <device>                         GetAgentState
//! register [<routePoint>]                   RouteRegister (none: every route point)
//! unregister <routeRegisterReqID>           RouteRegisterCancel
//! route <crossRefIdentifier> <destination>  RouteSelect
//! routeend <crossRefIdentifier>             RouteEnd
//! play <callID> <routePoint> <0-4>          PlayMessage (busy, music on hold, ringback,
//!                                           silence, treatment)
//! ```
//!
//! and the feature commands of [`features`] (device queries, SnapshotCall, pickups, park,
//! intrusion, recording).

use bwcsta::xml::XmlWriter;

mod features;

/// The commands, one per line, for help texts.
pub const HELP: &str = "\
make <calling> <called> | answer <callID> <device> | hold <callID> <device> |
retrieve <callID> <device> | clear <callID> <device> | clearcall <callID> |
transfer <callID> <device> <to> | deflect <callID> <device> <to> |
consult <callID> <device> <to> | complete <heldCallID> <activeCallID> <device> |
conference <heldCallID> <activeCallID> <device> | reconnect <activeCallID> <heldCallID> <device> |
alternate <heldCallID> <activeCallID> <device> | digits <callID> <device> <digits> |
dnd <device> on|off | forward <device> <number>|off | snapshot <device> |
agentstate <device> loggedOn|ready|notReady|workingAfterCall|loggedOff | getagent <device> |
register [<routePoint>] | unregister <routeRegisterReqID> | route <crossRefIdentifier> <destination> |
routeend <crossRefIdentifier> | play <callID> <routePoint> 0|1|2|3|4 |
getdnd <device> | getforward <device> | snapshotcall <callID> [<device>] |
pickup <callID> <ringingDevice> <device> | grouppickup <device> |
park <callID> <device> [<parkTo>] | intrude <callID> <device> [<requestingDevice>] |
record <callID> <device> | suspend|resume|stop <callID> <device>";

fn connection(w: &mut XmlWriter, name: &str, call: &str, device: &str) {
    w.open(name);
    w.leaf("callID", call);
    w.leaf("deviceID", device);
    w.close(name);
}

fn doc(ns: &str, root: &str, body: impl FnOnce(&mut XmlWriter)) -> String {
    let mut w = XmlWriter::new();
    w.root(root, ns);
    body(&mut w);
    w.finish()
}

/// A request whose children are all leaves, in the order given.
fn flat(ns: &str, root: &str, children: &[(&str, &str)]) -> String {
    doc(ns, root, |w| {
        for (name, value) in children {
            w.leaf(name, value);
        }
    })
}

/// `MakeCall` from `calling` to `called`.
pub fn make_call_xml(ns: &str, calling: &str, called: &str) -> String {
    doc(ns, "MakeCall", |w| {
        w.leaf("callingDevice", calling);
        w.leaf("calledDirectoryNumber", called);
    })
}

/// A request whose one argument is the connection `element` (AnswerCall,
/// HoldCall, RetrieveCall, ClearConnection).
pub fn connection_request_xml(
    ns: &str,
    root: &str,
    element: &str,
    call: &str,
    device: &str,
) -> String {
    doc(ns, root, |w| connection(w, element, call, device))
}

/// `ClearCall` of `call` (callID only).
pub fn clear_call_xml(ns: &str, call: &str) -> String {
    doc(ns, "ClearCall", |w| {
        w.open("callToBeCleared");
        w.leaf("callID", call);
        w.close("callToBeCleared");
    })
}

/// A request on a connection plus a destination device: `SingleStepTransferCall`
/// (`transferredTo`), `DeflectCall` (`newDestination`), `ConsultationCall`
/// (`consultedDevice`).
fn redirect_xml(ns: &str, root: &str, call: &str, device: &str, to: &str) -> String {
    let (conn, dest) = match root {
        "SingleStepTransferCall" => ("activeCall", "transferredTo"),
        "DeflectCall" => ("callToBeDiverted", "newDestination"),
        _ => ("existingCall", "consultedDevice"),
    };
    doc(ns, root, |w| {
        connection(w, conn, call, device);
        w.leaf(dest, to);
    })
}

/// A request on two connections of `device`, in the order given.
fn pair_xml(
    ns: &str,
    root: &str,
    first: (&str, &str),
    second: (&str, &str),
    device: &str,
) -> String {
    doc(ns, root, |w| {
        connection(w, first.0, first.1, device);
        connection(w, second.0, second.1, device);
    })
}

/// The CSTA request for a command line; `Ok(None)` for an empty line or a
/// `#` comment.
pub fn command_xml(ns: &str, line: &str) -> Result<Option<String>, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&verb, args)) = words.split_first() else {
        return Ok(None);
    };
    if verb.starts_with('#') {
        return Ok(None);
    }
    let want = |n: usize, usage: &str| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("usage: {verb} {usage}"))
        }
    };
    let xml = match verb {
        "make" => {
            want(2, "<calling> <called>")?;
            make_call_xml(ns, args[0], args[1])
        }
        "answer" | "hold" | "retrieve" | "clear" => {
            want(2, "<callID> <device>")?;
            let (root, element) = match verb {
                "answer" => ("AnswerCall", "callToBeAnswered"),
                "hold" => ("HoldCall", "callToBeHeld"),
                "retrieve" => ("RetrieveCall", "callToBeRetrieved"),
                _ => ("ClearConnection", "connectionToBeCleared"),
            };
            connection_request_xml(ns, root, element, args[0], args[1])
        }
        "clearcall" => {
            want(1, "<callID>")?;
            clear_call_xml(ns, args[0])
        }
        "transfer" | "deflect" | "consult" => {
            want(3, "<callID> <device> <to>")?;
            let root = match verb {
                "transfer" => "SingleStepTransferCall",
                "deflect" => "DeflectCall",
                _ => "ConsultationCall",
            };
            redirect_xml(ns, root, args[0], args[1], args[2])
        }
        "complete" | "conference" | "alternate" => {
            want(3, "<heldCallID> <activeCallID> <device>")?;
            let root = match verb {
                "complete" => "TransferCall",
                "conference" => "ConferenceCall",
                _ => "AlternateCall",
            };
            let (held, active) = (("heldCall", args[0]), ("activeCall", args[1]));
            pair_xml(ns, root, held, active, args[2])
        }
        "reconnect" => {
            want(3, "<activeCallID> <heldCallID> <device>")?;
            let (active, held) = (("activeCall", args[0]), ("heldCall", args[1]));
            pair_xml(ns, "ReconnectCall", active, held, args[2])
        }
        "digits" => {
            want(3, "<callID> <device> <digits>")?;
            doc(ns, "GenerateDigits", |w| {
                connection(w, "connectionToSendDigits", args[0], args[1]);
                w.leaf("charactersToSend", args[2]);
            })
        }
        "dnd" => {
            want(2, "<device> on|off")?;
            let on = on_off(args[1])?;
            doc(ns, "SetDoNotDisturb", |w| {
                w.leaf("device", args[0]);
                w.leaf("doNotDisturbOn", if on { "true" } else { "false" });
            })
        }
        "forward" => {
            want(2, "<device> <number>|off")?;
            doc(ns, "SetForwarding", |w| {
                w.leaf("device", args[0]);
                w.leaf("forwardingType", "forwardImmediate");
                if args[1] == "off" {
                    w.leaf("activateForward", "false");
                } else {
                    w.leaf("activateForward", "true");
                    w.leaf("forwardDN", args[1]);
                }
            })
        }
        "snapshot" => {
            want(1, "<device>")?;
            doc(ns, "SnapshotDevice", |w| w.leaf("snapshotObject", args[0]))
        }
        "agentstate" => {
            want(
                2,
                "<device> loggedOn|ready|notReady|workingAfterCall|loggedOff",
            )?;
            let children = [("device", args[0]), ("requestedAgentState", args[1])];
            flat(ns, "SetAgentState", &children)
        }
        "getagent" => {
            want(1, "<device>")?;
            flat(ns, "GetAgentState", &[("device", args[0])])
        }
        "register" => {
            if args.len() > 1 {
                return Err(format!("usage: {verb} [<routePoint>]"));
            }
            doc(ns, "RouteRegister", |w| {
                if let Some(device) = args.first() {
                    w.leaf("routeingDevice", device);
                }
            })
        }
        "unregister" => {
            want(1, "<routeRegisterReqID>")?;
            flat(
                ns,
                "RouteRegisterCancel",
                &[("routeRegisterReqID", args[0])],
            )
        }
        "route" => {
            want(2, "<crossRefIdentifier> <destination>")?;
            let children = [("crossRefIdentifier", args[0]), ("routeSelected", args[1])];
            flat(ns, "RouteSelect", &children)
        }
        "routeend" => {
            want(1, "<crossRefIdentifier>")?;
            flat(ns, "RouteEnd", &[("crossRefIdentifier", args[0])])
        }
        "play" => {
            want(3, "<callID> <routePoint> 0|1|2|3|4")?;
            doc(ns, "PlayMessage", |w| {
                w.leaf("messageToBePlayed", args[2]);
                connection(w, "overConnection", args[0], args[1]);
            })
        }
        other => match features::command_xml(ns, other, args) {
            Some(xml) => xml?,
            None => return Err(format!("unknown command {other:?}; commands: {HELP}")),
        },
    };
    Ok(Some(xml))
}

fn on_off(word: &str) -> Result<bool, String> {
    match word {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("expected on or off, not {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bwcsta::csta::edition::Edition;
    use bwcsta::csta::parse::{parse, ConnectionId, Message};

    fn c(call: &str, device: &str) -> ConnectionId {
        ConnectionId {
            call_id: Some(call.into()),
            device_id: Some(device.into()),
        }
    }

    #[test]
    fn every_command_parses_back_to_its_request() {
        let ns = Edition::Ed3.namespace();
        let s = |t: &str| t.to_string();
        let rec = |call: &str| Some(format!("rec-{call}"));
        let cases: Vec<(&str, Message)> = vec![
            (
                "make 2001 2002",
                Message::MakeCall {
                    calling_device: s("2001"),
                    called_directory_number: s("2002"),
                },
            ),
            (
                "answer 5:1 2002",
                Message::AnswerCall {
                    call: c("5:1", "2002"),
                },
            ),
            (
                "hold 5:1 2001",
                Message::HoldCall {
                    call: c("5:1", "2001"),
                },
            ),
            (
                "retrieve 5:1 2001",
                Message::RetrieveCall {
                    call: c("5:1", "2001"),
                },
            ),
            (
                "  clear 5:1 2001  ",
                Message::ClearConnection {
                    connection: c("5:1", "2001"),
                },
            ),
            (
                "clearcall 5:1",
                Message::ClearCall {
                    call: ConnectionId {
                        call_id: Some(s("5:1")),
                        device_id: None,
                    },
                },
            ),
            (
                "transfer 5:1 2001 2003",
                Message::SingleStepTransferCall {
                    active_call: c("5:1", "2001"),
                    transferred_to: s("2003"),
                },
            ),
            (
                "deflect 5:1 2002 2003",
                Message::DeflectCall {
                    call: c("5:1", "2002"),
                    new_destination: s("2003"),
                },
            ),
            (
                "consult 5:1 2001 2003",
                Message::ConsultationCall {
                    existing_call: c("5:1", "2001"),
                    consulted_device: s("2003"),
                },
            ),
            (
                "complete 5:1 6:1 2001",
                Message::TransferCall {
                    held_call: c("5:1", "2001"),
                    active_call: c("6:1", "2001"),
                },
            ),
            (
                "conference 5:1 6:1 2001",
                Message::ConferenceCall {
                    held_call: c("5:1", "2001"),
                    active_call: c("6:1", "2001"),
                },
            ),
            (
                "reconnect 6:1 5:1 2001",
                Message::ReconnectCall {
                    active_call: c("6:1", "2001"),
                    held_call: c("5:1", "2001"),
                },
            ),
            (
                "alternate 5:1 6:1 2001",
                Message::AlternateCall {
                    held_call: c("5:1", "2001"),
                    active_call: c("6:1", "2001"),
                },
            ),
            (
                "digits 5:1 2001 12#",
                Message::GenerateDigits {
                    connection: c("5:1", "2001"),
                    digits: s("12#"),
                },
            ),
            (
                "dnd 2001 on",
                Message::SetDoNotDisturb {
                    device: s("2001"),
                    on: true,
                },
            ),
            (
                "forward 2001 2009",
                Message::SetForwarding {
                    device: s("2001"),
                    forwarding_type: Some(s("forwardImmediate")),
                    activate: true,
                    forward_dn: Some(s("2009")),
                },
            ),
            (
                "forward 2001 off",
                Message::SetForwarding {
                    device: s("2001"),
                    forwarding_type: Some(s("forwardImmediate")),
                    activate: false,
                    forward_dn: None,
                },
            ),
            (
                "snapshot 2001",
                Message::SnapshotDevice { device: s("2001") },
            ),
            (
                "agentstate 2002 ready",
                Message::SetAgentState {
                    device: s("2002"),
                    requested_state: s("ready"),
                    agent_id: None,
                    group: None,
                },
            ),
            (
                "getagent 2002",
                Message::GetAgentState { device: s("2002") },
            ),
            (
                "register 6000",
                Message::RouteRegister {
                    device: Some(s("6000")),
                },
            ),
            ("register", Message::RouteRegister { device: None }),
            (
                "unregister rr1",
                Message::RouteRegisterCancel {
                    register_id: s("rr1"),
                },
            ),
            (
                "route 3 2002",
                Message::RouteSelect {
                    cross_ref: s("3"),
                    register_id: None,
                    route_selected: s("2002"),
                },
            ),
            (
                "routeend 3",
                Message::RouteEnd {
                    cross_ref: s("3"),
                    register_id: None,
                    error: None,
                },
            ),
            (
                "play 9:1 6000 1",
                Message::PlayMessage {
                    message: s("1"),
                    connection: c("9:1", "6000"),
                },
            ),
            (
                "getdnd 2001",
                Message::GetDoNotDisturb { device: s("2001") },
            ),
            (
                "getforward 2001",
                Message::GetForwarding { device: s("2001") },
            ),
            (
                "snapshotcall 5:1",
                Message::SnapshotCall {
                    call: ConnectionId {
                        call_id: Some(s("5:1")),
                        device_id: None,
                    },
                },
            ),
            (
                "snapshotcall 5:1 2001",
                Message::SnapshotCall {
                    call: c("5:1", "2001"),
                },
            ),
            (
                "pickup 5:1 2002 2001",
                Message::DirectedPickupCall {
                    call: c("5:1", "2002"),
                    requesting_device: s("2001"),
                },
            ),
            (
                "grouppickup 2001",
                Message::GroupPickupCall {
                    new_destination: s("2001"),
                },
            ),
            (
                "park 5:1 2001 2009",
                Message::ParkCall {
                    parking: c("5:1", "2001"),
                    park_to: Some(s("2009")),
                },
            ),
            (
                "park 5:1 2001",
                Message::ParkCall {
                    parking: c("5:1", "2001"),
                    park_to: None,
                },
            ),
            (
                "intrude 5:1 2002 2001",
                Message::IntrudeCall {
                    intrude: c("5:1", "2002"),
                    requesting_device: Some(s("2001")),
                },
            ),
            (
                "intrude 5:1 2002",
                Message::IntrudeCall {
                    intrude: c("5:1", "2002"),
                    requesting_device: None,
                },
            ),
            (
                "record 5:1 2001",
                Message::RecordMessage {
                    call: c("5:1", "2001"),
                },
            ),
            (
                "suspend 5:1 2001",
                Message::Suspend {
                    connection: c("5:1", "2001"),
                    message: rec("5:1"),
                },
            ),
            (
                "resume 5:1 2001",
                Message::Resume {
                    connection: c("5:1", "2001"),
                    message: rec("5:1"),
                },
            ),
            (
                "stop 5:1 2001",
                Message::Stop {
                    connection: c("5:1", "2001"),
                    message: rec("5:1"),
                },
            ),
        ];
        for (line, want) in cases {
            let xml = command_xml(ns, line)
                .unwrap_or_else(|e| panic!("{line}: {e}"))
                .unwrap_or_else(|| panic!("{line}: no request"));
            let got = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{line}: {e}: {xml}"));
            assert_eq!(got.message, want, "{line}");
        }
    }

    #[test]
    fn bad_lines_are_explained() {
        let ns = Edition::Ed3.namespace();
        assert_eq!(command_xml(ns, ""), Ok(None));
        assert_eq!(command_xml(ns, "   # a comment"), Ok(None));
        for (line, needle) in [
            ("make 2001", "usage: make <calling> <called>"),
            ("answer 5:1", "usage: answer <callID> <device>"),
            ("dnd 2001 maybe", "expected on or off"),
            ("dial 2002", "unknown command \"dial\""),
            ("getdnd", "usage: getdnd <device>"),
            ("grouppickup 1 2", "usage: grouppickup <device>"),
            (
                "pickup 5:1 2002",
                "usage: pickup <callID> <ringingDevice> <device>",
            ),
            ("park 5:1", "usage: park <callID> <device> [<parkTo>]"),
            ("snapshotcall", "usage: snapshotcall <callID> [<device>]"),
            ("stop 5:1", "usage: stop <callID> <device>"),
        ] {
            let got = command_xml(ns, line);
            assert!(
                got.as_ref().is_err_and(|e| e.contains(needle)),
                "{line}: {got:?}"
            );
        }
    }
}
