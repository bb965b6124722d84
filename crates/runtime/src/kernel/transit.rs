//! Delayed delivery that keeps per-pair FIFO order.
//!
//! A message with a delay waits in its (sender, receiver) queue; anything the same
//! sender sends the same receiver afterwards queues behind it, delayed or not. One
//! pump task per non-empty queue delivers what is due (the kernel starts it once a
//! queue stops being empty). The pump runs on the sender's node, so a node crash
//! loses what that node had in flight, as a real network does.
//!
//! This file only keeps the queues; what a delivery does is the kernel's business.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use madsim::time::Instant;

use crate::message::Message;
use crate::pid::{NodeId, Pid};

/// A (sender, receiver) pair: the unit of FIFO order.
pub(super) type Pair = (Pid, Pid);

/// One message in flight between a pair, due at `at`.
pub(super) struct InFlight {
    pub(super) at: Instant,
    pub(super) msg: Message,
    /// The message's number in the trace (`msg=` of its events).
    pub(super) id: u64,
    /// When it was sent, so its delivery can say how long it was in flight.
    pub(super) sent: Instant,
}

/// What a pair's queue holds at a moment.
pub(super) enum Due {
    /// The front message is due: it has been taken off the queue.
    Now(InFlight),
    /// The front message is due later, at this instant.
    Later(Instant),
    /// The queue is empty (and has been forgotten).
    Empty,
}

/// Every pair's queue of delayed messages, kept in send order.
#[derive(Default)]
pub(super) struct Transit {
    queues: BTreeMap<Pair, VecDeque<InFlight>>,
    /// Queues that were empty and now need a pump task.
    pending_pumps: Vec<Pair>,
}

impl Transit {
    /// True if nothing is in flight for the pair: an undelayed message may skip the queue.
    pub(super) fn is_idle(&self, pair: Pair) -> bool {
        self.queues.get(&pair).is_none_or(|q| q.is_empty())
    }

    /// Queues a message behind what the pair has in flight, due no earlier than
    /// `now + delay`. A queue that was empty asks for a pump.
    pub(super) fn push(&mut self, pair: Pair, msg: Message, id: u64, now: Instant, delay: Duration) {
        let was_idle = self.is_idle(pair);
        let queue = self.queues.entry(pair).or_default();
        let at = queue.back().map_or(now + delay, |last| last.at.max(now + delay));
        queue.push_back(InFlight { at, msg, id, sent: now });
        if was_idle {
            self.pending_pumps.push(pair);
        }
    }

    /// Takes the pair's front message if it is due at `now`.
    pub(super) fn pop_due(&mut self, pair: Pair, now: Instant) -> Due {
        let Some(queue) = self.queues.get_mut(&pair) else {
            return Due::Empty;
        };
        match queue.front() {
            None => {
                self.queues.remove(&pair);
                Due::Empty
            }
            Some(f) if f.at > now => Due::Later(f.at),
            Some(_) => Due::Now(queue.pop_front().expect("front exists")),
        }
    }

    /// The queues that need a pump since the last call.
    pub(super) fn take_pending_pumps(&mut self) -> Vec<Pair> {
        std::mem::take(&mut self.pending_pumps)
    }

    /// Drops a pair's queue (its pump cannot run).
    pub(super) fn forget(&mut self, pair: Pair) {
        self.queues.remove(&pair);
    }

    /// Removes and returns every queue whose sender is on `node`, in pair order.
    pub(super) fn take_from_node(&mut self, node: NodeId) -> Vec<(Pair, VecDeque<InFlight>)> {
        let pairs: Vec<Pair> = self.queues.keys().filter(|(from, _)| from.node == node).copied().collect();
        pairs.into_iter().filter_map(|pair| self.queues.remove(&pair).map(|q| (pair, q))).collect()
    }

    /// Keeps only the messages to `to` that `keep` accepts.
    pub(super) fn retain_to(&mut self, to: Pid, keep: impl Fn(&Message) -> bool) {
        for ((_, receiver), queue) in self.queues.iter_mut() {
            if *receiver == to {
                queue.retain(|f| keep(&f.msg));
            }
        }
    }

    /// True if a message of the pair that `is` accepts is still in flight.
    pub(super) fn any(&self, pair: Pair, is: impl Fn(&Message) -> bool) -> bool {
        self.queues.get(&pair).is_some_and(|q| q.iter().any(|f| is(&f.msg)))
    }

    /// How many messages are in flight.
    pub(super) fn len(&self) -> usize {
        self.queues.values().map(VecDeque::len).sum()
    }

    pub(super) fn clear(&mut self) {
        self.queues.clear();
    }
}
