use std::time::UNIX_EPOCH;

use super::*;
use crate::capture::format::{encode, MAGIC};

const NS: &str = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

#[derive(Clone, Copy)]
enum Step {
    Received,
    Answered,
    Held,
}
use Step::*;

/// A capture being written, one record at a time, a millisecond apart.
struct Cap {
    records: Vec<Record>,
    ms: u64,
}

impl Cap {
    fn new() -> Cap {
        let mut c = Cap {
            records: Vec::new(),
            ms: 0,
        };
        let meta = Meta {
            bwcsta: "0.1.0".into(),
            pid: 1,
            edition: "ed3".into(),
            default_domain: Some("example.net".into()),
            links: vec!["xsp1".into(), "xsp2".into()],
            reorder_wait_s: Some(5.0),
        };
        c.push(
            Kind::Meta,
            "bwcsta",
            "-",
            &serde_json::to_string(&meta).unwrap(),
        );
        c
    }

    fn push(&mut self, kind: Kind, source: &str, tag: &str, payload: &str) -> &mut Cap {
        self.ms += 1;
        self.records.push(Record {
            time: UNIX_EPOCH + Duration::from_millis(1_795_600_800_000 + self.ms),
            kind,
            source: source.into(),
            tag: tag.into(),
            payload: payload.as_bytes().to_vec(),
        });
        self
    }

    /// Lets `ms` milliseconds pass before the next record.
    fn wait(&mut self, ms: u64) -> &mut Cap {
        self.ms += ms;
        self
    }

    fn monitor(&mut self, client: &str, invoke: &str, device: &str, xref: &str) -> &mut Cap {
        self.push(Kind::CstaIn, client, invoke, &monitor_start(device));
        self.push(Kind::CstaOut, client, invoke, &monitor_start_response(xref))
    }

    fn xsi(
        &mut self,
        link: &str,
        id: &str,
        seq: u32,
        user: &str,
        ty: &str,
        state: &str,
    ) -> &mut Cap {
        self.push(Kind::Xsi, link, "-", &event(id, seq, user, ty, state))
    }

    /// A call event for `dn@example.net`.
    fn call(&mut self, link: &str, id: &str, seq: u32, dn: &str, step: Step) -> &mut Cap {
        let (ty, state) = match step {
            Received => ("CallReceivedEvent", "Alerting"),
            Answered => ("CallAnsweredEvent", "Active"),
            Held => ("CallHeldEvent", "Held"),
        };
        self.xsi(link, id, seq, &format!("{dn}@example.net"), ty, state)
    }

    fn run(&self, opts: &Options) -> (Vec<String>, Summary) {
        let mut out = Vec::new();
        let summary = replay(&self.records, opts, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        (text.lines().map(str::to_owned).collect(), summary)
    }
}

fn monitor_start(device: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><MonitorStart xmlns=\"{NS}\"><monitorObject>\
         <deviceObject>{device}</deviceObject></monitorObject></MonitorStart>"
    )
}

fn monitor_start_response(xref: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><MonitorStartResponse xmlns=\"{NS}\">\
         <monitorCrossRefID>{xref}</monitorCrossRefID></MonitorStartResponse>"
    )
}

/// A single-call event of call `callhalf-1` (extTrackingId `1:1`) from 2001.
fn event(id: &str, seq: u32, user: &str, ty: &str, state: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" \
         xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\">\
         <xsi:eventID>{id}</xsi:eventID><xsi:sequenceNumber>{seq}</xsi:sequenceNumber>\
         <xsi:userId>cti@example.net</xsi:userId><xsi:externalApplicationId>bwcsta</xsi:externalApplicationId>\
         <xsi:subscriptionId>sub-{user}</xsi:subscriptionId><xsi:channelId>ch1</xsi:channelId>\
         <xsi:targetId>{user}</xsi:targetId><xsi:eventData xsi1:type=\"xsi:{ty}\"><xsi:call>\
         <xsi:callId>callhalf-1</xsi:callId><xsi:extTrackingId>1:1</xsi:extTrackingId>\
         <xsi:personality>Terminator</xsi:personality><xsi:state>{state}</xsi:state>\
         <xsi:remoteParty><xsi:address countryCode=\"1\">tel:2001</xsi:address>\
         <xsi:callType>Group</xsi:callType></xsi:remoteParty>\
         <xsi:startTime>1700000000000</xsi:startTime></xsi:call></xsi:eventData></xsi:Event>"
    )
}

/// The CSTA lines (not the `#` comments): (client, event name, xref, device in the XML).
fn events(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let mut f = l.splitn(3, ' ');
            let _time = f.next().unwrap();
            let client = f.next().unwrap().to_owned();
            let xml = f.next().unwrap();
            let incoming = parse::parse(xml.as_bytes()).expect("replayed XML parses");
            (client, incoming.root)
        })
        .collect()
}

const C1: &str = "client#1@127.0.0.1:4001";
const C2: &str = "client#2@127.0.0.1:4002";

#[test]
fn events_go_to_the_monitors_rebuilt_from_the_csta_frames() {
    let mut cap = Cap::new();
    cap.monitor(C1, "0001", "2002", "7");
    cap.monitor(C2, "0001", "2003", "8");
    cap.call("xsp1", "e1", 1, "2002", Received);
    cap.call("xsp2", "e2", 2, "2002", Answered);
    // Not monitored by anyone: no output.
    cap.call("xsp1", "e3", 1, "2099", Received);
    let (lines, summary) = cap.run(&Options::default());
    assert_eq!(
        events(&lines),
        [
            (C1.to_owned(), "DeliveredEvent".to_owned()),
            (C1.to_owned(), "EstablishedEvent".to_owned())
        ],
        "{lines:#?}"
    );
    let delivered = lines.iter().find(|l| l.contains("DeliveredEvent")).unwrap();
    assert!(
        delivered.contains("<monitorCrossRefID>7</monitorCrossRefID>"),
        "{delivered}"
    );
    assert!(
        delivered.contains("<deviceID>2002</deviceID>"),
        "{delivered}"
    );
    assert!(
        delivered.starts_with("2026-11-25T10:00:00.00"),
        "{delivered}"
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with('#') && l.contains("e1 seq 1 CallReceivedEvent")));
    assert_eq!(summary.xsi_events, 3);
    assert_eq!(summary.csta_events, 2);
}

#[test]
fn duplicates_and_swapped_events_are_replayed_as_the_daemon_delivers_them() {
    let mut cap = Cap::new();
    cap.monitor(C1, "0003", "2002", "1");
    cap.call("xsp2", "e2", 2, "2002", Answered);
    cap.call("xsp1", "e1", 1, "2002", Received);
    cap.call("xsp2", "e1", 1, "2002", Received);
    let (lines, _) = cap.run(&Options::default());
    let names: Vec<String> = events(&lines).into_iter().map(|e| e.1).collect();
    assert_eq!(names, ["DeliveredEvent", "EstablishedEvent"], "{lines:#?}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.ends_with("(duplicate: dropped)"))
            .count(),
        1,
        "{lines:#?}"
    );
}

#[test]
fn an_event_before_the_monitor_start_response_gets_its_cross_ref() {
    let mut cap = Cap::new();
    cap.push(Kind::CstaIn, C1, "0005", &monitor_start("2002"));
    cap.call("xsp1", "e1", 1, "2002", Received);
    cap.push(Kind::CstaOut, C1, "0005", &monitor_start_response("42"));
    let (lines, _) = cap.run(&Options::default());
    let csta: Vec<&String> = lines.iter().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(csta.len(), 1, "{lines:#?}");
    assert!(csta[0].contains("<monitorCrossRefID>42</monitorCrossRefID>"));
}

#[test]
fn monitor_stop_and_close_end_delivery() {
    let mut cap = Cap::new();
    cap.monitor(C1, "0001", "2002", "1");
    cap.monitor(C2, "0001", "2002", "2");
    cap.call("xsp1", "e1", 1, "2002", Received);
    cap.push(
        Kind::CstaIn,
        C1,
        "0002",
        &format!(
            "<MonitorStop xmlns=\"{NS}\"><monitorCrossRefID>1</monitorCrossRefID></MonitorStop>"
        ),
    );
    cap.call("xsp1", "e2", 2, "2002", Answered);
    cap.push(Kind::CstaClose, C2, "-", "connection closed by the client");
    cap.call("xsp1", "e3", 3, "2002", Held);
    let (lines, _) = cap.run(&Options::default());
    assert_eq!(
        events(&lines),
        [
            (C1.to_owned(), "DeliveredEvent".to_owned()),
            (C2.to_owned(), "DeliveredEvent".to_owned()),
            (C2.to_owned(), "EstablishedEvent".to_owned()),
        ],
        "{lines:#?}"
    );
}

#[test]
fn without_csta_frames_every_target_is_replayed_under_its_own_name() {
    let mut cap = Cap::new();
    cap.call("xsp1", "e1", 1, "2002", Received);
    cap.xsi(
        "xsp1",
        "e2",
        1,
        "2003@other.org",
        "CallReceivedEvent",
        "Alerting",
    );
    let (lines, summary) = cap.run(&Options {
        edition: Some(Edition::Ed6),
        domain: None,
    });
    let csta: Vec<&String> = lines.iter().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(csta.len(), 2, "{lines:#?}");
    assert!(csta[0].contains(" replay ") && csta[0].contains("<deviceID>2002</deviceID>"));
    assert!(csta[1].contains("<deviceID>2003@other.org</deviceID>"));
    assert!(csta[0].contains("csta/ed6"), "--edition wins: {}", csta[0]);
    assert!(
        summary.comparison().is_empty(),
        "nothing captured to compare"
    );
}

#[test]
fn replay_is_compared_with_what_the_daemon_sent() {
    let mut first = Cap::new();
    first.monitor(C1, "0001", "2002", "7");
    first.call("xsp1", "e1", 1, "2002", Received);
    let (lines, _) = first.run(&Options::default());
    let xml = lines
        .iter()
        .find(|l| !l.starts_with('#'))
        .unwrap()
        .splitn(3, ' ')
        .nth(2)
        .unwrap()
        .to_owned();
    // The same capture with what the daemon sent: identical.
    let mut cap = Cap::new();
    cap.monitor(C1, "0001", "2002", "7");
    cap.call("xsp1", "e1", 1, "2002", Received);
    cap.push(Kind::CstaOut, C1, "9999", &xml);
    let (_, summary) = cap.run(&Options::default());
    assert_eq!(
        summary.comparison(),
        [format!("{C1}: 1 events captured, 1 replayed: identical")]
    );
    // A different event sent: reported.
    cap.push(Kind::CstaOut, C1, "9999", "<HeldEvent/>");
    let (_, summary) = cap.run(&Options::default());
    assert_eq!(
        summary.comparison(),
        [format!(
            "{C1}: 2 events captured, 1 replayed: one is a prefix of the other"
        )]
    );
}

#[test]
fn a_restart_resets_the_state() {
    let mut cap = Cap::new();
    cap.monitor(C1, "0001", "2002", "7");
    let mut meta: Meta = serde_json::from_slice(&cap.records[0].payload).unwrap();
    meta.pid = 2;
    cap.push(
        Kind::Meta,
        "bwcsta",
        "-",
        &serde_json::to_string(&meta).unwrap(),
    );
    cap.call("xsp1", "e1", 1, "2002", Received);
    let (lines, _) = cap.run(&Options::default());
    assert!(
        lines.iter().any(|l| l.contains("restarted (pid 2)")),
        "{lines:#?}"
    );
    assert!(events(&lines).is_empty(), "the old monitors are gone");
}

#[test]
fn files_of_a_directory_oldest_first_and_damage_reported() {
    let tmp = crate::testdir::TempDir::new("capture-replay-files");
    let dir = tmp.path();
    let mut cap = Cap::new();
    cap.monitor(C1, "0001", "2002", "7");
    cap.call("xsp1", "e1", 1, "2002", Received);
    cap.call("xsp1", "e2", 2, "2002", Answered);
    let write = |name: &str, records: &[Record], cut: usize| {
        let mut bytes = format!("{MAGIC}\n").into_bytes();
        for r in records {
            encode(r, &mut bytes);
        }
        bytes.truncate(bytes.len() - cut);
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    let r = &cap.records;
    write("bwcsta.cap.10", &r[..1], 0);
    write("bwcsta.cap.2", &r[1..3], 0);
    write("bwcsta.cap.1", &r[3..4], 0);
    write("bwcsta.cap", &r[4..], 3);
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
    let files = files_of(dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "bwcsta.cap.10",
            "bwcsta.cap.2",
            "bwcsta.cap.1",
            "bwcsta.cap"
        ]
    );
    let mut out = Vec::new();
    let summary = replay_files(&files, &Options::default(), &mut out).unwrap();
    assert_eq!(summary.files, 4);
    assert_eq!(summary.csta_events, 1, "{}", String::from_utf8_lossy(&out));
    assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
    assert!(
        summary.warnings[0].contains("cut short"),
        "{:?}",
        summary.warnings
    );
    assert!(files_of(&dir.join("notes.txt")).unwrap().len() == 1);
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(files_of(&empty).is_err());
}

#[test]
fn a_gap_waits_as_in_the_daemon_with_the_captured_channel_changes() {
    // Event 1 went out on xsp1, which died; BroadWorks re-sends it on
    // xsp2 two seconds later, after event 2: the replay waits for it.
    let mut cap = Cap::new();
    cap.push(Kind::Link, "xsp1", "-", "up ch1");
    cap.push(Kind::Link, "xsp2", "-", "up ch2");
    cap.monitor(C1, "0001", "2002", "7");
    cap.call("xsp2", "e2", 2, "2002", Answered);
    cap.push(Kind::Link, "xsp1", "-", "down stream closed by the XSP");
    cap.wait(2000).call("xsp2", "e1", 1, "2002", Received);
    // A gap that never fills is given up after reorder_wait (5 s).
    cap.call("xsp2", "e4", 4, "2002", Held);
    cap.wait(6000).push(Kind::Link, "xsp1", "-", "up ch3");
    let (lines, _) = cap.run(&Options::default());
    let names: Vec<String> = events(&lines).into_iter().map(|e| e.1).collect();
    assert_eq!(
        names,
        ["DeliveredEvent", "EstablishedEvent", "HeldEvent"],
        "{lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|l| l.contains("xsp1 channel down stream closed")));
    let held = lines
        .iter()
        .find(|l| !l.starts_with('#') && l.contains("HeldEvent"))
        .unwrap();
    assert!(
        held.starts_with("2026-11-25T10:00:08."),
        "released when the wait ran out, at the next record: {held}"
    );
}

fn monitor_stop(xref: &str) -> String {
    format!(
        "<MonitorStop xmlns=\"{NS}\"><monitorCrossRefID>{xref}</monitorCrossRefID></MonitorStop>"
    )
}

#[test]
fn an_agents_two_subscriptions_are_both_forgotten_after_the_grace() {
    let mut cap = Cap::new();
    cap.monitor(C1, "0001", "3001", "1");
    cap.call("xsp1", "e1", 1, "3001", Received);
    // The agent's second subscription (Call Center Agent).
    let agent = event("e2", 1, "3001@example.net", "CallAnsweredEvent", "Active")
        .replace("sub-3001@example.net", "agent-3001");
    cap.push(Kind::Xsi, "xsp1", "-", &agent);
    cap.push(Kind::CstaIn, C1, "0002", &monitor_stop("1"));
    // The grace period passes; any record moves the clock on.
    cap.wait(31_000);
    cap.call("xsp1", "e3", 1, "2002", Received);
    let opts = Options::default();
    let mut engine = Engine::new(&opts, false);
    let mut out = Vec::new();
    for r in &cap.records {
        engine.record(r, &mut out).unwrap();
    }
    // Only 2002's stream is left; both of 3001's are retired.
    assert_eq!(engine.translator.order_streams(), (1, 2));
}

#[test]
fn a_monitor_started_again_within_the_grace_continues_its_subscription() {
    let mut cap = Cap::new();
    cap.monitor(C1, "0001", "2002", "1");
    cap.call("xsp1", "e1", 1, "2002", Received);
    cap.push(Kind::CstaIn, C1, "0002", &monitor_stop("1"));
    // Sent to nobody, but the model follows.
    cap.call("xsp1", "e2", 2, "2002", Answered);
    cap.wait(5_000);
    cap.monitor(C1, "0003", "2002", "2");
    cap.call("xsp1", "e3", 3, "2002", Held);
    let (lines, _) = cap.run(&Options::default());
    assert_eq!(
        events(&lines),
        [
            (C1.to_owned(), "DeliveredEvent".to_owned()),
            (C1.to_owned(), "HeldEvent".to_owned()),
        ],
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("gap")),
        "no gap: {lines:#?}"
    );
}
