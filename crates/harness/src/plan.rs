//! Fault plans: the concrete faults of one seed, derived from the scenario's
//! `[faults]` and the seed alone.
//!
//! Every choice comes from the seed's "faults" stream, so a plan never shifts when the
//! workload or the message layer draws numbers. Swarm mode first draws which fault
//! kinds are on for this seed and, for rates given as ranges, the rate itself. The
//! plan is printed beside the seed (from its `Serialize` output) so a failure shows
//! exactly which faults ran.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_runtime::rng::{stream, Stream};
use otpsim_runtime::{FaultScope, ForcedFates, MessageFaults};
use rand::Rng;
use serde::Serialize;

use crate::scenario::{Dur, FaultKind, FaultSpec, MessageFate, PartitionShape, Rate};

/// The faults of one seed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultPlan {
    /// The seed the plan was derived from.
    pub seed: u64,
    /// Fault kinds switched on for this seed.
    pub kinds: Vec<&'static str>,
    /// Probability that a message between nodes is dropped.
    pub message_loss: f64,
    /// Probability that a message between nodes is delivered twice.
    pub message_duplication: f64,
    /// Extra latency range of messages between nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_delay: Option<[Dur; 2]>,
    /// When faults stop.
    pub until: Dur,
    /// The timed faults, in time order.
    pub events: Vec<PlannedFault>,
    /// Fates forced on single messages, by message id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub message_fates: Vec<MessageFate>,
    /// The values this seed drew for the scenario's `[low, high]` ranges (dotted field
    /// to value); empty when the scenario has none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub drawn: BTreeMap<String, String>,
}

/// One timed fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedFault {
    /// When.
    pub time: Dur,
    /// What.
    pub kind: FaultKind,
    /// Whom (same syntax as `[[faults.at]]` targets).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// Why the run skipped it, once a run has told (printed plans mark it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<&'static str>,
}

/// The nodes a plan may touch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    /// Nodes that node crashes may hit.
    pub crashable: Vec<u32>,
    /// Nodes partitions split.
    pub partitionable: Vec<u32>,
}

impl FaultPlan {
    /// Derives the plan of `seed` from `spec`.
    pub fn derive(seed: u64, spec: &FaultSpec, topology: &Topology) -> FaultPlan {
        let mut rng = stream(seed, "faults");
        let until = spec.until.0;
        let present = present_kinds(spec);
        let enabled: Vec<&'static str> = if spec.swarm && !present.is_empty() {
            let mut chosen: Vec<&'static str> = present.iter().copied().filter(|_| rng.gen_bool(0.5)).collect();
            if chosen.is_empty() {
                chosen.push(present[rng.gen_range(0..present.len())]);
            }
            chosen
        } else {
            present
        };
        let on = |kind: &str| enabled.contains(&kind);
        let mut plan = FaultPlan {
            seed,
            kinds: enabled.clone(),
            message_loss: if on("message_loss") { draw_rate(&mut rng, spec.message_loss) } else { 0.0 },
            message_duplication: if on("message_duplication") {
                draw_rate(&mut rng, spec.message_duplication)
            } else {
                0.0
            },
            message_delay: spec.message_delay.filter(|_| on("message_delay")).map(|d| [Dur(d.min), Dur(d.max)]),
            until: spec.until,
            events: Vec::new(),
            message_fates: spec.message_fates.clone(),
            drawn: BTreeMap::new(),
        };
        if let Some(p) = spec.process_crash.as_ref().filter(|_| on("process_crash")) {
            for time in arrivals(&mut rng, p.every.get_ref().0, until) {
                let target = p.targets[rng.gen_range(0..p.targets.len())].get_ref().clone();
                plan.push(time, FaultKind::Crash, target);
            }
        }
        if let Some(p) = spec.defect.as_ref().filter(|_| on("defect")) {
            for time in arrivals(&mut rng, p.every.get_ref().0, until) {
                let target = p.targets[rng.gen_range(0..p.targets.len())].get_ref().clone();
                plan.push(time, FaultKind::Defect, target);
            }
        }
        if let Some(n) = spec.node_crash.as_ref().filter(|_| on("node_crash") && !topology.crashable.is_empty()) {
            let mut down_until = vec![Duration::ZERO; topology.crashable.len()];
            for time in arrivals(&mut rng, n.every.get_ref().0, until) {
                let i = rng.gen_range(0..topology.crashable.len());
                if down_until[i] > time {
                    continue; // still down from the last crash
                }
                let node = topology.crashable[i].to_string();
                down_until[i] = time + n.restart_after.0;
                plan.push(time, FaultKind::NodeCrash, node.clone());
                plan.push(time + n.restart_after.0, FaultKind::NodeRestart, node);
            }
        }
        if let Some(p) = spec.partition.as_ref().filter(|_| on("partition") && topology.partitionable.len() >= 2) {
            let mut healed_at = Duration::ZERO;
            for time in arrivals(&mut rng, p.every.get_ref().0, until) {
                if time < healed_at {
                    continue; // one partition at a time
                }
                let one_way = match p.shape {
                    PartitionShape::Symmetric => false,
                    PartitionShape::OneWay => true,
                    PartitionShape::Either => rng.gen_bool(0.5),
                };
                let nodes = &topology.partitionable;
                if one_way {
                    let from = nodes[rng.gen_range(0..nodes.len())];
                    let others: Vec<u32> = nodes.iter().copied().filter(|n| *n != from).collect();
                    let to = others[rng.gen_range(0..others.len())];
                    plan.push(time, FaultKind::PartitionOneWay, format!("{from}>{to}"));
                } else {
                    plan.push(time, FaultKind::Partition, split(&mut rng, nodes));
                }
                healed_at = time + p.lasting.0;
                plan.push(healed_at, FaultKind::Heal, String::new());
            }
        }
        for at in &spec.at {
            let target = at.target.as_ref().map_or(String::new(), |t| t.get_ref().clone());
            plan.push(at.time.get_ref().0, at.kind, target);
        }
        plan.events.sort_by_key(|e| e.time);
        plan
    }

    fn push(&mut self, time: Duration, kind: FaultKind, target: String) {
        self.events.push(PlannedFault { time: Dur(time), kind, target, skipped: None });
    }

    /// Marks the faults a run skipped, by their index in `events`, with the reason.
    pub fn mark_skipped(&mut self, skipped: &[(usize, &'static str)]) {
        for &(index, reason) in skipped {
            if let Some(event) = self.events.get_mut(index) {
                event.skipped = Some(reason);
            }
        }
    }

    /// The message fault rates of this plan, for the runtime's fault layer.
    pub fn message_faults(&self) -> MessageFaults {
        MessageFaults {
            loss: self.message_loss,
            duplication: self.message_duplication,
            delay: self.message_delay.map(|[a, b]| (a.0, b.0)),
            scope: FaultScope::BetweenNodes,
        }
    }

    /// The fates this plan forces on single messages, for the runtime's fault layer.
    pub fn forced_fates(&self) -> ForcedFates {
        self.message_fates.iter().map(|f| (f.message, f.fate.forced())).collect()
    }

    /// The plan as a TOML block, for printing beside the seed.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# fault plan could not be printed: {e}\n"))
    }
}

/// Kinds the spec asks for, in a fixed order.
fn present_kinds(spec: &FaultSpec) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    let mut add = |present: bool, kind| {
        if present {
            kinds.push(kind);
        }
    };
    add(spec.process_crash.is_some(), "process_crash");
    add(spec.defect.is_some(), "defect");
    add(spec.node_crash.is_some(), "node_crash");
    add(spec.partition.is_some(), "partition");
    add(spec.message_loss.max() > 0.0, "message_loss");
    add(spec.message_duplication.max() > 0.0, "message_duplication");
    add(spec.message_delay.is_some(), "message_delay");
    kinds
}

fn draw_rate(rng: &mut Stream, rate: Rate) -> f64 {
    match rate {
        Rate::Fixed(p) => p,
        Rate::Range(low, high) if high > low => rng.gen_range(low..=high),
        Rate::Range(low, _) => low,
    }
}

/// Times of a recurring fault before `until`: gaps drawn uniformly from half to one
/// and a half times `every`.
fn arrivals(rng: &mut Stream, every: Duration, until: Duration) -> Vec<Duration> {
    let mut times = Vec::new();
    let mut t = Duration::ZERO;
    loop {
        let every_ns = u64::try_from(every.as_nanos()).unwrap_or(u64::MAX);
        let gap_ns = rng.gen_range(every_ns / 2..=every_ns.saturating_add(every_ns / 2)).max(1);
        t += Duration::from_nanos(gap_ns);
        if t >= until {
            return times;
        }
        times.push(t);
    }
}

/// A random split of `nodes` into two non-empty sides, written "a,b|c".
fn split(rng: &mut Stream, nodes: &[u32]) -> String {
    loop {
        let (a, b): (Vec<u32>, Vec<u32>) = nodes.iter().partition(|_| rng.gen_bool(0.5));
        if !a.is_empty() && !b.is_empty() {
            let join = |side: &[u32]| side.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            return format!("{}|{}", join(&a), join(&b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology() -> Topology {
        Topology { crashable: vec![0, 1, 2], partitionable: vec![0, 1, 2, 3] }
    }

    const STORM: &str = r#"
[faults]
until = "20s"
process_crash = { every = "1s", targets = ["worker"] }
node_crash = { every = "5s", restart_after = "2s" }
partition = { every = "4s", lasting = "1s", shape = "either" }
message_loss = [0.01, 0.05]
message_duplication = 0.01
message_delay = ["1ms", "10ms"]
"#;

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let s = FaultSpec::from_toml(STORM);
        assert_eq!(FaultPlan::derive(9, &s, &topology()), FaultPlan::derive(9, &s, &topology()));
        assert_ne!(FaultPlan::derive(9, &s, &topology()), FaultPlan::derive(10, &s, &topology()));
    }

    #[test]
    fn faults_stop_at_until_and_every_crash_has_its_restart() {
        let plan = FaultPlan::derive(3, &FaultSpec::from_toml(STORM), &topology());
        let until = Duration::from_secs(20);
        let crashes = plan.events.iter().filter(|e| e.kind == FaultKind::NodeCrash).count();
        let restarts = plan.events.iter().filter(|e| e.kind == FaultKind::NodeRestart).count();
        assert_eq!(crashes, restarts);
        assert!(plan.events.iter().filter(|e| e.kind == FaultKind::Crash).all(|e| e.time.0 < until));
        assert!(plan.events.windows(2).all(|w| w[0].time <= w[1].time));
        assert!((0.01..=0.05).contains(&plan.message_loss));
    }

    #[test]
    fn swarm_switches_kinds_off_per_seed() {
        let s = FaultSpec::from_toml(&format!("{STORM}swarm = true\n"));
        let plans: Vec<FaultPlan> = (0..40).map(|seed| FaultPlan::derive(seed, &s, &topology())).collect();
        assert!(plans.iter().all(|p| !p.kinds.is_empty()));
        assert!(plans.iter().any(|p| p.kinds.len() < 7), "swarm never switched a kind off");
        assert!(plans.iter().any(|p| !p.kinds.contains(&"message_loss") && p.message_loss == 0.0));
    }

    #[test]
    fn explicit_faults_are_kept_in_time_order() {
        let s = FaultSpec::from_toml(
            "[faults]\nuntil = \"5s\"\n[[faults.at]]\ntime = \"3s\"\nkind = \"heal\"\n\
             [[faults.at]]\ntime = \"1s\"\nkind = \"crash\"\ntarget = \"worker/1\"\n",
        );
        let plan = FaultPlan::derive(1, &s, &topology());
        let kinds: Vec<FaultKind> = plan.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![FaultKind::Crash, FaultKind::Heal]);
        assert!(plan.to_toml().contains("worker/1"));
    }

    #[test]
    fn forced_message_fates_go_from_the_file_to_the_runtime() {
        let s = FaultSpec::from_toml("[faults]\nuntil = \"5s\"\nmessage_fates = [{ message = 7, fate = \"drop\" }, { message = 9, fate = \"duplicate\" }]\n");
        let plan = FaultPlan::derive(1, &s, &topology());
        let forced = plan.forced_fates();
        assert_eq!(forced.get(&7), Some(&otpsim_runtime::ForcedFate::Drop));
        assert_eq!(forced.get(&9), Some(&otpsim_runtime::ForcedFate::Duplicate));
        assert!(plan.to_toml().contains("message = 7"));
    }
}
