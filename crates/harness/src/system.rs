//! What a system under test supplies to the harness, and nothing more.
//!
//! A [`System`] builds its processes on a fresh cluster, starts its workload, and
//! reads its end state; it declares its scenario schema section and its invariants,
//! each an [`Invariant`] with a name, a kind and a check (as stateright's properties
//! are). The harness owns the run of each seed: it derives the seed's fault plan
//! once, then runs start -> faults -> lift -> settle -> observe -> check, handing
//! the recorded events to each check as an argument (see [`crate::bound`]).

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

use otpsim_runtime::{Cluster, Tables};

use crate::invariant::{TraceEvent, Violation};
use crate::plan::{FaultPlan, Topology};
use crate::scenario::{Ranged, Scenario, ScenarioError, SimSchema};
use crate::suite::SeedCost;
use crate::vacuity::Progress;

/// Simulated time a seed may run past `faults.until + check.settle` before it counts
/// as hung, unless a system says otherwise.
pub const HANG_MARGIN: Duration = Duration::from_secs(300);

/// A system under test, bound to the harness.
///
/// The harness calls [`build`](Self::build), then [`workload`](Self::workload), then
/// injects the seed's faults, lifts them, waits `check.settle`, calls
/// [`observe`](Self::observe), and runs the scenario's invariants over what it
/// observed and the run's events.
pub trait System: Send + Sync + 'static {
    /// The system's part of a scenario file (`[system]`, `[workload]`, `[config]`, `flaws`).
    type Schema: SimSchema;
    /// What building and starting the workload leave for the end of the run
    /// (nodes, handles, the clients' history being written).
    type Running;
    /// The end state the invariants judge.
    type Observed;

    /// The name scenario files give in `sim = "..."`.
    fn name(&self) -> &'static str;

    /// Every invariant the system can be judged by; scenarios pick among them by name.
    fn invariants(&self) -> Vec<Invariant<Self::Observed>>;

    /// The nodes the seed's faults may touch.
    fn topology(&self, scenario: &Scenario<Self::Schema>) -> Topology;

    /// Checks what the schema's types cannot (values the system cannot work with) at
    /// both ends of the file's `[low, high]` ranges; errors name the file, line and field.
    fn validate(&self, _path: &Path, _text: &str, _ranged: &Ranged<Self::Schema>) -> Result<(), ScenarioError> {
        Ok(())
    }

    /// Adds the system's nodes and processes to a fresh cluster.
    fn build(&self, cluster: &Cluster, run: &Run<'_, Self::Schema>) -> Self::Running;

    /// Starts the clients; they run while faults are injected and during settle.
    fn workload(&self, cluster: &Cluster, run: &Run<'_, Self::Schema>, running: &mut Self::Running);

    /// Reads the end state once the system has settled.
    fn observe(
        &self,
        cluster: &Cluster,
        run: &Run<'_, Self::Schema>,
        running: Self::Running,
    ) -> impl Future<Output = Self::Observed>;

    /// The runtime's tables as observed at the end and the time they were read, if
    /// the system keeps them: then the runtime invariants
    /// ([`crate::invariant::runtime`]) judge every seed too, whatever the file selects.
    fn runtime_state<'a>(&self, _observed: &'a Self::Observed) -> Option<(&'a Tables, Duration)> {
        None
    }

    /// A counter (one of [`counters`](Self::counters)) of the work the system
    /// acknowledged: seeds that add up to zero exercised nothing (see [`crate::vacuity`]).
    fn progress(&self) -> Option<Progress> {
        None
    }

    /// Every coverage point the system itself can mark (`reached!`); a scenario may
    /// require only these, the runtime's and the injector's `fault.` points.
    fn known_points(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// Named counts to report for a seed ("tasks_acknowledged", ...).
    fn counters(&self, _observed: &Self::Observed) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    /// Trace event kinds no invariant of the system reads: they are hashed and
    /// counted but not kept, so a long run stays small.
    fn unread_kinds(&self) -> &'static [&'static str] {
        &[]
    }

    /// Fields of the system's events whose value names one piece of work handed
    /// between processes (a task id): a violation's causal evidence follows each as a
    /// timeline of its own, as it follows pids (see [`crate::causal`]).
    fn work_fields(&self) -> &'static [&'static str] {
        &[]
    }

    /// What one seed of `scenario` (the file's ranges at their high ends) is expected
    /// to cost, if the system can tell.
    fn seed_cost(&self, _scenario: &Scenario<Self::Schema>) -> Option<SeedCost> {
        None
    }

    /// Simulated time past `faults.until + check.settle` after which a seed is hung.
    fn hang_margin(&self) -> Duration {
        HANG_MARGIN
    }
}

/// One seed's run, passed to every phase: the seed, the scenario and the fault plan,
/// derived once.
#[derive(Clone, Copy, Debug)]
pub struct Run<'a, S: SimSchema> {
    /// The seed; every random choice of the run comes from a stream derived from it.
    pub seed: u64,
    /// The scenario being run.
    pub scenario: &'a Scenario<S>,
    /// The seed's faults.
    pub plan: &'a FaultPlan,
}

/// When an invariant must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum InvariantKind {
    /// At every moment of the run, faults included (safety).
    Always,
    /// By the end of settle, once faults are lifted (liveness).
    Eventually,
    /// Of the state the system is left in at the end.
    AtEnd,
}

impl InvariantKind {
    /// "always", "eventually" or "at end".
    pub fn name(self) -> &'static str {
        match self {
            InvariantKind::Always => "always",
            InvariantKind::Eventually => "eventually",
            InvariantKind::AtEnd => "at end",
        }
    }
}

impl fmt::Display for InvariantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A check: the end state and the run's events in, the violations found out.
pub type Check<O> = fn(&O, &[TraceEvent]) -> Vec<Violation>;

/// A named property of a system.
pub struct Invariant<O> {
    /// The name scenario files and reports use.
    pub name: &'static str,
    /// When it must hold.
    pub kind: InvariantKind,
    /// How it is judged.
    pub check: Check<O>,
}

impl<O> Invariant<O> {
    /// A property that holds at every moment of the run.
    pub fn always(name: &'static str, check: Check<O>) -> Self {
        Invariant { name, kind: InvariantKind::Always, check }
    }

    /// A property that holds once faults are lifted and the system has settled.
    pub fn eventually(name: &'static str, check: Check<O>) -> Self {
        Invariant { name, kind: InvariantKind::Eventually, check }
    }

    /// A property of the state the system is left in.
    pub fn at_end(name: &'static str, check: Check<O>) -> Self {
        Invariant { name, kind: InvariantKind::AtEnd, check }
    }
}

impl<O> Clone for Invariant<O> {
    fn clone(&self) -> Self {
        Invariant { name: self.name, kind: self.kind, check: self.check }
    }
}

impl<O> fmt::Debug for Invariant<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.kind)
    }
}
