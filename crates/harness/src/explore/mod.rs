//! Coverage-guided exploration: fault plans steered toward what random seeds miss.
//!
//! A corpus holds candidates (a run seed and an explicit fault plan). Each batch
//! either draws a fresh random seed with the file's own plan or mutates a corpus
//! entry ([`mutate`]). What a run reached is a set of features: each coverage point
//! with its hit count in a power-of-two bucket (AFL's trick: a point reached four
//! times is a different situation from one reached once). A run with a feature no run
//! had, or one that only a few runs had, joins the corpus. A parent is picked by the
//! squared rarity of its features (the sum of one over the runs that had each,
//! squared), so the entry that reached the rarest situation gets most of the
//! mutations, and those stay near what it did: that is how a chain of situations (a
//! stepping stone first, then a narrow timing given it) is climbed. Exploration stops
//! at the first violation (a flaw scenario's expected one, or any for a healthy
//! scenario) or when the budget of runs is spent.
//!
//! Every choice comes from the exploration seed's own stream and batches have a fixed
//! size, so a given `--seed` explores the same way whatever the number of workers.

pub mod mutate;

use std::collections::BTreeMap;

use otpsim_runtime::rng::{stream, Stream};
use rand::Rng;

use otpsim_runtime::event::kind;

use crate::runner::{on_workers, run_on, RunConfig, SeedReport};
use crate::suite::BoundScenario;
pub use mutate::{Candidate, Context, Pool};

/// Runs per batch: fixed, so exploration does not depend on the number of workers.
const BATCH: usize = 8;
/// Share of runs that start afresh from a random seed instead of a mutation.
const FRESH: f64 = 0.1;
/// A feature had by at most this share of the runs so far is rare: a run that has one
/// joins the corpus even if the feature is not new.
const RARE: f64 = 0.02;
/// Corpus entries kept at most (the oldest rare-only entries go first).
const CORPUS_MAX: usize = 256;

/// What exploration tells its caller as it goes.
#[derive(Debug)]
pub enum Progress<'a> {
    /// A run reached a point no earlier run reached.
    NewPoint {
        /// The run's number, from 1.
        run: u64,
        /// The point.
        point: &'a str,
    },
    /// A batch finished.
    Batch {
        /// Runs so far.
        runs: u64,
        /// Corpus entries.
        corpus: usize,
        /// Distinct points reached.
        points: usize,
    },
}

/// A run that violated what the scenario checks.
#[derive(Clone, Debug)]
pub struct Find {
    /// Its number, from 1.
    pub run: u64,
    /// What ran.
    pub candidate: Candidate,
    /// Its report.
    pub report: SeedReport,
}

/// How exploration ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Runs made.
    pub runs: u64,
    /// The violation found, if any.
    pub find: Option<Find>,
    /// How many runs reached each point.
    pub seen: BTreeMap<String, u64>,
}

/// Explores `scenario` for at most `runs` runs from exploration seed `seed`.
pub fn explore(
    scenario: &dyn BoundScenario,
    runs: u64,
    seed: u64,
    config: &RunConfig,
    mut progress: impl FnMut(Progress<'_>),
) -> Outcome {
    let pool = Pool::of(scenario);
    let mut rng = stream(seed, "explore");
    // As `run_scenario` does: the sim reads the trace lines its checks need.
    let config = config
        .clone()
        .time_limit(scenario.time_limit())
        .keep_lines(true)
        .skip_kinds(scenario.unread_kinds())
        .work_fields(scenario.work_fields());
    let mut corpus: Vec<Entry> = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut features_seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut done = 0;
    while done < runs && !crate::stop::requested() {
        let size = usize::try_from(runs - done).unwrap_or(BATCH).min(BATCH);
        let batch: Vec<Candidate> =
            (0..size).map(|_| next(scenario, &pool, &corpus, &features_seen, &mut rng)).collect();
        let reports = run_batch(scenario, &batch, &config);
        for (candidate, report) in batch.into_iter().zip(reports) {
            done += 1;
            for point in report.coverage.keys() {
                let count = seen.entry(point.to_string()).or_default();
                if *count == 0 {
                    progress(Progress::NewPoint { run: done, point });
                }
                *count += 1;
            }
            let features = features(&report);
            let mut new = false;
            for feature in &features {
                let count = features_seen.entry(feature.clone()).or_default();
                new |= *count == 0;
                *count += 1;
            }
            let rare = features.iter().any(|f| (features_seen[f] as f64) <= RARE * done as f64);
            if violates(scenario, &report) {
                let find = Find { run: done, candidate, report };
                return Outcome { runs: done, find: Some(find), seen };
            }
            if new || rare {
                if corpus.len() >= CORPUS_MAX {
                    corpus.remove(0);
                }
                let messages = report.trace.count(kind::DELIVER) + report.trace.count(kind::DROP);
                corpus.push(Entry { candidate, features, messages });
            }
        }
        progress(Progress::Batch { runs: done, corpus: corpus.len(), points: seen.len() });
    }
    Outcome { runs: done, find: None, seen }
}

/// A corpus entry: what ran, what it reached, and how many messages it sent.
struct Entry {
    candidate: Candidate,
    features: Vec<String>,
    messages: u64,
}

/// A run's features: each point it reached with its hit count's power-of-two bucket.
fn features(report: &SeedReport) -> Vec<String> {
    report.coverage.iter().map(|(point, hits)| format!("{point}#{}", u64::BITS - hits.leading_zeros())).collect()
}

/// True if `report` shows what exploration looks for: the expected violation of a
/// flaw scenario, or any failure of a healthy one.
pub fn violates(scenario: &dyn BoundScenario, report: &SeedReport) -> bool {
    match scenario.expect() {
        Some(expect) => report.violations.iter().any(|v| v.invariant == expect.violation),
        None => !report.verdict.passed(),
    }
}

/// The next candidate: a fresh random seed with the file's plan, or a mutant of a
/// corpus entry picked by the squared rarity of its features.
fn next(
    scenario: &dyn BoundScenario,
    pool: &Pool,
    corpus: &[Entry],
    seen: &BTreeMap<String, u64>,
    rng: &mut Stream,
) -> Candidate {
    if corpus.is_empty() || pool.is_empty() || rng.gen_bool(FRESH) {
        let seed = rng.gen();
        return Candidate { seed, plan: scenario.fault_plan(seed) };
    }
    let rarity = |entry: &Entry| -> f64 {
        let sum: f64 = entry.features.iter().map(|f| 1.0 / seen.get(f).copied().unwrap_or(1).max(1) as f64).sum();
        sum * sum
    };
    let weights: Vec<f64> = corpus.iter().map(rarity).collect();
    let parent = &corpus[pick(&weights, rng)];
    let donor = &corpus[rng.gen_range(0..corpus.len())].candidate;
    let context = Context { pool, messages: parent.messages, donor: Some(donor) };
    mutate::mutate(&parent.candidate, &context, rng)
}

/// An index drawn with probability proportional to its weight.
fn pick(weights: &[f64], rng: &mut Stream) -> usize {
    let total: f64 = weights.iter().sum();
    let mut left = rng.gen_range(0.0..total.max(f64::MIN_POSITIVE));
    for (i, w) in weights.iter().enumerate() {
        if left < *w {
            return i;
        }
        left -= w;
    }
    weights.len() - 1
}

/// Runs each candidate under its own explicit plan, in parallel; reports in order.
fn run_batch(scenario: &dyn BoundScenario, batch: &[Candidate], config: &RunConfig) -> Vec<SeedReport> {
    let bound: Vec<Box<dyn BoundScenario>> = batch.iter().map(|c| scenario.with_plan(&c.plan)).collect();
    let indices: Vec<u64> = (0..batch.len() as u64).collect();
    on_workers(&indices, config.jobs, |recorder, index| {
        let i = usize::try_from(index).unwrap_or_default();
        let one = bound[i].as_ref();
        let sim = |cluster: otpsim_runtime::Cluster| {
            let seed = cluster.seed();
            one.run(cluster, seed)
        };
        run_on(recorder, &sim, batch[i].seed, config)
    })
}
