//! What a run exercised: coverage points folded over seeds, and the names of the
//! points the harness itself marks for every fault it applies or skips.
//!
//! The system marks its own points with [`otpsim_runtime::reached!`]; the runner takes
//! each seed's counts ([`SeedReport::coverage`](crate::SeedReport)) and a
//! [`Coverage`] adds them up: for each point, how many seeds reached it and how often.
//! The injector marks `fault.applied.<kind>[.<target>]` for a fault that fired and
//! `fault.skipped.<kind>[.<target>].<reason>` for one that could not, so a report can
//! list the configured faults that never landed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Why a planned fault did not fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// No live process matched the target.
    NoLiveProcess,
    /// The target names no node of the cluster.
    NoSuchNode,
    /// A node crash hit a node that was already down.
    NodeDown,
    /// A node restart hit a node that was up.
    NodeUp,
}

impl Skip {
    /// The reason as it appears in point names and reports.
    pub fn name(self) -> &'static str {
        match self {
            Skip::NoLiveProcess => "no_live_process",
            Skip::NoSuchNode => "no_such_node",
            Skip::NodeDown => "node_already_down",
            Skip::NodeUp => "node_already_up",
        }
    }
}

/// Names of the points the injector marks.
pub mod point {
    use super::Skip;

    /// Prefix of every applied fault's point.
    pub const APPLIED: &str = "fault.applied.";
    /// Prefix of every skipped fault's point.
    pub const SKIPPED: &str = "fault.skipped.";

    /// `fault.applied.<kind>[.<target>]`.
    pub fn applied(kind: &str, target: &str) -> String {
        with_target(APPLIED, kind, target)
    }

    /// `fault.skipped.<kind>[.<target>].<reason>`.
    pub fn skipped(kind: &str, target: &str, reason: Skip) -> String {
        let mut name = with_target(SKIPPED, kind, target);
        name.push('.');
        name.push_str(reason.name());
        name
    }

    fn with_target(prefix: &str, kind: &str, target: &str) -> String {
        if target.is_empty() {
            format!("{prefix}{kind}")
        } else {
            format!("{prefix}{kind}.{target}")
        }
    }

    /// True for a point the injector marks (not one of the system's).
    pub fn is_fault(name: &str) -> bool {
        name.starts_with(APPLIED) || name.starts_with(SKIPPED)
    }
}

/// One point over many seeds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointCount {
    /// Seeds that reached it at least once.
    pub seeds: u64,
    /// Times it was reached, over all seeds.
    pub hits: u64,
}

/// Points reached over a batch of seeds. Its size is bounded by the points the code
/// names and the faults the scenario configures, never by the number of seeds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Coverage {
    /// Every point reached, by name.
    pub points: BTreeMap<String, PointCount>,
}

impl Coverage {
    /// Adds one seed's counts.
    pub fn add_seed<'a>(&mut self, counts: impl IntoIterator<Item = (&'a str, u64)>) {
        for (name, hits) in counts.into_iter().filter(|(_, hits)| *hits > 0) {
            let count = match self.points.get_mut(name) {
                Some(count) => count,
                None => self.points.entry(name.to_owned()).or_default(),
            };
            count.seeds += 1;
            count.hits += hits;
        }
    }

    /// Adds another batch (another shard, another scenario).
    pub fn merge(&mut self, other: &Coverage) {
        for (name, count) in &other.points {
            let mine = self.points.entry(name.clone()).or_default();
            mine.seeds += count.seeds;
            mine.hits += count.hits;
        }
    }

    /// The count of `name`, if any seed reached it.
    pub fn get(&self, name: &str) -> Option<PointCount> {
        self.points.get(name).copied()
    }

    /// True if some seed reached a point that is `name` or starts with `name.`.
    pub fn reached_under(&self, name: &str) -> bool {
        self.points
            .keys()
            .any(|point| point.strip_prefix(name).is_some_and(|rest| rest.is_empty() || rest.starts_with('.')))
    }

    /// The system's points (not the injector's), in name order.
    pub fn system_points(&self) -> impl Iterator<Item = (&str, PointCount)> {
        self.points.iter().filter(|(name, _)| !point::is_fault(name)).map(|(n, c)| (n.as_str(), *c))
    }

    /// The injector's points, in name order.
    pub fn fault_points(&self) -> impl Iterator<Item = (&str, PointCount)> {
        self.points.iter().filter(|(name, _)| point::is_fault(name)).map(|(n, c)| (n.as_str(), *c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_hits_are_counted_per_point() {
        let mut coverage = Coverage::default();
        coverage.add_seed([("breaker.opened", 3), ("agent.paused", 1)]);
        coverage.add_seed([("breaker.opened", 2), ("agent.paused", 0)]);
        assert_eq!(coverage.get("breaker.opened"), Some(PointCount { seeds: 2, hits: 5 }));
        assert_eq!(coverage.get("agent.paused"), Some(PointCount { seeds: 1, hits: 1 }));
        let mut other = Coverage::default();
        other.add_seed([("agent.paused", 4)]);
        coverage.merge(&other);
        assert_eq!(coverage.get("agent.paused"), Some(PointCount { seeds: 2, hits: 5 }));
    }

    #[test]
    fn fault_points_name_kind_target_and_reason() {
        assert_eq!(point::applied("crash", "task_agent/2"), "fault.applied.crash.task_agent/2");
        assert_eq!(point::applied("heal", ""), "fault.applied.heal");
        let skipped = point::skipped("crash", "agent_supervisor", Skip::NoLiveProcess);
        assert_eq!(skipped, "fault.skipped.crash.agent_supervisor.no_live_process");
        let mut coverage = Coverage::default();
        coverage.add_seed([(skipped.as_str(), 1), ("fault.applied.node_crash.1", 1), ("agent.paused", 1)]);
        assert!(coverage.reached_under("fault.applied.node_crash"));
        assert!(!coverage.reached_under("fault.applied.node"), "a prefix must end at a dot");
        assert!(!coverage.reached_under("fault.applied.crash"));
        assert_eq!(coverage.system_points().map(|(n, _)| n).collect::<Vec<_>>(), vec!["agent.paused"]);
        assert_eq!(coverage.fault_points().count(), 2);
    }
}
