//! Many machines, as `docs/scaling.md` tells them to run: N shards as separate
//! processes at once in one checkout, then `otpsim merge`, must equal one unsharded
//! run: verdicts, failing seeds, regression files and exit code. The commands come
//! from the document itself, so the document cannot drift from what works.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::{code, files, json_lines, otpsim, repo, stderr, stdout, Scratch, BROKEN};

const SHARDS: u64 = 3;

/// The shell lines of the block under "## The two commands" in docs/scaling.md.
fn documented_commands() -> (String, String) {
    let doc = files::read(&repo().join("docs/scaling.md"));
    let section = doc.split("## The two commands").nth(1).expect("the section");
    let block = section.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("a sh block");
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "{block}");
    assert!(lines[0].starts_with("otpsim run ") && lines[1].starts_with("otpsim merge "), "{block}");
    (lines[0].to_owned(), lines[1].to_owned())
}

/// `line` run by `sh` in `dir`, with the otpsim binary first on PATH and `env` set.
fn shell(dir: &Path, line: &str, env: &[(&str, String)]) -> Command {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_otpsim"));
    let path = format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let mut command = Command::new("sh");
    command.arg("-c").arg(line).current_dir(dir).env("PATH", path);
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// A checkout with healthy, failing and flaw scenarios, small enough to run in seconds.
fn checkout(name: &str) -> Scratch {
    let scratch = Scratch::new(name);
    let calm = files::read(&repo().join("scenarios/calm.toml")).replace("seeds = 16", "seeds = 5");
    scratch.file("scenarios/calm.toml", &calm);
    scratch
        .file("scenarios/broken.toml", &format!("seeds = 14\n{BROKEN}").replace("name = \"broken\"", "name = \"b\""));
    let found = format!("{BROKEN}\n[expect]\nviolation = \"no_task_lost\"\nwithin_seeds = 3\n");
    scratch.file("scenarios/flaws/found.toml", &found.replace("\"broken\"", "\"found\""));
    let missed = format!("{BROKEN}\n[expect]\nviolation = \"fifo_delivery\"\nwithin_seeds = 2\n");
    scratch.file("scenarios/flaws/missed.toml", &missed.replace("\"broken\"", "\"missed\""));
    scratch
}

/// Per scenario file: verdict, seeds run, failing seeds (sorted), the flaw's finder.
fn results(summary: &Value) -> BTreeMap<String, (String, u64, BTreeSet<u64>, Value)> {
    let scenarios = summary["scenarios"].as_array().expect("scenarios");
    scenarios
        .iter()
        .map(|s| {
            let failed = s["failed_seeds"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
            let key = s["path"].as_str().unwrap().to_owned();
            (
                key,
                (
                    s["verdict"].as_str().unwrap().to_owned(),
                    s["seeds"].as_u64().unwrap(),
                    failed,
                    s["detected_by"].clone(),
                ),
            )
        })
        .collect()
}

fn regressions(dir: &Path) -> BTreeSet<u64> {
    let text = files::read(&dir.join("scenarios/broken.toml.regressions"));
    assert!(text.starts_with("# Seeds that once failed") && text.matches("# Seeds").count() == 1, "{text}");
    text.lines().skip(1).map(|l| l.split(" # ").next().unwrap().parse().expect(l)).collect()
}

fn finished(output: &Output) -> &Output {
    assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
    output
}

#[test]
fn shards_run_at_once_and_merged_equal_one_unsharded_run() {
    let (run_line, merge_line) = documented_commands();
    let sharded = checkout("shards-sharded");
    let children: Vec<_> = (1..=SHARDS)
        .map(|k| {
            let env = [("SHARD", k.to_string()), ("SHARDS", SHARDS.to_string())];
            shell(&sharded.0, &run_line, &env).stderr(std::process::Stdio::piped()).spawn().expect("sh runs")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("a shard ends");
        assert_eq!(code(finished(&output)), 1, "a shard failed to run: {}", stderr(&output));
    }
    let merged_text = shell(&sharded.0, &merge_line, &[]).output().expect("merge runs");
    let merged_json = shell(&sharded.0, &format!("{merge_line} --json"), &[]).output().expect("merge runs");

    let whole = checkout("shards-whole");
    let single = otpsim(&whole.0, &["run", "scenarios/", "--json"]);
    let (_, single_summary) = json_lines(finished(&single));
    let merged_summary: Value = serde_json::from_str(stdout(&merged_json).trim()).expect("one JSON object");

    assert_eq!(code(&single), 1, "{}", stderr(&single));
    assert_eq!(code(&merged_text), code(&single), "{}{}", stdout(&merged_text), stderr(&merged_text));
    assert_eq!(code(&merged_json), code(&single));
    assert_eq!(merged_summary["exit_code"], single_summary["exit_code"]);
    assert_eq!(merged_summary["seeds"], single_summary["seeds"]);
    assert_eq!(results(&merged_summary), results(&single_summary));
    assert_eq!(regressions(&sharded.0), regressions(&whole.0));
    assert_eq!(regressions(&whole.0), (0..14).collect());

    let text = stdout(&merged_text);
    assert!(text.contains("FAIL b (14 of 14 seeds failed)\n"), "{text}");
    let replay = format!(" -- replay {}/scenarios/broken.toml --seed 0\n", sharded.0.display());
    assert!(text.contains("  replay: cd ") && text.contains(&replay), "{text}");
    assert!(text.contains("PASS found: no_task_lost found by seed 0 (3 seeds)\n"), "{text}");
    assert!(text.contains("FAIL missed: fifo_delivery not found in 2 seeds\n"), "{text}");
    assert!(text.ends_with("FAIL: 2 of 4 scenarios failed (24 seeds, 3 shards)\n"), "{text}");
}

#[test]
fn a_merge_missing_a_shard_is_bad_input() {
    let (run_line, _) = documented_commands();
    let sharded = checkout("shards-missing");
    for k in [1, 3] {
        let env = [("SHARD", k.to_string()), ("SHARDS", SHARDS.to_string())];
        shell(&sharded.0, &run_line, &env).output().expect("sh runs");
    }
    let output = otpsim(&sharded.0, &["merge", "shard-1.jsonl", "shard-3.jsonl"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("shard 2/3 is missing"), "{}", stderr(&output));
    let truncated = sharded.file("cut.jsonl", "{\"type\":\"seed\"}\n");
    let output = otpsim(&sharded.0, &["merge", truncated.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("no summary line"), "{}", stderr(&output));
}
