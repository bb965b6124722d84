//! The progress bar of a long run: seeds done out of seeds planned, on stderr.
//!
//! It is drawn only when stderr is a terminal and the output is for people (not
//! `--json`); otherwise every call does nothing, so the run's code has one path.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Seeds done out of seeds planned, labelled with the scenario being run.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over `seeds`, drawn if `for_people` and stderr is a terminal.
    pub fn new(seeds: u64, for_people: bool) -> Self {
        if !for_people || !std::io::stderr().is_terminal() {
            return Progress { bar: ProgressBar::hidden() };
        }
        let bar = ProgressBar::with_draw_target(Some(seeds), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {elapsed} (eta {eta}) {msg}")
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress { bar }
    }

    /// Names the scenario now running.
    pub fn scenario(&self, name: &str) {
        self.bar.set_message(name.to_owned());
    }

    /// Counts `seeds` more as done.
    pub fn advance(&self, seeds: u64) {
        self.bar.inc(seeds);
    }

    /// Prints `text` to stdout without tearing the bar (see [`super::out`]).
    pub fn print(&self, text: &str) {
        self.bar.suspend(|| super::out::print(text));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
