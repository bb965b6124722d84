//! `otpsim run`: every scenario at the given paths over its seeds, judged.
//!
//! Scenarios run one after another, each one's seeds spread over `--jobs` workers.
//! Seeds go to the runner in chunks: the progress bar moves between chunks, and each
//! chunk's trace lines (which the sims need during a seed) are dropped once judged,
//! so a long run's memory does not grow with its seed count.

use std::path::PathBuf;

use clap::Args;
use otpsim_harness::suite::{record_regression, run_scenario, seeds_for, BoundScenario, ScenarioReport, SeedChoice};
use otpsim_harness::{default_jobs, RunConfig, Stopwatch};

use super::json::{self, ScenarioResult, SeedLine, SummaryLine};
use super::progress::Progress;
use super::shard::Shard;
use super::{exit, load, output};

/// Seeds per worker in one chunk: enough that workers rarely wait at a chunk's end.
const SEEDS_PER_JOB_PER_CHUNK: usize = 8;

/// Arguments of `otpsim run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Scenario files, or directories to search for `*.toml`.
    #[arg(required = true, value_name = "SCENARIO|DIR")]
    paths: Vec<PathBuf>,
    /// Run the first N seeds of each scenario [default: the scenario's `seeds`, or a
    /// flaw scenario's `within_seeds`]. Seeds in the regression file run first.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    seeds: Option<u64>,
    /// Run only seed S of each scenario.
    #[arg(long, value_name = "S", conflicts_with = "seeds")]
    seed: Option<u64>,
    /// Worker threads [default: available cores].
    #[arg(long, value_name = "J", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Run only shard K of N: a share of each healthy scenario's seeds, and every
    /// Nth flaw scenario whole.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Print one JSON object per seed, and a summary object last, instead of text.
    #[arg(long)]
    json: bool,
}

impl RunArgs {
    fn choice(&self) -> SeedChoice {
        match (self.seed, self.seeds) {
            (Some(seed), _) => SeedChoice::One(seed),
            (None, Some(count)) => SeedChoice::Count(count),
            (None, None) => SeedChoice::Default,
        }
    }
}

/// Runs `otpsim run`; returns the exit code.
pub fn run(args: &RunArgs) -> u8 {
    let loaded = if args.json { load::all_or_report_json(&args.paths) } else { load::all_or_report(&args.paths) };
    let Some(scenarios) = loaded else {
        return exit::BAD_INPUT;
    };
    let plans = plan(&scenarios, &args.choice(), args.shard);
    let total: usize = plans.iter().map(|(_, seeds)| seeds.len()).sum();
    let progress = Progress::new(total as u64, !args.json);
    let config = RunConfig::default().jobs(args.jobs.map_or_else(default_jobs, usize::from));
    let stopwatch = Stopwatch::start();
    let mut results = Vec::new();
    let mut failed = 0;
    for (scenario, seeds) in plans {
        if seeds.is_empty() {
            if let (Some(shard), false) = (args.shard, args.json) {
                progress.print(&format!("SKIP {} (nothing to run in shard {shard})\n", scenario.name()));
            }
            continue;
        }
        progress.scenario(scenario.name());
        let started = Stopwatch::start();
        // Under --json each chunk's seeds are printed as soon as they are judged.
        let stream = |part: &ScenarioReport| {
            if args.json {
                let lines: String =
                    part.seeds.iter().map(|s| json::line(&SeedLine::of(scenario, part, s)) + "\n").collect();
                progress.print(&lines);
            }
        };
        let report = run_chunked(scenario, &seeds, &config, &progress, stream);
        let wall = started.elapsed();
        record_failures(&report);
        if !args.json {
            progress.print(&output::scenario(scenario, &report, wall));
        }
        failed += usize::from(!report.passed());
        results.push(result(&report));
    }
    progress.finish();
    let code = exit::of(failed == 0);
    let wall = stopwatch.elapsed();
    if args.json {
        let summary = SummaryLine {
            kind: "summary",
            verdict: json::verdict(failed == 0),
            exit_code: code,
            seeds: total,
            wall_ms: wall.as_secs_f64() * 1000.0,
            scenarios: results,
        };
        println!("{}", json::line(&summary));
    } else {
        print!("{}", output::summary(results.len(), failed, total, wall));
    }
    code
}

/// Each scenario with the seeds this run gives it. Under a shard, a healthy scenario
/// gets its share of seeds and a flaw scenario all of them or none (see [`Shard`]).
fn plan<'a>(
    scenarios: &'a [Box<dyn BoundScenario>],
    choice: &SeedChoice,
    shard: Option<Shard>,
) -> Vec<(&'a dyn BoundScenario, Vec<u64>)> {
    let mut flaws_seen = 0;
    let mut plans = Vec::new();
    for scenario in scenarios {
        let scenario = scenario.as_ref();
        let seeds = match (scenario.expect(), shard) {
            (_, None) => seeds_for(scenario, choice, None),
            (Some(_), Some(shard)) => {
                flaws_seen += 1;
                if shard.owns(flaws_seen - 1) {
                    seeds_for(scenario, choice, None)
                } else {
                    Vec::new()
                }
            }
            (None, Some(shard)) => seeds_for(scenario, choice, Some((shard.index, shard.count))),
        };
        plans.push((scenario, seeds));
    }
    plans
}

/// Runs `seeds` of `scenario` chunk by chunk, handing each judged chunk to `judged`,
/// moving `progress`, and dropping the chunk's trace lines.
fn run_chunked(
    scenario: &dyn BoundScenario,
    seeds: &[u64],
    config: &RunConfig,
    progress: &Progress,
    judged: impl Fn(&ScenarioReport),
) -> ScenarioReport {
    let mut report = ScenarioReport {
        name: scenario.name().to_owned(),
        path: scenario.path().to_owned(),
        expect: scenario.expect(),
        seeds: Vec::with_capacity(seeds.len()),
    };
    for chunk in seeds.chunks(config.jobs * SEEDS_PER_JOB_PER_CHUNK) {
        let mut part = run_scenario(scenario, chunk, config);
        for seed in &mut part.seeds {
            seed.trace.lines = None;
        }
        judged(&part);
        report.seeds.append(&mut part.seeds);
        progress.advance(chunk.len() as u64);
    }
    report
}

/// Writes the failing seeds of a healthy scenario to its regression file.
fn record_failures(report: &ScenarioReport) {
    for failure in report.failures() {
        if let Err(e) = record_regression(&report.path, failure.seed, &failure.verdict.to_string()) {
            eprintln!("warning: cannot record seed {} in {}.regressions: {e}", failure.seed, report.path.display());
        }
    }
}

fn result(report: &ScenarioReport) -> ScenarioResult {
    ScenarioResult {
        name: report.name.clone(),
        path: report.path.display().to_string(),
        verdict: json::verdict(report.passed()),
        seeds: report.seeds.len(),
        failed_seeds: report.seeds.iter().filter(|s| json::seed_verdict(report, s) == "fail").map(|s| s.seed).collect(),
        detecting_seeds: report.expect.as_ref().map(|_| {
            report.seeds.iter().filter(|s| json::seed_verdict(report, s) == "detected").map(|s| s.seed).collect()
        }),
        expect: report.expect.as_ref().map(|e| e.violation.clone()),
        detected_by: report.detected_by().map(|s| s.seed),
    }
}
