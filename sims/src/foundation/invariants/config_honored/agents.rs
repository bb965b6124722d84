//! The task agents' bounds of `config_honored`:
//! - `agent_queue_capacity`: an agent never holds more queued tasks (`task_queued`'s
//!   `queue_len`, the queue after the push);
//! - `agent_pause_cooldown`: a paused agent resumes no sooner than the cooldown after it
//!   paused, and, while its process lives, no later than the cooldown plus
//!   [`RESUME_GRACE`]. An agent restored paused after a restart re-arms its cooldown
//!   from its restart, which the trace does not mark: its pid never paused, and is skipped.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::Config;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::{number, NAME};

/// How late past its cooldown a paused agent may resume: the cooldown is a timer
/// message, handled once the agent is through what its mailbox holds before it.
pub const RESUME_GRACE: Duration = Duration::from_secs(1);

/// Checks queue lengths and pause durations; `end` is when the run was judged.
pub fn check(config: &Config, events: &[TraceEvent], end: Duration) -> Vec<Violation> {
    let capacity = config.agent_queue_capacity as u64;
    let cooldown = config.agent_pause_cooldown;
    let mut violations = Vec::new();
    let mut paused: BTreeMap<&str, &TraceEvent> = BTreeMap::new();
    let late = |pause: &TraceEvent, at: Duration, violations: &mut Vec<Violation>| {
        let agent = pause.get(field::AGENT).unwrap_or("?");
        let message = format!(
            "agent {agent} paused at {}ms and had not resumed at {}ms, past its cooldown of {}ms",
            pause.time.as_millis(),
            at.as_millis(),
            cooldown.as_millis()
        );
        violations.push(Violation::new(NAME, at, message).id("pid", agent).evidence([pause]));
    };
    for e in events {
        match e.kind.as_str() {
            kind::TASK_QUEUED => {
                if let Some(len) = number(e, field::QUEUE_LEN).filter(|len| *len > capacity) {
                    let agent = e.get(field::AGENT).unwrap_or("?");
                    let message = format!("agent {agent} holds {len} queued tasks, more than {capacity}");
                    violations.push(Violation::new(NAME, e.time, message).id("pid", agent).evidence([e]));
                }
            }
            kind::AGENT_PAUSED => {
                if let Some(agent) = e.get(field::AGENT) {
                    paused.insert(agent, e);
                }
            }
            kind::AGENT_RESUMED => {
                let Some(pause) = e.get(field::AGENT).and_then(|agent| paused.remove(agent)) else { continue };
                let waited = e.time.saturating_sub(pause.time);
                if waited < cooldown {
                    let agent = pause.get(field::AGENT).unwrap_or("?");
                    let message = format!(
                        "agent {agent} resumed {}ms after it paused, before its cooldown of {}ms",
                        waited.as_millis(),
                        cooldown.as_millis()
                    );
                    violations.push(Violation::new(NAME, e.time, message).id("pid", agent).evidence([pause, e]));
                } else if waited > cooldown + RESUME_GRACE {
                    late(pause, e.time, &mut violations);
                }
            }
            kind::EXIT => {
                if let Some(pause) = e.get(field::PID).and_then(|pid| paused.remove(pid)) {
                    if e.time > pause.time + cooldown + RESUME_GRACE {
                        late(pause, e.time, &mut violations);
                    }
                }
            }
            _ => {}
        }
    }
    for pause in paused.into_values() {
        if end > pause.time + cooldown + RESUME_GRACE {
            late(pause, end, &mut violations);
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::events;
    use super::*;

    fn config() -> Config {
        Config { agent_queue_capacity: 2, agent_pause_cooldown: Duration::from_secs(5), ..Config::default() }
    }

    const END: Duration = Duration::from_secs(60);

    #[test]
    fn queues_within_capacity_and_pauses_of_one_cooldown_hold() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=task_queued task=1 agent=<1.2.0> queue_len=1",
            "1.100000000s otpsim::foundation event=task_queued task=2 agent=<1.2.0> queue_len=2",
            "2.000000000s otpsim::foundation event=agent_paused agent=<1.2.0> error_count=3 threshold=3",
            "7.000000000s otpsim::foundation event=agent_resumed agent=<1.2.0>",
            "8.000000000s otpsim::foundation event=agent_paused agent=<1.2.0> error_count=3 threshold=3",
            "9.000000000s otpsim event=exit pid=<1.2.0> reason=killed",
            "9.500000000s otpsim::foundation event=agent_resumed agent=<1.5.0>",
        ]);
        assert!(check(&config(), &e, END).is_empty(), "{:?}", check(&config(), &e, END));
    }

    #[test]
    fn a_queue_over_capacity_is_flagged() {
        let e = events(&["1.000000000s otpsim::foundation event=task_queued task=3 agent=<1.2.0> queue_len=3"]);
        let v = check(&config(), &e, END);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("holds 3 queued tasks, more than 2"), "{}", v[0]);
    }

    #[test]
    fn resuming_early_late_or_never_is_flagged() {
        let e = events(&[
            "2.000000000s otpsim::foundation event=agent_paused agent=<1.2.0> error_count=3 threshold=3",
            "3.000000000s otpsim::foundation event=agent_resumed agent=<1.2.0>",
            "4.000000000s otpsim::foundation event=agent_paused agent=<1.3.0> error_count=3 threshold=3",
            "20.000000000s otpsim::foundation event=agent_resumed agent=<1.3.0>",
            "30.000000000s otpsim::foundation event=agent_paused agent=<1.4.0> error_count=3 threshold=3",
        ]);
        let v = check(&config(), &e, END);
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(v[0].message.contains("before its cooldown"), "{}", v[0]);
        assert!(v[1].message.contains("<1.3.0>") && v[1].message.contains("past its cooldown"), "{}", v[1]);
        assert!(v[2].message.contains("<1.4.0>") && v[2].time_ms == 60_000, "{}", v[2]);
    }
}
