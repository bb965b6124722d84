//! `one_down_per_monitor`: a monitor yields at most one DOWN.
//!
//! Always holds: no monitor reference appears on two delivered DOWN messages. (That
//! every monitor of a dead process does yield its DOWN is `no_dead_ends`'s side: the
//! monitor would stay in the table.)

use std::collections::BTreeMap;

use super::{field, TraceEvent, Violation, DELIVER, DOWN_KIND};

const NAME: &str = "one_down_per_monitor";

/// Checks DOWN deliveries per monitor.
pub fn one_down_per_monitor(events: &[TraceEvent]) -> Vec<Violation> {
    let mut first: BTreeMap<&str, &TraceEvent> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events.iter().filter(|e| e.kind == DELIVER && e.get(field::KIND) == Some(DOWN_KIND)) {
        let Some(monitor) = e.get(field::MONITOR) else { continue };
        if let Some(earlier) = first.get(monitor) {
            let to = e.get(field::TO).unwrap_or("?");
            let message = format!("monitor {monitor} delivered a second DOWN to {to}");
            violations.push(Violation::new(NAME, e.time, message).id("ref", monitor).evidence([*earlier, e]));
        } else {
            first.insert(monitor, e);
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_down_per_monitor_holds() {
        let e = TraceEvent::parse_strs(&[
            "1.000000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=normal",
            "1.000000000s otpsim event=deliver msg=4 from=<0.1.0> to=<0.3.0> kind=down monitor=#Ref<2> reason=normal",
        ]);
        assert!(one_down_per_monitor(&e).is_empty());
    }

    #[test]
    fn a_second_down_for_one_monitor_is_flagged() {
        let e = TraceEvent::parse_strs(&[
            "1.000000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=normal",
            "1.500000000s otpsim event=deliver msg=7 from=<0.1.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=normal",
        ]);
        let v = one_down_per_monitor(&e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].ids[0], ("ref".to_owned(), "#Ref<1>".to_owned()));
    }
}
