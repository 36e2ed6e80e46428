//! The control thread of one open channel: everything that must go to the
//! XSP holding the channel, on ordinary requests beside the stream.
//!
//! - EventResponse for every event, sent as soon as the link thread hands it
//!   over (never behind CSTA clients). Acks queued together go out
//!   pipelined on one keep-alive connection — one write, then the responses
//!   in order — because a round trip per event cannot reach tens of
//!   thousands of events per second.
//! - Heartbeat `PUT` every `heartbeat_interval`; anything but 200 kills the
//!   channel (the stream socket is shut down so the link thread notices).
//! - Channel renewal before the granted expiry.
//! - `DELETE` of the channel when the connector shuts down.
//!
//! All of it goes to the peer address of the stream socket, not to the
//! server name, which may resolve to another XSP behind a load balancer.
//!
//! Should this thread die by a panic, its end guard kills the channel: the
//! link thread then reports the link down and reconnects, with a new
//! control thread (a channel nobody acknowledges or keeps alive would
//! otherwise linger until BroadWorks drops it).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{after, bounded, never, select, tick, Receiver, SendTimeoutError, Sender};

use crate::event::{Event, LinkEvent, LinkId};
use crate::http::conn::{Conn, HttpError, MAX_HEAD};
use crate::http::target::Target;
use crate::http::wire::{write_request, write_request_end, write_request_start, ResponseHead};
use crate::thread::{self, Handle};
use crate::xsi::body;
use crate::xsi::parse::{parse_doc, XsiDoc};
use crate::xsi::settings::XsiSettings;
use crate::xsi::shared::LinkShared;
use crate::xsi::CONTENT_TYPE;
use crate::xsi::MAX_BODY;

/// One acknowledgement to send.
pub struct Ack {
    pub event_id: String,
    pub status: u16,
}

/// Batches of acks waiting to be sent; a full queue slows the stream reader
/// down (TCP back-pressure to the XSP), which is the right place to wait.
const ACK_QUEUE: usize = 1024;
/// Acks pipelined in one write.
const MAX_BATCH: usize = 1024;
/// A connection idle longer than this is not reused: XSPs close idle
/// keep-alive connections after a few seconds (`Keep-Alive: timeout=4`).
const MAX_IDLE_REUSE: Duration = Duration::from_secs(2);
/// Retry period of a failed channel renewal (at most).
const RENEW_RETRY: Duration = Duration::from_secs(30);

/// Owns the control thread; dropping the ack sender (first field) ends it.
pub struct Control {
    acks: Sender<Vec<Ack>>,
    /// Set when the channel is gone: queued acks are dropped, not sent.
    abandoned: Arc<AtomicBool>,
    shared: Arc<LinkShared>,
    ack_wait: Duration,
    name: String,
    thread: Handle,
}

impl Control {
    #[allow(clippy::too_many_arguments)] // what one channel's thread needs, all distinct
    pub fn start(
        link: LinkId,
        settings: Arc<XsiSettings>,
        peer: SocketAddr,
        channel_id: String,
        granted_expires: u32,
        shared: Arc<LinkShared>,
        stopped: Receiver<()>,
        inbox: Sender<Event>,
    ) -> std::io::Result<Control> {
        let (acks, queue) = bounded(ACK_QUEUE);
        let name = settings.server_name(link.0).to_owned();
        let abandoned = Arc::new(AtomicBool::new(false));
        let ack_wait = settings.request_timeout * 2;
        let control_shared = shared.clone();
        let target = settings
            .servers
            .get(link.0)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| std::io::Error::other(format!("no XSP #{}", link.0)))?;
        let host = target.host_header();
        let auth = settings.authorization();
        let mut ack_start = Vec::with_capacity(256);
        write_request_start(
            &mut ack_start,
            "POST",
            &target.request_path(body::EVENT_RESPONSE_PATH),
            &host,
            Some(&auth),
            Some(CONTENT_TYPE),
        );
        let mut worker = Worker {
            ack_start,
            ack_body: String::with_capacity(256),
            auth,
            host,
            target,
            abandoned: abandoned.clone(),
            name: name.clone(),
            link,
            settings,
            peer,
            channel_id,
            shared,
            inbox,
            conn: None,
            last_used: Instant::now(),
            buf: Vec::with_capacity(64 * 1024),
        };
        let guard_shared = control_shared.clone();
        let thread = thread::spawn(format!("xsp-{name}-ctl"), move || {
            let end = thread::on_end(move |end: Result<(), String>| {
                if let Err(why) = end {
                    guard_shared.kill(format!("control thread died: {why}"));
                }
            });
            worker.run(&queue, stopped, granted_expires);
            end.finish(());
        })?;
        Ok(Control {
            acks,
            abandoned,
            shared: control_shared,
            ack_wait,
            name,
            thread,
        })
    }

    /// Queues the acknowledgements of one read's events. When they cannot
    /// even be queued for a while the XSP is not taking them: the channel
    /// is ended (BroadWorks re-sends unacknowledged events elsewhere).
    pub fn ack(&self, acks: Vec<Ack>) {
        if acks.is_empty() {
            return;
        }
        match self.acks.send_timeout(acks, self.ack_wait) {
            Ok(()) | Err(SendTimeoutError::Disconnected(_)) => {}
            Err(SendTimeoutError::Timeout(_)) => {
                log::warn!("{}: acknowledgements are not getting through", self.name);
                self.shared
                    .kill("acknowledgements are not getting through".into());
            }
        }
    }

    /// Stops the thread after it has sent the acks still queued (a clean
    /// shutdown, where the XSP is still there).
    pub fn stop(self) {
        let Control { acks, thread, .. } = self;
        drop(acks);
        drop(thread);
    }

    /// Stops the thread without sending what is queued: the channel is
    /// gone, and an unreachable XSP would make every ack wait for a timeout.
    pub fn abandon(self) {
        self.abandoned.store(true, Ordering::SeqCst);
        self.stop();
    }
}

struct Worker {
    /// The start of every ack request, up to its `Content-Length` value:
    /// made once (acks are many).
    ack_start: Vec<u8>,
    /// Room for one ack's body.
    ack_body: String,
    /// Per-request header values, computed once.
    auth: String,
    host: String,
    /// The XSP, whose base path goes in front of every request path.
    target: Target,
    abandoned: Arc<AtomicBool>,
    name: String,
    link: LinkId,
    settings: Arc<XsiSettings>,
    peer: SocketAddr,
    channel_id: String,
    shared: Arc<LinkShared>,
    /// The dispatcher's inbox, told of failed acknowledgements.
    inbox: Sender<Event>,
    conn: Option<Conn>,
    last_used: Instant,
    buf: Vec<u8>,
}

/// Renew when a quarter of the lifetime (at most five minutes) is left.
fn renew_delay(granted: u32) -> Duration {
    let granted = Duration::from_secs(u64::from(granted.max(1)));
    granted - (granted / 4).min(Duration::from_secs(300))
}

impl Worker {
    fn run(&mut self, queue: &Receiver<Vec<Ack>>, stopped: Receiver<()>, granted: u32) {
        let heartbeat = tick(self.settings.heartbeat_interval);
        let mut renew = after(renew_delay(granted));
        let mut stopped = stopped;
        let mut deleted = false;
        loop {
            select! {
                recv(queue) -> ack => {
                    let Ok(mut batch) = ack else { break };
                    if self.abandoned.load(Ordering::SeqCst) {
                        continue;
                    }
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(more) => batch.extend(more),
                            Err(_) => break,
                        }
                    }
                    for chunk in batch.chunks(MAX_BATCH) {
                        self.send_acks(chunk);
                    }
                }
                recv(heartbeat) -> _ => if !deleted { self.heartbeat() },
                recv(renew) -> _ => {
                    // A failed renewal is retried soon: waiting a whole
                    // renewal period would let the channel expire.
                    renew = match self.renew() {
                        Some(granted) => after(renew_delay(granted)),
                        None => after(self.settings.heartbeat_interval.clamp(
                            Duration::from_secs(1),
                            RENEW_RETRY,
                        )),
                    };
                }
                recv(stopped) -> _ => {
                    // Shutdown: delete the channel; keep acking until the
                    // link thread lets go of us.
                    stopped = never();
                    renew = never();
                    deleted = true;
                    self.delete();
                }
            }
        }
    }

    fn connection(&mut self) -> Result<&mut Conn, HttpError> {
        let stale = self
            .conn
            .as_ref()
            .is_some_and(|c| !c.is_reusable() || self.last_used.elapsed() > MAX_IDLE_REUSE);
        if stale {
            self.conn = None;
        }
        self.last_used = Instant::now();
        if self.conn.is_none() {
            let s = &self.settings;
            let conn = Conn::connect(
                &self.target,
                Some(self.peer),
                s.tls_connector.as_ref(),
                s.request_timeout,
                s.request_timeout,
            )?;
            self.conn = Some(conn);
        }
        self.conn.as_mut().ok_or(HttpError::Closed)
    }

    fn write(&mut self, method: &str, path: &str, body: Option<&str>) {
        write_request(
            &mut self.buf,
            method,
            &self.target.request_path(path),
            &self.host,
            Some(&self.auth),
            body.map(|_| CONTENT_TYPE),
            body.unwrap_or("").as_bytes(),
        );
    }

    /// Sends `batch` pipelined; retries once on a fresh connection.
    fn send_acks(&mut self, batch: &[Ack]) {
        self.buf.clear();
        for ack in batch {
            let reason = if ack.status == 200 {
                "OK"
            } else {
                "Unknown subscription"
            };
            self.ack_body.clear();
            body::push_event_response(&mut self.ack_body, &ack.event_id, ack.status, reason);
            self.buf.extend_from_slice(&self.ack_start);
            write_request_end(&mut self.buf, self.ack_body.as_bytes());
        }
        for attempt in 0..2 {
            match self.pipeline(batch.len()) {
                Ok(bad) => {
                    if bad > 0 {
                        log::warn!(
                            "{}: {bad} of {} event acknowledgements were refused; BroadWorks \
                             re-sends those events",
                            self.name,
                            batch.len()
                        );
                        self.ack_failed(bad);
                    }
                    return;
                }
                Err(e) => {
                    self.conn = None;
                    if attempt == 1 {
                        self.ack_failed(batch.len());
                        // Twice, the second time on a fresh connection: the
                        // XSP holding the channel cannot be reached.
                        self.shared.kill(format!(
                            "could not acknowledge {} events ({e}); BroadWorks re-sends them",
                            batch.len()
                        ));
                    }
                }
            }
        }
    }

    /// Tells the dispatcher, which then waits longer for the re-sends
    /// before it gives a sequence gap up. Never blocks the acks: when the
    /// inbox is full the notice is dropped (the dispatcher is far behind
    /// anyway, and a channel that fails goes down, which it learns too).
    fn ack_failed(&self, count: usize) {
        let notice = Event::Link(self.link, LinkEvent::AckFailed { count });
        if self.inbox.try_send(notice).is_err() {
            log::debug!("{}: failed acks not reported (inbox full)", self.name);
        }
    }

    /// Writes the buffered requests, reads `n` responses; returns how many
    /// were not 2xx.
    fn pipeline(&mut self, n: usize) -> Result<usize, HttpError> {
        let buf = std::mem::take(&mut self.buf);
        let result = (|| {
            let conn = self.connection()?;
            conn.send(&buf)?;
            let mut bad = 0;
            for _ in 0..n {
                let head = conn.read_head(MAX_HEAD)?;
                conn.read_body(&head, MAX_BODY)?;
                if !(200..300).contains(&head.status) {
                    bad += 1;
                }
                if !head.keep_alive() {
                    return Err(HttpError::Closed);
                }
            }
            Ok(bad)
        })();
        self.buf = buf;
        result
    }

    fn round_trip(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<(ResponseHead, Vec<u8>), HttpError> {
        self.buf.clear();
        self.write(method, path, body);
        let buf = std::mem::take(&mut self.buf);
        let mut result = Err(HttpError::Closed);
        // A kept-alive connection may have been closed by the XSP in the
        // meantime (Keep-Alive: timeout=4): a transport failure on a reused
        // connection is retried once on a fresh one; only an answer counts.
        for _ in 0..2 {
            let reused = self.conn.is_some();
            result = (|| {
                let conn = self.connection()?;
                conn.send(&buf)?;
                let head = conn.read_head(MAX_HEAD)?;
                let body = conn.read_body(&head, MAX_BODY)?;
                Ok((head, body))
            })();
            if result.is_ok() {
                break;
            }
            self.conn = None;
            if !reused {
                break;
            }
        }
        self.buf = buf;
        result
    }

    fn heartbeat(&mut self) {
        thread::panic_point("control heartbeat");
        let path = body::heartbeat_path(&self.channel_id);
        let reason = match self.round_trip("PUT", &path, None) {
            Ok((head, _)) if head.status == 200 => return,
            Ok((head, _)) => format!("heartbeat answered HTTP {}", head.status),
            Err(e) => format!("heartbeat failed: {e}"),
        };
        self.shared.kill(reason);
    }

    /// Renews the channel; returns the granted expiry.
    fn renew(&mut self) -> Option<u32> {
        let path = body::channel_path(&self.channel_id);
        let b = body::channel_update_body(self.settings.channel_expires);
        match self.round_trip("PUT", &path, Some(&b)) {
            Ok((head, body)) if head.status == 200 => {
                let granted = match parse_doc(&body) {
                    Ok(XsiDoc::Channel { expires, .. }) => expires,
                    _ => None,
                };
                log::info!("{}: channel {} renewed", self.name, self.channel_id);
                Some(granted.unwrap_or(self.settings.channel_expires))
            }
            Ok((head, _)) => {
                log::warn!(
                    "{}: channel renewal answered HTTP {}",
                    self.name,
                    head.status
                );
                None
            }
            Err(e) => {
                log::warn!("{}: channel renewal failed: {e}", self.name);
                None
            }
        }
    }

    fn delete(&mut self) {
        let path = body::channel_path(&self.channel_id);
        let started = Instant::now();
        match self.round_trip("DELETE", &path, None) {
            Ok((head, _)) => log::info!(
                "{}: channel {} deleted (HTTP {}, {} ms)",
                self.name,
                self.channel_id,
                head.status,
                started.elapsed().as_millis()
            ),
            Err(e) => log::warn!(
                "{}: DELETE channel {} failed: {e}",
                self.name,
                self.channel_id
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renew_before_expiry() {
        let cases = [
            (3600, 3_300_000),
            (86400, 86_100_000),
            (400, 300_000),
            (1, 750),
        ];
        for (granted, want_ms) in cases {
            let d = renew_delay(granted);
            assert_eq!(d.as_millis(), want_ms, "granted {granted}");
        }
    }
}
