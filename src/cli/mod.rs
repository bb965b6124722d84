//! The subcommands of `otpsim`, one file each, and what they share.
//!
//! - [`run`]: scenarios over seeds, judged; text for people or JSON lines.
//! - [`replay`]: one seed told in full, with its trace as JSON lines on request.
//! - [`shrink`]: a failing seed cut down to a small scenario file that still fails.
//! - [`check`]: validate scenario files only.
//! - [`coverage`]: the coverage points a directory of scenarios reaches, and those it never does.
//! - [`explore`]: coverage-guided search of one scenario's fault plans for a violation.
//! - [`demo`]: the built-in demo, no scenario file needed.
//! - [`merge`]: the `run --json` outputs of shards, read back as one run.
//! - [`load`] turns paths into scenarios, [`shard`] reads `--shard K/N`,
//!   [`seed_timeout`] reads `--seed-timeout`, [`output`], [`plan_view`] and [`json`]
//!   say what gets printed, [`progress`] reports progress, [`exit`] names the exit
//!   codes, [`out`] writes stdout that a closed pipe cannot crash, [`files`] writes
//!   output files whole, and [`interrupt`] turns SIGINT and SIGTERM into a clean stop.

pub mod check;
pub mod coverage;
pub mod coverage_view;
pub mod demo;
pub mod exit;
pub mod explore;
pub mod files;
pub mod interrupt;
pub mod json;
pub mod load;
pub mod merge;
pub mod out;
pub mod output;
pub mod plan_view;
pub mod progress;
pub mod replay;
pub mod run;
pub mod seed_timeout;
pub mod shard;
pub mod shrink;
