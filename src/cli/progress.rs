//! Progress of a long run: seeds done out of seeds planned, on stderr.
//!
//! With a terminal on both stdout and stderr it is a bar; otherwise (output piped to a
//! file or a program, CI logs, `--json`) it is one plain line per chunk of seeds, so
//! a log still shows the run moving without a terminal's control codes.

use std::cell::{Cell, RefCell};
use std::io::{IsTerminal, Write as _};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Seeds done out of seeds planned, labelled with the scenario being run.
pub enum Progress {
    /// A bar redrawn in place.
    Bar(ProgressBar),
    /// A line per step: "progress: 16/200 seeds (crash-storm)".
    Lines {
        /// Seeds planned.
        total: u64,
        /// Seeds done.
        done: Cell<u64>,
        /// The scenario running.
        scenario: RefCell<String>,
    },
}

impl Progress {
    /// A bar over `seeds` when stdout and stderr are terminals and the output is for
    /// people, else progress lines.
    pub fn new(seeds: u64, for_people: bool) -> Self {
        let terminal = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
        if !for_people || !terminal {
            return Progress::Lines { total: seeds, done: Cell::new(0), scenario: RefCell::new(String::new()) };
        }
        let bar = ProgressBar::with_draw_target(Some(seeds), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {elapsed} (eta {eta}) {msg}")
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress::Bar(bar)
    }

    /// Names the scenario now running.
    pub fn scenario(&self, name: &str) {
        match self {
            Progress::Bar(bar) => bar.set_message(name.to_owned()),
            Progress::Lines { scenario, .. } => *scenario.borrow_mut() = name.to_owned(),
        }
    }

    /// Counts `seeds` more as done.
    pub fn advance(&self, seeds: u64) {
        match self {
            Progress::Bar(bar) => bar.inc(seeds),
            Progress::Lines { total, done, scenario } => {
                done.set(done.get() + seeds);
                // A closed stderr is no reason to stop the run.
                let _ = writeln!(std::io::stderr(), "progress: {}/{total} seeds ({})", done.get(), scenario.borrow());
            }
        }
    }

    /// Prints `text` to stdout without tearing the bar (see [`super::out`]).
    pub fn print(&self, text: &str) {
        match self {
            Progress::Bar(bar) => bar.suspend(|| super::out::print(text)),
            Progress::Lines { .. } => super::out::print(text),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
