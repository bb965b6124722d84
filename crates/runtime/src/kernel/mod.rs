//! The kernel: every table of one simulated cluster and the operations that change them.
//!
//! All state sits behind one lock. No user code runs while it is held, so an
//! operation (an exit with its link cascade, a node crash) is atomic, as signal
//! handling is on one BEAM scheduler. Public handles ([`crate::Ctx`],
//! [`crate::Cluster`]) are thin wrappers that lock, act, and wake; only the files of
//! this module read or change a process's record.
//!
//! - [`nodes`]: nodes, crashes, partitions, and the one reachability rule;
//! - [`processes`]: process records, exits and exit signals;
//! - [`signals`]: monitors and links;
//! - [`names`]: the registry of names;
//! - [`mailbox`]: sending, delivering, and receiving from a mailbox;
//! - [`transit`]: the per-pair queues of delayed messages;
//! - [`timers`]: pending timers.

mod mailbox;
mod names;
mod nodes;
mod processes;
mod signals;
mod timers;
mod transit;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::faults::FaultLayer;
use crate::pid::{NodeId, Pid, Ref};
use crate::tables::{MonitorRow, NameRow, ProcessRow, Tables, TimerRow};

pub(crate) use mailbox::Receive;
pub use names::RegisterError;

use nodes::NodeEntry;
use processes::Proc;
use signals::MonitorEntry;
use timers::TimerEntry;
use transit::{Pair, Transit};

/// Everything the kernel knows.
pub(crate) struct State {
    /// Boxed, so the tree moves pointers, not records, as it grows and shrinks.
    procs: BTreeMap<Pid, Box<Proc>>,
    monitors: BTreeMap<Ref, MonitorEntry>,
    names: BTreeMap<(NodeId, Arc<str>), Pid>,
    timers: BTreeMap<Ref, TimerEntry>,
    nodes: Vec<NodeEntry>,
    transit: Transit,
    pub(crate) faults: FaultLayer,
    next_serial: u64,
    /// The last message number handed out: every send gets the next, so a trace can
    /// pair a message's delivery, drop or duplication with its sender.
    next_message: u64,
    next_ref: u64,
    pub(crate) seed: u64,
}

/// The shared kernel of one simulated cluster.
pub(crate) struct Kernel {
    state: Mutex<State>,
}

impl Kernel {
    pub(crate) fn new(seed: u64) -> Arc<Self> {
        let state = State {
            procs: BTreeMap::new(),
            monitors: BTreeMap::new(),
            names: BTreeMap::new(),
            timers: BTreeMap::new(),
            nodes: Vec::new(),
            transit: Transit::default(),
            faults: FaultLayer::new(crate::rng::stream(seed, "message_fates")),
            next_serial: 0,
            next_message: 0,
            next_ref: 0,
            seed,
        };
        Arc::new(Kernel { state: Mutex::new(state) })
    }

    /// Locks the state. A panic never happens while the lock is held (no user code
    /// runs under it), so a poisoned lock still holds consistent tables.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the state, then starts the pumps of transit queues it filled.
    pub(crate) fn act<R>(self: &Arc<Self>, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.lock();
        let result = f(&mut state);
        for pair in state.transit.take_pending_pumps() {
            match state.madsim_handle(pair.0.node).filter(|_| state.node_is_up(pair.0.node)) {
                Some(node) => {
                    node.spawn(pump(self.clone(), pair));
                }
                // The sending node is gone, and its in-flight messages with it.
                None => state.transit.forget(pair),
            }
        }
        result
    }
}

/// Delivers a pair's transit queue in order until it is empty.
async fn pump(kernel: Arc<Kernel>, pair: Pair) {
    while let Some(at) = kernel.act(|state| state.deliver_due(pair)) {
        madsim::time::sleep_until(at).await;
    }
}

impl State {
    pub(crate) fn new_ref(&mut self) -> Ref {
        self.next_ref += 1;
        Ref(self.next_ref)
    }

    pub(crate) fn is_alive(&self, pid: Pid) -> bool {
        self.procs.contains_key(&pid)
    }

    /// A consistent snapshot of every table.
    pub(crate) fn tables(&self) -> Tables {
        let processes = self
            .procs
            .iter()
            .map(|(pid, p)| ProcessRow {
                pid: *pid,
                name: p.name.as_deref().map(str::to_owned),
                label: p.label.as_deref().map(str::to_owned),
                trap_exit: p.trap_exit,
                mailbox_len: p.mailbox.len(),
            })
            .collect();
        let monitors = self
            .monitors
            .iter()
            .map(|(r, m)| MonitorRow { monitor: *r, watcher: m.watcher, target: m.target })
            .collect();
        let links = self
            .procs
            .iter()
            .flat_map(|(p, rec)| rec.links.iter().filter(move |q| p < *q).map(move |q| (*p, *q)))
            .collect();
        let names = self
            .names
            .iter()
            .map(|((node, name), pid)| NameRow { node: *node, name: name.to_string(), pid: *pid })
            .collect();
        let timers =
            self.timers.iter().map(|(r, t)| TimerRow { timer: *r, owner: t.owner, dest: t.dest.clone() }).collect();
        Tables { processes, monitors, links, names, timers, in_flight: self.transit.len() }
    }

    /// Forgets every process and in-flight message (the run is over).
    pub(crate) fn clear(&mut self) {
        for (_, p) in std::mem::take(&mut self.procs) {
            if let Some(task) = p.task {
                task.abort();
            }
        }
        self.monitors.clear();
        self.names.clear();
        self.timers.clear();
        self.transit.clear();
    }
}
