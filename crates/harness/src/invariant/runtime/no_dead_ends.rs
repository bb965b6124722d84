//! `no_dead_ends`: once an exit is processed, no link, monitor, name or timer still
//! names the dead process.
//!
//! Holds at the end of a run (judged on the tables after settling): every link joins
//! two live processes, every monitor has a live watcher and a live target, every
//! registered name has a live holder, and no timer is aimed at a dead pid. A dead
//! watcher's monitors go with it, a dead target's fire their DOWN, a dead process's
//! links are broken, its names freed and the timers aimed at it cancelled, so anything
//! left is a leak.

use std::time::Duration;

use otpsim_runtime::{Dest, Pid, Tables};

use super::Violation;

const NAME: &str = "no_dead_ends";

/// Checks the end-of-run tables; `end` is the time they were read.
pub fn no_dead_ends(tables: &Tables, end: Duration) -> Vec<Violation> {
    let alive = |pid: Pid| tables.process(pid).is_some();
    let mut violations = Vec::new();
    for m in &tables.monitors {
        for (role, pid) in [("watcher", m.watcher), ("target", m.target)] {
            if !alive(pid) {
                let message =
                    format!("monitor {} from {} on {} has a dead {role} {pid}", m.monitor, m.watcher, m.target);
                violations.push(Violation::new(NAME, end, message).id("ref", m.monitor).id("pid", pid));
            }
        }
    }
    for &(a, b) in &tables.links {
        for pid in [a, b].into_iter().filter(|&p| !alive(p)) {
            let message = format!("link {a} <-> {b} has a dead end {pid}");
            violations.push(Violation::new(NAME, end, message).id("pid", pid));
        }
    }
    for name in tables.names.iter().filter(|n| !alive(n.pid)) {
        let message = format!("name {:?} on {} is held by dead {}", name.name, name.node, name.pid);
        violations.push(Violation::new(NAME, end, message).id("pid", name.pid));
    }
    for timer in &tables.timers {
        if let Dest::Pid(dest) = timer.dest {
            if !alive(dest) {
                let message = format!("timer {} set by {} is aimed at dead {dest}", timer.timer, timer.owner);
                violations.push(Violation::new(NAME, end, message).id("ref", timer.timer).id("pid", dest));
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use otpsim_runtime::{MonitorRow, NameRow, NodeId, ProcessRow, Ref, TimerRow};

    use super::*;

    fn pid(serial: u64) -> Pid {
        Pid { serial, node: NodeId(0), incarnation: 0 }
    }

    fn tables(alive: &[u64]) -> Tables {
        let row = |s: &u64| ProcessRow { pid: pid(*s), name: None, label: None, trap_exit: false, mailbox_len: 0 };
        let mut t = Tables { processes: alive.iter().map(row).collect(), ..Tables::default() };
        t.monitors = vec![MonitorRow { monitor: Ref(1), watcher: pid(1), target: pid(2) }];
        t.links = vec![(pid(1), pid(2))];
        t.names = vec![NameRow { node: NodeId(0), name: "worker".into(), pid: pid(2) }];
        t.timers = vec![TimerRow { timer: Ref(5), owner: pid(1), dest: Dest::Pid(pid(2)) }];
        t
    }

    #[test]
    fn links_and_monitors_between_live_processes_hold() {
        assert!(no_dead_ends(&tables(&[1, 2]), Duration::ZERO).is_empty());
    }

    #[test]
    fn a_link_monitor_name_and_timer_left_after_an_exit_are_flagged() {
        let v = no_dead_ends(&tables(&[1]), Duration::from_secs(9));
        assert_eq!(v.len(), 4, "{v:?}");
        assert!(v[2].message.contains("held by dead <0.2.0>"), "{}", v[2]);
        assert!(v[3].message.contains("aimed at dead <0.2.0>"), "{}", v[3]);
        assert!(v[0].message.contains("dead target <0.2.0>"), "{}", v[0]);
        assert!(v[1].message.contains("dead end <0.2.0>"), "{}", v[1]);
    }
}
