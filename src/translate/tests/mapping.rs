//! The mapping table: one row per Xsi event and call state, with the CSTA
//! events it must produce. Every row runs.

use super::*;

struct Case {
    name: &'static str,
    /// Events fed first; their output is only schema-checked.
    setup: Vec<Data>,
    event: Data,
    want: Vec<Want>,
}

fn case(name: &'static str, setup: Vec<Data>, event: Data, want: Vec<Want>) -> Case {
    Case {
        name,
        setup,
        event,
        want,
    }
}

fn run(c: &Case) {
    let mut h = Harness::new();
    for (i, data) in c.setup.iter().enumerate() {
        for xml in h.feed(data) {
            if let Err(e) = schema_check(&xml) {
                panic!(
                    "{}: setup step {i} ({}): schema: {e}\n{xml}",
                    c.name, data.ty
                );
            }
        }
    }
    let out = h.feed(&c.event);
    assert_eq!(
        out.len(),
        c.want.len(),
        "{}: number of CSTA events\n{}",
        c.name,
        out.join("\n")
    );
    for (xml, want) in out.iter().zip(&c.want) {
        check(c.name, xml, want);
    }
}

// Setups shared by several rows. Leg c1 / call 200:1 is incoming from 2002;
// leg c1 / call 100:1 is outgoing to 2002.

pub(super) fn incoming() -> Vec<Data> {
    vec![ev(
        "CallReceivedEvent",
        &term("c1", "200:1", "Alerting", "tel:2002"),
    )]
}

fn incoming_answered() -> Vec<Data> {
    let mut v = incoming();
    v.push(ev(
        "CallAnsweredEvent",
        &term("c1", "200:1", "Active", "tel:2002"),
    ));
    v
}

pub(super) fn outgoing() -> Vec<Data> {
    vec![ev(
        "CallOriginatedEvent",
        &orig("c1", "100:1", "Alerting", "tel:2002"),
    )]
}

/// The user talks to 2002 (c1, 100:1, held) and 2003 (c2, 101:1), then
/// conferences them.
fn conference_started() -> Vec<Data> {
    let mut v = outgoing();
    v.push(ev(
        "CallAnsweredEvent",
        &orig("c1", "100:1", "Active", "tel:2002"),
    ));
    v.push(ev(
        "CallHeldEvent",
        &orig("c1", "100:1", "Held", "tel:2002"),
    ));
    v.push(ev(
        "CallOriginatedEvent",
        &orig("c2", "101:1", "Alerting", "tel:2003"),
    ));
    v.push(ev(
        "CallAnsweredEvent",
        &orig("c2", "101:1", "Active", "tel:2003"),
    ));
    v.push(conference(
        "ConferenceStartedEvent",
        "Active",
        &["c1", "c2"],
    ));
    v
}

fn with(mut setup: Vec<Data>, more: Data) -> Vec<Data> {
    setup.push(more);
    setup
}

#[rustfmt::skip]
/// `CallRecordingStoppedEvent`: the call, then why.
fn recording_stopped(c: &C) -> Data {
    let mut data = ev("CallRecordingStoppedEvent", c);
    data.inner.push_str("<xsi:reason>User Requested</xsi:reason>");
    data
}

fn cases() -> Vec<Case> {
    let nr = None; // notRequired / notKnown / restricted
    vec![
        // --- making calls ---
        case("CallOriginating (Click-to-Dial) → ServiceInitiated makeCall", vec![],
            ev("CallOriginatingEvent", &call("c1", "100:1", "Click-to-Dial", "Alerting", "tel:2002")),
            vec![want("ServiceInitiatedEvent", "initiatedConnection", "100:1", ME)
                .dev("initiatingDevice", ME)
                .state("initiated", "makeCall")]),
        case("CallCollecting → ServiceInitiated newCall", vec![],
            ev("CallCollectingEvent", &orig("c1", "100:1", "Alerting", "")),
            vec![want("ServiceInitiatedEvent", "initiatedConnection", "100:1", ME)
                .dev("initiatingDevice", ME)
                .state("initiated", "newCall")]),
        case("CallOriginated → Originated newCall", vec![],
            ev("CallOriginatedEvent", &orig("c1", "100:1", "Alerting", "tel:2002")),
            vec![want("OriginatedEvent", "originatedConnection", "100:1", ME)
                .dev("callingDevice", ME)
                .dev("calledDevice", Some("2002"))
                .state("connected", "newCall")]),
        case("CallOriginated after Click-to-Dial → Originated makeCall",
            vec![ev("CallOriginatingEvent", &call("c1", "100:1", "Click-to-Dial", "Alerting", "tel:2002"))],
            ev("CallOriginatedEvent", &orig("c1", "100:1", "Alerting", "tel:2002")),
            vec![want("OriginatedEvent", "originatedConnection", "100:1", ME)
                .dev("callingDevice", ME)
                .dev("calledDevice", Some("2002"))
                .state("connected", "makeCall")]),
        case("CallOriginated after CallCollecting → Originated newCall",
            vec![ev("CallCollectingEvent", &orig("c1", "100:1", "Alerting", ""))],
            ev("CallOriginatedEvent", &orig("c1", "100:1", "Alerting", "tel:2002")),
            vec![want("OriginatedEvent", "originatedConnection", "100:1", ME)
                .dev("callingDevice", ME)
                .dev("calledDevice", Some("2002"))
                .state("connected", "newCall")]),

        // --- receiving calls ---
        case("CallReceived → Delivered", vec![],
            ev("CallReceivedEvent", &term("c1", "200:1", "Alerting", "tel:2002")),
            vec![want("DeliveredEvent", "connection", "200:1", ME)
                .dev("alertingDevice", ME)
                .dev("callingDevice", Some("2002"))
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .has("<lastRedirectionDevice><notRequired/></lastRedirectionDevice>")
                .state("alerting", "newCall")]),
        case("CallReceived redirected by transfer → Delivered transfer", vec![],
            ev("CallReceivedEvent", &term("c1", "200:1", "Alerting", "tel:2002")
                .redirection("tel:2005", "transfer")),
            vec![want("DeliveredEvent", "connection", "200:1", ME)
                .dev("alertingDevice", ME)
                .dev("callingDevice", Some("2002"))
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", Some("2005"))
                .has("<lastRedirectionDevice><numberDialed>2005</numberDialed></lastRedirectionDevice>")
                .state("alerting", "transfer")]),
        case("CallReceived forwarded → Delivered redirected", vec![],
            ev("CallReceivedEvent", &term("c1", "200:1", "Alerting", "tel:2002")
                .redirection("sip:2005@as.example.com;user=phone", "unconditional")),
            vec![want("DeliveredEvent", "connection", "200:1", ME)
                .dev("alertingDevice", ME)
                .dev("callingDevice", Some("2002"))
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", Some("2005"))
                .state("alerting", "redirected")]),
        case("CallReceived recall → Delivered recall", vec![],
            ev("CallReceivedEvent", &term("c1", "200:1", "Alerting", "tel:2002")
                .recall("Call Park Recall")),
            vec![want("DeliveredEvent", "connection", "200:1", ME)
                .dev("alertingDevice", ME)
                .dev("callingDevice", Some("2002"))
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .state("alerting", "recall")]),
        case("CallReceived from a private number → callingDevice restricted", vec![],
            ev("CallReceivedEvent", &term("c1", "200:1", "Alerting", "tel:2002").private()),
            vec![want("DeliveredEvent", "connection", "200:1", ME)
                .dev("alertingDevice", ME)
                .dev("callingDevice", nr)
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .has("<callingDevice><restricted/></callingDevice>")
                .state("alerting", "newCall")]),

        // --- answering ---
        case("CallAnswered (Terminator) → Established, local answered", incoming(),
            ev("CallAnsweredEvent", &term("c1", "200:1", "Active", "tel:2002")),
            vec![want("EstablishedEvent", "establishedConnection", "200:1", ME)
                .dev("answeringDevice", ME)
                .dev("callingDevice", Some("2002"))
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .state("connected", "newCall")]),
        case("CallAnswered (Originator) → Established, remote answered", outgoing(),
            ev("CallAnsweredEvent", &orig("c1", "100:1", "Active", "tel:2002")),
            vec![want("EstablishedEvent", "establishedConnection", "100:1", Some("2002"))
                .dev("answeringDevice", Some("2002"))
                .dev("callingDevice", ME)
                .dev("calledDevice", Some("2002"))
                .dev("lastRedirectionDevice", nr)
                .state("connected", "newCall")]),
        case("second CallAnswered after a blind transfer → the new party answered",
            with(incoming_answered(),
                ev("CallTransferredEvent", &term("c1", "200:1", "Alerting", "tel:2004"))),
            ev("CallAnsweredEvent", &term("c1", "200:1", "Active", "tel:2004")),
            vec![want("EstablishedEvent", "establishedConnection", "200:1", Some("2004"))
                .dev("answeringDevice", Some("2004"))
                .dev("callingDevice", ME)
                .dev("calledDevice", Some("2004"))
                .dev("lastRedirectionDevice", nr)
                .state("connected", "newCall")]),

        // --- hold / retrieve ---
        case("CallHeld (Held) → Held by the user", incoming_answered(),
            ev("CallHeldEvent", &term("c1", "200:1", "Held", "tel:2002")),
            vec![want("HeldEvent", "heldConnection", "200:1", ME)
                .dev("holdingDevice", ME)
                .state("hold", "normal")]),
        case("CallHeld (Remote Held) → Held by the remote party", incoming_answered(),
            ev("CallHeldEvent", &term("c1", "200:1", "Remote Held", "tel:2002")),
            vec![want("HeldEvent", "heldConnection", "200:1", Some("2002"))
                .dev("holdingDevice", Some("2002"))
                .state("connected", "normal")]),
        case("CallRetrieved after a local hold → Retrieved by the user",
            with(incoming_answered(), ev("CallHeldEvent", &term("c1", "200:1", "Held", "tel:2002"))),
            ev("CallRetrievedEvent", &term("c1", "200:1", "Active", "tel:2002")),
            vec![want("RetrievedEvent", "retrievedConnection", "200:1", ME)
                .dev("retrievingDevice", ME)
                .state("connected", "normal")]),
        case("CallRetrieved after a remote hold → Retrieved by the remote party",
            with(incoming_answered(),
                ev("CallHeldEvent", &term("c1", "200:1", "Remote Held", "tel:2002"))),
            ev("CallRetrievedEvent", &term("c1", "200:1", "Active", "tel:2002")),
            vec![want("RetrievedEvent", "retrievedConnection", "200:1", Some("2002"))
                .dev("retrievingDevice", Some("2002"))
                .state("connected", "normal")]),
        case("CallParkRetrieved → Retrieved park", vec![],
            ev("CallParkRetrievedEvent", &orig("c6", "400:1", "Active", "tel:2002")),
            vec![want("RetrievedEvent", "retrievedConnection", "400:1", ME)
                .dev("retrievingDevice", ME)
                .state("connected", "park")]),

        // --- failing and clearing ---
        case("CallReleasing Busy → Failed busy", outgoing(),
            ev("CallReleasingEvent", &orig("c1", "100:1", "Active", "tel:2002").cause("Busy")),
            vec![want("FailedEvent", "failedConnection", "100:1", Some("2002"))
                .dev("failingDevice", Some("2002"))
                .dev("callingDevice", ME)
                .dev("calledDevice", Some("2002"))
                .dev("lastRedirectionDevice", nr)
                .state("fail", "busy")]),
        case("CallReleasing without a releaseCause → nothing", outgoing(),
            ev("CallReleasingEvent", &orig("c1", "100:1", "Active", "tel:2002")),
            vec![]),
        case("CallReleased localRelease → ConnectionCleared by the user", incoming_answered(),
            ev("CallReleasedEvent", &term("c1", "200:1", "Released", "tel:2002")
                .releasing("localRelease")),
            vec![want("ConnectionClearedEvent", "droppedConnection", "200:1", ME)
                .dev("releasingDevice", ME)
                .state("null", "normalClearing")]),
        case("CallReleased remoteRelease → ConnectionCleared by the remote party",
            incoming_answered(),
            ev("CallReleasedEvent", &term("c1", "200:1", "Released", "tel:2002")
                .releasing("remoteRelease")),
            vec![want("ConnectionClearedEvent", "droppedConnection", "200:1", ME)
                .dev("releasingDevice", Some("2002"))
                .state("null", "normalClearing")]),
        case("CallReleased after a busy treatment → ConnectionCleared busy",
            with(outgoing(),
                ev("CallReleasingEvent", &orig("c1", "100:1", "Active", "tel:2002").cause("Busy"))),
            ev("CallReleasedEvent", &orig("c1", "100:1", "Released", "tel:2002")
                .cause("Busy").releasing("remoteRelease")),
            vec![want("ConnectionClearedEvent", "droppedConnection", "100:1", ME)
                .dev("releasingDevice", Some("2002"))
                .state("null", "busy")]),
        case("CallDetached after CallReleased → nothing",
            with(incoming_answered(),
                ev("CallReleasedEvent", &term("c1", "200:1", "Released", "tel:2002")
                    .releasing("localRelease"))),
            ev("CallDetachedEvent", &term("c1", "200:1", "Detached", "tel:2002")),
            vec![]),
        case("CallDetached of a live call → ConnectionCleared redirected", incoming(),
            ev("CallDetachedEvent", &term("c1", "200:1", "Detached", "tel:2002")),
            vec![want("ConnectionClearedEvent", "droppedConnection", "200:1", ME)
                .dev("releasingDevice", ME)
                .state("null", "redirected")]),

        // --- transfer, diversion ---
        case("CallTransferred (remote party changes) → Transfered", incoming_answered(),
            ev("CallTransferredEvent", &term("c1", "200:2", "Active", "tel:2004")),
            vec![want("TransferedEvent", "primaryOldCall", "200:1", Some("2002"))
                .dev("transferringDevice", Some("2002"))
                .dev("transferredToDevice", Some("2004"))
                .item(("200:2", ME), Some(("200:1", ME)))
                .item(("200:2", Some("2004")), None)
                .state("connected", "transfer")]),
        case("CallRedirected (deflection) → Diverted redirected", incoming(),
            redirected(&[term("c1", "200:1", "Detached", "tel:2002").redirect("tel:2003", "deflection")]),
            vec![want("DivertedEvent", "connection", "200:1", ME)
                .dev("divertingDevice", ME)
                .dev("newDestination", Some("2003"))
                .dev("callingDevice", Some("2002"))
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .state("null", "redirected")]),
        case("CallRedirected (blind transfer of an outgoing call) → Diverted singleStepTransfer",
            with(outgoing(), ev("CallAnsweredEvent", &orig("c1", "100:1", "Active", "tel:2002"))),
            redirected(&[orig("c1", "100:1", "Detached", "tel:2002").redirect("tel:2003", "transfer")]),
            vec![want("DivertedEvent", "connection", "100:1", ME)
                .dev("divertingDevice", ME)
                .dev("newDestination", Some("2003"))
                .dev("callingDevice", ME)
                .dev("calledDevice", Some("2002"))
                .dev("lastRedirectionDevice", nr)
                .state("null", "singleStepTransfer")]),
        case("CallDetached after CallRedirected → nothing",
            with(incoming(),
                redirected(&[term("c1", "200:1", "Detached", "tel:2002").redirect("tel:2003", "deflection")])),
            ev("CallDetachedEvent", &term("c1", "200:1", "Detached", "tel:2002")),
            vec![]),
        case("CallForwarded → Diverted callForward", outgoing(),
            ev("CallForwardedEvent", &orig("c1", "100:1", "Alerting", "tel:2006")),
            vec![want("DivertedEvent", "connection", "100:1", Some("2002"))
                .dev("divertingDevice", Some("2002"))
                .dev("newDestination", Some("2006"))
                .dev("callingDevice", ME)
                .dev("calledDevice", Some("2002"))
                .dev("lastRedirectionDevice", Some("2002"))
                .state("connected", "callForward")]),
        // The call ringing here was picked up elsewhere: it leaves this
        // device, with the callID it was known by (the event brings the
        // picked call's new one).
        case("CallPickedUp → Diverted callPickup, the call leaves the device it rang at",
            incoming(),
            ev("CallPickedUpEvent", &term("c1", "201:1", "Alerting", "tel:2002")),
            vec![want("DivertedEvent", "connection", "200:1", ME)
                .dev("divertingDevice", ME)
                .dev("newDestination", nr)
                .dev("callingDevice", Some("2002"))
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .state("null", "callPickup")]),
        case("CallPickedUp of a call not seen, picked up by 2008 → Diverted to 2008", vec![],
            ev("CallPickedUpEvent", &term("c5", "300:1", "Alerting", "tel:2002")
                .redirect("tel:2008", "unknown")),
            vec![want("DivertedEvent", "connection", "300:1", ME)
                .dev("divertingDevice", ME)
                .dev("newDestination", Some("2008"))
                .dev("callingDevice", Some("2002"))
                .dev("calledDevice", ME)
                .dev("lastRedirectionDevice", nr)
                .state("null", "callPickup")]),

        // --- barge-in, monitoring ---
        case("CallBargedIn → Conferenced intrude", vec![],
            ev("CallBargedInEvent", &orig("c7", "500:1", "Active", "tel:2002")),
            vec![want("ConferencedEvent", "primaryOldCall", "500:1", ME)
                .dev("conferencingDevice", ME)
                .dev("addedParty", ME)
                .item(("500:1", ME), None)
                .item(("500:1", Some("2002")), None)
                .state("connected", "intrude")]),
        case("CallMonitored → Conferenced silentParticipation", vec![],
            ev("CallMonitoredEvent", &orig("c7", "500:1", "Active", "tel:2002")),
            vec![want("ConferencedEvent", "primaryOldCall", "500:1", ME)
                .dev("conferencingDevice", ME)
                .dev("addedParty", ME)
                .item(("500:1", ME), None)
                .item(("500:1", Some("2002")), None)
                .state("connected", "silentParticipation")]),

        // --- updates ---
        case("CallUpdated with a new remote party → CallInformation", incoming(),
            ev("CallUpdatedEvent", &term("c1", "200:1", "Alerting", "tel:2009")),
            vec![want("CallInformationEvent", "connection", "200:1", ME)
                .dev("device", ME)
                .dev("callingDevice", Some("2009"))]),
        case("CallUpdated with the same remote party → nothing", incoming(),
            ev("CallUpdatedEvent", &term("c1", "200:1", "Alerting", "tel:2002")),
            vec![]),

        // --- conferences ---
        case("ConferenceStarted with two legs → Conferenced", conference_started()[..5].to_vec(),
            conference("ConferenceStartedEvent", "Active", &["c1", "c2"]),
            vec![want("ConferencedEvent", "primaryOldCall", "100:1", ME)
                .secondary(("101:1", ME))
                .dev("conferencingDevice", ME)
                .dev("addedParty", Some("2003"))
                .item(("100:1", ME), Some(("100:1", ME)))
                .item(("100:1", Some("2002")), Some(("100:1", Some("2002"))))
                .item(("100:1", Some("2003")), Some(("101:1", Some("2003"))))
                .state("connected", "conference")]),
        case("ConferenceUpdated without a new leg → nothing", conference_started(),
            conference("ConferenceUpdatedEvent", "Active", &["c1", "c2"]),
            vec![]),
        case("ConferenceHeld → Held conference", conference_started(),
            conference("ConferenceHeldEvent", "Held", &["c1", "c2"]),
            vec![want("HeldEvent", "heldConnection", "100:1", ME)
                .dev("holdingDevice", ME)
                .state("hold", "conference")]),
        case("ConferenceRetrieved → Retrieved conference",
            with(conference_started(), conference("ConferenceHeldEvent", "Held", &["c1", "c2"])),
            conference("ConferenceRetrievedEvent", "Active", &["c1", "c2"]),
            vec![want("RetrievedEvent", "retrievedConnection", "100:1", ME)
                .dev("retrievingDevice", ME)
                .state("connected", "conference")]),
        case("ConferenceReleased → ConnectionCleared", conference_started(),
            conference("ConferenceReleasedEvent", "Released", &["c1", "c2"]),
            vec![want("ConnectionClearedEvent", "droppedConnection", "100:1", ME)
                .dev("releasingDevice", ME)
                .state("null", "normalClearing")]),
        case("CallReleased of a leg after ConferenceReleased → nothing",
            with(conference_started(), conference("ConferenceReleasedEvent", "Released", &["c1", "c2"])),
            ev("CallReleasedEvent", &orig("c2", "101:1", "Released", "tel:2003").releasing("localRelease")),
            vec![]),
        case("CallReleased of one conference leg (remote left) → that party's connection cleared",
            conference_started(),
            ev("CallReleasedEvent", &orig("c2", "101:1", "Released", "tel:2003").releasing("remoteRelease")),
            vec![want("ConnectionClearedEvent", "droppedConnection", "100:1", Some("2003"))
                .dev("releasingDevice", Some("2003"))
                .state("connected", "normalClearing")]),

        // --- snapshots and other events ---
        case("CallSubscriptionEvent without a known call → ConnectionCleared switchingFunctionTerminated",
            with(incoming(), ev("CallOriginatedEvent", &orig("c2", "100:1", "Alerting", "tel:2003"))),
            subscription(&[orig("c2", "100:1", "Active", "tel:2003")], "Off-Hook"),
            vec![want("ConnectionClearedEvent", "droppedConnection", "200:1", ME)
                .dev("releasingDevice", nr)
                .has("<releasingDevice><notKnown/></releasingDevice>")
                .state("null", "switchingFunctionTerminated")]),
        case("CallSubscriptionEvent listing every known call → nothing", incoming(),
            subscription(&[term("c1", "200:1", "Alerting", "tel:2002")], "On-Hook"),
            vec![]),
        case("HookStatusEvent → nothing", vec![],
            raw("HookStatusEvent", "<xsi:hookStatus>Off-Hook</xsi:hookStatus>"),
            vec![]),
        case("unknown event type → nothing", incoming(),
            ev("CallClientSessionInfoUpdatedEvent", &term("c1", "200:1", "Alerting", "tel:2002")),
            vec![]),

        // --- recording, and the feature packages ---
        case("CallRecordingStarting → nothing", outgoing(),
            ev("CallRecordingStartingEvent", &orig("c1", "100:1", "Active", "tel:2002")),
            vec![]),
        case("CallRecordingStarted → Record", outgoing(),
            ev("CallRecordingStartedEvent", &orig("c1", "100:1", "Active", "tel:2002")),
            vec![want("RecordEvent", "connection", "100:1", ME)
                .has("<message>rec-100:1</message>")]),
        case("CallRecordingPaused → SuspendRecord", outgoing(),
            ev("CallRecordingPausedEvent", &orig("c1", "100:1", "Active", "tel:2002")),
            vec![want("SuspendRecordEvent", "connection", "100:1", ME)
                .has("<message>rec-100:1</message>")]),
        case("CallRecordingResumed → Record without a cause", outgoing(),
            ev("CallRecordingResumedEvent", &orig("c1", "100:1", "Active", "tel:2002")),
            vec![want("RecordEvent", "connection", "100:1", ME)
                .has("<message>rec-100:1</message></RecordEvent>")]),
        case("CallRecordingStopped → Stop normalClearing", outgoing(),
            recording_stopped(&orig("c1", "100:1", "Active", "tel:2002")),
            vec![want("StopEvent", "connection", "100:1", ME)
                .has("<message>rec-100:1</message>")
                .cause("normalClearing")]),
        case("CallRecordingStarted of a conferenced leg → Record on the conference's callID",
            conference_started(),
            ev("CallRecordingStartedEvent", &orig("c2", "101:1", "Active", "tel:2003")),
            vec![want("RecordEvent", "connection", "100:1", ME)
                .has("<message>rec-100:1</message>")]),
        case("DoNotDisturbEvent → DoNotDisturb", vec![],
            raw("DoNotDisturbEvent", "<xsi:info><xsi:active>true</xsi:active></xsi:info>"),
            vec![want("DoNotDisturbEvent", "", "", None)
                .dev("device", ME)
                .has("<doNotDisturbOn>true</doNotDisturbOn>")]),
        case("DoNotDisturbEvent without info → nothing", vec![],
            raw("DoNotDisturbEvent", "<xsi:unassigned/>"),
            vec![]),
        case("CallForwardingAlwaysEvent → Forwarding forwardImmediate", vec![],
            raw("CallForwardingAlwaysEvent",
                "<xsi:info><xsi:active>true</xsi:active>\
                 <xsi:forwardToPhoneNumber>2009</xsi:forwardToPhoneNumber></xsi:info>"),
            vec![want("ForwardingEvent", "", "", None)
                .dev("device", ME)
                .has("<forwardingType>forwardImmediate</forwardingType>\
                      <forwardStatus>true</forwardStatus><forwardTo>2009</forwardTo>")]),
        case("CallForwardingAlwaysEvent switched off → Forwarding off", vec![],
            raw("CallForwardingAlwaysEvent", "<xsi:info><xsi:active>false</xsi:active></xsi:info>"),
            vec![want("ForwardingEvent", "", "", None)
                .dev("device", ME)
                .has("<forwardStatus>false</forwardStatus></ForwardingEvent>")]),
        case("SubscriptionTerminatedEvent → nothing", incoming(),
            raw("SubscriptionTerminatedEvent", ""),
            vec![]),
    ]
}

#[test]
fn mapping_table() {
    let cases = cases();
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(names.insert(c.name), "duplicate case name {}", c.name);
    }
    for c in &cases {
        run(c);
    }
    assert!(cases.len() >= 47, "only {} cases", cases.len());
}
