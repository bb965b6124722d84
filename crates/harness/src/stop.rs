//! Stopping a run early: once asked (an interrupt), the runner starts no more seeds.
//! Seeds already running finish, so everything reported so far is whole.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The process-wide flag: set it (from a signal handler, say) to stop the run.
pub fn flag() -> Arc<AtomicBool> {
    STOP.get_or_init(Arc::default).clone()
}

/// Asks the run to start no more seeds.
pub fn request() {
    flag().store(true, Ordering::SeqCst);
}

/// True once a stop was asked for.
pub fn requested() -> bool {
    STOP.get().is_some_and(|flag| flag.load(Ordering::SeqCst))
}
