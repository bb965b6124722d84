//! `otpsim check`: validate scenario files without running them.

use std::path::PathBuf;

use clap::Args;

use super::{exit, load};

/// Arguments of `otpsim check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Scenario files, or directories to search for `*.toml`.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
}

/// Runs `otpsim check`: `ok <file>` on stdout per good file, each error on stderr;
/// returns the exit code.
pub fn check(args: &CheckArgs) -> u8 {
    let mut good = true;
    for loaded in load::all(&args.paths) {
        match loaded.scenario {
            Ok(_) => println!("ok {}", loaded.path.display()),
            Err(message) => {
                eprintln!("{message}");
                good = false;
            }
        }
    }
    if good {
        exit::PASS
    } else {
        exit::BAD_INPUT
    }
}
