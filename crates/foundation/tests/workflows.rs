//! The WorkflowSupervisor and its Workflow processes: steps run once, progress survives
//! process, supervisor and node crashes, cancel stops a workflow, and one workflow's
//! crash touches no other.
//!
//! Step runs are counted from the `step_run` / `step_done` trace events, recorded by a
//! small tracing layer; progress is read from the durable records.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otpsim_foundation::events::TARGET;
use otpsim_foundation::workflow::record::{self, WorkflowRecord};
use otpsim_foundation::workflow::{
    self, StepSpec, WorkflowError, WorkflowId, WorkflowSpec, WorkflowStatus, SUPERVISOR_NAME, WORKFLOW_LABEL,
};
use otpsim_foundation::Config;
use otpsim_runtime::supervisor::{self, dynamic, SupervisorSpec};
use otpsim_runtime::testing::{self, Recorded, Recorder};
use otpsim_runtime::{Cluster, Ctx, NodeId, Pid, SpawnOpts};

// ----- scaffolding -----------------------------------------------------------

/// One foundation trace event.
type Ev = Recorded;

/// Whether an event is `name` about the workflow `id`.
trait About {
    fn is(&self, name: &str, id: WorkflowId) -> bool;
}

impl About for Ev {
    fn is(&self, name: &str, id: WorkflowId) -> bool {
        self.event == name && self.get("workflow") == id.to_string()
    }
}

/// Runs `body` in a fresh simulation with `seed`, recording foundation events.
fn sim<F, Fut>(seed: u64, body: F)
where
    F: FnOnce(Cluster, Recorder) -> Fut,
    Fut: Future<Output = ()>,
{
    let recorder = Recorder::of_target(TARGET);
    let _guard = recorder.install();
    testing::sim(seed, |cluster| body(cluster, recorder));
}

/// Node 0 booting a root supervisor over the WorkflowSupervisor (after `boot_delay`);
/// returns once the WorkflowSupervisor is up.
async fn boot_node0(cluster: &Cluster, config: &Config, boot_delay: Duration) -> NodeId {
    let config = config.clone();
    let n0 = cluster.add_node("n0", move |cluster, node| {
        let config = config.clone();
        async move {
            if !boot_delay.is_zero() {
                madsim::time::sleep(boot_delay).await;
            }
            let tree =
                SupervisorSpec { children: vec![workflow::supervisor_child_spec(&config)], ..Default::default() };
            supervisor::spawn_root(&cluster, node, tree).expect("a valid tree");
        }
    });
    while cluster.whereis(n0, SUPERVISOR_NAME).is_none() {
        madsim::time::sleep(ms(1)).await;
    }
    n0
}

/// Runs `f` in a fresh process on `node` and waits for its answer.
async fn on<T, F, Fut>(cluster: &Cluster, node: NodeId, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let slot = Arc::new(Mutex::new(None));
    let answer = slot.clone();
    cluster.spawn(node, SpawnOpts::default(), move |ctx: Ctx| async move {
        let value = f(ctx).await;
        *answer.lock().unwrap() = Some(value);
    });
    loop {
        if let Some(value) = slot.lock().unwrap().take() {
            return value;
        }
        madsim::time::sleep(ms(1)).await;
    }
}

async fn start(cluster: &Cluster, node: NodeId, spec: WorkflowSpec, config: &Config) -> WorkflowStatus {
    let (config, sup) = (config.clone(), (NodeId(0), SUPERVISOR_NAME));
    on(cluster, node, move |ctx| async move { workflow::start(&ctx, sup, spec, &config).await }).await.expect("started")
}

async fn cancel(cluster: &Cluster, node: NodeId, id: WorkflowId) -> WorkflowStatus {
    let sup = (NodeId(0), SUPERVISOR_NAME);
    on(cluster, node, move |ctx| async move { workflow::cancel(&ctx, sup, id).await }).await.expect("cancel answered")
}

async fn status(cluster: &Cluster, node: NodeId, id: WorkflowId) -> Result<WorkflowStatus, WorkflowError> {
    on(cluster, node, move |ctx| async move { workflow::status(&ctx, NodeId(0), id).await }).await
}

fn record_of(cluster: &Cluster, id: WorkflowId) -> Option<WorkflowRecord> {
    cluster.with_store(NodeId(0), |s| record::load(s, id)).flatten()
}

/// Waits until workflow `id`'s record is finished; fails the test after `limit`.
async fn until_finished(cluster: &Cluster, id: WorkflowId, limit: Duration) -> WorkflowRecord {
    let poll = ms(10);
    for _ in 0..limit.as_millis() / poll.as_millis() {
        if let Some(record) = record_of(cluster, id).filter(|r| r.status.is_finished()) {
            return record;
        }
        madsim::time::sleep(poll).await;
    }
    panic!("workflow {id} still {:?} after {limit:?}", record_of(cluster, id));
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn spec(id: u64, steps: usize, work_ms: u64) -> WorkflowSpec {
    WorkflowSpec { id: WorkflowId(id), steps: vec![StepSpec { work: ms(work_ms), defect: false }; steps] }
}

fn workflow_pids(cluster: &Cluster) -> Vec<Pid> {
    cluster.tables().labelled(WORKFLOW_LABEL).map(|p| p.pid).collect()
}

/// The processes (hosts) that ran step `step` of `id`, in order.
fn runs_of(events: &[Ev], id: WorkflowId, step: usize) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.is("step_run", id) && e.get("step") == step.to_string())
        .map(|e| e.get("host").to_owned())
        .collect()
}

/// Checks that every step of `id` was recorded once, and that no step ran again
/// after its result was recorded.
fn assert_each_step_done_once(events: &[Ev], id: WorkflowId, steps: usize) {
    for step in 0..steps {
        let is_step = |e: &&Ev| e.get("step") == step.to_string();
        let done: Vec<usize> =
            events.iter().enumerate().filter(|(_, e)| e.is("step_done", id) && is_step(e)).map(|(i, _)| i).collect();
        assert_eq!(done.len(), 1, "step {step} of workflow {id} recorded {} times", done.len());
        let rerun = events.iter().skip(done[0]).filter(|e| e.is("step_run", id) && is_step(e)).count();
        assert_eq!(rerun, 0, "step {step} of workflow {id} ran again after it was done");
    }
}

fn statuses(events: &[Ev], id: WorkflowId) -> Vec<String> {
    events.iter().filter(|e| e.is("workflow_status", id)).map(|e| e.get("status").to_owned()).collect()
}

// ----- tests -----------------------------------------------------------------

#[test]
fn a_workflow_runs_each_step_once_completes_and_leaves_its_supervisor() {
    sim(1, |cluster, recorder| async move {
        let config = Config::default();
        let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
        let id = WorkflowId(1);
        let sup = cluster.whereis(n0, SUPERVISOR_NAME);
        assert_eq!(start(&cluster, n0, spec(1, 3, 100), &config).await, WorkflowStatus::Running { step: 0 });
        assert_eq!(workflow_pids(&cluster).len(), 1);
        let done = until_finished(&cluster, id, ms(2000)).await;
        assert_eq!(done.status, WorkflowStatus::Completed);
        assert_eq!(done.results, (0..3).map(|s| workflow::step_result(id, s)).collect::<Vec<_>>());
        assert_eq!(done.attempts, vec![1, 1, 1]);
        madsim::time::sleep(ms(10)).await;
        assert!(workflow_pids(&cluster).is_empty(), "a finished workflow exits");
        let children =
            on(&cluster, n0, |ctx| async move { dynamic::which_children(&ctx, (NodeId(0), SUPERVISOR_NAME)).await })
                .await
                .unwrap();
        assert!(children.is_empty(), "a finished workflow is removed from its supervisor: {children:?}");
        assert_eq!(cluster.whereis(n0, SUPERVISOR_NAME), sup, "nothing was restarted");
        // Starting it again changes nothing.
        assert_eq!(start(&cluster, n0, spec(1, 3, 100), &config).await, WorkflowStatus::Completed);
        madsim::time::sleep(ms(500)).await;
        let events = recorder.all();
        assert_each_step_done_once(&events, id, 3);
        assert_eq!(statuses(&events, id), ["initialized", "running", "completed"]);
        assert_eq!(status(&cluster, n0, id).await, Ok(WorkflowStatus::Completed));
        assert_eq!(status(&cluster, n0, WorkflowId(99)).await, Ok(WorkflowStatus::Unknown));
    });
}

#[test]
fn starting_a_running_workflow_again_is_a_no_op() {
    sim(2, |cluster, recorder| async move {
        let config = Config::default();
        let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
        start(&cluster, n0, spec(7, 3, 100), &config).await;
        madsim::time::sleep(ms(150)).await;
        assert_eq!(start(&cluster, n0, spec(7, 3, 100), &config).await, WorkflowStatus::Running { step: 1 });
        assert_eq!(workflow_pids(&cluster).len(), 1, "one process per workflow");
        until_finished(&cluster, WorkflowId(7), ms(2000)).await;
        let events = recorder.all();
        assert_each_step_done_once(&events, WorkflowId(7), 3);
        assert!((0..3).all(|s| runs_of(&events, WorkflowId(7), s).len() == 1));
    });
}

#[test]
fn a_crash_at_any_moment_resumes_the_workflow_without_rerunning_a_completed_step() {
    // Kill the workflow process before its first step, mid-step, and around every
    // boundary between two steps (steps are 100 ms each).
    let offsets_ms = (0..=320).step_by(20).chain([99, 100, 101, 199, 200, 201, 299, 300, 301]);
    for (seed, offset) in offsets_ms.enumerate() {
        sim(seed as u64, |cluster, recorder| async move {
            let config = Config::default();
            let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
            let id = WorkflowId(3);
            start(&cluster, n0, spec(3, 3, 100), &config).await;
            madsim::time::sleep(ms(offset)).await;
            let victims = workflow_pids(&cluster);
            for pid in &victims {
                cluster.kill(*pid);
            }
            let done = until_finished(&cluster, id, ms(3000)).await;
            assert_eq!(done.status, WorkflowStatus::Completed, "killed at +{offset}ms");
            assert_eq!(done.results.len(), 3);
            let events = recorder.all();
            assert_each_step_done_once(&events, id, 3);
            for step in 0..3 {
                let runs = runs_of(&events, id, step).len();
                assert!((1..=2).contains(&runs), "step {step} ran {runs} times (killed at +{offset}ms)");
            }
            assert!(victims.iter().all(|pid| !cluster.is_alive(*pid)));
        });
    }
}

#[test]
fn a_defect_step_crashes_its_workflow_which_restarts_and_completes() {
    sim(4, |cluster, recorder| async move {
        let config = Config::default();
        let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
        let id = WorkflowId(4);
        let mut with_defect = spec(4, 3, 100);
        with_defect.steps[1].defect = true;
        start(&cluster, n0, with_defect, &config).await;
        let done = until_finished(&cluster, id, ms(3000)).await;
        assert_eq!(done.status, WorkflowStatus::Completed);
        assert_eq!(done.attempts, vec![1, 2, 1]);
        let events = recorder.all();
        assert_each_step_done_once(&events, id, 3);
        let hosts = runs_of(&events, id, 1);
        assert_eq!(hosts.len(), 2);
        assert_ne!(hosts[0], hosts[1], "the defect crashed the first process; a restarted one finished the step");
        assert_eq!(runs_of(&events, id, 0), [hosts[0].clone()]);
        assert_eq!(runs_of(&events, id, 2), [hosts[1].clone()]);
    });
}

#[test]
fn cancel_stops_a_running_workflow_for_good_and_is_idempotent() {
    sim(5, |cluster, recorder| async move {
        let config = Config::default();
        let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
        let id = WorkflowId(5);
        start(&cluster, n0, spec(5, 5, 100), &config).await;
        madsim::time::sleep(ms(250)).await;
        assert_eq!(cancel(&cluster, n0, id).await, WorkflowStatus::Cancelled);
        let ran_before_cancel = recorder.all().iter().filter(|e| e.is("step_run", id)).count();
        madsim::time::sleep(ms(1000)).await;
        let events = recorder.all();
        assert_eq!(events.iter().filter(|e| e.is("step_run", id)).count(), ran_before_cancel, "no step after cancel");
        assert_eq!(events.iter().filter(|e| e.is("workflow_cancel", id)).count(), 1);
        assert_eq!(statuses(&events, id), ["initialized", "running", "cancelled"]);
        let record = record_of(&cluster, id).unwrap();
        assert_eq!((record.status, record.results.len()), (WorkflowStatus::Cancelled, 2));
        assert!(workflow_pids(&cluster).is_empty());
        // Cancelling again, a finished workflow, or an unknown one changes nothing.
        assert_eq!(cancel(&cluster, n0, id).await, WorkflowStatus::Cancelled);
        start(&cluster, n0, spec(6, 1, 10), &config).await;
        until_finished(&cluster, WorkflowId(6), ms(1000)).await;
        assert_eq!(cancel(&cluster, n0, WorkflowId(6)).await, WorkflowStatus::Completed);
        assert_eq!(cancel(&cluster, n0, WorkflowId(99)).await, WorkflowStatus::Unknown);
        assert_eq!(recorder.all().iter().filter(|e| e.event == "workflow_cancel").count(), 1);
    });
}

#[test]
fn a_cancel_while_no_process_runs_the_workflow_waits_in_its_record() {
    sim(6, |cluster, recorder| async move {
        let config = Config::default();
        // After a restart node 0 boots its tree only after 500 ms: a window with no
        // workflow process at all.
        let n0 = boot_node0(&cluster, &config, ms(500)).await;
        let id = WorkflowId(8);
        start(&cluster, n0, spec(8, 4, 100), &config).await;
        madsim::time::sleep(ms(150)).await;
        cluster.restart_node(n0);
        madsim::time::sleep(ms(100)).await;
        assert!(workflow_pids(&cluster).is_empty());
        assert_eq!(cancel(&cluster, n0, id).await, WorkflowStatus::Cancelled);
        let done = until_finished(&cluster, id, ms(2000)).await;
        assert_eq!(done.status, WorkflowStatus::Cancelled);
        let events = recorder.all();
        assert!(runs_of(&events, id, 2).is_empty(), "the cancelled workflow ran no further step");
        assert_eq!(statuses(&events, id).last().map(String::as_str), Some("cancelled"));
    });
}

#[test]
fn one_workflows_crash_leaves_the_others_untouched() {
    sim(7, |cluster, recorder| async move {
        let config = Config::default();
        let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
        let mut faulty = spec(11, 3, 100);
        faulty.steps[1].defect = true;
        start(&cluster, n0, spec(10, 3, 100), &config).await;
        start(&cluster, n0, faulty, &config).await;
        start(&cluster, n0, spec(12, 3, 100), &config).await;
        for id in [10, 11, 12] {
            let done = until_finished(&cluster, WorkflowId(id), ms(3000)).await;
            assert_eq!(done.status, WorkflowStatus::Completed);
        }
        let events = recorder.all();
        for id in [WorkflowId(10), WorkflowId(12)] {
            assert_each_step_done_once(&events, id, 3);
            let hosts: Vec<String> = (0..3).flat_map(|s| runs_of(&events, id, s)).collect();
            assert_eq!(hosts.len(), 3, "workflow {id} ran each step once");
            assert!(hosts.iter().all(|h| *h == hosts[0]), "workflow {id} kept its process: {hosts:?}");
        }
        assert_eq!(runs_of(&events, WorkflowId(11), 1).len(), 2);
    });
}

#[test]
fn a_node0_restart_resumes_every_unfinished_workflow_from_its_record() {
    for (seed, crash_at_ms) in [(20u64, 150u64), (21, 200), (22, 250), (23, 330)] {
        sim(seed, |cluster, recorder| async move {
            let config = Config::default();
            let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
            start(&cluster, n0, spec(30, 1, 50), &config).await;
            start(&cluster, n0, spec(31, 4, 100), &config).await;
            start(&cluster, n0, spec(32, 3, 120), &config).await;
            madsim::time::sleep(ms(crash_at_ms)).await;
            cluster.crash_node(n0);
            madsim::time::sleep(ms(200)).await;
            cluster.restart_node(n0);
            for id in [30, 31, 32] {
                let done = until_finished(&cluster, WorkflowId(id), ms(3000)).await;
                assert_eq!(done.status, WorkflowStatus::Completed, "workflow {id}, crash at {crash_at_ms}ms");
            }
            let events = recorder.all();
            assert_each_step_done_once(&events, WorkflowId(30), 1);
            assert_each_step_done_once(&events, WorkflowId(31), 4);
            assert_each_step_done_once(&events, WorkflowId(32), 3);
            assert_eq!(runs_of(&events, WorkflowId(30), 0).len(), 1, "a finished workflow is not restarted");
            let hosts: Vec<String> = (0..4).flat_map(|s| runs_of(&events, WorkflowId(31), s)).collect();
            assert!(hosts.iter().any(|h| h.ends_with(".1>")), "the long workflow ran on node 0's new incarnation");
        });
    }
}

#[test]
fn the_workflow_supervisors_restart_intensity_comes_from_config() {
    // Two crashes of one workflow within the window: too many for max_restarts = 1,
    // few enough for 2. Either way the workflow completes; only the first replaces
    // the supervisor.
    for (max_restarts, replaced) in [(1u32, true), (2, false)] {
        sim(30 + u64::from(max_restarts), |cluster, recorder| async move {
            let config = Config { max_restarts, restart_window: Duration::from_secs(10), ..Config::default() };
            let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
            let id = WorkflowId(40);
            start(&cluster, n0, spec(40, 3, 100), &config).await;
            let sup = cluster.whereis(n0, SUPERVISOR_NAME).unwrap();
            for _ in 0..2 {
                madsim::time::sleep(ms(50)).await;
                let victim = workflow_pids(&cluster)[0];
                cluster.kill(victim);
                madsim::time::sleep(ms(5)).await;
            }
            let done = until_finished(&cluster, id, ms(3000)).await;
            assert_eq!(done.status, WorkflowStatus::Completed);
            let now = cluster.whereis(n0, SUPERVISOR_NAME).unwrap();
            assert_eq!(now != sup, replaced, "max_restarts = {max_restarts}");
            assert_each_step_done_once(&recorder.all(), id, 3);
        });
    }
}

#[test]
fn start_cancel_and_status_work_from_another_node() {
    sim(8, |cluster, recorder| async move {
        let config = Config::default();
        let n0 = boot_node0(&cluster, &config, Duration::ZERO).await;
        let n1 = cluster.add_node("n1", |_, _| async {});
        let id = WorkflowId(50);
        assert_eq!(start(&cluster, n1, spec(50, 4, 100), &config).await, WorkflowStatus::Running { step: 0 });
        madsim::time::sleep(ms(150)).await;
        assert_eq!(status(&cluster, n1, id).await, Ok(WorkflowStatus::Running { step: 1 }));
        assert_eq!(cancel(&cluster, n1, id).await, WorkflowStatus::Cancelled);
        assert_eq!(status(&cluster, n1, id).await, Ok(WorkflowStatus::Cancelled));
        assert!(runs_of(&recorder.all(), id, 2).is_empty());
        cluster.crash_node(n0);
        let unreachable = status(&cluster, n1, id).await;
        assert!(matches!(unreachable, Err(WorkflowError::Unreachable(_))), "got {unreachable:?}");
    });
}
