//! The manager's breaker reset of `config_honored`: every opening of a receiver's
//! breaker stays open at least `breaker_reset` before the manager resets it and
//! replays the receiver's buffer. A reset pairs with the latest opening of the same
//! receiver: a breaker that opens again (after a failed replay, or anew) waits a whole
//! `breaker_reset` from that opening, whatever timers an earlier opening left behind.
//! A restarted manager starts with every breaker closed, so its first reset of a
//! receiver follows its own opening; a reset with no opening since the last one is
//! flagged too (a breaker reset twice, or an opening the trace does not show).

use std::collections::BTreeMap;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::Config;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::NAME;

/// Checks each `breaker_reset` against the receiver's latest `breaker_opened`.
pub fn check(config: &Config, events: &[TraceEvent]) -> Vec<Violation> {
    let wait = config.breaker_reset;
    let mut opened: BTreeMap<&str, &TraceEvent> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events {
        let Some(receiver) = e.get(field::RECEIVER) else { continue };
        match e.kind.as_str() {
            kind::BREAKER_OPENED => {
                opened.insert(receiver, e);
            }
            kind::BREAKER_RESET => {
                let Some(open) = opened.remove(receiver) else {
                    let message = format!("breaker of {receiver} reset, but it had not opened since its last reset");
                    violations.push(Violation::new(NAME, e.time, message).id("pid", receiver).evidence([e]));
                    continue;
                };
                let after = e.time.saturating_sub(open.time);
                if after < wait {
                    let message = format!(
                        "breaker of {receiver} opened at {}ms and reset {}ms later, before breaker_reset of {}ms",
                        open.time.as_millis(),
                        after.as_millis(),
                        wait.as_millis()
                    );
                    violations.push(Violation::new(NAME, e.time, message).id("pid", receiver).evidence([open, e]));
                }
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::super::fixtures::events;
    use super::*;

    fn config() -> Config {
        Config { breaker_reset: Duration::from_secs(1), ..Config::default() }
    }

    #[test]
    fn openings_that_last_a_whole_reset_hold() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=2 threshold=2",
            "2.000000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
            "2.100000000s otpsim::foundation event=replay_failed receiver=<1.2.0> msg=1 seq=1 kept=true",
            "2.100000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=3 threshold=2",
            "2.500000000s otpsim::foundation event=breaker_opened receiver=<1.3.0> failures=2 threshold=2",
            "3.200000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
            "3.500000000s otpsim::foundation event=breaker_reset receiver=<1.3.0>",
        ]);
        assert!(check(&config(), &e).is_empty(), "{:?}", check(&config(), &e));
    }

    #[test]
    fn a_reset_before_the_latest_opening_has_waited_is_flagged() {
        // The second opening's reset comes from the first opening's timer.
        let e = events(&[
            "1.000000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=2 threshold=2",
            "1.400000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=2 threshold=2",
            "2.000000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
        ]);
        let v = check(&config(), &e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("opened at 1400ms and reset 600ms later"), "{}", v[0]);
        assert_eq!(v[0].time_ms, 2000);
    }

    #[test]
    fn a_reset_with_no_opening_since_the_last_is_flagged() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=breaker_opened receiver=<1.2.0> failures=2 threshold=2",
            "2.000000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
            "3.000000000s otpsim::foundation event=breaker_reset receiver=<1.2.0>",
            "3.500000000s otpsim::foundation event=breaker_reset receiver=<1.3.0>",
        ]);
        let v = check(&config(), &e);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].message.contains("breaker of <1.2.0> reset, but it had not opened since"), "{}", v[0]);
        assert_eq!(v[1].time_ms, 3500);
    }
}
