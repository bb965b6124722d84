//! `monitors_never_leak`: no monitor, and no per-peer state, outlives its purpose.
//!
//! Holds at the end of the run:
//! - every monitor in the runtime's tables has both ends alive (the runtime's own
//!   promise: a DOWN or a watcher's death removes it);
//! - every monitor the coordination manager holds in the runtime is one it knows it
//!   holds (its stats list it) — a reference dropped from its map while the monitor
//!   stays active is a leak, and the peer stays monitored forever;
//! - the manager holds no state for a dead peer, and at most one reset timer per peer.
//!
//! Skips the manager checks when the manager did not answer at the end.

use std::collections::BTreeMap;

use otpsim_harness::invariant::Violation;

use super::super::record::Record;

const NAME: &str = "monitors_never_leak";

/// Checks the final tables and the manager's statistics.
pub fn monitors_never_leak(record: &Record) -> Vec<Violation> {
    let t = &record.tables;
    let alive = |pid| t.process(pid).is_some();
    let mut violations = Vec::new();
    for m in &t.monitors {
        if !alive(m.watcher) || !alive(m.target) {
            violations.push(
                Violation::new(
                    NAME,
                    record.end,
                    format!("monitor {} outlived an end ({} -> {})", m.monitor, m.watcher, m.target),
                )
                .id("ref", m.monitor)
                .id("pid", m.target),
            );
        }
    }
    let Some((manager, stats)) = &record.manager else { return violations };
    for m in t.monitors.iter().filter(|m| m.watcher == *manager) {
        if !stats.monitors.contains_key(&m.monitor) {
            violations.push(
                Violation::new(
                    NAME,
                    record.end,
                    format!(
                        "the manager still monitors {} with {}, a monitor it no longer tracks",
                        m.target, m.monitor
                    ),
                )
                .id("ref", m.monitor)
                .id("pid", m.target),
            );
        }
    }
    for (peer, state) in &stats.receivers {
        if !alive(*peer) {
            violations.push(
                Violation::new(NAME, record.end, format!("the manager holds breaker state for dead peer {peer}"))
                    .id("pid", peer)
                    .id("failures", state.failures),
            );
        }
    }
    let mut timers: BTreeMap<_, usize> = BTreeMap::new();
    for timer in t.timers.iter().filter(|timer| timer.owner == *manager) {
        *timers.entry(timer.dest.clone()).or_default() += 1;
    }
    let known_timers = stats.receivers.values().filter(|r| r.reset_timer.is_some()).count();
    let manager_timers: usize = timers.values().sum();
    if manager_timers > known_timers {
        violations.push(
            Violation::new(
                NAME,
                record.end,
                format!("the manager has {manager_timers} pending timers but tracks {known_timers} reset timers"),
            )
            .id("pid", manager),
        );
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use otpsim_runtime::{MonitorRow, Ref};

    #[test]
    fn monitors_the_manager_tracks_hold() {
        let (mut r, manager, agent) = record_with_manager();
        r.tables.monitors.push(MonitorRow { monitor: Ref(5), watcher: manager, target: agent });
        r.manager.as_mut().unwrap().1.monitors.insert(Ref(5), agent);
        assert!(monitors_never_leak(&r).is_empty());
    }

    #[test]
    fn a_monitor_dropped_from_the_managers_map_leaks() {
        let (mut r, manager, agent) = record_with_manager();
        r.tables.monitors.push(MonitorRow { monitor: Ref(5), watcher: manager, target: agent });
        let v = monitors_never_leak(&r);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].ids.contains(&("ref".to_owned(), "#Ref<5>".to_owned())));
    }

    #[test]
    fn breaker_state_for_a_dead_peer_leaks() {
        let (mut r, _, _) = record_with_manager();
        let dead = pid(99);
        r.manager.as_mut().unwrap().1.receivers.insert(dead, receiver_stats());
        assert_eq!(monitors_never_leak(&r).len(), 1);
    }
}
