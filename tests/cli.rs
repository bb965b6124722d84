//! The `otpsim` binary as users run it: exit codes, error messages, run output, JSON
//! lines, replay and trace export.
//!
//! Each test works in its own temporary directory with copies of the scenario files it
//! needs, so a failing seed's regression file never lands in the repository's
//! `scenarios/`. Error messages are compared with snapshots in `tests/snapshots/`;
//! run with `OTPSIM_BLESS=1` to rewrite them after a deliberate change.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{code, files, json_lines, otpsim, otpsim_command, repo, stderr, stdout, Scratch, BROKEN};

/// Compares `actual` with `tests/snapshots/<name>.txt`, or rewrites it under `OTPSIM_BLESS=1`.
fn assert_snapshot(name: &str, actual: &str) {
    let path = repo().join("tests/snapshots").join(format!("{name}.txt"));
    if std::env::var_os("OTPSIM_BLESS").is_some() {
        files::write(&path, actual);
        return;
    }
    assert!(files::exists(&path), "no snapshot {}: run with OTPSIM_BLESS=1 to write it", path.display());
    let expected = files::read(&path);
    assert_eq!(actual, expected, "output differs from {} (OTPSIM_BLESS=1 rewrites it)", path.display());
}

/// The value after `label: ` on the line that starts with it.
fn labelled<'a>(text: &'a str, label: &str) -> &'a str {
    let prefix = format!("{label}: ");
    text.lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no `{label}:` line in\n{text}"))
}

/// A calm system whose one seed is expected to orphan processes: it never does.
const IMPOSSIBLE: &str = r#"
name = "impossible"
seeds = 1

[workload]
tasks = 20
submit_over = "2s"

[faults]
until = "3s"

[check]
settle = "10s"

[expect]
violation = "no_orphan_processes"
within_seeds = 1
"#;

#[test]
fn check_accepts_good_files_and_names_file_line_and_field_of_bad_ones() {
    let scratch = Scratch::new("check");
    scratch.calm();
    scratch.file("unknown-key.toml", "name = \"typo\"\n\n[expect]\nviolations = \"no_task_lost\"\n");
    scratch.file("bad-duration.toml", "name = \"slow\"\n\n[faults]\nnode_crash = { every = \"soon\" }\n");
    scratch.file("not-toml.toml", "name = \"broken\nseeds = 4\n");
    scratch.file("unknown-invariant.toml", "name = \"flaw\"\n\n[expect]\nviolation = \"no_tasks_lost\"\n");
    scratch.file("unknown-sim.toml", "name = \"other\"\nsim = \"riak\"\n");

    let good = otpsim(&scratch.0, &["check", "calm.toml"]);
    assert_eq!((code(&good), stdout(&good).as_str(), stderr(&good).as_str()), (0, "ok calm.toml\n", ""));

    let files = ["calm.toml", "unknown-key.toml", "bad-duration.toml", "not-toml.toml", "unknown-invariant.toml"];
    let mixed = otpsim(&scratch.0, &["check", files[0], files[1], files[2], files[3], files[4], "unknown-sim.toml"]);
    assert_eq!(code(&mixed), 2);
    assert_eq!(stdout(&mixed), "ok calm.toml\n");
    assert_snapshot("check_errors", &stderr(&mixed));
}

#[test]
fn check_rejects_bad_ranges_with_exit_two_naming_file_line_and_field() {
    let scratch = Scratch::new("check-ranges");
    scratch.file("reversed.toml", "name = \"r\"\n\n[config]\nbuffer_max_size = [200, 1]\n");
    scratch.file("no-range.toml", "name = \"r\"\n\n[faults]\nuntil = [\"10s\", \"20s\"]\n");
    scratch.file("low-end.toml", "name = \"r\"\n\n[system]\ntask_agents = [0, 16]\n");
    scratch.file("ranged.toml", "name = \"r\"\n\n[system]\ntask_agents = [1, 16]\n");
    let expected = [
        ("reversed.toml", "reversed.toml:4:19: `config.buffer_max_size`: range [200, 1] is reversed"),
        ("no-range.toml", "no-range.toml:4:9: `faults.until`: invalid type: sequence"),
        ("low-end.toml", "low-end.toml:4:14: `system.task_agents`: task_agents = 0: no agent could ever run a task"),
    ];
    for (file, start) in expected {
        let output = otpsim(&scratch.0, &["check", file]);
        assert_eq!(code(&output), 2, "{file}: {}", stderr(&output));
        assert!(stderr(&output).starts_with(start), "{file}: {}", stderr(&output));
    }
    let good = otpsim(&scratch.0, &["check", "ranged.toml"]);
    assert_eq!(code(&good), 0, "{}", stderr(&good));
}

#[test]
fn check_of_a_directory_checks_every_scenario_in_it() {
    let scratch = Scratch::new("check-dir");
    scratch.calm();
    scratch.file("sub/calm-too.toml", &files::read(&repo().join("scenarios/calm.toml")));
    let output = otpsim(&scratch.0, &["check", "."]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "ok ./calm.toml\nok ./sub/calm-too.toml\n");
}

#[test]
fn run_of_calm_over_two_seeds_passes_with_exit_zero() {
    let scratch = Scratch::new("run-calm");
    scratch.calm();
    let output = otpsim(&scratch.0, &["run", "calm.toml", "--seeds", "2", "--jobs", "2"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 0, "{text}{}", stderr(&output));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("PASS calm (2 seeds, ") && lines[0].ends_with("s)"), "{text}");
    assert!(lines[1].starts_with("  reached: "), "{text}");
    assert!(lines[2].starts_with("PASS: 1 scenario held (2 seeds, "), "{text}");
    assert!(!files::exists(&scratch.0.join("calm.toml.regressions")), "a passing run recorded regressions");
}

#[test]
fn an_expected_violation_that_never_shows_fails_the_run_with_exit_one() {
    let scratch = Scratch::new("impossible");
    scratch.file("impossible.toml", IMPOSSIBLE);
    let output = otpsim(&scratch.0, &["run", "impossible.toml"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 1, "{text}{}", stderr(&output));
    assert!(text.starts_with("FAIL impossible: no_orphan_processes not found in 1 seed\n"), "{text}");
    assert!(text.contains("\nFAIL: 1 of 1 scenario failed (1 seed, "), "{text}");
}

#[test]
fn a_failing_seed_shows_its_fault_plan_and_replay_command_and_runs_first_next_time() {
    let scratch = Scratch::new("broken");
    scratch.file("broken.toml", BROKEN);
    let output = otpsim(&scratch.0, &["run", "broken.toml", "--seed", "1"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 1, "{text}{}", stderr(&output));
    assert!(text.starts_with("FAIL broken (1 of 1 seed failed, "), "{text}");
    assert!(text.contains("\n  broken seed 1: FAIL: violated: no_task_lost\n    no_task_lost violated at "), "{text}");
    assert!(text.contains("\n  fault plan (seed 1): "), "{text}");
    let plan_file = labelled(&text, "    full plan");
    assert!(files::read(Path::new(plan_file)).starts_with("seed = 1\n"), "{plan_file}");
    let replay = labelled(&text, "  replay");
    let scenario = scratch.0.join("broken.toml");
    assert!(replay.starts_with(&format!("cd {} && cargo run --release -- replay /", repo().display())), "{text}");
    assert!(replay.ends_with(&format!(" -- replay {} --seed 1", scenario.display())), "{text}");
    let recorded = files::read(&scratch.0.join("broken.toml.regressions"));
    assert!(recorded.lines().any(|line| line.starts_with("1 # ")), "{recorded}");

    let again = otpsim(&scratch.0, &["run", "broken.toml", "--seeds", "1", "--json"]);
    let order: Vec<u64> = json_lines(&again).0.iter().map(|s| s["seed"].as_u64().unwrap()).collect();
    assert_eq!(order, [1, 0], "the recorded seed did not run first");

    let replay = otpsim(&scratch.0, &["replay", "broken.toml", "--seed", "1"]);
    assert_eq!(code(&replay), 1);
    assert_eq!(labelled(&stdout(&replay), "verdict"), "FAIL: violated: no_task_lost");
}

#[test]
fn with_regressions_switched_off_a_run_neither_tries_nor_records_failing_seeds() {
    let scratch = Scratch::new("unrecorded");
    scratch.file("broken.toml", BROKEN);
    let earlier = format!("{}\n3 # an earlier failure\n", otpsim_harness::regressions::HEADER);
    scratch.file("broken.toml.regressions", &earlier);
    let output = otpsim(&scratch.0, &["run", "broken.toml", "--seeds", "1", "--json", "--no-regressions"]);
    assert_eq!(code(&output), 1, "{}{}", stdout(&output), stderr(&output));
    let order: Vec<u64> = json_lines(&output).0.iter().map(|s| s["seed"].as_u64().unwrap()).collect();
    assert_eq!(order, [0], "a regression seed ran");

    let switched_off = otpsim_command(&scratch.0, &["run", "broken.toml", "--seed", "1"])
        .env(otpsim_harness::regressions::SWITCH, "off")
        .output()
        .expect("otpsim runs");
    let text = stdout(&switched_off);
    assert_eq!(code(&switched_off), 1, "{text}{}", stderr(&switched_off));
    assert!(text.contains("\n  failing seeds not recorded (regressions switched off)\n"), "{text}");
    assert_eq!(files::read(&scratch.0.join("broken.toml.regressions")), earlier, "the file changed");
}

#[test]
fn a_flaw_scenario_passes_when_a_seed_finds_its_violation() {
    let scratch = Scratch::new("flaw");
    let flaw = format!("{BROKEN}\n[expect]\nviolation = \"no_task_lost\"\nwithin_seeds = 2\n");
    scratch.file("flaw.toml", &flaw);
    let output = otpsim(&scratch.0, &["run", "flaw.toml"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 0, "{text}{}", stderr(&output));
    assert!(text.starts_with("PASS broken: no_task_lost found by seed 0 (2 of 2 seeds)\n"), "{text}");
    assert!(!files::exists(&scratch.0.join("flaw.toml.regressions")), "a flaw scenario recorded regressions");
}

#[test]
fn run_json_prints_one_object_per_seed_and_a_summary_last() {
    let scratch = Scratch::new("json");
    scratch.calm();
    scratch.file("impossible.toml", IMPOSSIBLE);
    let output = otpsim(&scratch.0, &["run", "calm.toml", "impossible.toml", "--seeds", "2", "--json"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let (seeds, summary) = json_lines(&output);
    let names: Vec<(&str, u64)> =
        seeds.iter().map(|s| (s["scenario"].as_str().unwrap(), s["seed"].as_u64().unwrap())).collect();
    assert_eq!(names, [("calm", 0), ("calm", 1), ("impossible", 0), ("impossible", 1)]);
    for seed in &seeds {
        assert_eq!(seed["verdict"], "pass");
        assert_eq!(seed["violations"], Value::Array(Vec::new()));
        assert!(seed["events"].as_u64().unwrap() > 0);
        assert!(seed["sim_time"].as_f64().unwrap() > 0.0);
        assert!(seed["wall_ms"].as_f64().unwrap() > 0.0);
        let hash = seed["trace_hash"].as_str().unwrap();
        assert!(hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
    }
    assert_eq!((summary["verdict"].as_str(), summary["exit_code"].as_u64()), (Some("fail"), Some(1)));
    assert_eq!(summary["seeds"], 4);
    assert_eq!(summary["scenarios"][0]["verdict"], "pass");
    assert_eq!(summary["scenarios"][1]["verdict"], "fail");
    assert_eq!(summary["scenarios"][1]["expect"], "no_orphan_processes");
}

#[test]
fn run_json_reports_bad_input_as_json_and_flaw_detections_as_detected() {
    let scratch = Scratch::new("json-errors");
    scratch.file("bad.toml", "name = \"bad\"\nseeds = \"many\"\n");
    let output = otpsim(&scratch.0, &["run", "bad.toml", "--json"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let error: Value = serde_json::from_str(stdout(&output).trim()).expect("one JSON object");
    assert_eq!(error["type"], "error");
    assert_eq!(error["exit_code"], 2);
    assert!(error["message"].as_str().unwrap().contains("seeds"), "{error}");

    let flaw = format!("{BROKEN}\n[expect]\nviolation = \"no_task_lost\"\nwithin_seeds = 2\n");
    scratch.file("flaw.toml", &flaw);
    let output = otpsim(&scratch.0, &["run", "flaw.toml", "--json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("progress: 2/2 seeds (broken)"), "{}", stderr(&output));
    let (seeds, summary) = json_lines(&output);
    assert!(seeds.iter().all(|s| s["verdict"] == "detected"), "{seeds:?}");
    assert!(seeds.iter().all(|s| s["plan_file"].is_string() && s["replay"].is_string()), "{seeds:?}");
    assert_eq!(summary["verdict"], "pass");
    assert_eq!(summary["scenarios"][0]["failed_seeds"], serde_json::json!([]));
    assert_eq!(summary["scenarios"][0]["detecting_seeds"], serde_json::json!([0, 1]));
}

#[test]
fn shards_split_a_scenarios_seeds_between_them() {
    let scratch = Scratch::new("shards");
    scratch.calm();
    let seeds_of = |shard: &str| -> Vec<u64> {
        let output = otpsim(&scratch.0, &["run", "calm.toml", "--seeds", "5", "--shard", shard, "--json"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        json_lines(&output).0.iter().map(|s| s["seed"].as_u64().unwrap()).collect()
    };
    assert_eq!(seeds_of("1/2"), [0, 2, 4]);
    assert_eq!(seeds_of("2/2"), [1, 3]);
}

#[test]
fn replay_reports_the_verdict_and_trace_hash_that_run_json_reported() {
    let scratch = Scratch::new("replay");
    scratch.calm();
    let run = otpsim(&scratch.0, &["run", "calm.toml", "--seeds", "3", "--json"]);
    let (seeds, _) = json_lines(&run);
    let seed = &seeds[2];
    let replay = otpsim(&scratch.0, &["replay", "calm.toml", "--seed", "2"]);
    let text = stdout(&replay);
    assert_eq!(code(&replay), 0, "{text}{}", stderr(&replay));
    assert!(text.starts_with("replay calm seed 2 (calm.toml)\nfault plan (seed 2): "), "{text}");
    assert_eq!(labelled(&text, "verdict"), "PASS");
    assert_eq!(seed["verdict"], "pass");
    assert_eq!(labelled(&text, "trace hash"), seed["trace_hash"].as_str().unwrap());
    assert_eq!(labelled(&text, "events"), seed["events"].to_string());
}

#[test]
fn trace_files_of_one_seed_from_two_processes_are_byte_identical() {
    let scratch = Scratch::new("trace");
    scratch.calm();
    for name in ["a.jsonl", "b.jsonl"] {
        let output = otpsim(&scratch.0, &["replay", "calm.toml", "--seed", "5", "--trace", name]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        assert!(stdout(&output).contains(&format!(" events written to {name}\n")), "{}", stdout(&output));
    }
    let (a, b) = (files::read_bytes(&scratch.0.join("a.jsonl")), files::read_bytes(&scratch.0.join("b.jsonl")));
    assert!(a == b, "the two trace files differ");
    let text = String::from_utf8(a).expect("UTF-8");
    let header: Value = serde_json::from_str(text.lines().next().expect("a header")).expect("JSON");
    assert_eq!((header["format"].as_str(), header["version"].as_u64()), (Some("otpsim-trace"), Some(2)));
    let first: Value = serde_json::from_str(text.lines().nth(1).expect("a first event")).expect("JSON");
    assert_eq!(first["i"], 1);
    assert!(first["time_ns"].is_u64() && first["target"].is_string() && first["event"].is_string());
    assert!(first["fields"].is_object());
}

#[test]
fn bad_usage_and_bad_paths_exit_two_without_running_anything() {
    let scratch = Scratch::new("usage");
    scratch.calm();
    for args in [
        &["run", "calm.toml", "--shard", "3/2"][..],
        &["run", "calm.toml", "--shard", "x"],
        &["run", "calm.toml", "--seeds", "0"],
        &["run", "calm.toml", "--seeds", "2", "--seed", "1"],
        &["run"],
        &["replay", "calm.toml"],
        &["check"],
        &["frobnicate"],
    ] {
        let output = otpsim(&scratch.0, args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).starts_with("error: "), "{args:?}: {}", stderr(&output));
    }
    let missing = otpsim(&scratch.0, &["run", "calm.toml", "missing.toml"]);
    assert_eq!(code(&missing), 2);
    assert_eq!(stdout(&missing), "", "a run with a bad file ran something");
    assert!(stderr(&missing).starts_with("missing.toml: cannot read: "), "{}", stderr(&missing));
    let replay = otpsim(&scratch.0, &["replay", "missing.toml", "--seed", "1"]);
    assert_eq!(code(&replay), 2);
}

/// Volatile state under crashes: seed 0 loses tasks, and most of its faults are noise.
const STORMY: &str = r#"
name = "stormy"
flaws = ["volatile_state"]

[system]
task_agents = 6
workflows = 0

[workload]
tasks = 80
submit_over = "8s"
task_time = ["100ms", "400ms"]

[faults]
until = "10s"
process_crash = { every = "1s", targets = ["task_agent", "coordinator"] }

[check]
settle = "30s"
"#;

#[test]
fn shrink_writes_a_smaller_explicit_scenario_that_still_fails_the_same_way() {
    let scratch = Scratch::new("shrink");
    scratch.file("stormy.toml", STORMY);
    let output = otpsim(&scratch.0, &["shrink", "stormy.toml", "--seed", "0", "--out", "small.toml"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 0, "{text}{}", stderr(&output));
    let summary = text.lines().next().unwrap_or_default();
    let (before_of, _) = summary.split_once(" faults still violate no_task_lost").expect(&text);
    let counts: Vec<usize> = before_of.rsplit(' ').take(3).filter_map(|w| w.parse().ok()).collect();
    assert!(matches!(counts[..], [before, after] if after < before), "no fault was removed: {summary}");

    let small = files::read(&scratch.0.join("small.toml"));
    assert!(small.contains("[[faults.at]]") && !small.contains("process_crash"), "{small}");
    let check = otpsim(&scratch.0, &["check", "small.toml"]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
    let replay = otpsim(&scratch.0, &["replay", "small.toml", "--seed", "0"]);
    assert_eq!(code(&replay), 1, "{}", stdout(&replay));
    assert!(labelled(&stdout(&replay), "verdict").contains("no_task_lost"), "{}", stdout(&replay));
}

#[test]
fn shrink_of_a_seed_that_holds_is_bad_input() {
    let scratch = Scratch::new("shrink-calm");
    scratch.calm();
    let output = otpsim(&scratch.0, &["shrink", "calm.toml", "--seed", "0", "--out", "never.toml"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert!(stderr(&output).contains("nothing to shrink"), "{}", stderr(&output));
    assert!(!files::exists(&scratch.0.join("never.toml")));
}
