//! The Xsi side end to end: bwcsta against the XSP simulator with two XSPs.

mod common;

use std::time::Duration;

use bwcsta::csta::parse::Message;
use bwcsta_integration::support::{free_port, test_config, wait_until, Bwcsta, TempDir};
use common::*;

#[test]
fn both_channels_open_in_one_set_heartbeats_flow_and_shutdown_deletes_them() {
    let mut rig = rig("xsi-basic", |_| {});
    let (_a, _) = client(&rig, "2001");
    assert!(rig
        .sim
        .wait_for(T, |s| s.active_subscriptions().count() == 1));
    let sim = &rig.sim;
    assert!(
        sim.wait_for(T, |s| {
            let open: Vec<_> = s.open_channels().collect();
            open.len() == 2
                && open
                    .iter()
                    .all(|c| c.channel_set_id == "bwcsta-test-set" && c.heartbeats >= 2)
                && open
                    .iter()
                    .map(|c| c.xsp)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
                    == 2
        }),
        "{:?}",
        sim.stats().channels
    );
    // Heartbeats went to the XSP that holds each channel.
    let stats = sim.stats();
    for r in stats
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/heartbeat"))
    {
        assert_eq!(r.status, 200, "{r:?}");
    }
    let status = rig.bw.status().unwrap();
    assert_eq!(status["status"], "normal");
    let (exit, took) = rig.bw.terminate(Duration::from_secs(5)).expect("stops");
    assert_eq!(exit.code(), Some(0));
    assert!(took < Duration::from_secs(2), "{took:?}");
    let stats = rig.sim.stats();
    assert_eq!(
        stats
            .channels
            .iter()
            .filter(|c| c.deleted_explicitly)
            .count(),
        2,
        "{:?}",
        stats.channels
    );
}

#[test]
fn every_event_is_acknowledged_on_the_owning_xsp() {
    let rig = rig("xsi-acks", |_| {});
    let (_a, _) = client(&rig, "2001");
    let (_b, _) = client(&rig, "2002");
    let call = rig.sim.call("2001", "2002");
    rig.sim.answer(call);
    rig.sim.release(call, "2001");
    assert!(
        rig.sim.wait_for(T, |s| s.events_generated >= 8
            && s.unacked == 0
            && s.acks_by_status.get(&200).copied().unwrap_or(0) >= s.events_generated),
        "{:?}",
        rig.sim.stats().acks_by_status
    );
    let s = rig.sim.stats();
    assert_eq!(s.acks_wrong_xsp, 0);
    assert_eq!(s.events_resent, 0);
    // Events were spread over both channels.
    assert!(
        s.channels
            .iter()
            .filter(|c| c.open && c.events_sent > 0)
            .count()
            == 2,
        "{:?}",
        s.channels
    );
}

#[test]
fn closed_channel_is_reopened_while_the_other_carries_on() {
    let rig = rig("xsi-reopen", |_| {});
    let (mut a, _) = client(&rig, "2001");
    rig.sim.close_channels(0);
    assert!(
        rig.sim
            .wait_for(T, |s| s.channels.iter().filter(|c| c.xsp == 0).count() >= 2
                && s.open_channels().count() == 2),
        "{:?}",
        rig.sim.stats().channels
    );
    assert!(rig
        .bw
        .wait_status(T, |s| s["xsp"][0]["reconnects"].as_u64() >= Some(1)
            && s["xsp"][0]["state"] == "up"));
    // The client never saw the system go down and still gets events.
    rig.sim.call("2001", "2002");
    expect_event(&mut a, "OriginatedEvent");
    let seen: Vec<String> = a.take_queued().iter().map(|r| r.root.clone()).collect();
    assert!(!seen.iter().any(|r| r == "MonitorStop"), "{seen:?}");
}

#[test]
fn stalled_stream_is_detected_and_recovered() {
    let rig = rig("xsi-stall", |_| {});
    rig.sim.stall(1, true);
    assert!(
        rig.bw.wait_status(T, |s| s["xsp"][1]["state"] != "up"),
        "{}",
        rig.bw.log()
    );
    assert!(rig.bw.log().contains("no data for"), "{}", rig.bw.log());
    assert_eq!(
        rig.bw.status().unwrap()["status"],
        "normal",
        "one link still up"
    );
    rig.sim.stall(1, false);
    assert!(rig.bw.wait_links_up(2, T), "{}", rig.bw.log());
}

#[test]
fn all_links_down_disables_and_stops_monitors_then_normal_again() {
    let rig = rig("xsi-down", |_| {});
    let (mut a, xref) = client(&rig, "2001");
    rig.sim.down(0, true);
    rig.sim.down(1, true);
    let s = a
        .wait_for(
            T,
            |r| matches!(&r.message, Message::SystemStatus { status } if status == "disabled"),
        )
        .unwrap();
    assert!(s.is_some(), "SystemStatus disabled");
    let stop = a
        .wait_for(T, |r| matches!(&r.message, Message::MonitorStop { .. }))
        .unwrap();
    assert!(
        matches!(stop.map(|r| r.message), Some(Message::MonitorStop { cross_ref }) if cross_ref == xref)
    );
    assert!(rig.bw.wait_status(T, |s| s["status"] == "disabled"));
    rig.sim.down(0, false);
    rig.sim.down(1, false);
    let s = a
        .wait_for(
            T,
            |r| matches!(&r.message, Message::SystemStatus { status } if status == "normal"),
        )
        .unwrap();
    assert!(s.is_some(), "SystemStatus normal again");
    // Monitors can be started again.
    assert!(a.monitor_start("2001", T).unwrap().is_ok());
}

#[test]
fn leftover_subscription_from_a_previous_run_is_answered_481() {
    let sim = sim();
    let dir = TempDir::new("xsi-481");
    let cfg = test_config(dir.path(), free_port(), &sim.xsp_urls());
    {
        let first = Bwcsta::start(BIN.as_ref(), dir, &cfg);
        assert!(first.wait_links_up(2, T));
        let mut c = bwcsta_integration::client::CstaClient::connect(
            first.csta,
            bwcsta::csta::edition::Edition::Ed3,
        )
        .unwrap();
        assert!(c.monitor_start("2001", T).unwrap().is_ok());
        // Dropped: killed with SIGKILL, its subscription stays behind.
    }
    assert!(sim.wait_for(T, |s| s.active_subscriptions().count() == 1));
    let dir = TempDir::new("xsi-481b");
    let mut cfg2 = test_config(dir.path(), free_port(), &sim.xsp_urls());
    cfg2["xsi"]["channel_set_id"] = cfg["xsi"]["channel_set_id"].clone();
    let second = Bwcsta::start(BIN.as_ref(), dir, &cfg2);
    assert!(second.wait_links_up(2, T));
    sim.call("2001", "2002");
    assert!(
        sim.wait_for(T, |s| s.acks_by_status.contains_key(&481)
            && s.active_subscriptions().count() == 0),
        "{:?}",
        sim.stats().acks_by_status
    );
    assert!(wait_until(T, || second.log().contains("481")));
    assert_schema_clean(&sim);
}

#[test]
fn subscription_terminated_by_broadworks_is_recreated() {
    let rig = rig("xsi-resub", |_| {});
    let (mut a, _) = client(&rig, "2001");
    assert!(rig
        .sim
        .wait_for(T, |s| s.active_subscriptions().count() == 1));
    let old = rig
        .sim
        .stats()
        .active_subscriptions()
        .next()
        .unwrap()
        .id
        .clone();
    // An administrator deletes it: BroadWorks sends SubscriptionTerminatedEvent.
    assert_eq!(delete_subscription(&rig.sim, &old), 200);
    assert!(
        rig.sim.wait_for(T, |s| {
            s.active_subscriptions()
                .any(|x| x.user_id == "2001@example.net" && x.id != old)
        }),
        "{:?}",
        rig.sim.stats().subscriptions
    );
    // The monitor goes on without the client doing anything.
    rig.sim.call("2001", "2002");
    expect_event(&mut a, "OriginatedEvent");
    assert!(wait_until(T, || rig
        .bw
        .log()
        .contains("creating a new one")));
}

#[test]
fn channels_are_renewed_on_their_own_xsp_before_they_expire() {
    // The simulator grants 2 s lifetimes: bwcsta must renew at 1.5 s.
    let sim = bwcsta_integration::sim::Simulator::start(bwcsta_integration::sim::SimConfig {
        channel_expires: Some(2),
        ..bwcsta_integration::sim::SimConfig::default()
    })
    .unwrap();
    let rig = rig_with(sim, "xsi-renew", |_| {});
    let renewals = |s: &bwcsta_integration::sim::SimStats| {
        s.requests
            .iter()
            .filter(|r| {
                r.method == "PUT"
                    && r.path.contains("/channel/")
                    && !r.path.ends_with("/heartbeat")
                    && r.status == 200
            })
            .count()
    };
    assert!(
        rig.sim.wait_for(T, |s| renewals(s) >= 4),
        "{:?}",
        rig.sim.stats().requests.len()
    );
    // Still the first two channels: none expired in between.
    let s = rig.sim.stats();
    assert_eq!(s.channels.len(), 2, "{:?}", s.channels);
    assert!(s.channels.iter().all(|c| c.open));
}
