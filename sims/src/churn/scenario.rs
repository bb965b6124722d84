//! The churn workload bound to scenario files (`sim = "churn"`): the same random OTP
//! traffic, under the scenario's fault plan (process kills, node crashes, partitions,
//! message loss, duplication and delay), judged by the runtime invariants and
//! [`SETTLED`](super::SETTLED).
//!
//! `[system]` sets the nodes; the driver acts while faults are on (until
//! `faults.until`), then the run settles for `check.settle`; `[check]` may pick among
//! the invariants. `[workload]` and `[config]` take no keys and there are no flaws:
//! the driver's choices come from the seed, and the runtime has no thresholds or flaws
//! to switch.

use std::path::Path;
use std::time::Duration;

use madsim::task::JoinHandle;
use otpsim_harness::invariant::runtime;
use otpsim_harness::plan::Topology;
use otpsim_harness::scenario::{Ranged, Scenario, ScenarioError, SimSchema};
use otpsim_harness::{Bound, Invariant, Run, System};
use otpsim_runtime::rng::stream;
use otpsim_runtime::{Cluster, NodeId};
use serde::{Deserialize, Serialize};

use super::{add_nodes, drive, observe, settled, NodeFaults, Observed, ANCHOR, SETTLED, WORKER};

/// The sim's name in scenario files.
pub const NAME: &str = "churn";

/// The churn sim's schema.
#[derive(Clone, Debug)]
pub struct ChurnSchema;

impl SimSchema for ChurnSchema {
    type System = Nodes;
    type Workload = Empty;
    type Config = Empty;
    type Flaw = NoFlaw;

    fn fault_targets() -> &'static [&'static str] {
        &[WORKER, ANCHOR]
    }
}

/// `[system]`: the cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Nodes {
    /// Nodes, each with an anchor process.
    pub nodes: u32,
}

impl Default for Nodes {
    fn default() -> Self {
        Nodes { nodes: 3 }
    }
}

/// `[workload]` and `[config]`: nothing to set; the driver's choices come from the
/// seed, and the runtime has no thresholds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// The runtime has no flaws to switch on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NoFlaw {}

/// The churn driver, as the harness sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChurnSim;

/// A churn scenario ready to run.
pub type ChurnScenario = Bound<ChurnSim>;

/// Parses and checks a churn scenario.
pub fn bind(path: &Path, text: &str) -> Result<ChurnScenario, ScenarioError> {
    otpsim_harness::bind(ChurnSim, path, text)
}

/// The nodes, and the driver acting on them until the faults stop.
pub struct Running {
    nodes: Vec<NodeId>,
    driver: Option<JoinHandle<()>>,
}

impl System for ChurnSim {
    type Schema = ChurnSchema;
    type Running = Running;
    type Observed = Observed;

    fn name(&self) -> &'static str {
        NAME
    }

    /// The runtime invariants, each on its own so a file may pick among them, and
    /// the churn's own end check.
    fn invariants(&self) -> Vec<Invariant<Observed>> {
        vec![
            Invariant::always("per_pair_fifo", |_, events| runtime::per_pair_fifo(events)),
            Invariant::always("one_down_per_monitor", |_, events| runtime::one_down_per_monitor(events)),
            Invariant::always("exit_reasons", |_, events| runtime::exit_reasons(events)),
            Invariant::at_end("no_dead_ends", |end, _| runtime::no_dead_ends(&end.tables, end.time)),
            Invariant::at_end(SETTLED, |end, _| settled(end)),
        ]
    }

    /// Every node may crash and partition.
    fn topology(&self, scenario: &Scenario<ChurnSchema>) -> Topology {
        let nodes: Vec<u32> = (0..scenario.system.nodes).collect();
        Topology { crashable: nodes.clone(), partitionable: nodes }
    }

    fn validate(&self, path: &Path, text: &str, ranged: &Ranged<ChurnSchema>) -> Result<(), ScenarioError> {
        if ranged.low.system.nodes == 0 {
            return Err(ScenarioError::new(path, text, None, "system.nodes", "must be at least 1".to_owned()));
        }
        Ok(())
    }

    fn build(&self, cluster: &Cluster, run: &Run<'_, ChurnSchema>) -> Running {
        Running { nodes: add_nodes(cluster, run.scenario.system.nodes as usize), driver: None }
    }

    /// Starts the driver; the fault plan alone crashes nodes.
    fn workload(&self, cluster: &Cluster, run: &Run<'_, ChurnSchema>, running: &mut Running) {
        let (cluster, nodes, until) = (cluster.clone(), running.nodes.clone(), run.plan.until.0);
        let mut rng = stream(run.seed, "workload");
        running.driver = Some(madsim::task::spawn(async move {
            drive(&cluster, &nodes, &mut rng, until, NodeFaults::Planned).await;
        }));
    }

    async fn observe(&self, cluster: &Cluster, _run: &Run<'_, ChurnSchema>, running: Running) -> Observed {
        if let Some(driver) = running.driver {
            // It stopped acting when the faults stopped, before settle began.
            let _ = driver.await;
        }
        observe(cluster, &running.nodes)
    }

    fn hang_margin(&self) -> Duration {
        Duration::from_secs(60)
    }
}
