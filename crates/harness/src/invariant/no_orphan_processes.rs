//! `no_orphan_processes`: every live process is supervised.
//!
//! Holds at the end of the run: each live process is a root supervisor (a
//! `root_start` event names it, or it is linked to a live exempt process that started
//! it, as a node's application master starts its root supervisor), a process whose
//! label the sim exempts (clients, short-lived helpers that die with their owner,
//! application masters), or the current child of a live
//! supervisor — the last `child_start`/`child_restart` event naming it came from a
//! supervisor that is still alive. A process started outside any supervisor (a plain
//! link to its caller) is an orphan: nobody restarts it when it dies. Skips processes
//! without a label.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use otpsim_runtime::{Pid, Tables};

use super::{TraceEvent, Violation};
use otpsim_runtime::event::{field, kind};

const NAME: &str = "no_orphan_processes";

/// Checks the final `tables` against the supervision events; `exempt` are labels of
/// processes that legitimately have no supervisor.
pub fn no_orphan_processes(events: &[TraceEvent], tables: &Tables, exempt: &[&str], end: Duration) -> Vec<Violation> {
    let mut parent: BTreeMap<&str, (&str, &TraceEvent)> = BTreeMap::new();
    let roots: BTreeSet<&str> =
        events.iter().filter(|e| e.kind == kind::ROOT_START).filter_map(|e| e.get(field::PID)).collect();
    for e in events {
        let child = match e.kind.as_str() {
            kind::CHILD_START => e.get(field::PID),
            kind::CHILD_RESTART => e.get(field::NEW_PID),
            _ => None,
        };
        if let (Some(child), Some(sup)) = (child, e.get(field::SUPERVISOR)) {
            parent.insert(child, (sup, e));
        }
    }
    // Sets, not lists: a run with a hundred thousand processes checks each in O(log n).
    let alive: BTreeSet<String> = tables.processes.iter().map(|p| p.pid.to_string()).collect();
    let exempt_pids: BTreeSet<Pid> = tables
        .processes
        .iter()
        .filter(|p| p.label.as_deref().is_some_and(|label| exempt.contains(&label)))
        .map(|p| p.pid)
        .collect();
    let linked_to_exempt: BTreeSet<Pid> = tables
        .links
        .iter()
        .flat_map(|&(a, b)| [(a, b), (b, a)])
        .filter(|(_, other)| exempt_pids.contains(other))
        .map(|(pid, _)| pid)
        .collect();
    let mut violations = Vec::new();
    for process in &tables.processes {
        let Some(label) = process.label.as_deref() else { continue };
        let pid = process.pid.to_string();
        if exempt.contains(&label) || roots.contains(pid.as_str()) || linked_to_exempt.contains(&process.pid) {
            continue;
        }
        match parent.get(pid.as_str()) {
            Some((sup, _)) if alive.contains(*sup) => {}
            Some((sup, started)) => violations.push(
                Violation::new(NAME, end, format!("{label} process {pid} outlived its supervisor {sup}"))
                    .id("pid", &pid)
                    .evidence([*started]),
            ),
            None => violations.push(
                Violation::new(NAME, end, format!("{label} process {pid} was not started by any supervisor"))
                    .id("pid", &pid),
            ),
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use otpsim_runtime::{NodeId, ProcessRow};

    fn row(serial: u64, label: &str) -> ProcessRow {
        ProcessRow {
            pid: Pid { serial, node: NodeId(0), incarnation: 0 },
            name: None,
            label: Some(label.to_owned()),
            trap_exit: false,
            mailbox_len: 0,
        }
    }

    fn tables(rows: Vec<ProcessRow>) -> Tables {
        Tables { processes: rows, ..Tables::default() }
    }

    #[test]
    fn supervised_processes_roots_and_exempt_labels_hold() {
        let e = TraceEvent::parse_all(&[
            "0.000000000s otpsim event=root_start pid=<0.1.0>".to_owned(),
            "1.000000000s otpsim event=child_start supervisor=<0.1.0> child=a pid=<0.2.0>".to_owned(),
        ]);
        let t = tables(vec![row(1, "supervisor"), row(2, "worker"), row(3, "client")]);
        assert!(no_orphan_processes(&e, &t, &["client"], Duration::ZERO).is_empty());
    }

    #[test]
    fn a_process_no_supervisor_started_is_an_orphan() {
        let t = tables(vec![row(1, "client"), row(2, "worker")]);
        let v = no_orphan_processes(&[], &t, &["client"], Duration::ZERO);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].ids[0].1, "<0.2.0>");
    }

    #[test]
    fn a_root_started_by_an_exempt_master_holds() {
        let mut t = tables(vec![row(1, "application_master"), row(2, "supervisor"), row(3, "worker")]);
        t.links = vec![(row(1, "").pid, row(2, "").pid)];
        let v = no_orphan_processes(&[], &t, &["application_master"], Duration::ZERO);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].ids[0].1, "<0.3.0>");
    }

    #[test]
    fn a_child_whose_supervisor_died_is_an_orphan() {
        let e = TraceEvent::parse_all(&[
            "1.000000000s otpsim event=child_start supervisor=<0.9.0> child=a pid=<0.2.0>".to_owned(),
        ]);
        let t = tables(vec![row(2, "worker")]);
        assert_eq!(no_orphan_processes(&e, &t, &[], Duration::ZERO).len(), 1);
    }
}
