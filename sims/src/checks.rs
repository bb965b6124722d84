//! End-of-run checks on the runtime's tables that hold for any system once the run
//! has settled: nothing in them points at a dead process, and nothing is in flight.

use otpsim_runtime::{Pid, Tables};

/// Every entry of the tables that names a dead process, and anything still in flight,
/// one description each. Empty when the tables are consistent.
pub fn dead_ends(tables: &Tables) -> Vec<String> {
    let alive = |pid: Pid| tables.process(pid).is_some();
    let mut problems = Vec::new();
    for m in &tables.monitors {
        for (role, pid) in [("watcher", m.watcher), ("target", m.target)] {
            if !alive(pid) {
                problems.push(format!("monitor {} has a dead {role} {pid}", m.monitor));
            }
        }
    }
    for (a, b) in &tables.links {
        if !alive(*a) || !alive(*b) {
            problems.push(format!("link {a} <-> {b} has a dead end"));
        }
    }
    for name in &tables.names {
        if !alive(name.pid) {
            problems.push(format!("name {:?} on {} is held by dead {}", name.name, name.node, name.pid));
        }
    }
    for timer in &tables.timers {
        if matches!(timer.dest, otpsim_runtime::Dest::Pid(dest) if !alive(dest)) {
            problems.push(format!("timer {} is aimed at dead {:?}", timer.timer, timer.dest));
        }
    }
    if tables.in_flight > 0 {
        problems.push(format!("{} messages still in flight after settling", tables.in_flight));
    }
    problems
}
