//! One document body for every request kind a client may send, naming its
//! devices from the caller: the table the scope tests run (here, and in the
//! dispatcher against a scoped client).

/// The session and system requests: no device, for every client.
pub(crate) const SESSION_REQUESTS: [&str; 7] = [
    "StartApplicationSession",
    "StopApplicationSession",
    "ResetApplicationSessionTimer",
    "SystemRegister",
    "SystemRegisterCancel",
    "RequestSystemStatus",
    "SystemStatus",
];

/// The monitoring, snapshot and query requests: besides the session ones,
/// all a `control: false` client may make.
pub(crate) const READ_ONLY_REQUESTS: [&str; 7] = [
    "MonitorStart",
    "MonitorStop",
    "SnapshotDevice",
    "GetAgentState",
    "GetDoNotDisturb",
    "GetForwarding",
    "SnapshotCall",
];

/// The devices a sample names: `device` in the first device role,
/// `second` as the second connection's device (TransferCall and the like)
/// or the requesting device (the pickups, IntrudeCall), `to` as the number
/// to reach, `call` as the callID of connections.
pub(crate) struct Names<'a> {
    pub device: &'a str,
    pub second: &'a str,
    pub to: &'a str,
    pub call: &'a str,
}

impl<'a> Names<'a> {
    /// Connections on call `7:1`.
    pub(crate) fn new(device: &'a str, second: &'a str, to: &'a str) -> Names<'a> {
        Names {
            device,
            second,
            to,
            call: "7:1",
        }
    }
}

/// `(root, n, body)` for every request kind, `n` counting the samples of
/// one root from 0: RouteRegister comes twice (0: for one route point, 1:
/// for all).
pub(crate) fn numbered(n: &Names<'_>) -> Vec<(&'static str, usize, String)> {
    let mut seen: Vec<&str> = Vec::new();
    requests(n)
        .into_iter()
        .map(|(root, body)| {
            let index = seen.iter().filter(|r| **r == root).count();
            seen.push(root);
            (root, index, body)
        })
        .collect()
}

/// `(root, body)` for every request kind; RouteRegister twice (for one
/// route point, and for all).
pub(crate) fn requests(n: &Names<'_>) -> Vec<(&'static str, String)> {
    let Names {
        device,
        second,
        to,
        call,
    } = n;
    let conn = |element: &str, device: &str| {
        format!("<{element}><callID>{call}</callID><deviceID>{device}</deviceID></{element}>")
    };
    let two = |first: &str, then: &str| format!("{}{}", conn(first, device), conn(then, second));
    vec![
        (
            "StartApplicationSession",
            "<applicationInfo><applicationID>app</applicationID></applicationInfo>".to_owned(),
        ),
        (
            "StopApplicationSession",
            "<sessionID>s1</sessionID>".to_owned(),
        ),
        (
            "ResetApplicationSessionTimer",
            "<sessionID>s1</sessionID>".to_owned(),
        ),
        ("SystemRegister", String::new()),
        (
            "SystemRegisterCancel",
            "<sysStatRegisterID>sr1</sysStatRegisterID>".to_owned(),
        ),
        ("RequestSystemStatus", String::new()),
        (
            "SystemStatus",
            "<systemStatus>normal</systemStatus>".to_owned(),
        ),
        (
            "MonitorStart",
            format!(
                "<monitorObject><deviceObject>{device}</deviceObject></monitorObject>\
                 <monitorType>device</monitorType>"
            ),
        ),
        (
            "MonitorStop",
            "<monitorCrossRefID>1</monitorCrossRefID>".to_owned(),
        ),
        (
            "SnapshotDevice",
            format!("<snapshotObject>{device}</snapshotObject>"),
        ),
        ("GetAgentState", format!("<device>{device}</device>")),
        (
            "MakeCall",
            format!(
                "<callingDevice>{device}</callingDevice>\
                 <calledDirectoryNumber>{to}</calledDirectoryNumber>"
            ),
        ),
        ("AnswerCall", conn("callToBeAnswered", device)),
        ("ClearConnection", conn("connectionToBeCleared", device)),
        ("ClearCall", conn("callToBeCleared", device)),
        ("HoldCall", conn("callToBeHeld", device)),
        ("RetrieveCall", conn("callToBeRetrieved", device)),
        (
            "ConsultationCall",
            format!(
                "{}<consultedDevice>{to}</consultedDevice>",
                conn("existingCall", device)
            ),
        ),
        ("TransferCall", two("heldCall", "activeCall")),
        (
            "SingleStepTransferCall",
            format!(
                "{}<transferredTo>{to}</transferredTo>",
                conn("activeCall", device)
            ),
        ),
        ("ConferenceCall", two("heldCall", "activeCall")),
        ("ReconnectCall", two("activeCall", "heldCall")),
        ("AlternateCall", two("heldCall", "activeCall")),
        (
            "DeflectCall",
            format!(
                "{}<newDestination>{to}</newDestination>",
                conn("callToBeDiverted", device)
            ),
        ),
        (
            "GenerateDigits",
            format!(
                "{}<charactersToSend>12</charactersToSend>",
                conn("connectionToSendDigits", device)
            ),
        ),
        (
            "SetDoNotDisturb",
            format!("<device>{device}</device><doNotDisturbOn>true</doNotDisturbOn>"),
        ),
        (
            "SetForwarding",
            format!(
                "<device>{device}</device><forwardingType>forwardImmediate</forwardingType>\
                 <activateForward>true</activateForward><forwardDN>{to}</forwardDN>"
            ),
        ),
        (
            "SetAgentState",
            format!("<device>{device}</device><requestedAgentState>ready</requestedAgentState>"),
        ),
        (
            "RouteRegister",
            format!("<routeingDevice>{device}</routeingDevice>"),
        ),
        ("RouteRegister", String::new()),
        (
            "RouteRegisterCancel",
            "<routeRegisterReqID>rr1</routeRegisterReqID>".to_owned(),
        ),
        (
            "RouteSelect",
            format!(
                "<crossRefIdentifier>1</crossRefIdentifier><routeSelected>{to}</routeSelected>"
            ),
        ),
        (
            "RouteEnd",
            "<crossRefIdentifier>1</crossRefIdentifier>".to_owned(),
        ),
        (
            "PlayMessage",
            format!(
                "<messageToBePlayed>1</messageToBePlayed>{}",
                conn("overConnection", device)
            ),
        ),
        ("GetDoNotDisturb", format!("<device>{device}</device>")),
        ("GetForwarding", format!("<device>{device}</device>")),
        ("SnapshotCall", conn("snapshotObject", device)),
        (
            "DirectedPickupCall",
            format!(
                "{}<requestingDevice>{second}</requestingDevice>",
                conn("callToBePickedUp", device)
            ),
        ),
        (
            "GroupPickupCall",
            format!("<newDestination>{device}</newDestination>"),
        ),
        (
            "ParkCall",
            format!("{}<parkTo>{to}</parkTo>", conn("parking", device)),
        ),
        (
            "IntrudeCall",
            format!(
                "{}<extensions><privateData><private><requestingDevice>{second}\
                 </requestingDevice></private></privateData></extensions>",
                conn("intrude", device)
            ),
        ),
        ("RecordMessage", conn("callToBeRecorded", device)),
        (
            "Suspend",
            format!(
                "{}<message>rec-{call}</message>",
                conn("connection", device)
            ),
        ),
        (
            "Resume",
            format!(
                "{}<messageToResume>rec-{call}</messageToResume>",
                conn("connection", device)
            ),
        ),
        (
            "Stop",
            format!(
                "{}<messageToBeStopped>rec-{call}</messageToBeStopped>",
                conn("connection", device)
            ),
        ),
    ]
}
