//! Durable state in the runtime's per-node Store: the coordinator's task log and each
//! task agent's snapshot.
//!
//! Every save syncs, because each is followed by an acknowledgment that depends on it
//! (a submit's ack, an agent's `Accepted`, an outcome report's ack). Restores are
//! whole: a restarted coordinator or agent continues exactly where the last save left.
//!
//! The persistence flaws live here, as the alternative save and restore paths they are:
//! `volatile_state` saves nothing and restores nothing; `partial_restore` restores an
//! agent's queue and counters but not the task it was running nor its unreported
//! outcomes (its outbox), so those tasks are lost although they were acknowledged.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use otpsim_runtime::Ctx;

use crate::config::Config;
use crate::flaws::Flaw;
use crate::task::{TaskId, TaskOutcome, TaskSpec};

/// A task an agent took, with the coordinator's assignment attempt (for traces).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The task.
    pub task: TaskSpec,
    /// The coordinator's attempt that delivered it.
    pub attempt: u32,
}

/// A finished task's outcome, kept until the coordinator acknowledges it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The outcome.
    pub outcome: TaskOutcome,
    /// The assignment attempt it ran under.
    pub attempt: u32,
}

/// Everything a task agent must not forget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentSnapshot {
    /// Tasks accepted and not started, in order.
    pub queue: VecDeque<Assignment>,
    /// Tasks started and not finished, in start order (one executes an attempt at a
    /// time; the others wait for a backoff or their downstream's breaker).
    pub running: Vec<Assignment>,
    /// Finished tasks whose outcome the coordinator has not acknowledged.
    pub outbox: BTreeMap<TaskId, Report>,
    /// Tasks whose outcome the coordinator acknowledged (so a late duplicate
    /// assignment is not run again).
    pub finished: BTreeSet<TaskId>,
    /// Queued tasks handed back to the coordinator, with the assignment attempt they
    /// came with; `true` once the coordinator acknowledged. An assignment of such a
    /// task with a later attempt is new work; one with that attempt or an earlier one
    /// is a stale duplicate.
    pub released: BTreeMap<TaskId, (u32, bool)>,
    /// Tasks during which this agent crashed with a panic (a defect).
    pub crashed: BTreeSet<TaskId>,
    /// Tasks finished, any outcome.
    pub processed_count: u64,
    /// Expected errors since the last resume.
    pub error_count: u32,
    /// Paused after too many errors.
    pub paused: bool,
}

impl AgentSnapshot {
    /// True if the agent already holds or finished `task`.
    pub fn knows(&self, task: TaskId) -> bool {
        self.running.iter().any(|a| a.task.id == task)
            || self.queue.iter().any(|a| a.task.id == task)
            || self.outbox.contains_key(&task)
            || self.finished.contains(&task)
    }
}

/// The Store key of agent `index`'s snapshot (on the agent's node).
pub fn agent_key(index: u32) -> String {
    let mut key = String::from("agent/");
    otpsim_runtime::decimal::push(&mut key, u64::from(index));
    key
}

/// Saves and syncs agent `index`'s snapshot.
pub fn save_agent(ctx: &Ctx, index: u32, snapshot: &AgentSnapshot, config: &Config) {
    if config.has(Flaw::VolatileState) {
        return;
    }
    ctx.with_store(|s| {
        s.put(agent_key(index), snapshot.clone());
        s.sync();
    });
}

/// Agent `index`'s state after a (re)start.
pub fn restore_agent(ctx: &Ctx, index: u32, config: &Config) -> AgentSnapshot {
    if config.has(Flaw::VolatileState) {
        return AgentSnapshot::default();
    }
    let saved: AgentSnapshot = ctx.with_store(|s| s.get(&agent_key(index))).unwrap_or_default();
    if config.has(Flaw::PartialRestore) {
        return AgentSnapshot {
            queue: saved.queue,
            processed_count: saved.processed_count,
            error_count: saved.error_count,
            paused: saved.paused,
            ..AgentSnapshot::default()
        };
    }
    saved
}

/// Records durably that agent `index` is crashing with a panic while running `task`.
/// Runs while the agent's process unwinds, so the agent's own state is out of reach:
/// it updates the saved snapshot.
pub fn record_crash(ctx: &Ctx, index: u32, task: TaskId, config: &Config) {
    if config.has(Flaw::VolatileState) {
        return;
    }
    ctx.with_store(|s| {
        let mut snapshot: AgentSnapshot = s.get(&agent_key(index)).unwrap_or_default();
        snapshot.crashed.insert(task);
        s.put(agent_key(index), snapshot);
        s.sync();
    });
}

/// Where a task stands in the coordinator's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Accepted, not yet handed to an agent.
    Queued,
    /// Waiting in the coordination manager's buffer for agent `agent`.
    Buffered {
        /// The agent's index.
        agent: u32,
    },
    /// Agent `agent` durably accepted it and will report its outcome.
    Assigned {
        /// The agent's index.
        agent: u32,
    },
    /// Its final outcome is recorded.
    Final(TaskOutcome),
}

/// One entry of the coordinator's task log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRecord {
    /// The task's id.
    pub id: TaskId,
    /// The task as submitted (`None` only for an outcome of a task the log forgot,
    /// which can happen under the `volatile_state` flaw).
    pub spec: Option<TaskSpec>,
    /// Where it stands.
    pub state: TaskState,
    /// Assignment attempts so far.
    pub attempts: u32,
    /// The agent that may hold the task. Set (and synced) before the first route, and
    /// kept through timeouts, lost replies and crashes, because the agent may have
    /// accepted it durably before the answer was lost; only that agent's definite
    /// rejection frees the task for another agent. Routing to a second agent while the
    /// first may hold it would run the task twice.
    pub holder: Option<u32>,
}

/// The key prefix of the task log (in node 0's Store).
pub const TASK_PREFIX: &str = "task/";

/// The Store key of task `id`, zero-padded so keys sort by id.
pub fn task_key(id: TaskId) -> String {
    let mut key = String::with_capacity(TASK_PREFIX.len() + 20);
    key.push_str(TASK_PREFIX);
    otpsim_runtime::decimal::push_padded(&mut key, id.0, 20);
    key
}

/// Saves and syncs one task log entry.
pub fn save_task(ctx: &Ctx, record: &TaskRecord, config: &Config) {
    if config.has(Flaw::VolatileState) {
        return;
    }
    ctx.with_store(|s| {
        s.put(task_key(record.id), record.clone());
        s.sync();
    });
}

/// The whole task log, by id.
pub fn load_tasks(ctx: &Ctx, config: &Config) -> BTreeMap<TaskId, TaskRecord> {
    if config.has(Flaw::VolatileState) {
        return BTreeMap::new();
    }
    ctx.with_store(|s| s.keys(TASK_PREFIX).iter().filter_map(|k| s.get::<TaskRecord>(k)).map(|r| (r.id, r)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_keys_sort_by_id() {
        assert!(task_key(TaskId(9)) < task_key(TaskId(10)));
        assert_eq!(task_key(TaskId(42)), "task/00000000000000000042");
        assert_eq!(task_key(TaskId(u64::MAX)), format!("task/{}", u64::MAX));
        assert_eq!((agent_key(0), agent_key(17)), ("agent/0".to_owned(), "agent/17".to_owned()));
        assert_eq!((TaskId(7).to_string(), crate::workflow::WorkflowId(123).to_string()), ("7".into(), "123".into()));
    }
}
