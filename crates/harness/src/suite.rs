//! Running scenario files: a scenario bound to its sim, its seeds and its expectation.
//!
//! A healthy scenario passes when every seed holds every invariant. A flaw scenario
//! (`[expect]`) passes when the expected violation shows up within `within_seeds`
//! seeds: the harness must catch the flaw. Seeds that fail a healthy scenario are
//! kept in its regression file ([`crate::regressions`]) and run first next time.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use otpsim_runtime::Cluster;

use crate::plan::FaultPlan;
use crate::regressions::{read_regressions, RegressionError};
use crate::runner::{run_seeds, RunConfig, SeedOutcome, SeedReport};
use crate::seeds::{SeedPlan, ShardOf};
use crate::vacuity::Requirements;

/// A scenario's run of one seed, as a future.
pub type SeedRun<'a> = Pin<Box<dyn Future<Output = SeedOutcome> + 'a>>;

/// A scenario file loaded and bound to its sim: everything the runner needs.
pub trait BoundScenario: Send + Sync {
    /// The scenario's name.
    fn name(&self) -> &str;
    /// The file it came from.
    fn path(&self) -> &Path;
    /// Seeds to run by default.
    fn seeds(&self) -> u64;
    /// The violation a flaw scenario must produce, if any.
    fn expect(&self) -> Option<Expectation>;
    /// The fault plan of `seed`.
    fn fault_plan(&self, seed: u64) -> FaultPlan;
    /// Simulated time after which a seed fails (a hang).
    fn time_limit(&self) -> Duration;
    /// Runs one seed on a fresh cluster and judges it.
    fn run(&self, cluster: Cluster, seed: u64) -> SeedRun<'_>;
    /// The same scenario with `plan`'s faults as its explicit fault list: no recurring
    /// faults, no swarm, the plan's message rates fixed. What `shrink` writes.
    fn with_plan(&self, plan: &FaultPlan) -> Box<dyn BoundScenario>;
    /// The scenario as the text of a scenario file.
    fn to_toml(&self) -> String;
    /// Trace event kinds the scenario's checks never read: their lines are not kept
    /// unless asked for (they are still hashed), so a long run stays small.
    fn unread_kinds(&self) -> &'static [&'static str] {
        &[]
    }
    /// Fields of the system's events that name one piece of work across processes,
    /// which a violation's causal evidence follows (see [`crate::causal`]).
    fn work_fields(&self) -> &'static [&'static str] {
        &[]
    }
    /// What the scenario's seeds must show together for a green run to mean
    /// something (see [`crate::vacuity`]); nothing by default.
    fn requirements(&self) -> Requirements {
        Requirements::default()
    }
    /// Every coverage point the system can mark, so a report can name those never
    /// reached.
    fn known_points(&self) -> Vec<&'static str> {
        Vec::new()
    }
    /// What one seed is expected to cost, if the sim can tell from the scenario's size.
    fn seed_cost(&self) -> Option<SeedCost> {
        None
    }
}

/// One seed's cost, estimated before it runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeedCost {
    /// Trace events.
    pub events: u64,
    /// Real seconds on one core.
    pub seconds: f64,
    /// Peak memory in bytes.
    pub memory_bytes: u64,
}

/// What a flaw scenario must produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// The invariant that must be violated.
    pub violation: String,
    /// Within this many seeds.
    pub within_seeds: u64,
}

/// The result of one scenario over its seeds.
#[derive(Clone, Debug)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// What it expected, if it is a flaw scenario.
    pub expect: Option<Expectation>,
    /// Every seed's report, in run order.
    pub seeds: Vec<SeedReport>,
}

impl ScenarioReport {
    /// The first seed that produced the expected violation (flaw scenarios).
    pub fn detected_by(&self) -> Option<&SeedReport> {
        let expect = self.expect.as_ref()?;
        self.seeds.iter().find(|r| r.violations.iter().any(|v| v.invariant == expect.violation))
    }

    /// The seeds that failed a healthy scenario.
    pub fn failures(&self) -> Vec<&SeedReport> {
        if self.expect.is_some() {
            return Vec::new();
        }
        self.seeds.iter().filter(|r| !r.verdict.passed()).collect()
    }

    /// True if the scenario held: no failing seed, or the expected violation found.
    pub fn passed(&self) -> bool {
        match &self.expect {
            Some(_) => self.detected_by().is_some(),
            None => self.failures().is_empty(),
        }
    }
}

/// Which seeds a run covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedChoice {
    /// The scenario's own count (its `seeds`, or `within_seeds` for a flaw scenario).
    Default,
    /// The first `n` seeds.
    Count(u64),
    /// Exactly this seed.
    One(u64),
}

/// The seeds a run of `scenario` covers, regression seeds first (except for `One`),
/// restricted to `shard`. An unreadable regression file is an error: running without
/// its seeds would hide the failures it keeps.
pub fn seed_plan(
    scenario: &dyn BoundScenario,
    choice: &SeedChoice,
    shard: ShardOf,
) -> Result<SeedPlan, RegressionError> {
    if matches!(choice, SeedChoice::One(_)) {
        return Ok(plan_with(scenario, choice, shard, &[]));
    }
    Ok(plan_with(scenario, choice, shard, &read_regressions(scenario.path())?))
}

/// The seeds a run of `scenario` covers without its regression seeds: what the code
/// alone is judged on, as mutation testing needs (a mutant's failing seeds are its own).
pub fn fresh_seed_plan(scenario: &dyn BoundScenario, choice: &SeedChoice, shard: ShardOf) -> SeedPlan {
    plan_with(scenario, choice, shard, &[])
}

fn plan_with(scenario: &dyn BoundScenario, choice: &SeedChoice, shard: ShardOf, regressions: &[u64]) -> SeedPlan {
    let count = match choice {
        SeedChoice::One(seed) => return SeedPlan::one(*seed),
        SeedChoice::Count(n) => *n,
        SeedChoice::Default => scenario.expect().map_or(scenario.seeds(), |e| e.within_seeds),
    };
    SeedPlan::new(regressions, count, shard)
}

/// Runs `seeds` of `scenario` with `config` (its time limit comes from the scenario).
/// The run keeps the events the scenario's checks read; with `config.keep_lines` the
/// reports keep every event as a text line (to export a trace).
pub fn run_scenario(scenario: &dyn BoundScenario, seeds: &[u64], config: &RunConfig) -> ScenarioReport {
    let skip = if config.keep_lines { &[][..] } else { scenario.unread_kinds() };
    let config = config
        .clone()
        .time_limit(scenario.time_limit())
        .keep_events(true)
        .skip_kinds(skip)
        .work_fields(scenario.work_fields());
    let sim = |cluster: Cluster| {
        let seed = cluster.seed();
        scenario.run(cluster, seed)
    };
    let reports = run_seeds(&sim, seeds, &config);
    ScenarioReport {
        name: scenario.name().to_owned(),
        path: scenario.path().to_owned(),
        expect: scenario.expect(),
        seeds: reports,
    }
}
