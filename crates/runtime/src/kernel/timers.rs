//! Pending timers: recorded on their destination so its exit cancels them.

use std::time::Duration;

use madsim::runtime::NodeHandle;
use madsim::task::AbortHandle;
use madsim::time::Instant;

use super::State;
use crate::call::Dest;
use crate::message::{Message, Payload};
use crate::pid::{Pid, Ref};

/// A pending timer. It lives on its owner's node (a node crash loses it) and follows
/// its destination: a pid destination's exit cancels it, its owner's does not.
pub(super) struct TimerEntry {
    pub(super) owner: Pid,
    pub(super) dest: Dest,
    due: Instant,
    /// `start_timer`'s `{timeout, Ref, Msg}` rather than `send_after`'s bare message.
    timeout: bool,
    pub(super) task: Option<AbortHandle>,
}

impl State {
    /// Records a timer set by `owner`, due at `due`, and returns the node its task must
    /// run on, or `None` (the timer never fires) if its owner or its pid destination is
    /// not alive. `timeout` marks a `start_timer` timer.
    pub(crate) fn arm_timer(
        &mut self,
        tref: Ref,
        owner: Pid,
        dest: Dest,
        due: Instant,
        timeout: bool,
    ) -> Option<NodeHandle> {
        let dest_dead = matches!(dest, Dest::Pid(pid) if !self.is_alive(pid));
        if !self.is_alive(owner) || dest_dead {
            return None;
        }
        let node = self.madsim_handle(owner.node)?;
        if let Dest::Pid(pid) = &dest {
            if let Some(p) = self.procs.get_mut(pid) {
                p.timers.insert(tref);
            }
        }
        self.timers.insert(tref, TimerEntry { owner, dest, due, timeout, task: None });
        Some(node)
    }

    /// Records the task that fires an armed timer; stops it if the timer is gone.
    pub(crate) fn set_timer_task(&mut self, tref: Ref, task: AbortHandle) {
        match self.timers.get_mut(&tref) {
            Some(t) => t.task = Some(task),
            None => task.abort(),
        }
    }

    /// Removes a pending timer and returns it.
    pub(super) fn take_timer(&mut self, tref: Ref) -> Option<TimerEntry> {
        let t = self.timers.remove(&tref)?;
        if let Dest::Pid(pid) = &t.dest {
            if let Some(p) = self.procs.get_mut(pid) {
                p.timers.remove(&tref);
            }
        }
        Some(t)
    }

    /// The timer is due: send its message (from its owner, alive or not).
    pub(crate) fn fire(&mut self, tref: Ref, body: Payload) {
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
