//! The answers to the feature requests (README, Call control) that carry
//! data: the device queries, SnapshotCall, the pickups and RecordMessage.
//! The others (ParkCall, IntrudeCall, Suspend, Resume, Stop) are
//! [`super::Ack`]s. Children in schema order, like the rest of [`super`].

use super::{connection, connection_response, document, snapshot_data};
use crate::csta::parse::ConnectionId;
use crate::xml::text::xs_bool;
use crate::xml::XmlWriter;

/// `GetDoNotDisturbResponse`.
pub fn get_do_not_disturb_response(ns: &str, on: bool) -> String {
    document("GetDoNotDisturbResponse", ns, |w| {
        w.leaf("doNotDisturbOn", xs_bool(on))
    })
}

/// `GetForwardingResponse` with the one forwarding bwcsta knows:
/// forwardImmediate, on or off, and its number when there is one.
pub fn get_forwarding_response(ns: &str, on: bool, forward_dn: Option<&str>) -> String {
    document("GetForwardingResponse", ns, |w| {
        w.open("forwardingList");
        w.open("forwardListItem");
        w.leaf("forwardingType", "forwardImmediate");
        w.leaf("forwardStatus", xs_bool(on));
        if let Some(dn) = forward_dn {
            w.leaf("forwardDN", dn);
        }
        w.close("forwardListItem");
        w.close("forwardingList");
    })
}

/// One connection of a call in a `SnapshotCallResponse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotCallItem {
    /// The device, as the client names it or by number; `None`: not known.
    pub device: Option<String>,
    /// The CSTA callID.
    pub call_id: String,
    /// `localConnectionInfo` (`alerting`, `connected`, `hold`, …).
    pub state: &'static str,
}

/// `SnapshotCallResponse`: `deviceOnCall`, `callIdentifier` and
/// `localConnectionInfo` of each item.
pub fn snapshot_call_response(ns: &str, items: &[SnapshotCallItem]) -> String {
    document("SnapshotCallResponse", ns, |w| {
        snapshot_data(w, items, snapshot_call_item)
    })
}

fn snapshot_call_item(w: &mut XmlWriter, item: &SnapshotCallItem) {
    w.open("snapshotCallResponseInfo");
    w.open("deviceOnCall");
    match &item.device {
        Some(device) => w.leaf("deviceIdentifier", device),
        None => w.empty("notKnown"),
    }
    w.close("deviceOnCall");
    let id = ConnectionId {
        call_id: Some(item.call_id.clone()),
        device_id: item.device.clone(),
    };
    connection(w, "callIdentifier", &id);
    w.leaf("localConnectionInfo", item.state);
    w.close("snapshotCallResponseInfo");
}

/// Which pickup a `pickedCall` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pickup {
    Directed,
    Group,
}

impl Pickup {
    pub fn root(self) -> &'static str {
        match self {
            Pickup::Directed => "DirectedPickupCallResponse",
            Pickup::Group => "GroupPickupCallResponse",
        }
    }
}

/// `DirectedPickupCallResponse` / `GroupPickupCallResponse`: the picking
/// device's connection in the call it picked up.
pub fn picked_call_response(ns: &str, pickup: Pickup, picked: &ConnectionId) -> String {
    connection_response(ns, pickup.root(), "pickedCall", picked)
}

/// `RecordMessageResponse` with the recording's message id.
pub fn record_message_response(ns: &str, message: &str) -> String {
    document("RecordMessageResponse", ns, |w| {
        w.leaf("resultingMessage", message)
    })
}
