//! Exit codes: one per class of result, so scripts and CI can tell a broken system
//! from a broken command line.

/// Every scenario held: healthy seeds violated nothing, and every flaw scenario found
/// its expected violation.
pub const PASS: u8 = 0;

/// A seed violated an invariant, a seed failed another way (a hang, an escaped panic),
/// or a flaw scenario did not find its expected violation.
pub const FAIL: u8 = 1;

/// Bad input or usage: a scenario file that does not load, a missing path, or
/// arguments the command line rejects; nothing was run. Also a run whose bookkeeping
/// failed (a regression file that cannot be read or written), whatever its seeds did.
/// clap exits with the same code for its own usage errors.
pub const BAD_INPUT: u8 = 2;

/// Interrupted (SIGINT, SIGTERM) or its output closed before every seed ran: the
/// summary covers the seeds that did run, and their failing seeds are recorded.
/// 128 + SIGINT, as shells report an interrupted command.
pub const INTERRUPTED: u8 = 130;

/// The exit code of a run that either held or did not.
pub fn of(held: bool) -> u8 {
    if held {
        PASS
    } else {
        FAIL
    }
}
