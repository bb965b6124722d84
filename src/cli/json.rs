//! What `--json` and `--trace` write: one JSON object per line, for scripts.
//!
//! `run --json` writes one `seed` object per seed and a `summary` object last. A
//! trace file has one object per event with its simulated time. Field names are part
//! of the user contract; maps are `BTreeMap`s so keys come out in one order.

use std::collections::BTreeMap;

use otpsim_harness::invariant::{TraceEvent, Violation};
use otpsim_harness::{SeedReport, Verdict};
use serde::Serialize;

/// One seed of a `run --json`.
#[derive(Debug, Serialize)]
pub struct SeedLine<'a> {
    /// Always "seed".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The scenario's name.
    pub scenario: &'a str,
    /// The seed.
    pub seed: u64,
    /// "pass" or "fail".
    pub verdict: &'static str,
    /// Why the seed failed, when it did (a violated invariant, a hang, a panic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<&'a str>,
    /// The invariant violations found.
    pub violations: &'a [Violation],
    /// Trace events recorded.
    pub events: u64,
    /// Simulated seconds the seed ran.
    pub sim_time: f64,
    /// Real milliseconds the seed took.
    pub wall_ms: f64,
    /// The trace's hash, 16 hex digits: equal hashes mean the same run.
    pub trace_hash: String,
}

impl<'a> SeedLine<'a> {
    /// The line of `report`, a seed of `scenario`.
    pub fn of(scenario: &'a str, report: &'a SeedReport) -> Self {
        SeedLine {
            kind: "seed",
            scenario,
            seed: report.seed,
            verdict: verdict(report.verdict.passed()),
            failure: match &report.verdict {
                Verdict::Pass => None,
                Verdict::Fail(message) => Some(message),
            },
            violations: &report.violations,
            events: report.trace.events,
            sim_time: report.sim_time.as_secs_f64(),
            wall_ms: report.wall_time.as_secs_f64() * 1000.0,
            trace_hash: trace_hash(report.trace.hash),
        }
    }
}

/// The last line of a `run --json`.
#[derive(Debug, Serialize)]
pub struct SummaryLine {
    /// Always "summary".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// "pass" if every scenario held, else "fail".
    pub verdict: &'static str,
    /// The process's exit code.
    pub exit_code: u8,
    /// Seeds run over all scenarios.
    pub seeds: u64,
    /// Real milliseconds the whole run took.
    pub wall_ms: f64,
    /// The shard this run was, "K/N", when it was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// True if an interrupt stopped the run before every planned seed ran.
    pub interrupted: bool,
    /// Each scenario's result, in run order.
    pub scenarios: Vec<ScenarioResult>,
}

/// One scenario's result in the summary.
#[derive(Debug, Serialize)]
pub struct ScenarioResult {
    /// Its name.
    pub name: String,
    /// Its file.
    pub path: String,
    /// "pass" or "fail": for a flaw scenario, whether its violation was found.
    pub verdict: &'static str,
    /// Seeds run.
    pub seeds: u64,
    /// Seeds that failed (for a flaw scenario, the seeds that violated anything).
    pub failed_seeds: Vec<u64>,
    /// The violation a flaw scenario expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
    /// The first seed that found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected_by: Option<u64>,
}

/// One event of a trace file.
#[derive(Debug, Serialize)]
pub struct TraceLine<'a> {
    /// Position in the trace, from 1.
    pub i: usize,
    /// Simulated time in nanoseconds.
    pub time_ns: u64,
    /// The tracing target.
    pub target: &'a str,
    /// The `event` field.
    pub event: &'a str,
    /// Every other field.
    pub fields: &'a BTreeMap<String, String>,
}

impl<'a> TraceLine<'a> {
    /// The line of `event`.
    pub fn of(event: &'a TraceEvent) -> Self {
        TraceLine {
            i: event.index,
            time_ns: u64::try_from(event.time.as_nanos()).unwrap_or(u64::MAX),
            target: &event.target,
            event: &event.kind,
            fields: &event.fields,
        }
    }
}

/// "pass" or "fail".
pub fn verdict(passed: bool) -> &'static str {
    if passed {
        "pass"
    } else {
        "fail"
    }
}

/// A trace hash as run reports and replays print it: 16 hex digits.
pub fn trace_hash(hash: u64) -> String {
    format!("{hash:016x}")
}

/// `value` as one line of JSON.
pub fn line(value: &impl Serialize) -> String {
    // These types hold only strings, numbers and string-keyed maps, which always serialize.
    serde_json::to_string(value).expect("a JSON line serializes")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use otpsim_harness::{SeedOutcome, Trace};

    use super::*;

    #[test]
    fn a_seed_line_carries_verdict_violations_and_trace_hash() {
        let violation = Violation::new("no_task_lost", Duration::from_millis(5), "lost").id("task", 3);
        let outcome = SeedOutcome::judged(vec![violation]);
        let report = SeedReport {
            seed: 9,
            verdict: outcome.verdict,
            counters: outcome.counters,
            violations: outcome.violations,
            trace: Trace { hash: 0xab, events: 12, ..Trace::default() },
            sim_time: Duration::from_millis(2500),
            wall_time: Duration::from_millis(30),
        };
        let value: serde_json::Value = serde_json::from_str(&line(&SeedLine::of("calm", &report))).unwrap();
        assert_eq!(value["type"], "seed");
        assert_eq!(value["scenario"], "calm");
        assert_eq!(value["seed"], 9);
        assert_eq!(value["verdict"], "fail");
        assert_eq!(value["failure"], "violated: no_task_lost");
        assert_eq!(value["violations"][0]["invariant"], "no_task_lost");
        assert_eq!(value["violations"][0]["ids"][0], serde_json::json!(["task", "3"]));
        assert_eq!(value["events"], 12);
        assert_eq!(value["sim_time"], 2.5);
        assert_eq!(value["trace_hash"], "00000000000000ab");
    }

    #[test]
    fn a_trace_line_has_its_keys_in_a_fixed_order() {
        let event = TraceEvent::parse(4, "1.000000002s otpsim event=spawn pid=<0.1.0> name=worker").unwrap();
        assert_eq!(
            line(&TraceLine::of(&event)),
            r#"{"i":4,"time_ns":1000000002,"target":"otpsim","event":"spawn","fields":{"name":"worker","pid":"<0.1.0>"}}"#
        );
    }
}
