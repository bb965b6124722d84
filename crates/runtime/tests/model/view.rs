//! What is compared: the tables and what each process saw, in the model's terms
//! (process and monitor numbers instead of pids and references). The model and the
//! runtime each produce one [`View`]; after every step the two must be equal.

use std::collections::BTreeMap;
use std::fmt::{Debug, Write};

use otpsim_runtime::Reason;

use crate::ops::{MonId, Proc};

/// Why `register` failed, as the runtime's `RegisterError` with pids as numbers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegErr {
    Taken(Proc),
    NotAlive,
    AlreadyNamed(String),
}

/// One thing a process saw: a message it read, or the result of one of its calls.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    Monitored(MonId),
    Demonitored { monitor: MonId, flush: bool, active: bool },
    Registered(Result<(), RegErr>),
    Unregistered(bool),
    Down { monitor: MonId, target: Proc, reason: Reason },
    Exit { from: Proc, reason: Reason },
    Ping { from: Proc },
}

/// A live process.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProcRow {
    pub proc: Proc,
    pub trap_exit: bool,
    pub name: Option<String>,
    pub mailbox_len: usize,
}

/// Everything compared after a step. Every list is sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    pub processes: Vec<ProcRow>,
    /// (monitor, watcher, target).
    pub monitors: Vec<(MonId, Proc, Proc)>,
    /// Pairs (a, b) with a < b.
    pub links: Vec<(Proc, Proc)>,
    /// (node, name, holder).
    pub names: Vec<(usize, String, Proc)>,
    /// What each process saw, sorted (the order within one step is the runtime's own
    /// business); processes that saw nothing are left out.
    pub seen: BTreeMap<Proc, Vec<Seen>>,
    /// Messages in flight: always 0 on a reliable network once a step has run.
    pub in_flight: usize,
}

impl View {
    /// The fields where the model's view (`self`) and the runtime's differ, one per line.
    pub fn diff(&self, runtime: &View) -> Option<String> {
        let mut out = String::new();
        field(&mut out, "processes", &self.processes, &runtime.processes);
        field(&mut out, "monitors", &self.monitors, &runtime.monitors);
        field(&mut out, "links", &self.links, &runtime.links);
        field(&mut out, "names", &self.names, &runtime.names);
        field(&mut out, "in_flight", &self.in_flight, &runtime.in_flight);
        let procs = self.seen.keys().chain(runtime.seen.keys()).copied().collect::<std::collections::BTreeSet<_>>();
        for p in procs {
            field(&mut out, &format!("seen by p{p}"), &self.seen.get(&p), &runtime.seen.get(&p));
        }
        (!out.is_empty()).then_some(out)
    }
}

fn field<T: PartialEq + Debug>(out: &mut String, name: &str, model: &T, runtime: &T) {
    if model != runtime {
        let _ = writeln!(out, "  {name}:\n    model   {model:?}\n    runtime {runtime:?}");
    }
}
