//! The operations the test applies, and how proptest draws them.
//!
//! Generated operations name processes and monitors by raw numbers; [`Op::resolve`]
//! folds them onto what exists at that step, so a shrunk sequence stays meaningful
//! when earlier operations are removed.

use otpsim_runtime::Reason;
use proptest::prelude::*;

/// A process, by spawn order.
pub type Proc = usize;
/// A monitor, by creation order.
pub type MonId = usize;

/// Nodes of the universe (a control node for couriers comes on top).
pub const NODES: usize = 3;
/// Processes one sequence spawns at most.
pub const PROCS_MAX: usize = 12;
/// The names processes may register.
pub const NAMES: [&str; 3] = ["a", "b", "c"];
/// The panic message of a crashing puppet.
pub const CRASH_PANIC: &str = "puppet crash";

/// What an operation can refer to at one step (see [`Op::resolve`]).
pub struct Scope {
    /// Processes spawned so far.
    pub procs: usize,
    /// Those alive, in spawn order.
    pub live: Vec<Proc>,
    /// The owner of every monitor created so far, by monitor.
    pub monitor_watchers: Vec<Proc>,
    /// Monitors still active or whose DOWN still waits in a mailbox.
    pub open_monitors: Vec<MonId>,
}

/// How a puppet crashes itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashKind {
    /// Its body returns: a `normal` exit.
    Return,
    /// Its body returns an abnormal reason.
    Error,
    /// Its body panics.
    Panic,
}

impl CrashKind {
    /// The exit reason the process ends with.
    pub fn reason(self) -> Reason {
        match self {
            CrashKind::Return => Reason::Normal,
            CrashKind::Error => Reason::error("crash"),
            CrashKind::Panic => Reason::Panic(CRASH_PANIC.into()),
        }
    }
}

/// One step. Those with an [`Op::actor`] are performed by that puppet through its own
/// `Ctx`; the others by the driver through the `Cluster`.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Spawn {
        node: usize,
        trap_exit: bool,
    },
    Monitor {
        watcher: Proc,
        target: Proc,
    },
    /// `by` is `None` for the monitor's owner until resolved; another process's
    /// demonitor of a foreign reference must change nothing.
    Demonitor {
        monitor: MonId,
        by: Option<Proc>,
        flush: bool,
    },
    Link {
        a: Proc,
        b: Proc,
    },
    Unlink {
        a: Proc,
        b: Proc,
    },
    Exit {
        from: Proc,
        to: Proc,
        reason: Reason,
    },
    Send {
        from: Proc,
        to: Proc,
    },
    Crash {
        p: Proc,
        how: CrashKind,
    },
    TrapExit {
        p: Proc,
        trap: bool,
    },
    Register {
        p: Proc,
        name: usize,
    },
    Unregister {
        p: Proc,
        name: usize,
    },
    /// The puppet stops reading anything but commands, so DOWN and EXIT messages
    /// queue in its mailbox (which gives `demonitor` with flush something to remove).
    Suspend {
        p: Proc,
    },
    Resume {
        p: Proc,
    },
    /// `Cluster::kill`: the untrappable kill from outside.
    Kill {
        p: Proc,
    },
    NodeCrash {
        node: usize,
    },
    NodeRestart {
        node: usize,
    },
}

impl Op {
    /// The puppet that performs this operation, if a puppet does.
    pub fn actor(&self) -> Option<Proc> {
        match *self {
            Op::Spawn { .. } | Op::Kill { .. } | Op::NodeCrash { .. } | Op::NodeRestart { .. } => None,
            Op::Monitor { watcher: p, .. }
            | Op::Link { a: p, .. }
            | Op::Unlink { a: p, .. }
            | Op::Exit { from: p, .. }
            | Op::Send { from: p, .. }
            | Op::Crash { p, .. }
            | Op::TrapExit { p, .. }
            | Op::Register { p, .. }
            | Op::Unregister { p, .. }
            | Op::Suspend { p }
            | Op::Resume { p } => Some(p),
            Op::Demonitor { by, .. } => by,
        }
    }

    /// This operation with its numbers folded onto what exists in `scope`. The
    /// acting puppet is always a live one. A target is a live process or any process,
    /// about half and half, so dead targets (`noproc`, `noconnection`) come up often
    /// without crowding out the rest; likewise a monitor to demonitor is an open one
    /// (active, or its DOWN still queued) about half the time. `None` when nothing
    /// fits yet.
    pub fn resolve(&self, scope: &Scope) -> Option<Op> {
        let live = &scope.live;
        let actor = |i: usize| live.get(i.checked_rem(live.len())?).copied();
        let either = |i: usize, first: &[usize], all: usize| {
            let i = i.checked_rem(first.len() + all)?;
            Some(if i < first.len() { first[i] } else { i - first.len() })
        };
        let target = |i: usize| either(i, live, scope.procs);
        Some(match self.clone() {
            Op::Spawn { .. } if scope.procs >= PROCS_MAX => return None,
            op @ (Op::Spawn { .. } | Op::NodeCrash { .. } | Op::NodeRestart { .. }) => op,
            Op::Monitor { watcher, target: t } => Op::Monitor { watcher: actor(watcher)?, target: target(t)? },
            Op::Demonitor { monitor, by: Some(by), flush } => {
                let monitor = either(monitor, &scope.open_monitors, scope.monitor_watchers.len())?;
                Op::Demonitor { monitor, by: Some(actor(by)?), flush }
            }
            Op::Demonitor { monitor, by: None, flush } => {
                let owned: Vec<MonId> =
                    (0..scope.monitor_watchers.len()).filter(|m| live.contains(&scope.monitor_watchers[*m])).collect();
                let open: Vec<MonId> = owned.iter().copied().filter(|m| scope.open_monitors.contains(m)).collect();
                let i = monitor.checked_rem(open.len() + owned.len())?;
                let monitor = if i < open.len() { open[i] } else { owned[i - open.len()] };
                Op::Demonitor { monitor, by: Some(scope.monitor_watchers[monitor]), flush }
            }
            Op::Link { a, b } => Op::Link { a: actor(a)?, b: target(b)? },
            Op::Unlink { a, b } => Op::Unlink { a: actor(a)?, b: target(b)? },
            Op::Exit { from, to, reason } => Op::Exit { from: actor(from)?, to: target(to)?, reason },
            Op::Send { from, to } => Op::Send { from: actor(from)?, to: target(to)? },
            Op::Crash { p, how } => Op::Crash { p: actor(p)?, how },
            Op::TrapExit { p, trap } => Op::TrapExit { p: actor(p)?, trap },
            Op::Register { p, name } => Op::Register { p: actor(p)?, name },
            Op::Unregister { p, name } => Op::Unregister { p: actor(p)?, name },
            Op::Suspend { p } => Op::Suspend { p: actor(p)? },
            Op::Resume { p } => Op::Resume { p: actor(p)? },
            Op::Kill { p } => Op::Kill { p: target(p)? },
        })
    }
}

/// Sequences of 3 to 6 spawns, so that most operations have something to act on,
/// then `len_max / 4` to `len_max` operations of every kind.
pub fn sequence(len_max: usize) -> impl Strategy<Value = Vec<Op>> {
    let spawns = proptest::collection::vec(spawn(), 3..=6);
    (spawns, proptest::collection::vec(op(), len_max / 4..=len_max)).prop_map(|(mut ops, rest)| {
        ops.extend(rest);
        ops
    })
}

fn spawn() -> impl Strategy<Value = Op> {
    (0..NODES, any::<bool>()).prop_map(|(node, trap_exit)| Op::Spawn { node, trap_exit })
}

fn op() -> impl Strategy<Value = Op> {
    let p = || 0..2 * PROCS_MAX;
    let reason =
        prop_oneof![Just(Reason::Normal), Just(Reason::Shutdown), Just(Reason::Kill), Just(Reason::error("custom")),];
    let how = prop_oneof![Just(CrashKind::Return), Just(CrashKind::Error), Just(CrashKind::Panic)];
    prop_oneof![
        6 => spawn(),
        10 => (p(), p()).prop_map(|(watcher, target)| Op::Monitor { watcher, target }),
        5 => (0..64usize, proptest::option::weighted(0.2, p()), any::<bool>())
            .prop_map(|(monitor, by, flush)| Op::Demonitor { monitor, by, flush }),
        8 => (p(), p()).prop_map(|(a, b)| Op::Link { a, b }),
        2 => (p(), p()).prop_map(|(a, b)| Op::Unlink { a, b }),
        5 => (p(), p(), reason).prop_map(|(from, to, reason)| Op::Exit { from, to, reason }),
        2 => (p(), p()).prop_map(|(from, to)| Op::Send { from, to }),
        4 => (p(), how).prop_map(|(p, how)| Op::Crash { p, how }),
        3 => (p(), any::<bool>()).prop_map(|(p, trap)| Op::TrapExit { p, trap }),
        3 => (p(), 0..NAMES.len()).prop_map(|(p, name)| Op::Register { p, name }),
        2 => (p(), 0..NAMES.len()).prop_map(|(p, name)| Op::Unregister { p, name }),
        5 => p().prop_map(|p| Op::Suspend { p }),
        2 => p().prop_map(|p| Op::Resume { p }),
        2 => p().prop_map(|p| Op::Kill { p }),
        1 => (0..NODES).prop_map(|node| Op::NodeCrash { node }),
        1 => (0..NODES).prop_map(|node| Op::NodeRestart { node }),
    ]
}
