//! The workflow flaws of the bug zoo. Each runs one small fixed schedule twice: with
//! the flaw on it shows the original's damage, with it off the same schedule shows none.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use otpsim_foundation::workflow::god::GodWorkflows;
use otpsim_foundation::workflow::record::{self, WorkflowRecord};
use otpsim_foundation::workflow::{
    self, StepSpec, WorkflowId, WorkflowSpec, WorkflowStatus, SUPERVISOR_NAME, WORKFLOW_LABEL,
};
use otpsim_foundation::{Config, Flaw};
use otpsim_runtime::supervisor::{self, ChildSpec, SupervisorSpec};
use otpsim_runtime::testing::sim;
use otpsim_runtime::{CallOutcome, Cluster, Ctx, Flow, GenServer, Message, NodeId, Pid, ReplyTo, SpawnOpts};

// ----- scaffolding -----------------------------------------------------------

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config_with(flaw: Option<Flaw>) -> Config {
    let mut config = Config::default();
    config.flaws.extend(flaw);
    config
}

fn spec(id: u64, steps: usize, defect_at: Option<usize>) -> WorkflowSpec {
    let steps = (0..steps).map(|i| StepSpec { work: ms(100), defect: Some(i) == defect_at }).collect();
    WorkflowSpec { id: WorkflowId(id), steps }
}

/// A stand-in for the coordinator: it runs workflows in its own process under the
/// `god_coordinator` flaw, and hands them to the WorkflowSupervisor otherwise.
struct Host {
    god: Option<GodWorkflows>,
    config: Config,
}

#[derive(Clone, Debug)]
enum HostCall {
    Start(WorkflowSpec),
    Cancel(WorkflowId),
    Status(WorkflowId),
}

const HOST: &str = "coordinator";

impl GenServer for Host {
    type Call = HostCall;
    type Reply = WorkflowStatus;
    type Cast = ();

    async fn handle_call(&mut self, ctx: &Ctx, request: HostCall, _: ReplyTo) -> CallOutcome<WorkflowStatus> {
        let sup = (ctx.node(), SUPERVISOR_NAME);
        let status = match (&mut self.god, request) {
            (Some(god), HostCall::Start(spec)) => god.start(ctx, spec),
            (Some(god), HostCall::Cancel(id)) => god.cancel(ctx, id),
            (Some(god), HostCall::Status(id)) => god.status(id),
            (None, HostCall::Start(spec)) => workflow::start(ctx, sup, spec, &self.config).await.unwrap(),
            (None, HostCall::Cancel(id)) => workflow::cancel(ctx, sup, id).await.unwrap(),
            (None, HostCall::Status(id)) => workflow::status(ctx, ctx.node(), id).await.unwrap(),
        };
        CallOutcome::Reply(status)
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Message) -> Flow {
        if let Some(god) = &mut self.god {
            god.handle_info(ctx, &msg);
        }
        Flow::Continue
    }
}

/// Node 0 with a root supervisor over the WorkflowSupervisor and the host.
fn boot_node0(cluster: &Cluster, config: &Config) -> NodeId {
    let config = config.clone();
    cluster.add_node("n0", move |cluster, node| {
        let config = config.clone();
        async move {
            let host_config = config.clone();
            let host = ChildSpec::gen_server(HOST, move |ctx: &Ctx| {
                ctx.register(HOST).expect("one host");
                let god = host_config.has(Flaw::GodCoordinator).then(|| GodWorkflows::new(&host_config));
                Ok(Host { god, config: host_config.clone() })
            });
            let tree =
                SupervisorSpec { children: vec![workflow::supervisor_child_spec(&config), host], ..Default::default() };
            supervisor::spawn_root(&cluster, node, tree).expect("a valid tree");
        }
    })
}

/// Calls the host from a fresh process on node 0.
async fn ask(cluster: &Cluster, request: HostCall) -> WorkflowStatus {
    let slot = Arc::new(Mutex::new(None));
    let answer = slot.clone();
    cluster.spawn(NodeId(0), SpawnOpts::default(), move |ctx: Ctx| async move {
        let status = ctx.call((NodeId(0), HOST), request, workflow::CALL_TIMEOUT).await;
        *answer.lock().unwrap() = Some(status);
    });
    loop {
        if let Some(status) = slot.lock().unwrap().take() {
            return status.expect("the host answers");
        }
        madsim::time::sleep(ms(1)).await;
    }
}

fn record_of(cluster: &Cluster, id: u64) -> WorkflowRecord {
    cluster.with_store(NodeId(0), |s| record::load(s, WorkflowId(id))).flatten().expect("a recorded workflow")
}

fn host_pid(cluster: &Cluster) -> Pid {
    cluster.whereis(NodeId(0), HOST).expect("the host runs")
}

// ----- god_coordinator ------------------------------------------------------

/// Workflow 1 is plain; workflow 2's second step has a defect (it fires at ~200 ms).
/// Returns (workflow 1's status at the end, whether the host process was replaced).
fn god_schedule(flaw: Option<Flaw>) -> (WorkflowStatus, bool) {
    let outcome = Arc::new(Mutex::new(None));
    let seen = outcome.clone();
    sim(40, |cluster| async move {
        boot_node0(&cluster, &config_with(flaw));
        madsim::time::sleep(ms(10)).await;
        let host = host_pid(&cluster);
        assert_eq!(ask(&cluster, HostCall::Start(spec(1, 4, None))).await, WorkflowStatus::Running { step: 0 });
        ask(&cluster, HostCall::Start(spec(2, 3, Some(1)))).await;
        madsim::time::sleep(ms(1000)).await;
        let status = ask(&cluster, HostCall::Status(WorkflowId(1))).await;
        *seen.lock().unwrap() = Some((status, host_pid(&cluster) != host));
    });
    let outcome = outcome.lock().unwrap().take();
    outcome.expect("the schedule ran")
}

#[test]
fn god_coordinator_a_defect_in_one_workflow_kills_every_other() {
    let (status, host_replaced) = god_schedule(Some(Flaw::GodCoordinator));
    assert!(host_replaced, "the defect crashed the coordinator itself");
    assert_eq!(status, WorkflowStatus::Unknown, "the plain workflow died with it and was forgotten");
}

#[test]
fn without_god_coordinator_a_defect_stays_in_its_own_workflow() {
    let (status, host_replaced) = god_schedule(None);
    assert!(!host_replaced);
    assert_eq!(status, WorkflowStatus::Completed);
}

// ----- workflow_restart_from_zero -------------------------------------------

/// A 3-step workflow killed mid third step. Returns its final record.
fn restart_schedule(flaw: Option<Flaw>) -> WorkflowRecord {
    let outcome = Arc::new(Mutex::new(None));
    let seen = outcome.clone();
    sim(41, |cluster| async move {
        boot_node0(&cluster, &config_with(flaw));
        madsim::time::sleep(ms(10)).await;
        ask(&cluster, HostCall::Start(spec(3, 3, None))).await;
        madsim::time::sleep(ms(250)).await;
        let victim = cluster.tables().labelled(WORKFLOW_LABEL).map(|p| p.pid).next().expect("running");
        cluster.kill(victim);
        madsim::time::sleep(ms(1000)).await;
        *seen.lock().unwrap() = Some(record_of(&cluster, 3));
    });
    let outcome = outcome.lock().unwrap().take();
    outcome.expect("the schedule ran")
}

#[test]
fn workflow_restart_from_zero_runs_completed_steps_again() {
    let record = restart_schedule(Some(Flaw::WorkflowRestartFromZero));
    assert_eq!(record.status, WorkflowStatus::Completed);
    assert_eq!(record.attempts, vec![2, 2, 2], "steps 0 and 1 had completed and ran again");
}

#[test]
fn without_workflow_restart_from_zero_only_the_interrupted_step_runs_again() {
    let record = restart_schedule(None);
    assert_eq!(record.status, WorkflowStatus::Completed);
    assert_eq!(record.attempts, vec![1, 1, 2]);
}

// ----- cancel_ignored -------------------------------------------------------

/// A 4-step workflow cancelled during its second step. Returns what the cancel
/// answered and the final record.
fn cancel_schedule(flaw: Option<Flaw>) -> (WorkflowStatus, WorkflowRecord) {
    let outcome = Arc::new(Mutex::new(None));
    let seen = outcome.clone();
    sim(42, |cluster| async move {
        boot_node0(&cluster, &config_with(flaw));
        madsim::time::sleep(ms(10)).await;
        ask(&cluster, HostCall::Start(spec(4, 4, None))).await;
        madsim::time::sleep(ms(150)).await;
        let answer = ask(&cluster, HostCall::Cancel(WorkflowId(4))).await;
        madsim::time::sleep(ms(1000)).await;
        *seen.lock().unwrap() = Some((answer, record_of(&cluster, 4)));
    });
    let outcome = outcome.lock().unwrap().take();
    outcome.expect("the schedule ran")
}

#[test]
fn cancel_ignored_lets_a_cancelled_workflow_end_completed() {
    let (answer, record) = cancel_schedule(Some(Flaw::CancelIgnored));
    assert_eq!(answer, WorkflowStatus::Cancelled, "the caller is told it was cancelled");
    assert_eq!(record.status, WorkflowStatus::Completed);
    assert_eq!(record.results.len(), 4);
}

#[test]
fn without_cancel_ignored_a_cancelled_workflow_stops() {
    let (answer, record) = cancel_schedule(None);
    assert_eq!(answer, WorkflowStatus::Cancelled);
    assert_eq!(record.status, WorkflowStatus::Cancelled);
    assert_eq!(record.results.len(), 1);
}
