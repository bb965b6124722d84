//! Shared scaffolding: run a test body in a fresh simulation, and collect what
//! processes observe.

#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use otpsim_runtime::*;

/// Runs `body` on a fresh madsim runtime with `seed`, then halts the cluster.
pub fn sim<F, Fut>(seed: u64, body: F)
where
    F: FnOnce(Cluster) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
    rt.block_on(async move {
        let cluster = Cluster::new();
        body(cluster.clone()).await;
        cluster.halt().await;
    });
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
