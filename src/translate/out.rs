//! CSTA events produced by the translation, before they are addressed.
//!
//! One [`CstaEvent`] is built per Xsi event and then rendered once per
//! monitoring session: the session's namespace, its own monitorCrossRefID
//! and the device string it monitors (as the client wrote it) are filled in
//! by [`CstaEvent::to_xml`]. Children are emitted in ECMA-323 schema order;
//! every device field a real switch sends is present, with `notKnown` /
//! `notRequired` placeholders when there is no value.

use crate::xml::XmlWriter;

/// A device in an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dev {
    /// The monitored device (rendered as the session's own device string).
    Local,
    /// Another party, by number.
    Remote(String),
    NotKnown,
    Restricted,
}

/// A connection: CSTA callID (= BroadWorks extTrackingId) and a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conn {
    pub call_id: String,
    pub device: Dev,
}

/// `lastRedirectionDevice` has its own choice of placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redirection {
    NotRequired,
    NotKnown,
    NumberDialed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ServiceInitiated,
    Originated,
    Delivered,
    Established,
    Held,
    Retrieved,
    ConnectionCleared,
    Failed,
    Diverted,
    Transfered,
    Conferenced,
    CallInformation,
    Queued,
    /// A treatment started on a route point call.
    Play,
    /// A treatment ended.
    Stop,
    AgentLoggedOn,
    AgentLoggedOff,
    AgentReady,
    AgentNotReady,
    AgentWorkingAfterCall,
    /// A recording of the call started or resumed.
    Record,
    /// A recording of the call paused.
    SuspendRecord,
    DoNotDisturb,
    Forwarding,
    /// The device (a route point) went out of service.
    OutOfService,
    /// The device is back in service.
    BackInService,
}

impl Kind {
    pub fn element(self) -> &'static str {
        match self {
            Kind::ServiceInitiated => "ServiceInitiatedEvent",
            Kind::Originated => "OriginatedEvent",
            Kind::Delivered => "DeliveredEvent",
            Kind::Established => "EstablishedEvent",
            Kind::Held => "HeldEvent",
            Kind::Retrieved => "RetrievedEvent",
            Kind::ConnectionCleared => "ConnectionClearedEvent",
            Kind::Failed => "FailedEvent",
            Kind::Diverted => "DivertedEvent",
            Kind::Transfered => "TransferedEvent",
            Kind::Conferenced => "ConferencedEvent",
            Kind::CallInformation => "CallInformationEvent",
            Kind::Queued => "QueuedEvent",
            Kind::Play => "PlayEvent",
            Kind::Stop => "StopEvent",
            Kind::AgentLoggedOn => "AgentLoggedOnEvent",
            Kind::AgentLoggedOff => "AgentLoggedOffEvent",
            Kind::AgentReady => "AgentReadyEvent",
            Kind::AgentNotReady => "AgentNotReadyEvent",
            Kind::AgentWorkingAfterCall => "AgentWorkingAfterCallEvent",
            Kind::Record => "RecordEvent",
            Kind::SuspendRecord => "SuspendRecordEvent",
            Kind::DoNotDisturb => "DoNotDisturbEvent",
            Kind::Forwarding => "ForwardingEvent",
            Kind::OutOfService => "OutOfServiceEvent",
            Kind::BackInService => "BackInServiceEvent",
        }
    }

    /// The `requestedMonitorFilter` flag that suppresses this event.
    pub fn filter_flag(self) -> &'static str {
        match self {
            Kind::ServiceInitiated => "serviceInitiated",
            Kind::Originated => "originated",
            Kind::Delivered => "delivered",
            Kind::Established => "established",
            Kind::Held => "held",
            Kind::Retrieved => "retrieved",
            Kind::ConnectionCleared => "connectionCleared",
            Kind::Failed => "failed",
            Kind::Diverted => "diverted",
            Kind::Transfered => "transferred",
            Kind::Conferenced => "conferenced",
            Kind::CallInformation => "callInformation",
            Kind::Queued => "queued",
            Kind::Play => "play",
            Kind::Stop => "stop",
            Kind::AgentLoggedOn => "agentLoggedOn",
            Kind::AgentLoggedOff => "agentLoggedOff",
            Kind::AgentReady => "agentReady",
            Kind::AgentNotReady => "agentNotReady",
            Kind::AgentWorkingAfterCall => "agentWorkingAfterCall",
            Kind::Record => "record",
            Kind::SuspendRecord => "suspendRecord",
            Kind::DoNotDisturb => "doNotDisturb",
            Kind::Forwarding => "forwarding",
            Kind::OutOfService => "outOfService",
            Kind::BackInService => "backInService",
        }
    }

    /// Element name of the subject connection (agent, device feature and
    /// device state events have none).
    fn connection_element(self) -> &'static str {
        match self {
            Kind::ServiceInitiated => "initiatedConnection",
            Kind::Originated => "originatedConnection",
            Kind::Queued => "queuedConnection",
            Kind::Delivered
            | Kind::Diverted
            | Kind::CallInformation
            | Kind::Play
            | Kind::Stop
            | Kind::Record
            | Kind::SuspendRecord
            | Kind::DoNotDisturb
            | Kind::Forwarding
            | Kind::AgentLoggedOn
            | Kind::AgentLoggedOff
            | Kind::AgentReady
            | Kind::AgentNotReady
            | Kind::AgentWorkingAfterCall
            | Kind::OutOfService
            | Kind::BackInService => "connection",
            Kind::Established => "establishedConnection",
            Kind::Held => "heldConnection",
            Kind::Retrieved => "retrievedConnection",
            Kind::ConnectionCleared => "droppedConnection",
            Kind::Failed => "failedConnection",
            Kind::Transfered | Kind::Conferenced => "primaryOldCall",
        }
    }
}

/// One item of `transferredConnections` / `conferenceConnections`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem {
    pub new: Conn,
    pub old: Option<Conn>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CstaEvent {
    pub kind: Kind,
    /// The subject connection; `None` for the agent and device state
    /// events.
    pub connection: Option<Conn>,
    /// Transfered/Conferenced: `secondaryOldCall`.
    pub secondary: Option<Conn>,
    /// Device fields in schema order (names as in the schema).
    pub devices: Vec<(&'static str, Dev)>,
    /// Delivered/Established/Failed/Diverted: `lastRedirectionDevice`.
    pub last_redirection: Option<Redirection>,
    /// Transfered/Conferenced connection list.
    pub list: Vec<ListItem>,
    /// Plain-text children after the devices, in schema order
    /// (`numberQueued`, `message`, `acdGroup`).
    pub leaves: Vec<(&'static str, String)>,
    pub local_state: Option<&'static str>,
    pub cause: Option<&'static str>,
}

impl CstaEvent {
    pub fn new(kind: Kind, connection: Conn) -> Self {
        let mut ev = CstaEvent::without_connection(kind);
        ev.connection = Some(connection);
        ev
    }

    /// An event without a subject connection (the agent events).
    pub fn without_connection(kind: Kind) -> Self {
        CstaEvent {
            kind,
            connection: None,
            secondary: None,
            devices: Vec::new(),
            last_redirection: None,
            list: Vec::new(),
            leaves: Vec::new(),
            local_state: None,
            cause: None,
        }
    }

    pub fn leaf(mut self, name: &'static str, text: impl Into<String>) -> Self {
        self.leaves.push((name, text.into()));
        self
    }

    /// Only a `cause` (events without `localConnectionInfo`).
    pub fn cause(mut self, cause: &'static str) -> Self {
        self.cause = Some(cause);
        self
    }

    pub fn device(mut self, name: &'static str, dev: Dev) -> Self {
        self.devices.push((name, dev));
        self
    }

    pub fn redirection(mut self, r: Redirection) -> Self {
        self.last_redirection = Some(r);
        self
    }

    pub fn state(mut self, local: &'static str, cause: &'static str) -> Self {
        self.local_state = Some(local);
        self.cause = Some(cause);
        self
    }

    pub fn filter_flag(&self) -> &'static str {
        self.kind.filter_flag()
    }

    /// Renders the event for one monitor.
    pub fn to_xml(&self, ns: &str, cross_ref: &str, local: &str) -> String {
        let mut w = XmlWriter::new();
        w.root(self.kind.element(), ns);
        w.leaf("monitorCrossRefID", cross_ref);
        if let Some(connection) = &self.connection {
            write_conn(&mut w, self.kind.connection_element(), connection, local);
        }
        if let Some(sec) = &self.secondary {
            write_conn(&mut w, "secondaryOldCall", sec, local);
        }
        for (name, dev) in &self.devices {
            write_dev(&mut w, name, dev, local);
        }
        if let Some(r) = &self.last_redirection {
            w.open("lastRedirectionDevice");
            match r {
                Redirection::NotRequired => w.empty("notRequired"),
                Redirection::NotKnown => w.empty("notKnown"),
                Redirection::NumberDialed(n) => w.leaf("numberDialed", n),
            }
            w.close("lastRedirectionDevice");
        }
        if !self.list.is_empty() {
            let name = match self.kind {
                Kind::Conferenced => "conferenceConnections",
                _ => "transferredConnections",
            };
            w.open(name);
            for item in &self.list {
                w.open("connectionListItem");
                write_conn(&mut w, "newConnection", &item.new, local);
                if let Some(old) = &item.old {
                    write_conn(&mut w, "oldConnection", old, local);
                }
                w.close("connectionListItem");
            }
            w.close(name);
        }
        for (name, text) in &self.leaves {
            w.leaf(name, text);
        }
        if let Some(state) = self.local_state {
            w.leaf("localConnectionInfo", state);
        }
        if let Some(cause) = self.cause {
            w.leaf("cause", cause);
        }
        w.finish()
    }
}

fn dev_text<'a>(dev: &'a Dev, local: &'a str) -> Option<&'a str> {
    match dev {
        Dev::Local => Some(local),
        Dev::Remote(n) => Some(n),
        Dev::NotKnown | Dev::Restricted => None,
    }
}

fn write_conn(w: &mut XmlWriter, name: &str, conn: &Conn, local: &str) {
    w.open(name);
    w.leaf("callID", &conn.call_id);
    if let Some(d) = dev_text(&conn.device, local) {
        w.leaf("deviceID", d);
    }
    w.close(name);
}

fn write_dev(w: &mut XmlWriter, name: &str, dev: &Dev, local: &str) {
    w.open(name);
    match dev {
        Dev::Local => w.leaf("deviceIdentifier", local),
        Dev::Remote(n) => w.leaf("deviceIdentifier", n),
        Dev::NotKnown => w.empty("notKnown"),
        Dev::Restricted => w.empty("restricted"),
    }
    w.close(name);
}
