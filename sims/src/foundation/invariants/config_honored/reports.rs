//! The agents' report pace of `config_honored`: an agent sends an unacknowledged
//! outcome or release to the coordinator again at most once per [`REPORT_RETRY`].
//!
//! The design has each agent re-send what the coordinator has not acknowledged on one
//! periodic timer, so a coordinator that is down, partitioned away or slow sees one
//! copy of each report per retry interval from each agent, not a storm that grows with
//! the agent's backlog. Judged from `report_sent`, emitted by the sender for each
//! send (duplicated or lost messages on the network do not change it), per agent
//! pid, task, attempt and kind of report. The sends of one instant count as one. The
//! first re-send may come sooner than the interval (the timer was already running for
//! other reports when this one was first sent); every later re-send must come a whole
//! interval after the one before. A restarted agent is a new pid, with its own pace.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::NAME;

/// The design's retry pace for unacknowledged reports and releases (500 ms), stated
/// here rather than read from the port.
pub const REPORT_RETRY: Duration = Duration::from_millis(500);

/// The sends of one report so far.
struct Sends<'a> {
    /// Distinct instants it was sent at.
    instants: usize,
    last: &'a TraceEvent,
}

/// Checks the gap between consecutive re-sends of each report.
pub fn check(events: &[TraceEvent]) -> Vec<Violation> {
    let mut sent: BTreeMap<[&str; 4], Sends> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events.iter().filter(|e| e.kind == kind::REPORT_SENT) {
        let of = |key| e.get(key).unwrap_or("?");
        let key = [of(field::AGENT), of(field::TASK), of(field::ATTEMPT), of(field::REPORT)];
        let Some(sends) = sent.get_mut(&key) else {
            sent.insert(key, Sends { instants: 1, last: e });
            continue;
        };
        let gap = e.time.saturating_sub(sends.last.time);
        if gap.is_zero() {
            continue;
        }
        sends.instants += 1;
        if sends.instants > 2 && gap < REPORT_RETRY {
            let message = format!(
                "agent {} sent the {} of task {} (attempt {}) again {}ms after the previous send, sooner than the \
                 retry interval of {}ms",
                key[0],
                key[3],
                key[1],
                key[2],
                gap.as_millis(),
                REPORT_RETRY.as_millis()
            );
            violations.push(
                Violation::new(NAME, e.time, message).id("pid", key[0]).id("task", key[1]).evidence([sends.last, e]),
            );
        }
        sends.last = e;
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::{events, report_sent};
    use super::*;

    fn run(lines: &[String]) -> Vec<Violation> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        check(&events(&lines))
    }

    #[test]
    fn one_resend_per_interval_holds() {
        let lines = [
            // A restarted agent's first send, twice at once; the shared timer soon after.
            report_sent("1.000000000", "<1.2.0>", 7, "outcome"),
            report_sent("1.000000000", "<1.2.0>", 7, "outcome"),
            report_sent("1.050000000", "<1.2.0>", 7, "outcome"),
            report_sent("1.550000000", "<1.2.0>", 7, "outcome"),
            report_sent("2.050000000", "<1.2.0>", 7, "outcome"),
            // Another task, kind and agent keep their own pace.
            report_sent("1.100000000", "<1.2.0>", 7, "release"),
            report_sent("1.100000000", "<1.2.0>", 8, "outcome"),
            report_sent("1.150000000", "<1.3.0>", 7, "outcome"),
        ];
        assert!(run(&lines).is_empty(), "{:?}", run(&lines));
    }

    #[test]
    fn a_second_timer_resending_the_same_report_is_flagged() {
        // Two timers, armed at 1.0 s and 1.2 s, each re-send the outcome every interval.
        let lines = [
            report_sent("1.000000000", "<1.2.0>", 7, "outcome"),
            report_sent("1.500000000", "<1.2.0>", 7, "outcome"),
            report_sent("1.700000000", "<1.2.0>", 7, "outcome"),
            report_sent("2.000000000", "<1.2.0>", 7, "outcome"),
        ];
        let v = run(&lines);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].message.contains("task 7 (attempt 1) again 200ms after"), "{}", v[0]);
        assert_eq!(v[1].time_ms, 2000);
    }
}
