//! The commands of the feature requests (README, Call control):
//!
//! ```text
//! getdnd <device>                             GetDoNotDisturb
//! getforward <device>                         GetForwarding
//! snapshotcall <callID> [<device>]            SnapshotCall
//! pickup <callID> <ringingDevice> <device>    DirectedPickupCall (device: the one picking up)
//! grouppickup <device>                        GroupPickupCall
//! park <callID> <device> [<parkTo>]           ParkCall (no parkTo: group park)
//! intrude <callID> <device> [<requesting>]    IntrudeCall (requesting device in extensions)
//! record <callID> <device>                    RecordMessage
//! suspend|resume|stop <callID> <device>       Suspend, Resume, Stop of the call's recording
//!                                             (message rec-<callID>)
//! ```

use bwcsta::xml::XmlWriter;

use super::{connection, doc, flat};

/// The request of feature command `verb`; `None` when `verb` is not one.
pub(super) fn command_xml(ns: &str, verb: &str, args: &[&str]) -> Option<Result<String, String>> {
    let usage = |text: &str| Err(format!("usage: {verb} {text}"));
    Some(match (verb, args) {
        ("getdnd", [device]) => Ok(flat(ns, "GetDoNotDisturb", &[("device", device)])),
        ("getforward", [device]) => Ok(flat(ns, "GetForwarding", &[("device", device)])),
        ("grouppickup", [device]) => Ok(flat(ns, "GroupPickupCall", &[("newDestination", device)])),
        ("getdnd" | "getforward" | "grouppickup", _) => usage("<device>"),
        ("snapshotcall", [call, rest @ ..]) if rest.len() <= 1 => {
            Ok(doc(ns, "SnapshotCall", |w| {
                w.open("snapshotObject");
                w.leaf("callID", call);
                if let Some(device) = rest.first() {
                    w.leaf("deviceID", device);
                }
                w.close("snapshotObject");
            }))
        }
        ("snapshotcall", _) => usage("<callID> [<device>]"),
        ("pickup", [call, ringing, device]) => Ok(doc(ns, "DirectedPickupCall", |w| {
            connection(w, "callToBePickedUp", call, ringing);
            w.leaf("requestingDevice", device);
        })),
        ("pickup", _) => usage("<callID> <ringingDevice> <device>"),
        ("park", [call, device, rest @ ..]) if rest.len() <= 1 => Ok(doc(ns, "ParkCall", |w| {
            connection(w, "parking", call, device);
            if let Some(to) = rest.first() {
                w.leaf("parkTo", to);
            }
        })),
        ("park", _) => usage("<callID> <device> [<parkTo>]"),
        ("intrude", [call, device, rest @ ..]) if rest.len() <= 1 => {
            Ok(doc(ns, "IntrudeCall", |w| {
                connection(w, "intrude", call, device);
                if let Some(requesting) = rest.first() {
                    requesting_device(w, requesting);
                }
            }))
        }
        ("intrude", _) => usage("<callID> <device> [<requestingDevice>]"),
        ("record", [call, device]) => Ok(doc(ns, "RecordMessage", |w| {
            connection(w, "callToBeRecorded", call, device)
        })),
        ("suspend" | "resume" | "stop", [call, device]) => {
            let (root, message) = match verb {
                "suspend" => ("Suspend", "message"),
                "resume" => ("Resume", "messageToResume"),
                _ => ("Stop", "messageToBeStopped"),
            };
            Ok(doc(ns, root, |w| {
                connection(w, "connection", call, device);
                w.leaf(message, &format!("rec-{call}"));
            }))
        }
        ("record" | "suspend" | "resume" | "stop", _) => usage("<callID> <device>"),
        _ => return None,
    })
}

/// IntrudeCall's requesting device, where bwcsta reads it:
/// `extensions/privateData/private/requestingDevice`.
fn requesting_device(w: &mut XmlWriter, device: &str) {
    w.open("extensions");
    w.open("privateData");
    w.open("private");
    w.leaf("requestingDevice", device);
    w.close("private");
    w.close("privateData");
    w.close("extensions");
}
