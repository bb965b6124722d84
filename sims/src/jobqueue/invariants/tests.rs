//! Each invariant on a clean history and a violating one.

use std::collections::BTreeSet;

use super::*;

const LEASED_1: &str = "1.000000000s otpsim::jobqueue event=job_leased job=7 token=1 worker=<1.3.0>";
const EXPIRED_1: &str = "1.200000000s otpsim::jobqueue event=lease_expired job=7 token=1";
const LEASED_2: &str = "1.300000000s otpsim::jobqueue event=job_leased job=7 token=2 worker=<2.4.0>";
const DONE_1: &str = "1.400000000s otpsim::jobqueue event=job_completed job=7 token=1 worker=<1.3.0>";
const DONE_2: &str = "1.500000000s otpsim::jobqueue event=job_completed job=7 token=2 worker=<2.4.0>";

#[test]
fn a_completion_under_the_live_lease_holds() {
    assert!(completed_by_lease_holder(&TraceEvent::parse_strs(&[LEASED_1, EXPIRED_1, LEASED_2, DONE_2])).is_empty());
}

#[test]
fn a_completion_under_an_expired_lease_is_flagged() {
    let v = completed_by_lease_holder(&TraceEvent::parse_strs(&[LEASED_1, EXPIRED_1, LEASED_2, DONE_1]));
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].message.contains("lease 1"), "{}", v[0]);
}

#[test]
fn one_completion_per_job_holds_and_a_second_is_flagged() {
    assert!(no_double_completion(&TraceEvent::parse_strs(&[LEASED_1, DONE_1])).is_empty());
    let v = no_double_completion(&TraceEvent::parse_strs(&[LEASED_1, DONE_1, LEASED_2, DONE_2]));
    assert_eq!(v.len(), 1, "{v:?}");
}

#[test]
fn an_acknowledged_job_that_never_finished_is_flagged() {
    let observed = |done: &[u64]| Observed {
        accepted: BTreeSet::from([7, 8]),
        done: Some(done.iter().copied().collect()),
        end: std::time::Duration::from_secs(9),
        ..Observed::default()
    };
    assert!(jobs_finish(&observed(&[7, 8]), &[]).is_empty());
    let v = jobs_finish(&observed(&[7]), &[]);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("job 8"), "{}", v[0]);
    let silent = Observed { done: None, ..observed(&[]) };
    assert_eq!(jobs_finish(&silent, &[]).len(), 1);
}
