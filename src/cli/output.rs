//! What `otpsim run` prints for people: one line per scenario, and for a failure
//! everything needed to reproduce it.
//!
//! A failing seed of a healthy scenario shows the seed, its violations, the fault plan
//! derived from it (the plan's own TOML, not a hand-kept format) and the exact command
//! that replays it. A flaw scenario says which seed found its violation, or that none
//! did and what the seeds found instead.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::Path;
use std::time::Duration;

use otpsim_harness::invariant::Violation;
use otpsim_harness::suite::BoundScenario;
use otpsim_harness::tally::Tally;
use otpsim_harness::SeedReport;

use super::{coverage_view, plan_view};

/// Failing seeds listed by number after those shown in full; the rest are counted.
const SEEDS_LISTED: usize = 20;

/// What became of a run's failing seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Written to the scenario's regression file.
    Yes,
    /// Not written: the file could not be (the error was printed).
    Failed,
    /// Not written: the run was told not to (`--no-regressions`, `OTPSIM_REGRESSIONS=off`).
    Off,
}

/// The text of one scenario's run: its PASS or FAIL line and, on failure, the details.
/// `recorded` says whether its failing seeds reached the regression file.
pub fn scenario(scenario: &dyn BoundScenario, tally: &Tally, wall: Duration, recorded: Recorded) -> String {
    let verdict = match &tally.expect {
        Some(expect) => flaw(tally, &expect.violation),
        None => healthy(scenario, tally, wall, recorded),
    };
    verdict + &coverage_view::lines(tally)
}

fn healthy(scenario: &dyn BoundScenario, tally: &Tally, wall: Duration, recorded: Recorded) -> String {
    let seeds = counted(tally.seeds, "seed");
    let secs = wall.as_secs_f64();
    let failures = tally.failures();
    let vacuous = tally.vacuous();
    if failures.is_empty() && !vacuous.is_empty() {
        let mut text = format!("FAIL {}: vacuous ({seeds}, {secs:.2}s)\n", shown(&tally.name));
        for reason in vacuous {
            let _ = writeln!(text, "  vacuous: {reason}");
        }
        return text;
    }
    if failures.is_empty() {
        return format!("PASS {} ({seeds}, {secs:.2}s)\n", shown(&tally.name));
    }
    let mut text = format!("FAIL {} ({} of {seeds} failed, {secs:.2}s)\n", shown(&tally.name), failures.len());
    for failure in &tally.kept {
        text.push_str(&failed_seed(scenario, failure));
    }
    let rest: Vec<String> = failures.iter().skip(tally.kept.len()).map(|f| f.seed.to_string()).collect();
    if rest.len() > SEEDS_LISTED {
        let _ = writeln!(
            text,
            "  also failed: seeds {} and {} more",
            rest[..SEEDS_LISTED].join(", "),
            rest.len() - SEEDS_LISTED
        );
    } else if !rest.is_empty() {
        let _ = writeln!(text, "  also failed: seeds {}", rest.join(", "));
    }
    match recorded {
        Recorded::Yes => {
            let _ = writeln!(
                text,
                "  failing seeds recorded in {}.regressions; later runs try them first",
                tally.path.display()
            );
        }
        Recorded::Failed => {
            let _ = writeln!(text, "  failing seeds NOT recorded (see the error above)");
        }
        Recorded::Off => {
            let _ = writeln!(text, "  failing seeds not recorded (regressions switched off)");
        }
    }
    text
}

/// One failing seed: verdict, violations, a summary of its fault plan (the whole
/// plan goes to a file), replay command.
pub fn failed_seed(scenario: &dyn BoundScenario, failure: &SeedReport) -> String {
    let mut text = format!("  {} seed {}: {}\n", shown(scenario.name()), failure.seed, failure.verdict);
    text.push_str(&violations(&failure.violations, 1, "    "));
    let mut plan = scenario.fault_plan(failure.seed);
    plan.mark_skipped(&failure.skipped_faults);
    text.push_str(&plan_view::report(scenario.name(), &plan, &failure.violations, "  "));
    let _ = writeln!(text, "  replay: {}", replay_command(scenario.path(), failure.seed));
    text
}

fn flaw(tally: &Tally, violation: &str) -> String {
    let seeds = tally.seeds;
    if let Some(first) = &tally.detected_by {
        return format!(
            "PASS {}: {violation} found by seed {} ({} of {})\n",
            shown(&tally.name),
            first.seed,
            tally.finders,
            counted(seeds, "seed")
        );
    }
    let mut text = format!("FAIL {}: {violation} not found in {}\n", shown(&tally.name), counted(seeds, "seed"));
    text.push_str(&coverage_view::unfound(tally, &tally.coverage, violation));
    if !tally.found.is_empty() {
        let listed: Vec<String> =
            tally.found.iter().map(|(name, n)| format!("{name} ({n} of {seeds} seeds)")).collect();
        let _ = writeln!(text, "  found instead: {}", listed.join(", "));
    }
    for other in tally.kept.iter().filter(|s| s.violations.is_empty()) {
        let _ = writeln!(text, "  seed {}: {}", other.seed, other.verdict);
    }
    text
}

/// The violations of one seed in time order, each indented by `prefix`: the first
/// `per_invariant` of each invariant in full, then a count of the rest. A broken
/// system can violate an invariant once per task; the first few say what is wrong,
/// the count how often.
pub fn violations(violations: &[Violation], per_invariant: usize, prefix: &str) -> String {
    let mut in_time_order: Vec<&Violation> = violations.iter().collect();
    in_time_order.sort_by_key(|v| v.time_ms);
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut text = String::new();
    for violation in in_time_order {
        let count = shown.entry(violation.invariant.as_str()).or_default();
        *count += 1;
        if *count <= per_invariant {
            text.push_str(&indented(&violation.to_string(), prefix));
        }
    }
    for (invariant, all) in shown {
        if all > per_invariant {
            let more = all - per_invariant;
            let _ = writeln!(text, "{prefix}(and {more} more {invariant} violations)");
        }
    }
    text
}

/// The line after every scenario's own: how many held, how many seeds, how long.
pub fn summary(scenarios: usize, failed: usize, seeds: u64, wall: Duration) -> String {
    let secs = wall.as_secs_f64();
    let seeds = counted(seeds, "seed");
    if failed == 0 {
        format!("PASS: {} held ({seeds}, {secs:.2}s)\n", counted(scenarios, "scenario"))
    } else {
        format!("FAIL: {failed} of {} failed ({seeds}, {secs:.2}s)\n", counted(scenarios, "scenario"))
    }
}

/// A scenario's name as printed: as is, or quoted with escapes when it holds control
/// characters (a newline or a terminal escape sequence must not reach the terminal raw).
pub fn shown(name: &str) -> String {
    if name.chars().any(char::is_control) {
        format!("{name:?}")
    } else {
        name.to_owned()
    }
}

/// "1 seed", "2 seeds".
pub fn counted<N: fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The command that replays `seed` of the scenario at `path`, ready to paste into a
/// shell in any directory. It changes to the workspace first, because cargo reads
/// `.cargo/config.toml` (which switches the simulator on) from the current directory,
/// and names the scenario by its absolute path.
pub fn replay_command(path: &Path, seed: u64) -> String {
    let scenario = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    format!(
        "cd {} && cargo run --release -- replay {} --seed {seed}",
        shell_word(env!("CARGO_MANIFEST_DIR")),
        shell_word(&scenario.display().to_string())
    )
}

/// `word` as one shell word: as is when that is safe, else single-quoted.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./+:=@%,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Every line of `text` prefixed with `prefix`, each ending in a newline.
pub fn indented(text: &str, prefix: &str) -> String {
    text.lines().map(|line| if line.is_empty() { "\n".to_owned() } else { format!("{prefix}{line}\n") }).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use otpsim_harness::suite::Expectation;
    use otpsim_harness::Verdict;
    use otpsim_sims::registry;

    use super::*;

    const STORMY: &str = r#"
name = "stormy"
seeds = 4
[faults]
until = "5s"
process_crash = { every = "1s", targets = ["task_agent"] }
"#;

    fn seed(seed: u64, violations: Vec<Violation>) -> SeedReport {
        let (sim_time, wall_time) = (Duration::from_secs(40), Duration::from_millis(20));
        SeedReport { sim_time, wall_time, ..SeedReport::judged(seed, violations) }
    }

    fn lost(task: u64) -> Violation {
        Violation::new("no_task_lost", Duration::from_millis(1500), "never answered").id("task", task)
    }

    fn report(expect: Option<&str>, seeds: Vec<SeedReport>) -> Tally {
        let expect = expect.map(|v| Expectation { violation: v.to_owned(), within_seeds: 4 });
        let mut tally = Tally::empty("stormy", Path::new("scenarios/my storm.toml"), expect);
        for seed in seeds {
            tally.add(seed);
        }
        tally
    }

    #[test]
    fn a_failing_seed_shows_its_violation_fault_plan_and_replay_command() {
        let scenario = registry::load_text(Path::new("scenarios/my storm.toml"), STORMY).expect("valid");
        let report = report(None, vec![seed(0, vec![]), seed(3, vec![lost(7)])]);
        let text = super::scenario(scenario.as_ref(), &report, Duration::from_millis(1234), Recorded::Yes);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "FAIL stormy (1 of 2 seeds failed, 1.23s)");
        assert_eq!(lines[1], "  stormy seed 3: FAIL: violated: no_task_lost");
        assert_eq!(lines[2], "    no_task_lost violated at 1500ms: never answered [task=7]");
        assert!(lines[3].starts_with("  fault plan (seed 3): "), "{text}");
        assert!(lines[3].ends_with("; faults until 5s"), "{text}");
        assert!(lines[4].starts_with("    faults nearest 1.5s: "), "{text}");
        assert!(lines[5].starts_with("    full plan: /") && lines[5].ends_with("seed-3.toml"), "{text}");
        assert!(
            lines[6].starts_with(&format!(
                "  replay: cd {} && cargo run --release -- replay '/",
                env!("CARGO_MANIFEST_DIR")
            )),
            "{text}"
        );
        assert!(lines[6].ends_with("/scenarios/my storm.toml' --seed 3"), "{text}");
        assert!(text.contains("recorded in scenarios/my storm.toml.regressions; later runs try them first\n"));
    }

    #[test]
    fn many_failing_seeds_are_listed_up_to_a_count_and_an_unrecorded_run_says_so() {
        let scenario = registry::load_text(Path::new("s.toml"), STORMY).expect("valid");
        let report = report(None, (0..40).map(|s| seed(s, vec![lost(s)])).collect());
        let text = super::scenario(scenario.as_ref(), &report, Duration::ZERO, Recorded::Failed);
        assert!(text.starts_with("FAIL stormy (40 of 40 seeds failed, 0.00s)\n"), "{text}");
        assert!(text.contains("\n  also failed: seeds 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22 and 17 more\n"), "{text}");
        assert!(text.contains("  failing seeds NOT recorded (see the error above)\n"), "{text}");
        let off = super::scenario(scenario.as_ref(), &report, Duration::ZERO, Recorded::Off);
        assert!(off.contains("  failing seeds not recorded (regressions switched off)\n"), "{off}");
        assert!(!off.contains("NOT recorded") && !off.contains(".regressions"), "{off}");
    }

    #[test]
    fn violations_come_in_time_order_and_each_invariant_counts_the_rest() {
        let fifo = Violation::new("fifo_delivery", Duration::from_secs(2), "out of order");
        let early = Violation::new("fifo_delivery", Duration::ZERO, "early");
        let text = violations(&[lost(1), lost(2), fifo, lost(3), early], 2, "  ");
        assert_eq!(
            text,
            "  fifo_delivery violated at 0ms: early\n\
             \x20 no_task_lost violated at 1500ms: never answered [task=1]\n\
             \x20 no_task_lost violated at 1500ms: never answered [task=2]\n\
             \x20 fifo_delivery violated at 2000ms: out of order\n\
             \x20 (and 1 more no_task_lost violations)\n"
        );
    }

    #[test]
    fn a_held_scenario_is_one_line() {
        let scenario = registry::load_text(Path::new("s.toml"), STORMY).expect("valid");
        let text =
            super::scenario(scenario.as_ref(), &report(None, vec![seed(0, vec![])]), Duration::ZERO, Recorded::Yes);
        assert_eq!(text, "PASS stormy (1 seed, 0.00s)\n  reached: no coverage point\n");
    }

    #[test]
    fn a_flaw_scenario_names_the_seed_that_found_its_violation() {
        let found = report(Some("no_task_lost"), vec![seed(0, vec![]), seed(1, vec![lost(2)]), seed(2, vec![lost(3)])]);
        assert_eq!(flaw(&found, "no_task_lost"), "PASS stormy: no_task_lost found by seed 1 (2 of 3 seeds)\n");
        let other = Violation::new("fifo_delivery", Duration::ZERO, "out of order");
        let mut hung = seed(1, vec![]);
        hung.verdict = Verdict::Fail("simulation panicked: time limit".to_owned());
        let missed = report(Some("monitors_never_leak"), vec![seed(0, vec![other]), hung]);
        assert_eq!(
            flaw(&missed, "monitors_never_leak"),
            "FAIL stormy: monitors_never_leak not found in 2 seeds\n  found instead: fifo_delivery (1 of 2 seeds)\n  \
             seed 1: FAIL: simulation panicked: time limit\n"
        );
    }

    #[test]
    fn names_with_control_characters_are_printed_escaped() {
        assert_eq!(shown("crash-storm"), "crash-storm");
        assert_eq!(shown("a\u{1b}[31mred\nline"), r#""a\u{1b}[31mred\nline""#);
    }

    #[test]
    fn the_summary_counts_failed_scenarios() {
        assert_eq!(summary(1, 0, 8, Duration::from_millis(500)), "PASS: 1 scenario held (8 seeds, 0.50s)\n");
        assert_eq!(summary(3, 1, 24, Duration::from_secs(2)), "FAIL: 1 of 3 scenarios failed (24 seeds, 2.00s)\n");
    }

    #[test]
    fn replay_commands_quote_paths_only_when_a_shell_needs_it() {
        let command = replay_command(Path::new("scenarios/crash-storm.toml"), 17);
        let scenario = std::env::current_dir().unwrap().join("scenarios/crash-storm.toml");
        assert_eq!(
            command,
            format!(
                "cd {} && cargo run --release -- replay {} --seed 17",
                env!("CARGO_MANIFEST_DIR"),
                scenario.display()
            )
        );
        assert_eq!(shell_word("it's here"), r"'it'\''s here'");
    }
}
