//! What `--json` and `--trace` write: one JSON object per line, for scripts.
//!
//! `run --json` writes one `seed` object per seed as its chunk of seeds finishes, a
//! `summary` object last, and an `error` object for input it cannot use. Field names
//! are part of the user contract; maps are `BTreeMap`s so keys come out in one order.
//! (Trace files are written by `otpsim_harness::export`.)

use std::collections::BTreeMap;

use otpsim_harness::coverage::Coverage;
use otpsim_harness::invariant::Violation;
use otpsim_harness::suite::{BoundScenario, Expectation};
use otpsim_harness::{SeedReport, Verdict};
use otpsim_runtime::coverage::Counts;
use serde::Serialize;

use super::output::replay_command;
use super::plan_view;

/// One seed of a `run --json` (or, typed "replay", of `replay --json`).
#[derive(Debug, Serialize)]
pub struct SeedLine<'a> {
    /// Always "seed".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The scenario's name.
    pub scenario: &'a str,
    /// The seed.
    pub seed: u64,
    /// "pass", "fail", or for a flaw scenario "detected": the seed found the
    /// violation the scenario expects (what a flaw scenario is for, not a failure).
    pub verdict: &'static str,
    /// Why the seed failed, when it did (a violated invariant, a hang, a panic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<&'a str>,
    /// The invariant violations found, in time order.
    pub violations: &'a [Violation],
    /// The seed's fault plan in one line: counts by kind and message fault rates.
    pub plan: String,
    /// The file holding the whole plan (written for seeds that did not pass).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_file: Option<String>,
    /// The command that replays the seed, from any directory.
    pub replay: String,
    /// What the run exercised: the simulation's own counters.
    pub coverage: &'a BTreeMap<String, u64>,
    /// The coverage points the seed reached, with their hits (faults applied and
    /// skipped among them).
    pub reached: &'a Counts,
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
    /// The line of `seed`, a seed of `scenario` whose run gave `report`; writes the
    /// plan file of a seed that did not pass.
    pub fn of(scenario: &'a dyn BoundScenario, expect: Option<&Expectation>, seed: &'a SeedReport) -> Self {
        let mut plan = scenario.fault_plan(seed.seed);
        plan.mark_skipped(&seed.skipped_faults);
        let verdict = seed_verdict(expect, seed);
        let plan_file = (verdict != "pass")
            .then(|| plan_view::write(scenario.name(), &plan).ok())
            .flatten()
            .map(|p| p.display().to_string());
        SeedLine {
            kind: "seed",
            scenario: scenario.name(),
            seed: seed.seed,
            verdict,
            failure: match &seed.verdict {
                Verdict::Pass => None,
                Verdict::Fail(message) => Some(message),
            },
            violations: &seed.violations,
            plan: plan_view::counts(&plan),
            plan_file,
            replay: replay_command(scenario.path(), seed.seed),
            coverage: &seed.counters,
            reached: &seed.coverage,
            events: seed.trace.events,
            sim_time: seed.sim_time.as_secs_f64(),
            wall_ms: seed.wall_time.as_secs_f64() * 1000.0,
            trace_hash: trace_hash(seed.trace.hash),
        }
    }
}

/// "pass", "fail", or "detected" (a flaw scenario's seed that found its violation).
pub fn seed_verdict(expect: Option<&Expectation>, seed: &SeedReport) -> &'static str {
    match expect.map(|e| e.violation.as_str()) {
        Some(name) if seed.violations.iter().any(|v| v.invariant == name) => "detected",
        _ => verdict(seed.verdict.passed()),
    }
}

/// An error as a JSON line: what went wrong and, when known, in which file.
#[derive(Debug, Serialize)]
pub struct ErrorLine<'a> {
    /// Always "error".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The file or path concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The message, as the text output prints it.
    pub message: &'a str,
    /// The exit code this error leads to.
    pub exit_code: u8,
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
    /// Seeds that failed. A flaw scenario's seeds that found its violation are not
    /// failures: they are its `detecting_seeds`.
    pub failed_seeds: Vec<u64>,
    /// A flaw scenario's seeds that found its expected violation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detecting_seeds: Option<Vec<u64>>,
    /// The violation a flaw scenario expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
    /// The first seed that found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected_by: Option<u64>,
    /// Every coverage point the seeds reached: seeds that reached it, total hits.
    pub reached: Coverage,
    /// The configured faults no seed applied, each with why it was skipped.
    pub faults_never_applied: Vec<String>,
    /// Why the run was vacuous (a healthy scenario then fails); empty if it was not.
    pub vacuous: Vec<String>,
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
    use std::path::Path;
    use std::time::Duration;

    use otpsim_harness::suite::Expectation;
    use otpsim_harness::Trace;
    use otpsim_sims::registry;

    use super::*;

    const CALM: &str =
        "name = \"calm\"\n[faults]\nuntil = \"5s\"\nprocess_crash = { every = \"1s\", targets = [\"task_agent\"] }\n";

    fn seed(violations: Vec<Violation>) -> SeedReport {
        SeedReport {
            counters: [("tasks_completed".to_owned(), 7)].into_iter().collect(),
            trace: Trace { hash: 0xab, events: 12, ..Trace::default() },
            coverage: [("agent.paused".into(), 2)].into_iter().collect(),
            sim_time: Duration::from_millis(2500),
            wall_time: Duration::from_millis(30),
            ..SeedReport::judged(9, violations)
        }
    }

    fn expect(violation: &str) -> Expectation {
        Expectation { violation: violation.to_owned(), within_seeds: 4 }
    }

    #[test]
    fn a_seed_line_carries_verdict_violations_plan_replay_and_coverage() {
        let scenario = registry::load_text(Path::new("calm.toml"), CALM).expect("valid");
        let violation = Violation::new("no_task_lost", Duration::from_millis(5), "lost").id("task", 3);
        let seed = seed(vec![violation]);
        let value: serde_json::Value =
            serde_json::from_str(&line(&SeedLine::of(scenario.as_ref(), None, &seed))).unwrap();
        assert_eq!(value["type"], "seed");
        assert_eq!(value["scenario"], "calm");
        assert_eq!(value["seed"], 9);
        assert_eq!(value["verdict"], "fail");
        assert_eq!(value["failure"], "violated: no_task_lost");
        assert_eq!(value["violations"][0]["invariant"], "no_task_lost");
        assert_eq!(value["violations"][0]["ids"][0], serde_json::json!(["task", "3"]));
        assert!(value["plan"].as_str().unwrap().contains("crash"), "{value}");
        assert!(value["plan_file"].as_str().unwrap().ends_with("seed-9.toml"), "{value}");
        assert!(
            value["replay"].as_str().unwrap().starts_with(concat!("cd ", env!("CARGO_MANIFEST_DIR"), " && cargo run")),
            "{value}"
        );
        assert_eq!(value["coverage"]["tasks_completed"], 7);
        assert_eq!(value["reached"]["agent.paused"], 2);
        assert_eq!(value["events"], 12);
        assert_eq!(value["sim_time"], 2.5);
        assert_eq!(value["trace_hash"], "00000000000000ab");
    }

    #[test]
    fn a_flaw_scenario_seed_that_finds_its_violation_is_detected_not_failed() {
        let found = seed(vec![Violation::new("no_task_lost", Duration::ZERO, "lost")]);
        let other = seed(vec![Violation::new("fifo_delivery", Duration::ZERO, "late")]);
        let flaw = expect("no_task_lost");
        assert_eq!(seed_verdict(Some(&flaw), &found), "detected");
        assert_eq!(seed_verdict(Some(&flaw), &other), "fail");
        assert_eq!(seed_verdict(None, &found), "fail");
    }
}
