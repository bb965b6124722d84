//! Applies a [`FaultPlan`] to a running cluster, then switches to liveness mode.
//!
//! Until `faults.until` the plan's faults fire at their times. Each one marks a
//! coverage point: applied, or skipped with the reason (see [`crate::coverage`]). Then every fault is
//! lifted: message faults off, partitions healed, crashed nodes restarted, so the
//! system can show it finishes what it started (the `check.settle` phase).

use std::cell::RefCell;
use std::time::Duration;

use otpsim_runtime::coverage;
use otpsim_runtime::rng::stream;
use otpsim_runtime::{Cluster, ForcedFates, MessageFaults, NodeId, Pid};
use rand::Rng;
use tracing::debug;

use crate::coverage::{point, Skip};
use crate::plan::{FaultPlan, PlannedFault};
use crate::scenario::FaultKind;
use otpsim_runtime::event::kind;

/// Runs `plan` against `cluster` and returns once faults have stopped and been lifted.
pub async fn inject(cluster: &Cluster, plan: &FaultPlan) {
    cluster.set_message_faults(plan.message_faults());
    cluster.force_fates(plan.forced_fates());
    let mut rng = stream(plan.seed, "fault_targets");
    for (index, event) in plan.events.iter().enumerate().filter(|(_, e)| e.time.0 < plan.until.0) {
        sleep_until(event.time.0).await;
        if let Err(reason) = apply(cluster, event, &mut rng) {
            SKIPPED.with(|s| s.borrow_mut().push((index, reason.name())));
        }
    }
    sleep_until(plan.until.0).await;
    lift(cluster);
}

/// Lifts every fault: the start of liveness mode.
pub fn lift(cluster: &Cluster) {
    cluster.set_message_faults(MessageFaults::default());
    cluster.force_fates(ForcedFates::new());
    cluster.heal();
    for node in cluster.nodes() {
        if !cluster.is_up(node) {
            cluster.restart_node(node);
        }
    }
    debug!(target: "otpsim", event = kind::FAULTS_LIFTED);
}

async fn sleep_until(at: Duration) {
    let now = madsim::time::TimeHandle::current().elapsed();
    if at > now {
        madsim::time::sleep(at - now).await;
    }
}

thread_local! {
    /// The faults this thread's seed skipped: their index in the plan and why.
    static SKIPPED: RefCell<Vec<(usize, &'static str)>> = const { RefCell::new(Vec::new()) };
}

/// The faults skipped since the last call, by plan index, with the reason; the runner
/// takes them after each seed (a seed runs on one thread).
pub fn take_skipped() -> Vec<(usize, &'static str)> {
    SKIPPED.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

fn apply(cluster: &Cluster, event: &PlannedFault, rng: &mut otpsim_runtime::rng::Stream) -> Result<(), Skip> {
    let outcome = fire(cluster, event, rng);
    let kind = event.kind.name();
    let target = event.target.as_str();
    match outcome {
        Ok(()) => coverage::hit_named(point::applied(kind, target)),
        Err(reason) => {
            debug!(target: "otpsim", event = kind::FAULT_SKIPPED, kind, target, reason = reason.name());
            coverage::hit_named(point::skipped(kind, target, reason));
        }
    }
    outcome
}

/// Fires one fault, or says why it could not.
fn fire(cluster: &Cluster, event: &PlannedFault, rng: &mut otpsim_runtime::rng::Stream) -> Result<(), Skip> {
    let target = event.target.as_str();
    let kind = event.kind.name();
    match event.kind {
        FaultKind::Crash | FaultKind::Defect => {
            let pid = resolve(cluster, target, rng).ok_or(Skip::NoLiveProcess)?;
            debug!(target: "otpsim", event = kind::FAULT, kind, target, pid = pid.packed());
            if event.kind == FaultKind::Crash {
                cluster.kill(pid);
            } else {
                cluster.inject_defect(pid);
            }
        }
        FaultKind::NodeCrash | FaultKind::NodeRestart => {
            let node =
                target.parse().ok().map(NodeId).filter(|n| cluster.nodes().contains(n)).ok_or(Skip::NoSuchNode)?;
            let crash = event.kind == FaultKind::NodeCrash;
            match (crash, cluster.is_up(node)) {
                (true, false) => return Err(Skip::NodeDown),
                (false, true) => return Err(Skip::NodeUp),
                _ => {}
            }
            debug!(target: "otpsim", event = kind::FAULT, kind, target);
            if crash {
                cluster.crash_node(node);
            } else {
                cluster.restart_node(node);
            }
        }
        FaultKind::Partition => {
            let side =
                |s: &str| -> Vec<NodeId> { s.split(',').filter_map(|n| n.trim().parse().ok()).map(NodeId).collect() };
            let (a, b) = target.split_once('|').ok_or(Skip::NoSuchNode)?;
            debug!(target: "otpsim", event = kind::FAULT, kind, target);
            cluster.partition(&side(a), &side(b));
        }
        FaultKind::PartitionOneWay => {
            let parsed =
                target.split_once('>').and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
            let (from, to) = parsed.ok_or(Skip::NoSuchNode)?;
            debug!(target: "otpsim", event = kind::FAULT, kind, target);
            cluster.partition_one_way(NodeId(from), NodeId(to));
        }
        FaultKind::Heal => {
            debug!(target: "otpsim", event = kind::FAULT, kind);
            cluster.heal();
        }
    }
    Ok(())
}

/// A live process for a target: a registered name (`task_agent/2`) on any node, else a
/// random live process whose label is the target's kind.
fn resolve(cluster: &Cluster, target: &str, rng: &mut otpsim_runtime::rng::Stream) -> Option<Pid> {
    let tables = cluster.tables();
    if let Some(row) = tables.names.iter().find(|n| n.name == target) {
        return Some(row.pid);
    }
    let kind = target.split('/').next().unwrap_or(target);
    let candidates: Vec<Pid> = tables.labelled(kind).map(|p| p.pid).collect();
    if candidates.is_empty() {
        return None;
    }
    Some(candidates[rng.gen_range(0..candidates.len())])
}
