//! `exit_reasons`: every exit, DOWN and EXIT reason agrees with what happened.
//!
//! Always holds:
//! - an untrappable kill ends a process `killed`: no exit, DOWN or EXIT message carries
//!   `kill`, and a process the fault injector crashed exits `killed`;
//! - a node crash ends its processes `noconnection` (which is what their watchers and
//!   links elsewhere then see);
//! - a DOWN carries its target's exit reason; or `noproc` if the target was not alive
//!   when monitored; or `noconnection` if the target is on another node (a crash or a
//!   partition between them). A DOWN for a living target is never `noproc`.
//!
//! An EXIT message's reason may be anything `exit/2` sent, so only `kill` is judged.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use otpsim_runtime::Pid;

use crate::lookup_map::LookupMap;
use crate::scenario::FaultKind;

use super::{
    field, EventView, TraceEvent, Violation, Who, DELIVER, DOWN_KIND, EXIT, EXIT_KIND, FAULT, NODE_CRASH, NODE_RESTART,
    SPAWN,
};

const NAME: &str = "exit_reasons";

const KILL: &str = "kill";
const KILLED: &str = "killed";
const NOPROC: &str = "noproc";
const NOCONNECTION: &str = "noconnection";

/// Checks exit reasons, and the reasons DOWN and EXIT messages carry, over a whole list of events.
pub fn exit_reasons(events: &[TraceEvent]) -> Vec<Violation> {
    let mut fold = ExitReasons::default();
    events.iter().for_each(|e| fold.observe(e));
    fold.violations
}

/// Exit reasons and the reasons DOWN and EXIT messages carry, folded event by event.
///
/// It keeps the live pids, the crashed nodes, each exited pid's exit (a later DOWN's
/// reason is judged against it) and each pending injected crash: its memory grows with
/// the processes, not with the traffic.
#[derive(Debug, Default)]
pub struct ExitReasons {
    exited: LookupMap<Who, Exited>,
    alive: BTreeSet<Who>,
    crashed_nodes: BTreeSet<u32>,
    being_killed: BTreeMap<Who, TraceEvent>,
    violations: Vec<Violation>,
}

/// A process's exit, as a later DOWN for it is judged: its reason, and what its
/// event is written from when a DOWN does not fit (its pid, reason and actor, at its
/// time and trace number), so no copy of each exit event is made.
#[derive(Debug)]
struct Exited {
    reason: String,
    index: usize,
    time: Duration,
    by: Option<Pid>,
}

impl Exited {
    /// The exit event of `who`, for evidence.
    fn event(&self, who: &Who) -> TraceEvent {
        let by = self.by.map(|by| by.to_string());
        let fields = [(field::PID, who.to_text()), (field::REASON, self.reason.clone())];
        let fields: Vec<(&str, &str)> = (fields.iter().map(|(name, value)| (*name, value.as_str())))
            .chain(by.as_deref().map(|by| (field::BY, by)))
            .collect();
        TraceEvent::new(self.index, self.time, otpsim_runtime::event::TARGET, EXIT, &fields)
    }
}

impl ExitReasons {
    /// Takes the next event of the trace.
    pub fn observe(&mut self, e: &impl EventView) {
        match e.kind() {
            SPAWN => self.alive.extend(Who::of(e, field::PID)),
            NODE_CRASH => self.crashed_nodes.extend(e.get(field::NODE).and_then(node_of_name)),
            NODE_RESTART => {
                if let Some(node) = e.get(field::NODE).and_then(node_of_name) {
                    self.crashed_nodes.remove(&node);
                }
            }
            FAULT if e.get(field::KIND) == Some(FaultKind::Crash.name()) => {
                if let Some(pid) = Who::of(e, field::PID) {
                    self.being_killed.insert(pid, e.to_event());
                }
            }
            EXIT => self.exit(e),
            DELIVER => self.deliver(e),
            _ => {}
        }
    }

    /// The violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    fn flag(&mut self, e: &impl EventView, cause: Option<&TraceEvent>, pid: &str, message: String) {
        let v = Violation::new(NAME, e.time(), message).id("pid", pid);
        self.violations.push(v.evidence(cause.into_iter().chain([&e.to_event()])));
    }

    fn exit(&mut self, e: &impl EventView) {
        let (Some(who), Some(reason)) = (Who::of(e, field::PID), e.get(field::REASON)) else { return };
        self.alive.remove(&who);
        let killed_by = self.being_killed.remove(&who);
        let on_crashed = who.node().is_some_and(|n| self.crashed_nodes.contains(&n));
        let exited = Exited { reason: reason.to_owned(), index: e.index(), time: e.time(), by: e.pid(field::BY) };
        self.exited.insert(who, exited);
        // The pid's text is read only for a violation.
        let pid = || e.get(field::PID).unwrap_or_default();
        if reason == KILL {
            self.flag(e, None, pid(), format!("{} exited `kill`: a kill ends a process `killed`", pid()));
        } else if let Some(fault) = killed_by.filter(|_| reason != KILLED) {
            self.flag(e, Some(&fault), pid(), format!("{} was killed but exited `{reason}`, not `killed`", pid()));
        } else if on_crashed && reason != NOCONNECTION {
            let message = format!("{} died with its node but exited `{reason}`, not `noconnection`", pid());
            self.flag(e, None, pid(), message);
        }
    }

    fn deliver(&mut self, e: &impl EventView) {
        // Pids are read as numbers; their text is read only for a violation.
        let kind = e.get(field::KIND);
        let Some(reason) = e.get(field::REASON) else { return };
        let (Some(sender), Some(receiver)) = (Who::of(e, field::FROM), Who::of(e, field::TO)) else { return };
        let text = |key| e.get(key).unwrap_or_default();
        if kind == Some(EXIT_KIND) && reason == KILL {
            let (from, to) = (text(field::FROM), text(field::TO));
            self.flag(e, None, to, format!("{to} got an EXIT `kill` from {from}: kill is untrappable"));
        }
        if kind != Some(DOWN_KIND) {
            return;
        }
        let remote = sender.node() != receiver.node();
        let exit = self.exited.get(&sender);
        let exit_reason = exit.map(|x| x.reason.as_str());
        let alive = self.alive.contains(&sender);
        let fits = match reason {
            NOCONNECTION => remote || exit_reason == Some(NOCONNECTION),
            NOPROC => !alive,
            other => exit_reason == Some(other),
        };
        if !fits {
            let was = match (exit_reason, alive) {
                (Some(r), _) => format!("exited `{r}`"),
                (None, true) => "is alive".to_owned(),
                (None, false) => "never exited".to_owned(),
            };
            let where_ = if remote { "on another node" } else { "on its node" };
            let (from, to) = (text(field::FROM), text(field::TO));
            let message = format!("{to} got a DOWN `{reason}` for {from} ({where_}), which {was}");
            let exit = exit.map(|x| x.event(&sender));
            self.flag(e, exit.as_ref(), from, message);
        }
    }
}

/// A node's number from its name as `node_crash` writes it (`n1` or `1`).
fn node_of_name(node: &str) -> Option<u32> {
    node.trim_start_matches(|c: char| !c.is_ascii_digit()).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lines: &[&str]) -> Vec<Violation> {
        exit_reasons(&TraceEvent::parse_strs(lines))
    }

    #[test]
    fn reasons_that_match_what_happened_hold() {
        let v = check(&[
            "0.100000000s otpsim event=spawn pid=<1.2.0>",
            "0.100000000s otpsim event=spawn pid=<0.3.0>",
            "1.000000000s otpsim event=fault kind=crash target=worker pid=<0.3.0>",
            "1.000000000s otpsim event=exit pid=<0.3.0> reason=killed",
            "1.000000000s otpsim event=deliver msg=3 from=<0.3.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=killed",
            "2.000000000s otpsim event=node_crash node=n1",
            "2.000000000s otpsim event=exit pid=<1.2.0> reason=noconnection",
            "2.000000000s otpsim event=deliver msg=4 from=<1.2.0> to=<0.2.0> kind=down monitor=#Ref<2> reason=noconnection",
            "2.500000000s otpsim event=deliver msg=5 from=<1.2.0> to=<0.4.0> kind=down monitor=#Ref<3> reason=noproc",
            "3.000000000s otpsim event=node_restart node=n1 incarnation=1",
            "3.100000000s otpsim event=deliver msg=6 from=<1.7.1> to=<0.2.0> kind=down monitor=#Ref<4> reason=noconnection",
            "3.200000000s otpsim event=deliver msg=7 from=<0.0.0> to=<0.2.0> kind=exit reason=noproc",
        ]);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_node_crash_that_kills_instead_of_disconnecting_is_flagged() {
        let v = check(&[
            "2.000000000s otpsim event=node_crash node=n1",
            "2.000000000s otpsim event=exit pid=<1.2.0> reason=killed",
            "2.000000000s otpsim event=deliver msg=4 from=<1.2.0> to=<1.5.0> kind=down monitor=#Ref<2> reason=killed",
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("died with its node but exited `killed`"), "{}", v[0]);
    }

    #[test]
    fn a_kill_that_is_not_killed_and_downs_that_do_not_match_are_flagged() {
        let v = check(&[
            "0.100000000s otpsim event=spawn pid=<0.3.0>",
            "0.100000000s otpsim event=spawn pid=<0.5.0>",
            "1.000000000s otpsim event=fault kind=crash target=worker pid=<0.3.0>",
            "1.000000000s otpsim event=exit pid=<0.3.0> reason=normal by=<0.3.0>",
            "1.000000000s otpsim event=deliver msg=3 from=<0.3.0> to=<0.2.0> kind=down monitor=#Ref<1> reason=shutdown",
            "1.100000000s otpsim event=deliver msg=4 from=<0.5.0> to=<0.2.0> kind=down monitor=#Ref<2> reason=noproc",
            "1.200000000s otpsim event=deliver msg=5 from=<0.5.0> to=<0.2.0> kind=down monitor=#Ref<3> reason=noconnection",
            "1.300000000s otpsim event=exit pid=<0.6.0> reason=kill",
        ]);
        assert_eq!(v.len(), 5, "{v:?}");
        assert!(v[0].message.contains("was killed but exited `normal`"), "{}", v[0]);
        assert!(v[1].message.contains("DOWN `shutdown` for <0.3.0> (on its node), which exited `normal`"), "{}", v[1]);
        // The exit it is judged against is shown as the trace has it.
        assert_eq!(v[1].evidence_indices(), [4, 5]);
        assert_eq!(v[1].evidence[0], "#4 1.000000000s otpsim event=exit pid=<0.3.0> reason=normal by=<0.3.0>");
        assert!(v[2].message.contains("DOWN `noproc` for <0.5.0> (on its node), which is alive"), "{}", v[2]);
        assert!(v[3].message.contains("DOWN `noconnection`"), "{}", v[3]);
        assert!(v[4].message.contains("exited `kill`"), "{}", v[4]);
    }
}
