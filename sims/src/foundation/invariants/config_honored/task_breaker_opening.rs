//! When an agent's task breaker first opens, for `config_honored`: exactly when
//! `circuit_breaker_threshold` consecutive attempts of one downstream failed with an
//! error that signals trouble.
//!
//! docs/scenarios.md states which errors count: transient ones (and exceptions, which
//! only the `broad_rescue` defect turns into errors); a task's own permanent error
//! (`invalid`, an unsupported type) is its answer and neither counts nor clears the
//! count, and a completed attempt clears it. Counted here per agent pid and downstream
//! (a task's type) from `attempt_failed` and completed `task_finished` events, up to
//! the breaker's first `task_breaker_opened`; after that the breaker's trial attempts
//! decide, which `task_breakers` judges. The opening's event must report that count
//! and the configured threshold. A restarted agent is a new pid with closed breakers.

use std::collections::BTreeMap;

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::super::oracle::TRANSIENT_ERRORS;
use super::super::super::record::Record;
use super::{Downstreams, NAME};

/// One breaker's count so far, before it first opened.
#[derive(Default)]
struct Count<'a> {
    failures: u32,
    /// The failure that reached the threshold, if the breaker has not opened since.
    due: Option<&'a TraceEvent>,
    opened: bool,
}

/// Whether an attempt's error signals trouble in its downstream.
fn signals_trouble(error: &str) -> bool {
    TRANSIENT_ERRORS.contains(&error) || error.starts_with("exception")
}

/// Checks each breaker's first opening against the failures that preceded it.
pub fn check(record: &Record, downstream: &Downstreams, events: &[TraceEvent]) -> Vec<Violation> {
    let threshold = record.config.circuit_breaker_threshold;
    let mut counts: BTreeMap<(&str, &str), Count> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events {
        let Some(agent) = e.get(field::AGENT) else { continue };
        let service = match e.kind.as_str() {
            kind::TASK_BREAKER_OPENED => e.get(field::DOWNSTREAM),
            kind::ATTEMPT_FAILED | kind::TASK_FINISHED => e.get(field::TASK).and_then(|t| downstream.get(t).copied()),
            _ => continue,
        };
        let Some(service) = service else { continue };
        let count = counts.entry((agent, service)).or_default();
        if count.opened {
            continue;
        }
        if let Some(due) = count.due.filter(|due| e.time > due.time) {
            violations.push(not_opened(agent, service, threshold, due));
            count.opened = true;
            continue;
        }
        match e.kind.as_str() {
            kind::TASK_BREAKER_OPENED => {
                count.opened = true;
                let reported = (e.get(field::FAILURES), e.get(field::THRESHOLD));
                let message = if count.failures < threshold {
                    format!(
                        "agent {agent}'s {service} breaker opened after {} consecutive failures that signal \
                         trouble, not circuit_breaker_threshold ({threshold})",
                        count.failures
                    )
                } else if reported != (Some(&*count.failures.to_string()), Some(&*threshold.to_string())) {
                    format!(
                        "agent {agent}'s {service} breaker opened after {} failures at threshold {threshold}, but \
                         its event says failures={} threshold={}",
                        count.failures,
                        reported.0.unwrap_or("?"),
                        reported.1.unwrap_or("?")
                    )
                } else {
                    continue;
                };
                violations.push(Violation::new(NAME, e.time, message).id("pid", agent).evidence([e]));
            }
            kind::ATTEMPT_FAILED if e.get(field::ERROR).is_some_and(signals_trouble) => {
                count.failures += 1;
                if count.failures == threshold {
                    count.due = Some(e);
                }
            }
            kind::TASK_FINISHED if e.get(field::OUTCOME).is_some_and(|o| o.starts_with("completed")) => {
                count.failures = 0;
            }
            _ => {}
        }
    }
    violations.extend(counts.into_iter().filter_map(|((agent, service), count)| {
        let due = count.due.filter(|_| !count.opened)?;
        Some(not_opened(agent, service, threshold, due))
    }));
    violations.sort_by_key(|v| v.time_ms);
    violations
}

fn not_opened(agent: &str, service: &str, threshold: u32, due: &TraceEvent) -> Violation {
    let message = format!(
        "agent {agent}'s {service} breaker did not open at {threshold} consecutive failures that signal trouble \
         (circuit_breaker_threshold)"
    );
    Violation::new(NAME, due.time, message).id("pid", agent).evidence([due])
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::{events, record_with_two_task_types};
    use super::*;

    /// Task 1 is an analysis task, task 2 a validation task; breakers open at 2.
    fn judged(lines: &[&str]) -> Vec<Violation> {
        let mut record = record_with_two_task_types();
        record.config.circuit_breaker_threshold = 2;
        check(&record, &super::super::downstreams(&record), &events(lines))
    }

    fn failed(at: &str, task: u32, error: &str) -> String {
        format!(
            "{at}s otpsim::foundation event=attempt_failed task={task} agent=<1.4.0> failures=1 error={error} \
             next=retry backoff_ns=1"
        )
    }

    fn opened(at: &str, downstream: &str) -> String {
        format!(
            "{at}s otpsim::foundation event=task_breaker_opened agent=<1.4.0> downstream={downstream} failures=2 \
             threshold=2"
        )
    }

    fn run(lines: &[String]) -> Vec<Violation> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        judged(&lines)
    }

    #[test]
    fn breakers_opening_at_the_threshold_hold() {
        let v = run(&[
            failed("1.000000000", 1, "timeout"),
            // A permanent error neither counts nor clears; another downstream counts apart.
            failed("1.100000000", 1, "invalid"),
            failed("1.200000000", 2, "timeout"),
            "1.300000000s otpsim::foundation event=task_finished task=2 agent=<1.4.0> attempt=1 outcome=completed(7)"
                .into(),
            failed("1.400000000", 1, "network_error"),
            opened("1.400000000", "analysis"),
            // After the first opening the trial attempts decide.
            failed("3.000000000", 1, "timeout"),
            opened("3.000000000", "analysis"),
            failed("4.000000000", 2, "timeout"),
        ]);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_breaker_that_stays_closed_at_the_threshold_is_flagged() {
        let v = run(&[
            failed("1.000000000", 1, "timeout"),
            failed("1.200000000", 1, "timeout"),
            failed("1.500000000", 2, "timeout"),
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("analysis breaker did not open at 2 consecutive failures"), "{}", v[0]);
        assert_eq!(v[0].time_ms, 1200);
        // Still closed when a later event of that breaker comes.
        let v = run(&[
            failed("1.000000000", 1, "timeout"),
            failed("1.200000000", 1, "timeout"),
            failed("1.500000000", 1, "timeout"),
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
    }

    #[test]
    fn an_opening_that_reports_other_numbers_is_flagged() {
        let v = run(&[
            failed("1.000000000", 1, "timeout"),
            failed("1.200000000", 1, "timeout"),
            opened("1.200000000", "analysis").replace("threshold=2", "threshold=0"),
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("its event says failures=2 threshold=0"), "{}", v[0]);
    }

    #[test]
    fn a_breaker_opened_by_errors_that_do_not_count_is_flagged() {
        let v = run(&[
            failed("1.000000000", 1, "timeout"),
            failed("1.100000000", 1, "invalid"),
            opened("1.100000000", "analysis"),
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("opened after 1 consecutive failures"), "{}", v[0]);
        let v = run(&[
            failed("1.000000000", 1, "timeout"),
            "1.100000000s otpsim::foundation event=task_finished task=1 agent=<1.4.0> attempt=1 outcome=completed(7)"
                .into(),
            failed("1.200000000", 1, "timeout"),
            opened("1.200000000", "analysis"),
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
    }
}
