//! The benchmark's CSTA clients, kept cheap so that they are not what is measured: frames are
//! split by the codec but their XML is only scanned (root element, `callID`), never parsed, and
//! a receive time is taken once per socket read, not per frame.
//!
//! - [`LoadClient::monitor`] pipelines MonitorStarts (a writer thread sends them all while the
//!   reader counts the answers) and checks that they are answered in the order sent;
//! - [`LoadClient::count_events`] counts event frames;
//! - [`LoadClient::record_events`] notes, for each flood event, its probe key and when it was
//!   read (see `sim::probe`).

use std::io::{BufWriter, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bwcsta::csta::edition::Edition;
use bwcsta::csta::frame::{self, FrameDecoder, InvokeId};

use crate::client::monitor_start_xml;
use crate::clock::mono_ns;

/// How the MonitorStarts of one client were answered.
#[derive(Clone, Copy, Debug, Default)]
pub struct Monitored {
    pub answered: u64,
    pub errors: u64,
    /// Answers whose invoke id was not the next one sent.
    pub out_of_order: u64,
    /// When the last answer was read.
    pub last_answer: Option<Instant>,
}

pub struct LoadClient {
    stream: TcpStream,
    decoder: FrameDecoder,
    buf: Vec<u8>,
}

/// The root element's local name of a CSTA document (after the XML declaration).
pub fn root_name(xml: &[u8]) -> &[u8] {
    let mut rest = xml;
    loop {
        let Some(lt) = rest.iter().position(|&b| b == b'<') else {
            return &[];
        };
        rest = &rest[lt + 1..];
        if !matches!(rest.first(), Some(b'?' | b'!')) {
            break;
        }
    }
    let end = rest
        .iter()
        .position(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    match name.iter().position(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// The probe key of a CSTA event made from a flood event: its `callID` (`n:1`, from the
/// extTrackingId) × 8 + the flood step its kind stands for.
pub fn probe_key(xml: &[u8]) -> Option<u64> {
    let step = match root_name(xml) {
        b"DeliveredEvent" => 0,
        b"EstablishedEvent" => 1,
        b"HeldEvent" => 2,
        b"RetrievedEvent" => 3,
        b"ConnectionClearedEvent" => 4,
        _ => return None,
    };
    const OPEN: &[u8] = b"<callID>";
    let at = xml.windows(OPEN.len()).position(|w| w == OPEN)? + OPEN.len();
    let digits = xml[at..].iter().take_while(|b| b.is_ascii_digit());
    let mut n: u64 = 0;
    let mut any = false;
    for d in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        any = true;
    }
    any.then_some(n * 8 + step)
}

/// Invoke ids in the order this client sends them: 1 … 9998, then 1 again.
fn invoke(n: u64) -> InvokeId {
    InvokeId::new((n % 9998) as u16 + 1).unwrap_or(InvokeId::EVENT)
}

impl LoadClient {
    pub fn connect(addr: SocketAddr) -> std::io::Result<LoadClient> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        stream.set_nodelay(true)?;
        Ok(LoadClient {
            stream,
            decoder: FrameDecoder::new(),
            buf: vec![0u8; 256 * 1024],
        })
    }

    /// Reads what the socket has (waiting at most `wait`) and hands each frame to `f` with the
    /// read's time; false on timeout.
    fn read_frames(
        &mut self,
        wait: Duration,
        mut f: impl FnMut(InvokeId, &[u8], u64),
    ) -> std::io::Result<bool> {
        self.stream.set_read_timeout(Some(wait))?;
        let n = match self.stream.read(&mut self.buf) {
            Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Ok(false)
            }
            Err(e) => return Err(e),
        };
        let at = mono_ns();
        self.decoder.push(&self.buf[..n]);
        while let Some(frame) = self
            .decoder
            .next_frame()
            .map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e.to_string()))?
        {
            f(frame.invoke_id, &frame.xml, at);
        }
        Ok(true)
    }

    /// Starts monitoring `devices` (MonitorStarts pipelined) and waits until each is answered
    /// or `timeout` passes.
    pub fn monitor(&mut self, devices: &[String], timeout: Duration) -> std::io::Result<Monitored> {
        let ns = Edition::Ed3.namespace();
        let mut frames = Vec::with_capacity(devices.len() * 256);
        for (n, device) in devices.iter().enumerate() {
            let xml = monitor_start_xml(ns, device);
            frame::encode_into(&mut frames, invoke(n as u64), xml.as_bytes())
                .map_err(|e| std::io::Error::other(e.to_string()))?;
        }
        let writer = self.stream.try_clone()?;
        let sender = std::thread::Builder::new()
            .name("bench-monitor-wr".into())
            .spawn(move || -> std::io::Result<()> {
                let mut out = BufWriter::with_capacity(64 * 1024, writer);
                out.write_all(&frames)?;
                out.flush()
            })?;
        let deadline = Instant::now() + timeout;
        let mut m = Monitored::default();
        let want = devices.len() as u64;
        let mut next = 0u64;
        while m.answered + m.errors < want && Instant::now() < deadline {
            self.read_frames(Duration::from_millis(200), |id, xml, _| {
                let ok = match root_name(xml) {
                    b"MonitorStartResponse" => true,
                    b"CSTAErrorCode" => false,
                    _ => return,
                };
                if id != invoke(next) {
                    m.out_of_order += 1;
                }
                next += 1;
                if ok {
                    m.answered += 1;
                } else {
                    m.errors += 1;
                }
                m.last_answer = Some(Instant::now());
            })?;
        }
        sender
            .join()
            .map_err(|_| std::io::Error::other("monitor writer panicked"))??;
        Ok(m)
    }

    /// Counts event frames until `count` have come, or none came for `idle`; returns the count
    /// and when the last one was read.
    pub fn count_events(&mut self, count: u64, idle: Duration) -> std::io::Result<(u64, Instant)> {
        let mut seen = 0u64;
        let mut last = Instant::now();
        while seen < count {
            let mut got = 0;
            let read = self.read_frames(Duration::from_millis(100), |id, _, _| {
                if id == InvokeId::EVENT {
                    got += 1;
                }
            })?;
            if got > 0 {
                seen += got;
                last = Instant::now();
            } else if !read && last.elapsed() >= idle {
                break;
            }
        }
        Ok((seen, last))
    }

    /// Records `(probe key, read time)` of every flood event until `count` have come or none
    /// came for `idle`; events of other kinds are counted apart.
    pub fn record_events(
        &mut self,
        count: u64,
        idle: Duration,
    ) -> std::io::Result<(Vec<(u64, u64)>, u64)> {
        let mut seen = Vec::with_capacity(count as usize);
        let mut other = 0u64;
        let mut last = Instant::now();
        while (seen.len() as u64) < count {
            let before = seen.len() as u64 + other;
            self.read_frames(Duration::from_millis(100), |id, xml, at| {
                if id != InvokeId::EVENT {
                    return;
                }
                match probe_key(xml) {
                    Some(key) => seen.push((key, at)),
                    None => other += 1,
                }
            })?;
            if seen.len() as u64 + other > before {
                last = Instant::now();
            } else if last.elapsed() >= idle {
                break;
            }
        }
        Ok((seen, other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_probe_keys_are_scanned_from_the_bytes() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?><HeldEvent xmlns="urn:x"><monitorCrossRefID>1</monitorCrossRefID><heldConnection><callID>1234:1</callID><deviceID>2001</deviceID></heldConnection></HeldEvent>"#;
        assert_eq!(root_name(xml), b"HeldEvent");
        assert_eq!(probe_key(xml), Some(1234 * 8 + 2));
        assert_eq!(
            root_name(b"<csta:MonitorStartResponse/>"),
            b"MonitorStartResponse"
        );
        assert_eq!(root_name(b"<!-- c --><CSTAErrorCode>"), b"CSTAErrorCode");
        assert_eq!(root_name(b"no xml"), b"");
        assert_eq!(probe_key(b"<DeliveredEvent><callID>x:1</callID>"), None);
        assert_eq!(
            probe_key(b"<ServiceInitiatedEvent><callID>7:1</callID>"),
            None
        );
        assert_eq!(
            probe_key(b"<ConnectionClearedEvent><callID>7:1</callID>"),
            Some(60)
        );
    }

    #[test]
    fn invoke_ids_cycle_through_the_request_range() {
        assert_eq!(invoke(0).get(), 1);
        assert_eq!(invoke(9997).get(), 9998);
        assert_eq!(invoke(9998).get(), 1);
    }
}
