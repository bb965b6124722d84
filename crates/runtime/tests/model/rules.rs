//! The end-of-run rules, read straight off the runtime (not the model), so they hold
//! even where the model and the runtime might share a mistake: every monitor got
//! exactly one DOWN, or was demonitored, or lost its watcher, or is still active
//! between two live ends; no monitor or link has a dead end.

use std::collections::{BTreeMap, BTreeSet};

use otpsim_runtime::{Pid, Ref, Tables};

use crate::puppet::Note;

/// Checks the rules on every note the puppets wrote and the final tables.
pub fn check(notes: &[(Pid, Note)], tables: &Tables) -> Result<(), String> {
    let live: BTreeSet<Pid> = tables.processes.iter().map(|row| row.pid).collect();
    for m in &tables.monitors {
        if !live.contains(&m.watcher) || !live.contains(&m.target) {
            return Err(format!("monitor {} outlives an end ({} watches {})", m.monitor, m.watcher, m.target));
        }
    }
    for (a, b) in &tables.links {
        if !live.contains(a) || !live.contains(b) {
            return Err(format!("link {a} <-> {b} outlives an end"));
        }
    }
    let mut owners: BTreeMap<Ref, Pid> = BTreeMap::new();
    let mut downs: BTreeMap<Ref, Vec<Pid>> = BTreeMap::new();
    for (pid, note) in notes {
        match note {
            Note::Monitored(mref) => {
                let earlier = owners.insert(*mref, *pid);
                if let Some(earlier) = earlier {
                    return Err(format!("monitor reference {mref} was handed to {earlier} and {pid}"));
                }
            }
            Note::Down(down) => downs.entry(down.monitor).or_default().push(*pid),
            _ => {}
        }
    }
    if let Some(stray) = downs.keys().find(|mref| !owners.contains_key(mref)) {
        return Err(format!("a DOWN arrived for {stray}, which no monitor call returned"));
    }
    for (&mref, &watcher) in &owners {
        let receivers = downs.get(&mref).map_or(&[][..], Vec::as_slice);
        let active = tables.monitors.iter().any(|m| m.monitor == mref);
        let removed_by_demonitor = notes.iter().any(|(pid, note)| {
            *pid == watcher && matches!(note, Note::Demonitored { monitor, active: true, .. } if *monitor == mref)
        });
        let flushed = notes.iter().any(|(pid, note)| {
            *pid == watcher && matches!(note, Note::Demonitored { monitor, flush: true, .. } if *monitor == mref)
        });
        if let Some(other) = receivers.iter().find(|p| **p != watcher) {
            return Err(format!("the DOWN of {mref} (watcher {watcher}) went to {other}"));
        }
        match receivers.len() {
            0 if active || removed_by_demonitor || flushed || !live.contains(&watcher) => {}
            0 => {
                return Err(format!(
                    "monitor {mref} of live {watcher} got no DOWN, was not demonitored, and is not active"
                ))
            }
            1 if active => return Err(format!("monitor {mref} got its DOWN and is still active")),
            1 if removed_by_demonitor => return Err(format!("monitor {mref} got a DOWN after a demonitor removed it")),
            1 => {}
            n => return Err(format!("monitor {mref} got {n} DOWN messages")),
        }
    }
    Ok(())
}
