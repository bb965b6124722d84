//! The coordinator's avoidance of buffered agents, for `breaker_reset`: once the
//! coordinator learns that a route to an agent was buffered (the manager's breaker for
//! it is open), it sends no new task there for `breaker_reset`, unless every agent that
//! is up is avoided too. A task it routed there before it learned stays with it.
//!
//! Judged from the trace, per agent name (`task_agent/<i>`, which a restarted agent
//! keeps): `route_buffered` at `t` marks the agent avoided until `t + breaker_reset`.
//! A task the coordinator accepted after that (in trace order) has had no agent; if it
//! reaches the avoided agent (buffered there, or assigned to it) before
//! `t + breaker_reset` while another agent was registered and not avoided from the
//! task's acceptance until then, the coordinator picked the avoided agent over a free
//! one. Avoidance lives in the coordinator's memory: its exit forgets it.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::Config;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::NAME;

/// The names task agents register under, before their index.
const AGENT_NAME_PREFIX: &str = "task_agent/";

/// A registered agent.
struct Up<'a> {
    pid: &'a str,
    since: Duration,
}

/// Checks every route of a task accepted after an agent became avoided.
pub fn check(config: &Config, events: &[TraceEvent]) -> Vec<Violation> {
    let reset = config.breaker_reset;
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut up: BTreeMap<&str, Up> = BTreeMap::new();
    // Per agent name: the latest route_buffered, with its position in the trace.
    let mut avoided: BTreeMap<&str, (usize, &TraceEvent)> = BTreeMap::new();
    let mut coordinator: Option<&str> = None;
    let mut accepted: BTreeMap<&str, (usize, &TraceEvent)> = BTreeMap::new();
    let mut violations = Vec::new();
    for (position, e) in events.iter().enumerate() {
        let of = |key| e.get(key).unwrap_or("?");
        let routed_to = match e.kind.as_str() {
            kind::REGISTER if of(field::NAME).starts_with(AGENT_NAME_PREFIX) => {
                names.insert(of(field::PID), of(field::NAME));
                up.insert(of(field::NAME), Up { pid: of(field::PID), since: e.time });
                None
            }
            kind::EXIT => {
                let pid = of(field::PID);
                if coordinator == Some(pid) {
                    avoided.clear();
                    coordinator = None;
                }
                if let Some(name) = names.get(pid).filter(|name| up.get(*name).is_some_and(|u| u.pid == pid)) {
                    up.remove(name);
                }
                None
            }
            kind::TASK_ACCEPTED => {
                accepted.insert(of(field::TASK), (position, e));
                None
            }
            kind::ROUTE_BUFFERED => {
                if let Some(name) = names.get(of(field::AGENT)) {
                    avoided.insert(name, (position, e));
                    coordinator = e.get(field::BY).or(coordinator);
                }
                None
            }
            kind::BUFFERED => Some((of(field::MSG), of(field::RECEIVER))),
            kind::TASK_ASSIGNED => Some((of(field::TASK), of(field::AGENT))),
            _ => None,
        };
        let Some((task, pid)) = routed_to else { continue };
        let (Some(name), Some(&(accepted_at, acceptance))) = (names.get(pid), accepted.get(task)) else { continue };
        let Some(&(buffered_at, buffered)) = avoided.get(name) else { continue };
        if accepted_at < buffered_at || e.time >= buffered.time + reset {
            continue;
        }
        let free = |other: &&&str| {
            *other != name
                && up.get(**other).is_some_and(|u| u.since <= acceptance.time)
                && avoided.get(**other).is_none_or(|(_, b)| b.time + reset <= acceptance.time)
        };
        let Some(free) = up.keys().find(free) else { continue };
        let message = format!(
            "task {task}, accepted at {}ms, went to {name} ({pid}) at {}ms although its route was buffered at {}ms, \
             within breaker_reset of {}ms, while {free} was up and not avoided",
            acceptance.time.as_millis(),
            e.time.as_millis(),
            buffered.time.as_millis(),
            reset.as_millis()
        );
        violations.push(Violation::new(NAME, e.time, message).id("task", task).evidence([buffered, acceptance, e]));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::events;
    use super::*;

    fn config() -> Config {
        Config { breaker_reset: Duration::from_secs(5), ..Config::default() }
    }

    /// Two agents up; task 2 accepted; agent 0's route is buffered at 2 s.
    const SETUP: [&str; 4] = [
        "0.100000000s otpsim event=register pid=<1.2.0> name=task_agent/0",
        "0.100000000s otpsim event=register pid=<2.2.0> name=task_agent/1",
        "1.900000000s otpsim::foundation event=task_accepted task=2",
        "2.000000000s otpsim::foundation event=route_buffered task=1 agent=<1.2.0> by=<0.5.0>",
    ];

    fn run(more: &[&str]) -> Vec<Violation> {
        let lines: Vec<&str> = SETUP.iter().chain(more).copied().collect();
        check(&config(), &events(&lines))
    }

    #[test]
    fn new_tasks_that_go_elsewhere_or_come_back_later_hold() {
        let v = run(&[
            // Task 2 was routed before the coordinator learned: it stays with agent 0.
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=2 seq=5",
            // A new task goes to agent 1; one after the reset may go to agent 0.
            "3.000000000s otpsim::foundation event=task_accepted task=3",
            "3.000000000s otpsim::foundation event=task_assigned task=3 agent=<2.2.0> attempt=1",
            "6.900000000s otpsim::foundation event=task_accepted task=4",
            "7.000000000s otpsim::foundation event=task_assigned task=4 agent=<1.2.0> attempt=1",
        ]);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn the_only_choice_and_a_forgetful_restarted_coordinator_hold() {
        // Agent 1 is avoided too: every up agent is, so agent 0 may have the task.
        let v = run(&[
            "2.500000000s otpsim::foundation event=route_buffered task=9 agent=<2.2.0> by=<0.5.0>",
            "3.000000000s otpsim::foundation event=task_accepted task=3",
            "3.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=3 seq=6",
        ]);
        assert!(v.is_empty(), "{v:?}");
        let v = run(&[
            r#"2.500000000s otpsim event=exit pid=<0.5.0> reason="killed""#,
            "3.000000000s otpsim::foundation event=task_accepted task=3",
            "3.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=3 seq=6",
        ]);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_new_task_sent_to_the_avoided_agent_while_another_is_free_is_flagged() {
        let v = run(&[
            "3.000000000s otpsim::foundation event=task_accepted task=3",
            "3.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=3 seq=6",
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].message.contains("task 3, accepted at 3000ms, went to task_agent/0 (<1.2.0>) at 3100ms")
                && v[0].message.contains("while task_agent/1 was up"),
            "{}",
            v[0]
        );
    }
}
