//! The job queue's invariants, each judged from the run's events or its end state.
//!
//! - `completed_by_lease_holder` (always): a job is completed only under its current,
//!   unexpired lease.
//! - `no_double_completion` (always): no job is completed twice.
//! - `jobs_finish` (eventually): every job the queue acknowledged is done by the end.

use std::collections::BTreeMap;

use otpsim_harness::invariant::{of_kind, TraceEvent, Violation};
use otpsim_harness::Invariant;

use super::queue::{field, kind};
use super::Observed;

/// Every invariant a job queue scenario can name.
pub fn all() -> Vec<Invariant<Observed>> {
    vec![
        Invariant::always("completed_by_lease_holder", |_, events| completed_by_lease_holder(events)),
        Invariant::always("no_double_completion", |_, events| no_double_completion(events)),
        Invariant::eventually("jobs_finish", jobs_finish),
    ]
}

/// Each completion names the job's latest lease, and that lease had not expired.
pub fn completed_by_lease_holder(events: &[TraceEvent]) -> Vec<Violation> {
    const NAME: &str = "completed_by_lease_holder";
    // Job -> (token of its latest lease, whether that lease is still live).
    let mut leases: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events {
        let (Some(job), Some(token)) = (e.get(field::JOB), e.get(field::TOKEN)) else { continue };
        match e.kind.as_str() {
            kind::JOB_LEASED => {
                leases.insert(job, (token, true));
            }
            kind::LEASE_EXPIRED => {
                if let Some(lease) = leases.get_mut(job).filter(|(t, _)| *t == token) {
                    lease.1 = false;
                }
            }
            kind::JOB_COMPLETED => {
                let holder = leases.get(job).is_some_and(|(t, live)| *t == token && *live);
                if !holder {
                    let message = format!("job {job} was completed under lease {token}, which was not its live lease");
                    let shown = events.iter().filter(|x| x.get(field::JOB) == Some(job) && x.index <= e.index);
                    violations.push(Violation::new(NAME, e.time, message).id("job", job).evidence(shown));
                }
                leases.remove(job);
            }
            _ => {}
        }
    }
    violations
}

/// No job has two accepted completions.
pub fn no_double_completion(events: &[TraceEvent]) -> Vec<Violation> {
    let mut seen: BTreeMap<&str, &TraceEvent> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in of_kind(events, kind::JOB_COMPLETED) {
        let Some(job) = e.get(field::JOB) else { continue };
        if let Some(first) = seen.insert(job, e) {
            let message = format!("job {job} was completed twice");
            violations
                .push(Violation::new("no_double_completion", e.time, message).id("job", job).evidence([first, e]));
        }
    }
    violations
}

/// Every acknowledged job is reported done once faults are lifted and the queue settled.
pub fn jobs_finish(observed: &Observed, events: &[TraceEvent]) -> Vec<Violation> {
    const NAME: &str = "jobs_finish";
    let Some(done) = &observed.done else {
        return vec![Violation::new(NAME, observed.end, "the queue did not answer at the end")];
    };
    observed
        .accepted
        .iter()
        .filter(|job| !done.contains(job))
        .map(|job| {
            let text = job.to_string();
            let shown = events.iter().filter(|e| e.get(field::JOB) == Some(text.as_str()));
            Violation::new(NAME, observed.end, format!("acknowledged job {job} never finished"))
                .id("job", job)
                .evidence(shown)
        })
        .collect()
}

#[cfg(test)]
mod tests;
