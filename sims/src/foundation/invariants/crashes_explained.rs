//! Part of `defects_crash`, the converse: a process crashes only where a defect was
//! planned or injected. Every exit with a panic is the panic of a process that traced
//! a `defect` (a task handler's or a workflow step's, from the workload plan) or got a
//! `defect_injected` fault, or carries the very reason of such a crash (a linked
//! process taken down with it). Any other panic is a bug of the system: an overflow,
//! an unwrap of nothing, an index out of range. Supervision hides such crashes (the
//! process restarts, its durable state brings it back), so without this rule a
//! crashing bug passes whenever the restart repairs its damage.

use std::collections::BTreeSet;

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};

const NAME: &str = "defects_crash";

/// Flags each panic no planned or injected defect explains.
pub fn crashes_explained(events: &[TraceEvent]) -> Vec<Violation> {
    let mut defective: BTreeSet<&str> = BTreeSet::new();
    let mut explained: BTreeSet<&str> = BTreeSet::new();
    let mut violations = Vec::new();
    for e in events {
        match e.kind.as_str() {
            kind::DEFECT | kind::DEFECT_INJECTED => {
                defective.extend(e.get(field::PID));
            }
            kind::EXIT => {
                let (Some(pid), Some(reason)) = (e.get(field::PID), e.get(field::REASON)) else { continue };
                if !reason.starts_with("panic") || explained.contains(reason) {
                    continue;
                }
                if defective.contains(pid) {
                    explained.insert(reason);
                    continue;
                }
                let message = format!("process {pid} crashed with no planned or injected defect: {reason}");
                violations.push(Violation::new(NAME, e.time, message).id("pid", pid).evidence([e]));
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::events;
    use super::*;

    #[test]
    fn crashes_of_defects_and_of_their_links_hold() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=defect task=4 pid=<1.2.0>",
            r#"1.000000000s otpsim event=exit pid=<1.2.0> reason="panic: defect in task 4""#,
            r#"1.000000000s otpsim event=exit pid=<1.3.0> reason="panic: defect in task 4""#,
            "2.000000000s otpsim event=defect_injected pid=<1.4.0>",
            r#"2.000000000s otpsim event=exit pid=<1.4.0> reason="panic: injected defect in <1.4.0>""#,
            "3.000000000s otpsim event=exit pid=<1.5.0> reason=killed",
        ]);
        assert!(crashes_explained(&e).is_empty(), "{:?}", crashes_explained(&e));
    }

    #[test]
    fn a_crash_no_defect_explains_is_flagged() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=defect task=4 pid=<1.2.0>",
            r#"2.000000000s otpsim event=exit pid=<1.6.0> reason="panic: overflow when subtracting durations""#,
        ]);
        let v = crashes_explained(&e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("process <1.6.0> crashed with no planned or injected defect: panic: overflow"));
    }
}
