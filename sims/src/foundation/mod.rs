//! The foundation sim: the ported coordination layer under a client workload, judged
//! by the invariants.
//!
//! [`FoundationSim`] is the system as the harness sees it: how to build the cluster,
//! start the clients and read the end state, its scenario schema and its invariants.
//! The harness runs each seed's phases; [`bind`] turns a scenario text into one ready
//! to run.

pub mod bounds;
pub mod invariants;
pub mod oracle;
pub mod record;
pub mod run;
pub mod schema;
pub mod size;
pub mod workload;

use std::path::Path;
use std::time::Duration;

use otpsim_harness::plan::Topology;
use otpsim_harness::scenario::{Ranged, Scenario, ScenarioError};
use otpsim_harness::suite::SeedCost;
use otpsim_harness::vacuity::Progress;
use otpsim_harness::{Bound, Invariant, Run, System};
use otpsim_runtime::event::kind;
use otpsim_runtime::{Cluster, Tables};

pub use schema::Foundation;

/// The sim's name in scenario files (the default when a file names none).
pub const NAME: &str = "foundation";

/// Runtime events no kept-event checker reads: message traffic (most of a trace),
/// spawns, table bookkeeping, lost messages, and the supervisor and injector events
/// whose facts checkers read elsewhere (a child's exit from `exit`, a restart from
/// `child_restart`). They stay in the trace (and its hash), and the runtime
/// invariants fold them as they are recorded; they are just not kept.
const BULK: &[&str] = &[
    kind::DELIVER,
    kind::SPAWN,
    kind::DROP,
    kind::DUPLICATE,
    kind::MONITOR,
    kind::DEMONITOR,
    kind::LINK,
    kind::CHILD_EXIT,
    kind::CHILD_STOP,
    kind::CHILD_START_FAILED,
    kind::SUPERVISOR_START,
    kind::SUPERVISOR_SHUTDOWN,
    kind::FAULT_SKIPPED,
];

/// The counter of tasks and workflows the system acknowledged: a run with none
/// exercised nothing.
const ACKNOWLEDGED: &str = "work_acknowledged";

/// The ported coordination layer, as the harness sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct FoundationSim;

/// A foundation scenario ready to run.
pub type FoundationScenario = Bound<FoundationSim>;

/// Parses and checks a foundation scenario.
pub fn bind(path: &Path, text: &str) -> Result<FoundationScenario, ScenarioError> {
    otpsim_harness::bind(FoundationSim, path, text)
}

impl System for FoundationSim {
    type Schema = Foundation;
    type Running = run::Running;
    type Observed = record::Record;

    fn name(&self) -> &'static str {
        NAME
    }

    fn invariants(&self) -> Vec<Invariant<record::Record>> {
        invariants::all()
    }

    fn topology(&self, scenario: &Scenario<Foundation>) -> Topology {
        run::topology(scenario)
    }

    fn validate(&self, path: &Path, text: &str, ranged: &Ranged<Foundation>) -> Result<(), ScenarioError> {
        for end in [&ranged.low, &ranged.high] {
            bounds::check(path, text, end)?;
        }
        size::check(path, text, &ranged.high)
    }

    fn build(&self, cluster: &Cluster, run: &Run<'_, Foundation>) -> run::Running {
        run::build(cluster, run)
    }

    fn workload(&self, cluster: &Cluster, run: &Run<'_, Foundation>, running: &mut run::Running) {
        run::workload(cluster, run, running);
    }

    async fn observe(&self, cluster: &Cluster, run: &Run<'_, Foundation>, running: run::Running) -> record::Record {
        run::observe(cluster, run, running).await
    }

    fn runtime_state<'a>(&self, record: &'a record::Record) -> Option<(&'a Tables, Duration)> {
        Some((&record.tables, record.end))
    }

    fn progress(&self) -> Option<Progress> {
        Some(Progress { counter: ACKNOWLEDGED, when_zero: "no task or workflow was acknowledged" })
    }

    fn known_points(&self) -> Vec<&'static str> {
        otpsim_foundation::coverage::POINTS.to_vec()
    }

    fn counters(&self, record: &record::Record) -> Vec<(&'static str, u64)> {
        let acked = record.history.submits.values().filter(|op| op.acked.is_some()).count() as u64;
        let started = record.history.starts.values().filter(|op| op.acked.is_some()).count() as u64;
        vec![
            ("tasks_acknowledged", acked),
            (ACKNOWLEDGED, acked + started),
            ("workflows_started", record.history.starts.len() as u64),
        ]
    }

    fn unread_kinds(&self) -> &'static [&'static str] {
        BULK
    }

    /// Tasks are handed from clients to the coordinator to agents.
    fn work_fields(&self) -> &'static [&'static str] {
        &[otpsim_foundation::events::field::TASK]
    }

    fn seed_cost(&self, scenario: &Scenario<Foundation>) -> Option<SeedCost> {
        Some(size::estimate(scenario))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use otpsim_harness::suite::run_scenario;
    use otpsim_harness::RunConfig;

    /// A calm run of `until` simulated time, one seed: (events recorded, events kept).
    fn calm(until: &str) -> (u64, u64) {
        let text = format!(
            "name = \"calm\"\n[system]\nnodes = 2\ntask_agents = 2\nworkflows = 1\nworkflow_steps = 2\n\
             [workload]\ntasks = 10\nsubmit_over = \"1s\"\n[faults]\nuntil = \"{until}\"\n[check]\nsettle = \"5s\"\n"
        );
        let scenario = super::bind(Path::new("calm.toml"), &text).expect("a valid scenario");
        let report = run_scenario(&scenario, &[1], &RunConfig::default());
        let seed = &report.seeds[0];
        assert!(seed.verdict.passed(), "{:?}", seed.verdict);
        (seed.trace.events, seed.trace.kept)
    }

    #[test]
    fn a_long_fault_free_run_keeps_no_more_events_than_a_short_one() {
        let (short_events, short_kept) = calm("10s");
        let (long_events, long_kept) = calm("30m");
        // The long run records far more (message traffic, timers), but what it keeps
        // for its checks does not grow with simulated time: memory stays flat.
        assert!(long_events > 20 * short_events, "{long_events} vs {short_events}");
        assert!(long_kept <= short_kept + short_kept / 2, "kept {long_kept} events over 30m, {short_kept} over 10s");
    }
}
