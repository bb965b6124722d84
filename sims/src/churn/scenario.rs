//! The churn workload bound to scenario files (`sim = "churn"`): the same random OTP
//! traffic, under the scenario's fault plan (process kills, node crashes, partitions,
//! message loss, duplication and delay), judged by the runtime invariants alone.
//!
//! `[system]` sets the nodes; the driver acts while faults are on (until
//! `faults.until`), then the run settles for `check.settle`; `[check]` may pick among
//! the runtime invariants. `[workload]` and `[config]` take no keys and there are no
//! flaws: the driver's choices come from the seed, and the runtime has no thresholds or
//! flaws to switch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use otpsim_harness::invariant::runtime;
use otpsim_harness::plan::{FaultPlan, Topology};
use otpsim_harness::scenario::{self, Scenario, ScenarioError, SimSchema};
use otpsim_harness::suite::{BoundScenario, Expectation, SeedRun};
use otpsim_harness::vacuity::Requirements;
use otpsim_runtime::rng::stream;
use otpsim_runtime::Cluster;
use serde::{Deserialize, Serialize};

use super::{add_nodes, drive, judge, NodeFaults, ANCHOR, WORKER};

/// The sim's name in scenario files.
pub const NAME: &str = "churn";

/// Simulated time a seed may run past `until + settle` before it counts as hung.
const HANG_MARGIN: Duration = Duration::from_secs(60);

/// The churn sim's schema.
#[derive(Clone, Debug)]
pub struct ChurnSchema;

impl SimSchema for ChurnSchema {
    type System = System;
    type Workload = Workload;
    type Config = NoConfig;
    type Flaw = NoFlaw;

    fn fault_targets() -> &'static [&'static str] {
        &[WORKER, ANCHOR]
    }
}

/// `[system]`: the cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct System {
    /// Nodes, each with an anchor process.
    pub nodes: u32,
}

impl Default for System {
    fn default() -> Self {
        System { nodes: 3 }
    }
}

/// `[workload]`: nothing to set yet; the driver's choices come from the seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {}

/// `[config]`: the runtime has no thresholds to set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoConfig {}

/// The runtime has no flaws to switch on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NoFlaw {}

/// A churn scenario ready to run.
#[derive(Clone, Debug)]
pub struct ChurnScenario {
    scenario: Scenario<ChurnSchema>,
    path: PathBuf,
}

/// Parses and checks a churn scenario.
pub fn bind(path: &Path, text: &str) -> Result<ChurnScenario, ScenarioError> {
    let scenario: Scenario<ChurnSchema> = scenario::parse(path, text, &runtime::NAMES)?;
    if scenario.system.nodes == 0 {
        return Err(ScenarioError::new(path, text, None, "system.nodes", "must be at least 1".to_owned()));
    }
    Ok(ChurnScenario { scenario, path: path.to_owned() })
}

impl BoundScenario for ChurnScenario {
    fn name(&self) -> &str {
        &self.scenario.name
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn seeds(&self) -> u64 {
        self.scenario.seeds.get()
    }

    fn expect(&self) -> Option<Expectation> {
        let expect = self.scenario.expect.as_ref()?;
        expect.violation.as_ref().map(|violation| Expectation {
            violation: violation.get_ref().clone(),
            within_seeds: expect.within_seeds.map_or(self.seeds(), |n| n.get()),
        })
    }

    fn fault_plan(&self, seed: u64) -> FaultPlan {
        let nodes: Vec<u32> = (0..self.scenario.system.nodes).collect();
        FaultPlan::derive(seed, &self.scenario.faults, &Topology { crashable: nodes.clone(), partitionable: nodes })
    }

    fn time_limit(&self) -> Duration {
        self.scenario.faults.until.0 + self.scenario.check.settle.0 + HANG_MARGIN
    }

    fn run(&self, cluster: Cluster, seed: u64) -> SeedRun<'_> {
        let plan = self.fault_plan(seed);
        Box::pin(async move {
            let mut rng = stream(seed, "workload");
            let nodes = add_nodes(&cluster, self.scenario.system.nodes as usize);
            let until = self.scenario.faults.until.0;
            let driver = drive(&cluster, &nodes, &mut rng, until, NodeFaults::Planned);
            futures_util::future::join(driver, otpsim_harness::inject::inject(&cluster, &plan)).await;
            madsim::time::sleep(self.scenario.check.settle.0).await;
            let selected: Option<Vec<String>> =
                self.scenario.check.invariants.as_ref().map(|list| list.iter().map(|n| n.get_ref().clone()).collect());
            judge(&cluster, &nodes, selected.as_deref())
        })
    }

    fn with_plan(&self, plan: &FaultPlan) -> Box<dyn BoundScenario> {
        let mut explicit = self.clone();
        explicit.scenario.faults = otpsim_harness::bound::explicit_faults(&explicit.scenario.faults, plan);
        Box::new(explicit)
    }

    fn to_toml(&self) -> String {
        toml::to_string(&self.scenario).unwrap_or_else(|e| format!("# the scenario could not be written: {e}\n"))
    }

    fn requirements(&self) -> Requirements {
        let selected = self.scenario.check.invariants.as_ref().map_or(runtime::NAMES.len(), Vec::len);
        Requirements {
            faults: Requirements::faults_of(&self.scenario.faults),
            points: Vec::new(),
            progress: None,
            // The settled-state check judges every seed, whatever the file selects.
            invariants: Some(selected + 1),
        }
    }
}
