//! OTP semantics on madsim's deterministic simulator.
//!
//! A tour:
//! - [`Cluster`] holds the simulated nodes. Crash and restart them, partition and heal
//!   them, set message fault rates, and read the runtime's [`Tables`].
//! - A process is an async closure taking a [`Ctx`]: its pid, mailbox (selective
//!   receive), monitors, links, registered name, timers and durable [`Store`].
//! - [`gen_server`]: call (monitor + send + wait), cast, reply, and the [`GenServer`]
//!   trait. [`supervisor`]: one_for_one, one_for_all, rest_for_one with restart
//!   intensity, and a dynamic supervisor.
//! - [`event`]: the kinds and field names of the trace events the runtime emits,
//!   shared by emitters and checkers.
//! - [`coverage`]: named situations a run reached, marked with [`reached!`] and
//!   counted per seed.
//! - [`faults`]: every message passes one decision point that delivers, drops,
//!   duplicates or delays it, from a seed-derived stream; per-pair FIFO holds for what
//!   is delivered.
//!
//! ```
//! use std::time::Duration;
//! use otpsim_runtime::{Cluster, Message, Reason, SpawnOpts};
//!
//! let rt = madsim::runtime::Runtime::with_seed_and_config(7, Default::default());
//! rt.block_on(async {
//!     let cluster = Cluster::new();
//!     let node = cluster.add_node("n0", |_, _| async {});
//!     let worker = cluster.spawn(node, SpawnOpts::default(), |ctx| async move {
//!         if ctx.recv().await.info::<&str>() == Some(&"go") {
//!             panic!("boom"); // a crash of this process only
//!         }
//!     });
//!     let watcher = cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
//!         let mref = ctx.monitor(worker);
//!         ctx.send(worker, "go");
//!         match ctx.recv().await {
//!             Message::Down(down) if down.monitor == mref => assert!(matches!(down.reason, Reason::Panic(_))),
//!             other => panic!("unexpected {other:?}"),
//!         }
//!     });
//!     madsim::time::sleep(Duration::from_millis(10)).await;
//!     assert!(!cluster.is_alive(worker) && !cluster.is_alive(watcher));
//!     assert!(cluster.tables().monitors.is_empty());
//!     cluster.halt().await;
//! });
//! ```

#[cfg(not(madsim))]
compile_error!("otpsim-runtime runs on madsim's simulator: build with --cfg madsim (see .cargo/config.toml)");

mod alarm;
mod call;
mod cluster;
pub mod coverage;
pub mod decimal;
pub mod emit;
pub mod event;
pub mod faults;
pub mod gen_server;
mod kernel;
mod message;
mod pid;
mod process;
mod reason;
mod refset;
pub mod rng;
mod running;
mod store;
pub mod supervisor;
mod tables;
#[cfg(feature = "testing")]
pub mod testing;
mod timer;
pub mod units;

pub use call::{CallError, Dest};
pub use cluster::Cluster;
pub use faults::{FaultScope, ForcedFate, ForcedFates, MessageFaults};
pub use gen_server::{CallOutcome, Flow, GenServer};
pub use kernel::RegisterError;
pub use message::{Down, Message, Payload, ReplyTo, Term};
pub use pid::{IdText, NodeId, Pid, Ref};
pub use process::{panic_message, Ctx, NoSuchName, SpawnOpts};
pub use reason::Reason;
pub use running::running;
pub use store::Store;
pub use tables::{MonitorRow, NameRow, ProcessRow, Tables, TimerRow};
