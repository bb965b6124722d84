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
    /// Numbered trace lines that show it.
    pub evidence: Vec<String>,
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
            self.evidence.push(format!("#{} {}", e.index, e.line));
        }
        self
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
            write!(f, "\n    {line}")?;
        }
        Ok(())
    }
}
