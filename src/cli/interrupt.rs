//! SIGINT and SIGTERM: the first asks the run to stop starting seeds, so it can record
//! its failing seeds and print what it has so far; a second one exits at once.

use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

use super::exit;

/// Installs the handlers. A platform that refuses them keeps the default (an
/// interrupt kills the process), which is reported once on stderr.
pub fn install() {
    let stop = otpsim_harness::stop::flag();
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so the second signal finds the flag already set and exits.
        let installed = flag::register_conditional_shutdown(signal, i32::from(exit::INTERRUPTED), Arc::clone(&stop))
            .and_then(|_| flag::register(signal, Arc::clone(&stop)));
        if let Err(e) = installed {
            eprintln!("warning: cannot handle signal {signal}: {e}; an interrupt will lose the run's results");
        }
    }
}

/// True once the run was interrupted.
pub fn requested() -> bool {
    otpsim_harness::stop::requested()
}
