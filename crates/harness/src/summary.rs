//! What a batch of seeds adds up to.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::runner::SeedReport;

/// Totals over the reports of one batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Seeds run.
    pub seeds: usize,
    /// Seeds that passed.
    pub passed: usize,
    /// The seeds that failed, in order.
    pub failed: Vec<u64>,
    /// Trace events over all seeds.
    pub events: u64,
    /// Trace events by their `event` field, over all seeds.
    pub kinds: BTreeMap<String, u64>,
    /// The simulations' counters, added up.
    pub counters: BTreeMap<String, u64>,
}

impl Summary {
    /// Adds up `reports`.
    pub fn of(reports: &[SeedReport]) -> Self {
        let mut summary = Summary::default();
        for report in reports {
            summary.add(report);
        }
        summary
    }

    /// Adds one more report: a long run folds its seeds in as they finish.
    pub fn add(&mut self, report: &SeedReport) {
        self.seeds += 1;
        if report.verdict.passed() {
            self.passed += 1;
        } else {
            self.failed.push(report.seed);
        }
        self.events += report.trace.events;
        for (kind, n) in &report.trace.kinds {
            *self.kinds.entry(kind.clone()).or_default() += n;
        }
        for (name, n) in &report.counters {
            *self.counters.entry(name.clone()).or_default() += n;
        }
    }

    /// True if every seed passed.
    pub fn all_passed(&self) -> bool {
        self.failed.is_empty()
    }

    /// Trace events with `event = kind`, over all seeds.
    pub fn kind(&self, kind: &str) -> u64 {
        self.kinds.get(kind).copied().unwrap_or(0)
    }

    /// A counter's total.
    pub fn counter(&self, name: &str) -> u64 {
        self.counters.get(name).copied().unwrap_or(0)
    }

    /// Seeds per second of real time, for a batch that took `elapsed`.
    pub fn rate(&self, elapsed: Duration) -> f64 {
        self.seeds as f64 / elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} seeds, {} passed, {} failed, {} events", self.seeds, self.passed, self.failed.len(), self.events)
    }
}
