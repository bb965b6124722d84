//! `defects_crash`: a programming defect crashes the process that hit it.
//!
//! Always holds: after a `defect` event (the system is about to panic) or a
//! `defect_injected` event (the harness injected one) naming a pid, that process's
//! next exit comes within `grace` and its reason is a panic — or another crash
//! (killed, noconnection) got there first. A process that is still alive after
//! `grace`, or exits with any other reason, swallowed the defect ("let it crash"
//! broken). Skips defects whose process was already dead.

use std::time::Duration;

use super::{TraceEvent, Violation};
use otpsim_runtime::event::{field, kind};

const NAME: &str = "defects_crash";

/// Checks every defect in `events`; `end` is the run's final simulated time.
pub fn defects_crash(events: &[TraceEvent], end: Duration, grace: Duration) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (i, defect) in
        events.iter().enumerate().filter(|(_, e)| e.kind == kind::DEFECT || e.kind == kind::DEFECT_INJECTED)
    {
        let Some(pid) = defect.get(field::PID) else { continue };
        let exit = events[i..].iter().find(|e| e.kind == kind::EXIT && e.get(field::PID) == Some(pid));
        let violation = match exit {
            None if end.saturating_sub(defect.time) < grace => None,
            None => Some(format!("process {pid} hit a defect and was still alive {}ms later", grace.as_millis())),
            Some(exit) => {
                let reason = exit.get(field::REASON).unwrap_or("");
                let crashed = reason.starts_with("panic") || reason == "killed" || reason == "noconnection";
                if exit.time.saturating_sub(defect.time) > grace {
                    Some(format!(
                        "process {pid} hit a defect but only exited {}ms later",
                        (exit.time - defect.time).as_millis()
                    ))
                } else if !crashed {
                    Some(format!("process {pid} hit a defect and exited with {reason:?} instead of crashing"))
                } else {
                    None
                }
            }
        };
        if let Some(message) = violation {
            let shown = [Some(defect), exit].into_iter().flatten();
            violations.push(Violation::new(NAME, defect.time, message).id("pid", pid).evidence(shown));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(1);

    #[test]
    fn a_defect_followed_by_a_panic_exit_holds() {
        let e = TraceEvent::parse_strs(&[
            "1.000000000s otpsim::shop event=defect task=3 pid=<1.4.0>",
            r#"1.000000100s otpsim event=exit pid=<1.4.0> reason="panic: defect""#,
        ]);
        assert!(defects_crash(&e, Duration::from_secs(9), GRACE).is_empty());
    }

    #[test]
    fn a_swallowed_defect_is_flagged() {
        let e = TraceEvent::parse_strs(&["1.000000000s otpsim::shop event=defect task=3 pid=<1.4.0>"]);
        let v = defects_crash(&e, Duration::from_secs(9), GRACE);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].ids, vec![("pid".to_owned(), "<1.4.0>".to_owned())]);
        assert!(v[0].evidence[0].starts_with("#1 "));
    }

    #[test]
    fn a_defect_turned_into_a_normal_exit_is_flagged() {
        let e = TraceEvent::parse_strs(&[
            "1.000000000s otpsim event=defect_injected pid=<1.4.0>",
            "1.200000000s otpsim event=exit pid=<1.4.0> reason=normal",
        ]);
        assert_eq!(defects_crash(&e, Duration::from_secs(9), GRACE).len(), 1);
    }

    #[test]
    fn a_defect_at_the_very_end_is_not_judged_yet() {
        let e = TraceEvent::parse_strs(&["8.500000000s otpsim event=defect_injected pid=<1.4.0>"]);
        assert!(defects_crash(&e, Duration::from_secs(9), GRACE).is_empty());
    }
}
