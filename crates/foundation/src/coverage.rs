//! The coverage points the port marks with [`otpsim_runtime::reached!`]: rare
//! situations a run should show it exercised.
//!
//! A test keeps this list in step with the `reached!` calls in the source, so a report
//! can name every point no scenario reached.

/// Every point the port marks, by name.
pub const POINTS: &[&str] = &[
    "agent.defect_rescued",
    "agent.node_crashed_with_tasks_running",
    "agent.paused",
    "agent.restarted_with_tasks_running",
    "agent.resumed",
    "agent.retries_exhausted",
    "agent.started",
    "agent.stopped_with_tasks_running",
    "agent.task_attempt_failed",
    "agent.task_breaker_opened",
    "agent.task_defect",
    "app.master_restarts_tree",
    "manager.breaker_opened",
    "manager.breaker_reset",
    "manager.buffer_overflow",
    "manager.buffer_replaying",
    "manager.delivery_refused",
    "manager.receiver_down_during_replay",
    "manager.receiver_down_with_state",
    "manager.receiver_down_noconnection",
    "manager.replay_cut_by_partition",
    "manager.replay_failed",
    "manager.replay_with_backlog",
    "workflow.cancel_during_step",
    "workflow.resumed_after_crash_in_step",
    "workflow.resumed_after_steps_done",
    "workflow.step_defect",
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use otpsim_runtime::testing::marked_points;

    #[test]
    fn the_list_names_exactly_the_points_the_source_marks() {
        let found = marked_points(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
        let listed: BTreeSet<String> = super::POINTS.iter().map(|p| p.to_string()).collect();
        assert_eq!(found, listed);
    }
}
