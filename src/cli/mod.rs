//! The subcommands of `otpsim`, one file each, and what they share.
//!
//! - [`run`]: scenarios over seeds, judged; text for people or JSON lines.
//! - [`replay`]: one seed told in full, with its trace as JSON lines on request.
//! - [`shrink`]: a failing seed cut down to a small scenario file that still fails.
//! - [`check`]: validate scenario files only.
//! - [`demo`]: the built-in demo, no scenario file needed.
//! - [`load`] turns paths into scenarios, [`shard`] reads `--shard K/N`,
//!   [`output`], [`plan_view`] and [`json`] say what gets printed, [`progress`]
//!   reports progress, and
//!   [`exit`] names the exit codes.

pub mod check;
pub mod demo;
pub mod exit;
pub mod json;
pub mod load;
pub mod output;
pub mod plan_view;
pub mod progress;
pub mod replay;
pub mod run;
pub mod shard;
pub mod shrink;
