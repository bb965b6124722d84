//! `otpsim coverage`: what a directory of scenarios exercises together.
//!
//! Runs every scenario over its default seeds (or `--seeds N`), adds up the coverage
//! points their seeds reached, and prints each point with the scenarios, seeds and hits
//! that reached it, then every point the system can mark that no scenario reached: the
//! situations no scenario tests yet.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use clap::Args;
use otpsim_harness::coverage::{Coverage, PointCount};
use otpsim_harness::seeds::ShardOf;
use otpsim_harness::suite::{run_scenario, seed_plan, SeedChoice};
use otpsim_harness::tally::Tally;
use otpsim_harness::RunConfig;
use serde::Serialize;

use super::progress::Progress;
use super::{exit, interrupt, json, load, out, output};

/// Arguments of `otpsim coverage`.
#[derive(Args, Debug)]
pub struct CoverageArgs {
    /// Scenario files, or directories to search for `*.toml`.
    #[arg(required = true, value_name = "SCENARIO|DIR")]
    paths: Vec<PathBuf>,
    /// Run the first N seeds of each scenario [default: each scenario's own count].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    seeds: Option<u64>,
    /// Worker threads [default: available cores].
    #[arg(long, value_name = "J", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// One point over every scenario.
#[derive(Clone, Debug, Default, Serialize)]
struct Reach {
    scenarios: Vec<String>,
    seeds: u64,
    hits: u64,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct Report {
    #[serde(rename = "type")]
    kind: &'static str,
    scenarios: usize,
    seeds: u64,
    points: BTreeMap<String, Reach>,
    never_reached: Vec<String>,
    faults_never_applied: BTreeMap<String, Vec<String>>,
}

/// Runs `otpsim coverage`; returns the exit code.
pub fn coverage(args: &CoverageArgs) -> u8 {
    let Some(scenarios) = load::all_or_report(&args.paths, args.json) else {
        return exit::BAD_INPUT;
    };
    let choice = args.seeds.map_or(SeedChoice::Default, SeedChoice::Count);
    let config = RunConfig::default().jobs(super::run::jobs(args.jobs, false));
    let mut points: BTreeMap<String, Reach> = BTreeMap::new();
    let mut known: BTreeSet<&'static str> = BTreeSet::new();
    let mut never_applied = BTreeMap::new();
    let mut seeds_run = 0;
    let total: u64 =
        scenarios.iter().map(|s| args.seeds.unwrap_or_else(|| s.expect().map_or(s.seeds(), |e| e.within_seeds))).sum();
    let progress = Progress::new(total, !args.json);
    for scenario in &scenarios {
        if interrupt::requested() {
            break;
        }
        let plan = match seed_plan(scenario.as_ref(), &choice, ShardOf::WHOLE) {
            Ok(plan) => plan,
            Err(e) => {
                eprintln!("{e}");
                return exit::BAD_INPUT;
            }
        };
        progress.scenario(&output::shown(scenario.name()));
        let seeds: Vec<u64> = plan.iter().collect();
        let mut tally = Tally::new(scenario.as_ref());
        for report in run_scenario(scenario.as_ref(), &seeds, &config).seeds {
            tally.add(report);
        }
        progress.advance(tally.seeds);
        seeds_run += tally.seeds;
        known.extend(scenario.known_points());
        add(&mut points, scenario.name(), &tally.coverage);
        let never = tally.requirements.faults_never_applied(&tally.coverage);
        if !never.is_empty() {
            never_applied.insert(scenario.name().to_owned(), never);
        }
    }
    progress.finish();
    let never_reached: Vec<String> =
        known.iter().filter(|p| !points.contains_key(**p)).map(|p| (*p).to_owned()).collect();
    let report = Report {
        kind: "coverage",
        scenarios: scenarios.len(),
        seeds: seeds_run,
        points,
        never_reached,
        faults_never_applied: never_applied,
    };
    if args.json {
        out::print(&(json::line(&report) + "\n"));
    } else {
        out::print(&text(&report));
    }
    if interrupt::requested() {
        exit::INTERRUPTED
    } else {
        exit::PASS
    }
}

fn add(points: &mut BTreeMap<String, Reach>, scenario: &str, coverage: &Coverage) {
    for (name, PointCount { seeds, hits }) in coverage.points.iter().map(|(n, c)| (n, *c)) {
        let reach = points.entry(name.clone()).or_default();
        reach.scenarios.push(scenario.to_owned());
        reach.seeds += seeds;
        reach.hits += hits;
    }
}

/// The report for people: one line per point, then what was never reached.
fn text(report: &Report) -> String {
    let mut text = format!(
        "coverage over {} ({}):\n",
        output::counted(report.scenarios, "scenario"),
        output::counted(report.seeds, "seed")
    );
    let width = report.points.keys().map(String::len).max().unwrap_or(0);
    for (name, reach) in report.points.iter().filter(|(n, _)| !otpsim_harness::coverage::point::is_fault(n)) {
        text.push_str(&format!(
            "  {name:<width$}  {:>3} scenarios {:>6} seeds {:>9} hits\n",
            reach.scenarios.len(),
            reach.seeds,
            reach.hits
        ));
    }
    if report.never_reached.is_empty() {
        text.push_str("every known point was reached\n");
    } else {
        text.push_str(&format!("never reached anywhere ({}):\n", report.never_reached.len()));
        for point in &report.never_reached {
            text.push_str(&format!("  {point}\n"));
        }
    }
    for (scenario, never) in &report.faults_never_applied {
        for fault in never {
            text.push_str(&format!("{}: fault {fault}\n", output::shown(scenario)));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_added_over_scenarios_and_unreached_ones_listed() {
        let mut points = BTreeMap::new();
        let mut a = Coverage::default();
        a.add_seed([("agent.paused", 2), ("fault.applied.crash.workflow", 1)]);
        let mut b = Coverage::default();
        b.add_seed([("agent.paused", 1)]);
        add(&mut points, "calm", &a);
        add(&mut points, "storm", &b);
        let report = Report {
            kind: "coverage",
            scenarios: 2,
            seeds: 2,
            points,
            never_reached: vec!["manager.buffer_overflow".into()],
            faults_never_applied: BTreeMap::from([(
                "storm".into(),
                vec!["node_crash never applied (never planned)".into()],
            )]),
        };
        let text = text(&report);
        assert!(text.contains("agent.paused                    2 scenarios      2 seeds         3 hits"), "{text}");
        assert!(!text.contains("fault.applied"), "{text}");
        assert!(text.contains("never reached anywhere (1):\n  manager.buffer_overflow\n"), "{text}");
        assert!(text.ends_with("storm: fault node_crash never applied (never planned)\n"), "{text}");
    }
}
