//! The `otpsim` binary under abuse, as a CI system or an impatient person gives it:
//! concurrent runs sharing a regression file, interrupts, closed pipes, regression
//! files that cannot be used, huge seed counts.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::{code, files, otpsim, spawn, stderr, stdout, Scratch, BROKEN};

/// The seeds of a regression file, after checking that it starts with its one header.
fn recorded_seeds(text: &str) -> BTreeSet<u64> {
    let header = "# Seeds that once failed this scenario; otpsim runs them first.\n";
    assert!(text.starts_with(header), "no header first:\n{text}");
    assert_eq!(text.matches(header).count(), 1, "header written twice");
    text.lines().skip(1).map(|line| line.split(" # ").next().unwrap().parse().expect(line)).collect()
}

#[test]
fn shards_running_at_once_on_one_checkout_lose_no_failing_seed() {
    let scratch = Scratch::new("abuse-shards");
    scratch.file("broken.toml", BROKEN);
    let shards = 4;
    let children: Vec<_> = (1..=shards)
        .map(|k| {
            let shard = format!("{k}/{shards}");
            spawn(&scratch.0, &["run", "broken.toml", "--seeds", "240", "--shard", &shard, "--jobs", "1"])
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("the shard ends");
        assert_eq!(code(&output), 1, "{}", stderr(&output));
    }
    let text = files::read(&scratch.0.join("broken.toml.regressions"));
    assert_eq!(recorded_seeds(&text), (0..240).collect(), "{text}");
    assert_eq!(text.lines().count(), 241, "a seed was written twice:\n{text}");
}

#[test]
fn a_regression_file_that_cannot_be_used_is_an_error_and_is_never_replaced() {
    let scratch = Scratch::new("abuse-bookkeeping");
    scratch.file("broken.toml", BROKEN);
    files::create_dir(&scratch.0.join("broken.toml.regressions"));
    let output = otpsim(&scratch.0, &["run", "broken.toml", "--seeds", "2"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert!(stderr(&output).contains("broken.toml.regressions: cannot read: "), "{}", stderr(&output));
    assert!(!stdout(&output).contains("recorded in"), "{}", stdout(&output));

    let scratch = Scratch::new("abuse-not-utf8");
    scratch.file("broken.toml", BROKEN);
    let bytes = b"# Seeds\n7 # once\n\xff 8\n".to_vec();
    files::write_bytes(&scratch.0.join("broken.toml.regressions"), &bytes);
    let output = otpsim(&scratch.0, &["run", "broken.toml", "--seeds", "2"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert!(stderr(&output).contains("not UTF-8 at byte 17"), "{}", stderr(&output));
    assert_eq!(files::read_bytes(&scratch.0.join("broken.toml.regressions")), bytes);
}

/// Sends `signal` ("INT", "TERM") to the process `pid`.
fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status().expect("kill runs");
    assert!(status.success());
}

#[test]
fn an_interrupt_stops_the_run_prints_what_ran_and_records_its_failures() {
    for name in ["INT", "TERM"] {
        let scratch = Scratch::new(&format!("abuse-signal-{name}"));
        scratch.file("broken.toml", BROKEN);
        let mut child = spawn(&scratch.0, &["run", "broken.toml", "--seeds", "100000000", "--jobs", "1", "--json"]);
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first: Value = serde_json::from_str(&lines.next().expect("a seed line").expect("text")).expect("JSON");
        assert_eq!(first["type"], "seed");
        signal(child.id(), name);
        let rest: Vec<Value> = lines.map(|l| serde_json::from_str(&l.expect("text")).expect("JSON")).collect();
        let status = child.wait().expect("it ends");
        assert_eq!(status.code(), Some(130), "SIG{name}");
        let summary = rest.last().expect("a summary after the interrupt");
        assert_eq!((summary["type"].as_str(), summary["interrupted"].as_bool()), (Some("summary"), Some(true)));
        assert_eq!(summary["exit_code"], 130);
        let failed: BTreeSet<u64> =
            summary["scenarios"][0]["failed_seeds"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect();
        assert_eq!(failed.len() as u64, summary["seeds"].as_u64().unwrap());
        assert!(failed.len() < 100_000, "the interrupt did not stop the run");
        let text = files::read(&scratch.0.join("broken.toml.regressions"));
        assert_eq!(recorded_seeds(&text), failed);
    }
}

#[test]
#[allow(clippy::disallowed_methods)] // waits and times the real process from outside
fn an_interrupted_replay_stops_its_seed_and_leaves_no_file_behind() {
    let scratch = Scratch::new("abuse-replay-signal");
    let long =
        files::read(&support::repo().join("scenarios/calm.toml")).replace("until = \"15s\"", "until = \"1000h\"");
    scratch.file("long.toml", &long);
    let child = spawn(&scratch.0, &["replay", "long.toml", "--seed", "0", "--trace", "t.jsonl"]);
    std::thread::sleep(Duration::from_millis(1500));
    let interrupted = std::time::Instant::now();
    signal(child.id(), "INT");
    let output = child.wait_with_output().expect("it ends");
    // A thousand simulated hours take many minutes: the interrupt, not the end, stopped it.
    assert!(interrupted.elapsed() < Duration::from_secs(60), "ended {:?} after the interrupt", interrupted.elapsed());
    assert_eq!(code(&output), 130, "{}", stderr(&output));
    assert!(stderr(&output).contains("interrupted: replay wrote no files"), "{}", stderr(&output));
    assert_eq!(files::names(&scratch.0), ["long.toml"], "a file was left behind");
}

#[test]
fn a_reader_that_goes_away_leaves_the_verdict_and_the_regressions_whole() {
    let scratch = Scratch::new("abuse-pipe");
    scratch.file("broken.toml", BROKEN);
    let mut child = spawn(&scratch.0, &["run", "broken.toml", "--seeds", "300", "--jobs", "1", "--json"]);
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("a first line");
    drop(reader);
    let output = child.wait_with_output().expect("it ends");
    // The run went on without a reader: exit 1 says seeds failed, as the summary would have.
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    let text = files::read(&scratch.0.join("broken.toml.regressions"));
    assert!(recorded_seeds(&text).len() > 1, "failing seeds after the reader left were recorded:\n{text}");
}

#[test]
#[allow(clippy::disallowed_methods)] // times the real process from outside
fn a_huge_shard_of_a_huge_range_starts_at_once() {
    let scratch = Scratch::new("abuse-huge");
    scratch.calm();
    let mut child = spawn(
        &scratch.0,
        &["run", "calm.toml", "--seeds", "1000000000000", "--shard", "400000/400000", "--jobs", "1", "--json"],
    );
    let started = std::time::Instant::now();
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let first: Value = serde_json::from_str(&lines.next().expect("a line").expect("text")).expect("JSON");
    let waited = started.elapsed();
    signal(child.id(), "INT");
    drop(lines);
    let _ = child.wait();
    assert_eq!(first["seed"], 399_999);
    // Seconds, not the minutes a list of every seed took: a loose bound, not a benchmark.
    assert!(waited < Duration::from_secs(30), "first seed after {waited:?}");
}

#[test]
fn linked_directories_cannot_loop_and_each_scenario_runs_once() {
    let scratch = Scratch::new("abuse-links");
    scratch.calm();
    files::symlink(".", &scratch.0.join("again"));
    files::symlink("..", &scratch.0.join("sub/back"));
    files::symlink("calm.toml", &scratch.0.join("alias.toml"));
    let check = otpsim(&scratch.0, &["check", "."]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
    assert_eq!(stdout(&check), "ok ./alias.toml\n");
    let run = otpsim(&scratch.0, &["run", ".", "--seeds", "1", "--json"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert_eq!(support::json_lines(&run).0.len(), 1, "{}", stdout(&run));
}

#[test]
fn shrink_never_overwrites_its_input_or_an_existing_file_unasked() {
    let scratch = Scratch::new("abuse-shrink");
    let input = scratch.file("broken.toml", BROKEN);
    let other = scratch.file("other.toml", "# keep me\n");
    for out in ["broken.toml", "./broken.toml", "other.toml"] {
        let output = otpsim(&scratch.0, &["shrink", "broken.toml", "--seed", "0", "--out", out]);
        assert_eq!(code(&output), 2, "{out}: {}", stdout(&output));
        assert!(stderr(&output).contains(out), "{}", stderr(&output));
    }
    let forced = otpsim(&scratch.0, &["shrink", "broken.toml", "--seed", "0", "--out", "./broken.toml", "--force"]);
    assert_eq!(code(&forced), 2, "--force overwrote the input: {}", stdout(&forced));
    assert_eq!(files::read(&input), BROKEN);
    assert_eq!(files::read(&other), "# keep me\n");
}

#[test]
fn a_directory_or_a_fifo_where_a_scenario_file_belongs_is_an_error_that_never_blocks() {
    let scratch = Scratch::new("abuse-kinds");
    scratch.calm();
    let replay = otpsim(&scratch.0, &["replay", ".", "--seed", "1"]);
    assert_eq!(code(&replay), 2, "{}", stdout(&replay));
    assert!(stderr(&replay).starts_with(".: is a directory, not a scenario file"), "{}", stderr(&replay));
    let status = Command::new("mkfifo").arg(scratch.0.join("pipe.toml")).status().expect("mkfifo runs");
    assert!(status.success());
    for args in [&["check", "pipe.toml"][..], &["run", "."], &["replay", "pipe.toml", "--seed", "0"]] {
        let output = otpsim(&scratch.0, args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stdout(&output));
        assert!(stderr(&output).contains("pipe.toml: not a regular file"), "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn a_trace_file_appears_whole_under_its_name_and_leaves_no_temporary_behind() {
    let scratch = Scratch::new("abuse-trace");
    scratch.calm();
    files::write_bytes(&scratch.0.join("t.jsonl"), b"old");
    let output = otpsim(&scratch.0, &["replay", "calm.toml", "--seed", "1", "--trace", "t.jsonl"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = files::read(&scratch.0.join("t.jsonl"));
    assert!(text.ends_with("}\n") && text.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()));
    // Streamed while the seed ran, the file still holds every event, the bulk a plain
    // run does not keep included.
    let header: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let told = stdout(&output).lines().find_map(|l| l.strip_prefix("events: ")?.parse::<u64>().ok());
    assert_eq!((header["events"].as_u64(), text.lines().count() as u64 - 1), (told, told.unwrap()));
    assert!(text.contains(r#""event":"deliver""#), "no message events in the trace");
    let names = files::names(&scratch.0);
    assert_eq!(names, ["calm.toml", "t.jsonl"], "a temporary file was left behind");
}

#[test]
fn bad_numbers_deep_keys_and_bad_bytes_are_located_and_every_error_of_a_file_is_reported() {
    let scratch = Scratch::new("abuse-messages");
    scratch.file("big.toml", "name = \"x\"\n[workload]\ntasks = 18446744073709551615\n");
    scratch.file("bigger.toml", "name = \"x\"\nseeds = 18446744073709551616\n");
    scratch.file("negative.toml", "name = \"x\"\nseeds = -5\n");
    scratch.file("deep.toml", &format!("name = \"x\"\na{} = 1\n", ".a".repeat(400)));
    files::write_bytes(&scratch.0.join("bytes.toml"), b"name = \"x\"\n# caf\xe9\n");
    let many = "name = \"x\"\n[faults]\nuntil = \"5s\"\nnode_crash = { every = \"0s\" }\n\
                partition = { every = \"0ms\", lasting = \"1s\" }\n[check]\ninvariants = [\"no_task_lost\", \"nope\"]\n";
    scratch.file("many.toml", many);
    let check = |file: &str| {
        let output = otpsim(&scratch.0, &["check", file]);
        assert_eq!(code(&output), 2, "{file}: {}", stdout(&output));
        stderr(&output)
    };
    assert!(
        check("big.toml").starts_with("big.toml:3:9: `workload.tasks`: number out of range"),
        "{}",
        check("big.toml")
    );
    assert!(check("bigger.toml").starts_with("bigger.toml:2:9: `seeds`: number out of range"));
    assert!(check("negative.toml").starts_with("negative.toml:2:9: `seeds`: invalid value: integer `-5`"));
    assert!(check("deep.toml").starts_with("deep.toml:2:1: keys are nested too deeply"), "{}", check("deep.toml"));
    assert!(check("bytes.toml").starts_with("bytes.toml:2:6: not UTF-8 at byte 16"), "{}", check("bytes.toml"));
    let lines: Vec<String> = check("many.toml").lines().filter(|l| !l.starts_with(' ')).map(String::from).collect();
    assert_eq!(
        lines,
        [
            "many.toml:4:24: `faults.node_crash.every`: must be at least 1ms",
            "many.toml:5:23: `faults.partition.every`: must be at least 1ms",
            "many.toml:7:31: `check.invariants[1]`: unknown invariant \"nope\"",
        ]
    );

    scratch
        .file("named.toml", "name = \"a\\u001b[31mred\\nline\"\n[faults]\nuntil = \"2s\"\n[check]\nsettle = \"5s\"\n");
    let run = otpsim(&scratch.0, &["run", "named.toml", "--seeds", "1"]);
    let text = stdout(&run);
    assert!(text.contains(" \"a\\u{1b}[31mred\\nline\" "), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains("red\nline"), "a raw escape reached the output: {text}");
    let demo = otpsim(&scratch.0, &["demo", "--seeds", "0"]);
    assert_eq!(code(&demo), 2);
}

#[test]
fn a_seed_past_its_wall_time_limit_fails_with_a_verdict_that_says_so() {
    let scratch = Scratch::new("abuse-timeout");
    let long =
        files::read(&support::repo().join("scenarios/calm.toml")).replace("until = \"15s\"", "until = \"1000h\"");
    scratch.file("long.toml", &long);
    let output = otpsim(&scratch.0, &["run", "long.toml", "--seed", "0", "--seed-timeout", "1s"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("seed 0: FAIL: timed out: the seed ran longer than its wall-time limit of 1s"), "{text}");
    let check = otpsim(&scratch.0, &["check", "long.toml"]);
    assert_eq!(code(&check), 0);
    assert!(stderr(&check).contains("long.toml: a seed will be slow: about 36"), "{}", stderr(&check));
}

#[test]
fn a_scenario_with_too_many_agents_is_refused_by_check() {
    let scratch = Scratch::new("abuse-huge");
    let huge = "name = \"many\"\n[system]\ntask_agents = 100000\n[workload]\ntasks = 10\nsubmit_over = \"1s\"\n\
                [faults]\nuntil = \"1s\"\n[check]\nsettle = \"5s\"\n";
    scratch.file("huge.toml", huge);
    let check = otpsim(&scratch.0, &["check", "huge.toml"]);
    assert_eq!(code(&check), 2, "{}", stderr(&check));
    assert!(
        stderr(&check).contains("huge.toml:3:1: `system.task_agents`: the input is too large"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn jobs_beyond_the_cores_are_capped_unless_forced() {
    let scratch = Scratch::new("abuse-jobs");
    scratch.calm();
    let output = otpsim(&scratch.0, &["run", "calm.toml", "--seeds", "1", "--jobs", "65535"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("note: --jobs 65535 capped at "), "{}", stderr(&output));
    let forced = otpsim(&scratch.0, &["run", "calm.toml", "--seeds", "1", "--jobs", "3", "--force-jobs"]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert!(!stderr(&forced).contains("capped"));
}
