//! Chrome trace-event JSON, as ui.perfetto.dev and chrome://tracing open it: a
//! process per node and a thread per otpsim process, slices for calls and the
//! server's handling of them, a short slice at every send and receipt joined by a
//! flow arrow, and instants for faults, crashes, restarts and violations.
//!
//! Timestamps are microseconds with nanosecond decimals. Slices on one thread are
//! trimmed so they nest, as the format requires.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::picture::{Fate, Picture};
use crate::invariant::Violation;

/// The length of the slice marking a send or a receipt: one nanosecond.
const TICK_US: f64 = 0.001;

fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// One slice before nesting is enforced.
struct Slice {
    tid: u64,
    pid: u32,
    start_ns: u64,
    end_ns: u64,
    name: String,
    args: Value,
}

/// The Chrome trace of `picture`, with `violations` as global instants.
pub fn chrome_trace(picture: &Picture, violations: &[Violation]) -> String {
    let mut events: Vec<Value> = Vec::new();
    let procs = &picture.processes;
    let mut nodes: Vec<u32> = procs.iter().map(|p| p.node).collect();
    nodes.dedup();
    for node in &nodes {
        events.push(json!({"ph": "M", "name": "process_name", "pid": node, "tid": 0, "ts": 0, "args": {"name": format!("node {node}")}}));
        events.push(json!({"ph": "M", "name": "process_sort_index", "pid": node, "tid": 0, "ts": 0, "args": {"sort_index": node}}));
    }
    for p in procs {
        let name = if p.role.is_empty() { p.pid.clone() } else { format!("{} {}", p.role, p.pid) };
        events.push(
            json!({"ph": "M", "name": "thread_name", "pid": p.node, "tid": p.serial, "ts": 0, "args": {"name": name}}),
        );
        events.push(json!({"ph": "M", "name": "thread_sort_index", "pid": p.node, "tid": p.serial, "ts": 0, "args": {"sort_index": p.serial}}));
    }
    let mut slices: Vec<Slice> = Vec::new();
    let label = |i: usize| if procs[i].role.is_empty() { procs[i].pid.clone() } else { procs[i].role.clone() };
    for (flow, m) in picture.messages.iter().enumerate() {
        let (from, to) = (&procs[m.from], &procs[m.to]);
        let args =
            json!({"msg": m.id, "trace_index": m.index, "from": from.pid, "to": to.pid, "fate": fate_name(&m.fate)});
        let send_name = match &m.fate {
            Fate::Dropped(cause) => format!("send {} to {} (dropped: {cause})", m.kind, label(m.to)),
            _ => format!("send {} to {}", m.kind, label(m.to)),
        };
        slices.push(Slice {
            tid: from.serial,
            pid: from.node,
            start_ns: m.sent_ns,
            end_ns: m.sent_ns,
            name: send_name,
            args: args.clone(),
        });
        if let Fate::Dropped(cause) = &m.fate {
            events.push(json!({"ph": "i", "s": "t", "name": format!("drop ({cause})"), "cat": "fault", "pid": from.node, "tid": from.serial, "ts": us(m.sent_ns), "args": args}));
            continue;
        }
        let recv_name = format!("recv {} from {}", m.kind, label(m.from));
        slices.push(Slice { tid: to.serial, pid: to.node, start_ns: m.at_ns, end_ns: m.at_ns, name: recv_name, args });
        events.push(json!({"ph": "s", "id": flow, "cat": "msg", "name": m.kind, "pid": from.node, "tid": from.serial, "ts": us(m.sent_ns)}));
        events.push(json!({"ph": "f", "bp": "e", "id": flow, "cat": "msg", "name": m.kind, "pid": to.node, "tid": to.serial, "ts": us(m.at_ns)}));
    }
    slices.extend(calls(picture));
    events.extend(nested(slices));
    for mark in &picture.marks {
        let (pid, tid, scope) = match (mark.process, mark.node) {
            (Some(p), _) => (procs[p].node, procs[p].serial, "t"),
            (None, Some(node)) => (node, 0, "p"),
            (None, None) => (nodes.first().copied().unwrap_or(0), 0, "g"),
        };
        events.push(json!({"ph": "i", "s": scope, "name": mark.kind, "cat": "fault", "pid": pid, "tid": tid, "ts": us(mark.at_ns), "args": {"event": mark.text, "trace_index": mark.index}}));
    }
    for v in violations {
        events.push(json!({"ph": "i", "s": "g", "name": format!("violation: {}", v.invariant), "cat": "violation", "pid": nodes.first().copied().unwrap_or(0), "tid": 0, "ts": us(v.time_ms * 1_000_000), "args": {"message": v.message, "evidence": v.evidence}}));
    }
    json!({"traceEvents": events, "displayTimeUnit": "ns"}).to_string()
}

fn fate_name(fate: &Fate) -> String {
    match fate {
        Fate::Delivered => "delivered".into(),
        Fate::Delayed => "delayed".into(),
        Fate::Duplicated => "duplicated".into(),
        Fate::Dropped(cause) => format!("dropped ({cause})"),
    }
}

/// Calls as slices: the caller's from sending the call to receiving the reply, the
/// server's from receiving it to sending the reply. A call is paired with the next
/// reply the server sends its caller.
fn calls(picture: &Picture) -> Vec<Slice> {
    let procs = &picture.processes;
    let mut open: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    let mut slices = Vec::new();
    for (i, m) in picture.messages.iter().enumerate() {
        match (m.kind.as_str(), &m.fate) {
            ("call", Fate::Dropped(_)) => {}
            ("call", _) => open.entry((m.from, m.to)).or_default().push(i),
            ("reply", _) => {
                let Some(call) =
                    open.get_mut(&(m.to, m.from)).and_then(|calls| (!calls.is_empty()).then(|| calls.remove(0)))
                else {
                    continue;
                };
                let call = &picture.messages[call];
                let (caller, server) = (&procs[call.from], &procs[call.to]);
                let server_name = if server.role.is_empty() { server.pid.clone() } else { server.role.clone() };
                let caller_name = if caller.role.is_empty() { caller.pid.clone() } else { caller.role.clone() };
                let end = if matches!(m.fate, Fate::Dropped(_)) { m.sent_ns } else { m.at_ns };
                slices.push(Slice {
                    tid: caller.serial,
                    pid: caller.node,
                    start_ns: call.sent_ns,
                    end_ns: end.max(call.sent_ns),
                    name: format!("call {server_name}"),
                    args: json!({"msg": call.id}),
                });
                slices.push(Slice {
                    tid: server.serial,
                    pid: server.node,
                    start_ns: call.at_ns,
                    end_ns: m.sent_ns.max(call.at_ns),
                    name: format!("handle call from {caller_name}"),
                    args: json!({"msg": call.id}),
                });
            }
            _ => {}
        }
    }
    slices
}

/// `X` events whose slices nest on each thread: a slice that would end after the one
/// enclosing it is cut at that one's end.
fn nested(mut slices: Vec<Slice>) -> Vec<Value> {
    slices.sort_by(|a, b| (a.pid, a.tid, a.start_ns, b.end_ns).cmp(&(b.pid, b.tid, b.start_ns, a.end_ns)));
    let mut out = Vec::with_capacity(slices.len());
    let mut stack: Vec<(u32, u64, u64)> = Vec::new();
    for s in slices {
        while stack.last().is_some_and(|&(pid, tid, end)| pid != s.pid || tid != s.tid || end <= s.start_ns) {
            stack.pop();
        }
        let end = match stack.last() {
            Some(&(_, _, outer)) => s.end_ns.min(outer),
            None => s.end_ns,
        };
        let dur = if end == s.start_ns { TICK_US } else { us(end - s.start_ns) };
        if end > s.start_ns {
            stack.push((s.pid, s.tid, end));
        }
        out.push(json!({"ph": "X", "name": s.name, "cat": "run", "pid": s.pid, "tid": s.tid, "ts": us(s.start_ns), "dur": dur, "args": s.args}));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invariant::TraceEvent;

    #[test]
    fn every_event_is_placed_and_flows_pair_up() {
        let lines: Vec<String> = [
            "0.1s otpsim event=spawn pid=<1.2.0> label=server",
            "0.1s otpsim event=spawn pid=<0.1.0>",
            "1.0s otpsim event=deliver msg=1 from=<0.1.0> to=<1.2.0> kind=call in_flight_ns=5000",
            "1.1s otpsim event=deliver msg=2 from=<1.2.0> to=<0.1.0> kind=reply",
            "1.2s otpsim event=drop cause=loss msg=3 from=<0.1.0> to=<1.2.0> kind=info",
            "2.0s otpsim event=exit pid=<1.2.0> reason=killed",
        ]
        .map(String::from)
        .into();
        let picture = Picture::of(&TraceEvent::parse_all(&lines));
        let trace: Value = serde_json::from_str(&chrome_trace(&picture, &[])).unwrap();
        let events = trace["traceEvents"].as_array().unwrap();
        for e in events {
            for key in ["ph", "ts", "pid", "tid"] {
                assert!(e.get(key).is_some(), "{e} has no {key}");
            }
        }
        let flows =
            |ph: &str| events.iter().filter(|e| e["ph"] == ph).map(|e| e["id"].as_u64().unwrap()).collect::<Vec<_>>();
        assert_eq!(flows("s"), flows("f"));
        assert_eq!(flows("s").len(), 2, "the dropped message has no arrow");
        let names: Vec<&str> = events.iter().filter(|e| e["ph"] == "X").filter_map(|e| e["name"].as_str()).collect();
        assert!(names.contains(&"call server") && names.contains(&"handle call from <0.1.0>"), "{names:?}");
        assert!(events.iter().any(|e| e["ph"] == "i" && e["name"] == "crash"));
    }
}
