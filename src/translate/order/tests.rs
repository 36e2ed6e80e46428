//! The sequencer, data-driven: scripts of arrivals, channel news and clock
//! ticks (injected time), and what is released when.

use super::*;
use crate::xsi::parse::EventData;

fn ev(sub: &str, seq: u32) -> XsiEvent {
    XsiEvent {
        event_id: format!("{sub}-{seq}"),
        sequence_number: seq,
        user_id: "owner".into(),
        external_application_id: "app".into(),
        subscription_id: sub.into(),
        channel_id: None,
        target_id: Some("u@d".into()),
        data: EventData::HookStatus {
            hook_status: "On-Hook".into(),
        },
    }
}

/// What offering `seq` of subscription `sub` on `link` releases: "3" in
/// order, "~3" late.
fn push(s: &mut Sequencer, sub: &str, seq: u32, link: usize, now: Instant) -> Vec<String> {
    match s.push(ev(sub, seq), link, now) {
        Offered::Ready(ready) => names(&ready),
        Offered::Late(e) => vec![format!("~{}", e.sequence_number)],
    }
}

fn names(v: &[XsiEvent]) -> Vec<String> {
    v.iter().map(|e| e.sequence_number.to_string()).collect()
}

#[test]
fn ring_arithmetic() {
    assert_eq!(next_seq(1), 2);
    assert_eq!(next_seq(SEQ_MAX), 1);
    assert_eq!(ahead(5, 7), 2);
    assert_eq!(ahead(SEQ_MAX, 1), 1);
    assert!(ahead(7, 5) > SEQ_MAX / 2);
}

#[test]
fn reordering_without_a_timer() {
    let cases: &[(&[u32], &[u32])] = &[
        (&[1, 2, 3], &[1, 2, 3]),
        (&[2, 1, 3], &[1, 2, 3]),
        (&[2, 1, 4, 3], &[1, 2, 3, 4]),
        (&[3, 2, 1], &[1, 2, 3]),
        (&[1, 3, 2, 5, 4, 6], &[1, 2, 3, 4, 5, 6]),
        (&[4, 3, 2, 1, 5], &[1, 2, 3, 4, 5]),
    ];
    for (input, want) in cases {
        let mut s = Sequencer::new(DEFAULT_REORDER_WAIT);
        let now = Instant::now();
        let mut out = Vec::new();
        for &n in *input {
            out.extend(push(&mut s, "a", n, 0, now));
        }
        let want: Vec<String> = want.iter().map(u32::to_string).collect();
        assert_eq!(out, want, "{input:?}");
        assert_eq!(s.waiting(), 0);
        assert_eq!(s.stats().max_hold, Duration::ZERO, "{input:?}");
    }
}

#[test]
fn subscriptions_are_independent() {
    let mut s = Sequencer::new(DEFAULT_REORDER_WAIT);
    let now = Instant::now();
    assert!(push(&mut s, "a", 2, 0, now).is_empty());
    assert_eq!(push(&mut s, "b", 1, 0, now), ["1"]);
    assert_eq!(push(&mut s, "a", 1, 0, now), ["1", "2"]);
}

/// A script: `<ms>:<step>` separated by spaces, where a step is `e<link>.<seq>`
/// (an event of the subscription arrives on a link), `up<link>`, `down<link>`,
/// `ackfail<link>` (channel news) or `tick` (the dispatcher's timer).
struct Case {
    name: &'static str,
    wait_ms: u64,
    script: &'static str,
    /// Everything released, in order (`~n` = late).
    want: &'static str,
    /// (given up, of which early).
    gaps: (u64, u64),
    max_hold_ms: u64,
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "a gap that fills in milliseconds waits for no timer", wait_ms: 5000,
        script: "0:up0 0:up1 10:e0.2 13:e1.1 14:e0.3",
        want: "1 2 3", gaps: (0, 0), max_hold_ms: 3 },
    Case { name: "no fault, every channel delivered a later event: given up after the settle time", wait_ms: 5000,
        script: "0:up0 0:up1 10:e0.1 20:e0.3 40:e1.4 100:tick 520:tick 600:e1.2",
        want: "1 3 4 ~2", gaps: (1, 1), max_hold_ms: 500 },
    Case { name: "a silent channel (stalled, not known yet) keeps the gap for the re-send", wait_ms: 5000,
        script: "0:up0 0:up1 10:e0.1 20:e0.3 30:e0.4 1000:tick 1520:e0.2 1530:e1.5",
        want: "1 2 3 4 5", gaps: (0, 0), max_hold_ms: 1500 },
    Case { name: "a channel delivering only older events (a backlog) proves nothing", wait_ms: 5000,
        script: "0:up0 0:up1 10:e1.1 20:e0.3 600:tick 700:e1.2",
        want: "1 2 3", gaps: (0, 0), max_hold_ms: 680 },
    Case { name: "a channel lost with events in flight: wait for the re-send", wait_ms: 5000,
        script: "0:up0 0:up1 10:e0.1 20:e0.3 25:down1 30:e0.4 600:tick 1000:up1 1200:tick 1520:e0.2",
        want: "1 2 3 4", gaps: (0, 0), max_hold_ms: 1500 },
    Case { name: "refused acks before the gap: wait for the re-send", wait_ms: 5000,
        script: "0:up0 0:up1 5:ackfail1 10:e0.1 20:e0.3 40:e1.4 1000:tick 1520:e1.2",
        want: "1 2 3 4", gaps: (0, 0), max_hold_ms: 1500 },
    Case { name: "after a fault the gap is given up at reorder_wait, and the late event comes", wait_ms: 2000,
        script: "0:up0 10:e0.1 20:e0.3 21:e0.4 25:ackfail0 2010:tick 2020:tick 2500:e0.2 2600:e0.5",
        want: "1 3 4 ~2 5", gaps: (1, 0), max_hold_ms: 2000 },
    Case { name: "a fault long before the gap no longer counts", wait_ms: 1000,
        script: "0:up0 0:down0 10:up0 2000:e0.1 2010:e0.3 2600:tick",
        want: "1 3", gaps: (1, 1), max_hold_ms: 590 },
    Case { name: "a channel opened after the gap cannot hold the missing event", wait_ms: 5000,
        script: "0:up0 10:e0.1 20:e0.3 30:up2 600:tick",
        want: "1 3", gaps: (1, 1), max_hold_ms: 580 },
    Case { name: "gap by gap: the second needs its own proof", wait_ms: 5000,
        script: "0:up0 0:up1 10:e0.1 20:e0.3 30:e1.5 520:tick 600:e0.6 700:tick",
        want: "1 3 5 6", gaps: (2, 2), max_hold_ms: 670 },
    Case { name: "two gaps known since the same moment are given up together", wait_ms: 1000,
        script: "0:up0 10:e0.1 20:e0.3 20:e0.5 30:ackfail0 1030:tick 1040:e0.6",
        want: "1 3 5 6", gaps: (2, 0), max_hold_ms: 1010 },
    Case { name: "a second gap known later waits its own time", wait_ms: 1000,
        script: "0:up0 0:ackfail0 10:e0.1 20:e0.3 800:e0.5 1030:tick 1500:tick 1810:tick",
        want: "1 3 5", gaps: (2, 0), max_hold_ms: 1010 },
    Case { name: "no channel up: nothing is proven, the full wait applies", wait_ms: 1000,
        script: "10:e0.1 20:e0.3 600:tick 1030:tick",
        want: "1 3", gaps: (1, 0), max_hold_ms: 1010 },
    Case { name: "an old event after a gap was given up comes back as late", wait_ms: 500,
        script: "0:e0.1 10:e0.4 600:tick 700:e0.3 710:e0.2 720:e0.5",
        want: "1 4 ~3 ~2 5", gaps: (1, 0), max_hold_ms: 590 },
];

fn run(case: &Case) -> (Vec<String>, OrderStats) {
    let t0 = Instant::now();
    let mut s = Sequencer::new(Duration::from_millis(case.wait_ms));
    let mut out = Vec::new();
    for token in case.script.split_whitespace() {
        let (ms, step) = token.split_once(':').expect("<ms>:<step>");
        let now = t0 + Duration::from_millis(ms.parse().expect("ms"));
        let link = |prefix: &str| step[prefix.len()..].parse::<usize>().expect("link");
        if step == "tick" {
            out.extend(names(&s.expire(now)));
        } else if let Some(ev_on) = step.strip_prefix('e') {
            let (link, seq) = ev_on.split_once('.').expect("e<link>.<seq>");
            let (link, seq) = (link.parse().expect("link"), seq.parse().expect("seq"));
            out.extend(push(&mut s, "a", seq, link, now));
        } else if step.starts_with("up") {
            s.channel_news(link("up"), ChannelNews::Up, now);
        } else if step.starts_with("down") {
            s.channel_news(link("down"), ChannelNews::Down, now);
        } else if step.starts_with("ackfail") {
            s.channel_news(link("ackfail"), ChannelNews::AckFailed, now);
        } else {
            panic!("{}: bad step {token}", case.name);
        }
    }
    (out, s.stats())
}

#[test]
fn when_gaps_are_given_up() {
    for case in CASES {
        let (got, st) = run(case);
        let want: Vec<&str> = case.want.split_whitespace().collect();
        assert_eq!(got, want, "{}", case.name);
        assert_eq!(
            (st.gaps_given_up, st.gaps_given_up_early),
            case.gaps,
            "{}",
            case.name
        );
        assert_eq!(
            st.max_hold.as_millis() as u64,
            case.max_hold_ms,
            "{}",
            case.name
        );
    }
}

#[test]
fn wraps_around() {
    let mut s = Sequencer::new(DEFAULT_REORDER_WAIT);
    let now = Instant::now();
    let mut stream = Stream::new();
    stream.next = SEQ_MAX - 1;
    s.streams.insert("a".into(), stream);
    let mut out = Vec::new();
    for n in [SEQ_MAX, SEQ_MAX - 1, 2, 1] {
        out.extend(push(&mut s, "a", n, 0, now));
    }
    let want: Vec<String> = [SEQ_MAX - 1, SEQ_MAX, 1, 2]
        .iter()
        .map(u32::to_string)
        .collect();
    assert_eq!(out, want);
}

#[test]
fn too_many_waiting_gives_the_gap_up() {
    let mut s = Sequencer::new(Duration::from_secs(3600));
    let now = Instant::now();
    let mut out = Vec::new();
    for n in 2..=(MAX_WAITING as u32 + 2) {
        out.extend(push(&mut s, "a", n, 0, now));
    }
    assert_eq!(out.len(), MAX_WAITING + 1);
    assert_eq!(out[..1], ["2"]);
    assert_eq!(s.stats().gaps_given_up, 1);
}

#[test]
fn forgetting_a_subscription_drops_its_waiting_events() {
    let mut s = Sequencer::new(DEFAULT_REORDER_WAIT);
    let now = Instant::now();
    assert!(push(&mut s, "a", 3, 0, now).is_empty());
    assert_eq!(s.waiting(), 1);
    s.forget("a", now);
    assert_eq!(s.waiting(), 0);
    assert!(s.expire(now + Duration::from_secs(60)).is_empty());
}

#[test]
fn open_gaps_are_counted_as_they_open_and_close() {
    let mut s = Sequencer::new(Duration::from_secs(1));
    let now = Instant::now();
    let later = now + Duration::from_secs(5);
    // Filled in time.
    assert!(push(&mut s, "a", 2, 0, now).is_empty());
    assert!(push(&mut s, "b", 3, 0, now).is_empty());
    assert_eq!(s.open_gaps, 2);
    assert_eq!(push(&mut s, "a", 1, 0, now), ["1", "2"]);
    assert_eq!(s.open_gaps, 1);
    // Forgotten with its gap.
    s.forget("b", now);
    assert_eq!(s.open_gaps, 0);
    assert!(s.expire(later).is_empty());
    // Given up by the timer, then a second gap behind it.
    assert!(push(&mut s, "c", 2, 0, now).is_empty());
    assert!(push(&mut s, "c", 4, 0, now).is_empty());
    assert_eq!(s.open_gaps, 1);
    assert_eq!(names(&s.expire(later)), ["2", "4"]);
    assert_eq!(s.open_gaps, 0);
    assert_eq!(s.waiting(), 0);
    // Many streams in order open nothing.
    for sub in 0..100 {
        push(&mut s, &format!("s{sub}"), 1, 0, now);
    }
    assert_eq!(s.open_gaps, 0);
}

#[test]
fn a_late_event_of_a_forgotten_subscription_opens_no_stream() {
    let wait = Duration::from_secs(5);
    let mut s = Sequencer::new(wait);
    let now = Instant::now();
    let sub: Arc<str> = Arc::from("a");
    s.adopt(&sub);
    for n in 1..=45 {
        assert_eq!(push(&mut s, "a", n, 0, now), [n.to_string()]);
    }
    s.forget("a", now);
    assert_eq!(s.streams(), (0, 1));
    assert!(push(&mut s, "a", 46, 0, now).is_empty());
    assert_eq!(
        s.streams(),
        (0, 1),
        "no stream for a forgotten subscription"
    );
    assert!(s.expire(now + wait * 3).is_empty());
    assert_eq!(s.stats().gaps_given_up, 0);
    assert_eq!(s.stats().retired_dropped, 1);
    assert_eq!(
        s.streams(),
        (0, 0),
        "remembered for twice reorder_wait only"
    );
    // Long after, the id is a new subscription again.
    assert_eq!(push(&mut s, "a", 1, 0, now + wait * 3), ["1"]);
}

#[test]
fn streams_of_a_failed_creation_are_forgotten_with_its_user() {
    let mut s = Sequencer::new(Duration::from_secs(1));
    let now = Instant::now();
    // Events of a subscription whose creation is pending, one out of order.
    assert_eq!(push(&mut s, "new", 1, 0, now), ["1"]);
    assert!(push(&mut s, "new", 3, 0, now).is_empty());
    // An adopted stream of the same user stays.
    let kept: Arc<str> = Arc::from("kept");
    s.adopt(&kept);
    s.forget_unadopted("other@d", now);
    assert_eq!(
        s.streams(),
        (2, 0),
        "another user's failure changes nothing"
    );
    s.forget_unadopted("u@d", now);
    assert_eq!(s.waiting(), 0);
    assert_eq!(s.open_gaps, 0);
    assert!(push(&mut s, "new", 4, 0, now).is_empty(), "retired");
    assert!(s.expire(now + Duration::from_secs(10)).is_empty());
    assert_eq!(s.stats().gaps_given_up, 0);
    assert_eq!(s.streams(), (1, 0), "kept; the retired one let go");
}
