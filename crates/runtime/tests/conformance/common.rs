//! Shared scaffolding: run a test body in a fresh simulation, and collect what
//! processes observe.

#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use otpsim_runtime::*;

pub use otpsim_runtime::testing::sim;
use otpsim_runtime::testing::Recorder;

/// [`sim`], recording the runtime's events: what the body returned, and the recorder
/// to read them from by kind.
pub fn traced<T, F, Fut>(seed: u64, body: F) -> (T, Recorder)
where
    F: FnOnce(Cluster) -> Fut,
    Fut: Future<Output = T>,
{
    let recorder = Recorder::of_target(event::TARGET);
    let result = {
        let _guard = recorder.install();
        sim(seed, body)
    };
    (result, recorder)
}

/// A cluster of `n` nodes with nothing booted on them.
pub fn bare_nodes(cluster: &Cluster, n: usize) -> Vec<NodeId> {
    (0..n).map(|i| cluster.add_node(&format!("n{i}"), |_, _| async {})).collect()
}

/// Lets simulated time pass so queued work runs.
pub async fn settle() {
    madsim::time::sleep(Duration::from_millis(100)).await;
}

/// Sleeps `ms` milliseconds of simulated time.
pub async fn wait_ms(ms: u64) {
    madsim::time::sleep(Duration::from_millis(ms)).await;
}

/// What processes saw, shared with the driver that asserts on it.
#[derive(Clone, Default)]
pub struct Log<T>(Arc<Mutex<Vec<T>>>);

impl<T: Clone> Log<T> {
    pub fn new() -> Self {
        Log(Arc::new(Mutex::new(Vec::new())))
    }
    pub fn push(&self, item: T) {
        self.0.lock().unwrap().push(item);
    }
    pub fn items(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A process that waits forever (until it is killed).
pub async fn idle(ctx: Ctx) {
    let _ = ctx;
    std::future::pending::<()>().await;
}

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Spawn options for a process that traps exits.
pub fn trapping() -> SpawnOpts {
    SpawnOpts { trap_exit: true, ..Default::default() }
}

/// Spawns a process that waits forever (until it is killed).
pub fn spawn_idle(cluster: &Cluster, node: NodeId) -> Pid {
    cluster.spawn(node, SpawnOpts::default(), idle)
}

/// A process body's tail: sleeps `delay_ms`, then exits with `reason`.
pub async fn exit_after(ctx: Ctx, delay_ms: u64, reason: Reason) -> Reason {
    ctx.sleep(ms(delay_ms)).await;
    reason
}

/// Spawns a process that runs `setup`, then records every message it receives until
/// it is killed. The driver reads the log after letting time pass.
pub fn spawn_recorder<S>(cluster: &Cluster, node: NodeId, opts: SpawnOpts, setup: S) -> (Pid, Log<Message>)
where
    S: FnOnce(&Ctx) + Send + 'static,
{
    let log = Log::new();
    let seen = log.clone();
    let pid = cluster.spawn(node, opts, move |ctx| async move {
        setup(&ctx);
        record(ctx, seen).await;
    });
    (pid, log)
}

/// Records every message this process receives, forever.
pub async fn record(ctx: Ctx, seen: Log<Message>) {
    loop {
        seen.push(ctx.recv().await);
    }
}

/// A process body's tail: sleeps `delay_ms`, then panics (a programming defect).
pub async fn panic_after(ctx: Ctx, delay_ms: u64, message: &'static str) {
    ctx.sleep(ms(delay_ms)).await;
    panic!("{message}");
}

/// Spawns a recorder that monitors `target` first; its log shows the DOWN.
pub fn spawn_watcher(cluster: &Cluster, node: NodeId, target: Pid) -> (Pid, Log<Message>) {
    spawn_recorder(cluster, node, SpawnOpts::default(), move |ctx| {
        ctx.monitor(target);
    })
}

/// Spawns a short-lived process on `node` that sends `msg` to `to` and exits.
pub fn post<T: Term>(cluster: &Cluster, node: NodeId, to: Pid, msg: T) -> Pid {
    cluster.spawn(node, SpawnOpts::default(), move |ctx| async move { ctx.send(to, msg) })
}

impl Log<Message> {
    /// The DOWN messages recorded, in arrival order.
    pub fn downs(&self) -> Vec<Down> {
        self.items()
            .into_iter()
            .filter_map(|m| match m {
                Message::Down(down) => Some(down),
                _ => None,
            })
            .collect()
    }

    /// The trapped EXIT messages recorded, as (from, reason), in arrival order.
    pub fn exits(&self) -> Vec<(Pid, Reason)> {
        self.items()
            .into_iter()
            .filter_map(|m| match m {
                Message::Exit { from, reason } => Some((from, reason)),
                _ => None,
            })
            .collect()
    }

    /// The bodies of plain messages of type `T`, in arrival order.
    pub fn infos<T: Clone + 'static>(&self) -> Vec<T> {
        self.items().iter().filter_map(|m| m.info::<T>().cloned()).collect()
    }
}
