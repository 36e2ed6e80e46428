//! At most one log line per period for things a peer can trigger at will
//! (connection refusals, lost sequence gaps, late events): a burst must not
//! rotate the operator's log away. Held-back occurrences are counted so the
//! next line can say how many there were.

use std::time::{Duration, Instant};

pub struct Every {
    period: Duration,
    last: Option<Instant>,
    held_back: u64,
}

impl Every {
    pub const fn new(period: Duration) -> Self {
        Every {
            period,
            last: None,
            held_back: 0,
        }
    }

    /// One occurrence at `now`: `Some(n)` when a line may be written, `n`
    /// being the occurrences held back since the previous line; `None` when
    /// this one is held back.
    pub fn ready(&mut self, now: Instant) -> Option<u64> {
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < self.period)
        {
            self.held_back += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.held_back))
    }
}

impl Default for Every {
    /// Once per second.
    fn default() -> Self {
        Every::new(Duration::from_secs(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_period_with_the_held_back_count() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut e = Every::new(Duration::from_millis(100));
        let script = [
            (0, Some(0)),
            (10, None),
            (50, None),
            (100, Some(2)),
            (150, None),
            (250, Some(1)),
            (400, Some(0)),
        ];
        for (at, want) in script {
            assert_eq!(e.ready(ms(at)), want, "at {at} ms");
        }
    }
}
