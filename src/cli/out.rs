//! Standard output that a closed pipe cannot crash: `otpsim run … | head -1`.
//!
//! `print!` panics when the reader has gone away. Here a write that fails (a broken
//! pipe, a full disk) is remembered instead and nothing more is written to stdout.
//! The run itself goes on: its exit code and its recorded regressions are the verdict
//! a script still reads (`set -o pipefail`), as if stdout were `/dev/null`.

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
    }
}
