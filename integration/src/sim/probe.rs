//! Write times of probed flood events, for latency measurements.
//!
//! A paced flood with `probe` on gives each event a key (see `CallModel::flood_event`); the
//! channel writer records `(key, CLOCK_MONOTONIC ns)` as it writes the event. A client that
//! records when it reads the resulting CSTA event, on the same clock, gets the latency added
//! between the two. A re-sent event is recorded again (the earliest time is the one to use).
//! The log is bounded; [`Probes::take`] empties it.

use parking_lot::Mutex;

use crate::clock::mono_ns;

/// Records kept at most (16 bytes each).
const MAX_RECORDS: usize = 4 * 1024 * 1024;

#[derive(Default)]
pub(crate) struct Probes {
    log: Mutex<Vec<(u64, u64)>>,
}

impl Probes {
    pub(crate) fn record(&self, key: u64) {
        let at = mono_ns();
        let mut log = self.log.lock();
        if log.len() < MAX_RECORDS {
            log.push((key, at));
        }
    }

    /// Records so far.
    pub(crate) fn len(&self) -> usize {
        self.log.lock().len()
    }

    /// Every record so far, oldest first; the log starts again empty.
    pub(crate) fn take(&self) -> Vec<(u64, u64)> {
        std::mem::take(&mut *self.log.lock())
    }
}
