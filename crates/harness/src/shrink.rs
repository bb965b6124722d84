//! Shrinking a failing seed to a small scenario file.
//!
//! The seed's fault plan becomes an explicit fault list; then whole chunks of it are
//! removed, halving the chunk size each pass (delta debugging), as long as the seed
//! still violates the same invariant; finally each message fault rate is tried at
//! zero. The workload and the message fates come from their own streams of the same
//! seed, so they stay put while faults are removed. The result replays exactly: the
//! same file and seed give the same run.

use std::fmt;

use crate::plan::FaultPlan;
use crate::runner::RunConfig;
use crate::suite::{run_scenario, BoundScenario};

/// A shrunk scenario and how it was reached.
pub struct Shrunk {
    /// The scenario with its explicit, minimal fault list.
    pub scenario: Box<dyn BoundScenario>,
    /// The invariant the seed still violates.
    pub invariant: String,
    /// Faults in the seed's original plan (before `faults.until`).
    pub faults_before: usize,
    /// Faults left.
    pub faults_after: usize,
    /// Seeds run while shrinking.
    pub runs: usize,
}

/// Why a seed could not be shrunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShrinkError {
    /// The seed violates nothing: there is no failure to keep.
    NothingToShrink,
    /// The plan turned into explicit faults no longer fails (it should always; a
    /// mismatch means the run depends on something outside the seed).
    NotReproducible(String),
}

impl fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShrinkError::NothingToShrink => f.write_str("the seed violates no invariant: nothing to shrink"),
            ShrinkError::NotReproducible(invariant) => {
                write!(f, "the seed's faults written out explicitly no longer violate {invariant}")
            }
        }
    }
}

impl std::error::Error for ShrinkError {}

/// Runs candidates of one seed and counts the runs.
struct Trials<'a> {
    scenario: &'a dyn BoundScenario,
    seed: u64,
    config: &'a RunConfig,
    runs: usize,
}

impl Trials<'_> {
    /// The first violated invariant of `candidate` (only `wanted`, if given).
    fn violation(&mut self, candidate: &dyn BoundScenario, wanted: Option<&str>) -> Option<String> {
        self.runs += 1;
        let report = run_scenario(candidate, &[self.seed], self.config);
        let violations = report.seeds.into_iter().next().map(|s| s.violations).unwrap_or_default();
        violations.into_iter().map(|v| v.invariant).find(|name| wanted.is_none_or(|w| w == name))
    }

    /// True if the scenario with `plan` as its explicit faults still violates `invariant`.
    fn fails(&mut self, plan: &FaultPlan, invariant: &str) -> bool {
        let candidate = self.scenario.with_plan(plan);
        self.violation(candidate.as_ref(), Some(invariant)).is_some()
    }
}

/// Shrinks `seed` of `scenario`, keeping a violation of the same invariant (the
/// expected one for a flaw scenario, else the first one found).
pub fn shrink(scenario: &dyn BoundScenario, seed: u64, config: &RunConfig) -> Result<Shrunk, ShrinkError> {
    let mut trials = Trials { scenario, seed, config, runs: 0 };
    let wanted = scenario.expect().map(|e| e.violation);
    let invariant = trials.violation(scenario, wanted.as_deref()).ok_or(ShrinkError::NothingToShrink)?;
    let mut plan = scenario.fault_plan(seed);
    plan.events.retain(|e| e.time < plan.until);
    let faults_before = plan.events.len();
    if !trials.fails(&plan, &invariant) {
        return Err(ShrinkError::NotReproducible(invariant));
    }
    let mut chunk = plan.events.len().div_ceil(2);
    while chunk >= 1 && !plan.events.is_empty() {
        let mut start = 0;
        while start < plan.events.len() {
            let mut candidate = plan.clone();
            let end = (start + chunk).min(candidate.events.len());
            candidate.events.drain(start..end);
            if trials.fails(&candidate, &invariant) {
                plan = candidate;
            } else {
                start += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    let calmer: [fn(&mut FaultPlan); 3] =
        [|p| p.message_loss = 0.0, |p| p.message_duplication = 0.0, |p| p.message_delay = None];
    for calm in calmer {
        let mut candidate = plan.clone();
        calm(&mut candidate);
        if candidate != plan && trials.fails(&candidate, &invariant) {
            plan = candidate;
        }
    }
    Ok(Shrunk {
        scenario: scenario.with_plan(&plan),
        invariant,
        faults_before,
        faults_after: plan.events.len(),
        runs: trials.runs,
    })
}
