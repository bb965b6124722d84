//! The foundation sim: the ported coordination layer under a client workload, judged
//! by the invariants.
//!
//! [`FoundationSim`] is the system as the harness sees it: how to build the cluster,
//! start the clients and read the end state, its scenario schema and its invariants.
//! The harness runs each seed's phases; [`bind`] turns a scenario text into one ready
//! to run.

pub mod bounds;
pub mod invariants;
pub mod record;
pub mod run;
pub mod schema;
pub mod size;
pub mod workload;

use std::path::Path;

use otpsim_harness::plan::Topology;
use otpsim_harness::scenario::{Ranged, Scenario, ScenarioError};
use otpsim_harness::suite::SeedCost;
use otpsim_harness::{Bound, Invariant, Run, System};
use otpsim_runtime::Cluster;

pub use schema::Foundation;

/// The sim's name in scenario files (the default when a file names none).
pub const NAME: &str = "foundation";

/// Runtime events no checker reads: message traffic and table bookkeeping, most of a
/// trace. They stay in the trace (and its hash); the checkers just do not read them.
const BULK: &[&str] = &["deliver", "drop", "duplicate", "monitor", "demonitor", "link", "spawn"];

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

    fn counters(&self, record: &record::Record) -> Vec<(&'static str, u64)> {
        let acked = record.history.submits.values().filter(|op| op.acked.is_some()).count() as u64;
        vec![("tasks_acknowledged", acked), ("workflows_started", record.history.starts.len() as u64)]
    }

    fn unread_kinds(&self) -> &'static [&'static str] {
        BULK
    }

    fn seed_cost(&self, scenario: &Scenario<Foundation>) -> Option<SeedCost> {
        Some(size::estimate(scenario))
    }
}
