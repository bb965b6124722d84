//! Runs simulations over many seeds and checks that they replay exactly.
//!
//! A tour:
//! - [`runner`]: [`run_seeds`] runs a simulation (a function from a fresh
//!   [`Cluster`](otpsim_runtime::Cluster) to a [`SeedOutcome`]) over seeds, each on a
//!   fresh madsim runtime with a simulated-time limit, on worker threads. A panic that
//!   escapes the simulation fails that seed only. Each [`SeedReport`] carries the
//!   verdict, the simulation's counters, sim and wall time, and the run's [`Trace`].
//! - [`trace`]: every `otpsim*` tracing event becomes one canonical line stamped with
//!   simulated time; the trace's hash fingerprints the run.
//! - [`determinism`]: [`check_determinism`] runs a seed twice and names the first event
//!   where the traces differ.
//! - [`summary`]: totals over a batch of reports.
//! - [`system`]: what a system under test supplies (build, workload, observe, schema,
//!   invariants); [`bound`] binds a scenario file to it and runs each seed's phases.
//! - [`suite`]: scenario files bound to their sims; [`seeds`] says which seeds a run
//!   covers, [`tally`] folds their reports, [`regressions`] keeps the seeds that failed.
//! - [`coverage`]: the points each seed reached, folded over seeds; [`vacuity`] fails
//!   a scenario whose seeds never exercised what it configures.
//! - [`causal`]: a violation's evidence as the happens-before chain from the nearest
//!   upstream faults; [`roles`] names the process behind each pid.
//! - [`explore`]: coverage-guided search of fault plans for what random seeds miss.
//! - [`export`]: a trace as typed JSON lines, a Chrome/Perfetto trace, or a
//!   self-contained HTML sequence chart.
//!
//! ```
//! use std::time::Duration;
//! use otpsim_harness::{check_determinism, run_seeds, RunConfig, SeedOutcome, Summary};
//! use otpsim_runtime::{Cluster, SpawnOpts};
//!
//! let sim = |cluster: Cluster| async move {
//!     let node = cluster.add_node("n0", |_, _| async {});
//!     let pid = cluster.spawn(node, SpawnOpts::default(), |ctx| async move {
//!         ctx.sleep(Duration::from_millis(5)).await;
//!     });
//!     madsim::time::sleep(Duration::from_millis(10)).await;
//!     if cluster.is_alive(pid) {
//!         SeedOutcome::fail(format!("{pid} outlived its work"))
//!     } else {
//!         SeedOutcome::pass()
//!     }
//! };
//! let config = RunConfig::default().jobs(2).time_limit(Duration::from_secs(5));
//! let reports = run_seeds(&sim, &[1, 2, 3], &config);
//! assert!(Summary::of(&reports).all_passed());
//! assert_eq!(reports[0].trace.count("spawn"), 1);
//! assert!(check_determinism(&sim, 2, &config).is_ok());
//! ```

#[cfg(not(madsim))]
compile_error!("otpsim-harness runs on madsim's simulator: build with --cfg madsim (see .cargo/config.toml)");

pub mod bound;
mod captured;
pub mod causal;
pub mod coverage;
pub mod determinism;
mod emitted;
mod encoding;
pub mod explore;
pub mod export;
pub mod inject;
pub mod invariant;
mod kind_counts;
pub mod line_file;
mod lookup_map;
mod panics;
pub mod plan;
pub mod regressions;
pub mod roles;
pub mod runner;
pub mod scenario;
pub mod seeds;
pub mod shrink;
pub mod stop;
pub mod suite;
pub mod summary;
pub mod system;
pub mod tally;
pub mod trace;
pub mod vacuity;
mod watchdog;

pub use bound::{bind, Bound};
pub use determinism::{check_determinism, check_seeds, first_difference, Divergence};
pub use runner::{default_jobs, run_seed, run_seeds, RunConfig, SeedOutcome, SeedReport, Stopwatch, Verdict};
pub use summary::Summary;
pub use system::{Invariant, InvariantKind, Run, System};
pub use trace::{Fnv64, Trace, TraceRecorder};
