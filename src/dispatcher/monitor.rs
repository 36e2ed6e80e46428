//! One monitor as a session holds it, kept small: a contact centre monitors
//! tens of thousands of devices, each costing memory for as long as it is
//! monitored.
//!
//! - The monitorCrossRefID is the dispatcher's own counter ([`CrossRef`]),
//!   kept as a number and written as its decimal text only into frames.
//! - The BroadWorks user id is one shared `Arc<str>` for the session's
//!   monitor, the device table and the call model's lookups.
//! - The device as the client wrote it is usually the user id without its
//!   `@domain` (or the user id itself) and is then not stored again.

use std::fmt;
use std::sync::Arc;

use crate::csta::parse::MonitorFilter;

/// A monitorCrossRefID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrossRef(pub u64);

impl CrossRef {
    /// The cross-ref a client names in a request; `None` for text that is
    /// not one of ours (it then matches no monitor).
    pub fn parse(text: &str) -> Option<CrossRef> {
        let text = text.trim();
        if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().map(CrossRef)
    }

    /// The decimal text, on the stack.
    pub fn text(self) -> CrossRefText {
        let mut digits = [0u8; 20];
        let len = {
            let mut rest = &mut digits[..];
            // 20 digits hold any u64: the write cannot run out of room.
            let _ = std::io::Write::write_fmt(&mut rest, format_args!("{}", self.0));
            20 - rest.len()
        };
        CrossRefText { digits, len }
    }
}

impl fmt::Display for CrossRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// [`CrossRef::text`]: decimal digits without an allocation.
pub struct CrossRefText {
    digits: [u8; 20],
    len: usize,
}

impl CrossRefText {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.digits.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }
}

/// How the client named the device, relative to the user id.
#[derive(Clone, Debug, PartialEq, Eq)]
enum DeviceName {
    /// The user id without its `@domain` (`2001` for `2001@example.net`).
    Local,
    /// The user id itself.
    User,
    Other(Box<str>),
}

#[derive(Clone, Debug)]
pub struct Monitor {
    /// BroadWorks user id the device maps to.
    pub user: Arc<str>,
    device: DeviceName,
    /// Only when the client filters anything out.
    filter: Option<Box<MonitorFilter>>,
}

impl Monitor {
    /// `device` as the client wrote it (trimmed), mapped to `user`.
    pub fn new(user: Arc<str>, device: &str, filter: MonitorFilter) -> Monitor {
        let filter = (!filter.is_empty()).then(|| Box::new(filter));
        let local = user.split_once('@').map(|(local, _)| local);
        let device = if *user == *device {
            DeviceName::User
        } else if local == Some(device) {
            DeviceName::Local
        } else {
            DeviceName::Other(device.into())
        };
        Monitor {
            user,
            device,
            filter,
        }
    }

    /// Whether the client asked not to get the events behind `flag`.
    pub fn suppresses(&self, flag: &str) -> bool {
        self.filter.as_ref().is_some_and(|f| f.suppresses(flag))
    }

    /// What the client filters out, if anything.
    pub fn filter(&self) -> Option<&MonitorFilter> {
        self.filter.as_deref()
    }

    /// The device as the client wrote it; events use it as deviceID.
    pub fn device(&self) -> &str {
        match &self.device {
            DeviceName::Local => self.user.split('@').next().unwrap_or(&self.user),
            DeviceName::User => &self.user,
            DeviceName::Other(device) => device,
        }
    }
}

/// A list that nearly always holds one item (the monitors of a device, its
/// subscriptions, the MonitorStarts waiting for them), kept without an
/// allocation of its own while it does.
#[derive(Clone, Debug)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

/// (session, monitorCrossRefID) of every monitor of a device.
pub type MonitorList = OneOrMany<(crate::event::ClientId, CrossRef)>;

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    pub fn one(item: T) -> Self {
        OneOrMany::One(item)
    }

    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(item) => std::slice::from_ref(item),
            OneOrMany::Many(v) => v,
        }
    }

    pub fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            OneOrMany::One(item) => std::slice::from_mut(item),
            OneOrMany::Many(v) => v,
        }
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    pub fn push(&mut self, item: T) {
        match std::mem::take(self) {
            OneOrMany::One(first) => *self = OneOrMany::Many(vec![first, item]),
            OneOrMany::Many(v) if v.is_empty() => *self = OneOrMany::One(item),
            OneOrMany::Many(mut v) => {
                v.push(item);
                *self = OneOrMany::Many(v);
            }
        }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        match self {
            OneOrMany::One(item) if !keep(item) => *self = OneOrMany::default(),
            OneOrMany::One(_) => {}
            OneOrMany::Many(v) => v.retain(|item| keep(item)),
        }
    }

    /// Removes and returns the item at `index`.
    pub fn remove(&mut self, index: usize) -> Option<T> {
        match std::mem::take(self) {
            OneOrMany::One(item) if index == 0 => Some(item),
            OneOrMany::One(item) => {
                *self = OneOrMany::One(item);
                None
            }
            OneOrMany::Many(mut v) => {
                let removed = (index < v.len()).then(|| v.remove(index));
                *self = OneOrMany::Many(v);
                removed
            }
        }
    }

    /// Removes and returns the first item that matches.
    pub fn take_first(&mut self, pred: impl Fn(&T) -> bool) -> Option<T> {
        let pos = self.iter().position(pred)?;
        self.remove(pos)
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_refs_as_text_and_back() {
        for n in [0, 1, 9, 10, 12345, u64::MAX] {
            let x = CrossRef(n);
            assert_eq!(x.text().as_str(), n.to_string());
            assert_eq!(x.to_string(), n.to_string());
            assert_eq!(CrossRef::parse(&n.to_string()), Some(x));
        }
        assert_eq!(CrossRef::parse(" 42 "), Some(CrossRef(42)));
        for bad in ["", "x", "-1", "1.5", "18446744073709551616", "1 2"] {
            assert_eq!(CrossRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_monitor_list_grows_and_shrinks() {
        use crate::event::ClientId;
        let (a, b, c) = (
            (ClientId(1), CrossRef(1)),
            (ClientId(2), CrossRef(2)),
            (ClientId(3), CrossRef(3)),
        );
        let mut l = MonitorList::one(a);
        assert_eq!(l.as_slice(), [a]);
        l.push(b);
        l.push(c);
        assert_eq!(l.iter().copied().collect::<Vec<_>>(), [a, b, c]);
        l.retain(|m| *m != b);
        assert_eq!(l.as_slice(), [a, c]);
        l.retain(|_| false);
        assert!(l.is_empty());
        l.push(c);
        assert!(matches!(l, OneOrMany::One(m) if m == c));
        l.retain(|_| false);
        assert!(l.is_empty());
        let mut l = OneOrMany::one(1);
        l.push(2);
        l.push(3);
        assert_eq!(l.take_first(|n| *n >= 2), Some(2));
        assert_eq!(l.take_first(|n| *n == 9), None);
        assert_eq!(l.as_slice(), [1, 3]);
        let mut l = OneOrMany::one(7);
        assert_eq!(l.take_first(|n| *n == 7), Some(7));
        assert!(l.is_empty());
    }

    #[test]
    fn filters_are_kept_only_when_they_filter() {
        let user: Arc<str> = Arc::from("2001@example.net");
        let plain = Monitor::new(user.clone(), "2001", MonitorFilter::default());
        assert!(plain.filter.is_none());
        assert!(!plain.suppresses("delivered"));
        let filtered = MonitorFilter::from_flags(&["delivered"]);
        let m = Monitor::new(user, "2001", filtered);
        assert!(m.suppresses("delivered"));
        assert!(!m.suppresses("established"));
    }

    #[test]
    fn the_device_name_is_kept_only_when_it_cannot_be_derived() {
        let cases = [
            ("2001@example.net", "2001", DeviceName::Local),
            ("2001@other.org", "2001@other.org", DeviceName::User),
            ("2001", "2001", DeviceName::User),
            (
                "+15551234@example.net",
                "tel:+15551234",
                DeviceName::Other("tel:+15551234".into()),
            ),
            (
                "2001@example.net",
                "2001@",
                DeviceName::Other("2001@".into()),
            ),
        ];
        for (user, device, stored) in cases {
            let m = Monitor::new(Arc::from(user), device, MonitorFilter::default());
            assert_eq!(m.device, stored, "{user} {device}");
            assert_eq!(m.device(), device, "{user}");
        }
    }
}
