//! The routing bound of `config_honored`: a task waiting at the coordinator (accepted,
//! or taken back from an agent) is handed to an agent within [`bound`] whenever some
//! agent stood ready for it the whole time. A refusal (an agent paused, or its queue
//! at `agent_queue_capacity`) moves the task on to the next agent after a short pause,
//! so one round of offers reaches the ready agent; a coordinator that keeps offering a
//! task to the agent that refused it waits for that agent instead.
//!
//! Judged only where the trace shows the system undisturbed, so that every wait it
//! judges is the coordinator's own doing:
//! - an agent is *ready* from the moment its pid proves it takes work (it queued or
//!   started a task, or resumed) while it is alive, unpaused, its queue (as
//!   `task_queued` last reported it, less the tasks it started since) below capacity,
//!   none of its task breakers opened within `breaker_reset`, and the manager's breaker
//!   for it closed and untouched for `breaker_reset` (a route buffered there makes new
//!   tasks avoid it for that long);
//! - a wait is skipped if a fault touched the run from [`FAULT_SHADOW`] before it
//!   began until it ended: an injected fault or defect, a crashed node or a partition
//!   (or its heal); a run whose network loses, duplicates or delays messages is not
//!   judged at all. An unanswered route keeps the task with the agent that may hold
//!   it, by design.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::Config;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::{number, NAME};

/// The time a task may wait before its first offer, with the round trips of a round.
pub const ROUTE_FIRST: Duration = Duration::from_secs(1);
/// What each refusal may add: the pause before the next offer, and the offer itself.
pub const ROUTE_STEP: Duration = Duration::from_millis(500);
/// How long before a wait a fault still counts as touching it: an unanswered route
/// waits out its timeout and the backoff after it.
pub const FAULT_SHADOW: Duration = Duration::from_secs(5);

/// The longest a task may wait at the coordinator while an agent stands ready, with
/// `agents` agents: a first offer, then one refusal per other agent at most.
pub fn bound(agents: usize) -> Duration {
    ROUTE_FIRST + ROUTE_STEP * u32::try_from(agents).unwrap_or(u32::MAX)
}

/// What the checker knows of one agent pid.
#[derive(Default)]
struct Agent {
    /// It proved it takes work, and has not paused since.
    unpaused: bool,
    /// Its queue length, as far as the trace tells.
    queued: u64,
    /// The manager's breaker for it is open.
    shunned: bool,
    /// The latest moment it may not have been ready.
    unready_until: Duration,
}

impl Agent {
    fn ready_since(&self, from: Duration, capacity: u64) -> bool {
        self.unpaused && !self.shunned && self.queued < capacity && self.unready_until < from
    }
}

/// Faults in the trace, as the moment the run was last disturbed.
#[derive(Default)]
struct Disturbance {
    partitions: usize,
    nodes_down: usize,
    last: Option<Duration>,
}

impl Disturbance {
    fn see(&mut self, e: &TraceEvent) {
        let disturbed = match e.kind.as_str() {
            kind::PARTITION | kind::PARTITION_ONE_WAY => {
                self.partitions += 1;
                true
            }
            kind::HEAL => {
                self.partitions = if e.get(field::A).is_some() { self.partitions.saturating_sub(1) } else { 0 };
                true
            }
            kind::NODE_CRASH => {
                self.nodes_down += 1;
                true
            }
            kind::NODE_RESTART => {
                self.nodes_down = self.nodes_down.saturating_sub(1);
                true
            }
            kind::FAULT | kind::DEFECT | kind::DEFECT_INJECTED => true,
            _ => false,
        };
        if disturbed || self.partitions > 0 || self.nodes_down > 0 {
            self.last = Some(e.time);
        }
    }

    /// True if nothing disturbed the run from `FAULT_SHADOW` before `from` until now.
    fn quiet_since(&self, from: Duration) -> bool {
        self.partitions == 0 && self.nodes_down == 0 && self.last.is_none_or(|last| last + FAULT_SHADOW < from)
    }
}

/// Checks every wait at the coordinator against the ready agents; `agents` is how
/// many task agents the system runs. A run whose network lost, duplicated or delayed
/// messages is not judged: those faults are not kept in the checkers' events.
pub fn check(config: &Config, events: &[TraceEvent], agents: usize, network_faults: bool) -> Vec<Violation> {
    if network_faults {
        return Vec::new();
    }
    let (capacity, reset, limit) = (config.agent_queue_capacity as u64, config.breaker_reset, bound(agents));
    let mut pool: BTreeMap<&str, Agent> = BTreeMap::new();
    let mut waiting: BTreeMap<&str, &TraceEvent> = BTreeMap::new();
    let mut disturbance = Disturbance::default();
    let mut violations = Vec::new();
    for e in events {
        disturbance.see(e);
        let t = e.time;
        let of = |key| e.get(key).unwrap_or("?");
        match e.kind.as_str() {
            kind::EXIT => {
                pool.remove(of(field::PID));
            }
            kind::TASK_ACCEPTED | kind::TASK_RELEASED => {
                waiting.entry(of(field::TASK)).or_insert(e);
            }
            kind::TASK_RECORDED => {
                waiting.remove(of(field::TASK));
            }
            kind::TASK_ASSIGNED => {
                let Some(since) = waiting.remove(of(field::TASK)) else { continue };
                let waited = t.saturating_sub(since.time);
                if waited <= limit || !disturbance.quiet_since(since.time) {
                    continue;
                }
                let Some((ready, _)) = pool.iter().find(|(_, a)| a.ready_since(since.time, capacity)) else {
                    continue;
                };
                let message = format!(
                    "task {} waited {}ms at the coordinator from {}ms while agent {ready} stood ready, longer than \
                     {}ms for {agents} agents",
                    of(field::TASK),
                    waited.as_millis(),
                    since.time.as_millis(),
                    limit.as_millis()
                );
                violations.push(Violation::new(NAME, t, message).id("task", of(field::TASK)).evidence([since, e]));
            }
            _ => {}
        }
        let manager_side = matches!(
            e.kind.as_str(),
            kind::BREAKER_OPENED
                | kind::BREAKER_RESET
                | kind::BUFFERED
                | kind::BUFFER_OVERFLOW
                | kind::REPLAYED
                | kind::REPLAY_REFUSED
                | kind::REPLAY_FAILED
        );
        let agent_side = matches!(
            e.kind.as_str(),
            kind::TASK_QUEUED
                | kind::TASK_STARTED
                | kind::AGENT_RESUMED
                | kind::AGENT_PAUSED
                | kind::TASK_BREAKER_OPENED
        );
        let pid = match (agent_side, manager_side) {
            (true, _) => e.get(field::AGENT),
            (_, true) => e.get(field::RECEIVER),
            _ => None,
        };
        let Some(agent) = pid.map(|pid| pool.entry(pid).or_default()) else { continue };
        let was_full = agent.queued >= capacity;
        match e.kind.as_str() {
            kind::TASK_QUEUED => {
                agent.unpaused = true;
                agent.queued = number(e, field::QUEUE_LEN).unwrap_or(capacity);
            }
            kind::TASK_STARTED => {
                agent.unpaused = true;
                agent.queued = agent.queued.saturating_sub(1);
            }
            kind::AGENT_RESUMED => {
                agent.unpaused = true;
                agent.unready_until = t;
            }
            kind::AGENT_PAUSED => agent.unpaused = false,
            kind::TASK_BREAKER_OPENED => agent.unready_until = agent.unready_until.max(t + reset),
            kind::BREAKER_OPENED => agent.shunned = true,
            kind::BREAKER_RESET => agent.shunned = false,
            _ => {}
        }
        if manager_side {
            agent.unready_until = agent.unready_until.max(t + reset);
        }
        if was_full || agent.queued >= capacity || !agent.unpaused {
            agent.unready_until = agent.unready_until.max(t);
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::events;
    use super::*;

    fn config() -> Config {
        Config { agent_queue_capacity: 2, breaker_reset: Duration::from_secs(1), ..Config::default() }
    }

    fn run(lines: &[&str]) -> Vec<Violation> {
        check(&config(), &events(lines), 2, false)
    }

    /// Agent <1.2.0> paused; <1.3.0> took work just before and stays ready.
    const PAUSE: [&str; 3] = [
        "0.100000000s otpsim::foundation event=task_queued task=1 agent=<1.3.0> queue_len=1",
        "0.110000000s otpsim::foundation event=task_started task=1 agent=<1.3.0> attempt=1",
        "0.200000000s otpsim::foundation event=agent_paused agent=<1.2.0> error_count=3 threshold=3",
    ];

    #[test]
    fn a_task_that_moves_on_from_a_paused_agent_holds() {
        let mut lines = PAUSE.to_vec();
        lines.extend([
            "1.000000000s otpsim::foundation event=task_accepted task=7",
            "1.200000000s otpsim::foundation event=task_assigned task=7 agent=<1.3.0> attempt=2",
        ]);
        assert!(run(&lines).is_empty(), "{:?}", run(&lines));
    }

    #[test]
    fn a_long_wait_while_no_agent_was_ready_or_under_a_fault_holds() {
        let mut lines = PAUSE.to_vec();
        lines.extend([
            // <1.3.0> full: nobody is ready for task 7.
            "0.900000000s otpsim::foundation event=task_queued task=2 agent=<1.3.0> queue_len=2",
            "1.000000000s otpsim::foundation event=task_accepted task=7",
            "5.000000000s otpsim::foundation event=task_assigned task=7 agent=<1.3.0> attempt=3",
            // <1.3.0> has room again, but a node crashes during task 8's wait.
            "10.000000000s otpsim::foundation event=task_started task=2 agent=<1.3.0> attempt=1",
            "20.000000000s otpsim::foundation event=task_accepted task=8",
            "21.000000000s otpsim event=node_crash node=2",
            "21.500000000s otpsim event=node_restart node=2 incarnation=1",
            "25.000000000s otpsim::foundation event=task_assigned task=8 agent=<1.2.0> attempt=3",
        ]);
        assert!(run(&lines).is_empty(), "{:?}", run(&lines));
    }

    #[test]
    fn a_task_waiting_for_the_agent_that_refused_it_is_flagged() {
        let mut lines = PAUSE.to_vec();
        lines.extend([
            "1.000000000s otpsim::foundation event=task_accepted task=7",
            "5.200000000s otpsim::foundation event=agent_resumed agent=<1.2.0>",
            "5.300000000s otpsim::foundation event=task_assigned task=7 agent=<1.2.0> attempt=5",
        ]);
        let v = run(&lines);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].message.contains("task 7 waited 4300ms") && v[0].message.contains("<1.3.0> stood ready"),
            "{}",
            v[0]
        );
        assert!(check(&config(), &events(&lines), 2, true).is_empty(), "a lossy network is not judged");
    }
}
