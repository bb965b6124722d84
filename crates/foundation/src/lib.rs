//! The system under test: a Rust port of the Foundation agent-coordination layer,
//! done right, with each defect of the original available as a named [`Flaw`].
//!
//! A tour, along the path of a task:
//! - [`api`]: what clients call (submit, status, workflows), each with a timeout.
//! - [`coordinator`]: records a task durably before acknowledging it, routes it to an
//!   agent through the [`manager`] (per-receiver circuit breakers and bounded buffers),
//!   and records its outcome, first one wins.
//! - [`agent`]: task agents run [`task`]s through ProcessTask, retry and a circuit
//!   breaker; an expected error is counted, a defect crashes the agent.
//! - [`workflow`]: one process per workflow under a dynamic supervisor, resuming
//!   from its durable step record.
//! - [`durable`]: the task log and agent snapshots in each node's store; [`app`]: the
//!   supervision tree a node boots; [`config`]: every threshold; [`events`]: the trace
//!   events the invariants read; [`protocol`]: the messages between components;
//!   [`coverage`]: the rare situations the port marks as reached.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use otpsim_foundation::app::{self, AppSpec};
//! use otpsim_foundation::task::result_of;
//! use otpsim_foundation::{api, Behavior, Config, TaskId, TaskOutcome, TaskSpec, TaskType};
//! use otpsim_runtime::{Cluster, SpawnOpts};
//!
//! let rt = madsim::runtime::Runtime::with_seed_and_config(1, Default::default());
//! let seen = rt.block_on(async {
//!     let cluster = Cluster::new();
//!     let spec = AppSpec { config: Config::default(), nodes: 1, task_agents: 2 };
//!     let node = cluster.add_node("n0", move |c, n| app::boot(c, n, &spec));
//!     let seen = Arc::new(Mutex::new(None));
//!     let report = seen.clone();
//!     cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
//!         ctx.sleep(Duration::from_millis(100)).await; // let the tree start
//!         let work = Duration::from_millis(5);
//!         let task = TaskSpec { id: TaskId(1), kind: TaskType::Analysis, work, behavior: Behavior::Succeed };
//!         let timeout = Duration::from_secs(1);
//!         if api::submit(&ctx, task, timeout).await.is_ok() {
//!             ctx.sleep(Duration::from_secs(1)).await;
//!             *report.lock().unwrap() = api::status(&ctx, TaskId(1), timeout).await.ok();
//!         }
//!     });
//!     madsim::time::sleep(Duration::from_secs(3)).await;
//!     cluster.halt().await;
//!     let status = seen.lock().unwrap().take();
//!     status
//! });
//! let outcome = seen.and_then(|status| status.outcome());
//! assert_eq!(outcome, Some(TaskOutcome::Completed(result_of(TaskId(1)))));
//! ```

pub mod agent;
pub mod api;
pub mod app;
pub mod config;
pub mod coordinator;
pub mod coverage;
pub mod durable;
pub mod events;
pub mod flaws;
pub mod manager;
pub mod protocol;
pub mod task;
pub mod workflow;

pub use config::Config;
pub use flaws::{Flaw, Flaws};
pub use task::{Behavior, TaskId, TaskOutcome, TaskSpec, TaskType};
