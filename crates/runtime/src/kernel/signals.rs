//! Monitors and links: the two ways one process learns of another's exit.

use std::sync::Arc;

use crate::emit::{emit, Emitted};

use super::State;
use crate::message::{Down, Message};
use crate::pid::{NodeId, Pid, Ref};
use crate::reason::Reason;

pub(super) struct MonitorEntry {
    pub(super) watcher: Pid,
    pub(super) target: Pid,
    /// The registered name the monitor was set on, if it was (its DOWN names it).
    pub(super) name: Option<Arc<str>>,
}

impl State {
    /// `erlang:monitor(process, target)`. A dead target gives DOWN at once: `noproc`,
    /// or `noconnection` if its node cannot be reached.
    pub(crate) fn monitor(&mut self, watcher: Pid, target: Pid) -> Ref {
        self.monitor_as(watcher, target, None)
    }

    /// `erlang:monitor(process, {Name, Node})`: the name is looked up now; a name
    /// nobody holds gives DOWN `noproc` at once. The DOWN names `name`, not a pid.
    pub(crate) fn monitor_name(&mut self, watcher: Pid, node: NodeId, name: Arc<str>) -> Ref {
        let target = match self.whereis(node, &name) {
            Some(pid) if !self.unreachable(watcher.node, node) => pid,
            _ => Pid::nobody(node),
        };
        self.monitor_as(watcher, target, Some(name))
    }

    fn monitor_as(&mut self, watcher: Pid, target: Pid, name: Option<Arc<str>>) -> Ref {
        let mref = self.new_ref();
        if !self.is_alive(watcher) {
            return mref;
        }
        if self.unreachable(watcher.node, target.node) {
            let down = Down { monitor: mref, pid: target, name, reason: Reason::Noconnection };
            self.deliver_signal(target, watcher, Message::Down(down));
        } else if let Some(t) = self.procs.get_mut(&target) {
            t.watched_by.insert(mref);
            if let Some(w) = self.procs.get_mut(&watcher) {
                w.watching.insert(mref);
            }
            self.monitors.insert(mref, MonitorEntry { watcher, target, name });
            emit(Emitted::Monitor { watcher, target, monitor: mref });
        } else {
            let down = Down { monitor: mref, pid: target, name, reason: Reason::Noproc };
            self.deliver_signal(target, watcher, Message::Down(down));
        }
        mref
    }

    pub(super) fn remove_monitor(&mut self, mref: Ref) -> Option<MonitorEntry> {
        let m = self.monitors.remove(&mref)?;
        if let Some(w) = self.procs.get_mut(&m.watcher) {
            w.watching.remove(&mref);
        }
        if let Some(t) = self.procs.get_mut(&m.target) {
            t.watched_by.remove(&mref);
        }
        Some(m)
    }

    /// `erlang:demonitor(ref)`, with `flush` removing a DOWN for it already queued or
    /// in flight. Returns true if the monitor was active and owned by `watcher`; a
    /// stale or foreign reference changes nothing.
    pub(crate) fn demonitor(&mut self, watcher: Pid, mref: Ref, flush: bool) -> bool {
        let owned = self.monitors.get(&mref).is_some_and(|m| m.watcher == watcher);
        if owned {
            self.remove_monitor(mref);
            emit(Emitted::Demonitor { watcher, monitor: mref });
        }
        if flush {
            let is_down = |m: &Message| matches!(m, Message::Down(d) if d.monitor == mref);
            if let Some(w) = self.procs.get_mut(&watcher) {
                w.mailbox.retain(|m| !is_down(m));
            }
            self.transit.retain_to(watcher, |m| !is_down(m));
        }
        owned
    }

    /// `link(other)`. Linking to a dead process is `Err(noproc)` for a caller that
    /// does not trap exits (OTP raises `noproc`); a trapping caller gets an EXIT
    /// `noproc` message instead. A node that cannot be reached sends the caller an
    /// exit signal `noconnection`, as a remote link does.
    pub(crate) fn link(&mut self, pid: Pid, other: Pid) -> Result<(), Reason> {
        let Some(me) = self.procs.get(&pid) else {
            return Ok(());
        };
        if pid == other {
            return Ok(());
        }
        let trapping = me.trap_exit;
        if self.unreachable(pid.node, other.node) {
            self.exit_signal(other, pid, Reason::Noconnection);
            return Ok(());
        }
        let Some(o) = self.procs.get_mut(&other) else {
            if !trapping {
                return Err(Reason::Noproc);
            }
            self.deliver_signal(other, pid, Message::Exit { from: other, reason: Reason::Noproc });
            return Ok(());
        };
        o.links.insert(pid);
        if let Some(p) = self.procs.get_mut(&pid) {
            p.links.insert(other);
        }
        emit(Emitted::Link { pid, other });
        Ok(())
    }

    pub(crate) fn unlink(&mut self, pid: Pid, other: Pid) {
        if let Some(p) = self.procs.get_mut(&pid) {
            p.links.remove(&other);
        }
        if let Some(o) = self.procs.get_mut(&other) {
            o.links.remove(&pid);
        }
    }
}
