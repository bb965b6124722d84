//! Bad input through the command line: a thousand mutated scenario files, each given
//! to `otpsim check` in its own process. None may panic; each one the loader rejects
//! must exit 2 with a message naming the file and where in it the problem is; each
//! one it accepts (some mutations are harmless) must exit 0.

#[path = "../sims/tests/support/mutate.rs"]
#[allow(dead_code)] // the mutation generator's field expectations serve the library-level test
mod mutate;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use otpsim_harness::scenario::sim_name;
use otpsim_runtime::rng::stream;
use otpsim_sims::registry::{discover, load_text};
use rand::Rng;

use mutate::Mutation;
use support::{files, Scratch};

/// Rejected files the test must see, at least.
const REJECTED_MIN: usize = 1_000;
/// Mutations tried, at most (about 6% of mutations are harmless).
const TRIES_MAX: usize = 1_400;
/// Rust's exit code for a panic in `main`.
const PANIC_EXIT: i32 = 101;

fn sources() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The targeted mutations write the foundation's flaw and invariant names.
    let foundation =
        |path: &Path, text: &str| sim_name(path, text).is_ok_and(|sim| sim.is_none_or(|s| s == "foundation"));
    let listed = discover(&root.join("scenarios")).expect("scenarios/ can be listed");
    listed
        .iter()
        .map(|path| (path, files::read(path)))
        .filter(|(path, text)| foundation(path, text))
        .map(|(_, text)| text)
        .collect()
}

/// True if `message` locates the problem: `file:line:column:` or a backquoted field.
fn located(message: &str, file: &str) -> bool {
    let Some(rest) = message.split(&format!("{file}:")).nth(1) else { return false };
    let line_col = rest.split(':').take(2).all(|n| n.trim().parse::<usize>().is_ok());
    line_col || rest.trim_start().starts_with('`')
}

#[test]
fn check_gives_every_rejected_mutant_exit_two_and_its_location_and_never_panics() {
    let scratch = Scratch::new("check-fuzz");
    let dir = &scratch.0;
    let sources = sources();
    let mut rng = stream(20_261_128, "check-mutations");
    let (mut rejected, mut accepted, mut problems) = (0, 0, Vec::new());
    for i in 0..TRIES_MAX {
        if rejected >= REJECTED_MIN {
            break;
        }
        let mutation = Mutation::ALL[i % Mutation::ALL.len()];
        let source = &sources[rng.gen_range(0..sources.len())];
        let mutant = mutation.apply(source, &mut rng);
        let name = format!("m{i}.toml");
        files::write(&dir.join(&name), &mutant.text);
        let expected = load_text(Path::new(&name), &mutant.text);
        let output = Command::new(env!("CARGO_BIN_EXE_otpsim")).args(["check", &name]).current_dir(dir).output();
        let output = output.expect("otpsim runs");
        let code = output.status.code().unwrap_or(-1);
        let said = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
        let problem = match (&expected, code) {
            (_, PANIC_EXIT) => Some("panicked"),
            (Err(_), 2) if located(&said, &name) => None,
            (Err(_), 2) => Some("was rejected without saying where"),
            (Err(_), _) => Some("was rejected by the loader but did not exit 2"),
            (Ok(_), 0) => None,
            (Ok(_), _) => Some("was accepted by the loader but did not exit 0"),
        };
        match expected {
            Ok(_) => accepted += 1,
            Err(_) => rejected += 1,
        }
        if let Some(problem) = problem {
            problems.push(format!("{name} ({mutation:?}) {problem} (exit {code}):\n{said}"));
        }
    }
    println!("check: {rejected} mutants rejected with exit 2, {accepted} harmless ones accepted");
    assert!(problems.is_empty(), "{} of the mutants went wrong:\n{}", problems.len(), problems.join("\n"));
    assert!(rejected >= REJECTED_MIN, "only {rejected} mutants were rejected");
}
