//! Introspection: a consistent snapshot of the runtime's tables.
//!
//! Invariant checkers and tests read these; every list is sorted so two snapshots
//! of the same state compare equal.

use crate::call::Dest;
use crate::pid::{NodeId, Pid, Ref};

/// The runtime's tables at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tables {
    /// Live processes, by pid.
    pub processes: Vec<ProcessRow>,
    /// Active monitors, by reference.
    pub monitors: Vec<MonitorRow>,
    /// Links as pairs `(a, b)` with `a < b`, sorted.
    pub links: Vec<(Pid, Pid)>,
    /// Registered names, by node and name.
    pub names: Vec<NameRow>,
    /// Pending timers, by reference.
    pub timers: Vec<TimerRow>,
    /// Messages and signals still in flight between processes.
    pub in_flight: usize,
}

/// A live process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessRow {
    /// Its pid.
    pub pid: Pid,
    /// Its registered name, if any.
    pub name: Option<String>,
    /// The label it was spawned with (what kind of process it is), if any.
    pub label: Option<String>,
    /// Whether it traps exits.
    pub trap_exit: bool,
    /// Messages waiting in its mailbox.
    pub mailbox_len: usize,
}

/// An active monitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonitorRow {
    /// Its reference.
    pub monitor: Ref,
    /// The process that receives the DOWN.
    pub watcher: Pid,
    /// The monitored process.
    pub target: Pid,
}

/// A registered name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameRow {
    /// The node the name is registered on.
    pub node: NodeId,
    /// The name.
    pub name: String,
    /// Its holder.
    pub pid: Pid,
}

/// A pending timer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerRow {
    /// Its reference.
    pub timer: Ref,
    /// The process that set it (the timer outlives it).
    pub owner: Pid,
    /// Where its message goes: a pid (the timer dies with it) or a registered name.
    pub dest: Dest,
}

impl Tables {
    /// The live process with `pid`, if any.
    pub fn process(&self, pid: Pid) -> Option<&ProcessRow> {
        self.processes.iter().find(|p| p.pid == pid)
    }

    /// Live processes spawned with `label`.
    pub fn labelled<'a>(&'a self, label: &'a str) -> impl Iterator<Item = &'a ProcessRow> + 'a {
        self.processes.iter().filter(move |p| p.label.as_deref() == Some(label))
    }
}
