//! Quiet panics while a seed runs.
//!
//! A panic inside a simulated process is that process's crash, an expected event, so
//! the default "thread panicked at" output would bury the real results. While a seed
//! runs on a thread, the hook stays quiet and remembers the last panic's message and
//! place, which the runner reports if the panic escapes the simulation. Panics on
//! other threads, or outside a seed, stay loud.

use std::cell::{Cell, RefCell};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Installs the hook once per program, in front of whatever hook was there.
fn install() {
    INSTALL.call_once(|| {
        let loud = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                let message = otpsim_runtime::panic_message(info.payload());
                LAST.with(|last| *last.borrow_mut() = Some(format!("{message}{place}")));
            } else {
                loud(info);
            }
        }));
    });
}

/// Runs `f` with panics on this thread kept quiet.
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    install();
    struct Loud;
    impl Drop for Loud {
        fn drop(&mut self) {
            QUIET.with(|q| q.set(false));
        }
    }
    QUIET.with(|q| q.set(true));
    LAST.with(|last| last.borrow_mut().take());
    let _loud = Loud;
    f()
}

/// The message and place of the last panic seen quietly on this thread.
pub(crate) fn last_panic() -> Option<String> {
    LAST.with(|last| last.borrow_mut().take())
}
