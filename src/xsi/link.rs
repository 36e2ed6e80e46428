//! One XSP link: the thread that owns that XSP's event channel.
//!
//! Loop: open the channel (`POST …/channel`, a never-ending chunked
//! response), report it up with its channel id, read the stream and split it
//! into documents, parse each event here (not in the dispatcher: parsing is
//! the expensive part), hand the acknowledgement to the channel's control
//! thread at once and the event to the dispatcher. Any failure — EOF, an I/O
//! error, an HTTP error status, `ChannelTerminatedEvent`, no data for three
//! heartbeat intervals (a socket read timeout, so a stalled XSP cannot keep
//! the thread blocked), a failed heartbeat — ends the channel; the link is
//! reported down once with the reason and reopened after an exponential
//! backoff with jitter. Other links are not touched.
//!
//! A panic while a channel is open (a bug, never a peer's input) ends that
//! channel like any failure: it is logged with its message, the link is
//! reported down and reconnected. Should the thread itself end by a panic,
//! its [`EndGuard`](crate::thread::EndGuard) still reports the link down, so
//! the status never shows a link that no thread serves. A panic of the
//! control thread kills the channel (see `xsi::control`), which lands here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};

use crate::event::{Event, LinkEvent, LinkId};
use crate::http::conn::{Conn, HttpError, MAX_HEAD};
use crate::http::target::Target;
use crate::http::wire::{write_request, BodyKind, ChunkedDecoder};
use crate::thread::{self, Handle, Late};
use crate::xsi::body;
use crate::xsi::control::{Ack, Control};
use crate::xsi::known::KnownSubscriptions;
use crate::xsi::parse::{parse_doc, EventData, XsiDoc, XsiEvent};
use crate::xsi::settings::XsiSettings;
use crate::xsi::shared::LinkShared;
use crate::xsi::splitter::DocSplitter;
use crate::xsi::CONTENT_TYPE;

/// Largest document accepted on a channel stream.
pub const MAX_DOC: usize = 1024 * 1024;
/// The `ChannelTerminatedEvent` reason when another channel set took over.
const DUPLICATE_CHANNEL_SET: &str = "DuplicateChannelSet";

/// Owns a link thread. Field order: the stop sender is dropped first.
pub struct LinkHandle {
    stop: Option<Sender<()>>,
    shared: Arc<LinkShared>,
    thread: Handle,
}

impl LinkHandle {
    pub fn start(
        link: LinkId,
        settings: Arc<XsiSettings>,
        inbox: Sender<Event>,
        known: Arc<KnownSubscriptions>,
    ) -> std::io::Result<LinkHandle> {
        let (stop, stopped) = bounded::<()>(0);
        let shared = Arc::new(LinkShared::default());
        let name = settings.server_name(link.0).to_owned();
        let runner = Runner {
            link,
            name: name.clone(),
            settings,
            inbox,
            known,
            shared: shared.clone(),
            stopped,
            bad_doc_log: Default::default(),
        };
        let thread = thread::spawn(format!("xsp-{name}"), move || runner.run())?;
        Ok(LinkHandle {
            stop: Some(stop),
            shared,
            thread,
        })
    }

    /// Asks the link to delete its channel and stop; returns at once, so
    /// that all links delete their channels in parallel.
    pub fn begin_stop(&mut self) {
        self.shared.set_stopping();
        // Wakes a backoff wait, and the control thread, which deletes the
        // channel; the XSP then ends the stream.
        self.stop.take();
    }

    /// Waits for the link until `deadline`, cutting the stream off if the
    /// XSP has not ended it shortly before.
    pub fn finish_stop(mut self, deadline: Instant) -> Late {
        self.begin_stop();
        let cut = deadline
            .checked_sub(Duration::from_millis(200))
            .unwrap_or(deadline);
        if !self.thread.wait_until(cut) {
            self.shared.kill("shutdown".into());
        }
        self.thread.join_deadline(deadline)
    }
}

struct Runner {
    link: LinkId,
    name: String,
    settings: Arc<XsiSettings>,
    inbox: Sender<Event>,
    known: Arc<KnownSubscriptions>,
    shared: Arc<LinkShared>,
    stopped: Receiver<()>,
    /// Unparsable documents: one log line a second at most.
    bad_doc_log: std::cell::RefCell<crate::ratelimit::Every>,
}

enum End {
    /// We are shutting down.
    Stopped,
    /// The channel was up and is gone.
    Lost(Lost),
    /// It never came up.
    Failed(String),
    /// Handling it panicked (the hook logged the message and place).
    Panicked(String),
}

impl Runner {
    fn stopping(&self) -> bool {
        self.shared.stopping()
    }

    fn send(&self, ev: LinkEvent) -> bool {
        self.inbox.send(Event::Link(self.link, ev)).is_ok()
    }

    fn run(self) {
        // Whatever ends this thread, a link that no thread serves is down.
        let (link, inbox) = (self.link, self.inbox.clone());
        let end = thread::on_end(move |end: Result<(), String>| {
            if let Err(why) = end {
                let reason = format!("link thread died: {why}");
                let _ = inbox.send(Event::Link(link, LinkEvent::Down { reason }));
            }
        });
        self.run_links();
        end.finish(());
    }

    fn run_links(&self) {
        let mut backoff = self.settings.reconnect_initial;
        let mut last_failure: Option<String> = None;
        let mut seed = jitter_seed(self.link.0);
        loop {
            if self.stopping() || !self.send(LinkEvent::Connecting) {
                break;
            }
            let (end, control) = self.channel_or_panic();
            let lost = !matches!(end, End::Stopped);
            let finish = |control: Option<Control>| match control {
                // Gone: drop queued acks instead of sending each into a
                // timeout. Stopping: the XSP is there, send them.
                Some(c) if lost => c.abandon(),
                Some(c) => c.stop(),
                None => {}
            };
            // Down is reported before waiting for the control thread.
            match end {
                End::Stopped => {
                    finish(control);
                    break;
                }
                End::Lost(lost) => {
                    log::warn!("{}: channel lost: {lost}", self.name);
                    // Reopening at once would end the other instance's
                    // channels in turn: back off the most.
                    backoff = match lost {
                        Lost::DuplicateChannelSet => self.settings.reconnect_max,
                        Lost::Other(_) => self.settings.reconnect_initial,
                    };
                    last_failure = None;
                    let reason = lost.to_string();
                    let sent = self.send(LinkEvent::Down { reason });
                    finish(control);
                    if !sent {
                        break;
                    }
                }
                End::Panicked(why) => {
                    log::error!(
                        "{}: channel closed after a panic ({why}); reconnecting",
                        self.name
                    );
                    last_failure = None;
                    let reason = format!("link thread panicked: {why}");
                    let sent = self.send(LinkEvent::Down { reason });
                    finish(control);
                    if !sent {
                        break;
                    }
                }
                End::Failed(reason) => {
                    // One line per distinct failure, not one per retry.
                    if last_failure.as_deref() != Some(reason.as_str()) {
                        log::warn!("{}: cannot open channel: {reason}", self.name);
                    }
                    last_failure = Some(reason.clone());
                    let sent = self.send(LinkEvent::Down { reason });
                    finish(control);
                    if !sent {
                        break;
                    }
                }
            }
            if self.stopping() {
                break;
            }
            let wait = with_jitter(backoff, &mut seed);
            log::debug!("{}: reconnecting in {:?}", self.name, wait);
            match self.stopped.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) => {}
                _ => break,
            }
            backoff = (backoff * 2).min(self.settings.reconnect_max);
        }
        log::info!("{}: link stopped", self.name);
    }

    /// [`channel`](Self::channel), with a panic turned into an end of the
    /// channel: the thread carries on and reconnects. Whatever the panic
    /// left behind (the stream, a control thread) was dropped on the way.
    fn channel_or_panic(&self) -> (End, Option<Control>) {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.channel())) {
            Ok(ended) => ended,
            Err(payload) => {
                self.shared.reset();
                (End::Panicked(thread::payload_text(&*payload)), None)
            }
        }
    }

    /// Opens one channel and reads it until it ends.
    fn channel(&self) -> (End, Option<Control>) {
        let s = &self.settings;
        let Some((_, target)) = s.servers.get(self.link.0) else {
            return (End::Stopped, None);
        };
        let mut conn = match Conn::connect(
            target,
            None,
            s.tls_connector.as_ref(),
            s.request_timeout,
            s.request_timeout,
        ) {
            Ok(c) => c,
            Err(HttpError::Tls(why)) => {
                let reason = tls_failure(target, &why, s.trust.ca_file().is_some());
                return (End::Failed(reason), None);
            }
            Err(e) => return (End::Failed(e.to_string()), None),
        };
        let body = body::channel_add_body(&s.channel_set_id, s.channel_expires, &s.application_id);
        let mut req = Vec::new();
        write_request(
            &mut req,
            "POST",
            &target.request_path(body::CHANNEL_PATH),
            &target.host_header(),
            Some(&s.authorization()),
            Some(CONTENT_TYPE),
            body.as_bytes(),
        );
        if let Err(e) = conn.send(&req) {
            return (End::Failed(format!("sending channel request: {e}")), None);
        }
        let head = match conn.read_head(MAX_HEAD) {
            Ok(h) => h,
            Err(e) => return (End::Failed(format!("channel response: {e}")), None),
        };
        if head.status != 200 {
            let hint = match head.status {
                401 => " Unauthorized: check xsi.username and the password",
                _ => "",
            };
            let why = format!("channel request answered HTTP {}{hint}", head.status);
            return (End::Failed(why), None);
        }
        if !matches!(head.body, BodyKind::Chunked) {
            return (
                End::Failed("channel response is not a chunked stream".into()),
                None,
            );
        }
        // No data for three heartbeat intervals = dead channel.
        let idle = s.heartbeat_interval * 3;
        if let Err(e) = conn.set_read_timeout(idle) {
            return (End::Failed(format!("socket: {e}")), None);
        }
        match conn.shutdown_handle() {
            Ok(sock) => self.shared.channel_open(sock),
            Err(e) => return (End::Failed(format!("socket: {e}")), None),
        }
        let (end, control) = self.stream(&mut conn, idle);
        self.shared.channel_closed();
        (end, control)
    }

    /// Reads the channel until it ends; hands back its control thread so
    /// that the caller reports the link down before waiting for it.
    fn stream(&self, conn: &mut Conn, idle: Duration) -> (End, Option<Control>) {
        let mut decoder = ChunkedDecoder::new();
        let mut splitter = DocSplitter::new(MAX_DOC);
        let mut bytes = Vec::with_capacity(64 * 1024);
        let mut control: Option<Control> = None;
        let end = loop {
            bytes.clear();
            match conn.read_stream_chunk(&mut decoder, &mut bytes) {
                Ok(0) => {
                    break self.ended(&control, Lost::Other("stream closed by the XSP".into()))
                }
                Ok(_) => {}
                Err(HttpError::TimedOut) => {
                    break self.ended(
                        &control,
                        Lost::Other(format!(
                            "no data for {:.1}s (3 heartbeat intervals)",
                            idle.as_secs_f64()
                        )),
                    )
                }
                Err(e) => break self.ended(&control, Lost::Other(format!("stream read: {e}"))),
            }
            splitter.push(&bytes);
            let mut batch = Batch::default();
            let mut result = None;
            loop {
                match splitter.next_doc() {
                    Ok(Some(doc)) => {
                        crate::capture::xsi(&self.name, &doc);
                        if let Some(end) = self.document(&doc, conn, &mut control, &mut batch) {
                            result = Some(end);
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let why = Lost::Other(format!("stream framing: {e}"));
                        result = Some(self.ended(&control, why));
                        break;
                    }
                }
            }
            // Acks first: they must never wait behind the dispatcher.
            if let Some(ctl) = control.as_ref() {
                ctl.ack(std::mem::take(&mut batch.acks));
            }
            if !batch.events.is_empty() && !self.send(LinkEvent::Xsi(batch.events)) {
                result = result.or(Some(End::Stopped));
            }
            if let Some(end) = result {
                break end;
            }
        };
        (end, control)
    }

    /// The channel ended for `why` (or because we are stopping; or for the
    /// reason the control thread killed it, which comes first).
    fn ended(&self, control: &Option<Control>, why: Lost) -> End {
        if self.stopping() {
            return End::Stopped;
        }
        let why = self.shared.take_kill_reason().map_or(why, Lost::Other);
        if control.is_some() {
            End::Lost(why)
        } else {
            End::Failed(why.to_string())
        }
    }

    /// Handles one document; Some(end) when the channel is over. Events and
    /// their acks are collected in `batch` and sent after the read.
    fn document(
        &self,
        doc: &[u8],
        conn: &Conn,
        control: &mut Option<Control>,
        batch: &mut Batch,
    ) -> Option<End> {
        thread::panic_point("link document");
        let parsed = match parse_doc(doc) {
            Ok(p) => p,
            Err(e) => {
                // A peer can send these at will: rate-limited. (An event
                // whose envelope is readable is not one of them: it is
                // acknowledged, see `EventData::Malformed`.)
                let ready = self.bad_doc_log.borrow_mut().ready(Instant::now());
                if let Some(held_back) = ready {
                    log::warn!(
                        "{}: unparsable document on the channel ({e}); skipped ({held_back} more \
                         not logged since the last line)",
                        self.name
                    );
                }
                return None;
            }
        };
        match parsed {
            XsiDoc::Channel {
                channel_id,
                expires,
            } => {
                if control.is_some() {
                    return None; // a renewal echo; nothing to do
                }
                log::info!("{}: channel {channel_id} up", self.name);
                let granted = expires.unwrap_or(self.settings.channel_expires);
                match Control::start(
                    self.link,
                    self.settings.clone(),
                    conn.peer_addr(),
                    channel_id.clone(),
                    granted,
                    self.shared.clone(),
                    self.stopped.clone(),
                    self.inbox.clone(),
                ) {
                    Ok(c) => *control = Some(c),
                    Err(e) => return Some(End::Failed(format!("control thread: {e}"))),
                }
                if !self.send(LinkEvent::Up { channel_id }) {
                    return Some(End::Stopped);
                }
                None
            }
            XsiDoc::Heartbeat => None,
            XsiDoc::Event(ev) => {
                if control.is_none() {
                    log::warn!("{}: event before the channel document; ignored", self.name);
                    return None;
                }
                let known = self
                    .known
                    .accepts(&ev.subscription_id, ev.target_id.as_deref());
                // The terminated event of a subscription we deleted ourselves
                // is expected: acknowledge it normally and drop it.
                let terminated = matches!(ev.data, EventData::SubscriptionTerminated);
                let status = if known || terminated { 200 } else { 481 };
                batch.acks.push(Ack {
                    event_id: ev.event_id.clone(),
                    status,
                });
                if known {
                    batch.events.push(ev);
                } else if !terminated {
                    log::info!(
                        "{}: event of unknown subscription {} acknowledged with 481",
                        self.name,
                        ev.subscription_id
                    );
                }
                None
            }
            XsiDoc::ChannelTerminated { reason, .. } => {
                if self.stopping() {
                    return Some(End::Stopped);
                }
                let why = Lost::terminated(&reason);
                if why == Lost::DuplicateChannelSet {
                    log::error!(
                        "{}: channel terminated with DuplicateChannelSet: another connector \
                         opened a channel set with the same xsi.username ({}) and \
                         xsi.application_id ({}); BroadWorks keeps one channel set per user and \
                         application id. Give each bwcsta instance its own xsi.application_id \
                         and xsi.channel_set_id",
                        self.name,
                        self.settings.username,
                        self.settings.application_id
                    );
                }
                Some(self.ended(control, why))
            }
            XsiDoc::ErrorEvent { code, message } => {
                log::warn!(
                    "{}: ErrorEvent on the channel: {} {}",
                    self.name,
                    code.unwrap_or_default(),
                    message.unwrap_or_default()
                );
                None
            }
            other => {
                log::debug!(
                    "{}: ignoring {:?} on the channel",
                    self.name,
                    doc_kind(&other)
                );
                None
            }
        }
    }
}

/// Why an open channel ended, typed where the link acts on it.
#[derive(Debug, PartialEq, Eq)]
enum Lost {
    /// BroadWorks ended it because another connector opened a channel set
    /// with the same user and application id (`ChannelTerminatedEvent`
    /// with reason `DuplicateChannelSet`): reopened after the longest
    /// backoff, as the two would otherwise keep ending each other's.
    DuplicateChannelSet,
    /// Anything else, as said in the log and the link status: another
    /// `ChannelTerminatedEvent`, the stream's end, a read error or
    /// timeout, the control thread's kill.
    Other(String),
}

impl Lost {
    /// The end a `ChannelTerminatedEvent` with `reason` means.
    fn terminated(reason: &str) -> Lost {
        if reason == DUPLICATE_CHANNEL_SET {
            Lost::DuplicateChannelSet
        } else {
            Lost::Other(format!("ChannelTerminatedEvent ({reason})"))
        }
    }
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lost::DuplicateChannelSet => {
                write!(f, "ChannelTerminatedEvent ({DUPLICATE_CHANNEL_SET})")
            }
            Lost::Other(why) => f.write_str(why),
        }
    }
}

/// What one socket read produced.
#[derive(Default)]
struct Batch {
    acks: Vec<Ack>,
    events: Vec<XsiEvent>,
}

/// A failed handshake, said so that an operator knows where to look. The
/// hint is only for an issuer nobody trusts; OpenSSL's own reason (expired,
/// host name mismatch…) is always in the text.
fn tls_failure(target: &Target, why: &str, ca_file: bool) -> String {
    let untrusted = [
        "unable to get local issuer certificate",
        "self-signed",
        "self signed",
    ]
    .iter()
    .any(|reason| why.contains(reason));
    let hint = match (untrusted, ca_file) {
        (true, true) => " (its certificate is not signed by a CA of xsi.tls.ca_file)",
        (true, false) => " (its certificate is not signed by a CA the system trusts)",
        (false, _) => "",
    };
    format!(
        "TLS handshake with {} failed{hint}: {why}",
        target.host_header()
    )
}

fn doc_kind(doc: &XsiDoc) -> &'static str {
    match doc {
        XsiDoc::Subscription { .. } => "Subscription",
        XsiDoc::ErrorInfo { .. } => "ErrorInfo",
        XsiDoc::Other(_) => "unknown document",
        _ => "document",
    }
}

fn jitter_seed(link: usize) -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ (link as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1
}

/// `base` plus up to 25 % random extra, so links (and several connectors)
/// do not retry in lock-step.
pub fn with_jitter(base: Duration, seed: &mut u64) -> Duration {
    // xorshift64
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let frac = (*seed % 1000) as f64 / 4000.0;
    base + base.mul_f64(frac)
}

#[cfg(test)]
mod tests;
