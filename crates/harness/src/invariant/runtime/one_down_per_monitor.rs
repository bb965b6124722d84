//! `one_down_per_monitor`: a monitor yields at most one DOWN.
//!
//! Always holds: no monitor reference appears on two delivered DOWN messages. (That
//! every monitor of a dead process does yield its DOWN is `no_dead_ends`'s side: the
//! monitor would stay in the table.)
//!
//! Folded as events arrive: it keeps what the first DOWN of each monitor is written
//! from when a second one comes (its evidence), so its memory grows with the DOWNs
//! delivered (deaths), not with the traffic.

use std::time::Duration;

use otpsim_runtime::Pid;

use crate::lookup_map::LookupMap;

use super::{field, EventView, TraceEvent, Violation, Who, DELIVER, DOWN_KIND};

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
    /// Monitor -> its first DOWN.
    first: LookupMap<String, FirstDown>,
    violations: Vec<Violation>,
}

/// A delivered DOWN, kept as what its event is written from: the fields a DOWN
/// delivery has, in the order the runtime emits them.
#[derive(Debug)]
struct FirstDown {
    index: usize,
    time: Duration,
    msg: Option<u64>,
    from: Option<Who>,
    to: Option<Who>,
    in_flight_ns: Option<u64>,
    reason: Option<String>,
    by: Option<Pid>,
}

impl FirstDown {
    fn of(e: &impl EventView) -> FirstDown {
        FirstDown {
            index: e.index(),
            time: e.time(),
            msg: e.number(field::MSG),
            from: Who::of(e, field::FROM),
            to: Who::of(e, field::TO),
            in_flight_ns: e.number(field::IN_FLIGHT_NS),
            reason: e.get(field::REASON).map(str::to_owned),
            by: e.pid(field::BY),
        }
    }

    /// The DOWN's event, for evidence.
    fn event(&self, monitor: &str) -> TraceEvent {
        let text = |n: Option<u64>| n.map(|n| n.to_string());
        let fields: [(&str, Option<String>); 8] = [
            (field::MSG, text(self.msg)),
            (field::FROM, self.from.as_ref().map(Who::to_text)),
            (field::TO, self.to.as_ref().map(Who::to_text)),
            (field::KIND, Some(DOWN_KIND.to_owned())),
            (field::IN_FLIGHT_NS, text(self.in_flight_ns)),
            (field::MONITOR, Some(monitor.to_owned())),
            (field::REASON, self.reason.clone()),
            (field::BY, self.by.map(|by| by.to_string())),
        ];
        let fields: Vec<(&str, &str)> =
            fields.iter().filter_map(|(name, value)| Some((*name, value.as_deref()?))).collect();
        TraceEvent::new(self.index, self.time, otpsim_runtime::event::TARGET, DELIVER, &fields)
    }
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
            self.violations.push(v.evidence([&earlier.event(monitor), &e.to_event()]));
        } else {
            self.first.insert(monitor.to_owned(), FirstDown::of(e));
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

    #[test]
    fn the_first_down_is_shown_as_the_trace_has_it() {
        let first = "1.000000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=down in_flight_ns=0 monitor=#Ref<1> reason=normal by=<0.1.0>";
        let v = check(&[
            first,
            "1.500000000s otpsim event=deliver msg=7 from=<0.1.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=normal",
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].evidence[0], format!("#1 {first}"));
    }
}
