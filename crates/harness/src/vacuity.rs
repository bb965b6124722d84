//! Vacuous runs: a scenario whose seeds never exercised what it is for fails.
//!
//! A green run must say something. Across a scenario's seeds, the run is vacuous when
//! the system never acknowledged any work, when a fault kind or target the file
//! configures never landed, when no invariant judged the seeds, or when a coverage
//! point the file requires (`[expect] reached`) was never reached. Each reason is one
//! sentence naming what was missing and, for a fault, why it was skipped.

use std::collections::BTreeMap;

use crate::coverage::{point, Coverage};
use crate::scenario::{FaultKind, FaultSpec, PartitionShape};

/// What a scenario's seeds must show, together, for a green run to mean something.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirements {
    /// Faults the file configures; each must be applied at least once.
    pub faults: Vec<RequiredFault>,
    /// Coverage points the file requires.
    pub points: Vec<String>,
    /// A counter that must add up to more than zero, and what it means when it does not.
    pub progress: Option<Progress>,
    /// Invariants that judge each seed (`None`: the sim does not say).
    pub invariants: Option<usize>,
}

/// A configured fault: what the file says, and the points that show it landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiredFault {
    /// As a person reads it: "process_crash target workflow".
    pub label: String,
    /// Point names (or prefixes ending at a dot) any one of which shows it applied.
    pub applied: Vec<String>,
}

/// A counter of the work the system acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The counter's name in the seeds' reports.
    pub counter: &'static str,
    /// What it means when it stays at zero ("no task or workflow was acknowledged").
    pub when_zero: &'static str,
}

impl Requirements {
    /// The faults `spec` configures: every target of the recurring process faults,
    /// node crashes, partitions of the configured shape, message faults with a rate
    /// above zero, and every explicit fault.
    pub fn faults_of(spec: &FaultSpec) -> Vec<RequiredFault> {
        let mut faults = Vec::new();
        let applied = |kind: FaultKind, target: &str| point::applied(kind.name(), target);
        let periodic =
            [("process_crash", FaultKind::Crash, &spec.process_crash), ("defect", FaultKind::Defect, &spec.defect)];
        for (name, kind, periodic) in periodic {
            for target in periodic.iter().flat_map(|p| p.targets.iter()) {
                let target = target.get_ref();
                faults.push(RequiredFault {
                    label: format!("{name} target {target}"),
                    applied: vec![applied(kind, target)],
                });
            }
        }
        if spec.node_crash.is_some() {
            faults.push(RequiredFault { label: "node_crash".into(), applied: vec![applied(FaultKind::NodeCrash, "")] });
        }
        if let Some(partition) = &spec.partition {
            let kinds: &[FaultKind] = match partition.shape {
                PartitionShape::Symmetric => &[FaultKind::Partition],
                PartitionShape::OneWay => &[FaultKind::PartitionOneWay],
                PartitionShape::Either => &[FaultKind::Partition, FaultKind::PartitionOneWay],
            };
            faults.push(RequiredFault {
                label: "partition".into(),
                applied: kinds.iter().map(|k| applied(*k, "")).collect(),
            });
        }
        let messages = [
            ("message_loss", spec.message_loss.max() > 0.0, "message.dropped"),
            ("message_duplication", spec.message_duplication.max() > 0.0, "message.duplicated"),
            ("message_delay", spec.message_delay.is_some_and(|d| !d.max.is_zero()), "message.delayed"),
        ];
        for (label, _, point) in messages.into_iter().filter(|(_, on, _)| *on) {
            faults.push(RequiredFault { label: label.into(), applied: vec![point.into()] });
        }
        for (i, at) in spec.at.iter().enumerate() {
            let target = at.target.as_ref().map_or("", |t| t.get_ref());
            let shown = if target.is_empty() { String::new() } else { format!(" {target}") };
            faults.push(RequiredFault {
                label: format!("faults.at[{i}] ({}{shown})", at.kind.name()),
                applied: vec![applied(at.kind, target)],
            });
        }
        faults
    }

    /// The configured faults no seed applied, each with why it was skipped.
    pub fn faults_never_applied(&self, coverage: &Coverage) -> Vec<String> {
        self.faults
            .iter()
            .filter(|f| !f.applied.iter().any(|p| coverage.reached_under(p)))
            .map(|f| format!("{} never applied{}", f.label, skipped(coverage, &f.applied)))
            .collect()
    }

    /// Why a run with these `coverage` and summed `counters` over `seeds` is vacuous;
    /// empty when it is not.
    pub fn vacuous(&self, seeds: u64, coverage: &Coverage, counters: &BTreeMap<String, u64>) -> Vec<String> {
        if seeds == 0 {
            return Vec::new();
        }
        let mut reasons = Vec::new();
        if let Some(progress) = &self.progress {
            if counters.get(progress.counter).copied().unwrap_or(0) == 0 {
                reasons.push(format!("{} in {seeds} seed(s)", progress.when_zero));
            }
        }
        if self.invariants == Some(0) {
            reasons.push("no invariant was checked (check.invariants is empty)".to_owned());
        }
        reasons.extend(self.faults_never_applied(coverage));
        reasons.extend(self.points.iter().filter(|p| coverage.get(p).is_none()).map(|p| format!("never reached {p}")));
        reasons
    }
}

/// ", skipped N times: reason" for the skips of the faults whose applied points are
/// `applied`, or nothing when none was even planned.
fn skipped(coverage: &Coverage, applied: &[String]) -> String {
    let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
    for name in applied {
        let prefix = format!("{}.", name.replacen(point::APPLIED, point::SKIPPED, 1));
        for (point, count) in coverage.fault_points().filter(|(p, _)| p.starts_with(&prefix)) {
            let reason = point.rsplit('.').next().unwrap_or_default();
            *reasons.entry(reason).or_default() += count.hits;
        }
    }
    if reasons.is_empty() {
        return " (never planned)".to_owned();
    }
    let listed: Vec<String> = reasons.iter().map(|(reason, n)| format!("{n} × {reason}")).collect();
    format!(" (skipped: {})", listed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirements(faults: &str) -> Requirements {
        Requirements {
            faults: Requirements::faults_of(&FaultSpec::from_toml(faults)),
            points: vec!["breaker.opened".into()],
            progress: Some(Progress { counter: "acknowledged", when_zero: "nothing was acknowledged" }),
            invariants: Some(2),
        }
    }

    const STORM: &str = "[faults]\nuntil = \"9s\"\nprocess_crash = { every = \"1s\", targets = [\"workflow\", \"agent_supervisor\"] }\n\
                         node_crash = { every = \"3s\" }\n";

    #[test]
    fn a_run_that_applied_every_fault_reached_every_point_and_made_progress_is_not_vacuous() {
        let mut coverage = Coverage::default();
        coverage.add_seed([
            ("fault.applied.crash.workflow", 2),
            ("fault.applied.crash.agent_supervisor", 1),
            ("fault.applied.node_crash.1", 1),
            ("breaker.opened", 1),
        ]);
        let counters = BTreeMap::from([("acknowledged".to_owned(), 5)]);
        assert_eq!(requirements(STORM).vacuous(1, &coverage, &counters), Vec::<String>::new());
    }

    #[test]
    fn each_missing_thing_is_a_reason_and_a_skipped_fault_says_why() {
        let mut coverage = Coverage::default();
        coverage.add_seed([
            ("fault.applied.crash.workflow", 1),
            ("fault.skipped.crash.agent_supervisor.no_live_process", 3),
            ("fault.skipped.crash.workflow.no_live_process", 2),
        ]);
        let mut none = requirements(STORM);
        none.invariants = Some(0);
        let reasons = none.vacuous(2, &coverage, &BTreeMap::new());
        assert_eq!(
            reasons,
            vec![
                "nothing was acknowledged in 2 seed(s)",
                "no invariant was checked (check.invariants is empty)",
                "process_crash target agent_supervisor never applied (skipped: 3 × no_live_process)",
                "node_crash never applied (never planned)",
                "never reached breaker.opened",
            ]
        );
    }

    #[test]
    fn explicit_and_message_faults_are_required_too() {
        let faults = Requirements::faults_of(&FaultSpec::from_toml(
            "[faults]\nuntil = \"9s\"\nmessage_loss = [0.0, 0.1]\n[[faults.at]]\ntime = \"1s\"\nkind = \"node_crash\"\ntarget = \"3\"\n",
        ));
        let labels: Vec<&str> = faults.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, vec!["message_loss", "faults.at[0] (node_crash 3)"]);
        assert_eq!(faults[1].applied, vec!["fault.applied.node_crash.3"]);
    }
}
