//! `one_down_per_monitor`: a monitor yields at most one DOWN.
//!
//! Always holds: no monitor reference appears on two delivered DOWN messages. (That
//! every monitor of a dead process does yield its DOWN is `no_dead_ends`'s side: the
//! monitor would stay in the table.)
//!
//! Folded as events arrive: it keeps the first DOWN of each monitor (its evidence), so
//! its memory grows with the DOWNs delivered (deaths), not with the traffic.

use std::collections::BTreeMap;

use super::{field, EventView, TraceEvent, Violation, DELIVER, DOWN_KIND};

const NAME: &str = "one_down_per_monitor";

/// Checks DOWN deliveries per monitor over a whole list of events.
pub fn one_down_per_monitor(events: &[TraceEvent]) -> Vec<Violation> {
    let mut fold = OneDownPerMonitor::default();
    events.iter().for_each(|e| fold.observe(e));
    fold.violations
}

/// DOWN deliveries per monitor, folded event by event.
#[derive(Debug, Default)]
pub struct OneDownPerMonitor {
    first: BTreeMap<String, TraceEvent>,
    violations: Vec<Violation>,
}

impl OneDownPerMonitor {
    /// Takes the next event of the trace.
    pub fn observe(&mut self, e: &impl EventView) {
        if e.kind() != DELIVER || e.get(field::KIND) != Some(DOWN_KIND) {
            return;
        }
        let Some(monitor) = e.get(field::MONITOR) else { return };
        if let Some(earlier) = self.first.get(monitor) {
            let to = e.get(field::TO).unwrap_or("?");
            let message = format!("monitor {monitor} delivered a second DOWN to {to}");
            let v = Violation::new(NAME, e.time(), message).id("ref", monitor);
            self.violations.push(v.evidence([earlier, &e.to_event()]));
        } else {
            self.first.insert(monitor.to_owned(), e.to_event());
        }
    }

    /// The violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lines: &[&str]) -> Vec<Violation> {
        one_down_per_monitor(&TraceEvent::parse_strs(lines))
    }

    #[test]
    fn one_down_per_monitor_holds() {
        let v = check(&[
            "1.000000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=normal",
            "1.000000000s otpsim event=deliver msg=4 from=<0.1.0> to=<0.3.0> kind=down monitor=#Ref<2> reason=normal",
        ]);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_second_down_for_one_monitor_is_flagged() {
        let v = check(&[
            "1.000000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=normal",
            "1.500000000s otpsim event=deliver msg=7 from=<0.1.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=normal",
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].ids[0], ("ref".to_owned(), "#Ref<1>".to_owned()));
        assert_eq!(v[0].evidence_indices(), [1, 2]);
    }
}
