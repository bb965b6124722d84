//! The job queue sim: a lease-based job queue ([`queue`]) bound to the harness. This
//! module and [`invariants`] are the whole binding (docs/bind-your-system.md).

pub mod invariants;
pub mod queue;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otpsim_harness::plan::Topology;
use otpsim_harness::scenario::{DelayRange, Dur, Scenario, ScenarioError, SimSchema};
use otpsim_harness::{Bound, Invariant, Run, System};
use otpsim_runtime::{Cluster, NodeId, SpawnOpts, Tables};
use serde::{Deserialize, Serialize};

use queue::{Answer, Request, WorkTime, QUEUE, QUEUE_NODE};

/// The sim's name in scenario files.
pub const NAME: &str = "jobqueue";

/// The job queue's part of a scenario file.
#[derive(Clone, Debug)]
pub struct JobQueueSchema;

impl SimSchema for JobQueueSchema {
    type System = Layout;
    type Workload = Workload;
    type Config = queue::Config;
    type Flaw = queue::Flaw;

    fn fault_targets() -> &'static [&'static str] {
        &["worker"]
    }
}

/// `[system]`: where the queue's workers run (the queue itself runs on node 0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Layout {
    /// Nodes running workers (nodes 1..=worker_nodes).
    pub worker_nodes: u32,
    /// Workers on each of those nodes.
    pub workers_per_node: u32,
}

impl Default for Layout {
    fn default() -> Self {
        Layout { worker_nodes: 2, workers_per_node: 2 }
    }
}

/// `[workload]`: the jobs clients submit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Jobs submitted in all.
    pub jobs: u32,
    /// Submissions are spread over this time from the start.
    pub submit_over: Dur,
    /// How long a worker takes for one job.
    pub work_time: DelayRange,
    /// How long a client waits for the queue before retrying.
    pub request_timeout: Dur,
}

impl Default for Workload {
    fn default() -> Self {
        let ms = Duration::from_millis;
        Workload {
            jobs: 50,
            submit_over: Dur(Duration::from_secs(5)),
            work_time: DelayRange { min: ms(10), max: ms(80) },
            request_timeout: Dur(ms(500)),
        }
    }
}

/// The job queue, as the harness sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct JobQueueSim;

/// Parses and checks a job queue scenario.
pub fn bind(path: &Path, text: &str) -> Result<Bound<JobQueueSim>, ScenarioError> {
    otpsim_harness::bind(JobQueueSim, path, text)
}

/// The clients' node, and the jobs the queue acknowledged.
pub struct Running {
    clients: NodeId,
    accepted: Arc<Mutex<BTreeSet<u64>>>,
}

/// The end of a run: what was acknowledged, what the queue says is done, the tables.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// Jobs the queue acknowledged to a client.
    pub accepted: BTreeSet<u64>,
    /// Jobs the queue reports done (`None`: it did not answer).
    pub done: Option<BTreeSet<u64>>,
    /// The runtime's tables at the end, for the runtime invariants.
    pub tables: Tables,
    /// Simulated time at the end.
    pub end: Duration,
}

impl System for JobQueueSim {
    type Schema = JobQueueSchema;
    type Running = Running;
    type Observed = Observed;

    fn name(&self) -> &'static str {
        NAME
    }

    fn invariants(&self) -> Vec<Invariant<Observed>> {
        invariants::all()
    }

    /// Worker nodes crash; every node, the queue's and the clients' included, partitions.
    fn topology(&self, scenario: &Scenario<JobQueueSchema>) -> Topology {
        let workers = scenario.system.worker_nodes;
        Topology { crashable: (1..=workers).collect(), partitionable: (0..=workers + 1).collect() }
    }

    fn build(&self, cluster: &Cluster, run: &Run<'_, JobQueueSchema>) -> Running {
        let scenario = run.scenario;
        let (lease, flaws) = (scenario.config.lease_time.0, scenario.flaws.clone());
        cluster.add_node("queue", move |c, node| {
            let flaws = flaws.clone();
            async move { queue::start_queue(&c, node, lease, &flaws) }
        });
        let work =
            WorkTime { min: scenario.workload.work_time.min, max: scenario.workload.work_time.max, seed: run.seed };
        let per_node = scenario.system.workers_per_node;
        for i in 1..=scenario.system.worker_nodes {
            cluster.add_node(&format!("w{i}"), move |c, node| async move {
                queue::start_pool(&c, node, QUEUE_NODE, per_node, work);
            });
        }
        let clients = cluster.add_node("clients", |_, _| async {});
        Running { clients, accepted: Arc::default() }
    }

    /// One client per job: it submits at its time and retries until acknowledged or
    /// halfway through settle.
    fn workload(&self, cluster: &Cluster, run: &Run<'_, JobQueueSchema>, running: &mut Running) {
        let workload = &run.scenario.workload;
        let give_up = run.plan.until.0 + run.scenario.check.settle.0 / 2;
        let timeout = workload.request_timeout.0;
        for job in 0..u64::from(workload.jobs) {
            let at = workload.submit_over.0.mul_f64(job as f64 / f64::from(workload.jobs.max(1)));
            let accepted = running.accepted.clone();
            cluster.spawn(running.clients, SpawnOpts::labelled("client"), move |ctx| async move {
                ctx.sleep(at.max(Duration::from_millis(1))).await;
                while ctx.now() < give_up {
                    let answer = ctx.call::<Request, Answer>((QUEUE_NODE, QUEUE), Request::Submit(job), timeout).await;
                    if answer.is_ok() {
                        accepted.lock().unwrap_or_else(|p| p.into_inner()).insert(job);
                        return;
                    }
                    ctx.sleep(Duration::from_millis(100)).await;
                }
            });
        }
    }

    async fn observe(&self, cluster: &Cluster, _run: &Run<'_, JobQueueSchema>, running: Running) -> Observed {
        let slot: Arc<Mutex<Option<Option<BTreeSet<u64>>>>> = Arc::default();
        let out = slot.clone();
        cluster.spawn(running.clients, SpawnOpts::labelled("client"), move |ctx| async move {
            let mut done = None;
            for _ in 0..5 {
                if let Ok(Answer::Done(jobs)) =
                    ctx.call((QUEUE_NODE, QUEUE), Request::Done, Duration::from_secs(1)).await
                {
                    done = Some(jobs);
                    break;
                }
            }
            *out.lock().unwrap_or_else(|p| p.into_inner()) = Some(done);
        });
        let done = loop {
            if let Some(done) = slot.lock().unwrap_or_else(|p| p.into_inner()).take() {
                break done;
            }
            madsim::time::sleep(Duration::from_millis(10)).await;
        };
        let accepted = running.accepted.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Observed { accepted, done, tables: cluster.tables(), end: madsim::time::TimeHandle::current().elapsed() }
    }

    fn runtime_state<'a>(&self, observed: &'a Observed) -> Option<(&'a Tables, Duration)> {
        Some((&observed.tables, observed.end))
    }

    fn work_fields(&self) -> &'static [&'static str] {
        &[queue::field::JOB]
    }

    fn counters(&self, observed: &Observed) -> Vec<(&'static str, u64)> {
        let done = observed.done.as_ref().map_or(0, |d| d.len() as u64);
        vec![("jobs_accepted", observed.accepted.len() as u64), ("jobs_done", done)]
    }
}
