//! The manager's breaker per receiver, for `config_honored`'s `circuit_breaker_threshold`,
//! counted by the sim from the manager's own account of each delivery:
//! - a breaker counts failures *in a row*: a direct delivery that succeeds while the
//!   breaker is closed clears the count, and a closed breaker opens in the step the
//!   count reaches the threshold, reporting the count (`breaker_opened`'s `failures`);
//!   a replay that fails adds one and re-opens it at once, with the count so far;
//! - the manager keeps a receiver's state only while it has something to remember: it
//!   starts tracking a receiver (`peer_tracked`) at its first counted failure, and drops
//!   it (`peer_dropped`) in the step it has nothing left (closed, no failure in the
//!   count), never while the breaker is open or replaying. A receiver the manager's
//!   monitor reports down (`peer_dropped` with `cause=down`) may go at any phase, but
//!   only once it exited or the run saw a partition or a node crash (a monitor fires
//!   `noconnection` then).
//!
//! Judged per manager process (the `by` of each event): a restarted manager starts
//! with no state.

use std::collections::{BTreeMap, BTreeSet};

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::Config;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::{number, NAME};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Closed,
    Open,
    Replaying,
}

/// What the sim knows of one receiver's breaker at one manager.
#[derive(Default)]
struct Breaker {
    tracked: bool,
    phase: Phase,
    /// Failures in a row, since the count was last cleared.
    failures: u64,
}

/// A step the manager owes: the event that made it due, and what it must do in that step.
struct Due<'a> {
    cause: &'a TraceEvent,
    what: &'static str,
}

/// Checks every manager's breakers against the deliveries it counted.
pub fn check(config: &Config, events: &[TraceEvent]) -> Vec<Violation> {
    let threshold = u64::from(config.circuit_breaker_threshold);
    let mut breakers: BTreeMap<(&str, &str), Breaker> = BTreeMap::new();
    let mut due: BTreeMap<(&str, &str), Due> = BTreeMap::new();
    let mut violations = Vec::new();
    // A partition or node crash happened: a monitor may have fired `noconnection`.
    let mut cut = false;
    // Processes that exited: a monitor of one fires at once, even one set up later.
    let mut exited: BTreeSet<&str> = BTreeSet::new();
    let flag = |violations: &mut Vec<Violation>, e: &TraceEvent, message: String| {
        violations.push(Violation::new(NAME, e.time, message).evidence([e]));
    };
    for e in events {
        let late: Vec<_> = due.iter().filter(|(_, d)| d.cause.time < e.time).map(|(k, _)| *k).collect();
        for key in late {
            let Some(d) = due.remove(&key) else { continue };
            let message = format!(
                "the manager {} did not {} for receiver {} in the step at {}ms that called for it",
                key.0,
                d.what,
                key.1,
                d.cause.time.as_millis()
            );
            flag(&mut violations, d.cause, message);
        }
        if matches!(e.kind.as_str(), kind::PARTITION | kind::PARTITION_ONE_WAY | kind::NODE_CRASH) {
            cut = true;
            continue;
        }
        if e.kind == kind::EXIT {
            let Some(pid) = e.get(field::PID) else { continue };
            breakers.retain(|(manager, _), _| *manager != pid);
            due.retain(|(manager, receiver), _| *manager != pid && *receiver != pid);
            exited.insert(pid);
            continue;
        }
        let (Some(manager), Some(receiver)) = (e.get(field::BY), e.get(field::RECEIVER).or(e.get(field::PEER))) else {
            continue;
        };
        let key = (manager, receiver);
        let b = breakers.entry(key).or_default();
        match e.kind.as_str() {
            kind::PEER_TRACKED => {
                if b.tracked {
                    flag(
                        &mut violations,
                        e,
                        format!("the manager tracked receiver {receiver} again without dropping it"),
                    );
                }
                *b = Breaker { tracked: true, ..Breaker::default() };
            }
            kind::DELIVERY_COUNTED if e.get(field::FAILED) == Some("true") => {
                if !b.tracked {
                    let message = format!("the manager counted a failure of receiver {receiver} it does not track");
                    flag(&mut violations, e, message);
                }
                b.failures += 1;
                if b.phase == Phase::Closed && b.failures >= threshold {
                    due.insert(key, Due { cause: e, what: "open the breaker" });
                }
            }
            kind::DELIVERY_COUNTED if b.phase == Phase::Closed => {
                b.failures = 0;
                if b.tracked {
                    due.insert(key, Due { cause: e, what: "drop the state of a closed breaker with no failures" });
                }
            }
            kind::REPLAY_FAILED => {
                b.failures += 1;
                due.insert(key, Due { cause: e, what: "re-open the breaker after a failed replay" });
            }
            kind::BREAKER_OPENED => {
                due.remove(&key);
                let reported = number(e, field::FAILURES);
                let reopening = b.phase == Phase::Replaying;
                if b.phase == Phase::Open || (!reopening && b.failures < threshold) {
                    let message = format!(
                        "the breaker of {receiver} opened while {:?} after {} failures in a row (threshold {threshold})",
                        b.phase, b.failures
                    );
                    flag(&mut violations, e, message);
                } else if reported != Some(b.failures) {
                    let message = format!(
                        "the breaker of {receiver} opened reporting {} failures, but {} failed in a row",
                        reported.map_or("no".to_owned(), |f| f.to_string()),
                        b.failures
                    );
                    flag(&mut violations, e, message);
                }
                b.phase = Phase::Open;
            }
            kind::BREAKER_RESET => b.phase = Phase::Replaying,
            kind::BREAKER_CLOSED => {
                *b = Breaker { tracked: b.tracked, ..Breaker::default() };
                if b.tracked {
                    due.insert(key, Due { cause: e, what: "drop the state of a closed breaker with no failures" });
                }
            }
            kind::PEER_DROPPED => {
                due.remove(&key);
                let down = e.get(field::CAUSE) == Some("down");
                if down && !exited.contains(receiver) && !cut {
                    let message = format!(
                        "the manager dropped receiver {receiver} as down, but it never exited and no partition or \
                         node crash could cut it off"
                    );
                    flag(&mut violations, e, message);
                } else if !down && (b.phase != Phase::Closed || b.failures > 0) {
                    let message = format!(
                        "the manager dropped the state of receiver {receiver} while its breaker was {:?} with {} \
                         failures in a row",
                        b.phase, b.failures
                    );
                    flag(&mut violations, e, message);
                }
                breakers.remove(&key);
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

    fn config() -> Config {
        Config { circuit_breaker_threshold: 2, ..Config::default() }
    }

    fn line(at: &str, event: &str, rest: &str) -> String {
        format!("{at}s otpsim::foundation event={event} by=<0.10.0> {rest}")
    }

    fn judge(lines: &[String]) -> Vec<Violation> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        check(&config(), &events(&lines))
    }

    /// Fail, succeed (count cleared), fail twice (open), reset, replay fails (re-open
    /// with 3), reset, buffer drained (close, drop).
    fn a_breaker_cycle() -> Vec<String> {
        let r = "receiver=<1.4.0>";
        vec![
            line("1.0", "peer_tracked", "peer=<1.4.0>"),
            line("1.0", "delivery_counted", &format!("{r} failed=true")),
            line("1.5", "delivery_counted", &format!("{r} failed=false")),
            line("1.5", "peer_dropped", "peer=<1.4.0> cause=idle"),
            line("2.0", "peer_tracked", "peer=<1.4.0>"),
            line("2.0", "delivery_counted", &format!("{r} failed=true")),
            line("2.5", "delivery_counted", &format!("{r} failed=true")),
            line("2.5", "breaker_opened", &format!("{r} failures=2 threshold=2")),
            line("3.0", "delivery_counted", &format!("{r} failed=false")),
            line("7.5", "breaker_reset", r),
            line("7.6", "replay_failed", &format!("{r} msg=assign(1) seq=0 kept=true")),
            line("7.6", "breaker_opened", &format!("{r} failures=3 threshold=2")),
            line("12.6", "breaker_reset", r),
            line("12.7", "breaker_closed", r),
            line("12.7", "peer_dropped", "peer=<1.4.0> cause=idle"),
        ]
    }

    #[test]
    fn a_breaker_counting_failures_in_a_row_holds() {
        let v = judge(&a_breaker_cycle());
        assert!(v.is_empty(), "{v:?}");
        // A receiver that exits may lose its state while its breaker is open.
        let mut gone = a_breaker_cycle()[..8].to_vec();
        gone.push("3.000000000s otpsim event=exit pid=<1.4.0> reason=killed".to_owned());
        gone.push(line("3.0", "peer_dropped", "peer=<1.4.0> cause=down"));
        assert!(judge(&gone).is_empty(), "{:?}", judge(&gone));
    }

    #[test]
    fn an_opening_after_failures_not_in_a_row_is_flagged() {
        let mut lines = a_breaker_cycle();
        // The success at 1.5 s is not counted as clearing: the manager kept the state.
        lines.remove(3);
        lines.remove(3);
        lines.insert(4, line("2.0", "breaker_opened", "receiver=<1.4.0> failures=2 threshold=2"));
        let v = judge(&lines);
        assert!(v.iter().any(|v| v.message.contains("did not drop the state")), "{v:?}");
        assert!(v.iter().any(|v| v.message.contains("opened while Closed after 1 failures in a row")), "{v:?}");
    }

    #[test]
    fn a_wrong_count_a_missed_opening_and_a_drop_while_open_are_flagged() {
        let mut lines = a_breaker_cycle();
        lines[11] = line("7.6", "breaker_opened", "receiver=<1.4.0> failures=2 threshold=2");
        let v = judge(&lines);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("reporting 2 failures, but 3 failed in a row"), "{}", v[0]);

        let mut missed = a_breaker_cycle()[..7].to_vec();
        missed.push(line("2.6", "delivery_counted", "receiver=<1.4.0> failed=true"));
        let v = judge(&missed);
        assert!(v.iter().any(|v| v.message.contains("did not open the breaker")), "{v:?}");

        let mut dropped = a_breaker_cycle()[..9].to_vec();
        dropped.push(line("3.0", "peer_dropped", "peer=<1.4.0> cause=idle"));
        let v = judge(&dropped);
        assert!(v
            .iter()
            .any(|v| v.message.contains("dropped the state of receiver <1.4.0> while its breaker was Open")));

        let mut down = a_breaker_cycle()[..9].to_vec();
        down.push(line("3.0", "peer_dropped", "peer=<1.4.0> cause=down"));
        let v = judge(&down);
        assert!(v.iter().any(|v| v.message.contains("dropped receiver <1.4.0> as down, but it never exited")), "{v:?}");
        down.insert(0, "0.500000000s otpsim event=partition a=0 b=1".to_owned());
        assert!(judge(&down).is_empty(), "{:?}", judge(&down));
    }

    #[test]
    fn untracked_failures_and_tracking_twice_are_flagged() {
        let v = judge(&[
            line("1.0", "delivery_counted", "receiver=<1.4.0> failed=true"),
            line("1.0", "peer_tracked", "peer=<1.4.0>"),
            line("2.0", "peer_tracked", "peer=<1.4.0>"),
        ]);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].message.contains("counted a failure of receiver <1.4.0> it does not track"), "{}", v[0]);
        assert!(v[1].message.contains("tracked receiver <1.4.0> again"), "{}", v[1]);
    }
}
