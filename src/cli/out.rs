//! Standard output that a closed pipe cannot crash: `otpsim run … | head -1`.
//!
//! `print!` panics when the reader has gone away. Here a write that fails (a broken
//! pipe, a full disk) is remembered instead: the run is asked to stop starting seeds,
//! nothing more is written to stdout, and the process exits as an interrupted run.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout and flushes it, unless stdout has failed before.
pub fn print(text: &str) {
    if CLOSED.load(Ordering::SeqCst) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        CLOSED.store(true, Ordering::SeqCst);
        otpsim_harness::stop::request();
    }
}
