//! The determinism self-check: a seed run twice must leave the same trace.
//!
//! Both runs keep their lines, so a mismatch names the first event where they part,
//! which is usually enough to find the source (a HashMap walked in a different order,
//! a counter shared between runs, a real clock).

use std::fmt;
use std::future::Future;

use otpsim_runtime::Cluster;

use crate::runner::{on_workers, run_on, RunConfig, SeedOutcome, SeedReport};
use crate::trace::TraceRecorder;

/// Two runs of one seed whose traces differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The seed.
    pub seed: u64,
    /// The trace hashes of the first and second run.
    pub hashes: (u64, u64),
    /// Index (from 0) of the first event that differs.
    pub index: usize,
    /// That event in the first run (`None`: the first run had ended).
    pub first: Option<String>,
    /// That event in the second run (`None`: the second run had ended).
    pub second: Option<String>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |line: &Option<String>| line.clone().unwrap_or_else(|| "(trace ended)".to_owned());
        write!(
            f,
            "seed {} is not deterministic: traces {:016x} and {:016x} first differ at event #{}\n  run 1: {}\n  run 2: {}",
            self.seed,
            self.hashes.0,
            self.hashes.1,
            self.index,
            show(&self.first),
            show(&self.second)
        )
    }
}

impl std::error::Error for Divergence {}

/// Runs `sim` on `seed` twice on the calling thread; the first run's report if both
/// traces match.
pub fn check_determinism<S, F>(sim: &S, seed: u64, config: &RunConfig) -> Result<SeedReport, Divergence>
where
    S: Fn(Cluster) -> F,
    F: Future<Output = SeedOutcome>,
{
    let recorder = TraceRecorder::new();
    recorder.installed(|| twice(&recorder, sim, seed, config))
}

/// [`check_determinism`] over many seeds on `config.jobs` workers; results in seed order.
pub fn check_seeds<S, F>(sim: &S, seeds: &[u64], config: &RunConfig) -> Vec<Result<SeedReport, Divergence>>
where
    S: Fn(Cluster) -> F + Sync,
    F: Future<Output = SeedOutcome>,
{
    on_workers(seeds, config.jobs, |recorder, seed| twice(recorder, sim, seed, config))
}

fn twice<S, F>(recorder: &TraceRecorder, sim: &S, seed: u64, config: &RunConfig) -> Result<SeedReport, Divergence>
where
    S: Fn(Cluster) -> F,
    F: Future<Output = SeedOutcome>,
{
    let config = config.clone().keep_lines(true);
    let first = run_on(recorder, sim, seed, &config);
    let second = run_on(recorder, sim, seed, &config);
    if first.trace.hash == second.trace.hash {
        return Ok(first);
    }
    let (a, b) = (first.trace.lines.unwrap_or_default(), second.trace.lines.unwrap_or_default());
    // Equal hashes of unequal lines would be a collision; unequal hashes of equal
    // lines cannot happen, since the hash is computed over exactly these lines.
    let index = first_difference(&a, &b).unwrap_or(a.len());
    Err(Divergence {
        seed,
        hashes: (first.trace.hash, second.trace.hash),
        index,
        first: a.get(index).cloned(),
        second: b.get(index).cloned(),
    })
}

/// Index of the first line where two traces differ (a missing line counts), `None` if
/// they are equal. Also for callers that diff traces of their own, e.g. a replay
/// against a saved trace.
pub fn first_difference(a: &[String], b: &[String]) -> Option<usize> {
    let common = a.iter().zip(b).position(|(x, y)| x != y);
    match common {
        Some(index) => Some(index),
        None if a.len() != b.len() => Some(a.len().min(b.len())),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn first_difference_names_the_first_unequal_or_missing_line() {
        assert_eq!(first_difference(&lines(&["a", "b"]), &lines(&["a", "b"])), None);
        assert_eq!(first_difference(&lines(&["a", "b"]), &lines(&["a", "c"])), Some(1));
        assert_eq!(first_difference(&lines(&["a"]), &lines(&["a", "b"])), Some(1));
    }
}
