//! A receiver's bounded buffer: the requests held while its breaker is open.
//!
//! The bound holds after every insertion: the oldest slots beyond it are handed back
//! to the caller, which must count and report them (an overflow is never silent).

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use otpsim_runtime::{IdText, Pid};

use crate::protocol::AgentRequest;
use crate::task::TaskId;

/// A request's stable identity: what events print as `msg`, and what a buffer
/// deduplicates on (a caller re-driving a buffered request does not buffer it twice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MsgKey {
    /// An assignment of this task.
    Task(TaskId),
    /// A status request.
    Status,
    /// A resume request.
    Resume,
}

impl MsgKey {
    /// The key of `request`.
    pub fn of(request: &AgentRequest) -> Self {
        match request {
            AgentRequest::Assign { task, .. } => MsgKey::Task(task.id),
            AgentRequest::Status => MsgKey::Status,
            AgentRequest::Resume => MsgKey::Resume,
        }
    }
}

impl MsgKey {
    /// The key's text (a task's id, `status` or `resume`), as events carry it, made
    /// without the formatter.
    pub fn text(self) -> IdText {
        match self {
            MsgKey::Task(id) => id.text(),
            MsgKey::Status => IdText::ascii("status"),
            MsgKey::Resume => IdText::ascii("resume"),
        }
    }
}

impl fmt::Display for MsgKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// A buffered request, with what its later delivery and its caller's notice need.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// Push order (the `seq` of the trace events).
    pub seq: u64,
    pub key: MsgKey,
    pub request: AgentRequest,
    /// How long one delivery attempt may wait for the agent.
    pub timeout: Duration,
    /// Who gets the [`super::Settled`] notice.
    pub caller: Pid,
}

/// One buffer slot.
#[derive(Clone, Debug)]
pub(crate) enum Slot {
    Held(Entry),
    /// Only on the `buffer_overflow_crash` path: the overflowing request stored in a
    /// shape the replay cannot read, as the original did.
    Malformed {
        seq: u64,
        key: MsgKey,
    },
}

impl Slot {
    pub fn key(&self) -> MsgKey {
        match self {
            Slot::Held(e) => e.key,
            Slot::Malformed { key, .. } => *key,
        }
    }
}

/// The slots of one receiver, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Buffer {
    slots: VecDeque<Slot>,
}

impl Buffer {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The held entry for `key`, if it is buffered and readable.
    pub fn entry_mut(&mut self, key: MsgKey) -> Option<&mut Entry> {
        self.slots.iter_mut().find_map(|s| match s {
            Slot::Held(e) if e.key == key => Some(e),
            _ => None,
        })
    }

    /// True if a slot for `key` is buffered.
    pub fn holds(&self, key: MsgKey) -> bool {
        self.slots.iter().any(|s| s.key() == key)
    }

    /// Appends `slot`, then drops the oldest slots beyond `max`; returns the dropped,
    /// oldest first.
    pub fn push(&mut self, slot: Slot, max: usize) -> Vec<Slot> {
        self.slots.push_back(slot);
        self.trim(max)
    }

    /// Takes the next slot to replay: the oldest, or the newest when `newest_first`
    /// (the `lifo_drain` flaw).
    pub fn take_next(&mut self, newest_first: bool) -> Option<Slot> {
        if newest_first {
            self.slots.pop_back()
        } else {
            self.slots.pop_front()
        }
    }

    /// Puts back a slot whose replay failed, where [`Buffer::take_next`] found it, then
    /// enforces `max` (new requests may have filled the buffer meanwhile).
    pub fn put_back(&mut self, slot: Slot, newest_first: bool, max: usize) -> Vec<Slot> {
        if newest_first {
            self.slots.push_back(slot);
        } else {
            self.slots.push_front(slot);
        }
        self.trim(max)
    }

    /// Empties the buffer, oldest first.
    pub fn take_all(&mut self) -> Vec<Slot> {
        self.slots.drain(..).collect()
    }

    fn trim(&mut self, max: usize) -> Vec<Slot> {
        let excess = self.slots.len().saturating_sub(max);
        self.slots.drain(..excess).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(seq: u64) -> Slot {
        Slot::Held(Entry {
            seq,
            key: MsgKey::Task(TaskId(seq)),
            request: AgentRequest::Status,
            timeout: Duration::from_millis(10),
            caller: Pid { serial: 1, node: otpsim_runtime::NodeId(0), incarnation: 0 },
        })
    }

    fn seqs(slots: &[Slot]) -> Vec<u64> {
        slots.iter().map(|s| if let MsgKey::Task(id) = s.key() { id.0 } else { 0 }).collect()
    }

    #[test]
    fn push_beyond_the_bound_drops_the_oldest() {
        let mut b = Buffer::default();
        for seq in 1..=3 {
            assert!(b.push(slot(seq), 3).is_empty());
        }
        assert_eq!(seqs(&b.push(slot(4), 3)), vec![1]);
        assert_eq!(seqs(&b.take_all()), vec![2, 3, 4]);
    }

    #[test]
    fn a_zero_bound_keeps_nothing() {
        let mut b = Buffer::default();
        assert_eq!(seqs(&b.push(slot(1), 0)), vec![1]);
        assert!(b.is_empty());
    }

    #[test]
    fn take_next_is_fifo_unless_newest_first_and_put_back_restores_the_place() {
        let mut b = Buffer::default();
        for seq in 1..=3 {
            b.push(slot(seq), 10);
        }
        let first = b.take_next(false).unwrap();
        assert_eq!(seqs(std::slice::from_ref(&first)), vec![1]);
        b.put_back(first, false, 10);
        let last = b.take_next(true).unwrap();
        assert_eq!(seqs(std::slice::from_ref(&last)), vec![3]);
        b.put_back(last, true, 10);
        assert_eq!(seqs(&b.take_all()), vec![1, 2, 3]);
    }

    #[test]
    fn put_back_into_a_full_buffer_drops_the_oldest() {
        let mut b = Buffer::default();
        b.push(slot(1), 2);
        let first = b.take_next(false).unwrap();
        b.push(slot(2), 2);
        b.push(slot(3), 2);
        assert_eq!(seqs(&b.put_back(first, false, 2)), vec![1]);
        assert!(b.holds(MsgKey::Task(TaskId(2))) && b.holds(MsgKey::Task(TaskId(3))));
    }
}
