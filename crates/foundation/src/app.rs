//! The production supervision tree, one part per node, and the boot function that
//! starts it.
//!
//! Node 0 (the primary) runs, in start order: the coordination manager, the workflow
//! supervisor, the coordinator, and its share of task agents. Every other node runs
//! its share of task agents only: agent `i` lives on node `i % nodes`. Each node's
//! root is a one_for_one supervisor with the configured restart intensity (100
//! restarts in 10 s under the `lenient_supervision` flaw, as the original's test
//! environment had), started by the node's application master, which starts it again
//! if it gives up. There is no other tree and no test-only path.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use otpsim_runtime::supervisor::{self, ChildSpec, Intensity, Strategy, SupervisorSpec};
use otpsim_runtime::{reached, Cluster, Ctx, Message, NodeId, Reason, SpawnOpts};
use tracing::debug;

use crate::config::Config;
use crate::events::kind;
use crate::events::TARGET;
use crate::flaws::Flaw;
use crate::{agent, coordinator, manager, workflow};

/// The node that runs the coordinator, the manager and the workflow supervisor.
pub const PRIMARY: NodeId = NodeId(0);

/// The restart intensity the original's test environment used (`lenient_supervision`).
pub const LENIENT_INTENSITY: Intensity = Intensity { max_restarts: 100, within: Duration::from_secs(10) };

/// What a node boots: the configuration and the cluster's layout.
#[derive(Clone, Debug, PartialEq)]
pub struct AppSpec {
    /// The system's configuration.
    pub config: Config,
    /// Nodes in the cluster (node ids `0..nodes`).
    pub nodes: u32,
    /// Task agents in the pool, spread over the nodes.
    pub task_agents: u32,
}

impl AppSpec {
    /// The node agent `index` runs on.
    pub fn agent_node(&self, index: u32) -> NodeId {
        NodeId(index % self.nodes.max(1))
    }

    /// The agents that run on `node`.
    pub fn agents_on(&self, node: NodeId) -> Vec<u32> {
        (0..self.task_agents).filter(|&i| self.agent_node(i) == node).collect()
    }
}

/// The restart intensity of the node trees and agent supervisors.
pub fn intensity(config: &Config) -> Intensity {
    if config.has(Flaw::LenientSupervision) {
        LENIENT_INTENSITY
    } else {
        Intensity { max_restarts: config.max_restarts, within: config.restart_window }
    }
}

/// The root supervisor spec of `node`'s part of the tree.
pub fn node_tree(spec: &AppSpec, node: NodeId) -> SupervisorSpec {
    let config = Arc::new(spec.config.clone());
    let mut children: Vec<ChildSpec> = Vec::new();
    if node == PRIMARY {
        children.push(manager::child_spec(&config));
        children.push(workflow::supervisor_child_spec(&config));
        children.push(coordinator::child_spec(spec, node));
    }
    let agents = spec.agents_on(node);
    if !agents.is_empty() {
        children.push(agent::pool_child_spec(agents, node, config.clone()));
    }
    SupervisorSpec { strategy: Strategy::OneForOne, intensity: intensity(&config), children }
}

/// A node's boot function: starts the node's application master, which starts the
/// node's part of the tree.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use otpsim_foundation::app::{self, AppSpec};
/// use otpsim_foundation::{api, Behavior, Config, TaskId, TaskSpec, TaskType};
/// use otpsim_runtime::{Cluster, NodeId, SpawnOpts};
///
/// let rt = madsim::runtime::Runtime::with_seed_and_config(1, Default::default());
/// rt.block_on(async {
///     let cluster = Cluster::new();
///     let spec = AppSpec { config: Config::default(), nodes: 2, task_agents: 4 };
///     for n in 0..2 {
///         let spec = spec.clone();
///         cluster.add_node(&format!("n{n}"), move |c, node| app::boot(c, node, &spec));
///     }
///     let seen = Arc::new(Mutex::new(None));
///     let out = seen.clone();
///     cluster.spawn(NodeId(1), SpawnOpts::default(), move |ctx| async move {
///         let work = Duration::from_millis(10);
///         let task = TaskSpec { id: TaskId(1), kind: TaskType::Analysis, work, behavior: Behavior::Succeed };
///         ctx.sleep(Duration::from_millis(10)).await; // let the trees start
///         api::submit(&ctx, task, Duration::from_secs(1)).await.expect("acknowledged");
///         ctx.sleep(Duration::from_secs(1)).await;
///         *out.lock().unwrap() = api::status(&ctx, TaskId(1), Duration::from_secs(1)).await.ok();
///     });
///     madsim::time::sleep(Duration::from_secs(2)).await;
///     let status = seen.lock().unwrap().clone().expect("the client got an answer");
///     assert_eq!(status.to_string(), format!("completed({})", otpsim_foundation::task::result_of(TaskId(1))));
///     cluster.halt().await;
/// });
/// ```
pub fn boot(cluster: Cluster, node: NodeId, spec: &AppSpec) -> impl Future<Output = ()> + Send + 'static {
    let tree = node_tree(spec, node);
    let pause = spec.config.restart_window;
    async move {
        let opts = SpawnOpts { link: false, trap_exit: true, label: Some(MASTER_LABEL.into()) };
        cluster.spawn(node, opts, move |ctx| master(ctx, tree, pause));
    }
}

/// The application master's label (it is not a fault-injection target).
pub const MASTER_LABEL: &str = "application_master";

/// The application master: the parent of the node's root supervisor. When the root
/// gives up (its restart intensity was exceeded), a production node running a
/// permanent application is restarted by its heart; the master does the same for the
/// tree, after waiting one restart window, so the new root starts with a clean count.
/// Everything the tree needs is durable, so nothing is lost across the restart.
async fn master(ctx: Ctx, tree: SupervisorSpec, pause: Duration) {
    loop {
        let reason = match supervisor::start_link(&ctx, ctx.node(), tree.clone()).await {
            Ok(root) => loop {
                if let Message::Exit { from, reason } = ctx.recv().await {
                    if from == root {
                        break reason;
                    }
                }
            },
            Err(error) => Reason::from(error),
        };
        debug!(target: TARGET, event = kind::TREE_RESTART, node = ctx.node().text().as_str(), reason = &*reason.text());
        reached!("app.master_restarts_tree");
        ctx.sleep(pause).await;
    }
}
