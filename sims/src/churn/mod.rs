//! Churn: random OTP traffic under every fault the runtime models, for determinism
//! and consistency checks.
//!
//! Three nodes each boot an `anchor` process (registered, trapping exits, answering
//! calls). The driver then, for a few seconds of simulated time, spawns workers,
//! has them message, call, monitor, link, spawn children, panic, exit and kill one
//! another, kills processes from outside, and crashes and restarts nodes, while
//! messages are lost, duplicated and delayed. Every choice comes from the seed's
//! `workload` stream. After the faults stop and the nodes are back, the run settles
//! and is judged by the runtime invariants ([`otpsim_harness::invariant::runtime`]).
//! [`scenario`] binds the same driver to scenario files, run under their fault plan.

pub mod scenario;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use otpsim_harness::invariant::{runtime, Violation};
use otpsim_harness::SeedOutcome;
use otpsim_runtime::rng::{stream, Stream};
use otpsim_runtime::{Cluster, Ctx, FaultScope, Message, MessageFaults, NodeId, Pid, Reason, Ref, SpawnOpts, Tables};
use rand::Rng;

/// How much churn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Churn {
    /// Nodes in the cluster.
    pub nodes: usize,
    /// Simulated time during which the driver acts and faults are on.
    pub duration: Duration,
    /// Calm time after the faults stop, before the tables are checked.
    pub settle: Duration,
}

impl Default for Churn {
    fn default() -> Self {
        Churn { nodes: 3, duration: Duration::from_secs(3), settle: Duration::from_millis(500) }
    }
}

/// What a worker is told to do.
#[derive(Clone, Debug)]
enum Cmd {
    /// Play ping-pong with `to` for `hops` more messages.
    Forward {
        to: Pid,
        hops: u32,
    },
    Monitor(Pid),
    /// Remove every monitor this worker holds, with any DOWN already queued.
    DemonitorAll,
    Link(Pid),
    SpawnChild {
        link: bool,
        trap_exit: bool,
    },
    SendAfter {
        to: Pid,
        delay: Duration,
    },
    /// Send an exit signal: `kill` or an error.
    Signal {
        to: Pid,
        kill: bool,
    },
    Panic,
    Stop,
}

#[derive(Clone, Debug)]
struct Ping;

#[derive(Clone, Debug)]
struct Pong;

const WORKER: &str = "churn";
const ANCHOR: &str = "anchor";

/// Runs the churn workload on `cluster` (a simulation for the harness's runner), with
/// its own message faults and node crashes drawn from the seed.
pub async fn run(cluster: Cluster, churn: Churn) -> SeedOutcome {
    let mut rng = stream(cluster.seed(), "workload");
    let nodes = add_nodes(&cluster, churn.nodes);
    cluster.set_message_faults(draw_faults(&mut rng));
    drive(&cluster, &nodes, &mut rng, churn.duration, NodeFaults::Own).await;
    otpsim_harness::inject::lift(&cluster);
    madsim::time::sleep(churn.settle).await;
    let end = observe(&cluster, &nodes);
    let mut violations =
        otpsim_harness::trace::with_current_events(|events| runtime::check(events, &end.tables, end.time));
    violations.extend(settled(&end));
    SeedOutcome::judged(violations)
}

/// Whether the driver crashes and restarts nodes itself, or leaves that to a fault plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeFaults {
    /// The driver crashes and restarts nodes at random.
    Own,
    /// Only a fault plan touches nodes.
    Planned,
}

/// Adds `count` nodes, each booting an anchor.
pub fn add_nodes(cluster: &Cluster, count: usize) -> Vec<NodeId> {
    (0..count).map(|i| cluster.add_node(&format!("n{i}"), boot)).collect()
}

/// Acts on the cluster every few milliseconds for `duration` of simulated time.
pub async fn drive(cluster: &Cluster, nodes: &[NodeId], rng: &mut Stream, duration: Duration, faults: NodeFaults) {
    let mut pending_restarts: Vec<(Duration, NodeId)> = Vec::new();
    let end = now() + duration;
    while now() < end {
        madsim::time::sleep(Duration::from_millis(rng.gen_range(1..=20))).await;
        let time = now();
        pending_restarts.retain(|&(at, node)| {
            let due = at <= time;
            if due {
                cluster.restart_node(node);
            }
            !due
        });
        act(cluster, nodes, rng, &mut pending_restarts, faults);
    }
}

/// The end of a settled run: the tables, when they were read, and the nodes that
/// have no anchor.
#[derive(Clone, Debug)]
pub struct Observed {
    /// The runtime's tables at the end.
    pub tables: Tables,
    /// Simulated time the tables were read.
    pub time: Duration,
    /// Nodes whose anchor is not registered.
    pub anchorless: Vec<NodeId>,
}

/// Reads the end of a settled run on `nodes`.
pub fn observe(cluster: &Cluster, nodes: &[NodeId]) -> Observed {
    let anchorless = nodes.iter().copied().filter(|&node| cluster.whereis(node, ANCHOR).is_none()).collect();
    Observed { tables: cluster.tables(), time: now(), anchorless }
}

/// [`SETTLED`]: every node has its anchor again and nothing is left in flight.
pub fn settled(end: &Observed) -> Vec<Violation> {
    let mut violations: Vec<Violation> = (end.anchorless.iter())
        .map(|node| Violation::new(SETTLED, end.time, format!("{node} has no anchor after its restart")))
        .collect();
    if end.tables.in_flight > 0 {
        let message = format!("{} messages still in flight after settling", end.tables.in_flight);
        violations.push(Violation::new(SETTLED, end.time, message));
    }
    violations
}

/// The churn's own end check: every anchor back, nothing in flight.
pub const SETTLED: &str = "settled";

/// Simulated time since the run started.
fn now() -> Duration {
    madsim::time::TimeHandle::current().elapsed()
}

fn draw_faults(rng: &mut Stream) -> MessageFaults {
    let delay = rng.gen_bool(0.7).then(|| {
        let low = Duration::from_millis(rng.gen_range(0..=2));
        (low, low + Duration::from_millis(rng.gen_range(1..=30)))
    });
    MessageFaults {
        loss: rng.gen_range(0.0..0.1),
        duplication: rng.gen_range(0.0..0.05),
        delay,
        scope: if rng.gen_bool(0.3) { FaultScope::All } else { FaultScope::BetweenNodes },
    }
}

/// One random action of the driver.
fn act(
    cluster: &Cluster,
    nodes: &[NodeId],
    rng: &mut Stream,
    pending_restarts: &mut Vec<(Duration, NodeId)>,
    faults: NodeFaults,
) {
    let tables = cluster.tables();
    let workers: Vec<Pid> = tables.labelled(WORKER).map(|p| p.pid).collect();
    let targets: Vec<Pid> = tables.labelled(WORKER).chain(tables.labelled(ANCHOR)).map(|p| p.pid).collect();
    let node = nodes[rng.gen_range(0..nodes.len())];
    let roll = rng.gen_range(0..100);
    if workers.is_empty() || roll < 18 {
        let opts = SpawnOpts { trap_exit: rng.gen_bool(0.3), ..SpawnOpts::labelled(WORKER) };
        cluster.spawn(node, opts, worker);
        return;
    }
    let subject = workers[rng.gen_range(0..workers.len())];
    let target = targets[rng.gen_range(0..targets.len())];
    let cmd = match roll {
        18..=35 => Cmd::Forward { to: target, hops: rng.gen_range(1..=20) },
        36..=45 => Cmd::Monitor(target),
        46..=49 => Cmd::DemonitorAll,
        50..=57 => Cmd::Link(target),
        58..=62 => Cmd::SpawnChild { link: rng.gen_bool(0.5), trap_exit: rng.gen_bool(0.3) },
        63..=67 => Cmd::SendAfter { to: target, delay: Duration::from_millis(rng.gen_range(1..=200)) },
        68..=70 => Cmd::Signal { to: workers[rng.gen_range(0..workers.len())], kill: rng.gen_bool(0.5) },
        71..=75 => Cmd::Panic,
        76..=78 => Cmd::Stop,
        79..=87 => {
            call_from(cluster, node, target);
            return;
        }
        88..=94 => {
            cluster.kill(subject);
            return;
        }
        95.. if faults == NodeFaults::Planned => return,
        95..=97 => {
            if cluster.is_up(node) {
                cluster.crash_node(node);
                pending_restarts.push((now() + Duration::from_millis(rng.gen_range(50..=500)), node));
            }
            return;
        }
        _ => {
            cluster.restart_node(node);
            pending_restarts.retain(|(_, n)| *n != node);
            return;
        }
    };
    courier(cluster, node, subject, cmd);
}

/// Delivers `cmd` to `to` from a short-lived process on `node` (the driver is not a
/// process, so it cannot send).
fn courier(cluster: &Cluster, node: NodeId, to: Pid, cmd: Cmd) {
    cluster.spawn(node, SpawnOpts::labelled("courier"), move |ctx: Ctx| async move { ctx.send(to, cmd) });
}

/// Calls `to` from a short-lived process on `node`; the answer does not matter.
fn call_from(cluster: &Cluster, node: NodeId, to: Pid) {
    cluster.spawn(node, SpawnOpts::labelled("caller"), move |ctx: Ctx| async move {
        let _ = ctx.call::<Ping, Pong>(to, Ping, Duration::from_millis(50)).await;
    });
}

/// Starts a node's anchor; runs at boot and after every restart.
fn boot(cluster: Cluster, node: NodeId) -> impl Future<Output = ()> {
    let opts = SpawnOpts { trap_exit: true, ..SpawnOpts::labelled(ANCHOR) };
    cluster.spawn(node, opts, anchor);
    std::future::ready(())
}

async fn anchor(ctx: Ctx) -> Reason {
    if let Err(e) = ctx.register(ANCHOR) {
        return Reason::error(e.to_string());
    }
    loop {
        if let Message::Call { from, .. } = ctx.recv().await {
            ctx.reply(from, Pong);
        }
    }
}

/// A worker obeys commands until one stops or kills it. Boxed: it spawns copies of
/// itself, and a future cannot contain its own type.
fn worker(ctx: Ctx) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let mut monitors: Vec<Ref> = Vec::new();
        loop {
            let cmd = match ctx.recv().await {
                Message::Call { from, .. } => {
                    ctx.reply(from, Pong);
                    continue;
                }
                msg => match msg.info::<Cmd>() {
                    Some(cmd) => cmd.clone(),
                    None => continue,
                },
            };
            match cmd {
                Cmd::Forward { to, hops } if hops > 0 => ctx.send(to, Cmd::Forward { to: ctx.pid(), hops: hops - 1 }),
                Cmd::Forward { .. } => {}
                Cmd::Monitor(target) => monitors.push(ctx.monitor(target)),
                Cmd::DemonitorAll => {
                    for monitor in monitors.drain(..) {
                        ctx.demonitor_flush(monitor);
                    }
                }
                // Linking to a dead process is `noproc`, which the churn ignores.
                Cmd::Link(target) => ctx.link(target).unwrap_or(()),
                Cmd::SpawnChild { link, trap_exit } => {
                    let opts = SpawnOpts { link, trap_exit, label: Some(Arc::from(WORKER)) };
                    let child = ctx.spawn_opts(ctx.node(), opts, worker);
                    if !link {
                        monitors.push(ctx.monitor(child));
                    }
                }
                Cmd::SendAfter { to, delay } => {
                    ctx.send_after(to, Cmd::Forward { to: ctx.pid(), hops: 1 }, delay);
                }
                Cmd::Signal { to, kill } => ctx.exit(to, if kill { Reason::Kill } else { Reason::error("churn") }),
                Cmd::Panic => panic!("churn: injected defect in {}", ctx.pid()),
                Cmd::Stop => return,
            }
        }
    })
}
