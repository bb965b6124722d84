//! The kernel: every table of one simulated cluster and the operations that change them.
//!
//! All state sits behind one lock. No user code runs while it is held, so an
//! operation (an exit with its link cascade, a node crash) is atomic, as signal
//! handling is on one BEAM scheduler. Public handles ([`crate::Ctx`],
//! [`crate::Cluster`]) are thin wrappers that lock, act, and wake.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Duration;

use madsim::runtime::NodeHandle;
use madsim::task::AbortHandle;
use madsim::time::Instant;
use tracing::{debug, trace};

use crate::call::Dest;
use crate::faults::{Fate, FaultLayer};
use crate::message::{Down, Message};
use crate::pid::{NodeId, Pid, Ref};
use crate::reason::Reason;
use crate::refset::RefSet;
use crate::store::Store;
use crate::tables::{MonitorRow, NameRow, ProcessRow, Tables, TimerRow};

/// One live process's record.
pub(crate) struct Proc {
    pub(crate) mailbox: VecDeque<Message>,
    pub(crate) waker: Option<Waker>,
    pub(crate) trap_exit: bool,
    pub(crate) links: BTreeSet<Pid>,
    /// Monitors this process holds (it is the watcher).
    pub(crate) watching: RefSet,
    /// Monitors on this process (it is the target).
    pub(crate) watched_by: RefSet,
    pub(crate) name: Option<Arc<str>>,
    /// Timers whose message comes to this process: they are cancelled when it exits.
    pub(crate) timers: BTreeSet<Ref>,
    /// Call tags this process still waits for; replies with other tags are discarded.
    pub(crate) awaiting: Vec<Ref>,
    pub(crate) label: Option<Arc<str>>,
    pub(crate) task: Option<AbortHandle>,
    /// An injected defect is pending: the process panics at its next receive.
    pub(crate) defect: bool,
}

struct MonitorEntry {
    watcher: Pid,
    target: Pid,
    /// The registered name the monitor was set on, if it was (its DOWN names it).
    name: Option<Arc<str>>,
}

/// A pending timer. It lives on its owner's node (a node crash loses it) and follows
/// its destination: a pid destination's exit cancels it, its owner's does not.
pub(crate) struct TimerEntry {
    pub(crate) owner: Pid,
    pub(crate) dest: Dest,
    pub(crate) due: Instant,
    /// `start_timer`'s `{timeout, Ref, Msg}` rather than `send_after`'s bare message.
    pub(crate) timeout: bool,
    pub(crate) task: Option<AbortHandle>,
}

struct NodeEntry {
    name: Arc<str>,
    handle: NodeHandle,
    incarnation: u32,
    up: bool,
    store: Store,
}

/// One message in flight between a pair, due at `at`.
struct InFlight {
    at: Instant,
    msg: Message,
    /// The message's number in the trace (`msg=` of its events).
    id: u64,
    /// When it was sent, so its delivery can say how long it was in flight.
    sent: Instant,
}

/// Everything the kernel knows.
pub(crate) struct State {
    /// Boxed, so the tree moves pointers, not records, as it grows and shrinks.
    pub(crate) procs: BTreeMap<Pid, Box<Proc>>,
    monitors: BTreeMap<Ref, MonitorEntry>,
    names: BTreeMap<(NodeId, Arc<str>), Pid>,
    pub(crate) timers: BTreeMap<Ref, TimerEntry>,
    nodes: Vec<NodeEntry>,
    /// Per (sender, receiver) queues of delayed messages, kept in send order.
    transit: BTreeMap<(Pid, Pid), VecDeque<InFlight>>,
    pub(crate) faults: FaultLayer,
    /// Transit queues that were empty and now need a pump task.
    pending_pumps: Vec<(Pid, Pid)>,
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

/// Why a name could not be registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterError {
    /// Another live process holds the name on that node.
    Taken(Pid),
    /// The process is not alive.
    NotAlive,
    /// The process already has a name (a process holds at most one, as in OTP).
    AlreadyNamed(Arc<str>),
    /// `undefined` is reserved (it is what `whereis` answers for no process).
    Reserved,
}

impl std::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegisterError::Taken(pid) => write!(f, "name already registered to {pid}"),
            RegisterError::NotAlive => f.write_str("process is not alive"),
            RegisterError::AlreadyNamed(name) => {
                write!(f, "process is already registered as {name:?}")
            }
            RegisterError::Reserved => f.write_str("the name \"undefined\" is reserved"),
        }
    }
}

impl std::error::Error for RegisterError {}

impl Kernel {
    pub(crate) fn new(seed: u64) -> Arc<Self> {
        let state = State {
            procs: BTreeMap::new(),
            monitors: BTreeMap::new(),
            names: BTreeMap::new(),
            timers: BTreeMap::new(),
            nodes: Vec::new(),
            transit: BTreeMap::new(),
            faults: FaultLayer::new(crate::rng::stream(seed, "message_fates")),
            pending_pumps: Vec::new(),
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
        if !state.pending_pumps.is_empty() {
            let pairs = std::mem::take(&mut state.pending_pumps);
            for pair in pairs {
                match state.madsim_handle(pair.0.node).filter(|_| state.node_is_up(pair.0.node)) {
                    Some(node) => {
                        node.spawn(crate::transit::pump(self.clone(), pair));
                    }
                    // The sending node is gone, and its in-flight messages with it.
                    None => {
                        state.transit.remove(&pair);
                    }
                }
            }
        }
        result
    }
}

impl State {
    /// True if a message from `from` to `to` that satisfies `is` is still in flight.
    pub(crate) fn in_transit(&self, from: Pid, to: Pid, is: impl Fn(&Message) -> bool) -> bool {
        self.transit.get(&(from, to)).is_some_and(|q| q.iter().any(|f| is(&f.msg)))
    }

    // ----- identities -------------------------------------------------------

    pub(crate) fn new_ref(&mut self) -> Ref {
        self.next_ref += 1;
        Ref(self.next_ref)
    }

    pub(crate) fn is_alive(&self, pid: Pid) -> bool {
        self.procs.contains_key(&pid)
    }

    // ----- nodes ------------------------------------------------------------

    pub(crate) fn add_node(&mut self, name: Arc<str>, handle: NodeHandle) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        let store = Store::new(crate::rng::stream(self.seed, &format!("store/{id}")));
        self.nodes.push(NodeEntry { name, handle, incarnation: 0, up: true, store });
        id
    }

    pub(crate) fn next_node_id(&self) -> NodeId {
        NodeId(self.nodes.len() as u32)
    }

    pub(crate) fn node_ids(&self) -> Vec<NodeId> {
        (0..self.nodes.len() as u32).map(NodeId).collect()
    }

    pub(crate) fn node_name(&self, node: NodeId) -> Option<Arc<str>> {
        self.nodes.get(node.0 as usize).map(|n| n.name.clone())
    }

    pub(crate) fn node_is_up(&self, node: NodeId) -> bool {
        self.nodes.get(node.0 as usize).is_some_and(|n| n.up)
    }

    pub(crate) fn madsim_handle(&self, node: NodeId) -> Option<NodeHandle> {
        self.nodes.get(node.0 as usize).map(|n| n.handle.clone())
    }

    pub(crate) fn store_mut(&mut self, node: NodeId) -> Option<&mut Store> {
        self.nodes.get_mut(node.0 as usize).map(|n| &mut n.store)
    }

    /// Marks a node down and kills every process on it, as seen from the rest of the
    /// cluster: remote watchers get DOWN `noconnection`, remote links an EXIT
    /// `noconnection`. Messages still in flight from the node are lost with it.
    pub(crate) fn crash_node(&mut self, node: NodeId) {
        let Some(entry) = self.nodes.get_mut(node.0 as usize) else {
            return;
        };
        if !entry.up {
            return;
        }
        entry.up = false;
        entry.store.lose_unsynced();
        debug!(target: "otpsim", event = "node_crash", %node);
        // Messages in flight from the node are lost with it, but a DOWN or EXIT already
        // sent stands: its monitor or link is gone, so dropping it would lose the signal.
        let lost: Vec<(Pid, Pid)> = self.transit.keys().filter(|(from, _)| from.node == node).copied().collect();
        for pair in lost {
            for f in self.transit.remove(&pair).into_iter().flatten() {
                if f.msg.is_faultable() {
                    let (from, to, kind) = (pair.0, pair.1, f.msg.kind());
                    debug!(target: "otpsim", event = "drop", cause = "node_crash", msg = f.id, %from, %to, kind);
                } else {
                    self.deliver_now(pair.0, pair.1, f);
                }
            }
        }
        let doomed: Vec<Pid> = self.procs.keys().filter(|p| p.node == node).copied().collect();
        for pid in doomed {
            self.terminate(pid, Reason::Noconnection);
        }
        // Timers run on their owner's node and die with it.
        let lost: Vec<Ref> = self.timers.iter().filter(|(_, t)| t.owner.node == node).map(|(r, _)| *r).collect();
        for tref in lost {
            self.take_timer(tref);
        }
    }

    /// Marks a crashed node up again with the next incarnation; returns its handle so
    /// the caller can restart madsim's node outside the lock.
    pub(crate) fn mark_restarted(&mut self, node: NodeId, handle: NodeHandle) -> u32 {
        let entry = &mut self.nodes[node.0 as usize];
        entry.incarnation += 1;
        entry.up = true;
        entry.handle = handle;
        debug!(target: "otpsim", event = "node_restart", %node, incarnation = entry.incarnation);
        entry.incarnation
    }

    /// True if `to`'s node cannot currently be reached from `from`'s node.
    fn unreachable(&self, from: NodeId, to: NodeId) -> bool {
        !self.node_is_up(to) || self.faults.is_blocked(from, to)
    }

    /// A symmetric partition: the two sides disconnect, as distribution does when a
    /// connection is lost. Monitors across fire `noconnection`, links across break
    /// with an exit signal `noconnection`.
    pub(crate) fn partition(&mut self, side_a: &[NodeId], side_b: &[NodeId]) {
        for &a in side_a {
            for &b in side_b {
                self.faults.block(a, b);
                self.faults.block(b, a);
            }
        }
        debug!(target: "otpsim", event = "partition", a = ?side_a, b = ?side_b);
        let across = |x: NodeId, y: NodeId| {
            (side_a.contains(&x) && side_b.contains(&y)) || (side_b.contains(&x) && side_a.contains(&y))
        };
        let cut: Vec<Ref> =
            self.monitors.iter().filter(|(_, m)| across(m.watcher.node, m.target.node)).map(|(r, _)| *r).collect();
        for mref in cut {
            if let Some(m) = self.remove_monitor(mref) {
                let down = Down { monitor: mref, pid: m.target, name: m.name, reason: Reason::Noconnection };
                self.deliver_signal(m.target, m.watcher, Message::Down(down));
            }
        }
        let links: Vec<(Pid, Pid)> = self
            .procs
            .iter()
            .flat_map(|(p, rec)| rec.links.iter().map(move |q| (*p, *q)))
            .filter(|(p, q)| p < q && across(p.node, q.node))
            .collect();
        for (p, q) in links {
            self.unlink(p, q);
            self.exit_signal(q, p, Reason::Noconnection);
            self.exit_signal(p, q, Reason::Noconnection);
        }
    }

    /// A one-way partition: messages from `from` to `to` are dropped. The connection
    /// stays up, so monitors and links are not affected.
    pub(crate) fn partition_one_way(&mut self, from: NodeId, to: NodeId) {
        self.faults.block(from, to);
        debug!(target: "otpsim", event = "partition_one_way", %from, %to);
    }

    pub(crate) fn heal(&mut self) {
        self.faults.heal_all();
        debug!(target: "otpsim", event = "heal");
    }

    pub(crate) fn heal_between(&mut self, a: NodeId, b: NodeId) {
        self.faults.heal(a, b);
        self.faults.heal(b, a);
        debug!(target: "otpsim", event = "heal", %a, %b);
    }

    // ----- processes --------------------------------------------------------

    /// Reserves a pid on `node` and records the process. If the node is down the pid
    /// is returned but never becomes alive, as `spawn` on an unreachable node does.
    pub(crate) fn new_process(&mut self, node: NodeId, label: Option<Arc<str>>, trap_exit: bool) -> (Pid, bool) {
        self.next_serial += 1;
        let incarnation = self.nodes.get(node.0 as usize).map_or(0, |n| n.incarnation);
        let pid = Pid { serial: self.next_serial, node, incarnation };
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
        match &record.label {
            Some(label) => debug!(target: "otpsim", event = "spawn", %pid, label = &**label),
            None => debug!(target: "otpsim", event = "spawn", %pid),
        }
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

    /// The process dies now with `reason`: its name, timers and monitors go, its
    /// watchers get DOWN, its links get exit signals (which may kill them in turn).
    pub(crate) fn terminate(&mut self, pid: Pid, reason: Reason) {
        let mut work = VecDeque::from([(pid, reason)]);
        while let Some((pid, reason)) = work.pop_front() {
            let Some(rec) = self.procs.remove(&pid) else {
                continue;
            };
            debug!(target: "otpsim", event = "exit", %pid, %reason);
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

    // ----- monitors ---------------------------------------------------------

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
            trace!(target: "otpsim", event = "monitor", %watcher, %target, monitor = %mref);
        } else {
            let down = Down { monitor: mref, pid: target, name, reason: Reason::Noproc };
            self.deliver_signal(target, watcher, Message::Down(down));
        }
        mref
    }

    fn remove_monitor(&mut self, mref: Ref) -> Option<MonitorEntry> {
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
            trace!(target: "otpsim", event = "demonitor", %watcher, monitor = %mref);
        }
        if flush {
            let is_down = |m: &Message| matches!(m, Message::Down(d) if d.monitor == mref);
            if let Some(w) = self.procs.get_mut(&watcher) {
                w.mailbox.retain(|m| !is_down(m));
            }
            for ((_, to), queue) in self.transit.iter_mut() {
                if *to == watcher {
                    queue.retain(|f| !is_down(&f.msg));
                }
            }
        }
        owned
    }

    // ----- links ------------------------------------------------------------

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
        trace!(target: "otpsim", event = "link", %pid, %other);
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

    // ----- names ------------------------------------------------------------

    pub(crate) fn register(&mut self, pid: Pid, name: Arc<str>) -> Result<(), RegisterError> {
        if &*name == "undefined" {
            return Err(RegisterError::Reserved);
        }
        let key = (pid.node, name.clone());
        if let Some(holder) = self.names.get(&key) {
            return Err(RegisterError::Taken(*holder));
        }
        let Some(p) = self.procs.get_mut(&pid) else {
            return Err(RegisterError::NotAlive);
        };
        if let Some(existing) = &p.name {
            return Err(RegisterError::AlreadyNamed(existing.clone()));
        }
        debug!(target: "otpsim", event = "register", %pid, name = &*name);
        p.name = Some(name);
        self.names.insert(key, pid);
        Ok(())
    }

    pub(crate) fn unregister(&mut self, node: NodeId, name: &str) -> bool {
        let key = (node, Arc::<str>::from(name));
        match self.names.remove(&key) {
            Some(pid) => {
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.name = None;
                }
                true
            }
            None => false,
        }
    }

    pub(crate) fn whereis(&self, node: NodeId, name: &str) -> Option<Pid> {
        self.names.get(&(node, Arc::<str>::from(name))).copied()
    }

    // ----- messages ---------------------------------------------------------

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
            trace!(target: "otpsim", event = "drop", cause = "partition", msg = id, %from, %to, kind = msg.kind());
            return;
        }
        let fate = if msg.is_faultable() {
            self.faults.fate(from.node, to.node)
        } else {
            Fate::Deliver { delay: Duration::ZERO }
        };
        match fate {
            Fate::Deliver { delay } => self.enqueue(from, to, msg, id, delay),
            Fate::Drop => {
                debug!(target: "otpsim", event = "drop", cause = "loss", msg = id, %from, %to, kind = msg.kind());
            }
            Fate::Duplicate { first, second } => {
                debug!(target: "otpsim", event = "duplicate", msg = id, %from, %to, kind = msg.kind());
                self.enqueue(from, to, msg.clone(), id, first);
                self.enqueue(from, to, msg, id, second);
            }
        }
    }

    /// A runtime signal (DOWN, EXIT): never dropped by faults, but ordered after the
    /// messages the same sender has in flight to the same receiver.
    fn deliver_signal(&mut self, from: Pid, to: Pid, msg: Message) {
        let id = self.next_message_id();
        self.enqueue(from, to, msg, id, Duration::ZERO);
    }

    fn next_message_id(&mut self) -> u64 {
        self.next_message += 1;
        self.next_message
    }

    /// Puts a message behind whatever the pair has in flight. Delivers at once when
    /// nothing is in flight and there is no delay; otherwise a new queue asks for a
    /// pump (started by [`Kernel::act`] once the lock is released).
    fn enqueue(&mut self, from: Pid, to: Pid, msg: Message, id: u64, delay: Duration) {
        let key = (from, to);
        let queue_empty = self.transit.get(&key).is_none_or(|q| q.is_empty());
        let now = madsim::time::TimeHandle::current().now_instant();
        if queue_empty && delay.is_zero() {
            self.deliver_now(from, to, InFlight { at: now, msg, id, sent: now });
            return;
        }
        let queue = self.transit.entry(key).or_default();
        let at = queue.back().map_or(now + delay, |last| last.at.max(now + delay));
        queue.push_back(InFlight { at, msg, id, sent: now });
        if queue_empty {
            self.pending_pumps.push(key);
        }
    }

    /// Delivers every message of the pair that is due; returns when the next is due.
    pub(crate) fn deliver_due(&mut self, pair: (Pid, Pid)) -> Option<Instant> {
        let now = madsim::time::TimeHandle::current().now_instant();
        loop {
            let queue = self.transit.get_mut(&pair)?;
            match queue.front() {
                None => {
                    self.transit.remove(&pair);
                    return None;
                }
                Some(f) if f.at > now => return Some(f.at),
                Some(_) => {
                    let f = queue.pop_front().expect("front exists");
                    if f.msg.is_faultable() && self.faults.is_blocked(pair.0.node, pair.1.node) {
                        let (from, to, kind) = (pair.0, pair.1, f.msg.kind());
                        trace!(target: "otpsim", event = "drop", cause = "partition", msg = f.id, %from, %to, kind);
                        continue;
                    }
                    self.deliver_now(pair.0, pair.1, f);
                }
            }
        }
    }

    /// Puts a message in a live mailbox and wakes its owner. A message to a dead
    /// process, or a reply nobody waits for any more, is dropped silently.
    fn deliver_now(&mut self, from: Pid, to: Pid, f: InFlight) {
        let InFlight { msg, id, sent, .. } = f;
        let kind = msg.kind();
        let Some(p) = self.procs.get_mut(&to) else {
            trace!(target: "otpsim", event = "drop", cause = "dead", msg = id, %from, %to, kind);
            return;
        };
        if let Message::Reply { tag, .. } = &msg {
            if !p.awaiting.contains(tag) {
                trace!(target: "otpsim", event = "drop", cause = "late_reply", msg = id, %from, %to, kind);
                return;
            }
        }
        // The time in flight, when there was any: what a delayed message's arrow spans.
        let now = madsim::time::TimeHandle::current().now_instant();
        match u64::try_from(now.saturating_duration_since(sent).as_nanos()).unwrap_or(u64::MAX) {
            0 => trace!(target: "otpsim", event = "deliver", msg = id, %from, %to, kind),
            in_flight_ns => trace!(target: "otpsim", event = "deliver", msg = id, %from, %to, kind, in_flight_ns),
        }
        p.mailbox.push_back(msg);
        if let Some(w) = p.waker.take() {
            w.wake();
        }
    }

    // ----- introspection ----------------------------------------------------

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
        Tables { processes, monitors, links, names, timers, in_flight: self.transit.values().map(VecDeque::len).sum() }
    }
}

impl State {
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
