//! The system under test: a lease-based job queue built on the runtime.
//!
//! One `queue` process (registered as [`QUEUE`] on node 0) holds the jobs. Workers,
//! one pool per worker node, ask it for a lease, do the job, and report completion
//! with the lease's token. A lease that is not completed within `lease_time` expires
//! and the job goes back to the queue, so a crashed or cut-off worker loses no job.
//! A completion is accepted only from the current lease: a worker whose lease
//! expired must not complete a job someone else now holds.
//!
//! The flaw [`Flaw::StaleCompletion`] accepts any completion of an unfinished job,
//! the classic bug of a queue that checks "not done yet" instead of "still yours".

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use otpsim_harness::scenario::Dur;
use otpsim_runtime::{Cluster, Ctx, Message, NodeId, Pid, SpawnOpts};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tracing::debug;

/// The queue's registered name.
pub const QUEUE: &str = "queue";
/// The node the queue runs on.
pub const QUEUE_NODE: NodeId = NodeId(0);
/// The tracing target of the queue's events.
pub const TARGET: &str = "otpsim::jobqueue";

/// The queue's trace events.
pub mod kind {
    /// A client's job was accepted: `job`.
    pub const JOB_ACCEPTED: &str = "job_accepted";
    /// A job was leased: `job`, `token`, `worker`.
    pub const JOB_LEASED: &str = "job_leased";
    /// A lease ran out and its job went back to the queue: `job`, `token`.
    pub const LEASE_EXPIRED: &str = "lease_expired";
    /// A completion was accepted: `job`, `token`, `worker`.
    pub const JOB_COMPLETED: &str = "job_completed";
    /// A completion was refused: `job`, `token`, `worker`.
    pub const COMPLETION_REFUSED: &str = "completion_refused";
}

/// Field names of the queue's events.
pub mod field {
    /// A job id.
    pub const JOB: &str = "job";
    /// A lease's token (unique per lease).
    pub const TOKEN: &str = "token";
    /// The worker holding or completing a lease.
    pub const WORKER: &str = "worker";
}

/// The queue's configuration (a scenario's `[config]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How long a lease lasts before its job goes back to the queue.
    pub lease_time: Dur,
}

impl Default for Config {
    fn default() -> Self {
        Config { lease_time: Dur(Duration::from_millis(200)) }
    }
}

/// A named flaw of the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flaw {
    /// Accepts the completion of an unfinished job from any worker, even one whose
    /// lease expired and was given to another.
    StaleCompletion,
}

/// What a client or worker asks the queue (as a gen-server call).
#[derive(Clone, Debug)]
pub enum Request {
    /// Add a job (idempotent: a job already known is acknowledged again).
    Submit(u64),
    /// Lease the next job, if any.
    Lease,
    /// Complete the job of a lease.
    Complete {
        /// The job.
        job: u64,
        /// The lease's token.
        token: u64,
    },
    /// The jobs completed so far.
    Done,
}

/// The queue's answers.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Submitted, or completion accepted (`true`) or refused (`false`).
    Ok(bool),
    /// A lease: the job and its token, or nothing to do.
    Lease(Option<(u64, u64)>),
    /// The completed jobs.
    Done(BTreeSet<u64>),
}

/// A lease's timer message.
#[derive(Clone, Debug)]
struct Expire {
    job: u64,
    token: u64,
}

/// The queue process's state.
struct Queue {
    lease_time: Duration,
    flawed: bool,
    known: BTreeSet<u64>,
    pending: VecDeque<u64>,
    leased: BTreeMap<u64, (u64, Pid)>,
    done: BTreeSet<u64>,
    tokens: u64,
}

impl Queue {
    fn answer(&mut self, ctx: &Ctx, from: Pid, request: Request) -> Answer {
        match request {
            Request::Submit(job) => {
                if self.known.insert(job) {
                    self.pending.push_back(job);
                    debug!(target: TARGET, event = kind::JOB_ACCEPTED, job);
                }
                Answer::Ok(true)
            }
            Request::Lease => {
                let Some(job) = self.pending.pop_front() else { return Answer::Lease(None) };
                self.tokens += 1;
                let token = self.tokens;
                self.leased.insert(job, (token, from));
                ctx.send_after(ctx.pid(), Expire { job, token }, self.lease_time);
                debug!(target: TARGET, event = kind::JOB_LEASED, job, token, worker = %from);
                Answer::Lease(Some((job, token)))
            }
            Request::Complete { job, token } => {
                let current = self.leased.get(&job).is_some_and(|(t, _)| *t == token);
                let accepted = current || (self.flawed && !self.done.contains(&job) && self.known.contains(&job));
                if accepted {
                    self.leased.remove(&job);
                    self.pending.retain(|j| *j != job);
                    self.done.insert(job);
                    debug!(target: TARGET, event = kind::JOB_COMPLETED, job, token, worker = %from);
                } else {
                    debug!(target: TARGET, event = kind::COMPLETION_REFUSED, job, token, worker = %from);
                }
                Answer::Ok(accepted)
            }
            Request::Done => Answer::Done(self.done.clone()),
        }
    }

    fn expire(&mut self, Expire { job, token }: Expire) {
        if self.leased.get(&job).is_some_and(|(t, _)| *t == token) {
            self.leased.remove(&job);
            self.pending.push_front(job);
            debug!(target: TARGET, event = kind::LEASE_EXPIRED, job, token);
        }
    }
}

/// Starts the queue on `node`.
pub fn start_queue(cluster: &Cluster, node: NodeId, lease_time: Duration, flaws: &[Flaw]) {
    let queue = Queue {
        lease_time,
        flawed: flaws.contains(&Flaw::StaleCompletion),
        known: BTreeSet::new(),
        pending: VecDeque::new(),
        leased: BTreeMap::new(),
        done: BTreeSet::new(),
        tokens: 0,
    };
    cluster.spawn(node, SpawnOpts::labelled(QUEUE), move |ctx| serve(ctx, queue));
}

/// The queue's loop: calls answered in arrival order, lease timers in between.
async fn serve(ctx: Ctx, mut queue: Queue) {
    ctx.register(QUEUE).expect("the queue starts first on its node");
    loop {
        match ctx.recv().await {
            Message::Call { from, body } => {
                if let Ok(request) = body.downcast::<Request>() {
                    let answer = queue.answer(&ctx, from.pid, request);
                    ctx.reply(from, answer);
                }
            }
            Message::Info { body, .. } => {
                if let Ok(expire) = body.downcast::<Expire>() {
                    queue.expire(expire);
                }
            }
            _ => {}
        }
    }
}

/// How long a job takes: uniform in `[min, max]`, drawn per job by the worker.
#[derive(Clone, Copy, Debug)]
pub struct WorkTime {
    /// Shortest.
    pub min: Duration,
    /// Longest.
    pub max: Duration,
    /// Seed of the workers' draws.
    pub seed: u64,
}

/// Starts a pool on `node` that keeps `workers` workers running: a worker that dies
/// is started again.
pub fn start_pool(cluster: &Cluster, node: NodeId, queue_node: NodeId, workers: u32, work: WorkTime) {
    cluster.spawn(node, SpawnOpts::labelled("pool"), move |ctx| keep(ctx, queue_node, workers, work));
}

async fn keep(ctx: Ctx, queue_node: NodeId, workers: u32, work: WorkTime) {
    ctx.trap_exit(true);
    for index in 0..workers {
        spawn_worker(&ctx, queue_node, work, u64::from(index));
    }
    loop {
        if let Message::Exit { from, .. } = ctx.recv().await {
            spawn_worker(&ctx, queue_node, work, from.serial);
        }
    }
}

/// A worker: its random stream is named by its node and `salt`, so each one draws
/// its own job times.
fn spawn_worker(ctx: &Ctx, queue_node: NodeId, work: WorkTime, salt: u64) {
    let opts = SpawnOpts::labelled("worker").linked();
    ctx.spawn_opts(ctx.node(), opts, move |ctx| run_worker(ctx, queue_node, work, salt));
}

async fn run_worker(ctx: Ctx, queue_node: NodeId, work: WorkTime, salt: u64) {
    let mut rng = otpsim_runtime::rng::stream(work.seed, &format!("jobqueue_worker/{}/{salt}", ctx.node().0));
    let timeout = Duration::from_millis(500);
    let span = u64::try_from(work.max.saturating_sub(work.min).as_micros()).unwrap_or(u64::MAX);
    loop {
        match ctx.call::<Request, Answer>((queue_node, QUEUE), Request::Lease, timeout).await {
            Ok(Answer::Lease(Some((job, token)))) => {
                let extra = if span == 0 { 0 } else { rng.gen_range(0..=span) };
                ctx.sleep(work.min + Duration::from_micros(extra)).await;
                let complete = Request::Complete { job, token };
                let _ = ctx.call::<Request, Answer>((queue_node, QUEUE), complete, timeout).await;
            }
            _ => ctx.sleep(Duration::from_millis(20)).await,
        }
    }
}
