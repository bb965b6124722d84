//! Process records: creating one, a process's exit with its cascade, exit signals.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::task::Waker;

use madsim::task::AbortHandle;
use tracing::debug;

use super::State;
use crate::emit::{emit, Emitted};
use crate::message::{Down, Message};
use crate::pid::{NodeId, Pid, Ref};
use crate::reason::Reason;
use crate::refset::RefSet;

/// One live process's record.
pub(super) struct Proc {
    pub(super) mailbox: VecDeque<Message>,
    pub(super) waker: Option<Waker>,
    pub(super) trap_exit: bool,
    pub(super) links: BTreeSet<Pid>,
    /// Monitors this process holds (it is the watcher).
    pub(super) watching: RefSet,
    /// Monitors on this process (it is the target).
    pub(super) watched_by: RefSet,
    pub(super) name: Option<Arc<str>>,
    /// Timers whose message comes to this process: they are cancelled when it exits.
    pub(super) timers: BTreeSet<Ref>,
    /// Call tags this process still waits for; replies with other tags are discarded.
    pub(super) awaiting: Vec<Ref>,
    pub(super) label: Option<Arc<str>>,
    pub(super) task: Option<AbortHandle>,
    /// An injected defect is pending: the process panics at its next receive.
    pub(super) defect: bool,
}

impl State {
    /// Reserves a pid on `node` and records the process. If the node is down the pid
    /// is returned but never becomes alive, as `spawn` on an unreachable node does.
    pub(crate) fn new_process(&mut self, node: NodeId, label: Option<Arc<str>>, trap_exit: bool) -> (Pid, bool) {
        self.next_serial += 1;
        let pid = Pid { serial: self.next_serial, node, incarnation: self.incarnation(node) };
        if !self.node_is_up(node) {
            return (pid, false);
        }
        let record = Proc {
            mailbox: VecDeque::new(),
            waker: None,
            trap_exit,
            links: BTreeSet::new(),
            watching: RefSet::default(),
            watched_by: RefSet::default(),
            name: None,
            timers: BTreeSet::new(),
            awaiting: Vec::new(),
            label,
            task: None,
            defect: false,
        };
        emit(Emitted::Spawn { pid, label: record.label.as_deref() });
        self.procs.insert(pid, Box::new(record));
        (pid, true)
    }

    pub(crate) fn set_task(&mut self, pid: Pid, task: AbortHandle) {
        match self.procs.get_mut(&pid) {
            Some(p) => p.task = Some(task),
            // The process died before its task was recorded: stop the task too.
            None => task.abort(),
        }
    }

    /// Marks a programming defect in `pid` (fault injection): it panics at its next
    /// receive. False if the process is not alive.
    pub(crate) fn inject_defect(&mut self, pid: Pid) -> bool {
        let Some(p) = self.procs.get_mut(&pid) else {
            return false;
        };
        p.defect = true;
        debug!(target: "otpsim", event = crate::event::kind::DEFECT_INJECTED, pid = pid.packed());
        if let Some(w) = p.waker.take() {
            w.wake();
        }
        true
    }

    /// The process dies now with `reason`: its name, timers and monitors go, its
    /// watchers get DOWN, its links get exit signals (which may kill them in turn).
    pub(crate) fn terminate(&mut self, pid: Pid, reason: Reason) {
        let mut work = VecDeque::from([(pid, reason)]);
        while let Some((pid, reason)) = work.pop_front() {
            let Some(rec) = self.procs.remove(&pid) else {
                continue;
            };
            emit(Emitted::Exit { pid, reason: &reason });
            if let Some(task) = &rec.task {
                task.abort();
            }
            if let Some(name) = &rec.name {
                self.names.remove(&(pid.node, name.clone()));
            }
            for tref in &rec.timers {
                if let Some(task) = self.timers.remove(tref).and_then(|t| t.task) {
                    task.abort();
                }
            }
            for mref in &rec.watching {
                if let Some(m) = self.monitors.remove(mref) {
                    if let Some(target) = self.procs.get_mut(&m.target) {
                        target.watched_by.remove(mref);
                    }
                }
            }
            for mref in &rec.watched_by {
                if let Some(m) = self.monitors.remove(mref) {
                    if let Some(watcher) = self.procs.get_mut(&m.watcher) {
                        watcher.watching.remove(mref);
                    }
                    let down = Down { monitor: *mref, pid, name: m.name, reason: reason.clone() };
                    self.deliver_signal(pid, m.watcher, Message::Down(down));
                }
            }
            for &peer in &rec.links {
                let Some(peer_rec) = self.procs.get_mut(&peer) else {
                    continue;
                };
                peer_rec.links.remove(&pid);
                if peer_rec.trap_exit {
                    self.deliver_signal(pid, peer, Message::Exit { from: pid, reason: reason.clone() });
                } else if !reason.is_normal() {
                    work.push_back((peer, reason.clone()));
                }
            }
        }
    }

    /// An exit signal from `from` to `to` (`erlang:exit/2`, or a broken link).
    pub(crate) fn exit_signal(&mut self, from: Pid, to: Pid, reason: Reason) {
        let Some(target) = self.procs.get(&to) else {
            return;
        };
        match reason {
            Reason::Kill => self.terminate(to, Reason::Killed),
            _ if target.trap_exit => self.deliver_signal(from, to, Message::Exit { from, reason }),
            Reason::Normal if from == to => self.terminate(to, Reason::Normal),
            Reason::Normal => {}
            reason => self.terminate(to, reason),
        }
    }

    pub(crate) fn set_trap_exit(&mut self, pid: Pid, trap: bool) -> bool {
        self.procs.get_mut(&pid).map(|p| std::mem::replace(&mut p.trap_exit, trap)).unwrap_or(false)
    }
}
