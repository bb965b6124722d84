//! The runtime side: performs resolved operations on a cluster of puppets and reads
//! its tables and the puppets' notes back as a [`View`] in the model's terms.
//!
//! The driver is not a process, so it hands each command to a one-shot courier
//! process on a control node that no operation touches; the courier sends it to the
//! puppet as an ordinary message and exits.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_runtime::{Cluster, NodeId, Pid, Ref, RegisterError, SpawnOpts};

use crate::ops::{MonId, Op, Proc, NAMES, NODES};
use crate::puppet::{puppet, Cmd, Log, Note};
use crate::view::{ProcRow, RegErr, Seen, View};

/// Simulated time a step gets to run (every delivery is immediate, so this is ample).
const STEP: Duration = Duration::from_millis(2);

pub struct Driver {
    cluster: Cluster,
    nodes: Vec<NodeId>,
    control: NodeId,
    log: Log,
    /// How many notes have been read.
    read: usize,
    /// Pids by process number, and back.
    pids: Vec<Pid>,
    procs: BTreeMap<Pid, Proc>,
    /// References by monitor number, and back.
    refs: Vec<Ref>,
    monitors: BTreeMap<Ref, MonId>,
    seen: BTreeMap<Proc, Vec<Seen>>,
}

impl Driver {
    /// Adds the universe's nodes (none boots anything) and the control node.
    pub fn new(cluster: Cluster) -> Self {
        let nodes = (0..NODES).map(|i| cluster.add_node(&format!("n{i}"), |_, _| async {})).collect();
        let control = cluster.add_node("control", |_, _| async {});
        Driver {
            cluster,
            nodes,
            control,
            log: Log::default(),
            read: 0,
            pids: Vec::new(),
            procs: BTreeMap::new(),
            refs: Vec::new(),
            monitors: BTreeMap::new(),
            seen: BTreeMap::new(),
        }
    }

    /// Performs a resolved operation and lets the simulation run it.
    pub async fn perform(&mut self, op: &Op) -> Result<(), String> {
        let command = match *op {
            Op::Spawn { node, trap_exit } => {
                let log = self.log.clone();
                let opts = SpawnOpts { trap_exit, ..SpawnOpts::default() };
                let pid = self.cluster.spawn(self.nodes[node], opts, move |ctx| puppet(ctx, log));
                self.procs.insert(pid, self.pids.len());
                self.pids.push(pid);
                None
            }
            Op::Kill { p } => {
                self.cluster.kill(self.pid(p));
                None
            }
            Op::NodeCrash { node } => {
                self.cluster.crash_node(self.nodes[node]);
                None
            }
            Op::NodeRestart { node } => {
                self.cluster.restart_node(self.nodes[node]);
                None
            }
            Op::Monitor { watcher, target } => Some((watcher, Cmd::Monitor(self.pid(target)))),
            Op::Demonitor { monitor, by, flush } => {
                let by = by.ok_or("demonitor was not resolved")?;
                let monitor = *self.refs.get(monitor).ok_or(format!("monitor m{monitor} has no runtime reference"))?;
                Some((by, Cmd::Demonitor { monitor, flush }))
            }
            Op::Link { a, b } => Some((a, Cmd::Link(self.pid(b)))),
            Op::Unlink { a, b } => Some((a, Cmd::Unlink(self.pid(b)))),
            Op::Exit { from, to, ref reason } => Some((from, Cmd::Exit(self.pid(to), reason.clone()))),
            Op::Send { from, to } => Some((from, Cmd::Send(self.pid(to)))),
            Op::Crash { p, how } => Some((p, Cmd::Crash(how))),
            Op::TrapExit { p, trap } => Some((p, Cmd::TrapExit(trap))),
            Op::Register { p, name } => Some((p, Cmd::Register(NAMES[name]))),
            Op::Unregister { p, name } => Some((p, Cmd::Unregister(NAMES[name]))),
            Op::Suspend { p } => Some((p, Cmd::Suspend)),
            Op::Resume { p } => Some((p, Cmd::Resume)),
        };
        if let Some((actor, cmd)) = command {
            let to = self.pid(actor);
            self.cluster.spawn(self.control, SpawnOpts::default(), move |ctx| async move { ctx.send(to, cmd) });
        }
        madsim::time::sleep(STEP).await;
        Ok(())
    }

    /// Reads the notes written since the last call. `new_monitor` is the number the
    /// model gave the monitor this step created, if it created one: the reference
    /// the watcher noted is bound to it.
    pub fn absorb(&mut self, mut new_monitor: Option<MonId>) -> Result<(), String> {
        let notes = self.log.since(self.read);
        self.read += notes.len();
        for (pid, note) in notes {
            let p = self.proc(pid)?;
            if let Note::Monitored(mref) = note {
                let id = new_monitor.take().ok_or(format!("p{p} noted an unexpected monitor {mref}"))?;
                if id != self.refs.len() {
                    return Err(format!("monitor m{id} created out of order"));
                }
                self.refs.push(mref);
                self.monitors.insert(mref, id);
            }
            let seen = self.translate(note)?;
            self.seen.entry(p).or_default().push(seen);
        }
        Ok(())
    }

    fn pid(&self, p: Proc) -> Pid {
        self.pids[p]
    }

    fn proc(&self, pid: Pid) -> Result<Proc, String> {
        self.procs.get(&pid).copied().ok_or(format!("unknown pid {pid}"))
    }

    fn monitor(&self, mref: Ref) -> Result<MonId, String> {
        self.monitors.get(&mref).copied().ok_or(format!("unknown monitor reference {mref}"))
    }

    fn node(&self, node: NodeId) -> Result<usize, String> {
        self.nodes.iter().position(|n| *n == node).ok_or(format!("unknown node {node}"))
    }

    fn translate(&self, note: Note) -> Result<Seen, String> {
        Ok(match note {
            Note::Monitored(mref) => Seen::Monitored(self.monitor(mref)?),
            Note::Demonitored { monitor, flush, active } => {
                Seen::Demonitored { monitor: self.monitor(monitor)?, flush, active }
            }
            Note::Registered(Ok(())) => Seen::Registered(Ok(())),
            Note::Registered(Err(error)) => Seen::Registered(Err(match error {
                RegisterError::Taken(holder) => RegErr::Taken(self.proc(holder)?),
                RegisterError::NotAlive => RegErr::NotAlive,
                RegisterError::AlreadyNamed(name) => RegErr::AlreadyNamed(name.to_string()),
                RegisterError::Reserved => return Err("the model registered the reserved name".to_owned()),
            })),
            Note::Unregistered(found) => Seen::Unregistered(found),
            Note::Down(down) => {
                Seen::Down { monitor: self.monitor(down.monitor)?, target: self.proc(down.pid)?, reason: down.reason }
            }
            Note::Exit { from, reason } => Seen::Exit { from: self.proc(from)?, reason },
            Note::Ping { from } => Seen::Ping { from: self.proc(from)? },
            Note::Stray(what) => return Err(format!("a puppet got a stray message: {what}")),
        })
    }

    /// The runtime's tables and the puppets' notes, in the model's terms. Couriers
    /// on the control node are left out (they are gone once a step has run).
    pub fn view(&self) -> Result<View, String> {
        let tables = self.cluster.tables();
        let mut processes = Vec::new();
        for row in tables.processes.iter().filter(|row| row.pid.node != self.control) {
            let proc = self.proc(row.pid)?;
            processes.push(ProcRow {
                proc,
                trap_exit: row.trap_exit,
                name: row.name.clone(),
                mailbox_len: row.mailbox_len,
            });
        }
        let mut monitors = Vec::new();
        for m in &tables.monitors {
            monitors.push((self.monitor(m.monitor)?, self.proc(m.watcher)?, self.proc(m.target)?));
        }
        let mut links = Vec::new();
        for &(a, b) in &tables.links {
            let (a, b) = (self.proc(a)?, self.proc(b)?);
            links.push((a.min(b), a.max(b)));
        }
        let mut names = Vec::new();
        for row in &tables.names {
            names.push((self.node(row.node)?, row.name.clone(), self.proc(row.pid)?));
        }
        let seen = self
            .seen
            .iter()
            .map(|(&p, seen)| {
                let mut seen = seen.clone();
                seen.sort();
                (p, seen)
            })
            .collect();
        processes.sort();
        monitors.sort();
        links.sort();
        names.sort();
        Ok(View { processes, monitors, links, names, seen, in_flight: tables.in_flight })
    }

    /// Every note written so far, in the runtime's terms.
    pub fn notes(&self) -> Vec<(Pid, Note)> {
        self.log.since(0)
    }
}
