//! `otpsim explore`: coverage-guided search of one scenario's fault plans.
//!
//! Prints each coverage point as it is first reached and the progress per batch, stops
//! at the first violation (a flaw scenario's expected one, or any failure of a healthy
//! one) or when `--runs` are spent, and writes the find as a scenario file with an
//! explicit fault list that `replay` reproduces with the printed seed.

use std::path::PathBuf;

use clap::Args;
use otpsim_harness::explore::{self, Progress};
use otpsim_harness::suite::BoundScenario;
use otpsim_harness::RunConfig;

use super::{exit, files, load, out, output};

/// Arguments of `otpsim explore`.
#[derive(Args, Debug)]
pub struct ExploreArgs {
    /// The scenario file to explore.
    #[arg(value_name = "SCENARIO")]
    path: PathBuf,
    /// The budget: runs at most.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    runs: u64,
    /// The exploration seed: the same seed explores the same way.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Worker threads [default: available cores].
    #[arg(long, value_name = "J", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Where to write a find [default: <scenario>-explore-<seed>.toml beside the scenario's
    /// plan files in the system's temporary directory].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `otpsim explore`; returns the exit code.
pub fn explore(args: &ExploreArgs) -> u8 {
    let Some(scenario) = load::one(&args.path, false) else {
        return exit::BAD_INPUT;
    };
    let config = RunConfig::default().jobs(super::run::jobs(args.jobs, false));
    let name = output::shown(scenario.name());
    let outcome = explore::explore(scenario.as_ref(), args.runs, args.seed, &config, |event| match event {
        Progress::NewPoint { run, point } => out::print(&format!("new point at run {run}: {point}\n")),
        Progress::Batch { runs, corpus, points } => {
            eprint!("\rexplore {name}: {runs}/{} runs, corpus {corpus}, {points} points", args.runs);
        }
    });
    eprintln!();
    let flaw = scenario.expect();
    let Some(find) = outcome.find else {
        out::print(&format!("no violation in {} of {name}\n", output::counted(outcome.runs, "run")));
        return exit::of(flaw.is_none());
    };
    let path = args.out.clone().unwrap_or_else(|| default_out(scenario.as_ref(), args.seed));
    let found = scenario.with_plan(&find.candidate.plan);
    if let Err(e) = files::create_parent(&path).and_then(|()| files::write_whole(&path, &found.to_toml())) {
        eprintln!("{}: cannot write the find: {e}", path.display());
        return exit::BAD_INPUT;
    }
    let mut text = format!(
        "FOUND at run {}: seed {} {} ({} faults)\n",
        find.run,
        find.candidate.seed,
        find.report.verdict,
        find.candidate.plan.events.len()
    );
    text.push_str(&output::violations(&find.report.violations, 1, "  "));
    text.push_str(&format!("  written: {}\n", path.display()));
    text.push_str(&format!("  replay: {}\n", output::replay_command(&path, find.candidate.seed)));
    out::print(&text);
    exit::of(flaw.is_some())
}

fn default_out(scenario: &dyn BoundScenario, seed: u64) -> PathBuf {
    let plan_dir = super::plan_view::file_for(scenario.name(), 0);
    let dir = plan_dir.parent().map(PathBuf::from).unwrap_or_default();
    dir.join(format!("explore-{seed}.toml"))
}
