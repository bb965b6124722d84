//! The retry policy of `config_honored`, judged against the sim's own
//! [`oracle`](super::super::super::oracle) (never the system's retry code):
//! - only transient errors are retried;
//! - after failure number n of a run, a transient error is retried exactly when the
//!   budget allows one more attempt (`give_up_after`), after the oracle's backoff for n
//!   (`initial_backoff`, `multiplier`, `max_backoff`);
//! - a run's failures count up by one per attempt, and each attempt ends no sooner than
//!   its work after it could start: the task's start, or the last failure plus its
//!   backoff.
//!
//! A run is one task on one agent process (its pid): a restarted agent runs an
//! interrupted task again from its first attempt. Skips tasks the plan does not know.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::TaskSpec;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::super::oracle;
use super::super::super::record::Record;
use super::{number, NAME};

/// Where one run stands: failures so far, and the earliest its next attempt may end.
struct Run<'a> {
    failures: u64,
    earliest_end: Duration,
    last: &'a TraceEvent,
}

/// Checks every failed attempt and every run's pace.
pub fn check(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let specs: BTreeMap<String, &TaskSpec> =
        record.plan.tasks.iter().map(|p| (p.spec.id.to_string(), &p.spec)).collect();
    let config = &record.config;
    let mut runs: BTreeMap<(&str, &str), Run> = BTreeMap::new();
    let mut violations = Vec::new();
    let mut flag = |e: &TraceEvent, before: Option<&TraceEvent>, message: String| {
        let task = e.get(field::TASK).unwrap_or("?");
        let v = Violation::new(NAME, e.time, format!("task {task} {message}")).id("task", task);
        violations.push(v.evidence(before.into_iter().chain([e])));
    };
    for e in events {
        let kind = e.kind.as_str();
        if !matches!(kind, kind::TASK_STARTED | kind::ATTEMPT_FAILED | kind::TASK_FINISHED) {
            continue;
        }
        let (Some(task), Some(agent)) = (e.get(field::TASK), e.get(field::AGENT)) else { continue };
        let Some(spec) = specs.get(task) else { continue };
        let work = if oracle::attempt_takes_work(spec) { spec.work } else { Duration::ZERO };
        if kind == kind::TASK_STARTED {
            runs.insert((task, agent), Run { failures: 0, earliest_end: e.time + work, last: e });
            continue;
        }
        let run = runs.get(&(task, agent));
        if let Some(run) = run.filter(|run| e.time < run.earliest_end) {
            let message = format!(
                "ended an attempt on {agent} at {}ms, before its backoff and work allowed ({}ms)",
                e.time.as_millis(),
                run.earliest_end.as_millis()
            );
            flag(e, Some(run.last), message);
        }
        if kind == kind::TASK_FINISHED {
            runs.remove(&(task, agent));
            continue;
        }
        let Some(failures) = number(e, field::FAILURES) else { continue };
        let expected = run.map_or(1, |run| run.failures + 1);
        if failures != expected && failures != 1 {
            flag(e, run.map(|r| r.last), format!("counted failure {failures} on {agent}, expected {expected}"));
        }
        let transient = e.get(field::ERROR).is_some_and(|error| oracle::TRANSIENT_ERRORS.contains(&error));
        let allowed = transient && oracle::retries_after(failures as u32, spec.work, config);
        let backoff = oracle::backoff_after(failures as u32, config);
        let retried = e.get(field::NEXT) == Some("retry");
        let problem = match (retried, allowed) {
            (true, false) if !transient => Some(format!("retried after error {}", e.get(field::ERROR).unwrap_or("?"))),
            (true, false) => Some(format!("retried after failure {failures}, past give_up_after")),
            (false, true) => Some(format!("gave up after failure {failures}, within its retry budget")),
            (true, true) => number(e, field::BACKOFF_NS)
                .filter(|got| u128::from(*got) != backoff)
                .map(|got| format!("backed off {got}ns after failure {failures}, not {backoff}ns")),
            (false, false) => None,
        };
        if let Some(problem) = problem {
            flag(e, None, problem);
        }
        // After a give-up the run just finishes; after a retry, its next attempt waits.
        let next_attempt = if retried {
            Duration::from_nanos(u64::try_from(backoff).unwrap_or(u64::MAX)) + work
        } else {
            Duration::ZERO
        };
        runs.insert((task, agent), Run { failures, earliest_end: e.time + next_attempt, last: e });
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::{events, record_with_task};
    use super::*;
    use otpsim_foundation::Behavior;

    /// Task 1 takes 10ms per attempt; the budget: 500ms, 1s, 2s backoffs, give up after 2s.
    fn record() -> Record {
        let mut r = record_with_task(Behavior::FailTransiently { times: 3 }, None);
        r.config.retry.give_up_after = Duration::from_secs(2);
        r
    }

    const STARTED: &str = "1.000000000s otpsim::foundation event=task_started task=1 agent=<1.2.0> attempt=1";

    fn failed(at: &str, failures: u32, next: &str) -> String {
        format!("{at}s otpsim::foundation event=attempt_failed task=1 agent=<1.2.0> failures={failures} error=timeout {next}")
    }

    #[test]
    fn retries_on_the_schedule_until_the_budget_ends_hold() {
        let lines = [
            STARTED.to_owned(),
            failed("1.010000000", 1, "next=retry backoff_ns=500000000"),
            failed("1.520000000", 2, "next=retry backoff_ns=1000000000"),
            failed("2.530000000", 3, "next=give_up"),
            "2.530000000s otpsim::foundation event=task_finished task=1 agent=<1.2.0> attempt=1 outcome=x".to_owned(),
        ];
        let e = events(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(check(&record(), &e).is_empty(), "{:?}", check(&record(), &e));
    }

    #[test]
    fn a_wrong_backoff_an_early_attempt_and_a_wrong_give_up_are_flagged() {
        let lines = [
            STARTED.to_owned(),
            failed("1.010000000", 1, "next=retry backoff_ns=400000000"),
            failed("1.100000000", 2, "next=give_up"),
        ];
        let e = events(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        let v = check(&record(), &e);
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(v[0].message.contains("backed off 400000000ns after failure 1, not 500000000ns"), "{}", v[0]);
        assert!(v[1].message.contains("before its backoff and work allowed"), "{}", v[1]);
        assert!(v[2].message.contains("gave up after failure 2, within its retry budget"), "{}", v[2]);
    }

    #[test]
    fn retrying_past_the_budget_or_a_permanent_error_is_flagged() {
        let lines = [
            STARTED.to_owned(),
            failed("1.010000000", 1, "next=retry backoff_ns=500000000"),
            failed("1.520000000", 2, "next=retry backoff_ns=1000000000"),
            failed("2.530000000", 3, "next=retry backoff_ns=2000000000"),
            "5.000000000s otpsim::foundation event=attempt_failed task=1 agent=<1.2.0> failures=4 error=invalid next=retry backoff_ns=1".to_owned(),
        ];
        let e = events(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        let v = check(&record(), &e);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].message.contains("retried after failure 3, past give_up_after"), "{}", v[0]);
        assert!(v[1].message.contains("retried after error invalid"), "{}", v[1]);
    }
}
