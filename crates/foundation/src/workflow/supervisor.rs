//! The WorkflowSupervisor: a dynamic supervisor with one transient child per running
//! workflow, restarting each on its own within the configured intensity.
//!
//! Its children hold nothing the records do not, so whenever it starts — at boot,
//! after its node restarts, or after it gave up and its parent restarted it — it
//! starts again every workflow whose record is not finished.

use otpsim_runtime::supervisor::dynamic::{self, DynamicSpec};
use otpsim_runtime::supervisor::{ChildKind, ChildSpec, Intensity, SupervisorError, SupervisorOpts};
use otpsim_runtime::{Ctx, Pid};

use super::{record, workflow};
use crate::config::Config;

/// The name the WorkflowSupervisor registers on its node (node 0).
pub const NAME: &str = "workflow_supervisor";

/// The WorkflowSupervisor's process label.
pub const LABEL: &str = "workflow_supervisor";

/// The WorkflowSupervisor as a child of the production tree, started on its parent's
/// node, with intensity `config.max_restarts` within `config.restart_window`.
pub fn supervisor_child_spec(config: &Config) -> ChildSpec {
    let config = config.clone();
    ChildSpec::new(NAME, move |ctx: &Ctx| {
        let config = config.clone();
        Box::pin(async move { start_link(ctx, &config).await.map_err(Into::into) })
    })
    .kind(ChildKind::Supervisor)
}

/// Starts the supervisor linked to the caller (its parent, on the records' node), then
/// resumes every unfinished workflow under it.
async fn start_link(ctx: &Ctx, config: &Config) -> Result<Pid, SupervisorError> {
    let spec = DynamicSpec {
        intensity: Intensity { max_restarts: config.max_restarts, within: config.restart_window },
        max_children: None,
    };
    let opts = SupervisorOpts::named(NAME).labelled(LABEL);
    let sup = dynamic::start_link_opts(ctx, ctx.node(), opts, spec).await?;
    for id in ctx.with_store(|s| record::unfinished(s)) {
        dynamic::start_child(ctx, sup, workflow::child_spec(id, config)).await?;
    }
    Ok(sup)
}
