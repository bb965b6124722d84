//! Messages: sending through the fault layer, delivering into a mailbox, and taking
//! messages out of it.

use std::task::Waker;
use std::time::Duration;

use crate::emit::{emit, Delivery, Emitted, Msg, Signal};
use crate::event::cause;
use madsim::time::Instant;

use super::transit::{Due, InFlight, Pair};
use super::State;
use crate::faults::Fate;
use crate::message::Message;
use crate::pid::{Pid, Ref};

/// What one look into a mailbox found.
pub(crate) enum Receive {
    /// The first message the predicate accepted, taken out of the mailbox.
    Got(Message),
    /// An injected defect is due: the process must panic now.
    Defect,
    /// Nothing accepted yet: the waker is kept for the next delivery.
    Waiting,
    /// The process is dead (its task is being aborted).
    Dead,
}

/// The simulated clock (one lookup of madsim's context: do it once per operation).
pub(super) fn now() -> Instant {
    madsim::time::TimeHandle::current().now_instant()
}

impl State {
    /// Sends a message from `from` to `to` through the fault layer. A dead sender
    /// sends nothing.
    pub(crate) fn send(&mut self, from: Pid, to: Pid, msg: Message) {
        if self.is_alive(from) {
            self.route(from, to, msg);
        }
    }

    /// Sends through the fault layer on `from`'s behalf, alive or not (a timer that
    /// outlived the process that set it).
    pub(crate) fn route(&mut self, from: Pid, to: Pid, msg: Message) {
        let id = self.next_message_id();
        if self.faults.is_blocked(from.node, to.node) {
            emit(Emitted::Drop { cause: cause::PARTITION, msg: Msg { id, from, to, kind: msg.kind() } });
            return;
        }
        let fate = if msg.is_faultable() {
            self.faults.fate(from.node, to.node, id)
        } else {
            Fate::Deliver { delay: Duration::ZERO }
        };
        match fate {
            Fate::Deliver { delay } => self.enqueue(from, to, msg, id, delay),
            Fate::Drop => {
                emit(Emitted::Drop { cause: cause::LOSS, msg: Msg { id, from, to, kind: msg.kind() } });
            }
            Fate::Duplicate { first, second } => {
                emit(Emitted::Duplicate(Msg { id, from, to, kind: msg.kind() }));
                self.enqueue(from, to, msg.clone(), id, first);
                self.enqueue(from, to, msg, id, second);
            }
        }
    }

    /// A runtime signal (DOWN, EXIT): never dropped by faults, but ordered after the
    /// messages the same sender has in flight to the same receiver.
    pub(super) fn deliver_signal(&mut self, from: Pid, to: Pid, msg: Message) {
        let id = self.next_message_id();
        self.enqueue(from, to, msg, id, Duration::ZERO);
    }

    fn next_message_id(&mut self) -> u64 {
        self.next_message += 1;
        self.next_message
    }

    /// Puts a message behind whatever the pair has in flight. Delivers at once when
    /// nothing is in flight and there is no delay; otherwise a new queue asks for a
    /// pump (started by [`super::Kernel::act`] once the lock is released).
    fn enqueue(&mut self, from: Pid, to: Pid, msg: Message, id: u64, delay: Duration) {
        let now = now();
        if delay.is_zero() && self.transit.is_idle((from, to)) {
            self.deliver_now(from, to, InFlight { at: now, msg, id, sent: now }, now);
        } else {
            self.transit.push((from, to), msg, id, now, delay);
        }
    }

    /// Delivers every message of the pair that is due; returns when the next is due.
    pub(super) fn deliver_due(&mut self, pair: Pair) -> Option<Instant> {
        let now = now();
        loop {
            match self.transit.pop_due(pair, now) {
                Due::Empty => return None,
                Due::Later(at) => return Some(at),
                Due::Now(f) => {
                    if f.msg.is_faultable() && self.faults.is_blocked(pair.0.node, pair.1.node) {
                        let msg = Msg { id: f.id, from: pair.0, to: pair.1, kind: f.msg.kind() };
                        emit(Emitted::Drop { cause: cause::PARTITION, msg });
                        continue;
                    }
                    self.deliver_now(pair.0, pair.1, f, now);
                }
            }
        }
    }

    /// Puts a message in a live mailbox at `now` and wakes its owner. A message to a
    /// dead process, or a reply nobody waits for any more, is dropped silently.
    pub(super) fn deliver_now(&mut self, from: Pid, to: Pid, f: InFlight, now: Instant) {
        let InFlight { msg, id, sent, .. } = f;
        let m = Msg { id, from, to, kind: msg.kind() };
        let Some(p) = self.procs.get_mut(&to) else {
            emit(Emitted::Drop { cause: cause::DEAD, msg: m });
            return;
        };
        if let Message::Reply { tag, .. } = &msg {
            if !p.awaiting.contains(tag) {
                emit(Emitted::Drop { cause: cause::LATE_REPLY, msg: m });
                return;
            }
        }
        // The time in flight: what a delayed message's arrow spans. A DOWN names its
        // monitor and reason, an EXIT its reason: what runtime invariants judge.
        let in_flight_ns = u64::try_from(now.saturating_duration_since(sent).as_nanos()).unwrap_or(u64::MAX);
        let signal = match &msg {
            Message::Down(d) => Signal::Down { monitor: d.monitor, reason: &d.reason },
            Message::Exit { reason, .. } => Signal::Exit { reason },
            _ => Signal::None,
        };
        emit(Emitted::Deliver(Delivery { msg: m, in_flight_ns, signal }));
        p.mailbox.push_back(msg);
        if let Some(w) = p.waker.take() {
            w.wake();
        }
    }

    /// True if a message from `from` to `to` that `is` accepts is still in flight.
    pub(crate) fn in_transit(&self, from: Pid, to: Pid, is: impl Fn(&Message) -> bool) -> bool {
        self.transit.any((from, to), is)
    }

    /// True if `pid` is alive and a message that `is` accepts waits in its mailbox.
    pub(crate) fn in_mailbox(&self, pid: Pid, is: impl Fn(&Message) -> bool) -> bool {
        self.procs.get(&pid).is_some_and(|p| p.mailbox.iter().any(is))
    }

    // ----- the receiving side -----------------------------------------------

    /// Takes the first message in `pid`'s mailbox that `pred` accepts; if there is
    /// none, keeps `waker` to be woken by the next delivery.
    pub(crate) fn receive(&mut self, pid: Pid, pred: impl FnMut(&Message) -> bool, waker: &Waker) -> Receive {
        let Some(p) = self.procs.get_mut(&pid) else {
            return Receive::Dead;
        };
        if std::mem::take(&mut p.defect) {
            return Receive::Defect;
        }
        if let Some(i) = p.mailbox.iter().position(pred) {
            return Receive::Got(p.mailbox.remove(i).expect("index from position"));
        }
        if !p.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            p.waker = Some(waker.clone());
        }
        Receive::Waiting
    }

    /// Takes the first message in `pid`'s mailbox that `pred` accepts, without waiting.
    pub(crate) fn take_message(&mut self, pid: Pid, pred: impl FnMut(&Message) -> bool) -> Option<Message> {
        let mailbox = &mut self.procs.get_mut(&pid)?.mailbox;
        let i = mailbox.iter().position(pred)?;
        mailbox.remove(i)
    }

    /// Removes every message in `pid`'s mailbox that `pred` accepts.
    pub(crate) fn discard_messages(&mut self, pid: Pid, mut pred: impl FnMut(&Message) -> bool) {
        if let Some(p) = self.procs.get_mut(&pid) {
            p.mailbox.retain(|m| !pred(m));
        }
    }

    pub(crate) fn mailbox_len(&self, pid: Pid) -> usize {
        self.procs.get(&pid).map_or(0, |p| p.mailbox.len())
    }

    /// `pid` now waits for a reply tagged `tag`: only such replies reach its mailbox.
    pub(crate) fn await_reply(&mut self, pid: Pid, tag: Ref) {
        if let Some(p) = self.procs.get_mut(&pid) {
            p.awaiting.push(tag);
        }
    }

    /// `pid` stops waiting for `tag`: a reply already queued goes, a later one is dropped.
    pub(crate) fn stop_awaiting(&mut self, pid: Pid, tag: Ref) {
        if let Some(p) = self.procs.get_mut(&pid) {
            p.awaiting.retain(|t| *t != tag);
            p.mailbox.retain(|m| !matches!(m, Message::Reply { tag: t, .. } if *t == tag));
        }
    }
}
