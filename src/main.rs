//! The otpsim command line: a thin dispatcher over the subcommands in [`cli`].
//!
//! Exit codes are named in [`cli::exit`]: 0 when everything held, 1 when a seed failed
//! or a flaw went undetected, 2 for bad input or usage.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A run allocates and frees small values by the million (messages, table entries,
/// recorded events): mimalloc does that markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(name = "otpsim", version, about = "Deterministic simulation testing for supervised, message-passing systems")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run scenario files over their seeds and judge them.
    Run(cli::run::RunArgs),
    /// Replay one seed of a scenario: its fault plan, verdict, violations and trace.
    Replay(cli::replay::ReplayArgs),
    /// Shrink a failing seed to a scenario file with a small explicit fault list.
    Shrink(cli::shrink::ShrinkArgs),
    /// Check scenario files without running them.
    Check(cli::check::CheckArgs),
    /// Run scenarios and list the coverage points they reach together, and those never reached.
    Coverage(cli::coverage::CoverageArgs),
    /// Search one scenario's fault plans, guided by coverage, for a violation random seeds miss.
    Explore(cli::explore::ExploreArgs),
    /// Merge the `run --json` outputs of shards into the result of one run.
    Merge(cli::merge::MergeArgs),
    /// Run the demo: a supervised process tree under crashes and message loss, over many seeds.
    Demo(cli::demo::DemoArgs),
}

fn main() -> ExitCode {
    cli::interrupt::install();
    let code = match Cli::parse().command {
        Command::Run(args) => cli::run::run(&args),
        Command::Replay(args) => cli::replay::replay(&args),
        Command::Shrink(args) => cli::shrink::shrink(&args),
        Command::Check(args) => cli::check::check(&args),
        Command::Demo(args) => cli::demo::demo(&args),
        Command::Merge(args) => cli::merge::merge(&args),
        Command::Coverage(args) => cli::coverage::coverage(&args),
        Command::Explore(args) => cli::explore::explore(&args),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_errors_exit_with_the_bad_input_code() {
        for args in [
            &["otpsim", "run", "s.toml", "--shard", "3/2"][..],
            &["otpsim", "run", "s.toml", "--shard", "x"],
            &["otpsim", "run", "s.toml", "--seeds", "4", "--seed", "1"],
            &["otpsim", "run"],
            &["otpsim", "replay", "s.toml"],
            &["otpsim", "demo", "--seeds", "0"],
            &["otpsim", "run", "s.toml", "--seeds", "0"],
            &["otpsim", "run", "s.toml", "--force-jobs"],
        ] {
            let error = Cli::try_parse_from(args).expect_err("rejected");
            assert_eq!(error.exit_code(), i32::from(cli::exit::BAD_INPUT), "{args:?}");
        }
    }
}
