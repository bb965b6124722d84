//! Running scenario files: a scenario bound to its sim, its seeds, its expectation,
//! and the regression file of seeds that once failed.
//!
//! A healthy scenario passes when every seed holds every invariant. A flaw scenario
//! (`[expect]`) passes when the expected violation shows up within `within_seeds`
//! seeds: the harness must catch the flaw. Seeds that fail a healthy scenario are
//! written to `<scenario>.regressions` beside it and run first next time, as
//! proptest keeps its failure cases.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use otpsim_runtime::Cluster;

use crate::plan::FaultPlan;
use crate::runner::{run_seeds, RunConfig, SeedOutcome, SeedReport};

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
/// restricted to shard `k` of `n` when given (`k` in `1..=n`).
pub fn seeds_for(scenario: &dyn BoundScenario, choice: &SeedChoice, shard: Option<(u64, u64)>) -> Vec<u64> {
    let count = match choice {
        SeedChoice::One(seed) => return vec![*seed],
        SeedChoice::Count(n) => *n,
        SeedChoice::Default => scenario.expect().map_or(scenario.seeds(), |e| e.within_seeds),
    };
    let mut seeds = read_regressions(scenario.path());
    for seed in 0..count {
        if !seeds.contains(&seed) {
            seeds.push(seed);
        }
    }
    match shard {
        Some((k, n)) if n > 0 => seeds.into_iter().filter(|s| s % n == k.saturating_sub(1) % n).collect(),
        _ => seeds,
    }
}

/// Runs `seeds` of `scenario` with `config` (its time limit comes from the scenario).
pub fn run_scenario(scenario: &dyn BoundScenario, seeds: &[u64], config: &RunConfig) -> ScenarioReport {
    let config = config.clone().time_limit(scenario.time_limit()).keep_lines(true);
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

/// The regression file of a scenario: `<file>.regressions` beside it.
pub fn regression_path(scenario: &Path) -> PathBuf {
    let mut name = scenario.as_os_str().to_owned();
    name.push(".regressions");
    PathBuf::from(name)
}

/// Seeds recorded as failing for the scenario at `path` (none if there is no file).
pub fn read_regressions(path: &Path) -> Vec<u64> {
    let text = fs::read(&regression_path(path)).unwrap_or_default();
    text.lines().filter_map(|line| line.split('#').next()).filter_map(|seed| seed.trim().parse().ok()).collect()
}

/// Records `seed` as failing for the scenario at `path`, with a comment saying why.
pub fn record_regression(path: &Path, seed: u64, why: &str) -> std::io::Result<()> {
    if read_regressions(path).contains(&seed) {
        return Ok(());
    }
    let file = regression_path(path);
    let mut text = fs::read(&file)
        .unwrap_or_else(|_| "# Seeds that once failed this scenario; otpsim runs them first.\n".to_owned());
    let why = why.lines().next().unwrap_or("").chars().take(120).collect::<String>();
    text.push_str(&format!("{seed} # {why}\n"));
    fs::write(&file, &text)
}

/// File access for scenario bookkeeping, outside any simulation.
mod fs {
    use std::path::Path;

    #[allow(clippy::disallowed_methods)] // regression files are read by the runner, not by simulated code
    pub(super) fn read(path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    #[allow(clippy::disallowed_methods)] // regression files are written by the runner, not by simulated code
    pub(super) fn write(path: &Path, text: &str) -> std::io::Result<()> {
        std::fs::write(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_seeds_round_trip_through_their_file() {
        let dir = std::env::temp_dir().join(format!("otpsim-regressions-{}", std::process::id()));
        #[allow(clippy::disallowed_methods)] // test scaffolding on the real file system
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = dir.join("calm.toml");
        assert!(read_regressions(&scenario).is_empty());
        record_regression(&scenario, 17, "no_task_lost violated").unwrap();
        record_regression(&scenario, 17, "again").unwrap();
        record_regression(&scenario, 4, "defects_crash").unwrap();
        assert_eq!(read_regressions(&scenario), vec![17, 4]);
        #[allow(clippy::disallowed_methods)]
        let text = std::fs::read_to_string(regression_path(&scenario)).unwrap();
        assert!(text.contains("17 # no_task_lost violated"));
        #[allow(clippy::disallowed_methods)]
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
