//! A failing flaw seed exported for reading: its HTML sequence chart rendered in
//! headless Chromium, its Chrome trace checked against the trace-event format, and
//! `replay --json`.
//!
//! The chart test needs Chromium (`/usr/bin/chromium`, or `OTPSIM_CHROMIUM`); without
//! it the test says so and passes. CI installs it (`.ci/run`), so there it always runs.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::{files, repo, Scratch};

/// The flaw seed every test exports: raw_send's seed 1 violates `no_task_lost`
/// after a task was sent to an agent over a lossy link.
const SCENARIO: &str = "scenarios/flaws/raw_send.toml";
const SEED: &str = "1";

/// `otpsim replay` of the flaw seed with `extra` arguments, run from the repository.
fn replay(extra: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_otpsim"))
        .args(["replay", SCENARIO, "--seed", SEED])
        .args(extra)
        .current_dir(repo())
        .output()
        .expect("otpsim runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("OTPSIM_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    files::exists(&path).then_some(path)
}

/// Runs headless Chromium on `page` with `mode` (`--dump-dom`, `--screenshot=…`).
fn headless(chromium: &Path, page: &Path, profile: &Path, mode: &str) -> Output {
    Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,900"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(mode)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

/// The `data-*` attributes of the `<body>` tag of a dumped DOM.
fn body_data(dom: &str) -> BTreeMap<String, String> {
    let start = dom.find("<body").expect("a body tag");
    let tag = &dom[start..start + dom[start..].find('>').expect("the tag ends")];
    let mut data = BTreeMap::new();
    for part in tag.split(" data-").skip(1) {
        if let Some((key, rest)) = part.split_once("=\"") {
            data.insert(key.to_owned(), rest.split('"').next().unwrap_or("").to_owned());
        }
    }
    data
}

#[test]
fn the_chart_of_a_failing_flaw_seed_shows_every_process_the_violation_and_message_arrows() {
    let Some(chromium) = chromium() else {
        eprintln!("SKIPPED: no Chromium at /usr/bin/chromium (set OTPSIM_CHROMIUM, or apt-get install chromium)");
        return;
    };
    let scratch = Scratch::new("html");
    let page = scratch.0.join("chart.html");
    let output = replay(&["--html", page.to_str().expect("UTF-8 path"), "--json"]);
    let result: Value = serde_json::from_slice(&output.stdout).expect("replay --json prints one object");
    let html = files::read(&page);
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains(" src="),
        "the page loads nothing"
    );

    let profile = scratch.0.join("profile");
    let dom = headless(&chromium, &page, &profile, "--dump-dom");
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    let data = body_data(&dom);
    assert_eq!(data.get("ready").map(String::as_str), Some("true"), "the script did not finish: {data:?}");
    let number = |key: &str| -> usize {
        data.get(key).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no {key} in {data:?}"))
    };

    let lanes = dom.matches("class=\"lane").count();
    assert!(number("processes") > 10, "{data:?}");
    assert_eq!(lanes, number("processes"), "one lane per process");
    assert_eq!(number("lanes"), lanes);
    assert_eq!(number("violations"), result["violations"].as_array().unwrap().len());
    assert!(number("violations-marked") >= 1, "the violation is drawn in the opening window: {data:?}");
    assert!(number("arrows-drawn") > 0, "message arrows are drawn: {data:?}");
    assert!(number("evidence-drawn") > 0, "the evidence is highlighted: {data:?}");
    assert!(dom.contains("class=\"line cause\""), "the upstream fault is marked in the violation panel");
    assert!(dom.contains("task_agent"), "lanes are labelled by role");
}

#[test]
fn the_chrome_trace_of_a_failing_flaw_seed_follows_the_trace_event_format() {
    let scratch = Scratch::new("chrome");
    let file = scratch.0.join("trace.json");
    replay(&["--chrome-trace", file.to_str().expect("UTF-8 path")]);
    let trace: Value = serde_json::from_str(&files::read(&file)).expect("JSON");
    let events = trace["traceEvents"].as_array().expect("a traceEvents array");
    let mut starts: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    let mut finishes: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    let mut phases: BTreeMap<String, usize> = BTreeMap::new();
    for e in events {
        for key in ["ph", "ts", "pid", "tid"] {
            assert!(e.get(key).is_some(), "{e} has no {key}");
        }
        assert!(e["ts"].as_f64().is_some_and(|ts| ts >= 0.0), "{e}");
        let ph = e["ph"].as_str().expect("ph is a string");
        *phases.entry(ph.to_owned()).or_default() += 1;
        let place = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        match ph {
            "s" => assert!(starts.insert(e["id"].as_u64().expect("a flow id"), place).is_none(), "flow ids are unique"),
            "f" => {
                assert_eq!(e["bp"], "e", "{e}");
                assert!(finishes.insert(e["id"].as_u64().expect("a flow id"), place).is_none());
            }
            "X" => assert!(e["dur"].as_f64().is_some_and(|d| d > 0.0), "{e}"),
            "i" | "M" => {}
            other => panic!("unexpected phase {other}: {e}"),
        }
    }
    assert!(!starts.is_empty(), "messages have flow arrows");
    assert_eq!(starts.keys().collect::<Vec<_>>(), finishes.keys().collect::<Vec<_>>(), "flows pair up");
    assert!(events.iter().any(|e| e["ph"] == "M" && e["name"] == "thread_name"));
    assert!(events.iter().any(|e| e["ph"] == "M" && e["name"] == "process_name"));
    assert!(events.iter().any(|e| e["ph"] == "X" && e["name"].as_str().is_some_and(|n| n.starts_with("call "))));
    assert!(events.iter().any(|e| e["cat"] == "violation"));
    assert!(events.iter().any(|e| e["ph"] == "i" && e["name"] == "fault"));
    assert!(phases["X"] > 100, "{phases:?}");
    assert_slices_nest(events);
}

/// Slices on one thread must nest (Perfetto drops ones that overlap partly), to the
/// nanosecond (timestamps are microseconds with three decimals).
fn assert_slices_nest(events: &[Value]) {
    let mut by_thread: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let place = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        let start = e["ts"].as_f64().unwrap();
        by_thread.entry(place).or_default().push((start, start + e["dur"].as_f64().unwrap()));
    }
    for (place, mut slices) in by_thread {
        slices.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut open: Vec<f64> = Vec::new();
        for (start, end) in slices {
            while open.last().is_some_and(|&outer| outer <= start + 1e-4) {
                open.pop();
            }
            if let Some(&outer) = open.last() {
                assert!(
                    end <= outer + 1e-4,
                    "slice {start}..{end} on {place:?} overlaps its enclosing one ending {outer}"
                );
            }
            open.push(end);
        }
    }
}

#[test]
fn replay_json_tells_the_seed_its_plan_and_the_files_written() {
    let scratch = Scratch::new("json");
    let trace = scratch.0.join("t.jsonl");
    let output = replay(&["--json", "--trace", trace.to_str().expect("UTF-8 path")]);
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(text.lines().count(), 1, "{text}");
    let result: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(result["type"], "replay");
    assert_eq!(result["verdict"], "detected");
    assert_eq!(result["expected_found"], true);
    assert!(result["plan"]["events"].as_array().is_some_and(|e| !e.is_empty()));
    assert_eq!(result["files"]["trace"], trace.display().to_string());
    let times: Vec<u64> =
        result["violations"].as_array().unwrap().iter().map(|v| v["time_ms"].as_u64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "violations in time order: {times:?}");
    let first = files::read(&trace);
    let event: Value = serde_json::from_str(first.lines().nth(1).expect("an event")).expect("JSON");
    assert!(event["fields"].is_object() && event["time_ns"].is_u64());
}
