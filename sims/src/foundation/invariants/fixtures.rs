//! Small records and traces for the checkers' tests.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::manager::{BreakerState, ManagerStats, ReceiverStats};
use otpsim_foundation::workflow::{WorkflowId, WorkflowSpec, WorkflowStatus};
use otpsim_foundation::{Behavior, Config, TaskId, TaskOutcome, TaskSpec, TaskType};
use otpsim_harness::invariant::TraceEvent;
use otpsim_runtime::{NodeId, Pid, ProcessRow, Tables};

use super::super::oracle::task_result;
use super::super::record::{History, Observed, Op, Record};
use super::super::workload::{Plan, PlannedTask, PlannedWorkflow};

pub fn events(lines: &[&str]) -> Vec<TraceEvent> {
    TraceEvent::parse_strs(lines)
}

pub fn pid(serial: u64) -> Pid {
    Pid { serial, node: NodeId(1), incarnation: 0 }
}

fn row(pid: Pid, label: &str) -> ProcessRow {
    ProcessRow { pid, name: None, label: Some(label.to_owned()), trap_exit: false, mailbox_len: 0 }
}

pub fn empty_record() -> Record {
    Record {
        config: Config::default(),
        plan: Plan { tasks: Vec::new(), workflows: Vec::new() },
        history: History::default(),
        tasks: BTreeMap::new(),
        workflows: BTreeMap::new(),
        workflow_records: BTreeMap::new(),
        manager: None,
        agents: Vec::new(),
        tables: Tables::default(),
        end: Duration::from_secs(60),
        settle: Duration::from_secs(30),
        network_faults: false,
    }
}

/// A `report_sent` line: agent `agent` sent the `report` (outcome or release) of `task`, attempt 1.
pub fn report_sent(at: &str, agent: &str, task: u32, report: &str) -> String {
    format!("{at}s otpsim::foundation event=report_sent task={task} agent={agent} attempt=1 report={report}")
}

/// Task 1 is an analysis task, task 2 a validation task; breakers reset after 1 s.
pub fn record_with_two_task_types() -> Record {
    let mut record = record_with_task(Behavior::Succeed, None);
    let mut validation = record.plan.tasks[0].clone();
    validation.spec.id = TaskId(2);
    validation.spec.kind = TaskType::Validation;
    record.plan.tasks.push(validation);
    record.config.breaker_reset = Duration::from_secs(1);
    record
}

pub fn final_completed() -> Observed {
    Observed::Final(TaskOutcome::Completed(task_result(TaskId(1))))
}

pub fn record_with_task(behavior: Behavior, observed: Option<Observed>) -> Record {
    let mut r = empty_record();
    let spec = TaskSpec { id: TaskId(1), kind: TaskType::Analysis, work: Duration::from_millis(10), behavior };
    r.plan.tasks.push(PlannedTask { at: Duration::ZERO, client: 0, spec });
    let op = Op { invoked: Duration::ZERO, acked: Some(Duration::from_millis(3)), attempts: 1 };
    r.history.submits.insert(TaskId(1), op);
    if let Some(observed) = observed {
        r.tasks.insert(TaskId(1), observed);
    }
    r
}

pub fn record_with_workflow(status: Option<WorkflowStatus>, cancelled: bool) -> Record {
    let mut r = empty_record();
    let id = WorkflowId(1);
    r.plan.workflows.push(PlannedWorkflow {
        at: Duration::ZERO,
        cancel_at: None,
        spec: WorkflowSpec { id, steps: Vec::new() },
    });
    r.history.starts.insert(id, Op { invoked: Duration::ZERO, acked: Some(Duration::from_millis(1)), attempts: 1 });
    if cancelled {
        r.history
            .cancels
            .insert(id, Op { invoked: Duration::from_secs(1), acked: Some(Duration::from_secs(1)), attempts: 1 });
    }
    r.workflow_records.insert(id, status.clone());
    r.workflows.insert(id, status);
    r
}

pub fn receiver_stats() -> ReceiverStats {
    ReceiverStats { breaker: BreakerState::Closed, failures: 0, buffer_len: 0, monitor: None, reset_timer: None }
}

/// A record whose manager (pid 1) and one agent (pid 2) are alive.
pub fn record_with_manager() -> (Record, Pid, Pid) {
    let mut r = empty_record();
    let (manager, agent) = (pid(1), pid(2));
    r.tables.processes = vec![row(manager, "coordination_manager"), row(agent, "task_agent")];
    let stats = ManagerStats {
        receivers: BTreeMap::new(),
        overflow_count: 0,
        monitors: BTreeMap::new(),
        deliveries_in_flight: 0,
    };
    r.manager = Some((manager, stats));
    (r, manager, agent)
}
