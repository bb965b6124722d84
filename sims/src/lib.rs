//! Workloads for otpsim: what a simulation drives, and how its end state is judged.
//!
//! Each workload is an async function from a fresh [`Cluster`](otpsim_runtime::Cluster)
//! to a [`SeedOutcome`](otpsim_harness::SeedOutcome), ready for the harness's runner:
//! - [`churn`]: random spawns, messages, calls, monitors, links, crashes and node
//!   restarts under message loss, duplication and delay; the determinism workhorse,
//!   also bound to scenario files (`sim = "churn"`) judged by the runtime invariants.
//! - [`demo`]: a supervised process tree doing gen-server work under process kills,
//!   handler panics and message loss; it must recover fully.
//! - [`foundation`]: binds scenario files to the ported system: client workload,
//!   fault plan, end state read through its API, and the system invariants.
//! - [`jobqueue`]: a lease-based job queue, the second system bound to the harness:
//!   small enough to read whole as an example of binding a system.
//! - [`registry`]: finds scenario files and binds each to its sim by its `sim` key.

#[cfg(not(madsim))]
compile_error!("otpsim-sims runs on madsim's simulator: build with --cfg madsim (see .cargo/config.toml)");

pub mod churn;
pub mod demo;
pub mod foundation;
pub mod jobqueue;
pub mod registry;
