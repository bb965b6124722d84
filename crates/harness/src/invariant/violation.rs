//! What a broken invariant reports.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::TraceEvent;

/// How many trace events a violation carries as evidence, at most.
const EVIDENCE_MAX: usize = 12;

/// One violation: the invariant, the simulated time, the ids involved, what is wrong,
/// and the numbered trace events that show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The invariant's name.
    pub invariant: String,
    /// Simulated time of the violation (or of the check, for end-of-run checks).
    pub time_ms: u64,
    /// The ids involved, as (kind, id): ("task", "17"), ("pid", "<1.4.0>"), ("ref", "#Ref<9>").
    pub ids: Vec<(String, String)>,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Numbered trace lines that show it: the lines its checker picked and the causal
    /// chains that lead to them (see [`crate::causal`]), in trace order.
    pub evidence: Vec<String>,
    /// Trace indices of the upstream faults among the evidence, nearest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<u64>,
}

impl Violation {
    /// A violation of `invariant` at `time`.
    pub fn new(invariant: &str, time: Duration, message: impl Into<String>) -> Self {
        Violation {
            invariant: invariant.to_owned(),
            time_ms: time.as_millis() as u64,
            ids: Vec::new(),
            message: message.into(),
            evidence: Vec::new(),
            causes: Vec::new(),
        }
    }

    /// Adds an id.
    pub fn id(mut self, kind: &str, id: impl fmt::Display) -> Self {
        self.ids.push((kind.to_owned(), id.to_string()));
        self
    }

    /// Adds trace events as evidence (the first few).
    pub fn evidence<'a>(mut self, events: impl IntoIterator<Item = &'a TraceEvent>) -> Self {
        for e in events.into_iter().take(EVIDENCE_MAX.saturating_sub(self.evidence.len())) {
            self.evidence.push(format!("#{} {}", e.index, e.line()));
        }
        self
    }

    /// The trace indices of the evidence lines (`#17 ...`).
    pub fn evidence_indices(&self) -> Vec<usize> {
        self.evidence.iter().filter_map(|line| line.strip_prefix('#')?.split(' ').next()?.parse().ok()).collect()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} violated at {}ms: {}", self.invariant, self.time_ms, self.message)?;
        if !self.ids.is_empty() {
            let ids: Vec<String> = self.ids.iter().map(|(k, v)| format!("{k}={v}")).collect();
            write!(f, " [{}]", ids.join(" "))?;
        }
        for line in &self.evidence {
            let index = line.strip_prefix('#').and_then(|l| l.split(' ').next()).and_then(|i| i.parse().ok());
            let upstream = if index.is_some_and(|i| self.causes.contains(&i)) { "  <- upstream fault" } else { "" };
            write!(f, "\n    {line}{upstream}")?;
        }
        Ok(())
    }
}
