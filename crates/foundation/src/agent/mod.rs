//! Task agents and the supervisor each node runs them under.
//!
//! - [`task_agent`]: the agent gen-server (queue, pause, durable snapshot, outbox).
//! - [`process_task`]: validation and one attempt through the breaker and retries.
//! - [`retry`]: RetryService's decisions; [`breaker`]: the circuit breaker.
//!
//! Agent `i` of the pool runs on node `i % nodes`, registered there as
//! `task_agent/<i>`. Each node's agents are permanent children of that node's agent
//! supervisor (one_for_one, intensity from the config). Under the `unsupervised_spawn`
//! flaw a plain process starts them instead, linked to itself and outside any
//! supervisor, as the original did: an agent that crashes stays dead.

use std::sync::Arc;

use otpsim_runtime::gen_server;
use otpsim_runtime::supervisor::{self, ChildKind, ChildSpec, Strategy, SupervisorOpts, SupervisorSpec};
use otpsim_runtime::{Ctx, Message, NodeId, Reason, SpawnOpts};

use crate::config::Config;

pub mod breaker;
pub mod process_task;
pub mod retry;
pub mod task_agent;

pub use task_agent::{name, TaskAgent, LABEL};

/// The id of the agent supervisor in its node's tree.
pub const SUPERVISOR_ID: &str = "agent_supervisor";

/// The label of the process that starts agents under the `unsupervised_spawn` flaw.
pub const STARTER_LABEL: &str = "agent_starter";

/// The child spec of agent `index` on `node`.
pub fn agent_child_spec(index: u32, node: NodeId, config: Arc<Config>) -> ChildSpec {
    ChildSpec::gen_server_on(name(index), node, SpawnOpts::labelled(LABEL), move |ctx: &Ctx| {
        TaskAgent::init(ctx, index, config.clone())
    })
}

/// The node tree's child that runs `indices` on `node`: the agent supervisor, or
/// (under `unsupervised_spawn`) the plain starter process.
pub fn pool_child_spec(indices: Vec<u32>, node: NodeId, config: Arc<Config>) -> ChildSpec {
    if config.has(crate::Flaw::UnsupervisedSpawn) {
        return ChildSpec::process_on(SUPERVISOR_ID, node, SpawnOpts::labelled(STARTER_LABEL), move |ctx| {
            start_unsupervised(ctx, indices.clone(), config.clone())
        })
        .kind(ChildKind::Worker);
    }
    let children = indices.iter().map(|&i| agent_child_spec(i, node, config.clone())).collect();
    let spec = SupervisorSpec { strategy: Strategy::OneForOne, intensity: crate::app::intensity(&config), children };
    // Labelled with its id, as fault targets (`agent_supervisor`) name processes.
    ChildSpec::new(SUPERVISOR_ID, move |ctx: &Ctx| {
        let spec = spec.clone();
        let opts = SupervisorOpts::default().labelled(SUPERVISOR_ID);
        Box::pin(async move { supervisor::start_link_opts(ctx, ctx.node(), opts, spec).await.map_err(Reason::from) })
    })
    .kind(ChildKind::Supervisor)
}

/// The `unsupervised_spawn` path: start every agent with a plain link to this
/// process, then ignore their exits, so none is ever restarted. An exit signal from
/// anyone else (its own supervisor stopping it) ends it, and its links take the
/// agents along.
async fn start_unsupervised(ctx: Ctx, indices: Vec<u32>, config: Arc<Config>) -> Reason {
    ctx.trap_exit(true);
    let mut agents = Vec::new();
    for index in indices {
        let config = config.clone();
        let init = move |c: &Ctx| TaskAgent::init(c, index, config);
        // A failed start leaves the agent missing, as an unchecked spawn_link would.
        if let Ok(pid) = gen_server::start_link(&ctx, ctx.node(), SpawnOpts::labelled(LABEL), init).await {
            agents.push(pid);
        }
    }
    loop {
        if let Message::Exit { from, reason } = ctx.recv().await {
            if !agents.contains(&from) {
                return reason;
            }
        }
    }
}
