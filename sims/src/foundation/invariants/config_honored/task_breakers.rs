//! The agents' task breakers of `config_honored`: `breaker_reset`. A breaker that opens
//! at t (`task_breaker_opened`, per agent and downstream) sheds new work of its
//! downstream until t + `breaker_reset`: the agent starts no task of that type before
//! then (`task_started`), unless the breaker closed first: a started task's retries
//! are paced by their own backoff and run while it is open, and one that completes
//! (`task_finished` with a completed outcome) closes it. A restarted agent is a new pid
//! with closed breakers.
//!
//! The other side: an agent hands a queued task back to the coordinator only while
//! it is paused or the task's downstream breaker holds it back, so once a whole
//! `breaker_reset` has passed since an agent's latest opening for that downstream (and
//! the agent is not paused) it sends no new release of such a task (`report_sent`
//! with `report=release`, first send; re-sends of an earlier release are paced by
//! their own timer). An agent restarted paused traces no pause, but its breakers
//! start closed, so it has no opening to judge against until it runs tasks again.

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};
use std::collections::{BTreeMap, BTreeSet};

use super::super::super::record::Record;
use super::{Downstreams, NAME};

/// Checks both sides: no start while a breaker is open, no release once it has reset.
pub fn check(record: &Record, downstream: &Downstreams, events: &[TraceEvent]) -> Vec<Violation> {
    let reset = record.config.breaker_reset;
    // Each breaker's latest opening, and whether a completion has closed it since.
    let mut opened: BTreeMap<(&str, &str), (&TraceEvent, bool)> = BTreeMap::new();
    let mut paused: BTreeMap<&str, bool> = BTreeMap::new();
    let mut sent: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    let mut violations = Vec::new();
    for e in events {
        let Some(agent) = e.get(field::AGENT) else { continue };
        let service = || e.get(field::TASK).and_then(|task| downstream.get(task).copied());
        let flagged = match e.kind.as_str() {
            kind::TASK_BREAKER_OPENED => {
                if let Some(service) = e.get(field::DOWNSTREAM) {
                    opened.insert((agent, service), (e, false));
                }
                None
            }
            kind::AGENT_PAUSED | kind::AGENT_RESUMED => {
                paused.insert(agent, e.kind == kind::AGENT_PAUSED);
                None
            }
            kind::TASK_FINISHED if e.get(field::OUTCOME).is_some_and(|o| o.starts_with("completed")) => {
                if let Some(breaker) = service().and_then(|service| opened.get_mut(&(agent, service))) {
                    breaker.1 = true;
                }
                None
            }
            kind::TASK_STARTED => {
                let Some(service) = service() else { continue };
                let Some(&(open, false)) = opened.get(&(agent, service)) else { continue };
                (e.time > open.time && e.time < open.time + reset).then(|| {
                    let message = format!(
                        "agent {agent} started task {} ({service}) {}ms after its {service} breaker opened, \
                         before breaker_reset ({}ms) passed",
                        e.get(field::TASK).unwrap_or("?"),
                        (e.time - open.time).as_millis(),
                        reset.as_millis()
                    );
                    (open, message)
                })
            }
            kind::REPORT_SENT if e.get(field::REPORT) == Some("release") => {
                let (Some(task), Some(attempt)) = (e.get(field::TASK), e.get(field::ATTEMPT)) else { continue };
                if !sent.insert((agent, task, attempt)) || paused.get(agent).copied().unwrap_or(false) {
                    continue;
                }
                let Some(service) = service() else { continue };
                let Some(&(open, _)) = opened.get(&(agent, service)) else { continue };
                (e.time > open.time + reset).then(|| {
                    let message = format!(
                        "agent {agent} handed back task {task} ({service}) {}ms after its {service} breaker opened, \
                         after breaker_reset ({}ms) had passed, while not paused",
                        (e.time - open.time).as_millis(),
                        reset.as_millis()
                    );
                    (open, message)
                })
            }
            _ => None,
        };
        if let Some((open, message)) = flagged {
            violations.push(Violation::new(NAME, e.time, message).id("pid", agent).evidence([open, e]));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::{events, record_with_two_task_types};
    use super::*;

    /// Task 1 is an analysis task, task 2 a validation task; breakers reset after 1 s.
    fn judged(lines: &[&str]) -> Vec<Violation> {
        check(&record_with_two_task_types(), &super::super::downstreams(&record_with_two_task_types()), &events(lines))
    }

    const OPENED: &str =
        "2.000000000s otpsim::foundation event=task_breaker_opened agent=<1.4.0> downstream=analysis failures=3 \
         threshold=3";

    fn released(at: &str, task: u32, attempt: u32) -> String {
        format!("{at}s otpsim::foundation event=report_sent task={task} agent=<1.4.0> attempt={attempt} report=release")
    }

    fn judged_releases(lines: &[String]) -> Vec<Violation> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        check(&record_with_two_task_types(), &super::super::downstreams(&record_with_two_task_types()), &events(&lines))
    }

    #[test]
    fn releases_while_a_breaker_holds_back_or_paused_hold() {
        let v = judged_releases(&[
            // Released by a restarted agent that has no opening yet.
            released("1.000000000", 1, 1),
            OPENED.into(),
            released("2.500000000", 1, 2),
            // A re-send of an earlier release, and another downstream.
            released("3.500000000", 1, 2),
            released("3.500000000", 2, 1),
            "4.000000000s otpsim::foundation event=agent_paused agent=<1.4.0> error_count=3 threshold=3".into(),
            released("4.100000000", 1, 3),
        ]);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_release_after_the_breaker_reset_is_flagged() {
        let v = judged_releases(&[OPENED.into(), released("3.200000000", 1, 2)]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("handed back task 1 (analysis) 1200ms after its analysis breaker opened"));
        let resumed = "3.000000000s otpsim::foundation event=agent_resumed agent=<1.4.0>";
        let paused = "2.100000000s otpsim::foundation event=agent_paused agent=<1.4.0> error_count=3 threshold=3";
        let v = judged_releases(&[OPENED.into(), paused.into(), resumed.into(), released("3.200000000", 1, 2)]);
        assert_eq!(v.len(), 1, "{v:?}");
    }

    #[test]
    fn a_task_started_while_its_breaker_is_open_is_flagged() {
        let v = judged(&[OPENED, "2.400000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1"]);
        assert_eq!(v.len(), 1, "{v:?}");
        let v = judged(&[
            OPENED,
            "2.200000000s otpsim::foundation event=task_finished task=1 agent=<1.4.0> attempt=1 outcome=failed(timeout)",
            "2.400000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1",
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("started task 1 (analysis) 400ms after its analysis breaker opened"), "{}", v[0]);
    }

    #[test]
    fn starts_after_the_reset_or_a_completion_on_other_agents_or_of_other_types_hold() {
        let v = judged(&[
            OPENED,
            "2.100000000s otpsim::foundation event=task_finished task=1 agent=<1.6.0> attempt=1 outcome=completed(7)",
            "2.400000000s otpsim::foundation event=task_started task=1 agent=<1.5.0> attempt=1",
            "2.400000000s otpsim::foundation event=task_started task=2 agent=<1.4.0> attempt=1",
            "3.000000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1",
            "3.050000000s otpsim::foundation event=task_breaker_opened agent=<1.4.0> downstream=analysis failures=3 \
             threshold=3",
            "3.100000000s otpsim::foundation event=task_finished task=1 agent=<1.4.0> attempt=1 outcome=completed(7)",
            "3.200000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1",
        ]);
        assert!(v.is_empty(), "{v:?}");
    }
}
