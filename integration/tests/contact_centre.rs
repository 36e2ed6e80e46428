//! The contact centre end to end (README, "Contact centre"): the real binary against the
//! simulator playing a call centre (5000, agents 2002 and 2003), a route point (6000) and
//! agents, with CSTA clients monitoring them. A queued call offered to an agent and answered, an
//! abandoned and an overflowed call, agent state both ways, a call routed by RouteSelect, a
//! treatment played and completed, a client's RouteEnd and a refused route; a session monitoring
//! none of these devices sees none of their events. A route point that fails offers nothing
//! until it recovers; calls refused by admission control, stranded, whispered.

mod common;

use std::time::Duration;

use bwcsta::csta::parse::{EventInfo, Message};
use bwcsta_integration::client::{CstaClient, Received};
use bwcsta_integration::sim::{ActionRecord, CallId, Simulator};
use common::*;
use serde_json::json;

const RP: &str = "/com.broadsoft.xsi-actions/v2.0/routepoint/6000@example.net";

/// The simulator with the contact centre, and bwcsta configured for it.
fn contact_rig(tag: &str) -> Rig {
    let sim = sim();
    sim.add_call_center("5000", &["2002", "2003"]);
    sim.add_route_point("6000");
    rig_with(sim, tag, |config| {
        config["devices"] = json!({
            "call_centers": ["5000"],
            "route_points": ["60*"],
            "agents": ["2002", "2003"]
        });
    })
}

/// A client monitoring `devices`.
fn clients(rig: &Rig, devices: &[&str]) -> CstaClient {
    let (mut c, _) = client(rig, devices[0]);
    monitor(&mut c, &devices[1..]);
    c
}

/// The next event `name` on CSTA call `call`.
fn event_on(c: &mut CstaClient, name: &str, call: &str) -> EventInfo {
    wait_event(c, name, None, Some(call))
}

/// The next message the server sends of its own with root `root` (RouteRequest, RouteEnd).
fn server_request(c: &mut CstaClient, root: &str) -> Received {
    let r = c.wait_for(T, |r| r.root == root).expect("io");
    r.unwrap_or_else(|| {
        let got: Vec<String> = c.take_queued().iter().map(|r| r.root.clone()).collect();
        panic!("no {root}; received {got:?}")
    })
}

/// The route point actions the simulator answered since `seen`: (method, path, query,
/// status).
fn rp_actions(sim: &Simulator, seen: &mut usize) -> Vec<(String, String, String, u16)> {
    let all: Vec<ActionRecord> = sim.stats().actions;
    let new = all[(*seen).min(all.len())..]
        .iter()
        .filter(|a| a.path.starts_with(RP))
        .map(|a| {
            (
                a.method.to_string(),
                a.path.trim_start_matches(RP).to_string(),
                a.query.clone(),
                a.status,
            )
        })
        .collect();
    *seen = all.len();
    new
}

fn ext(call: CallId) -> String {
    format!("{}:1", call.0)
}

#[test]
fn a_queued_call_is_offered_to_an_agent_who_answers_and_others_see_nothing() {
    let rig = contact_rig("cc-queue");
    let mut acd = clients(&rig, &["5000"]);
    let mut agent = clients(&rig, &["2002"]);
    let mut caller = clients(&rig, &["2001"]);
    let mut bystander = clients(&rig, &["2009"]);
    // Subscriptions of their packages: one each for 5000 and 2001, two for the agent.
    let subs = rig
        .sim
        .stats()
        .active_subscriptions()
        .map(|s| (s.user_id.clone(), s.event.clone()))
        .collect::<Vec<_>>();
    for (user, package) in [
        ("5000@example.net", "Call Center Queue"),
        ("2002@example.net", "Advanced Call"),
        ("2002@example.net", "Call Center Agent"),
        ("2001@example.net", "Advanced Call"),
    ] {
        assert!(
            subs.contains(&(user.to_string(), package.to_string())),
            "{user} {package}: {subs:?}"
        );
    }

    let call = rig
        .sim
        .acd_call("2001", "5000")
        .expect("5000 is a call centre");
    let id = ext(call);
    let e = event_on(&mut acd, "QueuedEvent", &id);
    assert_eq!(device(&e, "queue"), Some("5000"));
    assert_eq!(device(&e, "callingDevice"), Some("2001"));
    event_on(&mut caller, "OriginatedEvent", &id);

    assert!(rig.sim.acd_offer(call, Some("2002")));
    let e = event_on(&mut acd, "DeliveredEvent", &id);
    assert_eq!(e.cause.as_deref(), Some("distributed"));
    let e = event_on(&mut agent, "DeliveredEvent", &id);
    assert_eq!(device(&e, "callingDevice"), Some("2001"));

    // The agent answers with CSTA: the call centre sees it diverted to the agent.
    ok(
        &mut agent,
        &format!("answer {id} 2002"),
        "AnswerCallResponse",
    );
    event_on(&mut agent, "EstablishedEvent", &id);
    let e = event_on(&mut acd, "DivertedEvent", &id);
    assert_eq!(device(&e, "newDestination"), Some("2002"));
    event_on(&mut caller, "EstablishedEvent", &id);
    assert!(rig
        .sim
        .wait_for(T, |s| s.queued.get("5000").is_some_and(Vec::is_empty)));

    // The call centre's snapshot: nothing queued any more.
    let r = ok(&mut acd, "snapshot 5000", "SnapshotDeviceResponse");
    assert!(
        matches!(&r.message, Message::SnapshotDeviceResponse { items } if items.is_empty()),
        "{}",
        r.xml
    );

    // A session that monitors none of these devices got none of their events.
    let seen = drain_events(&mut bystander, Duration::from_millis(300));
    assert!(
        seen.is_empty(),
        "{:?}",
        seen.iter().map(|e| &e.name).collect::<Vec<_>>()
    );
}

#[test]
fn abandoned_and_overflowed_calls_leave_the_queue() {
    let rig = contact_rig("cc-abandon");
    let mut acd = clients(&rig, &["5000"]);

    let call = rig.sim.acd_call("2001", "5000").expect("queued");
    let id = ext(call);
    event_on(&mut acd, "QueuedEvent", &id);
    // The caller hangs up while waiting.
    rig.sim.release(call, "2001");
    let e = event_on(&mut acd, "ConnectionClearedEvent", &id);
    assert_eq!(e.cause.as_deref(), Some("callCancelled"));
    assert_eq!(device(&e, "releasingDevice"), Some("2001"));

    // Another one overflows to 2009 after being offered to 2003.
    let call = rig.sim.acd_call("2005", "5000").expect("queued");
    let id = ext(call);
    event_on(&mut acd, "QueuedEvent", &id);
    assert!(rig.sim.acd_offer(call, Some("2003")));
    event_on(&mut acd, "DeliveredEvent", &id);
    assert!(rig.sim.acd_overflow(call, "2009"));
    let e = event_on(&mut acd, "DivertedEvent", &id);
    assert_eq!(e.cause.as_deref(), Some("overflow"));
    assert_eq!(device(&e, "newDestination"), Some("2009"));
}

#[test]
fn agent_state_changes_both_ways() {
    let rig = contact_rig("cc-agent");
    let mut agent = clients(&rig, &["2002", "2001"]);

    // BroadWorks → client: the agent signs in and becomes available at the phone.
    rig.sim.set_agent_state("2002", "Sign-In");
    rig.sim.set_agent_state("2002", "Available");
    let names: Vec<String> = (0..2)
        .map(|_| {
            let r = agent
                .wait_for(T, |r| event(r).is_some_and(|e| e.name.starts_with("Agent")))
                .expect("io")
                .expect("an agent event");
            event(&r).map(|e| e.name.clone()).unwrap_or_default()
        })
        .collect();
    assert_eq!(names, ["AgentLoggedOnEvent", "AgentReadyEvent"]);
    rig.sim.agent_join("2002", "5000", false);
    let r = agent
        .wait_for(T, |r| {
            event(r).is_some_and(|e| e.name == "AgentLoggedOffEvent")
        })
        .expect("io")
        .expect("AgentLoggedOffEvent");
    assert!(r.xml.contains("<acdGroup>5000</acdGroup>"), "{}", r.xml);

    // Client → BroadWorks: after call work; BroadWorks reports the change back.
    ok(
        &mut agent,
        "agentstate 2002 workingAfterCall",
        "SetAgentStateResponse",
    );
    assert_eq!(
        rig.sim
            .stats()
            .agent_states
            .get("2002@example.net")
            .map(String::as_str),
        Some("Wrap-Up")
    );
    agent
        .wait_for(T, |r| {
            event(r).is_some_and(|e| e.name == "AgentWorkingAfterCallEvent")
        })
        .expect("io")
        .expect("AgentWorkingAfterCallEvent");
    let r = ok(&mut agent, "getagent 2002", "GetAgentStateResponse");
    assert_eq!(
        r.message,
        Message::GetAgentStateResponse {
            logged_on: Some(true),
            states: vec!["agentWorkingAfterCall".into()],
        }
    );
    // Only for agents: 2001 is monitored but is not one; 2003 is not monitored here.
    for line in ["agentstate 2001 ready", "getagent 2003"] {
        let r = send(&mut agent, line);
        assert_eq!(
            r.message,
            Message::ErrorCode {
                category: "operation".into(),
                value: "invalidDeviceID".into()
            },
            "{line}"
        );
    }
}

#[test]
fn a_call_routed_by_route_select_after_a_treatment() {
    let rig = contact_rig("cc-route");
    let mut router = clients(&rig, &["6000"]);
    let mut agent = clients(&rig, &["2002"]);
    let mut seen = 0;
    let r = ok(&mut router, "register 6000", "RouteRegisterResponse");
    let Message::RouteRegisterResponse { register_id } = r.message else {
        unreachable!()
    };

    let call = rig
        .sim
        .rp_call("2001", "6000")
        .expect("6000 is a route point");
    let id = ext(call);
    event_on(&mut router, "DeliveredEvent", &id);
    let r = server_request(&mut router, "RouteRequest");
    let Message::RouteRequest {
        cross_ref,
        register_id: for_registration,
        current_route,
        calling_device,
        routed_call,
    } = r.message
    else {
        unreachable!()
    };
    assert_eq!(for_registration.as_deref(), Some(register_id.as_str()));
    assert_eq!(current_route.as_deref(), Some("6000"));
    assert_eq!(calling_device.as_deref(), Some("2001"));
    assert_eq!(routed_call.call_id.as_deref(), Some(id.as_str()));

    // Ringback while the router decides; the treatment ends by timeout.
    ok(
        &mut router,
        &format!("play {id} 6000 2"),
        "PlayMessageResponse",
    );
    let r = router
        .wait_for(T, |r| r.root == "PlayEvent")
        .expect("io")
        .expect("PlayEvent");
    assert!(r.xml.contains("<message>2</message>"), "{}", r.xml);
    assert!(rig.sim.complete_treatment(call, "Timeout"));
    let e = event_on(&mut router, "StopEvent", &id);
    assert_eq!(e.cause.as_deref(), Some("timeout"));
    assert_eq!(call_of(&e), Some(id.as_str()));

    // RouteSelect: the route point transfers the call to the agent, and the dialogue ends.
    send_only(&mut router, &format!("route {cross_ref} 2002"));
    let e = event_on(&mut router, "DivertedEvent", &id);
    assert_eq!(device(&e, "newDestination"), Some("2002"));
    let r = server_request(&mut router, "RouteEnd");
    assert_eq!(
        r.message,
        Message::RouteEnd {
            cross_ref: cross_ref.clone(),
            register_id: Some(register_id),
            error: None
        }
    );
    let actions: Vec<(String, String, String, u16)> = rp_actions(&rig.sim, &mut seen)
        .into_iter()
        .map(|(m, path, q, s)| (m, path.rsplit('/').next().unwrap_or("").to_string(), q, s))
        .collect();
    let want = [
        ("PUT", "PlayRingback", "", 200),
        ("PUT", "BlindTransfer", "address=2002", 200),
    ];
    let want: Vec<(String, String, String, u16)> = want
        .iter()
        .map(|(m, v, q, s)| (m.to_string(), v.to_string(), q.to_string(), *s))
        .collect();
    assert_eq!(actions, want);

    // The agent's phone rings with the routed call and the agent answers it.
    event_on(&mut agent, "DeliveredEvent", &id);
    ok(
        &mut agent,
        &format!("answer {id} 2002"),
        "AnswerCallResponse",
    );
    event_on(&mut agent, "EstablishedEvent", &id);
}

#[test]
fn a_route_end_from_the_client_and_a_refused_route() {
    let rig = contact_rig("cc-routeend");
    let mut router = clients(&rig, &["6000"]);
    let mut seen = 0;
    ok(&mut router, "register", "RouteRegisterResponse");

    // The client gives up on the call: it fails at the route point, no RouteEnd comes back.
    let call = rig.sim.rp_call("2001", "6000").expect("waiting");
    let id = ext(call);
    let r = server_request(&mut router, "RouteRequest");
    let Message::RouteRequest { cross_ref, .. } = r.message else {
        unreachable!()
    };
    send_only(&mut router, &format!("routeend {cross_ref}"));
    let e = event_on(&mut router, "ConnectionClearedEvent", &id);
    assert_eq!(e.cause.as_deref(), Some("destNotObtainable"));
    let actions = rp_actions(&rig.sim, &mut seen);
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert!(
        actions[0].1.ends_with("/Fail") && actions[0].3 == 200,
        "{actions:?}"
    );
    assert_eq!(rig.sim.stats().queued["6000"], Vec::<u64>::new());
    let back = router
        .wait_for(Duration::from_millis(300), |r| r.root == "RouteEnd")
        .expect("io");
    assert!(back.is_none(), "the client ended it: {back:?}");

    // BroadWorks refuses a route: RouteEnd with the error, at once.
    let call = rig.sim.rp_call("2001", "6000").expect("waiting");
    let r = server_request(&mut router, "RouteRequest");
    let Message::RouteRequest { cross_ref, .. } = r.message else {
        unreachable!()
    };
    for xsp in 0..2 {
        rig.sim.fail_actions(xsp, 403, 1);
    }
    send_only(&mut router, &format!("route {cross_ref} 2999"));
    let r = server_request(&mut router, "RouteEnd");
    match &r.message {
        Message::RouteEnd {
            cross_ref: x,
            error: Some((category, value)),
            ..
        } => assert_eq!(
            (x.as_str(), category.as_str(), value.as_str()),
            (
                cross_ref.as_str(),
                "stateIncompatibility",
                "invalidObjectState"
            )
        ),
        other => panic!("{other:?}: {}", r.xml),
    }
    for xsp in 0..2 {
        rig.sim.fail_actions(xsp, 403, 0);
    }
    // The dialogue is over: a second RouteSelect on it is refused.
    let r = send(&mut router, &format!("route {cross_ref} 2002"));
    assert_eq!(
        r.message,
        Message::ErrorCode {
            category: "operation".into(),
            value: "invalidRouteingCrossRefID".into()
        }
    );
    assert_eq!(rig.sim.stats().queued["6000"], vec![call.0]);
}

/// The next message of the server whose root is `root` (an event without a call, say).
fn next_root(c: &mut CstaClient, root: &str) -> Received {
    c.wait_for(T, |r| r.root == root)
        .expect("io")
        .unwrap_or_else(|| panic!("no {root}"))
}

#[test]
fn a_failed_route_point_offers_no_call_until_it_recovers() {
    let rig = contact_rig("cc-rpfail");
    let mut router = clients(&rig, &["6000"]);
    ok(&mut router, "register 6000", "RouteRegisterResponse");

    assert!(rig.sim.rp_state("6000", true));
    let r = next_root(&mut router, "OutOfServiceEvent");
    assert!(
        r.xml.contains("<deviceIdentifier>6000</deviceIdentifier>"),
        "{}",
        r.xml
    );
    // A call arriving while it is failed is reported, not offered.
    let waiting = rig.sim.rp_call("2001", "6000").expect("a route point");
    event_on(&mut router, "DeliveredEvent", &ext(waiting));

    assert!(rig.sim.rp_state("6000", false));
    next_root(&mut router, "BackInServiceEvent");
    let before: Vec<String> = router.take_queued().into_iter().map(|r| r.root).collect();
    assert!(
        !before.iter().any(|root| root == "RouteRequest"),
        "offered while failed: {before:?}"
    );
    // Recovered: the call that waited is offered, and so is the next one.
    for call in [
        waiting,
        rig.sim.rp_call("2004", "6000").expect("a route point"),
    ] {
        let r = server_request(&mut router, "RouteRequest");
        let Message::RouteRequest { routed_call, .. } = r.message else {
            unreachable!()
        };
        assert_eq!(routed_call.call_id.as_deref(), Some(ext(call).as_str()));
    }
}

#[test]
fn rejected_stranded_and_whispered_calls() {
    let rig = contact_rig("cc-incidents");
    let mut queues = clients(&rig, &["5000", "6000"]);

    // Admission control refuses a call at the route point.
    let refused = rig.sim.rp_reject("2004", "6000").expect("a route point");
    let e = event_on(&mut queues, "FailedEvent", &ext(refused));
    assert_eq!(e.cause.as_deref(), Some("blocked"));

    // A whisper to the agent of a queued call; then one stranded, no agent available.
    let queued = rig.sim.acd_call("2001", "5000").expect("a call centre");
    event_on(&mut queues, "QueuedEvent", &ext(queued));
    assert!(rig.sim.whisper(queued));
    event_on(&mut queues, "CallInformationEvent", &ext(queued));
    assert!(rig.sim.acd_strand(queued));
    let e = event_on(&mut queues, "ConnectionClearedEvent", &ext(queued));
    assert_eq!(e.cause.as_deref(), Some("noAvailableAgents"));

    // A whisper at the route point.
    let routed = rig.sim.rp_call("2001", "6000").expect("a route point");
    event_on(&mut queues, "DeliveredEvent", &ext(routed));
    assert!(rig.sim.whisper(routed));
    event_on(&mut queues, "CallInformationEvent", &ext(routed));
}
