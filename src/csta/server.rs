//! The CSTA listener: accepts client connections, enforces `csta.allow` and
//! `csta.max_sessions` (each refusal logged with the peer address), and
//! starts a reader and a writer thread for every accepted client (which
//! admit it as one of `csta.clients`, see [`crate::csta::session`]).
//!
//! The accept loop blocks in `accept`; [`Listener::stop`] wakes it by
//! connecting to itself after setting the stop flag, then shuts down every
//! client socket so their threads end, and joins them with a deadline.

use std::collections::BTreeMap;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use parking_lot::Mutex;

use crate::config::{ClientEntry, IpNet};
use crate::csta::clients::{Clients, Refusal};
use crate::csta::session::{self, SessionSetup, SessionThreads};
use crate::csta::tls::{TlsServer, TlsSettings};
use crate::event::{ClientId, Event};
use crate::thread::{self, Handle, Late};

pub struct ListenerConfig {
    pub listen: SocketAddr,
    pub allow: Vec<IpNet>,
    pub max_sessions: usize,
    pub idle_timeout: Duration,
    /// `csta.clients` [none].
    pub clients: Vec<ClientEntry>,
    /// `csta.tls` [none: plain TCP].
    pub tls: Option<TlsSettings>,
}

/// The running listener and its sessions.
pub struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    sessions: Arc<Mutex<BTreeMap<ClientId, SessionThreads>>>,
    thread: Option<Handle>,
}

impl Listener {
    /// Binds the port (an error here is a runtime failure: exit 1).
    pub fn start(cfg: ListenerConfig, inbox: Sender<Event>) -> Result<Listener, String> {
        let tls = cfg.tls.as_ref().map(TlsServer::new).transpose()?;
        let transport = match &cfg.tls {
            None => "",
            Some(t) if t.client_certificates() => " (TLS, client certificates required)",
            Some(_) => " (TLS)",
        };
        let socket = TcpListener::bind(cfg.listen)
            .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
        let addr = socket
            .local_addr()
            .map_err(|e| format!("listener address: {e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let sessions = Arc::new(Mutex::new(BTreeMap::new()));
        let setup = SessionSetup::new(cfg.idle_timeout, Clients::new(&cfg.clients), tls);
        let acceptor = Acceptor {
            cfg,
            setup: Arc::new(setup),
            inbox,
            stop: stop.clone(),
            sessions: sessions.clone(),
            next_id: 0,
        };
        let thread = thread::spawn("csta-listen", move || acceptor.run(&socket))
            .map_err(|e| format!("cannot start listener thread: {e}"))?;
        log::info!("CSTA listening on {addr}{transport}");
        Ok(Listener {
            addr,
            stop,
            sessions,
            thread: Some(thread),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every client, joins all threads by `deadline`.
    pub fn stop(mut self, deadline: Instant) -> Late {
        self.shutdown(deadline)
    }

    fn shutdown(&mut self, deadline: Instant) -> Late {
        let mut late = Late::default();
        if self.stop.swap(true, Ordering::SeqCst) {
            return late;
        }
        // Wake the blocking accept().
        let wake = match self.addr {
            SocketAddr::V4(a) if a.ip().is_unspecified() => {
                SocketAddr::from(([127, 0, 0, 1], a.port()))
            }
            SocketAddr::V6(a) if a.ip().is_unspecified() => {
                SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port()))
            }
            other => other,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_millis(500));
        if let Some(thread) = self.thread.take() {
            late.add(thread.join_deadline(deadline));
        }
        let sessions = std::mem::take(&mut *self.sessions.lock());
        for s in sessions.values() {
            s.close();
        }
        for (_, s) in sessions {
            late.add(s.join_deadline(deadline));
        }
        late
    }
}

impl Drop for Listener {
    /// An early return during start-up must not leave the accept thread
    /// blocked (its handle joins on drop).
    fn drop(&mut self) {
        // Nobody to tell: a stop that matters goes through `stop`.
        let _ = self.shutdown(Instant::now() + Duration::from_secs(1));
    }
}

struct Acceptor {
    cfg: ListenerConfig,
    /// What the sessions share (and the refusal lines).
    setup: Arc<SessionSetup>,
    inbox: Sender<Event>,
    stop: Arc<AtomicBool>,
    sessions: Arc<Mutex<BTreeMap<ClientId, SessionThreads>>>,
    next_id: u64,
}

impl Acceptor {
    fn run(mut self, socket: &TcpListener) {
        for conn in socket.incoming() {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            match conn {
                Ok(stream) => self.accept(stream),
                Err(e) => {
                    log::warn!("accept failed: {e}");
                    // Avoid a hot loop on persistent errors (EMFILE).
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    fn accept(&mut self, stream: TcpStream) {
        let peer = match stream.peer_addr() {
            Ok(p) => p,
            Err(_) => return,
        };
        if !allowed(&self.cfg.allow, peer) {
            let refusal = Refusal {
                kind: "csta.allow",
                why: "not in csta.allow".to_owned(),
            };
            self.setup.refused(peer, &refusal);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        let sessions = self.sessions.clone();
        let mut sessions = sessions.lock();
        sessions.retain(|_, s| !s.is_finished());
        let live = sessions.values().filter(|s| !s.is_closed()).count();
        if live >= self.cfg.max_sessions {
            let refusal = Refusal {
                kind: "csta.max_sessions",
                why: format!("csta.max_sessions ({}) reached", self.cfg.max_sessions),
            };
            self.setup.refused(peer, &refusal);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        self.next_id += 1;
        let id = ClientId(self.next_id);
        let setup = self.setup.clone();
        match session::start(id, stream, peer, setup, self.inbox.clone()) {
            Ok(threads) => {
                sessions.insert(id, threads);
            }
            Err(e) => log::error!("cannot start session for {peer}: {e}"),
        }
    }
}

fn allowed(allow: &[IpNet], peer: SocketAddr) -> bool {
    allow.is_empty() || allow.iter().any(|net| net.contains(peer.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        let nets: Vec<IpNet> = ["127.0.0.1", "10.20.0.0/16"]
            .iter()
            .map(|s| IpNet::parse(s).unwrap())
            .collect();
        let cases = [
            ("127.0.0.1:5", true),
            ("127.0.0.2:5", false),
            ("10.20.3.4:5", true),
            ("10.21.0.1:5", false),
            ("[::ffff:10.20.0.9]:5", true),
        ];
        for (peer, want) in cases {
            assert_eq!(allowed(&nets, peer.parse().unwrap()), want, "{peer}");
        }
        assert!(
            allowed(&[], "192.0.2.1:1".parse().unwrap()),
            "empty = everyone"
        );
    }
}
