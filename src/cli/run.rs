//! `otpsim run`: every scenario at the given paths over its seeds, judged.
//!
//! Scenarios run one after another, each one's seeds spread over `--jobs` workers.
//! Seeds are drawn from the scenario's [`SeedPlan`] a chunk at a time and folded into
//! a [`Tally`] as each chunk is judged: the progress bar moves, `--json` lines go out,
//! and memory holds one chunk's reports whatever the seed count. An interrupt stops
//! the run between seeds; what ran is still reported and its failing seeds recorded.

use std::path::PathBuf;

use clap::Args;
use otpsim_harness::regressions::{self, record_regressions};
use otpsim_harness::seeds::{SeedPlan, ShardOf};
use otpsim_harness::suite::{fresh_seed_plan, run_scenario, seed_plan, BoundScenario, SeedChoice};
use otpsim_harness::tally::Tally;
use otpsim_harness::{default_jobs, RunConfig, Stopwatch};

use super::json::{self, ScenarioResult, SeedLine, SummaryLine};
use super::output::Recorded;
use super::progress::Progress;
use super::seed_timeout::{self, SeedTimeout};
use super::shard::Shard;
use super::{exit, interrupt, load, out, output};

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
    /// Worker threads [default: available cores; more than the cores only with --force-jobs].
    #[arg(long, value_name = "J", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Allow --jobs above the number of cores.
    #[arg(long, requires = "jobs")]
    force_jobs: bool,
    /// Run only shard K of N: a share of each healthy scenario's seeds, and every
    /// Nth flaw scenario whole.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Real time one seed may run before it is stopped and fails ("90s", "5m", "1h").
    #[arg(long, value_name = "TIME", default_value = seed_timeout::DEFAULT)]
    seed_timeout: SeedTimeout,
    /// Print one JSON object per seed, and a summary object last, instead of text.
    #[arg(long)]
    json: bool,
    /// Neither run the seeds of `<scenario>.regressions` first nor record failing seeds
    /// there (as `OTPSIM_REGRESSIONS=off`): judge the code alone, leaving no files behind.
    #[arg(long)]
    no_regressions: bool,
}

impl RunArgs {
    fn choice(&self) -> SeedChoice {
        match (self.seed, self.seeds) {
            (Some(seed), _) => SeedChoice::One(seed),
            (None, Some(count)) => SeedChoice::Count(count),
            (None, None) => SeedChoice::Default,
        }
    }

    fn regressions_on(&self) -> bool {
        !self.no_regressions && !regressions::off_in_env()
    }
}

/// Worker threads for `--jobs`: at most the cores unless `force`d, with a note when capped.
pub fn jobs(asked: Option<u16>, force: bool) -> usize {
    let cores = default_jobs();
    match asked.map(usize::from) {
        None => cores,
        Some(jobs) if force || jobs <= cores => jobs,
        Some(jobs) => {
            eprintln!("note: --jobs {jobs} capped at {cores}, the cores available (--force-jobs allows more)");
            cores
        }
    }
}

/// Runs `otpsim run`; returns the exit code.
pub fn run(args: &RunArgs) -> u8 {
    let loaded = load::all_or_report(&args.paths, args.json);
    let Some(scenarios) = loaded else {
        return exit::BAD_INPUT;
    };
    let regressions_on = args.regressions_on();
    let Some(plans) = plan(&scenarios, &args.choice(), args.shard, regressions_on) else {
        return exit::BAD_INPUT;
    };
    let total: u64 = plans.iter().map(|(_, seeds)| seeds.len()).sum();
    let progress = Progress::new(total, !args.json);
    let config = RunConfig::default().jobs(jobs(args.jobs, args.force_jobs)).wall_limit(Some(args.seed_timeout.0));
    let stopwatch = Stopwatch::start();
    let mut results = Vec::new();
    let (mut failed, mut seeds_run, mut bookkeeping_failed) = (0, 0, false);
    for (scenario, seeds) in plans {
        if interrupt::requested() {
            break;
        }
        if seeds.is_empty() {
            if let (Some(shard), false) = (args.shard, args.json) {
                progress.print(&format!("SKIP {} (nothing to run in shard {shard})\n", output::shown(scenario.name())));
            }
            continue;
        }
        progress.scenario(&output::shown(scenario.name()));
        let started = Stopwatch::start();
        let tally = run_chunked(scenario, &seeds, &config, &progress, args.json);
        let wall = started.elapsed();
        let failures: Vec<(u64, String)> = tally.failures().iter().map(|f| (f.seed, f.reason.clone())).collect();
        let recorded = match regressions_on.then(|| record_regressions(&tally.path, &failures)) {
            None => Recorded::Off,
            Some(Ok(_)) => Recorded::Yes,
            Some(Err(e)) => {
                eprintln!("error: failing seeds of {} not recorded: {e}", tally.name);
                bookkeeping_failed = true;
                Recorded::Failed
            }
        };
        if !args.json {
            progress.print(&output::scenario(scenario, &tally, wall, recorded));
        }
        failed += usize::from(!tally.passed());
        seeds_run += tally.seeds;
        results.push(result(&tally));
    }
    progress.finish();
    let interrupted = interrupt::requested();
    let code = if bookkeeping_failed {
        exit::BAD_INPUT
    } else if interrupted {
        exit::INTERRUPTED
    } else {
        exit::of(failed == 0)
    };
    let wall = stopwatch.elapsed();
    if args.json {
        let summary = SummaryLine {
            kind: "summary",
            verdict: json::verdict(failed == 0 && !interrupted),
            exit_code: code,
            seeds: seeds_run,
            wall_ms: wall.as_secs_f64() * 1000.0,
            shard: args.shard.map(|s| s.to_string()),
            interrupted,
            scenarios: results,
        };
        out::print(&(json::line(&summary) + "\n"));
    } else {
        if interrupted {
            out::print(&format!("INTERRUPTED after {} of {total} planned\n", output::counted(seeds_run, "seed")));
        }
        out::print(&output::summary(results.len(), failed, seeds_run, wall));
    }
    code
}

/// Each scenario with the seeds this run gives it (its regression seeds first when
/// `regressions_on`), or `None` after printing why a regression file cannot be read.
/// Under a shard, a healthy scenario gets its share of seeds and a flaw scenario all of
/// them or none (see [`Shard`]).
fn plan<'a>(
    scenarios: &'a [Box<dyn BoundScenario>],
    choice: &SeedChoice,
    shard: Option<Shard>,
    regressions_on: bool,
) -> Option<Vec<(&'a dyn BoundScenario, SeedPlan)>> {
    let mut flaws_seen = 0;
    let mut plans = Vec::new();
    let mut good = true;
    for scenario in scenarios {
        let scenario = scenario.as_ref();
        let share = match (scenario.expect(), shard) {
            (_, None) => Some(ShardOf::WHOLE),
            (Some(_), Some(shard)) => {
                flaws_seen += 1;
                shard.owns(flaws_seen - 1).then_some(ShardOf::WHOLE)
            }
            (None, Some(shard)) => Some(ShardOf { index: shard.index, count: shard.count }),
        };
        let seeds = match share {
            Some(share) if regressions_on => seed_plan(scenario, choice, share),
            Some(share) => Ok(fresh_seed_plan(scenario, choice, share)),
            None => Ok(SeedPlan::new(&[], 0, ShardOf::WHOLE)),
        };
        match seeds {
            Ok(seeds) => plans.push((scenario, seeds)),
            Err(e) => {
                eprintln!("{e}");
                good = false;
            }
        }
    }
    good.then_some(plans)
}

/// Runs the seeds of `plan` chunk by chunk, folding each into the tally, moving
/// `progress`, and printing JSON lines as they come when `json`. Stops between seeds
/// when the run is interrupted.
fn run_chunked(
    scenario: &dyn BoundScenario,
    plan: &SeedPlan,
    config: &RunConfig,
    progress: &Progress,
    json: bool,
) -> Tally {
    let mut tally = Tally::new(scenario);
    let mut seeds = plan.iter();
    // The first chunk is one seed per worker, so the first results show at once.
    let mut chunk_size = config.jobs;
    while !interrupt::requested() {
        let chunk: Vec<u64> = seeds.by_ref().take(chunk_size).collect();
        if chunk.is_empty() {
            break;
        }
        chunk_size = config.jobs.saturating_mul(SEEDS_PER_JOB_PER_CHUNK);
        let part = run_scenario(scenario, &chunk, config);
        progress.advance(part.seeds.len() as u64);
        if json {
            let lines: String = part
                .seeds
                .iter()
                .map(|s| json::line(&SeedLine::of(scenario, tally.expect.as_ref(), s)) + "\n")
                .collect();
            progress.print(&lines);
        }
        for report in part.seeds {
            tally.add(report);
        }
    }
    tally
}

fn result(tally: &Tally) -> ScenarioResult {
    ScenarioResult {
        name: tally.name.clone(),
        path: tally.path.display().to_string(),
        verdict: json::verdict(tally.passed()),
        seeds: tally.seeds,
        failed_seeds: tally.failed.iter().filter(|f| !f.detects).map(|f| f.seed).collect(),
        detecting_seeds: tally
            .expect
            .as_ref()
            .map(|_| tally.failed.iter().filter(|f| f.detects).map(|f| f.seed).collect()),
        expect: tally.expect.as_ref().map(|e| e.violation.clone()),
        detected_by: tally.detected_by.as_ref().map(|s| s.seed),
        reached: tally.coverage.clone(),
        faults_never_applied: tally.requirements.faults_never_applied(&tally.coverage),
        vacuous: if tally.expect.is_some() { Vec::new() } else { tally.vacuous() },
    }
}
