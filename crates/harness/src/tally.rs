//! A scenario's result folded seed by seed, in memory that does not grow with the
//! number of seeds that pass.
//!
//! A run of a billion seeds cannot keep a billion [`SeedReport`]s. The tally keeps
//! counts, the number and reason of every failing seed (what the regression file and
//! the summary need), and only the first few failing seeds in full, for people to read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::coverage::Coverage;
use crate::runner::SeedReport;
use crate::suite::{BoundScenario, Expectation};
use crate::vacuity::Requirements;

/// Failing seeds kept in full (violations, verdict); the rest by number and reason.
pub const KEPT_IN_FULL: usize = 3;

/// Longest reason kept for a failing seed that is not kept in full.
const REASON_CHARS: usize = 200;

/// A failing seed, by number, with the first line of its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedSeed {
    /// The seed.
    pub seed: u64,
    /// Why it failed ("violated: no_task_lost", "simulation panicked: …").
    pub reason: String,
    /// True if it found the violation a flaw scenario expects (what the scenario is
    /// for, not a failure).
    pub detects: bool,
}

/// One scenario's seeds so far.
#[derive(Clone, Debug)]
pub struct Tally {
    /// The scenario's name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// What it expected, if it is a flaw scenario.
    pub expect: Option<Expectation>,
    /// Seeds folded in.
    pub seeds: u64,
    /// Every seed that did not pass, in run order.
    pub failed: Vec<FailedSeed>,
    /// The first [`KEPT_IN_FULL`] failing seeds that are not the expected violation's
    /// finder, in full but without their trace lines.
    pub kept: Vec<SeedReport>,
    /// The first seed that produced the expected violation (flaw scenarios).
    pub detected_by: Option<SeedReport>,
    /// Seeds that produced the expected violation.
    pub finders: u64,
    /// Seeds that violated each invariant.
    pub found: BTreeMap<String, u64>,
    /// The coverage points the seeds reached.
    pub coverage: Coverage,
    /// The seeds' counters, added up.
    pub counters: BTreeMap<String, u64>,
    /// What the seeds must show together (see [`crate::vacuity`]).
    pub requirements: Requirements,
}

impl Tally {
    /// An empty tally of `scenario`.
    pub fn new(scenario: &dyn BoundScenario) -> Self {
        let mut tally = Self::empty(scenario.name(), scenario.path(), scenario.expect());
        tally.requirements = scenario.requirements();
        tally
    }

    /// An empty tally of the scenario `name` at `path`, expecting `expect`.
    pub fn empty(name: &str, path: &Path, expect: Option<Expectation>) -> Self {
        Tally {
            name: name.to_owned(),
            path: path.to_owned(),
            expect,
            seeds: 0,
            failed: Vec::new(),
            kept: Vec::new(),
            detected_by: None,
            finders: 0,
            found: BTreeMap::new(),
            coverage: Coverage::default(),
            counters: BTreeMap::new(),
            requirements: Requirements::default(),
        }
    }

    /// Folds in one seed's report.
    pub fn add(&mut self, mut report: SeedReport) {
        self.seeds += 1;
        self.coverage.add_seed(report.coverage.iter().map(|(name, hits)| (name.as_ref(), *hits)));
        for (name, value) in &report.counters {
            match self.counters.get_mut(name) {
                Some(sum) => *sum += value,
                None => {
                    self.counters.insert(name.clone(), *value);
                }
            }
        }
        let mut names: Vec<&str> = report.violations.iter().map(|v| v.invariant.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for name in &names {
            match self.found.get_mut(*name) {
                Some(count) => *count += 1,
                None => {
                    self.found.insert((*name).to_owned(), 1);
                }
            }
        }
        if report.verdict.passed() {
            return;
        }
        let verdict = report.verdict.to_string();
        let reason = verdict.strip_prefix("FAIL: ").unwrap_or(&verdict);
        let reason = reason.lines().next().unwrap_or("").chars().take(REASON_CHARS).collect();
        let finds = self.expect.as_ref().is_some_and(|e| names.contains(&e.violation.as_str()));
        self.failed.push(FailedSeed { seed: report.seed, reason, detects: finds });
        report.trace.lines = None;
        if finds {
            self.finders += 1;
            if self.detected_by.is_none() {
                self.detected_by = Some(report);
            }
        } else if self.kept.len() < KEPT_IN_FULL {
            self.kept.push(report);
        }
    }

    /// The seeds that failed a healthy scenario (none for a flaw scenario, whose
    /// failing seeds are what it looks for).
    pub fn failures(&self) -> &[FailedSeed] {
        match self.expect {
            Some(_) => &[],
            None => &self.failed,
        }
    }

    /// Why the seeds so far exercised too little to mean anything; empty if they did.
    pub fn vacuous(&self) -> Vec<String> {
        self.requirements.vacuous(self.seeds, &self.coverage, &self.counters)
    }

    /// True if the scenario held: no failing seed and not vacuous, or the expected
    /// violation found.
    pub fn passed(&self) -> bool {
        match &self.expect {
            Some(_) => self.detected_by.is_some(),
            None => self.failed.is_empty() && self.vacuous().is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::invariant::Violation;
    use crate::runner::Verdict;
    use crate::trace::Trace;

    fn seed(seed: u64, invariants: &[&str]) -> SeedReport {
        let violations = invariants.iter().map(|name| Violation::new(name, Duration::ZERO, "seen")).collect();
        let trace = Trace { lines: Some(vec!["line".to_owned()]), ..Trace::default() };
        SeedReport { trace, ..SeedReport::judged(seed, violations) }
    }

    fn tally(expect: Option<&str>) -> Tally {
        let expect = expect.map(|v| Expectation { violation: v.to_owned(), within_seeds: 9 });
        Tally::empty("storm", Path::new("storm.toml"), expect)
    }

    #[test]
    fn passing_seeds_are_counted_and_failing_ones_kept_by_number() {
        let mut healthy = tally(None);
        for s in 0..1000 {
            healthy.add(if s % 100 == 7 { seed(s, &["no_task_lost"]) } else { seed(s, &[]) });
        }
        assert_eq!(healthy.seeds, 1000);
        assert_eq!(healthy.failures().len(), 10);
        assert_eq!(
            healthy.failures()[1],
            FailedSeed { seed: 107, reason: "violated: no_task_lost".to_owned(), detects: false }
        );
        assert_eq!(healthy.kept.len(), KEPT_IN_FULL);
        assert!(healthy.kept.iter().all(|s| s.trace.lines.is_none()));
        assert!(!healthy.passed());
    }

    #[test]
    fn a_flaw_scenario_remembers_its_first_finder_and_what_else_was_found() {
        let mut flaw = tally(Some("fifo_delivery"));
        flaw.add(seed(0, &["no_task_lost"]));
        flaw.add(seed(1, &[]));
        flaw.add(seed(2, &["fifo_delivery", "no_task_lost"]));
        flaw.add(seed(3, &["fifo_delivery"]));
        let mut hung = seed(4, &[]);
        hung.verdict = Verdict::Fail("simulation panicked: time limit".to_owned());
        flaw.add(hung);
        assert!(flaw.passed() && flaw.failures().is_empty());
        assert_eq!(flaw.detected_by.as_ref().map(|s| s.seed), Some(2));
        assert_eq!((flaw.finders, flaw.found["no_task_lost"], flaw.found["fifo_delivery"]), (2, 2, 2));
        assert_eq!(flaw.kept.iter().map(|s| s.seed).collect::<Vec<_>>(), vec![0, 4]);
    }
}
