//! From a target's CSTA events to the frames of the monitors of it: which
//! user a CSTA device is, which monitor wants which event (its filter), and
//! each event rendered with the monitor's namespace, monitorCrossRefID and
//! device. Sans-IO, shared by the dispatcher (which keeps its monitors in
//! its own compact tables) and `bwcsta replay` (which keeps them in a
//! [`MonitorTable`]), so that both deliver alike.

use std::collections::HashMap;
use std::time::Duration;

use crate::csta::parse::MonitorFilter;

use super::out::CstaEvent;

/// How long a device nobody monitors any more keeps its subscriptions (and
/// its models) for a client that comes back: the dispatcher's grace period,
/// which the replay follows.
pub const UNMONITORED_GRACE: Duration = Duration::from_secs(30);

pub use crate::device::user_for;

/// One monitor of the target, as the fan-out sees it.
pub struct Watch<'a, C> {
    /// Who gets the frames (a session, a replayed client).
    pub client: C,
    /// The client's CSTA namespace.
    pub ns: &'static str,
    pub cross_ref: &'a str,
    /// The device as the client named it: the events' deviceID.
    pub device: &'a str,
    /// `None`: the client filters nothing out.
    pub filter: Option<&'a MonitorFilter>,
}

/// Whether a monitor with `filter` wants `event`.
pub fn wants(filter: Option<&MonitorFilter>, event: &CstaEvent) -> bool {
    filter.is_none_or(|f| !f.suppresses(event.filter_flag()))
}

/// Renders `outs` for every watch in turn, each event its filter lets
/// through, in order: `emit(client, frame)`.
pub fn fan_out<'a, C: Copy>(
    outs: &[CstaEvent],
    watches: impl IntoIterator<Item = Watch<'a, C>>,
    mut emit: impl FnMut(C, String),
) {
    if outs.is_empty() {
        return;
    }
    for w in watches {
        for out in outs.iter().filter(|out| wants(w.filter, out)) {
            emit(w.client, out.to_xml(w.ns, w.cross_ref, w.device));
        }
    }
}

/// One monitor in a [`MonitorTable`].
#[derive(Clone, Debug)]
pub struct Monitor<C> {
    pub client: C,
    pub cross_ref: String,
    pub device: String,
    pub filter: MonitorFilter,
}

/// The monitors of each user, in the order they started.
#[derive(Debug)]
pub struct MonitorTable<C> {
    by_user: HashMap<String, Vec<Monitor<C>>>,
}

impl<C> Default for MonitorTable<C> {
    fn default() -> Self {
        MonitorTable {
            by_user: HashMap::new(),
        }
    }
}

impl<C: Clone + PartialEq> MonitorTable<C> {
    pub fn add(&mut self, user: &str, monitor: Monitor<C>) {
        self.by_user
            .entry(user.to_owned())
            .or_default()
            .push(monitor);
    }

    /// Ends `client`'s monitor `cross_ref`: its user, if it existed.
    pub fn remove(&mut self, client: &C, cross_ref: &str) -> Option<String> {
        let user = self
            .by_user
            .iter()
            .find(|(_, ms)| {
                ms.iter()
                    .any(|m| m.client == *client && m.cross_ref == cross_ref)
            })
            .map(|(user, _)| user.clone())?;
        self.retain_of(&user, |m| {
            !(m.client == *client && m.cross_ref == cross_ref)
        });
        Some(user)
    }

    /// Ends every monitor of `client`: their users.
    pub fn remove_client(&mut self, client: &C) -> Vec<String> {
        let users: Vec<String> = self
            .by_user
            .iter()
            .filter(|(_, ms)| ms.iter().any(|m| m.client == *client))
            .map(|(user, _)| user.clone())
            .collect();
        for user in &users {
            self.retain_of(user, |m| m.client != *client);
        }
        users
    }

    fn retain_of(&mut self, user: &str, keep: impl Fn(&Monitor<C>) -> bool) {
        if let Some(ms) = self.by_user.get_mut(user) {
            ms.retain(keep);
            if ms.is_empty() {
                self.by_user.remove(user);
            }
        }
    }

    /// The monitors of `user`.
    pub fn of(&self, user: &str) -> &[Monitor<C>] {
        self.by_user.get(user).map_or(&[], Vec::as_slice)
    }

    pub fn is_monitored(&self, user: &str) -> bool {
        self.by_user.contains_key(user)
    }

    pub fn clear(&mut self) {
        self.by_user.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::out::{Conn, Dev, Kind};

    #[test]
    fn user_mapping() {
        let cases = [
            ("2001", Some("example.net"), "2001@example.net"),
            ("2001@other.org", Some("example.net"), "2001@other.org"),
            ("2001", None, "2001"),
            ("+15551234", Some("d"), "+15551234@d"),
        ];
        for (device, domain, want) in cases {
            assert_eq!(user_for(device, domain), want, "{device}");
        }
    }

    #[test]
    fn each_monitor_gets_the_events_its_filter_lets_through() {
        let conn = Conn {
            call_id: "1:1".into(),
            device: Dev::Local,
        };
        let outs = [
            CstaEvent::new(Kind::Delivered, conn.clone()),
            CstaEvent::new(Kind::Established, conn),
        ];
        let quiet = MonitorFilter::from_flags(&["delivered"]);
        let watches = [
            Watch {
                client: 1,
                ns: "urn:a",
                cross_ref: "7",
                device: "2001",
                filter: None,
            },
            Watch {
                client: 2,
                ns: "urn:b",
                cross_ref: "8",
                device: "2001@example.net",
                filter: Some(&quiet),
            },
        ];
        let mut frames = Vec::new();
        fan_out(&outs, watches, |client, xml| frames.push((client, xml)));
        let shown: Vec<(i32, bool, bool)> = frames
            .iter()
            .map(|(c, xml)| {
                (
                    *c,
                    xml.contains("DeliveredEvent"),
                    xml.contains("<monitorCrossRefID>8</monitorCrossRefID>"),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [(1, true, false), (1, false, false), (2, false, true)]
        );
        assert!(frames[2].1.contains("urn:b"));
    }

    #[test]
    fn a_table_keeps_the_monitors_of_each_user() {
        let mut t: MonitorTable<&str> = MonitorTable::default();
        let m = |client, xref: &str| Monitor {
            client,
            cross_ref: xref.into(),
            device: "2001".into(),
            filter: MonitorFilter::default(),
        };
        t.add("2001@d", m("a", "1"));
        t.add("2001@d", m("b", "2"));
        t.add("2002@d", m("a", "3"));
        assert_eq!(t.of("2001@d").len(), 2);
        assert_eq!(t.remove(&"b", "2"), Some("2001@d".into()));
        assert_eq!(t.remove(&"b", "2"), None);
        let mut gone = t.remove_client(&"a");
        gone.sort();
        assert_eq!(gone, ["2001@d", "2002@d"]);
        assert!(!t.is_monitored("2001@d") && !t.is_monitored("2002@d"));
    }
}
