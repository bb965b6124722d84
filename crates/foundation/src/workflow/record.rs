//! A workflow's durable record: what survives its process, its supervisor and its node.
//!
//! The record lives in node 0's Store under `workflow/<id>` and is synced on every
//! save, so whatever a workflow reported (a step done, a status) is never forgotten.
//! It also counts how often each step was started, as a real job system does: that is
//! how an injected defect fires on a step's first run only.

use otpsim_runtime::Store;

use super::{WorkflowId, WorkflowSpec, WorkflowStatus};

/// The key prefix of every workflow record.
pub const PREFIX: &str = "workflow/";

/// One workflow's durable state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowRecord {
    /// The workflow as started.
    pub spec: WorkflowSpec,
    /// Its status.
    pub status: WorkflowStatus,
    /// The first step without a recorded result.
    pub next_step: usize,
    /// Results of steps `0..next_step`, in order.
    pub results: Vec<u64>,
    /// How many times each step was started (one entry per step).
    pub attempts: Vec<u32>,
    /// A cancel was requested while no process ran the workflow (or, under the
    /// `cancel_ignored` flaw, the only effect a cancel has).
    pub cancel_requested: bool,
}

impl WorkflowRecord {
    /// The record of a workflow that has not run yet.
    pub fn new(spec: WorkflowSpec) -> Self {
        let steps = spec.steps.len();
        WorkflowRecord {
            spec,
            status: WorkflowStatus::Initialized,
            next_step: 0,
            results: Vec::new(),
            attempts: vec![0; steps],
            cancel_requested: false,
        }
    }

    /// The workflow's id.
    pub fn id(&self) -> WorkflowId {
        self.spec.id
    }
}

/// The Store key of workflow `id`.
pub fn key(id: WorkflowId) -> String {
    let mut key = String::from(PREFIX);
    otpsim_runtime::decimal::push(&mut key, id.0);
    key
}

/// Workflow `id`'s record, if it was ever started.
pub fn load(store: &Store, id: WorkflowId) -> Option<WorkflowRecord> {
    store.get(&key(id))
}

/// Writes `record` and syncs, so it survives a node crash.
pub fn save(store: &mut Store, record: &WorkflowRecord) {
    store.put(key(record.id()), record.clone());
    store.sync();
}

/// Every workflow record, by id.
pub fn all(store: &Store) -> Vec<WorkflowRecord> {
    let mut records: Vec<WorkflowRecord> = store.keys(PREFIX).iter().filter_map(|k| store.get(k)).collect();
    records.sort_by_key(WorkflowRecord::id);
    records
}

/// The ids of workflows that are not finished (to be run again after a restart).
pub fn unfinished(store: &Store) -> Vec<WorkflowId> {
    all(store).into_iter().filter(|r| !r.status.is_finished()).map(|r| r.id()).collect()
}
