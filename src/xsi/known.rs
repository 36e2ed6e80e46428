//! Which subscriptions bwcsta owns, shared between the dispatcher (writer)
//! and the XSP channel threads (readers).
//!
//! A channel thread acknowledges every event at once, before the dispatcher
//! sees it. An event of a subscription nobody here created (one left from
//! before a restart: subscriptions belong to the channel set, which outlives
//! the process) is answered with 481 so that BroadWorks deletes it. The
//! initial event of a subscription can arrive before the POST that created it
//! has returned, so a user whose creation is still in flight counts as known.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use parking_lot::RwLock;

#[derive(Default)]
pub struct KnownSubscriptions {
    inner: RwLock<Inner>,
}

/// Ids and users are shared with the dispatcher's own records (one copy of
/// each per monitored device).
#[derive(Default)]
struct Inner {
    ids: HashSet<Arc<str>>,
    /// user id → number of creations in flight.
    pending: HashMap<Arc<str>, usize>,
}

impl KnownSubscriptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Should an event of `subscription_id` for `target` be accepted (200)?
    pub fn accepts(&self, subscription_id: &str, target: Option<&str>) -> bool {
        let inner = self.inner.read();
        inner.ids.contains(subscription_id) || target.is_some_and(|t| inner.pending.contains_key(t))
    }

    pub fn begin_create(&self, user: &Arc<str>) {
        *self.inner.write().pending.entry(user.clone()).or_insert(0) += 1;
    }

    /// The creation for `user` finished; `id` is set when it succeeded.
    pub fn end_create(&self, user: &str, id: Option<Arc<str>>) {
        let mut inner = self.inner.write();
        if let Some(n) = inner.pending.get_mut(user) {
            *n -= 1;
            if *n == 0 {
                inner.pending.remove(user);
            }
        }
        if let Some(id) = id {
            inner.ids.insert(id);
        }
    }

    pub fn forget(&self, id: &str) {
        self.inner.write().ids.remove(id);
    }

    /// Every subscription id currently owned (for the shutdown clean-up).
    pub fn ids(&self) -> Vec<String> {
        self.inner
            .read()
            .ids
            .iter()
            .map(|id| id.to_string())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.inner.read().ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_rejected_known_and_pending_accepted() {
        let k = KnownSubscriptions::new();
        assert!(!k.accepts("s1", Some("2001@x")));
        k.begin_create(&Arc::from("2001@x"));
        assert!(k.accepts("s1", Some("2001@x")), "pending user");
        assert!(!k.accepts("s1", Some("2002@x")), "other user");
        assert!(!k.accepts("s1", None), "no target");
        k.end_create("2001@x", Some(Arc::from("s1")));
        assert!(k.accepts("s1", None));
        assert!(!k.accepts("s2", Some("2001@x")), "no longer pending");
        k.forget("s1");
        assert!(!k.accepts("s1", None));
        assert!(k.is_empty());
    }

    #[test]
    fn overlapping_creations_stay_pending_until_the_last() {
        let k = KnownSubscriptions::new();
        let u = Arc::from("u");
        k.begin_create(&u);
        k.begin_create(&u);
        k.end_create("u", None);
        assert!(k.accepts("x", Some("u")));
        k.end_create("u", Some(Arc::from("id")));
        assert!(!k.accepts("x", Some("u")));
        assert_eq!(k.len(), 1);
    }
}
