//! Call events end to end: the simulator places calls, two CSTA clients
//! monitoring different devices each see only their own device's events.

mod common;

use std::time::Duration;

use bwcsta::csta::parse::Message;
use bwcsta_integration::client::snapshot_device_xml;
use bwcsta_integration::sim::Delivery;
use common::*;

#[test]
fn full_call_seen_by_two_clients_monitoring_the_two_ends() {
    let rig = rig("call-full", |_| {});
    let (mut a, xa) = client(&rig, "2001");
    let (mut b, xb) = client(&rig, "2002");
    let sim = &rig.sim;

    let call = sim.call("2001", "2002");
    let o = expect_event(&mut a, "OriginatedEvent");
    assert_eq!(o.cross_ref.as_deref(), Some(xa.as_str()));
    assert_eq!(device(&o, "callingDevice"), Some("2001"));
    assert_eq!(device(&o, "calledDevice"), Some("2002"));
    let call_id = o
        .connection
        .as_ref()
        .and_then(|(_, c)| c.call_id.clone())
        .unwrap();
    let d = expect_event(&mut b, "DeliveredEvent");
    assert_eq!(d.cross_ref.as_deref(), Some(xb.as_str()));
    assert_eq!(device(&d, "alertingDevice"), Some("2002"));
    assert_eq!(device(&d, "callingDevice"), Some("2001"));
    assert_eq!(d.local_connection_info.as_deref(), Some("alerting"));
    assert_eq!(
        d.connection.as_ref().and_then(|(_, c)| c.call_id.clone()),
        Some(call_id.clone()),
        "one CSTA callID for both ends"
    );

    sim.answer(call);
    let ea = expect_event(&mut a, "EstablishedEvent");
    assert_eq!(device(&ea, "answeringDevice"), Some("2002"));
    let eb = expect_event(&mut b, "EstablishedEvent");
    assert_eq!(device(&eb, "answeringDevice"), Some("2002"));
    assert_eq!(eb.local_connection_info.as_deref(), Some("connected"));

    sim.hold(call, "2001");
    let h = expect_event(&mut a, "HeldEvent");
    assert_eq!(h.local_connection_info.as_deref(), Some("hold"));
    assert_eq!(device(&h, "holdingDevice"), Some("2001"));
    let hb = expect_event(&mut b, "HeldEvent");
    assert_eq!(device(&hb, "holdingDevice"), Some("2001"));
    assert_eq!(hb.local_connection_info.as_deref(), Some("connected"));

    sim.retrieve(call, "2001");
    expect_event(&mut a, "RetrievedEvent");
    expect_event(&mut b, "RetrievedEvent");

    sim.blind_transfer(call, "2001", "2003");
    let dv = expect_event(&mut a, "DivertedEvent");
    assert_eq!(device(&dv, "newDestination"), Some("2003"));
    let t = expect_event(&mut b, "TransferedEvent");
    assert_eq!(device(&t, "transferringDevice"), Some("2001"));
    assert_eq!(device(&t, "transferredToDevice"), Some("2003"));
    assert_eq!(t.cause.as_deref(), Some("transfer"));

    sim.answer(call);
    let e3 = expect_event(&mut b, "EstablishedEvent");
    assert_eq!(device(&e3, "answeringDevice"), Some("2003"));

    sim.release(call, "2002");
    let cc = expect_event(&mut b, "ConnectionClearedEvent");
    assert_eq!(cc.cause.as_deref(), Some("normalClearing"));
    assert_eq!(device(&cc, "releasingDevice"), Some("2002"));

    // Nothing for another device, and never another session's cross-ref.
    for (c, x) in [(&mut a, &xa), (&mut b, &xb)] {
        for e in drain_events(c, Duration::from_millis(300)) {
            assert_eq!(e.cross_ref.as_deref(), Some(x.as_str()), "{e:?}");
        }
    }
}

#[test]
fn duplicates_across_channels_are_delivered_once() {
    let rig = rig("call-dup", |_| {});
    let (mut a, _) = client(&rig, "2001");
    rig.sim.set_delivery(Delivery::Duplicate);
    let call = rig.sim.call("2001", "2002");
    rig.sim.answer(call);
    rig.sim.release(call, "2002");
    let names = names_until_cleared(&mut a);
    assert_eq!(
        names,
        [
            "OriginatedEvent",
            "EstablishedEvent",
            "ConnectionClearedEvent"
        ],
        "each once"
    );
    assert!(
        rig.bw
            .wait_status(T, |s| s["duplicates_dropped"].as_u64() >= Some(3)),
        "{:?}",
        rig.bw.status()
    );
}

#[test]
fn swapped_events_across_channels_are_put_back_in_order() {
    let rig = rig("call-swap", |_| {});
    let (mut a, _) = client(&rig, "2001");
    rig.sim.set_delivery(Delivery::SwapPairs);
    for _ in 0..3 {
        let call = rig.sim.call("2001", "2002");
        rig.sim.answer(call);
        rig.sim.hold(call, "2001");
        rig.sim.release(call, "2002");
        let names: Vec<String> = [
            "OriginatedEvent",
            "EstablishedEvent",
            "HeldEvent",
            "ConnectionClearedEvent",
        ]
        .iter()
        .map(|n| expect_event(&mut a, n).name)
        .collect();
        assert_eq!(names.len(), 4);
    }
    let mut order = Vec::new();
    let call = rig.sim.call("2001", "2002");
    rig.sim.answer(call);
    rig.sim.release(call, "2001");
    let deadline = std::time::Instant::now() + T;
    while order.len() < 3 && std::time::Instant::now() < deadline {
        if let Some(r) = a.recv(Duration::from_millis(200)).unwrap() {
            if let Some(e) = event(&r) {
                order.push(e.name.clone());
            }
        }
    }
    assert_eq!(
        order,
        [
            "OriginatedEvent",
            "EstablishedEvent",
            "ConnectionClearedEvent"
        ]
    );
}

#[test]
fn as_failover_clears_calls_broadworks_no_longer_has() {
    let rig = rig("call-asfail", |_| {});
    let (mut a, _) = client(&rig, "2001");
    let call = rig.sim.call("2001", "2002");
    rig.sim.answer(call);
    expect_event(&mut a, "EstablishedEvent");
    // SnapshotDevice lists the call.
    let id = a.request(&snapshot_device_xml(a.ns(), "2001")).unwrap();
    let r = a.response(id, T).unwrap();
    match &r.message {
        Message::SnapshotDeviceResponse { items } => {
            assert_eq!(items.len(), 1, "{items:?}");
            assert_eq!(items[0].device_id, "2001");
        }
        other => panic!("{other:?}"),
    }
    rig.sim.as_failover("2001");
    let cc = expect_event(&mut a, "ConnectionClearedEvent");
    assert_eq!(cc.cause.as_deref(), Some("switchingFunctionTerminated"));
    let id = a.request(&snapshot_device_xml(a.ns(), "2001")).unwrap();
    let r = a.response(id, T).unwrap();
    assert!(
        matches!(&r.message, Message::SnapshotDeviceResponse { items } if items.is_empty()),
        "{r:?}"
    );
}

#[test]
fn shared_subscription_and_monitor_lifecycle() {
    let rig = rig_with(sim_short_subscriptions(), "call-mon", |_| {});
    let (mut a, xa) = client(&rig, "2001");
    let (mut b, xb) = client(&rig, "2001");
    assert_ne!(xa, xb, "cross-refs unique in the process");
    // Same device twice on one session: same id.
    assert_eq!(a.monitor_start("2001", T).unwrap(), Ok(xa.clone()));
    assert!(rig
        .sim
        .wait_for(T, |s| s.active_subscriptions().count() == 1));
    rig.sim.call("2001", "2002");
    let ea = expect_event(&mut a, "OriginatedEvent");
    let eb = expect_event(&mut b, "OriginatedEvent");
    assert_eq!(ea.cross_ref.as_deref(), Some(xa.as_str()));
    assert_eq!(eb.cross_ref.as_deref(), Some(xb.as_str()));
    // Stopping one monitor keeps the subscription; the last one deletes it
    // (when its grace period ends: at its next refresh here).
    let id = a
        .request(&bwcsta_integration::client::monitor_stop_xml(a.ns(), &xa))
        .unwrap();
    assert!(matches!(
        a.response(id, T).unwrap().message,
        Message::MonitorStopResponse
    ));
    assert_eq!(rig.sim.stats().active_subscriptions().count(), 1);
    drop(b);
    assert!(rig
        .sim
        .wait_for(T, |s| s.active_subscriptions().count() == 0));
}

#[test]
fn client_that_stops_reading_is_cut_off_and_the_other_keeps_receiving() {
    let rig = rig_with(sim_unchecked(), "call-slow", |_| {});
    let (slow, _) = client(&rig, "2001");
    slow.stream()
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let (mut fast, _) = client(&rig, "2001");
    const FLOOD: u64 = 80_000;
    rig.sim.flood(&["2001"], FLOOD);
    let mut got = 0u64;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline && !rig.bw.log().contains("cannot keep up") {
        got += fast.count_events(Duration::from_millis(20)).unwrap_or(0);
    }
    assert!(
        rig.bw.log().contains("cannot keep up"),
        "slow client not cut off"
    );
    // The fast client goes on receiving afterwards (the flood is far from
    // over when the slow one overflows); waits are generous for a loaded
    // machine, the amount is what counts.
    let before = got;
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while got < before + 2_000 && std::time::Instant::now() < until {
        got += fast.count_events(Duration::from_millis(100)).unwrap_or(0);
    }
    assert!(
        got >= before + 2_000,
        "the fast client stalled at {got}: {}",
        rig.bw.log()
    );
    drop(slow);
}

#[test]
fn requested_monitor_filter_suppresses_the_events_it_names() {
    let rig = rig("call-filter", |_| {});
    let mut c = bwcsta_integration::client::CstaClient::connect(
        rig.bw.csta,
        bwcsta::csta::edition::Edition::Ed3,
    )
    .unwrap();
    let xml = format!(
        "<MonitorStart xmlns=\"{}\"><monitorObject><deviceObject>2002</deviceObject></monitorObject>\
         <requestedMonitorFilter><callcontrol><delivered>true</delivered><established>false</established>\
         </callcontrol></requestedMonitorFilter></MonitorStart>",
        c.ns()
    );
    let id = c.request(&xml).unwrap();
    assert!(matches!(
        c.response(id, T).unwrap().message,
        Message::MonitorStartResponse { .. }
    ));
    let call = rig.sim.call("2001", "2002");
    rig.sim.answer(call);
    rig.sim.release(call, "2001");
    let names = names_until_cleared(&mut c);
    assert_eq!(
        names,
        ["EstablishedEvent", "ConnectionClearedEvent"],
        "Delivered suppressed"
    );
}
