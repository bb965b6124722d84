//! `config_honored`: the system's thresholds are the configured ones.
//!
//! Always holds, judged from what the system did (never from what it claims its
//! threshold is), one file per group of `[config]` keys:
//! - here: an agent pauses exactly when its error count reaches `max_error_threshold`,
//!   and never counts an error past it without pausing (a paused agent finishing the
//!   task in hand may count more until it resumes); a breaker opens exactly at
//!   `circuit_breaker_threshold` consecutive failures (and re-opens after a failed
//!   replay with at least that many);
//! - `manager_breaker`: the manager's breaker counts failures in a row, as the sim counts
//!   the deliveries the manager reports, and the manager keeps a receiver's state only
//!   while it has something to remember;
//! - `breaker_reset`: the manager's breaker stays open at least `breaker_reset`;
//! - `avoidance`: the coordinator sends no new task, for `breaker_reset`, to an agent
//!   whose route was buffered while another agent is free;
//! - `buffers`: `buffer_max_size`, and a buffer holds each message once and replays what
//!   was pushed;
//! - `route_policy`: the coordinator numbers and paces each task's routes as documented
//!   (two tries per agent, then the next; backoffs after failed, refused, released and
//!   buffered routes);
//! - `routing`: a task waits at the coordinator no longer than one round of offers
//!   while an agent stands ready (paused and full agents are refused offers);
//! - `agents`: `agent_queue_capacity` and `agent_pause_cooldown`;
//! - `reports`: an agent re-sends an unacknowledged report at most once per retry
//!   interval;
//! - `retries`: the `retry` policy (initial backoff, multiplier, max backoff,
//!   give-up time), against the sim's own oracle;
//! - `task_breakers`: `breaker_reset` of the agents' task breakers, both ways (no start while
//!   open, no release once reset);
//! - `handed_back`: an agent hands back its whole queue when it pauses, and the queued
//!   tasks of a downstream when that breaker opens;
//! - `task_breaker_opening`: a task breaker first opens exactly at `circuit_breaker_threshold`
//!   consecutive failures that signal trouble;
//! - `restarts`: `max_restarts` within `restart_window`: a supervisor gives up only
//!   past the limit (`restart_intensity` judges the other side: never later).

mod agents;
mod avoidance;
mod breaker_reset;
mod buffers;
mod handed_back;
mod manager_breaker;
mod reports;
mod restarts;
mod retries;
mod route_policy;
mod routing;
mod task_breaker_opening;
mod task_breakers;

use std::collections::BTreeMap;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::Config;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::oracle;
use super::super::record::Record;
use buffers::Buffers;

const NAME: &str = "config_honored";

/// Each planned task's downstream, named by the sim (a port that calls every type's
/// service by one name keeps one breaker for all), by task id as events print it.
type Downstreams<'r> = BTreeMap<String, &'r str>;

/// The run's [`Downstreams`], worked out once for the parts that read them.
fn downstreams(record: &Record) -> Downstreams<'_> {
    record.plan.tasks.iter().map(|t| (t.spec.id.text().as_str().to_owned(), oracle::downstream(&t.spec.kind))).collect()
}

fn number(e: &TraceEvent, key: &str) -> Option<u64> {
    e.get(key).and_then(|v| v.parse().ok())
}

/// Checks what the system did against every threshold of the run's config.
pub fn config_honored(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let config = &record.config;
    let downstream = downstreams(record);
    let mut violations = error_thresholds(config, events);
    violations.extend(agents::check(config, events, record.end));
    violations.extend(retries::check(record, events));
    violations.extend(restarts::check(config, events));
    violations.extend(breaker_reset::check(config, events));
    violations.extend(avoidance::check(config, events));
    violations.extend(reports::check(events));
    violations.extend(routing::check(config, events, record.agents.len(), record.network_faults));
    violations.extend(task_breakers::check(record, &downstream, events));
    violations.extend(task_breaker_opening::check(record, &downstream, events));
    violations.extend(handed_back::check(&downstream, events));
    violations.extend(manager_breaker::check(config, events));
    violations.extend(route_policy::check(events, record.agents.len()));
    violations
}

/// Pauses, breaker openings and buffer sizes, in one pass.
fn error_thresholds(config: &Config, events: &[TraceEvent]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let pause_at = u64::from(config.max_error_threshold);
    let open_at = u64::from(config.circuit_breaker_threshold);
    let mut buffers = Buffers { max: config.buffer_max_size as u64, receivers: BTreeMap::new(), manager: None };
    let mut paused: BTreeMap<&str, bool> = BTreeMap::new();
    let mut reopening: BTreeMap<&str, bool> = BTreeMap::new();
    for e in events {
        // Read only by the kinds that have them: this loop sees every kept event.
        let receiver = || e.get(field::RECEIVER).unwrap_or("?");
        let agent = || e.get(field::AGENT).unwrap_or("?");
        let flagged = match e.kind.as_str() {
            kind::AGENT_ERROR if paused.get(agent()).copied().unwrap_or(false) => None,
            kind::AGENT_ERROR => number(e, field::ERROR_COUNT)
                .filter(|count| *count > pause_at)
                .map(|count| format!("agent {} counted error {count} without pausing at {pause_at}", agent())),
            kind::AGENT_PAUSED => {
                paused.insert(agent(), true);
                number(e, field::ERROR_COUNT)
                    .filter(|count| *count != pause_at)
                    .map(|count| format!("agent {} paused after {count} errors, not {pause_at}", agent()))
            }
            kind::AGENT_RESUMED => {
                paused.insert(agent(), false);
                None
            }
            kind::REPLAY_FAILED => {
                reopening.insert(receiver(), true);
                None
            }
            kind::BREAKER_OPENED => {
                let again = reopening.remove(receiver()).unwrap_or(false);
                number(e, field::FAILURES)
                    .filter(|f| if again { *f < open_at } else { *f != open_at })
                    .map(|f| format!("breaker of {} opened after {f} failures, not {open_at}", receiver()))
            }
            _ => None,
        };
        if let Some(message) = flagged {
            violations.push(Violation::new(NAME, e.time, message).evidence([e]));
        }
        violations.extend(buffers.see(e));
    }
    violations.extend(buffers.finish());
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::events;
    use super::*;

    /// The pause, breaker and buffer part (the other parts have their own tests).
    fn honored(config: &Config, events: &[TraceEvent]) -> Vec<Violation> {
        error_thresholds(config, events)
    }

    fn config() -> Config {
        Config { max_error_threshold: 3, circuit_breaker_threshold: 2, buffer_max_size: 2, ..Config::default() }
    }

    #[test]
    fn thresholds_as_configured_hold() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=agent_error agent=<1.2.0> error_count=3",
            "1.000000000s otpsim::foundation event=agent_paused agent=<1.2.0> error_count=3 threshold=3",
            "2.000000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=2 threshold=2",
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1",
            "2.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=2 seq=2",
            "2.300000000s otpsim::foundation event=buffer_overflow receiver=<1.2.0> dropped=1 max=2",
            "2.300000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=3 seq=3",
        ]);
        assert!(honored(&config(), &e).is_empty());
    }

    #[test]
    fn a_paused_agent_may_count_errors_until_it_resumes() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=agent_error agent=<1.2.0> error_count=3",
            "1.000000000s otpsim::foundation event=agent_paused agent=<1.2.0> error_count=3 threshold=3",
            "1.100000000s otpsim::foundation event=agent_error agent=<1.2.0> error_count=4",
            "2.000000000s otpsim::foundation event=agent_resumed agent=<1.2.0>",
            "3.000000000s otpsim::foundation event=agent_error agent=<1.2.0> error_count=5",
        ]);
        let v = honored(&config(), &e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].time_ms, 3000);
    }

    #[test]
    fn a_breaker_reopening_after_a_failed_replay_may_count_more_failures() {
        let e = events(&[
            "2.000000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=2 threshold=2",
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1",
            "3.000000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
            "3.100000000s otpsim::foundation event=replay_failed receiver=<1.2.0> msg=1 seq=1 kept=true",
            "3.100000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=3 threshold=2",
            "5.000000000s otpsim::foundation event=breaker_opened receiver=<1.3.0> failures=3 threshold=2",
        ]);
        let v = honored(&config(), &e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("<1.3.0>"), "{}", v[0]);
    }

    #[test]
    fn a_push_traced_before_the_overflow_that_makes_room_holds() {
        let e = events(&[
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1",
            "2.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=2 seq=2",
            "2.300000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=3 seq=3",
            "2.300000000s otpsim::foundation event=buffer_overflow receiver=<1.2.0> dropped=1 max=2",
            "2.400000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
            "2.500000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=4 seq=4",
            "2.600000000s otpsim::foundation event=replayed receiver=<1.2.0> msg=2 seq=2",
        ]);
        assert!(honored(&config(), &e).is_empty(), "{:?}", honored(&config(), &e));
    }

    #[test]
    fn a_buffer_replaying_what_it_was_pushed_holds() {
        let e = events(&[
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=7 seq=1",
            "2.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=8 seq=2",
            "2.300000000s otpsim::foundation event=buffered receiver=<1.3.0> msg=7 seq=3",
            "3.000000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
            "3.100000000s otpsim::foundation event=replayed receiver=<1.2.0> msg=7 seq=1",
            // Pushed again once replayed: held once at a time.
            "3.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=7 seq=4",
            "3.300000000s otpsim::foundation event=replayed receiver=<1.2.0> msg=8 seq=2",
        ]);
        assert!(honored(&config(), &e).is_empty(), "{:?}", honored(&config(), &e));
    }

    #[test]
    fn a_message_held_twice_or_replayed_as_another_is_flagged() {
        let e = events(&[
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=7 seq=1",
            "2.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=7 seq=2",
        ]);
        let v = honored(&config(), &e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("holds message 7 twice (pushes #1 and #2)"), "{}", v[0]);
        let e = events(&[
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=7 seq=1",
            "2.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=8 seq=2",
            "3.000000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
            "3.100000000s otpsim::foundation event=replayed receiver=<1.2.0> msg=8 seq=1",
        ]);
        let v = honored(&config(), &e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("replayed push #1 as message 8, but it was pushed as message 7"), "{}", v[0]);
    }

    #[test]
    fn a_manager_crash_empties_every_buffer() {
        let e = events(&[
            "1.000000000s otpsim event=child_start supervisor=<0.1.0> child=coordination_manager pid=<0.2.0>",
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1",
            "2.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=2 seq=2",
            r#"2.300000000s otpsim event=exit pid=<0.2.0> reason="panic: boom""#,
            "2.400000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=3 seq=3",
            "2.500000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=4 seq=4",
        ]);
        assert!(honored(&config(), &e).is_empty(), "{:?}", honored(&config(), &e));
    }

    #[test]
    fn a_push_over_the_bound_without_an_overflow_is_flagged_at_the_end() {
        let e = events(&[
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1",
            "2.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=2 seq=2",
            "2.300000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=3 seq=3",
        ]);
        let v = honored(&config(), &e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("holds 3 messages"), "{}", v[0]);
    }

    #[test]
    fn hard_coded_thresholds_are_flagged() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=agent_error agent=<1.2.0> error_count=4",
            "1.000000000s otpsim::foundation event=agent_paused agent=<1.2.0> error_count=10 threshold=10",
            "2.000000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=5 threshold=5",
            "2.100000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1",
            "2.200000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=2 seq=2",
            "2.300000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=3 seq=3",
        ]);
        assert_eq!(honored(&config(), &e).len(), 4);
    }
}
