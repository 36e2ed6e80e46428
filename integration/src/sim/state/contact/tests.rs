//! The contact centre of the simulated BroadWorks, driven through `State`: which subscription
//! gets which event, call centre queues (offer, answer, abandon, overflow), route points
//! (routeing, failure, treatments), agent state and the snapshots.

use crossbeam_channel::Receiver;

use super::*;
use crate::sim::outbox::Out;
use crate::sim::state::{ChannelParams, Opened};
use crate::sim::xml::element_text;
use crate::sim::SimConfig;

/// A state with one open channel; call centre 5000 (agents 2002, 2003), route point 6000.
fn setup(subscriptions: &[(&str, &str)]) -> (State, Opened) {
    let mut st = State::new(&SimConfig::default());
    st.add_call_center("5000", &["2002".into(), "2003".into()]);
    st.add_route_point("6000");
    let channel = st.open_channel(0, &ChannelParams::new("set", "app"), None);
    for (dn, package) in subscriptions {
        assert_eq!(st.package_allowed(dn, package), Ok(()), "{dn} {package}");
        let (idx, _, _) = st.subscribe(&format!("{dn}@example.net"), package, None, "set", "app");
        st.initial_event(idx);
    }
    (st, channel)
}

/// What the channel got since the last look: "dn Type" per event (and the documents).
fn drain(rx: &Receiver<Out>, channel_id: &str) -> (Vec<String>, Vec<String>) {
    let mut lines = Vec::new();
    let mut docs = Vec::new();
    for out in rx.try_iter() {
        let Out::Event(doc) = out else { continue };
        let mut bytes = Vec::new();
        doc.render(channel_id, &mut bytes);
        let text = String::from_utf8(bytes).expect("UTF-8");
        let target = element_text(&text, "targetId").unwrap_or_default();
        let dn = target.split('@').next().unwrap_or("").to_string();
        let kind = text
            .split("eventData xsi1:type=\"xsi:")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .unwrap_or("")
            .to_string();
        lines.push(format!("{dn} {kind}"));
        docs.push(text);
    }
    (lines, docs)
}

fn events(channel: &Opened) -> Vec<String> {
    drain(&channel.rx, &channel.channel_id).0
}

#[test]
fn each_package_gets_its_own_events() {
    let (mut st, ch) = setup(&[
        ("2002", "Advanced Call"),
        ("2002", "Call Center Agent"),
        ("5000", "Call Center Queue"),
        ("6000", "Route Point Queue"),
    ]);
    assert_eq!(
        events(&ch),
        [
            "2002 CallSubscriptionEvent",
            "2002 AgentSubscriptionEvent",
            "5000 ACDSubscriptionEvent",
            "6000 RoutePointSubscriptionEvent"
        ]
    );
    // A call event reaches the agent's call package only; its state the agent package.
    let (_, emits) = st.calls.call("2001", "2002", 1);
    st.emit(emits);
    assert!(st.set_agent_state("2002", "Available"));
    assert!(!st.set_agent_state("2002", "Busy"));
    assert_eq!(
        events(&ch),
        ["2002 CallReceivedEvent", "2002 AgentStateEvent"]
    );
    // The classes of payloads.
    for (ty, class) in [
        ("CallReceivedEvent", PackageClass::Calls),
        ("HookStatusEvent", PackageClass::Calls),
        ("ACDCallAddedEvent", PackageClass::Queue),
        ("ACDAgentJoinUpdateEvent", PackageClass::Agent),
        ("AgentStateEvent", PackageClass::Agent),
        ("RoutePointMOHStartedEvent", PackageClass::RoutePoint),
        ("DoNotDisturbEvent", PackageClass::DoNotDisturb),
        ("CallForwardingAlwaysEvent", PackageClass::ForwardingAlways),
    ] {
        let data = format!("<xsi:eventData xsi1:type=\"xsi:{ty}\"/>");
        assert_eq!(PackageClass::of_data(&data), class, "{ty}");
    }
}

#[test]
fn broadworks_refuses_a_package_its_target_cannot_have() {
    let (st, _) = setup(&[]);
    for (dn, package, ok) in [
        ("5000", "Advanced Call", false),
        ("5000", "Route Point Queue", false),
        ("6000", "Advanced Call", false),
        ("2001", "Call Center Queue", false),
        ("2001", "Route Point Queue", false),
        ("2001", "Call Center Agent", true),
        ("5000", "Call Center Queue", true),
    ] {
        assert_eq!(
            st.package_allowed(dn, package).is_ok(),
            ok,
            "{dn} {package}"
        );
    }
}

#[test]
fn a_queued_call_is_offered_answered_abandoned_or_overflows() {
    let (mut st, ch) = setup(&[
        ("2001", "Advanced Call"),
        ("2002", "Advanced Call"),
        ("5000", "Call Center Queue"),
    ]);
    events(&ch);
    assert_eq!(st.acd_call("2001", "7777"), None, "not a call centre");
    let n = st.acd_call("2001", "5000").expect("queued");
    let (lines, docs) = drain(&ch.rx, &ch.channel_id);
    assert_eq!(
        lines,
        [
            "2001 HookStatusEvent",
            "2001 CallOriginatedEvent",
            "5000 ACDCallAddedEvent"
        ]
    );
    assert!(
        docs[2].contains("<xsi:position>1</xsi:position>"),
        "{}",
        docs[2]
    );
    assert_eq!(st.contact.queued()["5000"], [n]);
    // No agent is Available: nothing to offer to without a name.
    assert!(!st.acd_offer(n, None));
    st.set_agent_state("2003", "Available");
    assert!(st.acd_offer(n, None), "2003 is Available");
    assert_eq!(
        events(&ch),
        ["5000 ACDCallOfferedToAgentEvent"],
        "2003 is not subscribed"
    );
    // 2003 lets it ring out: the offer bounces; then 2002 gets it and answers.
    let emits = st.calls.withdraw(n, "2003", 2);
    st.emit(emits);
    assert_eq!(events(&ch), ["5000 ACDCallBouncedEvent"]);
    assert!(st.acd_offer(n, Some("2002")));
    assert_eq!(
        events(&ch),
        ["5000 ACDCallOfferedToAgentEvent", "2002 CallReceivedEvent"]
    );
    let emits = st.calls.answer(n, 3);
    st.emit(emits);
    let (lines, docs) = drain(&ch.rx, &ch.channel_id);
    assert_eq!(
        lines,
        [
            "2002 HookStatusEvent",
            "2002 CallAnsweredEvent",
            "2001 CallAnsweredEvent",
            "5000 ACDCallAnsweredByAgentEvent"
        ]
    );
    assert!(docs[3].contains("<xsi:answeringUserId>2002@example.net</xsi:answeringUserId>"));
    assert!(st.contact.queued()["5000"].is_empty());

    // Abandoned: the caller hangs up while queued.
    let m = st.acd_call("2001", "5000").expect("queued");
    events(&ch);
    let emits = st.calls.release(m, "2001", 4);
    st.emit(emits);
    assert_eq!(
        events(&ch),
        ["2001 CallReleasedEvent", "5000 ACDCallAbandonedEvent"]
    );
    // Overflow: offered to 2002, then overflows to 2009.
    let o = st.acd_call("2001", "5000").expect("queued");
    st.acd_offer(o, Some("2002"));
    events(&ch);
    assert!(st.acd_overflow(o, "2009"));
    let (lines, docs) = drain(&ch.rx, &ch.channel_id);
    assert_eq!(
        lines,
        ["2002 CallReleasedEvent", "5000 ACDCallOverflowedEvent"]
    );
    assert!(
        docs[1].contains("<xsi:address>tel:2009</xsi:address>"),
        "{}",
        docs[1]
    );
    assert!(!st.acd_overflow(o, "2009"), "not queued any more");
}

#[test]
fn a_route_point_call_is_routed_failed_and_given_treatments() {
    let (mut st, ch) = setup(&[
        ("2001", "Advanced Call"),
        ("2002", "Advanced Call"),
        ("6000", "Route Point Queue"),
    ]);
    events(&ch);
    let n = st.rp_call("2001", "6000").expect("waiting");
    assert_eq!(
        events(&ch),
        [
            "2001 HookStatusEvent",
            "2001 CallOriginatedEvent",
            "6000 RoutePointCallAddedEvent"
        ]
    );
    let half = st.contact.find(n).expect("waiting").2.half;
    assert_eq!(st.rp_play("6000", half, Play::MusicOnHold), Some(1));
    assert_eq!(st.rp_play("6000", half, Play::Busy), Some(2));
    assert!(st.complete_treatment(n, "Timeout"));
    assert!(!st.complete_treatment(n, "Timeout"), "nothing plays");
    let (lines, docs) = drain(&ch.rx, &ch.channel_id);
    assert_eq!(
        lines,
        [
            "6000 RoutePointMOHStartedEvent",
            "6000 RoutePointMOHCompletedEvent",
            "6000 RoutePointBusyStartedEvent",
            "6000 RoutePointBusyCompletedEvent"
        ]
    );
    assert!(docs[1].contains("<xsi:completionReason>Stopped-NewPlayCollect</xsi:completionReason>"));
    assert!(docs[3].contains("<xsi:completionReason>Timeout</xsi:completionReason>"));
    // Routed to 2002 while ringback plays: the treatment stops, 2002 rings.
    st.rp_play("6000", half, Play::Ringback);
    events(&ch);
    assert!(st.rp_transfer("6000", half, "2002"));
    assert_eq!(
        events(&ch),
        [
            "6000 RoutePointRingbackCompletedEvent",
            "6000 RoutePointCallTransferredEvent",
            "2002 CallReceivedEvent"
        ]
    );
    assert!(
        !st.rp_transfer("6000", half, "2002"),
        "gone from the route point"
    );
    // Another call fails at the route point: its caller is released.
    let m = st.rp_call("2001", "6000").expect("waiting");
    let half = st.contact.find(m).expect("waiting").2.half;
    events(&ch);
    assert!(st.rp_fail("6000", half));
    assert_eq!(
        events(&ch),
        ["6000 RoutePointCallFailedEvent", "2001 CallReleasedEvent"]
    );
}

#[test]
fn agents_state_join_and_snapshots() {
    let (mut st, ch) = setup(&[("2002", "Call Center Agent"), ("5000", "Call Center Queue")]);
    let (_, docs) = drain(&ch.rx, &ch.channel_id);
    assert!(docs[0].contains("<xsi:acdUserId>5000@example.net</xsi:acdUserId><xsi:joined/>"));
    assert!(
        docs[0].contains("<xsi:state>Sign-Out</xsi:state>"),
        "{}",
        docs[0]
    );
    st.agent_join("2002", "5000", false);
    let (lines, docs) = drain(&ch.rx, &ch.channel_id);
    assert_eq!(lines, ["2002 ACDAgentJoinUpdateEvent"]);
    assert!(!docs[0].contains("<xsi:joined/>"));
    let n = st.acd_call("2001", "5000").expect("queued");
    events(&ch);
    let snapshot = st
        .contact_snapshot(PackageClass::Queue, "5000")
        .expect("queue snapshot");
    assert!(snapshot.contains(&format!("<xsi:extTrackingId>{n}:1</xsi:extTrackingId>")));
    assert_eq!(st.contact_snapshot(PackageClass::Calls, "5000"), None);
    st.set_agent_state("2002", "Wrap-Up");
    assert_eq!(st.agent_state("2002"), "Wrap-Up");
    assert_eq!(
        st.contact.agent_states("example.net")["2002@example.net"],
        "Wrap-Up"
    );
}
