//! What the tests of the `otpsim` binary share: scratch directories, running the
//! binary, and reading what it printed.
#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A scratch directory, removed when the test ends.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("otpsim-cli-{}-{test}", std::process::id()));
        files::reset_dir(&dir);
        Scratch(dir)
    }

    /// Writes `text` to `name` in the directory; returns the file's path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        files::write(&path, text);
        path
    }

    /// A copy of the repository's `scenarios/calm.toml`.
    pub fn calm(&self) -> PathBuf {
        self.file("calm.toml", &files::read(&repo().join("scenarios/calm.toml")))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        files::remove_dir(&self.0);
    }
}

/// File access for test scaffolding on the real file system.
#[allow(clippy::disallowed_methods)]
pub mod files {
    use std::path::Path;

    pub fn reset_dir(dir: &Path) {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("create the scratch directory");
    }

    pub fn remove_dir(dir: &Path) {
        let _ = std::fs::remove_dir_all(dir);
    }

    pub fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    pub fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    pub fn write_bytes(path: &Path, bytes: &[u8]) {
        std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    pub fn symlink(target: &str, link: &Path) {
        if let Some(parent) = link.parent() {
            create_dir(parent);
        }
        std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("link {}: {e}", link.display()));
    }

    /// The names in `dir`, sorted.
    pub fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list the directory")
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    pub fn create_dir(path: &Path) {
        std::fs::create_dir_all(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    }

    pub fn read_bytes(path: &Path) -> Vec<u8> {
        std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    pub fn exists(path: &Path) -> bool {
        path.exists()
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `otpsim args…` in `dir`.
pub fn otpsim(dir: &Path, args: &[&str]) -> Output {
    otpsim_command(dir, args).output().expect("otpsim runs")
}

/// The command [`otpsim`] runs, to add to. The regression switch of the environment
/// the tests run in (mutation testing sets it) is not passed on: tests set their own.
pub fn otpsim_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_otpsim"));
    command.args(args).current_dir(dir).env_remove(otpsim_harness::regressions::SWITCH);
    command
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("otpsim exited rather than being killed")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The JSON lines of `run --json`: the seed objects, then the summary object.
pub fn json_lines(output: &Output) -> (Vec<Value>, Value) {
    let mut lines: Vec<Value> = stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary");
    assert!(lines.iter().all(|l| l["type"] == "seed"));
    (lines, summary)
}

/// A system that reports failed tasks as completed: every seed loses a task.
pub const BROKEN: &str = r#"
name = "broken"
flaws = ["errors_as_success"]

[system]
task_agents = 4
workflows = 0

[workload]
tasks = 40
submit_over = "4s"
error_rate = 0.2

[faults]
until = "5s"

[check]
settle = "30s"
"#;

/// `otpsim args…` in `dir`, ready to spawn with its stdout piped.
pub fn spawn(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_otpsim"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("otpsim starts")
}
