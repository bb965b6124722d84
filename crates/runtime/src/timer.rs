//! Timers (`erlang:send_after`, `erlang:start_timer`): a message sent later.
//!
//! A timer follows its destination, as OTP's do: one aimed at a pid is cancelled
//! when that process is not alive or exits, and it survives the death of the process
//! that set it. One aimed at a registered name looks the name up when it fires. A
//! timer runs on the node of the process that set it, so a crash of that node loses
//! it.

use std::sync::Arc;
use std::time::Duration;

use crate::call::Dest;
use crate::kernel::{Kernel, State, TimerEntry};
use crate::message::{Message, Payload};
use crate::pid::{Pid, Ref};

/// What a timer sends when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The bare message (`send_after`).
    Bare,
    /// `{timeout, Ref, Msg}` (`start_timer`).
    Timeout,
}

/// Starts a timer set by `owner`. A pid destination that is not alive, or a dead
/// owner, gives a reference that never fires.
pub(crate) fn start(kernel: &Arc<Kernel>, owner: Pid, dest: Dest, body: Payload, delay: Duration, shape: Shape) -> Ref {
    kernel.act(|state| {
        let tref = state.new_ref();
        let dest_dead = matches!(dest, Dest::Pid(pid) if !state.is_alive(pid));
        if !state.is_alive(owner) || dest_dead {
            return tref;
        }
        let Some(node) = state.madsim_handle(owner.node) else {
            return tref;
        };
        let due = madsim::time::TimeHandle::current().now_instant() + delay;
        if let Dest::Pid(pid) = &dest {
            if let Some(p) = state.procs.get_mut(pid) {
                p.timers.insert(tref);
            }
        }
        let timeout = shape == Shape::Timeout;
        state.timers.insert(tref, TimerEntry { owner, dest, due, timeout, task: None });
        let k = kernel.clone();
        let task = node.spawn(async move {
            madsim::time::sleep_until(due).await;
            k.act(|s| s.fire(tref, body));
        });
        match state.timers.get_mut(&tref) {
            Some(t) => t.task = Some(task.abort_handle()),
            None => task.abort(),
        }
        tref
    })
}

impl State {
    /// Removes a pending timer and returns it.
    pub(crate) fn take_timer(&mut self, tref: Ref) -> Option<TimerEntry> {
        let t = self.timers.remove(&tref)?;
        if let Dest::Pid(pid) = &t.dest {
            if let Some(p) = self.procs.get_mut(pid) {
                p.timers.remove(&tref);
            }
        }
        Some(t)
    }

    /// The timer is due: send its message (from its owner, alive or not).
    fn fire(&mut self, tref: Ref, body: Payload) {
        let Some(t) = self.take_timer(tref) else {
            return;
        };
        let to = match &t.dest {
            Dest::Pid(pid) => Some(*pid),
            Dest::Name(node, name) => self.whereis(*node, name),
        };
        let Some(to) = to else {
            return;
        };
        let msg =
            if t.timeout { Message::Timeout { timer: tref, body } } else { Message::Info { from: t.owner, body } };
        self.route(t.owner, to, msg);
    }

    /// `erlang:cancel_timer(Ref)`: the time that was left, or `None` if the timer
    /// had fired, was cancelled, or never ran. Any process may cancel any timer.
    pub(crate) fn cancel_timer(&mut self, tref: Ref) -> Option<Duration> {
        let t = self.take_timer(tref)?;
        if let Some(task) = &t.task {
            task.abort();
        }
        Some(time_left(&t))
    }

    /// `erlang:read_timer(Ref)`: the time left, or `None` if it is not pending.
    pub(crate) fn read_timer(&self, tref: Ref) -> Option<Duration> {
        self.timers.get(&tref).map(time_left)
    }
}

fn time_left(t: &TimerEntry) -> Duration {
    t.due.saturating_duration_since(madsim::time::TimeHandle::current().now_instant())
}
