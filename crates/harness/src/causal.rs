//! Causal evidence: the chain of events that led to a violation, found by walking
//! happens-before backwards from the lines a checker picked.
//!
//! Happens-before is read from the trace alone. Each event sits on the timelines of
//! what it names: every pid (a message's sender and receiver, a watcher and its
//! target), every monitor ref, every piece of work the system's events name by one
//! of its work fields ([`crate::System::work_fields`], a task id), and the network for
//! partitions, heals and partition drops; an exit with reason `noconnection` also sits on its node's
//! timeline with that node's crash. A delayed delivery (`in_flight_ns`) sits on the
//! receiver's timeline and follows the sender's last event before it was sent. The
//! walk is breadth-first, so the faults it finds first are the nearest upstream ones:
//! an injected crash or defect, a dropped or duplicated message, a node crash or a
//! partition. Each one found is reported with the message hops that lead from it to
//! the symptom. A violation found at a later check (a task still running at the end)
//! also names the crashes that hit the symptom's processes between its last line and
//! the check: the crash that interrupted the work under way.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use otpsim_runtime::event::{cause, field, kind};

use crate::invariant::{TraceEvent, Violation};
use crate::roles::{is_pid, node_of, Roles};

/// Upstream faults reported per violation, at most.
const CAUSES_MAX: usize = 3;
/// Events a backward walk visits before it gives up looking for more causes.
const VISIT_MAX: usize = 200_000;
/// Events of one chain kept between its fault and the symptom.
const HOPS_MAX: usize = 6;
/// Lines the checker picked that are kept beside the chain.
const ANCHORS_MAX: usize = 8;
/// Violations of one invariant whose evidence is traced back; the rest keep the
/// checker's lines (a broken system can violate an invariant once per task).
const TRACED_PER_INVARIANT: usize = 3;

/// The happens-before graph of one trace: for each event, the events just before it
/// on each of its timelines.
pub struct Causality<'a> {
    events: &'a [TraceEvent],
    before: Vec<Vec<u32>>,
    position: BTreeMap<usize, u32>,
}

impl<'a> Causality<'a> {
    /// Builds the graph of `events` (a whole trace, in order); an event also sits on
    /// the timeline of the value of each of its `work_fields`.
    pub fn of(events: &'a [TraceEvent], work_fields: &[&str]) -> Self {
        let mut last: BTreeMap<String, u32> = BTreeMap::new();
        let mut history: BTreeMap<&'a str, Vec<(Duration, u32)>> = BTreeMap::new();
        let mut before = Vec::with_capacity(events.len());
        let mut position = BTreeMap::new();
        for (k, e) in events.iter().enumerate() {
            let k = k as u32;
            position.insert(e.index, k);
            let mut preds = Vec::new();
            let delayed = e.kind == kind::DELIVER && e.get(field::IN_FLIGHT_NS).is_some();
            if delayed {
                let in_flight = e.get(field::IN_FLIGHT_NS).and_then(|n| n.parse().ok());
                if let (Some(from), Some(ns)) = (e.get(field::FROM), in_flight) {
                    let sent = e.time.saturating_sub(Duration::from_nanos(ns));
                    if let Some(h) = history.get(from) {
                        let at = h.partition_point(|(t, _)| *t <= sent);
                        if at > 0 {
                            preds.push(h[at - 1].1);
                        }
                    }
                }
            }
            for timeline in timelines(e, delayed, work_fields) {
                if let Some(prev) = last.insert(timeline, k) {
                    preds.push(prev);
                }
            }
            for (key, value) in &e.fields {
                if is_pid(value) && !(delayed && key == field::FROM) {
                    history.entry(value).or_default().push((e.time, k));
                }
            }
            preds.sort_unstable();
            preds.dedup();
            before.push(preds);
        }
        Causality { events, before, position }
    }

    /// The nearest upstream faults of the events at trace indices `symptoms`, each
    /// with the chain of events from it to a symptom (fault first).
    pub fn upstream(&self, symptoms: &[usize]) -> Vec<Vec<&'a TraceEvent>> {
        let mut seen: BTreeMap<u32, Option<u32>> = BTreeMap::new();
        let mut queue: VecDeque<u32> = VecDeque::new();
        for index in symptoms {
            if let Some(&k) = self.position.get(index) {
                seen.insert(k, None);
                queue.push_back(k);
            }
        }
        let mut found = Vec::new();
        while let Some(k) = queue.pop_front() {
            if seen.len() > VISIT_MAX || found.len() >= CAUSES_MAX {
                break;
            }
            for &p in &self.before[k as usize] {
                if seen.contains_key(&p) {
                    continue;
                }
                seen.insert(p, Some(k));
                let (fault, successor) = (&self.events[p as usize], &self.events[k as usize]);
                if is_fault(fault) && affects(fault, successor) {
                    found.push(p);
                }
                queue.push_back(p);
            }
        }
        found.truncate(CAUSES_MAX);
        found.into_iter().map(|cause| self.chain(cause, &seen)).collect()
    }

    /// Crashes that hit a process the symptoms name after the last of them and by
    /// `until`: what interrupted work the symptoms show under way (a task started on
    /// an agent that then crashed, a result recorded by a process that then lost it).
    pub fn interrupting(&self, symptoms: &[usize], until: Duration) -> Vec<&'a TraceEvent> {
        let positions: Vec<u32> = symptoms.iter().filter_map(|i| self.position.get(i)).copied().collect();
        let Some(&last) = positions.iter().max() else {
            return Vec::new();
        };
        let pids: BTreeSet<&str> =
            positions.iter().flat_map(|&k| self.events[k as usize].fields.values()).filter(|v| is_pid(v)).collect();
        self.events[last as usize + 1..]
            .iter()
            .take_while(|e| e.time <= until)
            .filter(|e| is_crash(e) && hits(e, &pids))
            .take(CAUSES_MAX)
            .collect()
    }

    /// The events from `cause` down to the symptom it was reached from, keeping the
    /// fault, the message hops and the symptom.
    fn chain(&self, cause: u32, seen: &BTreeMap<u32, Option<u32>>) -> Vec<&'a TraceEvent> {
        let mut path = vec![cause];
        let mut at = cause;
        while let Some(Some(next)) = seen.get(&at) {
            path.push(*next);
            at = *next;
        }
        let last = path.len() - 1;
        let mut kept: Vec<&'a TraceEvent> = path
            .iter()
            .enumerate()
            .filter(|(i, k)| *i == 0 || *i == last || is_hop(&self.events[**k as usize]))
            .map(|(_, k)| &self.events[*k as usize])
            .collect();
        if kept.len() > HOPS_MAX {
            let tail = kept.split_off(kept.len() - (HOPS_MAX - 1));
            kept.truncate(1);
            kept.extend(tail);
        }
        kept
    }
}

/// The timelines an event sits on.
fn timelines(e: &TraceEvent, delayed: bool, work_fields: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (key, value) in &e.fields {
        if is_pid(value) {
            if !(delayed && key == field::FROM) {
                out.push(value.to_owned());
            }
        } else if key == field::MONITOR || work_fields.contains(&key) {
            out.push(format!("{key}:{value}"));
        }
    }
    let dropped_by = e.get(field::CAUSE);
    let fault_kind = e.get(field::KIND).filter(|_| e.kind == kind::FAULT);
    if matches!(e.kind.as_str(), kind::PARTITION | kind::PARTITION_ONE_WAY | kind::HEAL | kind::FAULTS_LIFTED)
        || (e.kind == kind::DROP && dropped_by == Some(cause::PARTITION))
        || fault_kind.is_some_and(|k| k.starts_with("partition") || k == "heal")
    {
        out.push("network".to_owned());
    }
    if matches!(e.kind.as_str(), kind::NODE_CRASH | kind::NODE_RESTART) {
        out.extend(e.get(field::NODE).map(|n| format!("node:{n}")));
    }
    if fault_kind.is_some_and(|k| k.starts_with("node_")) {
        out.extend(e.get(field::TARGET).map(|n| format!("node:{n}")));
    }
    if e.kind == kind::EXIT && e.get(field::REASON) == Some("noconnection") {
        out.extend(e.get(field::PID).and_then(node_of).map(|n| format!("node:{n}")));
    }
    out
}

/// An injected fault, a programming defect a workload made a handler hit (a system's
/// [`kind::DEFECT`] event), or a message the network lost, duplicated or cut off.
pub fn is_fault(e: &TraceEvent) -> bool {
    match e.kind.as_str() {
        kind::FAULT
        | kind::DEFECT_INJECTED
        | kind::DEFECT
        | kind::DUPLICATE
        | kind::NODE_CRASH
        | kind::PARTITION
        | kind::PARTITION_ONE_WAY => true,
        kind::DROP => matches!(e.get(field::CAUSE), Some(cause::LOSS | cause::PARTITION | cause::NODE_CRASH)),
        _ => false,
    }
}

/// True if `successor` is on the timeline the fault hit: the receiver of a lost or
/// duplicated message, the crashed process or node. A sender's earlier drop to
/// someone else precedes its later events, but did not lead to them.
fn affects(fault: &TraceEvent, successor: &TraceEvent) -> bool {
    let names = |pid: &str| successor.fields.values().any(|v| v == pid);
    let on_node = |node: &str| {
        successor.get(field::NODE) == Some(node)
            || successor
                .fields
                .values()
                .any(|v| is_pid(v) && node_of(v).map(|n| n.to_string()).as_deref() == Some(node))
    };
    match fault.kind.as_str() {
        kind::DROP | kind::DUPLICATE => fault.get(field::TO).is_some_and(names),
        kind::NODE_CRASH => fault.get(field::NODE).is_some_and(on_node),
        kind::PARTITION | kind::PARTITION_ONE_WAY => true,
        _ => match (fault.get(field::PID), fault.get(field::KIND)) {
            (Some(pid), _) => names(pid),
            (None, Some(k)) if k.starts_with("node_") => fault.get(field::TARGET).is_some_and(on_node),
            _ => true,
        },
    }
}

/// A fault that ends or breaks a process: an injected crash or defect, a node crash.
/// (A message lost after the symptom's last line is not what stopped its work.)
fn is_crash(e: &TraceEvent) -> bool {
    matches!(e.kind.as_str(), kind::FAULT | kind::DEFECT_INJECTED | kind::DEFECT | kind::NODE_CRASH)
        && !e.get(field::KIND).is_some_and(|k| k.starts_with("partition") || k == "heal" || k == "node_restart")
}

/// True if the fault `e` hit one of `pids`: the process crashed or given a defect,
/// the receiver of a lost message, a process on a crashed node.
fn hits(e: &TraceEvent, pids: &BTreeSet<&str>) -> bool {
    let on_node = |node: Option<&str>| pids.iter().any(|p| node_of(p).map(|n| n.to_string()).as_deref() == node);
    match e.kind.as_str() {
        kind::DROP | kind::DUPLICATE => e.get(field::TO).is_some_and(|to| pids.contains(to)),
        kind::NODE_CRASH => on_node(e.get(field::NODE)),
        kind::FAULT if e.get(field::KIND).is_some_and(|k| k.starts_with("node_")) => on_node(e.get(field::TARGET)),
        _ => e.get(field::PID).is_some_and(|pid| pids.contains(pid)),
    }
}

/// A step of a chain worth showing: a message changing hands, or a process ending.
fn is_hop(e: &TraceEvent) -> bool {
    matches!(e.kind.as_str(), kind::DELIVER | kind::DROP | kind::DUPLICATE | kind::EXIT | kind::CHILD_RESTART)
}

/// Rewrites the evidence of `violations` as causal chains over `events` (the whole
/// trace), names the role of every pid in it, and puts the violations in time order.
/// The chains follow the system's `work_fields` as well as pids and monitors.
pub fn explain(mut violations: Vec<Violation>, events: &[TraceEvent], work_fields: &[&str]) -> Vec<Violation> {
    if violations.is_empty() || events.is_empty() {
        return violations;
    }
    violations.sort_by_key(|v| v.time_ms);
    let graph = Causality::of(events, work_fields);
    let roles = Roles::of(events);
    let by_index: BTreeMap<usize, &TraceEvent> = events.iter().map(|e| (e.index, e)).collect();
    let mut traced: BTreeMap<String, usize> = BTreeMap::new();
    for violation in &mut violations {
        let count = traced.entry(violation.invariant.clone()).or_default();
        let mut anchors: Vec<usize> = violation.evidence_indices();
        if anchors.is_empty() {
            anchors = mentions(violation, events);
        }
        anchors.truncate(ANCHORS_MAX);
        let mut lines: BTreeMap<usize, &TraceEvent> =
            anchors.iter().filter_map(|i| by_index.get(i).map(|e| (*i, *e))).collect();
        let mut causes = Vec::new();
        if *count < TRACED_PER_INVARIANT && !anchors.is_empty() {
            *count += 1;
            causes.extend(lines.values().filter(|e| is_fault(e)).map(|e| e.index as u64));
            for chain in graph.upstream(&anchors) {
                causes.extend(chain.first().map(|e| e.index as u64));
                lines.extend(chain.into_iter().map(|e| (e.index, e)));
            }
            let until = Duration::from_millis(violation.time_ms + 1);
            for fault in graph.interrupting(&anchors, until) {
                causes.push(fault.index as u64);
                lines.insert(fault.index, fault);
            }
            causes.sort_unstable();
            causes.dedup();
        }
        violation.evidence = lines.values().map(|e| format!("#{} {}", e.index, roles.annotate(&e.line()))).collect();
        violation.message = roles.annotate(&violation.message);
        violation.causes = causes;
    }
    violations
}

/// Trace indices of the events that name one of the violation's ids, up to its time.
fn mentions(violation: &Violation, events: &[TraceEvent]) -> Vec<usize> {
    let limit = Duration::from_millis(violation.time_ms + 1);
    let named = |e: &TraceEvent| {
        violation.ids.iter().any(|(kind, id)| match kind.as_str() {
            "pid" => e.fields.values().any(|v| v == id),
            "ref" => e.get(field::MONITOR) == Some(id.as_str()),
            other => e.get(other) == Some(id.as_str()),
        })
    };
    let mut found: Vec<usize> = events.iter().filter(|e| e.time <= limit && named(e)).map(|e| e.index).collect();
    let keep_from = found.len().saturating_sub(ANCHORS_MAX);
    found.drain(..keep_from);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The work field of the systems these traces come from.
    const TASK: &[&str] = &["task"];

    #[test]
    fn a_lost_message_upstream_of_the_symptom_is_its_cause() {
        let trace = TraceEvent::parse_strs(&[
            "1.0s otpsim event=spawn pid=<1.2.0> label=agent",
            "1.0s otpsim event=drop cause=loss msg=1 from=<0.1.0> to=<2.3.0> kind=info",
            "2.0s otpsim event=drop cause=loss msg=2 from=<0.1.0> to=<1.2.0> kind=info",
            "2.0s otpsim::app event=task_assigned task=8 agent=<1.2.0>",
            "3.0s otpsim event=deliver msg=3 from=<1.2.0> to=<0.1.0> kind=info",
        ]);
        let v = Violation::new("no_task_lost", Duration::from_secs(40), "lost").id("task", 8);
        let explained = explain(vec![v], &trace, TASK);
        let v = &explained[0];
        assert_eq!(v.causes, vec![3], "{v}");
        assert!(v.evidence.iter().any(|l| l.starts_with("#3 ") && l.contains("cause=loss")), "{v}");
        assert!(v.evidence.iter().all(|l| !l.starts_with("#2 ")), "an unrelated drop is not evidence: {v}");
        assert!(v.evidence.iter().any(|l| l.contains("agent=<1.2.0>[agent]")), "{v}");
    }

    #[test]
    fn a_delayed_delivery_follows_its_send_not_later_sender_events() {
        let trace = TraceEvent::parse_strs(&[
            "1.0s otpsim event=fault kind=crash target=w pid=<0.5.0>",
            "1.0s otpsim event=deliver msg=1 from=<0.9.0> to=<0.5.0> kind=info",
            "2.0s otpsim event=fault kind=crash target=w pid=<0.9.0>",
            "3.0s otpsim event=deliver msg=2 from=<0.9.0> to=<1.1.0> kind=info in_flight_ns=1500000000",
            "3.0s otpsim::app event=task_started task=4 agent=<1.1.0>",
        ]);
        let graph = Causality::of(&trace, TASK);
        let chains = graph.upstream(&[5]);
        let causes: Vec<usize> = chains.iter().map(|c| c[0].index).collect();
        assert_eq!(causes, vec![1], "the crash at 2s came after the send at 0.5s");
        assert_eq!(chains[0].last().map(|e| e.index), Some(5));
    }

    #[test]
    fn a_crash_after_the_work_started_is_named_for_a_violation_found_later() {
        let trace = TraceEvent::parse_strs(&[
            "1.0s otpsim::app event=task_started task=4 agent=<1.1.0> by=<1.1.0>",
            "2.0s otpsim event=fault kind=crash target=w pid=<2.9.0>",
            "3.0s otpsim event=fault kind=crash target=w pid=<1.1.0>",
            "3.0s otpsim event=exit pid=<1.1.0> reason=killed",
        ]);
        let v = Violation::new("no_task_lost", Duration::from_secs(40), "still running").id("task", 4);
        let explained = explain(vec![v], &trace, TASK);
        assert_eq!(explained[0].causes, vec![3], "{}", explained[0]);
        let early = Violation::new("no_task_lost", Duration::from_millis(2500), "still running").id("task", 4);
        assert!(explain(vec![early], &trace, TASK)[0].causes.is_empty(), "a crash after the check is no cause");
    }

    #[test]
    fn violations_come_out_in_time_order() {
        let trace = TraceEvent::parse_strs(&["1.0s otpsim event=spawn pid=<0.1.0>"]);
        let late = Violation::new("a", Duration::from_secs(9), "late");
        let early = Violation::new("b", Duration::from_secs(1), "early");
        let order: Vec<String> = explain(vec![late, early], &trace, TASK).into_iter().map(|v| v.message).collect();
        assert_eq!(order, vec!["early", "late"]);
    }
}
