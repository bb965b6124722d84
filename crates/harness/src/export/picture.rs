//! The run as a picture: its processes (lanes), its messages (arrows) and what
//! happened to processes, nodes and the network (marks), read from trace events.
//! The HTML chart and the Chrome trace both draw from it.

use std::collections::{BTreeMap, BTreeSet};

use crate::invariant::TraceEvent;
use crate::roles::{is_pid, node_of, Roles};

/// One process: a lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// Its pid, `<node.serial.incarnation>`.
    pub pid: String,
    /// Its node.
    pub node: u32,
    /// Its serial number (unique in a run).
    pub serial: u64,
    /// Its role and registered name, or "" when the trace names none.
    pub role: String,
    /// When it was spawned (or first seen), in nanoseconds.
    pub start_ns: u64,
    /// When it exited, and why.
    pub exit: Option<(u64, String)>,
}

/// What became of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Delivered at once.
    Delivered,
    /// Delivered after time in flight.
    Delayed,
    /// One of two copies the network delivered.
    Duplicated,
    /// Never delivered; the cause (`loss`, `partition`, `node_crash`, `dead`, `late_reply`).
    Dropped(String),
}

/// One message: an arrow from its sender's lane to its receiver's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The trace index of its delivery or drop.
    pub index: usize,
    /// Its message number (`msg=`), 0 if the trace has none.
    pub id: u64,
    /// Sender and receiver, as indices into [`Picture::processes`].
    pub from: usize,
    /// See `from`.
    pub to: usize,
    /// `info`, `call`, `cast`, `reply`, `down` or `exit`.
    pub kind: String,
    /// When it was sent.
    pub sent_ns: u64,
    /// When it was delivered or dropped.
    pub at_ns: u64,
    /// What became of it.
    pub fate: Fate,
}

/// Something that happened at one moment: a fault, an exit, a restart, a node
/// crash, a partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The trace index of the event.
    pub index: usize,
    /// When.
    pub at_ns: u64,
    /// What kind: `crash`, `exit`, `restart`, `fault`, `defect`, `node_crash`,
    /// `node_restart`, `partition`, `heal`, `intensity`, or `event` for a sim's own
    /// event (on the lane of the process that emitted it).
    pub kind: &'static str,
    /// The process it happened to, if one.
    pub process: Option<usize>,
    /// The node it happened to, if one and no process.
    pub node: Option<u32>,
    /// The event's line.
    pub text: String,
}

/// Everything the chart draws.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picture {
    /// Processes ordered by node, then serial.
    pub processes: Vec<Process>,
    /// Messages in order of sending.
    pub messages: Vec<Message>,
    /// Marks in trace order.
    pub marks: Vec<Mark>,
    /// Time of the last event.
    pub end_ns: u64,
}

fn ns(e: &TraceEvent) -> u64 {
    u64::try_from(e.time.as_nanos()).unwrap_or(u64::MAX)
}

impl Picture {
    /// The picture of a whole trace.
    pub fn of(events: &[TraceEvent]) -> Picture {
        let roles = Roles::of(events);
        let mut first_seen: BTreeMap<&str, u64> = BTreeMap::new();
        let mut exits: BTreeMap<&str, (u64, String)> = BTreeMap::new();
        for e in events {
            for value in e.fields.values().filter(|v| is_pid(v)) {
                first_seen.entry(value).or_insert(ns(e));
            }
            if e.kind == "exit" {
                if let (Some(pid), Some(reason)) = (e.get("pid"), e.get("reason")) {
                    exits.insert(pid, (ns(e), reason.to_owned()));
                }
            }
        }
        let mut processes: Vec<Process> = first_seen
            .iter()
            .map(|(pid, start)| Process {
                pid: (*pid).to_owned(),
                node: node_of(pid).unwrap_or(0),
                serial: pid.split('.').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0),
                role: roles.describe(pid).unwrap_or_default(),
                start_ns: *start,
                exit: exits.get(pid).cloned(),
            })
            .collect();
        processes.sort_by_key(|p| (p.node, p.serial));
        let lane: BTreeMap<&str, usize> = processes.iter().enumerate().map(|(i, p)| (p.pid.as_str(), i)).collect();
        let duplicated: BTreeSet<&str> =
            events.iter().filter(|e| e.kind == "duplicate").filter_map(|e| e.get("msg")).collect();
        let mut picture = Picture { end_ns: events.last().map_or(0, ns), ..Picture::default() };
        for e in events {
            let at_ns = ns(e);
            let pid_lane = |key: &str| e.get(key).and_then(|p| lane.get(p)).copied();
            match e.kind.as_str() {
                "deliver" | "drop" => {
                    let (Some(from), Some(to)) = (pid_lane("from"), pid_lane("to")) else { continue };
                    let in_flight: u64 = e.get("in_flight_ns").and_then(|n| n.parse().ok()).unwrap_or(0);
                    let msg = e.get("msg").unwrap_or("");
                    let fate = match (e.kind.as_str(), e.get("cause")) {
                        ("drop", cause) => Fate::Dropped(cause.unwrap_or("unknown").to_owned()),
                        _ if duplicated.contains(msg) => Fate::Duplicated,
                        _ if in_flight > 0 => Fate::Delayed,
                        _ => Fate::Delivered,
                    };
                    picture.messages.push(Message {
                        index: e.index,
                        id: msg.parse().unwrap_or(0),
                        from,
                        to,
                        kind: e.get("kind").unwrap_or("info").to_owned(),
                        sent_ns: at_ns.saturating_sub(in_flight),
                        at_ns,
                        fate,
                    });
                }
                kind => {
                    let Some((mark, process, node)) = mark_of(e, kind, &pid_lane) else { continue };
                    picture.marks.push(Mark { index: e.index, at_ns, kind: mark, process, node, text: e.line() });
                }
            }
        }
        picture.messages.sort_by_key(|m| (m.sent_ns, m.index));
        picture.processes = processes;
        picture
    }
}

type Placed = (&'static str, Option<usize>, Option<u32>);

/// The mark an event makes, and where.
fn mark_of(e: &TraceEvent, kind: &str, lane: &dyn Fn(&str) -> Option<usize>) -> Option<Placed> {
    let node = |key: &str| e.get(key).and_then(|n| n.parse::<u32>().ok());
    Some(match kind {
        "exit" => {
            let quiet = matches!(e.get("reason"), Some("normal" | "shutdown"));
            (if quiet { "exit" } else { "crash" }, lane("pid"), None)
        }
        "child_restart" => ("restart", lane("new_pid"), None),
        "defect_injected" => ("defect", lane("pid"), None),
        "intensity_exceeded" => ("intensity", lane("supervisor"), None),
        "fault" => match lane("pid") {
            Some(p) => ("fault", Some(p), None),
            None => ("fault", None, node("target")),
        },
        "node_crash" => ("node_crash", None, node("node")),
        "node_restart" => ("node_restart", None, node("node")),
        "partition" | "partition_one_way" => ("partition", None, None),
        "heal" => ("heal", None, None),
        _ if e.target != "otpsim" => {
            let first_pid = e.fields.iter().find(|(_, v)| is_pid(v)).map(|(key, _)| key);
            let process = lane("by").or_else(|| first_pid.and_then(lane));
            ("event", Some(process?), None)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_arrows_and_marks_come_from_the_trace() {
        let lines: Vec<String> = [
            "0.1s otpsim event=spawn pid=<1.2.0> label=agent",
            "0.1s otpsim event=spawn pid=<0.1.0>",
            "1.0s otpsim event=deliver msg=1 from=<0.1.0> to=<1.2.0> kind=call in_flight_ns=5000",
            "1.0s otpsim event=duplicate msg=2 from=<1.2.0> to=<0.1.0> kind=reply",
            "1.1s otpsim event=deliver msg=2 from=<1.2.0> to=<0.1.0> kind=reply",
            "1.2s otpsim event=drop cause=loss msg=3 from=<0.1.0> to=<1.2.0> kind=info",
            "2.0s otpsim event=fault kind=crash target=agent pid=<1.2.0>",
            "2.0s otpsim event=exit pid=<1.2.0> reason=killed",
            "3.0s otpsim event=partition a=\"[0]\" b=\"[1]\"",
            "4.0s otpsim::app event=task_started task=4 agent=<1.2.0>",
        ]
        .map(String::from)
        .into();
        let picture = Picture::of(&TraceEvent::parse_all(&lines));
        let roles: Vec<&str> = picture.processes.iter().map(|p| p.role.as_str()).collect();
        assert_eq!(roles, vec!["", "agent"], "ordered by node");
        assert_eq!(picture.processes[1].exit, Some((2_000_000_000, "killed".into())));
        let fates: Vec<&Fate> = picture.messages.iter().map(|m| &m.fate).collect();
        assert_eq!(fates, vec![&Fate::Delayed, &Fate::Duplicated, &Fate::Dropped("loss".into())]);
        assert_eq!(picture.messages[0].sent_ns, 1_000_000_000 - 5000);
        let marks: Vec<&str> = picture.marks.iter().map(|m| m.kind).collect();
        assert_eq!(marks, vec!["fault", "crash", "partition", "event"]);
        assert_eq!(picture.marks[3].process, Some(1), "a sim's event sits on the lane of the pid it names");
        assert_eq!(picture.end_ns, 4_000_000_000);
    }
}
