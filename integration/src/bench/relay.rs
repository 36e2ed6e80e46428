//! The machine's latency floor, measured in the same run as bwcsta's latency: the simulator's
//! paced, probed flood through a plain relay that does no work — a thread that forwards the
//! bytes of an event channel, as they come, to a TCP client — instead of through bwcsta. The
//! client finds each event's probe key in the raw stream (its `extTrackingId` and type) and
//! notes when it read it, on the clock the simulator notes when it wrote it. What bwcsta adds
//! above this floor is its own cost; the floor itself is the price of two socket hops and
//! three thread wake-ups on this machine, under whatever else it runs.
//!
//! The relay opens the channel and the subscriptions with bwcsta's own request builders (they
//! are not timed), then only copies bytes; it never acknowledges (the simulator is told to
//! wait an hour before re-sending).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bwcsta::http::wire::{basic_auth, write_request};
use bwcsta::xsi::body::{
    channel_add_body, subscription_body, user_subscription_path, CHANNEL_PATH,
};

use super::parts::{latencies, Latency};
use super::rig::{bench_sim_config, dns};
use crate::clock::mono_ns;
use crate::sim::{Pace, SimConfig, Simulator};

const SET: &str = "bench-relay";

fn io(what: &'static str) -> impl Fn(std::io::Error) -> String {
    move |e| format!("relay: {what}: {e}")
}

/// One request on its own connection; the response's status.
fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> Result<u16, String> {
    let mut stream = TcpStream::connect(addr).map_err(io("connect"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(io("timeout"))?;
    let mut out = Vec::new();
    let auth = basic_auth("cti@example.net", "secret");
    write_request(
        &mut out,
        method,
        path,
        "xsp",
        Some(&auth),
        Some("application/xml; charset=UTF-8"),
        body.as_bytes(),
    );
    stream.write_all(&out).map_err(io("request"))?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(io("response"))?;
    std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "relay: bad status line".to_owned())
}

/// The probe step of an Xsi event type, as `CallModel::flood_event` numbers them.
fn step(kind: &[u8]) -> Option<u64> {
    Some(match kind {
        b"CallReceivedEvent" => 0,
        b"CallAnsweredEvent" => 1,
        b"CallHeldEvent" => 2,
        b"CallRetrievedEvent" => 3,
        b"CallReleasedEvent" => 4,
        _ => return None,
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The probe key of one raw Xsi event document: `extTrackingId number × 8 + step`.
pub fn raw_probe_key(doc: &[u8]) -> Option<u64> {
    const TYPE: &[u8] = b"eventData xsi1:type=\"xsi:";
    const EXT: &[u8] = b"<xsi:extTrackingId>";
    let at = find(doc, TYPE)? + TYPE.len();
    let kind = &doc[at..];
    let kind = &kind[..kind.iter().position(|&b| b == b'"')?];
    let step = step(kind)?;
    let at = find(doc, EXT)? + EXT.len();
    let digits: Vec<u8> = doc[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    let n: u64 = std::str::from_utf8(&digits).ok()?.parse().ok()?;
    Some(n * 8 + step)
}

/// Reads the relayed stream until `count` probed events came or none came for `idle`; the
/// `(key, read time)` of each.
fn read_relayed(mut stream: TcpStream, count: u64, idle: Duration) -> Vec<(u64, u64)> {
    const END: &[u8] = b"</xsi:Event>";
    let mut seen = Vec::with_capacity(count as usize);
    let mut pending: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut buf = vec![0u8; 1 << 16];
    let mut last = Instant::now();
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    while (seen.len() as u64) < count {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if last.elapsed() >= idle {
                    break;
                }
                continue;
            }
            Err(_) => break,
        };
        let at = mono_ns();
        last = Instant::now();
        pending.extend_from_slice(&buf[..n]);
        let mut start = 0;
        while let Some(end) = find(&pending[start..], END) {
            let doc = &pending[start..start + end];
            if let Some(key) = raw_probe_key(doc) {
                seen.push((key, at));
            }
            start += end + END.len();
        }
        pending.drain(..start);
    }
    seen
}

/// A flood of `rate` events/s for `secs` over `dn_count` DNs through the relay: the floor's
/// latencies, figured as for bwcsta (see [`super::parts::latency`]).
pub fn floor(rate: f64, secs: f64, dn_count: usize) -> Result<Latency, String> {
    let sim = Simulator::start(SimConfig {
        ack_timeout: Duration::from_secs(3600),
        ..bench_sim_config()
    })
    .map_err(|e| format!("simulator: {e}"))?;
    let xsp: SocketAddr = sim.xsp_urls()[0]
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("relay: xsp address: {e}"))?;
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io("bind"))?;
    let client_addr = listener.local_addr().map_err(io("address"))?;
    let n = (rate * secs).round() as u64;
    let reader = std::thread::Builder::new()
        .name("bench-floor-client".into())
        .spawn(move || {
            let stream = TcpStream::connect(client_addr)?;
            stream.set_nodelay(true)?;
            Ok::<_, std::io::Error>(read_relayed(stream, n, Duration::from_secs(10)))
        })
        .map_err(io("client thread"))?;
    let (mut client, _) = listener.accept().map_err(io("accept"))?;
    client.set_nodelay(true).map_err(io("nodelay"))?;
    // The channel: its stream goes to the relay thread as it is, head included.
    let mut channel = TcpStream::connect(xsp).map_err(io("channel"))?;
    let mut out = Vec::new();
    let auth = basic_auth("cti@example.net", "secret");
    write_request(
        &mut out,
        "POST",
        CHANNEL_PATH,
        "xsp",
        Some(&auth),
        Some("application/xml; charset=UTF-8"),
        channel_add_body(SET, 3600, SET).as_bytes(),
    );
    channel.write_all(&out).map_err(io("channel request"))?;
    let relay = std::thread::Builder::new()
        .name("bench-relay".into())
        .spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            while let Ok(n) = channel.read(&mut buf) {
                if n == 0 || client.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        })
        .map_err(io("relay thread"))?;
    if !sim.wait_for(Duration::from_secs(10), |s| {
        s.channels.iter().any(|c| c.open)
    }) {
        return Err("relay: the channel did not open".into());
    }
    let devices = dns(4001, dn_count);
    for dn in &devices {
        let path = user_subscription_path(&format!("{dn}@example.net"));
        let status = request(
            xsp,
            "POST",
            &path,
            &subscription_body("Advanced Call", 3600, SET, SET),
        )?;
        if status != 200 {
            return Err(format!("relay: subscription of {dn} answered {status}"));
        }
    }
    let names: Vec<&str> = devices.iter().map(String::as_str).collect();
    let t0 = Instant::now();
    sim.flood_paced(
        &names,
        n,
        Pace {
            rate: Some(rate),
            probe: true,
        },
    );
    let seen = reader
        .join()
        .map_err(|_| "relay: the client thread panicked".to_owned())?
        .map_err(io("client"))?;
    let secs = t0.elapsed().as_secs_f64();
    let probes = sim.take_probes();
    drop(sim);
    let _ = relay.join();
    let mut floor = latencies(n, &probes, seen);
    floor.secs = secs;
    Ok(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_keys_are_found_in_raw_documents() {
        let doc = br#"<xsi:Event><xsi:eventData xsi1:type="xsi:CallHeldEvent"><xsi:call><xsi:callId>callhalf-9:0</xsi:callId><xsi:extTrackingId>77:1</xsi:extTrackingId>"#;
        assert_eq!(raw_probe_key(doc), Some(77 * 8 + 2));
        let other = br#"<xsi:eventData xsi1:type="xsi:HookStatusEvent"><xsi:extTrackingId>7:1"#;
        assert_eq!(raw_probe_key(other), None);
        assert_eq!(raw_probe_key(b"<xsi:Channel/>"), None);
    }

    #[test]
    fn the_floor_of_a_short_flood_loses_nothing() {
        let f = floor(500.0, 0.4, 4).expect("floor");
        assert_eq!((f.sent, f.received, f.duplicates), (200, 200, 0), "{f:?}");
        assert!(f.p99_us > 0.0 && f.p99_us <= f.max_us, "{f:?}");
    }
}
