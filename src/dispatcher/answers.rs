//! A session's MonitorStart answers, released in the order it asked.
//!
//! MonitorStarts are answered when their subscription exists; with many
//! subscription requests in flight they complete in any order. Each
//! MonitorStart takes a slot when it arrives; its answer fills the slot, and
//! the filled slots at the front go out. A client that pipelines thousands
//! of MonitorStarts gets the answers in the order of its requests.

use std::collections::VecDeque;

use crate::csta::frame::InvokeId;

/// A slot number, unique within one session (invoke ids wrap and repeat).
pub type Slot = u64;

#[derive(Default)]
pub struct StartAnswers {
    /// Slot number of the front of `slots`.
    first: Slot,
    slots: VecDeque<(InvokeId, Option<String>)>,
}

impl StartAnswers {
    /// Takes the next slot for the MonitorStart `invoke_id`.
    pub fn reserve(&mut self, invoke_id: InvokeId) -> Slot {
        self.slots.push_back((invoke_id, None));
        self.first + self.slots.len() as Slot - 1
    }

    /// The answer of `slot`; false when there is no such slot waiting.
    pub fn fill(&mut self, slot: Slot, xml: String) -> bool {
        let Some(index) = slot.checked_sub(self.first) else {
            return false;
        };
        match usize::try_from(index)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
        {
            Some((_, answer @ None)) => {
                *answer = Some(xml);
                true
            }
            _ => false,
        }
    }

    /// The next answer that may go out now (every earlier one has gone).
    pub fn pop_ready(&mut self) -> Option<(InvokeId, String)> {
        if !matches!(self.slots.front(), Some((_, Some(_)))) {
            return None;
        }
        let (invoke_id, answer) = self.slots.pop_front()?;
        self.first += 1;
        answer.map(|xml| (invoke_id, xml))
    }

    /// MonitorStarts not answered yet (waiting or held behind one).
    pub fn pending(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u16) -> InvokeId {
        InvokeId::new(n).expect("valid invoke id")
    }

    fn ready(a: &mut StartAnswers) -> Vec<(u16, String)> {
        std::iter::from_fn(|| a.pop_ready())
            .map(|(i, x)| (i.get(), x))
            .collect()
    }

    #[test]
    fn answers_leave_in_request_order() {
        let mut a = StartAnswers::default();
        let s1 = a.reserve(id(1));
        let s2 = a.reserve(id(2));
        let s3 = a.reserve(id(3));
        assert!(a.fill(s3, "three".into()));
        assert!(a.fill(s2, "two".into()));
        assert_eq!(ready(&mut a), [], "the first is still waiting");
        assert_eq!(a.pending(), 3);
        assert!(a.fill(s1, "one".into()));
        assert_eq!(
            ready(&mut a),
            [(1, "one".into()), (2, "two".into()), (3, "three".into())]
        );
        assert_eq!(a.pending(), 0);
        // Slot numbers go on; an immediate answer leaves at once.
        let s4 = a.reserve(id(1));
        assert!(s4 > s3);
        assert!(a.fill(s4, "again".into()));
        assert_eq!(ready(&mut a), [(1, "again".into())]);
    }

    #[test]
    fn a_slot_is_filled_once_and_unknown_slots_are_refused() {
        let mut a = StartAnswers::default();
        let s1 = a.reserve(id(9));
        assert!(a.fill(s1, "x".into()));
        assert!(!a.fill(s1, "y".into()), "already answered");
        assert!(!a.fill(s1 + 5, "z".into()), "never reserved");
        assert_eq!(ready(&mut a), [(9, "x".into())]);
        assert!(!a.fill(s1, "late".into()), "already gone");
    }
}
