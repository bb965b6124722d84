//! `reports_acknowledged`: every outcome or release an agent reports is acknowledged
//! in the end, so once the run has settled no agent is still sending one again.
//!
//! An agent keeps each report until the coordinator acknowledges it and re-sends it on
//! a timer meanwhile; the coordinator acknowledges every report it receives, stale and
//! duplicated ones included. After the faults are lifted and the system has settled,
//! a report still being re-sent means an acknowledgement that never came or was
//! ignored, and the agent would re-send it forever. Judged from `report_sent`: a
//! report sent again (at a later instant than its first send) within the final
//! [`QUIET`] of the run (or half the settle window, if that is shorter) is flagged,
//! once per report.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::record::Record;

const NAME: &str = "reports_acknowledged";

/// How long before the end of a settled run no report may be re-sent: ten of the
/// design's 500 ms retry intervals.
pub const QUIET: Duration = Duration::from_secs(5);

/// Flags each report that is still being re-sent at the end of the run.
pub fn reports_acknowledged(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let quiet_from = record.end.saturating_sub(QUIET.min(record.settle / 2));
    let mut first: BTreeMap<[&str; 4], &TraceEvent> = BTreeMap::new();
    let mut late: BTreeMap<[&str; 4], (usize, &TraceEvent)> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == kind::REPORT_SENT) {
        let of = |key| e.get(key).unwrap_or("?");
        let key = [of(field::AGENT), of(field::TASK), of(field::ATTEMPT), of(field::REPORT)];
        let first = *first.entry(key).or_insert(e);
        if e.time > first.time && e.time >= quiet_from {
            late.entry(key).or_insert((0, e)).0 += 1;
        }
    }
    late.into_iter()
        .map(|(key, (count, at))| {
            let first = first[&key];
            let message = format!(
                "agent {} still re-sends the {} of task {} (attempt {}) {} ms before the end of the settled run \
                 ({count} sends in the last {} ms, the first at {} ms): it is never acknowledged",
                key[0],
                key[3],
                key[1],
                key[2],
                record.end.saturating_sub(at.time).as_millis(),
                record.end.saturating_sub(quiet_from).as_millis(),
                first.time.as_millis(),
            );
            Violation::new(NAME, at.time, message).id("pid", key[0]).id("task", key[1]).evidence([first, at])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{empty_record, events};
    use super::*;

    fn sent(at: &str, agent: &str, task: u32, report: &str) -> String {
        format!("{at}s otpsim::foundation event=report_sent task={task} agent={agent} attempt=1 report={report}")
    }

    fn run(lines: &[String]) -> Vec<Violation> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        reports_acknowledged(&empty_record(), &events(&lines))
    }

    #[test]
    fn reports_acknowledged_before_the_end_hold() {
        // The run ends at 60 s: re-sends during the faults, and a first send late on.
        let lines = [
            sent("10.000000000", "<1.2.0>", 7, "outcome"),
            sent("10.500000000", "<1.2.0>", 7, "outcome"),
            sent("54.000000000", "<1.2.0>", 7, "release"),
            sent("58.000000000", "<1.2.0>", 8, "outcome"),
            sent("58.000000000", "<1.2.0>", 8, "outcome"),
        ];
        assert!(run(&lines).is_empty(), "{:?}", run(&lines));
    }

    #[test]
    fn a_report_re_sent_until_the_end_is_flagged_once() {
        let mut lines = vec![sent("12.000000000", "<1.2.0>", 7, "outcome")];
        lines.extend((0..8).map(|i| sent(&format!("{}.500000000", 52 + i), "<1.2.0>", 7, "outcome")));
        // Another agent's release of the same task, re-sent once near the end.
        lines.push(sent("40.000000000", "<1.3.0>", 7, "release"));
        lines.push(sent("59.000000000", "<1.3.0>", 7, "release"));
        let v = run(&lines);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].message.contains("agent <1.2.0> still re-sends the outcome of task 7"), "{}", v[0]);
        assert!(v[0].message.contains("5 sends in the last 5000 ms, the first at 12000 ms"), "{}", v[0]);
        assert!(v[1].message.contains("the release of task 7"), "{}", v[1]);
    }
}
