//! Causal evidence over every flaw scenario: the first violation a flaw produces names
//! the injected fault, lost message or defect upstream of it, when there is one.
//!
//! The table says, for each of the 18 flaw scenarios, which event (`drop`, `fault`,
//! `defect`) its first expected violation follows on its detecting seed, or that it
//! follows none: those flaws break the system with no fault injected, and their
//! evidence must not invent one.

use std::path::PathBuf;

use otpsim_harness::default_jobs;
use otpsim_harness::invariant::Violation;
use otpsim_harness::suite::{run_scenario, BoundScenario};
use otpsim_harness::RunConfig;
use otpsim_sims::registry;

/// Each flaw scenario and the event its first violation's evidence must name as an
/// upstream cause.
const UPSTREAM: [(&str, Option<&str>); 18] = [
    // A task handed to an agent is acknowledged before it arrives; no fault needed.
    ("ack_without_delivery", None),
    // Breaker entries for crashed receivers are never removed: the crash is the cause.
    ("breaker_table_growth", Some("event=fault kind=crash")),
    // A task that hits a defect is rescued instead of crashing its agent.
    ("broad_rescue", Some("event=defect")),
    // Lost messages leave routes unanswered, breakers open and the buffer overflows.
    ("buffer_overflow_crash", Some("event=drop cause=loss")),
    // Cancellation is ignored; no fault needed.
    ("cancel_ignored", None),
    // A reply lost on a lossy, slow link makes the caller retry a task that ran.
    ("duplicate_delivery", Some("event=drop cause=loss")),
    // Errors are reported as successes; no fault needed.
    ("errors_as_success", None),
    // One coordinator for all workflows; no fault needed.
    ("god_coordinator", None),
    // A route left unanswered by a lost message opens a breaker, whose monitor leaks.
    ("leaky_monitor", Some("event=drop cause=loss")),
    // Crashes past the restart intensity are tolerated.
    ("lenient_supervision", Some("event=fault kind=crash")),
    // Lost messages open a breaker; the buffer behind it drains newest first.
    ("lifo_drain", Some("event=drop cause=loss")),
    // Thresholds are hard-coded; no fault needed.
    ("magic_thresholds", None),
    // The agent running the task crashes and restores only part of its state.
    ("partial_restore", Some("event=fault kind=crash")),
    // A task sent to an agent over a lossy link is lost and still acknowledged.
    ("raw_send", Some("event=drop cause=loss")),
    // Lost messages open a breaker; replaying its buffer drops messages.
    ("replay_drops", Some("event=drop cause=loss")),
    // A spawned process outlives its parent; no fault needed.
    ("unsupervised_spawn", None),
    // A crash loses results kept only in memory.
    ("volatile_state", Some("event=fault kind=crash")),
    // A restarted workflow starts again from its first step after a crash.
    ("workflow_restart_from_zero", Some("event=fault kind=crash")),
];

/// The detecting seed's first violation of the expected invariant, in time order.
fn first_violation(scenario: &dyn BoundScenario) -> Option<(u64, Violation)> {
    let expect = scenario.expect()?;
    let seeds: Vec<u64> = (0..expect.within_seeds).collect();
    let config = RunConfig::default().jobs(default_jobs());
    for chunk in seeds.chunks(default_jobs().max(2)) {
        let report = run_scenario(scenario, chunk, &config);
        if let Some(seed) = report.detected_by() {
            let violation = seed.violations.iter().find(|v| v.invariant == expect.violation)?;
            return Some((seed.seed, violation.clone()));
        }
    }
    None
}

/// The evidence lines marked as upstream causes.
fn cause_lines(violation: &Violation) -> Vec<&str> {
    violation
        .evidence
        .iter()
        .filter(|line| {
            let index = line.strip_prefix('#').and_then(|l| l.split(' ').next()).and_then(|i| i.parse().ok());
            index.is_some_and(|i| violation.causes.contains(&i))
        })
        .map(String::as_str)
        .collect()
}

#[test]
fn the_first_violation_of_each_flaw_names_the_fault_upstream_of_it() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/flaws");
    let files = registry::discover(&root).expect("the flaw scenarios are listed");
    assert_eq!(files.len(), UPSTREAM.len(), "every flaw scenario has a row in UPSTREAM");
    let mut wrong = Vec::new();
    for (flaw, upstream) in UPSTREAM {
        let scenario = registry::load(&root.join(format!("{flaw}.toml"))).expect("the flaw scenario loads");
        let Some((seed, violation)) = first_violation(scenario.as_ref()) else {
            wrong.push(format!("{flaw}: no seed found its violation"));
            continue;
        };
        let causes = cause_lines(&violation);
        let ok = match upstream {
            Some(event) => causes.iter().any(|line| line.contains(event)),
            None => causes.is_empty(),
        };
        if !ok {
            wrong.push(format!("{flaw} seed {seed}: expected cause {upstream:?}, evidence:\n{violation}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
