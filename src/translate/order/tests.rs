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

/// "3" in order, "~3" late.
fn names(v: &[Released]) -> Vec<String> {
    v.iter()
        .map(|r| match r {
            Released::InOrder(e) => e.sequence_number.to_string(),
            Released::Late(e) => format!("~{}", e.sequence_number),
        })
        .collect()
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
            out.extend(s.push(ev("a", n), 0, now));
        }
        let want: Vec<String> = want.iter().map(u32::to_string).collect();
        assert_eq!(names(&out), want, "{input:?}");
        assert_eq!(s.waiting(), 0);
        assert_eq!(s.stats().max_hold, Duration::ZERO, "{input:?}");
    }
}

#[test]
fn subscriptions_are_independent() {
    let mut s = Sequencer::new(DEFAULT_REORDER_WAIT);
    let now = Instant::now();
    assert!(s.push(ev("a", 2), 0, now).is_empty());
    assert_eq!(names(&s.push(ev("b", 1), 0, now)), ["1"]);
    assert_eq!(names(&s.push(ev("a", 1), 0, now)), ["1", "2"]);
}

/// One step of a script, at a time in milliseconds.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// An event of subscription "a" arrives on a link.
    Ev(usize, u32),
    /// Channel news.
    Ch(usize, ChannelNews),
    /// The dispatcher's timer.
    Tick,
}

struct Case {
    name: &'static str,
    wait_ms: u64,
    script: &'static [(u64, Step)],
    /// Everything released, in order ("~n" = late).
    want: &'static [&'static str],
    /// (given up, of which early).
    gaps: (u64, u64),
    max_hold_ms: u64,
}

use ChannelNews::{AckFailed, Down, Up};
use Step::{Ch, Ev, Tick};

const CASES: &[Case] = &[
    Case {
        name: "a gap that fills in milliseconds waits for no timer",
        wait_ms: 5000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(1, Up)),
            (10, Ev(0, 2)),
            (13, Ev(1, 1)),
            (14, Ev(0, 3)),
        ],
        want: &["1", "2", "3"],
        gaps: (0, 0),
        max_hold_ms: 3,
    },
    Case {
        name: "no fault, every channel delivered a later event: given up after the settle time",
        wait_ms: 5000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(1, Up)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (40, Ev(1, 4)),
            (100, Tick),
            (520, Tick),
            (600, Ev(1, 2)),
        ],
        want: &["1", "3", "4", "~2"],
        gaps: (1, 1),
        max_hold_ms: 500,
    },
    Case {
        name: "a silent channel (stalled, not known yet) keeps the gap for the re-send",
        wait_ms: 5000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(1, Up)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (30, Ev(0, 4)),
            (1000, Tick),
            (1520, Ev(0, 2)),
            (1530, Ev(1, 5)),
        ],
        want: &["1", "2", "3", "4", "5"],
        gaps: (0, 0),
        max_hold_ms: 1500,
    },
    Case {
        name: "a channel delivering only older events (a backlog) proves nothing",
        wait_ms: 5000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(1, Up)),
            (10, Ev(1, 1)),
            (20, Ev(0, 3)),
            (600, Tick),
            (700, Ev(1, 2)),
        ],
        want: &["1", "2", "3"],
        gaps: (0, 0),
        max_hold_ms: 680,
    },
    Case {
        name: "a channel lost with events in flight: wait for the re-send",
        wait_ms: 5000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(1, Up)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (25, Ch(1, Down)),
            (30, Ev(0, 4)),
            (600, Tick),
            (1000, Ch(1, Up)),
            (1200, Tick),
            (1520, Ev(0, 2)),
        ],
        want: &["1", "2", "3", "4"],
        gaps: (0, 0),
        max_hold_ms: 1500,
    },
    Case {
        name: "refused acks before the gap: wait for the re-send",
        wait_ms: 5000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(1, Up)),
            (5, Ch(1, AckFailed)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (40, Ev(1, 4)),
            (1000, Tick),
            (1520, Ev(1, 2)),
        ],
        want: &["1", "2", "3", "4"],
        gaps: (0, 0),
        max_hold_ms: 1500,
    },
    Case {
        name: "after a fault the gap is given up at reorder_wait, and the late event comes",
        wait_ms: 2000,
        script: &[
            (0, Ch(0, Up)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (21, Ev(0, 4)),
            (25, Ch(0, AckFailed)),
            (2010, Tick),
            (2020, Tick),
            (2500, Ev(0, 2)),
            (2600, Ev(0, 5)),
        ],
        want: &["1", "3", "4", "~2", "5"],
        gaps: (1, 0),
        max_hold_ms: 2000,
    },
    Case {
        name: "a fault long before the gap no longer counts",
        wait_ms: 1000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(0, Down)),
            (10, Ch(0, Up)),
            (2000, Ev(0, 1)),
            (2010, Ev(0, 3)),
            (2600, Tick),
        ],
        want: &["1", "3"],
        gaps: (1, 1),
        max_hold_ms: 590,
    },
    Case {
        name: "a channel opened after the gap cannot hold the missing event",
        wait_ms: 5000,
        script: &[
            (0, Ch(0, Up)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (30, Ch(2, Up)),
            (600, Tick),
        ],
        want: &["1", "3"],
        gaps: (1, 1),
        max_hold_ms: 580,
    },
    Case {
        name: "gap by gap: the second needs its own proof",
        wait_ms: 5000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(1, Up)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (30, Ev(1, 5)),
            (520, Tick),
            (600, Ev(0, 6)),
            (700, Tick),
        ],
        want: &["1", "3", "5", "6"],
        gaps: (2, 2),
        max_hold_ms: 670,
    },
    Case {
        name: "two gaps known since the same moment are given up together",
        wait_ms: 1000,
        script: &[
            (0, Ch(0, Up)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (20, Ev(0, 5)),
            (30, Ch(0, AckFailed)),
            (1030, Tick),
            (1040, Ev(0, 6)),
        ],
        want: &["1", "3", "5", "6"],
        gaps: (2, 0),
        max_hold_ms: 1010,
    },
    Case {
        name: "a second gap known later waits its own time",
        wait_ms: 1000,
        script: &[
            (0, Ch(0, Up)),
            (0, Ch(0, AckFailed)),
            (10, Ev(0, 1)),
            (20, Ev(0, 3)),
            (800, Ev(0, 5)),
            (1030, Tick),
            (1500, Tick),
            (1810, Tick),
        ],
        want: &["1", "3", "5"],
        gaps: (2, 0),
        max_hold_ms: 1010,
    },
    Case {
        name: "no channel up: nothing is proven, the full wait applies",
        wait_ms: 1000,
        script: &[(10, Ev(0, 1)), (20, Ev(0, 3)), (600, Tick), (1030, Tick)],
        want: &["1", "3"],
        gaps: (1, 0),
        max_hold_ms: 1010,
    },
    Case {
        name: "an old event after a gap was given up comes back as late",
        wait_ms: 500,
        script: &[
            (0, Ev(0, 1)),
            (10, Ev(0, 4)),
            (600, Tick),
            (700, Ev(0, 3)),
            (710, Ev(0, 2)),
            (720, Ev(0, 5)),
        ],
        want: &["1", "4", "~3", "~2", "5"],
        gaps: (1, 0),
        max_hold_ms: 590,
    },
];

#[test]
fn when_gaps_are_given_up() {
    let t0 = Instant::now();
    for case in CASES {
        let mut s = Sequencer::new(Duration::from_millis(case.wait_ms));
        let mut out = Vec::new();
        for &(ms, step) in case.script {
            let now = t0 + Duration::from_millis(ms);
            match step {
                Ev(link, n) => out.extend(s.push(ev("a", n), link, now)),
                Ch(link, news) => s.channel_news(link, news, now),
                Tick => out.extend(s.expire(now)),
            }
        }
        assert_eq!(names(&out), case.want, "{}", case.name);
        let st = s.stats();
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
        out.extend(s.push(ev("a", n), 0, now));
    }
    let want: Vec<String> = [SEQ_MAX - 1, SEQ_MAX, 1, 2]
        .iter()
        .map(u32::to_string)
        .collect();
    assert_eq!(names(&out), want);
}

#[test]
fn too_many_waiting_gives_the_gap_up() {
    let mut s = Sequencer::new(Duration::from_secs(3600));
    let now = Instant::now();
    let mut out = Vec::new();
    for n in 2..=(MAX_WAITING as u32 + 2) {
        out.extend(s.push(ev("a", n), 0, now));
    }
    assert_eq!(out.len(), MAX_WAITING + 1);
    assert_eq!(names(&out[..1]), ["2"]);
    assert_eq!(s.stats().gaps_given_up, 1);
}

#[test]
fn forgetting_a_subscription_drops_its_waiting_events() {
    let mut s = Sequencer::new(DEFAULT_REORDER_WAIT);
    let now = Instant::now();
    assert!(s.push(ev("a", 3), 0, now).is_empty());
    assert_eq!(s.waiting(), 1);
    s.forget("a");
    assert_eq!(s.waiting(), 0);
    assert!(s.expire(now + Duration::from_secs(60)).is_empty());
}
