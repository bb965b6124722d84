//! Bad scenario files never panic the loader, and every error says what is wrong and
//! where: the file, and a line or a dotted field.
//!
//! Thousands of mutations of the shipped scenarios and of the docs' complete example
//! check this broadly. A few hand-written files pin the exact field and line of the
//! errors users meet most.

#[path = "support/mutate.rs"]
mod mutate;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use otpsim_harness::invariant::NAMES;
use otpsim_harness::scenario::{sim_name, ScenarioError};
use otpsim_runtime::rng::stream;
use otpsim_sims::registry::{discover, load_text};
use rand::Rng;

use mutate::Mutation;

const SEED: u64 = 20_250_601;
const MUTANTS: usize = 2_300;
const DOCS: &str = include_str!("../../docs/scenarios.md");

/// The valid texts mutations start from: every foundation file under scenarios/, and the
/// docs' complete example. (The mutations name the foundation schema's flaws, invariants
/// and targets, so a churn file, which has none of them, is not a fair start.)
fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("sims/ sits in the workspace");
    let files = discover(&root.join("scenarios")).expect("scenarios/ can be listed");
    let mut sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|file| {
            #[allow(clippy::disallowed_methods)] // reading a scenario file, outside any simulation
            let text = std::fs::read_to_string(&file).expect("a scenario file can be read");
            (file.strip_prefix(root).unwrap_or(&file).to_owned(), text)
        })
        .filter(|(path, text)| sim_name(path, text).is_ok_and(|sim| sim == otpsim_sims::foundation::NAME))
        .collect();
    let example = DOCS.split("```toml\n").nth(1).and_then(|b| b.split("```").next()).expect("the docs example");
    sources.push((PathBuf::from("docs/scenarios.md"), example.to_owned()));
    for (path, text) in &sources {
        if let Err(e) = load_text(path, text) {
            panic!("a source must be valid before it is mutated: {e}");
        }
    }
    sources
}

/// Why `e` fails to say where the problem in `text` is, if it does.
fn unlocated(e: &ScenarioError, path: &Path, text: &str) -> Option<String> {
    let shown = e.to_string();
    if !shown.starts_with(&path.display().to_string()) {
        return Some("does not name the file".into());
    }
    if e.message.trim().is_empty() {
        return Some("has no message".into());
    }
    match e.position {
        Some((line, column)) if line == 0 || column == 0 || line as usize > text.split('\n').count() => {
            Some(format!("points at line {line}, column {column}, outside the file"))
        }
        Some((line, column)) if !shown.contains(&format!(":{line}:{column}")) => Some("hides its position".into()),
        None if e.field.is_empty() => Some("names neither a line nor a field".into()),
        None if !shown.contains(&format!("`{}`", e.field)) => Some("hides its field".into()),
        _ => None,
    }
}

#[derive(Default)]
struct Tally {
    rejected: usize,
    accepted: usize,
}

#[test]
fn mutated_scenarios_never_panic_and_their_errors_say_where() {
    let sources = sources();
    let mut rng = stream(SEED, "mutations");
    let mut tallies: BTreeMap<Mutation, Tally> = BTreeMap::new();
    let mut problems = Vec::new();
    for i in 0..MUTANTS {
        let mutation = Mutation::ALL[i % Mutation::ALL.len()];
        let (path, source) = &sources[rng.gen_range(0..sources.len())];
        let mutant = mutation.apply(source, &mut rng);
        let tally = tallies.entry(mutation).or_default();
        let describe =
            |what: &str| format!("#{i} {mutation:?} of {}: {what}\n--- text ---\n{}", path.display(), mutant.text);
        match catch_unwind(AssertUnwindSafe(|| load_text(path, &mutant.text).map(|_| ()))) {
            Err(_) => problems.push(describe("the loader panicked")),
            Ok(Ok(())) => {
                tally.accepted += 1;
                if let Some(field) = &mutant.field {
                    problems.push(describe(&format!("accepted, but `{field}` is wrong")));
                }
            }
            Ok(Err(e)) => {
                tally.rejected += 1;
                if let Some(why) = unlocated(&e, path, &mutant.text) {
                    problems.push(describe(&format!("the error {why}: {e}")));
                }
                if mutant.field.as_ref().is_some_and(|field| *field != e.field) {
                    let field = mutant.field.as_deref().unwrap_or_default();
                    problems.push(describe(&format!("the error should name `{field}`: {e}")));
                }
            }
        }
    }
    let rejected: usize = tallies.values().map(|t| t.rejected).sum();
    println!("{rejected} of {MUTANTS} mutations rejected");
    for (mutation, tally) in &tallies {
        println!("  {:<18} rejected {:>4}  accepted {:>4}", format!("{mutation:?}"), tally.rejected, tally.accepted);
    }
    assert!(
        problems.is_empty(),
        "{} problems; the first:\n{}",
        problems.len(),
        problems[..problems.len().min(3)].join("\n\n")
    );
    assert!(rejected * 5 >= MUTANTS * 4, "only {rejected} of {MUTANTS} mutations were rejected");
}

fn error_of(text: &str) -> ScenarioError {
    match load_text(Path::new("bad.toml"), text) {
        Ok(_) => panic!("this scenario should be rejected:\n{text}"),
        Err(e) => e,
    }
}

/// The error's field and line.
fn field_and_line(e: &ScenarioError) -> (&str, Option<u32>) {
    (e.field.as_str(), e.position.map(|(line, _)| line))
}

#[test]
fn a_bad_duration_names_its_dotted_field_and_line() {
    let text = |every: &str| format!("name = \"x\"\n\n[faults]\nuntil = \"20s\"\nnode_crash = {{ every = {every} }}\n");
    for every in ["\"soon\"", "\"5\"", "\"-1s\"", "5", "\"0\""] {
        let e = error_of(&text(every));
        assert_eq!(field_and_line(&e), ("faults.node_crash.every", Some(5)), "{e}");
        assert_eq!(e.to_string().lines().next().map(|l| l.starts_with("bad.toml:5:")), Some(true), "{e}");
    }
    let e = error_of("name = \"x\"\n[config.retry]\ninitial_backoff = \"fast\"\n");
    assert_eq!(field_and_line(&e), ("config.retry.initial_backoff", Some(3)), "{e}");
    let e = error_of("name = \"x\"\n[workload]\ntask_time = [\"5ms\", \"2\"]\n");
    assert_eq!(field_and_line(&e), ("workload.task_time[1]", Some(3)), "{e}");
}

#[test]
fn a_probability_outside_zero_to_one_is_rejected_at_its_field() {
    for rate in ["1.5", "-0.1", "nan"] {
        let e = error_of(&format!("name = \"x\"\n[workload]\ntasks = 10\nerror_rate = {rate}\n"));
        assert_eq!(field_and_line(&e), ("workload.error_rate", Some(4)), "{e}");
        assert!(e.message.contains("not a probability"), "{e}");
    }
    let e = error_of("name = \"x\"\n[faults]\nmessage_loss = [0.0, 1.5]\n");
    assert_eq!(field_and_line(&e), ("faults.message_loss", Some(3)), "{e}");
}

#[test]
fn an_unknown_key_is_rejected_with_a_spelling_hint() {
    let e = error_of("name = \"x\"\n[system]\nnodes = 3\nnodez = 4\n");
    assert_eq!(field_and_line(&e), ("system.nodez", Some(4)), "{e}");
    assert!(e.message.contains("`nodes`"), "the message lists the known keys: {e}");
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("docs/scenarios.md")), "{e}");
}

#[test]
fn unknown_flaws_and_invariants_are_rejected_with_the_known_names() {
    let e = error_of("name = \"x\"\nflaws = [\"lifo_drian\"]\n");
    assert_eq!(field_and_line(&e), ("flaws[0]", Some(2)), "{e}");
    assert!(e.message.contains("lifo_drain"), "the message lists the flaws: {e}");
    let e = error_of("name = \"x\"\n[expect]\nviolation = \"no_tasks_lost\"\n");
    assert_eq!(field_and_line(&e), ("expect.violation", Some(3)), "{e}");
    let hint = e.hint.clone().unwrap_or_default();
    assert!(NAMES.iter().all(|name| hint.contains(name)), "the hint lists every invariant: {e}");
    let e = error_of("name = \"x\"\n[check]\ninvariants = [\n  \"no_task_lost\",\n  \"fifo\",\n]\n");
    assert_eq!(field_and_line(&e), ("check.invariants[1]", Some(5)), "{e}");
}

#[test]
fn an_explicit_fault_at_or_after_until_is_rejected() {
    let text = |time: &str| {
        format!(
            "name = \"x\"\n[faults]\nuntil = \"10s\"\n\n[[faults.at]]\ntime = \"1s\"\nkind = \"heal\"\n\n\
             [[faults.at]]\ntime = \"{time}\"\nkind = \"crash\"\ntarget = \"task_agent\"\n"
        )
    };
    for time in ["10s", "10001ms", "1h"] {
        let e = error_of(&text(time));
        assert_eq!(field_and_line(&e), ("faults.at[1].time", Some(10)), "{e}");
        assert!(e.message.contains("faults.until (10s)"), "{e}");
    }
    assert!(load_text(Path::new("ok.toml"), &text("9999ms")).is_ok());
}

#[test]
fn bad_explicit_targets_and_kinds_name_their_entry() {
    let entry =
        |kind: &str, target: &str| format!("name = \"x\"\n[[faults.at]]\ntime = \"1s\"\nkind = \"{kind}\"\n{target}");
    let e = error_of(&entry("partition", "target = \"0-1\"\n"));
    assert_eq!(field_and_line(&e), ("faults.at[0].target", Some(5)), "{e}");
    let e = error_of(&entry("crash", "target = \"task_agent/x\"\n"));
    assert_eq!(field_and_line(&e), ("faults.at[0].target", Some(5)), "{e}");
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("task_agent")), "the hint lists the targets: {e}");
    let e = error_of(&entry("explode", ""));
    assert_eq!(field_and_line(&e), ("faults.at[0].kind", Some(4)), "{e}");
    let e =
        error_of("name = \"x\"\n[faults]\nprocess_crash = { every = \"1s\", targets = [\"task_agent\", \"ghost\"] }\n");
    assert_eq!(field_and_line(&e), ("faults.process_crash.targets[1]", Some(3)), "{e}");
}

#[test]
fn zero_seeds_unknown_sims_and_broken_toml_are_rejected_where_they_are() {
    let e = error_of("name = \"x\"\n# the default is 16\nseeds = 0\n");
    assert_eq!(field_and_line(&e), ("seeds", Some(3)), "{e}");
    let e = error_of("# a simulation of a storm\nname = \"x\"\nsim = \"fundation\"\n");
    assert_eq!(field_and_line(&e), ("sim", Some(3)), "{e}");
    let e = error_of("name = \"x\"\n[system]\nnodes = 3\n[workload\ntasks = 5\n");
    assert_eq!(field_and_line(&e), ("", Some(4)), "{e}");
    let e = error_of("name = \"unterminated\n[system]\n");
    assert_eq!(e.position.map(|(line, _)| line), Some(1), "{e}");
}

#[test]
fn values_the_healthy_system_cannot_work_with_are_rejected_with_the_reason() {
    let cases = [
        ("[system]\ntask_agents = 0\n", "system.task_agents", "task_agents = 0: no agent could ever run a task"),
        ("[system]\nnodes = 0\n", "system.nodes", "nodes = 0: no node could run the system"),
        ("[config]\nmax_error_threshold = 0\n", "config.max_error_threshold", "max_error_threshold = 0: "),
        ("[config]\nagent_queue_capacity = 0\n", "config.agent_queue_capacity", "agent_queue_capacity = 0: "),
        ("[config]\ncircuit_breaker_threshold = 0\n", "config.circuit_breaker_threshold", "threshold = 0: "),
        ("[config]\nbuffer_max_size = 0\n", "config.buffer_max_size", "buffer_max_size = 0: "),
        ("[config.retry]\nmultiplier = 0\n", "config.retry.multiplier", "multiplier = 0: "),
        ("[workload]\nclients = 0\n", "workload.clients", "clients = 0: "),
        ("[workload]\nrequest_timeout = \"0\"\n", "workload.request_timeout", "request_timeout = \"0\": "),
    ];
    for (table, field, reason) in cases {
        let e = error_of(&format!("name = \"x\"\n\n{table}"));
        assert_eq!(field_and_line(&e), (field, Some(4)), "{e}");
        assert!(e.message.contains(reason), "{e}");
        assert!(e.to_string().starts_with("bad.toml:4:"), "{e}");
    }
    let e = error_of("name = \"x\"\n[config]\nretry = { initial_backoff = \"1s\", multiplier = 0 }\n");
    assert_eq!(field_and_line(&e), ("config.retry.multiplier", Some(3)), "{e}");
    for least in ["task_agents = 1", "nodes = 1"] {
        assert!(load_text(Path::new("ok.toml"), &format!("name = \"x\"\n[system]\n{least}\n")).is_ok(), "{least}");
    }
}

#[test]
fn bad_ranges_are_rejected_at_their_field_and_line() {
    let cases = [
        // Reversed.
        ("[config]\nbuffer_max_size = [200, 1]\n", "config.buffer_max_size", "range [200, 1] is reversed"),
        ("[config.retry]\nmax_backoff = [\"30s\", \"1ms\"]\n", "config.retry.max_backoff", "is reversed"),
        // An end below its bound: the bounds apply to both ends.
        ("[system]\ntask_agents = [0, 16]\n", "system.task_agents", "task_agents = 0: no agent could ever run a task"),
        ("[config]\nmax_error_threshold = [0, 50]\n", "config.max_error_threshold", "max_error_threshold = 0: "),
        // An end the key's type refuses.
        ("[workload]\nerror_rate = [0.1, 1.5]\n", "workload.error_rate", "1.5 is not a probability"),
        ("[system]\nnodes = [1, 2.5]\n", "system.nodes", "invalid type: floating point `2.5`"),
        ("[system]\nnodes = [-1, 3]\n", "system.nodes", "invalid value: integer `-1`"),
        // Keys that take no range.
        ("[faults]\nuntil = [\"10s\", \"20s\"]\n", "faults.until", "invalid type: sequence"),
        ("[check]\nsettle = [\"10s\", \"20s\"]\n", "check.settle", "invalid type: sequence"),
        ("[workload]\ntask_time = [[\"1ms\", \"2ms\"], [\"5ms\", \"9ms\"]]\n", "workload.task_time[0]", "invalid type"),
    ];
    for (table, field, reason) in cases {
        let e = error_of(&format!("name = \"x\"\n\n{table}"));
        assert_eq!(field_and_line(&e), (field, Some(4)), "{e}");
        assert!(e.message.contains(reason), "{e}");
        assert!(e.to_string().starts_with("bad.toml:4:"), "{e}");
    }
    let e = error_of("name = \"x\"\n\nseeds = [1, 10]\n");
    assert_eq!(field_and_line(&e), ("seeds", Some(3)), "{e}");
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("takes no [low, high] range")), "{e}");
}

#[test]
fn every_number_and_duration_of_the_sims_tables_takes_a_range() {
    let text = "name = \"x\"\n[system]\nnodes = [1, 6]\ntask_agents = [1, 16]\nworkflows = [0, 4]\n\
                workflow_steps = [1, 5]\n[workload]\ntasks = [10, 100]\nclients = [1, 4]\n\
                submit_over = [\"1s\", \"10s\"]\ntask_time = [\"1ms\", \"20ms\"]\nerror_rate = [0.0, 0.3]\n\
                request_timeout = [\"100ms\", \"5s\"]\n[config]\nmax_error_threshold = [1, 50]\n\
                circuit_breaker_threshold = [1, 20]\nbuffer_max_size = [1, 200]\nbreaker_reset = [\"1ms\", \"30s\"]\n\
                max_restarts = [0, 10]\nrestart_window = [\"1ms\", \"30s\"]\nagent_queue_capacity = [1, 2000]\n\
                agent_pause_cooldown = [\"1ms\", \"30s\"]\nmemory_threshold_bytes = [1, 1000000000]\n\
                [config.retry]\ninitial_backoff = [\"1ms\", \"30s\"]\nmultiplier = [1, 4]\n\
                max_backoff = [\"1ms\", \"30s\"]\ngive_up_after = [\"1ms\", \"60s\"]\n";
    if let Err(e) = load_text(Path::new("ranges.toml"), text) {
        panic!("ranges on every number are valid: {e}");
    }
}
