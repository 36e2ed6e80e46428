//! Which `csta.clients` entry a connection is, and the connections each
//! entry holds (its `max_sessions`).
//!
//! A connection is identified once, on its session's thread, after the TLS
//! handshake when there is one (a `certificate_cn` needs the verified
//! certificate): it is the first entry that admits its address and common
//! name. It then holds a [`Seat`] of that entry until its reader ends.
//! Without entries every connection is admitted, unnamed and unscoped.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::config::ClientEntry;

/// The entries in matching order, each with its connections holding a seat.
pub struct Clients {
    entries: Vec<(Arc<ClientEntry>, AtomicUsize)>,
}

/// One connection's place in its entry's `max_sessions`, given back on drop.
pub struct Seat {
    clients: Arc<Clients>,
    index: usize,
}

impl Drop for Seat {
    fn drop(&mut self) {
        if let Some((_, held)) = self.clients.entries.get(self.index) {
            held.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Why a connection is refused: its kind (for the log's rate limit, one
/// line a second per kind) and the phrase for the log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub kind: &'static str,
    pub why: String,
}

/// An admitted connection of a named client.
pub struct Admitted {
    pub entry: Arc<ClientEntry>,
    pub seat: Seat,
}

impl Clients {
    pub fn new(entries: &[ClientEntry]) -> Arc<Clients> {
        Arc::new(Clients {
            entries: entries
                .iter()
                .map(|e| (Arc::new(e.clone()), AtomicUsize::new(0)))
                .collect(),
        })
    }

    /// True without `csta.clients`: every client is admitted, unscoped.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry a client from `ip` whose certificate's common name is `cn`
    /// is, with a seat of it: `Ok(None)` when there are no entries, the
    /// refusal (for the log line) when none admits it or its entry is full.
    pub fn admit(
        self: &Arc<Self>,
        ip: IpAddr,
        cn: Option<&str>,
    ) -> Result<Option<Admitted>, Refusal> {
        if self.is_empty() {
            return Ok(None);
        }
        let found = self
            .entries
            .iter()
            .enumerate()
            .find(|(_, (e, _))| e.admits(ip, cn));
        let Some((index, (entry, held))) = found else {
            let certificate = match cn {
                Some(cn) => format!("certificate CN {cn:?}"),
                None => "no client certificate".to_owned(),
            };
            return Err(Refusal {
                kind: "no csta.clients entry",
                why: format!("matches no csta.clients entry (address {ip}, {certificate})"),
            });
        };
        let max = entry.max_sessions;
        let taken = held.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < max).then_some(n + 1)
        });
        if taken.is_err() {
            return Err(Refusal {
                kind: "csta.clients max_sessions",
                why: format!(
                    "csta.clients[{index}] ({}): its max_sessions ({}) reached",
                    entry.name, entry.max_sessions
                ),
            });
        }
        Ok(Some(Admitted {
            entry: entry.clone(),
            seat: Seat {
                clients: self.clone(),
                index,
            },
        }))
    }
}

/// A client connection as log lines name it: its `csta.clients` name when
/// it has one, and its address. The entry also holds its device scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub addr: SocketAddr,
    pub client: Option<Arc<ClientEntry>>,
}

impl Peer {
    /// The entry's name, if any.
    pub fn name(&self) -> Option<&str> {
        self.client.as_deref().map(|c| c.name.as_str())
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}, {}", self.addr),
            None => write!(f, "{}", self.addr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DevicePattern, IpNet};

    fn entry(name: &str, allow: &str, cn: Option<&str>, max_sessions: usize) -> ClientEntry {
        ClientEntry {
            name: name.to_owned(),
            allow: vec![IpNet::parse(allow).expect("net")],
            certificate_cn: cn.map(str::to_owned),
            devices: vec![DevicePattern::Exact("2001".to_owned())],
            control: true,
            max_sessions,
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn name(result: &Result<Option<Admitted>, Refusal>) -> Result<Option<&str>, &str> {
        match result {
            Ok(admitted) => Ok(admitted.as_ref().map(|a| a.entry.name.as_str())),
            Err(refusal) => Err(refusal.why.as_str()),
        }
    }

    #[test]
    fn the_first_entry_that_admits_the_client_with_a_seat_while_it_is_connected() {
        let clients = Clients::new(&[
            entry("tserver-a", "10.20.0.5", Some("tserver-a.example.net"), 1),
            entry("lab", "10.20.0.0/16", None, 2),
        ]);
        let a = clients.admit(ip("10.20.0.5"), Some("tserver-a.example.net"));
        assert_eq!(name(&a), Ok(Some("tserver-a")));
        // The entry is full: the next one is refused, not moved on to `lab`.
        let full = clients.admit(ip("10.20.0.5"), Some("tserver-a.example.net"));
        assert_eq!(
            name(&full),
            Err("csta.clients[0] (tserver-a): its max_sessions (1) reached")
        );
        // Same address, another name: the next entry.
        let b = clients.admit(ip("10.20.0.5"), Some("someone-else"));
        assert_eq!(name(&b), Ok(Some("lab")));
        let nobody = clients.admit(ip("10.30.0.1"), None);
        assert_eq!(
            name(&nobody),
            Err("matches no csta.clients entry (address 10.30.0.1, no client certificate)")
        );
        let stranger = clients.admit(ip("10.30.0.1"), Some("x"));
        assert_eq!(
            name(&stranger),
            Err("matches no csta.clients entry (address 10.30.0.1, certificate CN \"x\")")
        );
        drop(a);
        let again = clients.admit(ip("10.20.0.5"), Some("tserver-a.example.net"));
        assert_eq!(name(&again), Ok(Some("tserver-a")), "seat given back");
    }

    #[test]
    fn without_entries_everyone_is_admitted_unnamed() {
        let clients = Clients::new(&[]);
        assert!(clients.is_empty());
        assert_eq!(name(&clients.admit(ip("192.0.2.1"), None)), Ok(None));
    }

    #[test]
    fn a_peer_shows_its_name_before_its_address() {
        let addr: SocketAddr = "10.20.0.5:40211".parse().expect("addr");
        let unnamed = Peer { addr, client: None };
        assert_eq!(unnamed.to_string(), "10.20.0.5:40211");
        let named = Peer {
            addr,
            client: Some(Arc::new(entry("tserver-a", "10.20.0.5", None, 1))),
        };
        assert_eq!(named.to_string(), "tserver-a, 10.20.0.5:40211");
    }
}
