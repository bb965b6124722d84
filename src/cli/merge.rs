//! `otpsim merge`: the `run --json` outputs of the shards of one run, read back as the
//! result of a single run: every scenario's verdict, its failing seeds with the
//! commands that replay them, and the exit code the unsharded run would have had.
//!
//! Shards must add up: every file needs its summary line, and files that name their
//! shard (`"shard": "K/N"`) must cover each K of one N exactly once. A shard that was
//! interrupted or whose bookkeeping failed makes the merged run so too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use otpsim_harness::coverage::Coverage;
use serde::Deserialize;

use super::json::{self, ScenarioResult, SummaryLine};
use super::output::{counted, replay_command, shown};
use super::{exit, out};

/// Failing seeds whose replay command is printed per scenario; the rest are counted.
const REPLAYS_SHOWN: usize = 5;

/// Arguments of `otpsim merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The `run --json` output of each shard.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print the merged summary as one JSON object (the summary line of `run --json`).
    #[arg(long)]
    json: bool,
}

/// The summary line of one shard's output.
#[derive(Debug, Deserialize)]
struct ShardSummary {
    exit_code: u8,
    #[serde(default)]
    shard: Option<String>,
    #[serde(default)]
    interrupted: bool,
    scenarios: Vec<ShardScenario>,
}

/// One scenario's result in a shard's summary.
#[derive(Debug, Deserialize)]
struct ShardScenario {
    name: String,
    path: String,
    seeds: u64,
    failed_seeds: Vec<u64>,
    #[serde(default)]
    detecting_seeds: Option<Vec<u64>>,
    #[serde(default)]
    expect: Option<String>,
    #[serde(default)]
    detected_by: Option<u64>,
    #[serde(default)]
    reached: Coverage,
    #[serde(default)]
    faults_never_applied: Option<Vec<String>>,
    #[serde(default)]
    vacuous: Option<Vec<String>>,
}

/// One scenario over every shard.
#[derive(Debug, Default)]
struct Merged {
    name: String,
    seeds: u64,
    failed_seeds: Vec<u64>,
    detecting_seeds: Option<Vec<u64>>,
    expect: Option<String>,
    detected_by: Option<u64>,
    reached: Coverage,
    /// Faults no shard applied (`None` until a shard reports its list).
    faults_never_applied: Option<Vec<String>>,
    /// Why every shard was vacuous (`None` until a shard reports its list).
    vacuous: Option<Vec<String>>,
}

impl Merged {
    fn passed(&self) -> bool {
        match self.expect {
            Some(_) => self.detected_by.is_some(),
            None => self.failed_seeds.is_empty() && self.vacuous.as_ref().is_none_or(Vec::is_empty),
        }
    }
}

/// The reasons both lists give, compared by what they name: each shard counts its
/// own seeds and skips, so "… in 8 seed(s)" and "… in 9 seed(s)" are one reason.
fn in_both(before: Option<Vec<String>>, now: &[String]) -> Vec<String> {
    let what = |line: &str| line.split([' ', '(']).take(4).collect::<Vec<_>>().join(" ");
    match before {
        None => now.to_vec(),
        Some(before) => before.into_iter().filter(|b| now.iter().any(|n| what(n) == what(b))).collect(),
    }
}

/// Runs `otpsim merge`; returns the exit code.
pub fn merge(args: &MergeArgs) -> u8 {
    let mut summaries = Vec::new();
    for file in &args.files {
        match read_summary(file) {
            Ok(summary) => summaries.push((file.as_path(), summary)),
            Err(message) => {
                eprintln!("{}: {message}", file.display());
                return exit::BAD_INPUT;
            }
        }
    }
    if let Err(message) = check_shards(&summaries) {
        eprintln!("error: {message}");
        return exit::BAD_INPUT;
    }
    let scenarios = combine(summaries.iter().map(|(_, s)| s));
    let failed = scenarios.values().filter(|s| !s.passed()).count();
    let interrupted = summaries.iter().any(|(_, s)| s.interrupted);
    let code = if summaries.iter().any(|(_, s)| s.exit_code == exit::BAD_INPUT) {
        exit::BAD_INPUT
    } else if interrupted {
        exit::INTERRUPTED
    } else {
        exit::of(failed == 0)
    };
    let seeds: u64 = scenarios.values().map(|s| s.seeds).sum();
    if args.json {
        let summary = SummaryLine {
            kind: "summary",
            verdict: json::verdict(failed == 0 && !interrupted),
            exit_code: code,
            seeds,
            wall_ms: 0.0,
            shard: None,
            interrupted,
            scenarios: scenarios.iter().map(|(path, s)| result(path, s)).collect(),
        };
        out::print(&(json::line(&summary) + "\n"));
    } else {
        let mut text = String::new();
        for (path, scenario) in &scenarios {
            text.push_str(&told(path, scenario));
        }
        let held = scenarios.len() - failed;
        let shards = counted(summaries.len(), "shard");
        text.push_str(&match failed {
            0 => format!("PASS: {} held ({}, {shards})\n", counted(held, "scenario"), counted(seeds, "seed")),
            _ => format!(
                "FAIL: {failed} of {} failed ({}, {shards})\n",
                counted(scenarios.len(), "scenario"),
                counted(seeds, "seed")
            ),
        });
        out::print(&text);
    }
    code
}

/// The summary line of a `run --json` output file.
fn read_summary(file: &Path) -> Result<ShardSummary, String> {
    let bytes = files::read(file).map_err(|e| format!("cannot read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()))?;
    let (number, line) = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains("\"type\":\"summary\""))
        .last()
        .ok_or("no summary line: not the output of `otpsim run --json`, or the run did not finish")?;
    serde_json::from_str(line).map_err(|e| format!("line {}: not a run summary: {e}", number + 1))
}

/// Checks that shards which name themselves cover each K of one N exactly once.
fn check_shards(summaries: &[(&Path, ShardSummary)]) -> Result<(), String> {
    let mut seen: BTreeMap<u64, &Path> = BTreeMap::new();
    let mut count = None;
    for (file, summary) in summaries {
        let Some(shard) = &summary.shard else { continue };
        let (k, n) = shard
            .split_once('/')
            .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<u64>().ok()?)))
            .ok_or_else(|| format!("{}: shard {shard:?} is not K/N", file.display()))?;
        if *count.get_or_insert(n) != n {
            return Err(format!("{}: shard {shard} is not of {} shards like the others", file.display(), n));
        }
        if let Some(other) = seen.insert(k, file) {
            return Err(format!("shard {shard} given twice: {} and {}", other.display(), file.display()));
        }
    }
    if let Some(n) = count {
        if let Some(missing) = (1..=n).find(|k| !seen.contains_key(k)) {
            return Err(format!("shard {missing}/{n} is missing: merge the outputs of all {n} shards"));
        }
    }
    Ok(())
}

/// Every scenario over all shards, by file.
fn combine<'a>(summaries: impl Iterator<Item = &'a ShardSummary>) -> BTreeMap<String, Merged> {
    let mut merged: BTreeMap<String, Merged> = BTreeMap::new();
    for scenario in summaries.flat_map(|s| &s.scenarios) {
        let entry = merged.entry(scenario.path.clone()).or_default();
        entry.name.clone_from(&scenario.name);
        entry.seeds += scenario.seeds;
        entry.failed_seeds.extend(&scenario.failed_seeds);
        if let Some(detecting) = &scenario.detecting_seeds {
            entry.detecting_seeds.get_or_insert_with(Vec::new).extend(detecting);
        }
        entry.expect.clone_from(&scenario.expect);
        entry.reached.merge(&scenario.reached);
        // Never applied (or vacuous) over all shards means so in every shard.
        if let Some(never) = &scenario.faults_never_applied {
            entry.faults_never_applied = Some(in_both(entry.faults_never_applied.take(), never));
        }
        if let Some(vacuous) = &scenario.vacuous {
            entry.vacuous = Some(in_both(entry.vacuous.take(), vacuous));
        }
        entry.detected_by = match (entry.detected_by, scenario.detected_by) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    for scenario in merged.values_mut() {
        scenario.failed_seeds.sort_unstable();
        scenario.failed_seeds.dedup();
        if let Some(detecting) = &mut scenario.detecting_seeds {
            detecting.sort_unstable();
            detecting.dedup();
        }
    }
    merged
}

fn result(path: &str, scenario: &Merged) -> ScenarioResult {
    ScenarioResult {
        name: scenario.name.clone(),
        path: path.to_owned(),
        verdict: json::verdict(scenario.passed()),
        seeds: scenario.seeds,
        failed_seeds: scenario.failed_seeds.clone(),
        detecting_seeds: scenario.detecting_seeds.clone(),
        expect: scenario.expect.clone(),
        detected_by: scenario.detected_by,
        reached: scenario.reached.clone(),
        faults_never_applied: scenario.faults_never_applied.clone().unwrap_or_default(),
        vacuous: scenario.vacuous.clone().unwrap_or_default(),
    }
}

/// One scenario's lines: its verdict and, for failing seeds, how to replay them.
fn told(path: &str, scenario: &Merged) -> String {
    let seeds = counted(scenario.seeds, "seed");
    let name = shown(&scenario.name);
    if let Some(violation) = &scenario.expect {
        return match scenario.detected_by {
            Some(seed) => format!("PASS {name}: {violation} found by seed {seed} ({seeds})\n"),
            None => format!("FAIL {name}: {violation} not found in {seeds}\n"),
        };
    }
    let failing = &scenario.failed_seeds;
    if failing.is_empty() {
        return format!("PASS {name} ({seeds})\n");
    }
    let mut text = format!("FAIL {name} ({} of {seeds} failed)\n", failing.len());
    for seed in failing.iter().take(REPLAYS_SHOWN) {
        text.push_str(&format!("  replay: {}\n", replay_command(Path::new(path), *seed)));
    }
    if failing.len() > REPLAYS_SHOWN {
        text.push_str(&format!("  and {} more failing seeds\n", failing.len() - REPLAYS_SHOWN));
    }
    text
}

/// Real file access: shard outputs are read by the CLI, outside any simulation.
mod files {
    use std::path::Path;

    #[allow(clippy::disallowed_methods)] // reads a shard's output file
    pub(super) fn read(path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(name: Option<&str>, failed: &[u64], detected: Option<u64>) -> ShardSummary {
        let healthy = ShardScenario {
            name: "storm".to_owned(),
            path: "s/storm.toml".to_owned(),
            seeds: 10,
            failed_seeds: failed.to_vec(),
            detecting_seeds: None,
            expect: None,
            detected_by: None,
            reached: Coverage::default(),
            faults_never_applied: Some(Vec::new()),
            vacuous: Some(Vec::new()),
        };
        let flaw = ShardScenario {
            name: "flaw".to_owned(),
            path: "s/flaw.toml".to_owned(),
            seeds: u64::from(detected.is_some()) * 4,
            failed_seeds: Vec::new(),
            detecting_seeds: Some(detected.into_iter().collect()),
            expect: Some("no_task_lost".to_owned()),
            detected_by: detected,
            reached: Coverage::default(),
            faults_never_applied: None,
            vacuous: None,
        };
        ShardSummary {
            exit_code: 1,
            shard: name.map(str::to_owned),
            interrupted: false,
            scenarios: vec![healthy, flaw],
        }
    }

    #[test]
    fn a_scenario_is_vacuous_over_shards_only_for_what_every_shard_missed() {
        let mut shards = [shard(Some("1/2"), &[], None), shard(Some("2/2"), &[], None)];
        let never = |seeds: u64| format!("node_crash never applied (skipped: {seeds} × node_already_down)");
        shards[0].scenarios[0].faults_never_applied = Some(vec![never(2), "partition never applied".into()]);
        shards[0].scenarios[0].vacuous = Some(vec![never(2), "partition never applied".into()]);
        shards[1].scenarios[0].faults_never_applied = Some(vec![never(5)]);
        shards[1].scenarios[0].vacuous = Some(vec![never(5)]);
        shards[1].scenarios[0].reached.add_seed([("agent.paused", 2)]);
        let merged = combine(shards.iter());
        let storm = &merged["s/storm.toml"];
        assert_eq!(storm.faults_never_applied.as_deref(), Some(&[never(2)][..]));
        assert!(!storm.passed(), "node_crash never landed in any shard");
        assert_eq!(storm.reached.get("agent.paused").map(|c| c.hits), Some(2));
        shards[1].scenarios[0].vacuous = Some(Vec::new());
        assert!(combine(shards.iter())["s/storm.toml"].passed(), "one shard that was not vacuous is enough");
    }

    #[test]
    fn shards_add_up_to_one_run() {
        let shards = [shard(Some("1/2"), &[4, 2], None), shard(Some("2/2"), &[3], Some(1))];
        let merged = combine(shards.iter());
        assert_eq!(merged["s/storm.toml"].failed_seeds, [2, 3, 4]);
        assert_eq!(merged["s/storm.toml"].seeds, 20);
        assert!(!merged["s/storm.toml"].passed() && merged["s/flaw.toml"].passed());
        assert_eq!(merged["s/flaw.toml"].detected_by, Some(1));
        let text = told("s/storm.toml", &merged["s/storm.toml"]);
        let replay = text.lines().nth(1).unwrap_or_default();
        assert!(replay.starts_with("  replay: cd /"), "{text}");
        assert!(replay.ends_with("/s/storm.toml --seed 2"), "{text}");
    }

    #[test]
    fn shards_must_cover_each_index_once() {
        let path = Path::new("a.jsonl");
        let check = |names: &[&str]| {
            let summaries: Vec<_> = names.iter().map(|n| (path, shard(Some(n), &[], None))).collect();
            check_shards(&summaries)
        };
        assert!(check(&["1/3", "3/3", "2/3"]).is_ok());
        assert_eq!(check(&["1/3", "3/3"]).unwrap_err(), "shard 2/3 is missing: merge the outputs of all 3 shards");
        assert!(check(&["1/2", "1/2", "2/2"]).unwrap_err().starts_with("shard 1/2 given twice"));
        assert!(check(&["1/2", "2/3"]).is_err());
    }
}
