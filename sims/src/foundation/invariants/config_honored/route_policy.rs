//! The coordinator's routing policy, for `config_honored`: how a task's routes are
//! numbered and paced, from what the coordinator traces of each route and its result.
//! The documented rule, counted by the sim:
//! - a task's routes are numbered from 1 (`route_sent`'s `attempt`); the count of
//!   routes before the next one grows by one after a route that failed without a clear
//!   answer (`route_failed` with `rejected=false`) and after a round with no agent up
//!   (`route_deferred`); after a refusal (`rejected=true`) or the agent's release
//!   (`task_released`) it jumps to the next even count: each agent gets two tries, then
//!   the next one does;
//! - the next route waits: after a failed or deferred round, `ROUTE_BACKOFF` doubled
//!   per count so far (up to `ROUTE_BACKOFF_MAX`); after a refusal, `ROUTE_BACKOFF`
//!   doubled per round of the whole pool refusing (up to `REJECTED_BACKOFF_MAX`); after a
//!   release, `ROUTE_BACKOFF`; after a route the manager buffered, `BUFFERED_REDRIVE`.
//!
//! A coordinator that restarts keeps the count it saved but not its timers, so after
//! its exit each task's count is learnt again from its next route, and that route's
//! time is not judged.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::coordinator::{BUFFERED_REDRIVE, REJECTED_BACKOFF_MAX, ROUTE_BACKOFF, ROUTE_BACKOFF_MAX};
use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::{number, NAME};

/// What the sim knows of one task's routing.
#[derive(Default)]
struct Task<'a> {
    /// Routes counted so far (`None`: to be learnt from the next route).
    count: Option<u64>,
    /// The earliest the next route may go, and the event that set it.
    not_before: Option<(Duration, &'a TraceEvent)>,
}

/// The wait after the `count`-th failed or deferred round.
fn backoff(count: u64) -> Duration {
    let doublings = count.saturating_sub(1).min(10);
    (ROUTE_BACKOFF * (1u32 << doublings)).min(ROUTE_BACKOFF_MAX)
}

/// The count after a refusal or release: the next agent's first try.
fn next_agent(count: u64) -> u64 {
    (count / 2 + 1) * 2
}

/// Checks each route's number and time; `agents` is how many task agents run.
pub fn check(events: &[TraceEvent], agents: usize) -> Vec<Violation> {
    let agents = (agents as u64).max(1);
    let mut tasks: BTreeMap<&str, Task> = BTreeMap::new();
    let mut coordinator: Option<&str> = None;
    let mut violations = Vec::new();
    for e in events {
        if e.kind == kind::EXIT {
            if e.get(field::PID).is_some() && e.get(field::PID) == coordinator {
                tasks.values_mut().for_each(|t| *t = Task::default());
            }
            continue;
        }
        let routing = matches!(
            e.kind.as_str(),
            kind::TASK_ACCEPTED
                | kind::ROUTE_SENT
                | kind::ROUTE_DEFERRED
                | kind::ROUTE_FAILED
                | kind::ROUTE_BUFFERED
                | kind::TASK_RELEASED
        );
        let Some(id) = e.get(field::TASK).filter(|_| routing) else { continue };
        coordinator = e.get(field::BY).or(coordinator);
        let t = e.time;
        let task = tasks.entry(id).or_default();
        match e.kind.as_str() {
            kind::TASK_ACCEPTED => *task = Task { count: Some(0), not_before: None },
            kind::ROUTE_SENT => {
                let attempt = number(e, field::ATTEMPT).unwrap_or(0);
                if let Some(count) = task.count.filter(|count| attempt != count + 1) {
                    let message =
                        format!("the coordinator routed task {id} as attempt {attempt}, but its routes so far make it attempt {}", count + 1);
                    violations.push(Violation::new(NAME, t, message).id("task", id).evidence([e]));
                }
                if let Some((not_before, cause)) = task.not_before.filter(|(not_before, _)| t < *not_before) {
                    let message = format!(
                        "the coordinator routed task {id} at {}ms, {}ms before the wait after its {} at {}ms ended",
                        t.as_millis(),
                        (not_before - t).as_millis(),
                        cause.kind,
                        cause.time.as_millis()
                    );
                    violations.push(Violation::new(NAME, t, message).id("task", id).evidence([cause, e]));
                }
                *task = Task { count: Some(attempt.saturating_sub(1)), not_before: None };
            }
            kind::ROUTE_DEFERRED => {
                task.count = task.count.map(|c| c + 1);
                task.not_before = task.count.map(|c| (t + backoff(c), e));
            }
            kind::ROUTE_FAILED if e.get(field::REJECTED) == Some("true") => {
                task.count = task.count.map(next_agent);
                let wait = |c: u64| backoff(1 + c / 2 / agents).min(REJECTED_BACKOFF_MAX);
                task.not_before = task.count.map(|c| (t + wait(c), e));
            }
            kind::ROUTE_FAILED => {
                task.count = task.count.map(|c| c + 1);
                task.not_before = task.count.map(|c| (t + backoff(c), e));
            }
            kind::ROUTE_BUFFERED => task.not_before = Some((t + BUFFERED_REDRIVE, e)),
            kind::TASK_RELEASED => {
                task.count = task.count.map(next_agent);
                task.not_before = Some((t + ROUTE_BACKOFF, e));
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::events;
    use super::*;

    fn line(at: &str, event: &str, rest: &str) -> String {
        format!("{at}000000s otpsim::foundation event={event} by=<0.18.0> task=7 {rest}")
    }

    fn judge(lines: &[String]) -> Vec<Violation> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        check(&events(&lines), 4)
    }

    /// Route 1 unclear (count 1, wait 50 ms), route 2 refused (count 2, wait 50 ms),
    /// no agent up (count 3, wait 200 ms), route 4 buffered (wait 1 s), route 5
    /// delivered, then released (count 4, wait 50 ms), route 5.
    fn a_task_routed_by_the_rules() -> Vec<String> {
        let a = "agent=<1.4.0>";
        vec![
            line("1.000", "task_accepted", ""),
            line("1.000", "route_sent", &format!("{a} attempt=1")),
            line("2.000", "route_failed", &format!("{a} attempt=1 rejected=false")),
            line("2.050", "route_sent", &format!("{a} attempt=2")),
            line("2.100", "route_failed", &format!("{a} attempt=2 rejected=true")),
            line("2.150", "route_deferred", ""),
            line("2.350", "route_sent", &format!("{a} attempt=4")),
            line("2.400", "route_buffered", a),
            line("3.400", "route_sent", &format!("{a} attempt=4")),
            line("3.450", "task_assigned", &format!("{a} attempt=4")),
            line("5.000", "task_released", a),
            line("5.050", "route_sent", &format!("{a} attempt=5")),
        ]
    }

    #[test]
    fn routes_numbered_and_paced_by_the_rules_hold() {
        let v = judge(&a_task_routed_by_the_rules());
        assert!(v.is_empty(), "{v:?}");
        // After the coordinator restarts, the count is learnt again and the first time is not judged.
        let mut restarted = a_task_routed_by_the_rules()[..3].to_vec();
        restarted.push("2.010000000s otpsim event=exit pid=<0.18.0> reason=killed".to_owned());
        restarted.push(line("2.020", "route_sent", "agent=<1.4.0> attempt=5"));
        restarted.push(line("2.030", "route_failed", "agent=<1.4.0> attempt=5 rejected=false"));
        restarted.push(line("2.830", "route_sent", "agent=<1.4.0> attempt=6"));
        assert!(judge(&restarted).is_empty(), "{:?}", judge(&restarted));
    }

    #[test]
    fn a_route_numbered_off_the_rules_is_flagged() {
        let mut lines = a_task_routed_by_the_rules();
        lines[6] = line("2.350", "route_sent", "agent=<1.4.0> attempt=3");
        lines[8] = line("3.400", "route_sent", "agent=<1.4.0> attempt=3");
        let v = judge(&lines);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].message.contains("routed task 7 as attempt 3, but its routes so far make it attempt 4"),
            "{}",
            v[0]
        );
    }

    #[test]
    fn a_route_before_its_wait_ended_is_flagged() {
        let mut lines = a_task_routed_by_the_rules();
        lines[6] = line("2.300", "route_sent", "agent=<1.4.0> attempt=4");
        lines[8] = line("3.300", "route_sent", "agent=<1.4.0> attempt=4");
        let v = judge(&lines);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].message.contains("50ms before the wait after its route_deferred at 2150ms ended"), "{}", v[0]);
        assert!(v[1].message.contains("before the wait after its route_buffered at 2400ms ended"), "{}", v[1]);
    }
}
