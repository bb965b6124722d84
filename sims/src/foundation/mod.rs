//! The foundation sim: the ported coordination layer under a client workload, judged
//! by the invariants.
//!
//! [`bind`] turns a scenario text into a [`BoundScenario`] the harness runs: each seed
//! builds the cluster, drives the clients under the seed's fault plan, lets the system
//! settle, reads its end state, and checks the scenario's invariants against that
//! state and the run's trace.

pub mod bounds;
pub mod invariants;
pub mod oracle;
pub mod record;
pub mod run;
pub mod schema;
pub mod size;
pub mod workload;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use otpsim_harness::invariant::{self, TraceEvent};
use otpsim_harness::plan::FaultPlan;
use otpsim_harness::scenario::{self, Ranged, Ranges, Scenario, ScenarioError};
use otpsim_harness::suite::{BoundScenario, Expectation, SeedCost, SeedRun};
use otpsim_harness::vacuity::{Progress, Requirements};
use otpsim_harness::{trace, SeedOutcome};
use otpsim_runtime::Cluster;

pub use schema::Foundation;

/// The sim's name in scenario files.
pub const NAME: &str = "foundation";

/// Runtime events no checker reads: table bookkeeping and lost messages. They stay in
/// the trace (and its hash); their lines are not kept.
const BULK: &[&str] = &["drop", "duplicate", "monitor", "demonitor", "link"];

/// Runtime events only the runtime invariants read: message traffic, most of a trace.
const RUNTIME_ONLY: &[&str] = &["deliver", "spawn"];

/// The counter of tasks and workflows the system acknowledged: a run with none
/// exercised nothing.
const ACKNOWLEDGED: &str = "work_acknowledged";

/// Simulated time a seed may run past `until + settle` before it counts as hung.
const HANG_MARGIN: Duration = Duration::from_secs(300);

/// A foundation scenario ready to run.
#[derive(Clone, Debug)]
pub struct FoundationScenario {
    /// The parsed file, every `[low, high]` range at its low end.
    pub scenario: Scenario<Foundation>,
    /// The file with its ranges, which each seed draws from.
    ranged: Ranged<Foundation>,
    path: PathBuf,
    invariants: Vec<String>,
}

/// Parses and checks a foundation scenario; the bounds of `check` apply to both ends
/// of every range.
pub fn bind(path: &Path, text: &str) -> Result<FoundationScenario, ScenarioError> {
    let ranged: Ranged<Foundation> = scenario::parse_ranged(path, text, &invariant::NAMES)?;
    for end in [&ranged.low, &ranged.high] {
        bounds::check(path, text, end)?;
    }
    size::check(path, text, &ranged.high)?;
    check_points(path, text, &ranged.low)?;
    let scenario = ranged.low.clone();
    let invariants = match &scenario.check.invariants {
        Some(list) => list.iter().map(|n| n.get_ref().clone()).collect(),
        None => invariant::NAMES.iter().map(|n| n.to_string()).collect(),
    };
    Ok(FoundationScenario { scenario, ranged, path: path.to_owned(), invariants })
}

impl FoundationScenario {
    /// The scenario `seed` runs: its ranges at the values the seed draws.
    pub fn at_seed(&self, seed: u64) -> Cow<'_, Scenario<Foundation>> {
        if self.ranged.ranges.is_empty() {
            Cow::Borrowed(&self.scenario)
        } else {
            Cow::Owned(self.ranged.at_seed(&self.path, seed, &invariant::NAMES))
        }
    }
}

/// Rejects a required point the system never marks: a misspelt point would make
/// every run vacuous. The injector's points (`fault.…`) are named by the file's faults.
fn check_points(path: &Path, text: &str, scenario: &Scenario<Foundation>) -> Result<(), ScenarioError> {
    let known = |p: &str| {
        otpsim_runtime::coverage::POINTS.contains(&p)
            || otpsim_foundation::coverage::POINTS.contains(&p)
            || otpsim_harness::coverage::point::is_fault(p)
    };
    let required = scenario.expect.iter().flat_map(|e| e.reached.iter().enumerate());
    match required.into_iter().find(|(_, p)| !known(p.get_ref())) {
        None => Ok(()),
        Some((i, point)) => Err(ScenarioError::new(
            path,
            text,
            Some(point.span()),
            &format!("expect.reached[{i}]"),
            format!("unknown coverage point {:?}", point.get_ref()),
        )
        .with_hint(
            "the system's points are listed by `otpsim coverage`; fault points are `fault.applied.<kind>.<target>`",
        )),
    }
}

impl BoundScenario for FoundationScenario {
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
        let scenario = self.at_seed(seed);
        let mut plan = FaultPlan::derive(seed, &scenario.faults, &run::topology(&scenario));
        plan.drawn = self.ranged.ranges.draw(seed);
        plan
    }

    fn time_limit(&self) -> Duration {
        self.scenario.faults.until.0 + self.scenario.check.settle.0 + HANG_MARGIN
    }

    fn run(&self, cluster: Cluster, seed: u64) -> SeedRun<'_> {
        let plan = self.fault_plan(seed);
        Box::pin(async move {
            let scenario = self.at_seed(seed);
            let record = run::run(cluster, &scenario, &plan).await;
            let (events, runtime_events) = trace::with_current_numbered_lines(|lines, numbers| {
                let system = TraceEvent::parse_numbered(lines, numbers, |kind| !RUNTIME_ONLY.contains(&kind));
                let runtime =
                    TraceEvent::parse_numbered(lines, numbers, |kind| invariant::runtime::KINDS.contains(&kind));
                (system, runtime)
            });
            let mut violations: Vec<_> =
                self.invariants.iter().flat_map(|name| invariants::check(name, &record, &events)).collect();
            violations.extend(invariant::runtime::check(&runtime_events, &record.tables, record.end));
            let acked = record.history.submits.values().filter(|op| op.acked.is_some()).count() as u64;
            let started = record.history.starts.values().filter(|op| op.acked.is_some()).count() as u64;
            SeedOutcome::judged(violations)
                .with_counter("tasks_acknowledged", acked)
                .with_counter(ACKNOWLEDGED, acked + started)
                .with_counter("invariants_checked", self.invariants.len() as u64)
                .with_counter("workflows_started", record.history.starts.len() as u64)
        })
    }

    fn with_plan(&self, plan: &FaultPlan) -> Box<dyn BoundScenario> {
        let mut explicit = self.clone();
        // The ranges narrow to the values the plan's seed drew.
        explicit.scenario = self.ranged.with_values(&self.path, &plan.drawn, &invariant::NAMES);
        explicit.ranged =
            Ranged { low: explicit.scenario.clone(), high: explicit.scenario.clone(), ranges: Ranges::default() };
        crate::pinned::pin(&mut explicit.scenario.faults, plan);
        Box::new(explicit)
    }

    fn to_toml(&self) -> String {
        toml::to_string(&self.scenario).unwrap_or_else(|e| format!("# the scenario could not be written: {e}\n"))
    }

    fn unread_kinds(&self) -> &'static [&'static str] {
        BULK
    }

    fn requirements(&self) -> Requirements {
        let points = self
            .scenario
            .expect
            .as_ref()
            .map_or(Vec::new(), |e| e.reached.iter().map(|p| p.get_ref().clone()).collect());
        Requirements {
            faults: Requirements::faults_of(&self.scenario.faults),
            points,
            progress: Some(Progress { counter: ACKNOWLEDGED, when_zero: "no task or workflow was acknowledged" }),
            invariants: Some(self.invariants.len()),
        }
    }

    fn known_points(&self) -> Vec<&'static str> {
        otpsim_runtime::coverage::POINTS.iter().chain(otpsim_foundation::coverage::POINTS).copied().collect()
    }

    fn seed_cost(&self) -> Option<SeedCost> {
        Some(size::estimate(&self.ranged.high))
    }
}
