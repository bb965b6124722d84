//! Runtime invariants: OTP guarantees any system on the runtime relies on, judged on
//! every run of every scenario, whatever the system.
//!
//! They read only the runtime's own trace events and its end-of-run tables. The
//! event checkers ([`PerPairFifo`], [`OneDownPerMonitor`], [`ExitReasons`]) are folds:
//! the recorder hands them each event as it is emitted ([`RuntimeFold`]), and they keep
//! small state and the few events a violation shows, so a run need not keep the
//! message traffic they read. [`no_dead_ends`] reads the tables at the end. The event
//! kinds and field names they read are the runtime's own constants
//! ([`otpsim_runtime::event`]).

mod exit_reasons;
mod no_dead_ends;
mod one_down_per_monitor;
mod per_pair_fifo;

pub use exit_reasons::{exit_reasons, ExitReasons};
pub use no_dead_ends::no_dead_ends;
pub use one_down_per_monitor::{one_down_per_monitor, OneDownPerMonitor};
pub use per_pair_fifo::{per_pair_fifo, PerPairFifo};

use std::time::Duration;

use otpsim_runtime::event::field;
use otpsim_runtime::event::kind::{DELIVER, EXIT, FAULT, NODE_CRASH, NODE_RESTART, SPAWN};
use otpsim_runtime::{Pid, Tables};

use super::{EventView, TraceEvent, Violation};

/// The runtime invariants' names, as reports write them.
pub const NAMES: [&str; 4] = ["per_pair_fifo", "one_down_per_monitor", "exit_reasons", "no_dead_ends"];

/// The `kind` of a delivered DOWN message, and of an EXIT message.
const DOWN_KIND: &str = "down";
const EXIT_KIND: &str = "exit";

/// The event checkers of the runtime invariants, folded over a run's events as they
/// come (the recorder runs one per recording; see [`crate::trace::with_runtime_fold`]).
#[derive(Debug, Default)]
pub struct RuntimeFold {
    fifo: PerPairFifo,
    downs: OneDownPerMonitor,
    reasons: ExitReasons,
}

impl RuntimeFold {
    /// The kinds of event the folds read: [`observe`](Self::observe) passes every
    /// other event by, so the recorder need not hand it over (it decides once per kind).
    const READS: [&'static str; 6] = [DELIVER, SPAWN, EXIT, FAULT, NODE_CRASH, NODE_RESTART];

    /// True if the folds read events of `kind`.
    pub fn reads(kind: &str) -> bool {
        Self::READS.contains(&kind)
    }

    /// Takes the next event of the trace.
    pub fn observe(&mut self, e: &impl EventView) {
        self.fifo.observe(e);
        self.downs.observe(e);
        self.reasons.observe(e);
    }

    /// Every runtime invariant's violations: the events' so far, then the tables' as
    /// read at `end`, after the run settled.
    pub fn judge(&self, tables: &Tables, end: Duration) -> Vec<Violation> {
        let mut violations = self.fifo.violations().to_vec();
        violations.extend_from_slice(self.downs.violations());
        violations.extend_from_slice(self.reasons.violations());
        violations.extend(no_dead_ends(tables, end));
        violations
    }
}

/// Runs every runtime invariant over a run's whole list of events and its tables as
/// read at `end`, after the run settled.
pub fn check(events: &[TraceEvent], tables: &Tables, end: Duration) -> Vec<Violation> {
    let mut fold = RuntimeFold::default();
    events.iter().for_each(|e| fold.observe(e));
    fold.judge(tables, end)
}

/// A process as the folds key their tables: its pid, or the field's text if the field
/// does not hold a pid (a hand-written history may say anything).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Who {
    Pid(Pid),
    Text(String),
}

impl Who {
    /// The process field `key` of `e` names, if it has that field.
    #[inline(always)]
    fn of(e: &impl EventView, key: &str) -> Option<Who> {
        match e.pid(key) {
            Some(pid) => Some(Who::Pid(pid)),
            None => e.get(key).map(|text| Who::Text(text.to_owned())),
        }
    }

    /// Its text, as the field held it.
    fn to_text(&self) -> String {
        match self {
            Who::Pid(pid) => pid.to_string(),
            Who::Text(text) => text.clone(),
        }
    }

    /// Its node: a pid's, or the first number of text written `<node.…`.
    fn node(&self) -> Option<u32> {
        match self {
            Who::Pid(pid) => Some(pid.node.0),
            Who::Text(text) => text.strip_prefix('<')?.split('.').next()?.parse().ok(),
        }
    }
}
