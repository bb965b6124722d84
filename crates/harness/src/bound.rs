//! A scenario file bound to a [`System`]: the harness's run of each seed.
//!
//! [`bind`] parses a scenario against the system's schema and invariant names;
//! the resulting [`Bound`] is a [`BoundScenario`] the suite, the CLI and `shrink`
//! run. Each seed: derive the fault plan once; build; start the workload; inject the
//! faults; lift them; settle; observe; check every chosen invariant over the end
//! state and the run's events.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use otpsim_runtime::Cluster;
use toml::Spanned;

use crate::coverage::point;
use crate::inject::inject;
use crate::invariant::TraceEvent;
use crate::plan::FaultPlan;
use crate::runner::SeedOutcome;
use crate::scenario::{
    self, DelayRange, ExplicitFault, FaultSpec, Ranged, Ranges, Rate, Scenario, ScenarioError, SimSchema,
};
use crate::suite::{BoundScenario, Expectation, SeedCost, SeedRun};
use crate::system::{Invariant, Run, System};
use crate::trace;
use crate::vacuity::Requirements;

/// A scenario ready to run against its system.
pub struct Bound<S: System> {
    /// The system.
    pub system: Arc<S>,
    /// The parsed file, every `[low, high]` range at its low end.
    pub scenario: Scenario<S::Schema>,
    /// The file with its ranges, which each seed draws from.
    ranged: Ranged<S::Schema>,
    path: PathBuf,
    /// Every invariant name the system declares (for re-reading ranged files).
    names: Vec<&'static str>,
    /// The invariants the scenario checks, in the order it names them.
    checks: Vec<Invariant<S::Observed>>,
}

impl<S: System> Clone for Bound<S> {
    fn clone(&self) -> Self {
        Bound {
            system: self.system.clone(),
            scenario: self.scenario.clone(),
            ranged: self.ranged.clone(),
            path: self.path.clone(),
            names: self.names.clone(),
            checks: self.checks.clone(),
        }
    }
}

impl<S: System> std::fmt::Debug for Bound<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound").field("scenario", &self.scenario).field("checks", &self.checks).finish()
    }
}

/// Parses and checks a scenario text (named `path` in errors) for `system`; the
/// system's own checks apply to both ends of every range.
pub fn bind<S: System>(system: S, path: &Path, text: &str) -> Result<Bound<S>, ScenarioError> {
    let declared = system.invariants();
    let names: Vec<&'static str> = declared.iter().map(|i| i.name).collect();
    let mut ranged: Ranged<S::Schema> = scenario::parse_ranged(path, text, &names)?;
    for end in [&mut ranged.low, &mut ranged.high] {
        named(end, system.name());
    }
    system.validate(path, text, &ranged)?;
    check_points(path, text, &ranged.low, &known_points(&system))?;
    let scenario = ranged.low.clone();
    let checks = match &scenario.check.invariants {
        Some(list) => list.iter().filter_map(|n| declared.iter().find(|i| i.name == n.get_ref()).cloned()).collect(),
        None => declared,
    };
    Ok(Bound { system: Arc::new(system), scenario, ranged, path: path.to_owned(), names, checks })
}

/// The runtime's coverage points and the system's own.
fn known_points<S: System>(system: &S) -> Vec<&'static str> {
    otpsim_runtime::coverage::POINTS.iter().copied().chain(system.known_points()).collect()
}

/// Rejects a required point the system never marks: a misspelt point would make
/// every run vacuous. The injector's points (`fault.…`) are named by the file's faults.
fn check_points<S: SimSchema>(
    path: &Path,
    text: &str,
    scenario: &Scenario<S>,
    known: &[&'static str],
) -> Result<(), ScenarioError> {
    let required = scenario.expect.iter().flat_map(|e| e.reached.iter().enumerate());
    match required.into_iter().find(|(_, p)| !known.contains(&p.get_ref().as_str()) && !point::is_fault(p.get_ref())) {
        None => Ok(()),
        Some((i, p)) => Err(ScenarioError::new(
            path,
            text,
            Some(p.span()),
            &format!("expect.reached[{i}]"),
            format!("unknown coverage point {:?}", p.get_ref()),
        )
        .with_hint(
            "the system's points are listed by `otpsim coverage`; fault points are `fault.applied.<kind>.<target>`",
        )),
    }
}

/// A file that names no sim is bound to the one that read it.
fn named<S: SimSchema>(scenario: &mut Scenario<S>, sim: &str) {
    if scenario.sim.is_empty() {
        scenario.sim = sim.to_owned();
    }
}

impl<S: System> Bound<S> {
    /// The scenario `seed` runs: its ranges at the values the seed draws.
    pub fn at_seed(&self, seed: u64) -> Cow<'_, Scenario<S::Schema>> {
        if self.ranged.ranges.is_empty() {
            return Cow::Borrowed(&self.scenario);
        }
        let mut scenario = self.ranged.at_seed(&self.path, seed, &self.names);
        named(&mut scenario, self.system.name());
        Cow::Owned(scenario)
    }

    /// The invariants this scenario checks.
    pub fn checks(&self) -> &[Invariant<S::Observed>] {
        &self.checks
    }

    /// Runs one seed under `plan`: the phases every system goes through.
    async fn run_phases(&self, cluster: Cluster, seed: u64, plan: FaultPlan) -> SeedOutcome {
        let scenario = self.at_seed(seed);
        let run = Run { seed, scenario: &scenario, plan: &plan };
        let mut running = self.system.build(&cluster, &run);
        self.system.workload(&cluster, &run, &mut running);
        inject(&cluster, &plan).await;
        madsim::time::sleep(scenario.check.settle.0).await;
        let observed = self.system.observe(&cluster, &run, running).await;
        let unread = self.system.unread_kinds();
        let mut violations = trace::with_current_events(|events| {
            // A run that keeps every event (to write its trace) hands the checks only
            // the kinds they read, as a lean run does.
            let read: Vec<TraceEvent>;
            let events = if events.iter().any(|e| unread.contains(&e.kind.as_str())) {
                read = events.iter().filter(|e| !unread.contains(&e.kind.as_str())).cloned().collect::<Vec<_>>();
                &read[..]
            } else {
                events
            };
            self.checks.iter().flat_map(|i| (i.check)(&observed, events)).collect::<Vec<_>>()
        });
        // The runtime invariants folded every event as it was recorded, read or not.
        if let Some((tables, end)) = self.system.runtime_state(&observed) {
            violations.extend(trace::with_runtime_fold(|fold| fold.judge(tables, end)));
        }
        let counters = self.system.counters(&observed);
        let checked = ("invariants_checked", self.checks.len() as u64);
        counters
            .into_iter()
            .chain([checked])
            .fold(SeedOutcome::judged(violations), |outcome, (name, n)| outcome.with_counter(name, n))
    }
}

impl<S: System> BoundScenario for Bound<S> {
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
        let mut plan = FaultPlan::derive(seed, &scenario.faults, &self.system.topology(&scenario));
        plan.drawn = self.ranged.ranges.draw(seed);
        plan
    }

    fn time_limit(&self) -> Duration {
        self.scenario.faults.until.0 + self.scenario.check.settle.0 + self.system.hang_margin()
    }

    fn run(&self, cluster: Cluster, seed: u64) -> SeedRun<'_> {
        let plan = self.fault_plan(seed);
        Box::pin(self.run_phases(cluster, seed, plan))
    }

    fn with_plan(&self, plan: &FaultPlan) -> Box<dyn BoundScenario> {
        let mut explicit = self.clone();
        // The ranges narrow to the values the plan's seed drew.
        let mut scenario = self.ranged.with_values(&self.path, &plan.drawn, &self.names);
        named(&mut scenario, self.system.name());
        scenario.faults = explicit_faults(&scenario.faults, plan);
        explicit.ranged = Ranged { low: scenario.clone(), high: scenario.clone(), ranges: Ranges::default() };
        explicit.scenario = scenario;
        Box::new(explicit)
    }

    fn to_toml(&self) -> String {
        toml::to_string(&self.scenario).unwrap_or_else(|e| format!("# the scenario could not be written: {e}\n"))
    }

    fn unread_kinds(&self) -> &'static [&'static str] {
        self.system.unread_kinds()
    }

    fn work_fields(&self) -> &'static [&'static str] {
        self.system.work_fields()
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
            progress: self.system.progress(),
            invariants: Some(self.checks.len()),
        }
    }

    fn known_points(&self) -> Vec<&'static str> {
        known_points(self.system.as_ref())
    }

    fn seed_cost(&self) -> Option<SeedCost> {
        self.system.seed_cost(&self.ranged.high)
    }
}

/// `faults` with `plan`'s faults as its explicit list: no recurring faults, no swarm,
/// the plan's message rates fixed. What `shrink` writes, for every sim.
pub fn explicit_faults(faults: &FaultSpec, plan: &FaultPlan) -> FaultSpec {
    FaultSpec {
        until: faults.until,
        process_crash: None,
        defect: None,
        node_crash: None,
        partition: None,
        swarm: false,
        message_loss: Rate::Fixed(plan.message_loss),
        message_duplication: Rate::Fixed(plan.message_duplication),
        message_delay: plan.message_delay.map(|[min, max]| DelayRange { min: min.0, max: max.0 }),
        // Positions mean nothing in a generated file: every span is empty.
        at: plan
            .events
            .iter()
            .filter(|e| e.time < faults.until)
            .map(|e| ExplicitFault {
                time: Spanned::new(0..0, e.time),
                kind: e.kind,
                target: (!e.target.is_empty()).then(|| Spanned::new(0..0, e.target.clone())),
            })
            .collect(),
        message_fates: plan.message_fates.clone(),
    }
}
