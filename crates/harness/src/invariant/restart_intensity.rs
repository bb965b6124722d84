//! `restart_intensity`: no supervisor restarts children more often than the
//! production limit allows.
//!
//! Always holds: for every supervisor, no window of length `within` contains more
//! than `max_restarts` restart decisions (`restart_counted` events); past that, OTP
//! says the supervisor must give up and escalate. The limit is the production one the
//! scenario configures, not whatever the supervisor was started with — that is the
//! point: a tree running with looser limits than production hides crash loops.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{of_kind, TraceEvent, Violation};
use otpsim_runtime::event::{field, kind};

const NAME: &str = "restart_intensity";

/// Checks restart decisions against `max_restarts` within `within`.
pub fn restart_intensity(events: &[TraceEvent], max_restarts: u32, within: Duration) -> Vec<Violation> {
    let mut by_supervisor: BTreeMap<&str, Vec<&TraceEvent>> = BTreeMap::new();
    for e in of_kind(events, kind::RESTART_COUNTED) {
        if let Some(sup) = e.get(field::SUPERVISOR) {
            by_supervisor.entry(sup).or_default().push(e);
        }
    }
    let mut violations = Vec::new();
    for (sup, restarts) in by_supervisor {
        let limit = max_restarts as usize;
        for (i, last) in restarts.iter().enumerate().skip(limit) {
            let first = restarts[i - limit];
            if last.time.saturating_sub(first.time) <= within {
                let message = format!(
                    "supervisor {sup} restarted {} times within {}ms (production limit: {max_restarts} in {}ms)",
                    limit + 1,
                    (last.time - first.time).as_millis(),
                    within.as_millis()
                );
                let shown = restarts[i - limit..=i].iter().copied();
                violations.push(Violation::new(NAME, last.time, message).id("pid", sup).evidence(shown));
                break;
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restarts(times_ms: &[u64]) -> Vec<TraceEvent> {
        let lines: Vec<String> = times_ms
            .iter()
            .map(|t| {
                format!(
                    "{}.{:09}s otpsim event=restart_counted supervisor=<0.1.0> child=w",
                    t / 1000,
                    (t % 1000) * 1_000_000
                )
            })
            .collect();
        TraceEvent::parse_all(&lines)
    }

    #[test]
    fn restarts_within_the_limit_hold() {
        assert!(restart_intensity(&restarts(&[0, 1000, 2000, 6000, 7000]), 3, Duration::from_secs(5)).is_empty());
    }

    #[test]
    fn one_restart_too_many_in_the_window_is_flagged() {
        let v = restart_intensity(&restarts(&[0, 1000, 2000, 3000]), 3, Duration::from_secs(5));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].time_ms, 3000);
        assert_eq!(v[0].evidence.len(), 4);
    }
}
