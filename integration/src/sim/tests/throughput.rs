//! Flood load through a fast acking client (`FastClient`), and the ignored throughput benchmark.

use super::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A fake high-rate client: one stream reader per channel that acks every event on a
/// keep-alive connection to the same XSP with pipelined requests, and a thread per ack
/// connection counting the responses. Returns (events acked, channels).
struct FastClient {
    acked: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl FastClient {
    fn start(urls: &[String]) -> (FastClient, Vec<String>) {
        let acked = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let mut ids = Vec::new();
        for url in urls {
            let ch = ChannelReader::open(url, SET, APP);
            ids.push(ch.id.clone());
            let ack_conn = TcpStream::connect(host_of(url)).unwrap();
            ack_conn.set_nodelay(true).unwrap();
            let mut responses = ack_conn.try_clone().unwrap();
            let (acked2, stop2) = (acked.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                responses
                    .set_read_timeout(Some(Duration::from_millis(50)))
                    .unwrap();
                let mut buf = vec![0u8; 256 * 1024];
                let mut tail = 0usize; // bytes of a partial "\r\n\r\n" match carried over
                while !stop2.load(Ordering::Relaxed) {
                    let n = match responses.read(&mut buf[..]) {
                        Ok(0) => return,
                        Ok(n) => n,
                        Err(_) => continue,
                    };
                    // Every response is header-only (Content-Length: 0): count terminators.
                    let mut count = 0;
                    for &b in &buf[..n] {
                        tail = match (tail, b) {
                            (0, b'\r') | (2, b'\r') => tail + 1,
                            (1, b'\n') => 2,
                            (3, b'\n') => {
                                count += 1;
                                0
                            }
                            (_, b'\r') => 1,
                            _ => 0,
                        };
                    }
                    acked2.fetch_add(count, Ordering::Relaxed);
                }
            }));
            let stop3 = stop.clone();
            threads.push(std::thread::spawn(move || fast_reader(ch, ack_conn, stop3)));
        }
        (
            FastClient {
                acked,
                stop,
                threads,
            },
            ids,
        )
    }
}

impl Drop for FastClient {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Reads the chunked stream in big reads and acks every event found.
fn fast_reader(mut ch: ChannelReader, mut ack_conn: TcpStream, stop: Arc<AtomicBool>) {
    ch.stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let auth = format!(
        "Basic {}",
        http::base64_encode(format!("{USER}:{PASSWORD}").as_bytes())
    );
    let mut raw: Vec<u8> = Vec::with_capacity(512 * 1024);
    let mut buf = vec![0u8; 256 * 1024];
    let mut acks: Vec<u8> = Vec::with_capacity(256 * 1024);
    let mut text: Vec<u8> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match ch.stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(_) => continue,
        }
        // De-chunk.
        let mut pos = 0;
        while let Some(nl) = raw[pos..].iter().position(|&b| b == b'\n') {
            let size =
                usize::from_str_radix(std::str::from_utf8(&raw[pos..pos + nl]).unwrap().trim(), 16)
                    .unwrap();
            let start = pos + nl + 1;
            if raw.len() < start + size + 2 {
                break;
            }
            text.extend_from_slice(&raw[start..start + size]);
            pos = start + size + 2;
        }
        raw.drain(..pos);
        // Ack every complete event.
        let s = std::str::from_utf8(&text).unwrap();
        let mut consumed = 0;
        while let Some(end) = s[consumed..].find("</xsi:Event>") {
            let doc = &s[consumed..consumed + end];
            if let Some(i) = doc.find("<xsi:eventID>") {
                let id = &doc[i + 13..i + 13 + 36];
                let body = ack_body(id, 200);
                let _ = write!(
                    acks,
                    "POST /com.broadsoft.xsi-events/v2.0/channel/eventresponse HTTP/1.1\r\nHost: xsp\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
            consumed += end + 12;
        }
        text.drain(..consumed);
        if !acks.is_empty() {
            if ack_conn.write_all(&acks).is_err() {
                return;
            }
            acks.clear();
        }
    }
}

/// CPU seconds used so far by the simulator's threads (Linux `/proc`; 0 elsewhere).
fn simulator_cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let mut ticks = 0u64;
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !(comm.starts_with("xsp") || comm.starts_with("sim-")) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        let after_name = stat.rsplit(')').next().unwrap_or("");
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after the name.
        ticks += fields
            .get(11)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        ticks += fields
            .get(12)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    ticks as f64 / 100.0
}

fn flood_through(channels: usize, count: u64) -> f64 {
    // A throughput figure: without the schema check's parse per document.
    let sim = start(|c| c.schema_check = false);
    let urls: Vec<String> = sim.xsp_urls().into_iter().take(channels).collect();
    let (client, _) = FastClient::start(&urls);
    subscribe(&sim, &urls[0], "2001@example.net");
    assert!(sim.wait_for(T, |s| s.acked() == 1));
    // The client counts responses; wait until it has seen the one to the initial event.
    let deadline = Instant::now() + T;
    while client.acked.load(Ordering::Relaxed) < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let base = 1;
    let t0 = Instant::now();
    let cpu0 = simulator_cpu_seconds();
    sim.flood(&["2001"], count);
    let deadline = t0 + Duration::from_secs(120);
    while client.acked.load(Ordering::Relaxed) < base + count && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = t0.elapsed();
    assert_eq!(
        client.acked.load(Ordering::Relaxed),
        base + count,
        "every flood event acked"
    );
    let cpu = simulator_cpu_seconds() - cpu0;
    assert!(sim.wait_for(T, |s| s.flood_sent == count
        && s.unacked == 0
        && s.acked() == count + 1));
    if count >= 100_000 {
        println!(
            "  simulator threads: {cpu:.2} CPU s for {count} events ({:.1} µs/event)",
            cpu * 1e6 / count as f64
        );
    }
    count as f64 / elapsed.as_secs_f64()
}

#[test]
fn a_flood_reaches_an_acking_client() {
    let rate = flood_through(2, 5_000);
    assert!(rate > 0.0);
}

/// `cargo test --release -- --ignored --nocapture flood_throughput`
#[test]
#[ignore]
fn flood_throughput() {
    for channels in [1, 2] {
        let rate = flood_through(channels, 200_000);
        println!("flood of 200000 events over {channels} channel(s): {rate:.0} events/s");
    }
}

/// The probe key a client rebuilds from a flood event: extTrackingId number × 8 + step.
fn probe_key(doc: &str) -> u64 {
    let ext: u64 = field(doc, "extTrackingId")
        .trim_end_matches(":1")
        .parse()
        .expect("extTrackingId n:1");
    let step = match doc_kind(doc).as_str() {
        "CallReceivedEvent" => 0,
        "CallAnsweredEvent" => 1,
        "CallHeldEvent" => 2,
        "CallRetrievedEvent" => 3,
        "CallReleasedEvent" => 4,
        other => panic!("not a flood event: {other}"),
    };
    ext * 8 + step
}

#[test]
fn a_paced_probed_flood_records_when_each_event_is_written() {
    let sim = start(|_| {});
    let url = &sim.xsp_urls()[0];
    let mut ch = ChannelReader::open(url, SET, APP);
    subscribe(&sim, url, "2001@example.net");
    ch.expect_doc();
    let before = crate::clock::mono_ns();
    let pace = Pace {
        rate: Some(2000.0),
        probe: true,
    };
    sim.flood_paced(&["2001"], 12, pace);
    let keys: Vec<u64> = (0..12).map(|_| probe_key(&ch.expect_doc())).collect();
    let after = crate::clock::mono_ns();
    let probes = sim.take_probes();
    assert_eq!(probes.iter().map(|p| p.0).collect::<Vec<_>>(), keys);
    assert!(probes.iter().all(|p| (before..=after).contains(&p.1)));
    assert!(probes.windows(2).all(|w| w[0].1 <= w[1].1));
    assert_eq!(keys.iter().filter(|k| *k % 8 == 4).count(), 2, "two calls");
    assert!(sim.take_probes().is_empty(), "taken");
    // An unprobed flood records nothing.
    sim.flood(&["2001"], 3);
    for _ in 0..3 {
        ch.expect_doc();
    }
    assert!(sim.take_probes().is_empty());
}

#[test]
fn flood_documents_are_what_a_channel_carries() {
    let docs = Simulator::flood_documents(&SimConfig::default(), &["2001", "2002"], 10, "ch-1");
    assert_eq!(docs.len(), 10);
    let texts: Vec<String> = docs
        .iter()
        .map(|d| String::from_utf8(d.clone()).expect("UTF-8"))
        .collect();
    assert_eq!(field(&texts[0], "channelId"), "ch-1");
    assert_eq!(field(&texts[1], "targetId"), "2002@example.net");
    assert_eq!(
        kinds(&texts[..4]),
        [
            "CallReceivedEvent",
            "CallReceivedEvent",
            "CallAnsweredEvent",
            "CallAnsweredEvent"
        ]
    );
    // Sequence numbers count per subscription; probe keys are unique.
    assert_eq!(field(&texts[2], "sequenceNumber"), "2");
    let mut keys: Vec<u64> = texts.iter().map(|t| probe_key(t)).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 10);
}
