//! Exactly-once: a bounded window of recently seen Xsi eventIDs.
//!
//! BroadWorks re-sends an event on another channel of the set when the first
//! channel failed before the acknowledgement landed, so one eventID can
//! arrive twice, seconds apart. The window remembers the last `capacity`
//! ids (as 64-bit hashes, so memory stays flat whatever the ids look like)
//! and forgets the oldest first.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

/// Default window: several seconds of traffic at 50k events/s.
pub const DEFAULT_WINDOW: usize = 262_144;

pub struct Dedup {
    seen: HashSet<u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl Dedup {
    pub fn new(capacity: usize) -> Self {
        Dedup {
            seen: HashSet::with_capacity(capacity.min(DEFAULT_WINDOW)),
            order: VecDeque::with_capacity(capacity.min(DEFAULT_WINDOW)),
            capacity: capacity.max(1),
        }
    }

    /// True the first time `event_id` is offered (within the window).
    pub fn first_time(&mut self, event_id: &str) -> bool {
        let mut h = DefaultHasher::new();
        event_id.hash(&mut h);
        let key = h.finish();
        if !self.seen.insert(key) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_inside_the_window_are_caught() {
        let mut d = Dedup::new(3);
        let script = [
            ("a", true),
            ("b", true),
            ("a", false),
            ("c", true),
            ("b", false),
            ("d", true), // evicts a
            ("a", true),
            ("a", false),
        ];
        for (i, (id, want)) in script.iter().enumerate() {
            assert_eq!(d.first_time(id), *want, "step {i}: {id}");
        }
    }

    #[test]
    fn memory_is_bounded() {
        let mut d = Dedup::new(1000);
        for i in 0..50_000 {
            assert!(d.first_time(&format!("ev-{i}")));
        }
        assert_eq!(d.len(), 1000);
        assert!(d.seen.len() <= 1000);
    }
}
