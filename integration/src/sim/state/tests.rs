//! Unit tests of the shared BroadWorks state: routing, acknowledgements, re-sends, delivery modes
//! and channel ownership.

use super::*;
use crate::sim::calls::FloodCycle;
use crate::sim::xml::element_text;

fn state() -> State {
    let cfg = SimConfig {
        ack_timeout: Duration::ZERO,
        ..SimConfig::default()
    };
    State::new(&cfg)
}

/// Renders everything queued on a channel's receiver: (type, eventID, seq) per event.
fn drain(rx: &Receiver<Out>, channel_id: &str) -> Vec<(String, String, String)> {
    rx.try_iter()
        .map(|m| match m {
            Out::Event(doc) => {
                let mut bytes = Vec::new();
                doc.render(channel_id, &mut bytes);
                let text = String::from_utf8(bytes).unwrap();
                assert_eq!(
                    element_text(&text, "channelId").as_deref(),
                    Some(channel_id)
                );
                let kind = text
                    .split("eventData xsi1:type=\"xsi:")
                    .nth(1)
                    .unwrap_or("")
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string();
                (
                    kind,
                    element_text(&text, "eventID").unwrap().into_owned(),
                    element_text(&text, "sequenceNumber").unwrap().into_owned(),
                )
            }
            Out::Heartbeat => ("heartbeat".into(), String::new(), String::new()),
            Out::Terminate(r) => (format!("terminate {r}"), String::new(), String::new()),
            Out::Finish => ("finish".into(), String::new(), String::new()),
        })
        .collect()
}

#[test]
fn events_alternate_over_the_live_channels_and_queue_without_one() {
    let mut st = state();
    let (sub, _, _) = st.subscribe("2001@example.net", "Advanced Call", None, "set", "app");
    st.initial_event(sub);
    assert_eq!(st.sets["set"].pending.len(), 1, "queued while no channel");
    let a = st.open_channel(0, &ChannelParams::new("set", "app"), None);
    let b = st.open_channel(1, &ChannelParams::new("set", "app"), None);
    let (_, emits) = st.calls.call("2001", "2002", 1);
    st.emit(emits);
    let on_a = drain(&a.rx, &a.channel_id);
    let on_b = drain(&b.rx, &b.channel_id);
    let kinds = |v: &[(String, String, String)]| {
        v.iter()
            .map(|e| format!("{}#{}", e.0, e.2))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(&on_a),
        ["CallSubscriptionEvent#1", "HookStatusEvent#2"]
    );
    assert_eq!(kinds(&on_b), ["CallOriginatedEvent#3"]);
    assert_eq!(st.unacked_len(), 3);
}

#[test]
fn acks_follow_the_status_codes() {
    // (status, unacked after, events resent, subscription still active, channel a open)
    let cases: &[(u16, usize, u64, bool, bool)] = &[
        (200, 0, 0, true, true),
        (400, 0, 0, true, true),
        (481, 0, 0, false, true),
        (500, 1, 1, true, true),
        (404, 1, 1, true, false),
    ];
    for &(status, unacked, resent, active, a_open) in cases {
        let mut st = state();
        let a = st.open_channel(0, &ChannelParams::new("set", "app"), None);
        let b = st.open_channel(1, &ChannelParams::new("set", "app"), None);
        let (sub, _, _) = st.subscribe("2001@example.net", "Advanced Call", None, "set", "app");
        st.initial_event(sub);
        let sent = drain(&a.rx, &a.channel_id);
        st.ack(1, Some(&sent[0].1), status);
        assert_eq!(st.unacked_len(), unacked, "status {status}");
        assert_eq!(st.counters.events_resent, resent, "status {status}");
        assert_eq!(
            st.counters.acks_wrong_xsp, 1,
            "acked on xsp 1, sent on xsp 0"
        );
        assert_eq!(st.subs[sub].active, active, "status {status}");
        assert_eq!(st.channels[a.index].open, a_open, "status {status}");
        let on_b = drain(&b.rx, &b.channel_id);
        if resent > 0 {
            assert_eq!(
                (on_b[0].1.as_str(), on_b[0].2.as_str()),
                (sent[0].1.as_str(), "1"),
                "same id and seq"
            );
        }
    }
}

#[test]
fn timed_out_events_move_to_another_channel_or_wait() {
    let mut st = state();
    let a = st.open_channel(0, &ChannelParams::new("set", ""), None);
    let (sub, _, _) = st.subscribe("2001@example.net", "Advanced Call", None, "set", "app");
    st.initial_event(sub);
    let first = drain(&a.rx, &a.channel_id);
    st.tick();
    assert!(
        drain(&a.rx, &a.channel_id).is_empty(),
        "no other channel: nothing re-sent"
    );
    let b = st.open_channel(1, &ChannelParams::new("set", ""), None);
    st.tick();
    let again = drain(&b.rx, &b.channel_id);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1, first[0].1);
    assert_eq!(st.counters.events_resent, 1);
    st.ack(1, Some(&again[0].1), 200);
    assert_eq!((st.unacked_len(), st.counters.acks_wrong_xsp), (0, 0));
}

#[test]
fn flood_events_are_about_1300_bytes() {
    let mut st = state();
    let a = st.open_channel(0, &ChannelParams::new("set", "bwcsta-application"), None);
    let (sub, _, _) = st.subscribe(
        "2001@example.net",
        "Advanced Call",
        None,
        "set",
        "bwcsta-application",
    );
    st.initial_event(sub);
    let mut cycle = FloodCycle::default();
    let mut buf = String::new();
    for _ in 0..5 {
        assert!(st.flood_one(&mut cycle, "2001", now_ms(), &mut buf, false));
    }
    assert!(
        !st.flood_one(&mut cycle, "2999", now_ms(), &mut buf, false),
        "nobody subscribed"
    );
    let sizes: Vec<usize> =
        a.rx.try_iter()
            .skip(1)
            .map(|m| match m {
                Out::Event(d) => d.len_on(&a.channel_id),
                _ => 0,
            })
            .collect();
    let avg = sizes.iter().sum::<usize>() / sizes.len();
    assert!((1100..1500).contains(&avg), "{sizes:?}");
}

#[test]
fn delivery_modes_duplicate_and_swap() {
    let mut st = state();
    let a = st.open_channel(0, &ChannelParams::new("set", ""), None);
    let b = st.open_channel(1, &ChannelParams::new("set", ""), None);
    let (sub, _, _) = st.subscribe("2001@example.net", "Advanced Call", None, "set", "app");
    st.set_delivery(Delivery::Duplicate);
    st.initial_event(sub);
    let (da, db) = (drain(&a.rx, &a.channel_id), drain(&b.rx, &b.channel_id));
    assert_eq!((da.len(), db.len()), (1, 1));
    assert_eq!(da[0].1, db[0].1);
    st.set_delivery(Delivery::SwapPairs);
    st.snapshot_event(sub);
    assert!(
        drain(&a.rx, &a.channel_id).is_empty() && drain(&b.rx, &b.channel_id).is_empty(),
        "held"
    );
    st.snapshot_event(sub);
    let (sa, sb) = (drain(&a.rx, &a.channel_id), drain(&b.rx, &b.channel_id));
    assert_eq!((sa.len(), sb.len()), (1, 1), "on different channels");
    let mut seqs = [sa[0].2.clone(), sb[0].2.clone()];
    seqs.sort();
    assert_eq!(seqs, ["2".to_string(), "3".to_string()]);
    st.snapshot_event(sub);
    st.set_delivery(Delivery::Normal);
    assert_eq!(
        drain(&a.rx, &a.channel_id).len() + drain(&b.rx, &b.channel_id).len(),
        1,
        "flushed on mode change"
    );
}

#[test]
fn duplicate_channel_set_and_ownership() {
    let mut st = state();
    let a = st.open_channel(
        0,
        &ChannelParams {
            expires: Some(10),
            ..ChannelParams::new("old", "app")
        },
        None,
    );
    assert_eq!(a.expires, 3600, "minimum");
    assert_eq!(st.heartbeat(1, &a.channel_id), Err(Refusal::NotFound));
    assert!(st.heartbeat(0, &a.channel_id).is_ok());
    assert_eq!(st.renew(0, &a.channel_id, Some(7200)), Ok(7200));
    let b = st.open_channel(1, &ChannelParams::new("new", "app"), None);
    let on_a = drain(&a.rx, &a.channel_id);
    assert_eq!(
        on_a.last().map(|e| e.0.as_str()),
        Some("terminate DuplicateChannelSet")
    );
    assert!(!st.channels[a.index].open && st.channels[b.index].open);
    assert_eq!(st.delete_channel(0, &b.channel_id), Err(Refusal::NotFound));
    assert!(st.delete_channel(1, &b.channel_id).is_ok());
    st.finish_delete(b.index);
    assert_eq!(
        drain(&b.rx, &b.channel_id).last().map(|e| e.0.as_str()),
        Some("terminate ExplicitDelete")
    );
    assert!(st.channels[b.index].deleted_explicitly);
}
