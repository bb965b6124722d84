//! The reference model: the OTP rules for processes, monitors, links and names
//! (docs/design.md and docs/otp-semantics.md), written as plainly as possible so that it can be
//! read against the rules line by line. It knows nothing of tasks, locks or time:
//! every step happens at once, and messages land in mailboxes immediately (the
//! network is reliable in this test).

use std::collections::{BTreeMap, BTreeSet};

use otpsim_runtime::Reason;

use crate::ops::{MonId, Op, Proc, Scope, NAMES};
use crate::view::{ProcRow, RegErr, Seen, View};

struct ProcState {
    node: usize,
    alive: bool,
    trap_exit: bool,
    name: Option<&'static str>,
    /// A suspended puppet reads only commands; everything else waits in `mailbox`.
    suspended: bool,
    mailbox: Vec<Seen>,
    /// What the puppet has read or been told, in the order it happened.
    seen: Vec<Seen>,
}

/// The model's state.
pub struct Model {
    procs: Vec<ProcState>,
    node_up: Vec<bool>,
    /// The owner of every monitor ever created, by id.
    monitor_watchers: Vec<Proc>,
    /// Active monitors: id -> (watcher, target).
    monitors: BTreeMap<MonId, (Proc, Proc)>,
    /// Links as (a, b) with a < b.
    links: BTreeSet<(Proc, Proc)>,
    /// (node, name) -> holder.
    names: BTreeMap<(usize, &'static str), Proc>,
}

fn pair(a: Proc, b: Proc) -> (Proc, Proc) {
    (a.min(b), a.max(b))
}

impl Model {
    pub fn new(nodes: usize) -> Self {
        Model {
            procs: Vec::new(),
            node_up: vec![true; nodes],
            monitor_watchers: Vec::new(),
            monitors: BTreeMap::new(),
            links: BTreeSet::new(),
            names: BTreeMap::new(),
        }
    }

    /// What operations can refer to now.
    pub fn scope(&self) -> Scope {
        let queued = self.procs.iter().flat_map(|p| &p.mailbox).filter_map(|s| match s {
            Seen::Down { monitor, .. } => Some(*monitor),
            _ => None,
        });
        let mut open_monitors: Vec<MonId> = self.monitors.keys().copied().chain(queued).collect();
        open_monitors.sort();
        Scope {
            procs: self.procs.len(),
            live: self.live(),
            monitor_watchers: self.monitor_watchers.clone(),
            open_monitors,
        }
    }

    pub fn is_alive(&self, p: Proc) -> bool {
        self.procs[p].alive
    }

    /// Live processes, in spawn order.
    pub fn live(&self) -> Vec<Proc> {
        (0..self.procs.len()).filter(|&p| self.is_alive(p)).collect()
    }

    /// Live processes that are suspended.
    pub fn suspended(&self) -> Vec<Proc> {
        self.live().into_iter().filter(|&p| self.procs[p].suspended).collect()
    }

    /// The id of the monitor `op` will create, if it creates one.
    pub fn monitor_created_by(&self, op: &Op) -> Option<MonId> {
        match *op {
            Op::Monitor { watcher, .. } if self.is_alive(watcher) => Some(self.monitor_watchers.len()),
            _ => None,
        }
    }

    /// Applies a resolved operation. A dead puppet reads no commands, so an
    /// operation whose actor is dead changes nothing.
    pub fn apply(&mut self, op: &Op) {
        if op.actor().is_some_and(|p| !self.is_alive(p)) {
            return;
        }
        match *op {
            Op::Spawn { node, trap_exit } => self.procs.push(ProcState {
                node,
                alive: self.node_up[node],
                trap_exit,
                name: None,
                suspended: false,
                mailbox: Vec::new(),
                seen: Vec::new(),
            }),
            Op::Monitor { watcher, target } => self.monitor(watcher, target),
            Op::Demonitor { monitor, by, flush } => {
                self.demonitor(by.expect("a resolved demonitor names its caller"), monitor, flush)
            }
            Op::Link { a, b } => self.link(a, b),
            Op::Unlink { a, b } => {
                self.links.remove(&pair(a, b));
            }
            Op::Exit { from, to, ref reason } => self.exit_signal(from, to, reason.clone()),
            Op::Send { from, to } => self.deliver(to, Seen::Ping { from }),
            Op::Crash { p, how } => self.terminate(p, how.reason()),
            Op::TrapExit { p, trap } => self.procs[p].trap_exit = trap,
            Op::Register { p, name } => self.register(p, NAMES[name]),
            Op::Unregister { p, name } => self.unregister(p, NAMES[name]),
            Op::Suspend { p } => self.procs[p].suspended = true,
            Op::Resume { p } => self.procs[p].suspended = false,
            Op::Kill { p } => self.terminate(p, Reason::Killed),
            Op::NodeCrash { node } => self.crash_node(node),
            Op::NodeRestart { node } => {
                self.crash_node(node);
                self.node_up[node] = true;
            }
        }
        self.read_mailboxes();
    }

    /// A puppet that is not suspended reads everything queued for it.
    fn read_mailboxes(&mut self) {
        for p in self.procs.iter_mut().filter(|p| p.alive && !p.suspended) {
            let read = std::mem::take(&mut p.mailbox);
            p.seen.extend(read);
        }
    }

    /// A message or signal arrives; a dead process's is lost.
    fn deliver(&mut self, to: Proc, seen: Seen) {
        if self.procs[to].alive {
            self.procs[to].mailbox.push(seen);
        }
    }

    /// Monitoring a dead process gives DOWN at once: `noconnection` if its node is
    /// down, `noproc` otherwise.
    fn monitor(&mut self, watcher: Proc, target: Proc) {
        let id = self.monitor_watchers.len();
        self.monitor_watchers.push(watcher);
        self.procs[watcher].seen.push(Seen::Monitored(id));
        if !self.node_up[self.procs[target].node] {
            self.deliver(watcher, Seen::Down { monitor: id, target, reason: Reason::Noconnection });
        } else if !self.is_alive(target) {
            self.deliver(watcher, Seen::Down { monitor: id, target, reason: Reason::Noproc });
        } else {
            self.monitors.insert(id, (watcher, target));
        }
    }

    /// Only the owner can remove a monitor; flush also drops its queued DOWN.
    fn demonitor(&mut self, by: Proc, monitor: MonId, flush: bool) {
        let active = self.monitors.get(&monitor).is_some_and(|&(watcher, _)| watcher == by);
        if active {
            self.monitors.remove(&monitor);
        }
        let me = &mut self.procs[by];
        if flush {
            me.mailbox.retain(|s| !matches!(s, Seen::Down { monitor: m, .. } if *m == monitor));
        }
        me.seen.push(Seen::Demonitored { monitor, flush, active });
    }

    /// Linking to a dead process sends the caller an exit signal: `noconnection` if
    /// the other's node is down, `noproc` otherwise.
    fn link(&mut self, a: Proc, b: Proc) {
        if a == b {
            return;
        }
        if !self.node_up[self.procs[b].node] {
            self.exit_signal(b, a, Reason::Noconnection);
        } else if !self.is_alive(b) {
            // OTP raises `noproc` in a caller that does not trap exits (the puppet
            // ignores the error); a trapping caller gets an EXIT `noproc` message.
            if self.procs[a].trap_exit {
                self.exit_signal(b, a, Reason::Noproc);
            }
        } else {
            self.links.insert(pair(a, b));
        }
    }

    /// An exit signal: `kill` is untrappable and kills with `killed`; a trapping
    /// process gets an EXIT message instead; `normal` is ignored unless a process
    /// sends it to itself; any other reason kills with that reason.
    fn exit_signal(&mut self, from: Proc, to: Proc, reason: Reason) {
        if !self.is_alive(to) {
            return;
        }
        match reason {
            Reason::Kill => self.terminate(to, Reason::Killed),
            _ if self.procs[to].trap_exit => self.deliver(to, Seen::Exit { from, reason }),
            Reason::Normal if from == to => self.terminate(to, Reason::Normal),
            Reason::Normal => {}
            reason => self.terminate(to, reason),
        }
    }

    /// A process dies: its name and the monitors it holds go, its watchers get DOWN,
    /// and each linked process gets an EXIT message if it traps exits, or dies with
    /// the same reason if the reason is not `normal`.
    fn terminate(&mut self, p: Proc, reason: Reason) {
        let mut dying = vec![(p, reason)];
        while let Some((p, reason)) = dying.pop() {
            if !self.is_alive(p) {
                continue;
            }
            let me = &mut self.procs[p];
            me.alive = false;
            me.mailbox.clear();
            if let Some(name) = me.name.take() {
                self.names.remove(&(me.node, name));
            }
            let mine: Vec<(MonId, Proc, Proc)> =
                self.monitors.iter().filter(|(_, &(w, t))| w == p || t == p).map(|(&id, &(w, t))| (id, w, t)).collect();
            for (id, watcher, _) in mine {
                self.monitors.remove(&id);
                if watcher != p {
                    self.deliver(watcher, Seen::Down { monitor: id, target: p, reason: reason.clone() });
                }
            }
            let peers: Vec<Proc> =
                self.links.iter().filter(|(a, b)| *a == p || *b == p).map(|&(a, b)| a + b - p).collect();
            for peer in peers {
                self.links.remove(&pair(p, peer));
                if self.procs[peer].trap_exit {
                    self.deliver(peer, Seen::Exit { from: p, reason: reason.clone() });
                } else if !reason.is_normal() {
                    dying.push((peer, reason.clone()));
                }
            }
        }
    }

    /// Every process on the node dies, seen from everywhere as `noconnection`.
    fn crash_node(&mut self, node: usize) {
        if !self.node_up[node] {
            return;
        }
        self.node_up[node] = false;
        for p in 0..self.procs.len() {
            if self.procs[p].node == node {
                self.terminate(p, Reason::Noconnection);
            }
        }
    }

    /// Names are unique per node and a process holds at most one.
    fn register(&mut self, p: Proc, name: &'static str) {
        let key = (self.procs[p].node, name);
        let result = if let Some(&holder) = self.names.get(&key) {
            Err(RegErr::Taken(holder))
        } else if let Some(existing) = self.procs[p].name {
            Err(RegErr::AlreadyNamed(existing.to_owned()))
        } else {
            self.procs[p].name = Some(name);
            self.names.insert(key, p);
            Ok(())
        };
        self.procs[p].seen.push(Seen::Registered(result));
    }

    /// Removes the name on the caller's node, whoever holds it.
    fn unregister(&mut self, p: Proc, name: &'static str) {
        let holder = self.names.remove(&(self.procs[p].node, name));
        if let Some(holder) = holder {
            self.procs[holder].name = None;
        }
        self.procs[p].seen.push(Seen::Unregistered(holder.is_some()));
    }

    /// The model's view of the tables.
    pub fn view(&self) -> View {
        let processes = self
            .live()
            .into_iter()
            .map(|p| {
                let s = &self.procs[p];
                ProcRow {
                    proc: p,
                    trap_exit: s.trap_exit,
                    name: s.name.map(str::to_owned),
                    mailbox_len: s.mailbox.len(),
                }
            })
            .collect();
        let seen = (0..self.procs.len())
            .filter(|&p| !self.procs[p].seen.is_empty())
            .map(|p| {
                let mut seen = self.procs[p].seen.clone();
                seen.sort();
                (p, seen)
            })
            .collect();
        View {
            processes,
            monitors: self.monitors.iter().map(|(&id, &(w, t))| (id, w, t)).collect(),
            links: self.links.iter().copied().collect(),
            names: self.names.iter().map(|(&(node, name), &p)| (node, name.to_owned(), p)).collect(),
            seen,
            in_flight: 0,
        }
    }
}
