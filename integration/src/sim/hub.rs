//! The hub every simulator thread shares: configuration, the BroadWorks state lock, per-XSP
//! fault flags, the request log, and the registries of threads and sockets that make a clean
//! shutdown possible.
//!
//! Shutdown protocol: [`Hub::begin_shutdown`] sets the flag, then shuts down every registered
//! socket (which unblocks any thread sitting in `read` or `write`). Sockets are registered under
//! the same lock that checks the flag, so no connection can slip in unregistered. Every thread
//! was started through [`Hub::spawn`], so [`Hub::join_all`] can wait for all of them.

use std::collections::{HashMap, VecDeque};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::conformance::Conformance;
use super::delay::Delays;
use super::probe::Probes;
use super::state::State;
use super::stats::{ActionRecord, RequestRecord, UserServices};
use super::{Chunking, SimConfig};

/// How many request records are kept.
pub(crate) const REQUEST_LOG_LEN: usize = 10_000;

/// Injected Xsi-Actions faults of one XSP.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActionFault {
    /// Waited before each command is handled.
    pub delay: Duration,
    /// Only commands whose last path segment is this (`new`, `Hold`, …) are delayed; every
    /// command when `None`.
    pub delay_only: Option<String>,
    /// The next `count` commands are answered `status`.
    pub status: u16,
    pub count: u32,
    /// The next `drops` commands are carried out, then their connection is closed without an
    /// answer (a server that failed after doing the work).
    pub drops: u32,
}

impl ActionFault {
    /// The delay of a command whose path is `path`.
    pub(crate) fn delay_of(&self, path: &str) -> Duration {
        let last = path.rsplit('/').next().unwrap_or("");
        match &self.delay_only {
            Some(verb) if !verb.eq_ignore_ascii_case(last) => Duration::ZERO,
            _ => self.delay,
        }
    }
}

/// Fault flags of one XSP.
pub(crate) struct XspFlags {
    pub name: String,
    /// The address actually bound (the port is known after an ephemeral bind).
    pub addr: SocketAddr,
    /// While set, the XSP's listener is closed.
    pub down: Mutex<bool>,
    pub down_changed: Condvar,
    /// While set, the XSP's channel streams write nothing.
    pub stalled: AtomicBool,
    /// (status, remaining count) of injected request failures.
    pub fail: Mutex<(u16, u32)>,
    /// (status, remaining count) of injected EventResponse failures only.
    pub fail_acks: Mutex<(u16, u32)>,
    /// Injected Xsi-Actions faults.
    pub action_fault: Mutex<ActionFault>,
}

/// Which listener a socket belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Xsp(usize),
    Control,
}

#[derive(Default)]
struct Sockets {
    next: u64,
    open: HashMap<u64, (Owner, TcpStream)>,
}

/// See the module documentation.
pub(crate) struct Hub {
    pub cfg: SimConfig,
    pub state: Mutex<State>,
    pub xsps: Vec<XspFlags>,
    pub chunking: AtomicU8,
    pub shutdown: AtomicBool,
    /// Idle request connections closed after the keep-alive timeout.
    pub keep_alive_closes: AtomicU64,
    /// TLS handshakes that failed (a client refusing the certificate, say).
    pub tls_failures: AtomicU64,
    /// Response delays per request kind.
    pub delays: Delays,
    /// Write times of probed flood events.
    pub probes: Probes,
    /// The schema check, when `SimConfig::schema_check` is on.
    pub conformance: Option<Conformance>,
    requests: Mutex<VecDeque<RequestRecord>>,
    actions: Mutex<VecDeque<ActionRecord>>,
    /// Service settings made through Xsi-Actions, by user id.
    pub services: Mutex<std::collections::BTreeMap<String, UserServices>>,
    sockets: Mutex<Sockets>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Interned request-record strings for the hot paths.
    interned: Mutex<HashMap<String, Arc<str>>>,
}

impl Hub {
    pub(crate) fn new(cfg: SimConfig, xsps: Vec<XspFlags>) -> Hub {
        Hub {
            delays: Delays::new(&cfg.delays),
            probes: Probes::default(),
            conformance: cfg.schema_check.then(Conformance::new),
            state: Mutex::new(State::new(&cfg)),
            cfg,
            xsps,
            chunking: AtomicU8::new(Chunking::OnePerDoc as u8),
            shutdown: AtomicBool::new(false),
            keep_alive_closes: AtomicU64::new(0),
            tls_failures: AtomicU64::new(0),
            requests: Mutex::new(VecDeque::with_capacity(REQUEST_LOG_LEN)),
            actions: Mutex::new(VecDeque::new()),
            services: Mutex::new(Default::default()),
            sockets: Mutex::new(Sockets::default()),
            threads: Mutex::new(Vec::new()),
            interned: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Checks a document about to be sent (stream document or XML answer), when the schema
    /// check is on.
    pub(crate) fn check_sent(&self, doc: &[u8]) {
        if let Some(c) = &self.conformance {
            c.sent(doc, |line| self.log(|| line));
        }
    }

    /// Checks an XML request body received, when the schema check is on.
    pub(crate) fn check_received(&self, doc: &[u8]) {
        if let Some(c) = &self.conformance {
            c.received(doc, |line| self.log(|| line));
        }
    }

    /// Writes a log line through the configured sink, if any.
    pub(crate) fn log(&self, line: impl FnOnce() -> String) {
        if let Some(log) = &self.cfg.log {
            log(&line());
        }
    }

    pub(crate) fn chunking(&self) -> Chunking {
        Chunking::from_u8(self.chunking.load(Ordering::Relaxed))
    }

    /// Starts a named thread that [`Hub::join_all`] will wait for.
    pub(crate) fn spawn(
        &self,
        name: String,
        body: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<()> {
        let handle = std::thread::Builder::new().name(name).spawn(body)?;
        let mut threads = self.threads.lock();
        threads.retain(|t| !t.is_finished());
        threads.push(handle);
        Ok(())
    }

    /// Registers a socket so that shutdown and faults can close it. `None` when shutting down
    /// (the caller drops the socket).
    pub(crate) fn register_socket(&self, owner: Owner, stream: &TcpStream) -> Option<u64> {
        let clone = stream.try_clone().ok()?;
        let mut sockets = self.sockets.lock();
        if self.is_shutting_down() {
            return None;
        }
        sockets.next += 1;
        let id = sockets.next;
        sockets.open.insert(id, (owner, clone));
        Some(id)
    }

    /// Connections accepted so far, over every listener.
    pub(crate) fn connections_accepted(&self) -> u64 {
        self.sockets.lock().next
    }

    pub(crate) fn unregister_socket(&self, id: u64) {
        self.sockets.lock().open.remove(&id);
    }

    /// Shuts down every registered socket of `owner` (all sockets for `None`).
    pub(crate) fn close_sockets(&self, owner: Option<Owner>) {
        let sockets = self.sockets.lock();
        for (o, s) in sockets.open.values() {
            if owner.is_none_or(|want| want == *o) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    /// Sets the shutdown flag and unblocks every thread.
    pub(crate) fn begin_shutdown(&self) {
        {
            let _sockets = self.sockets.lock();
            self.shutdown.store(true, Ordering::Release);
        }
        self.state.lock().abort_all_channels();
        self.close_sockets(None);
        for xsp in &self.xsps {
            let _down = xsp.down.lock();
            xsp.down_changed.notify_all();
        }
    }

    /// Joins every thread started through [`Hub::spawn`], including those started meanwhile.
    pub(crate) fn join_all(&self) {
        loop {
            let batch: Vec<JoinHandle<()>> = std::mem::take(&mut *self.threads.lock());
            if batch.is_empty() {
                return;
            }
            for handle in batch {
                let _ = handle.join();
            }
        }
    }

    /// An interned copy of `text` (for request records).
    pub(crate) fn intern(&self, text: &str) -> Arc<str> {
        let mut interned = self.interned.lock();
        if let Some(s) = interned.get(text) {
            return s.clone();
        }
        let s: Arc<str> = Arc::from(text);
        // Only a bounded set of paths is worth keeping (ids make most paths unique).
        if interned.len() < 256 {
            interned.insert(text.to_string(), s.clone());
        }
        s
    }

    /// Appends to the request log, dropping the oldest beyond [`REQUEST_LOG_LEN`].
    pub(crate) fn record_request(&self, record: RequestRecord) {
        let mut log = self.requests.lock();
        if log.len() >= REQUEST_LOG_LEN {
            log.pop_front();
        }
        log.push_back(record);
    }

    pub(crate) fn requests(&self) -> Vec<RequestRecord> {
        self.requests.lock().iter().cloned().collect()
    }

    /// Appends to the Xsi-Actions log (bounded like the request log).
    pub(crate) fn record_action(&self, record: ActionRecord) {
        let mut log = self.actions.lock();
        if log.len() >= REQUEST_LOG_LEN {
            log.pop_front();
        }
        log.push_back(record);
    }

    pub(crate) fn actions(&self) -> Vec<ActionRecord> {
        self.actions.lock().iter().cloned().collect()
    }
}

/// The method as a static string (`OTHER` for unusual ones), so records need no allocation.
pub(crate) fn method_name(method: &str) -> &'static str {
    const KNOWN: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH"];
    KNOWN
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .copied()
        .unwrap_or("OTHER")
}
