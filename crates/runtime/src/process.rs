//! Processes: spawning one, and [`Ctx`], the handle its code runs with.
//!
//! A process is one madsim task on its node. Its body is an async closure taking a
//! [`Ctx`]; returning ends the process with the returned reason (`()` is `normal`), a
//! panic ends it with [`Reason::Panic`]. Either way the simulation goes on.

use std::future::{poll_fn, Future};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::FutureExt;
use madsim::time::Instant;

use crate::alarm::Alarm;
use crate::call::Dest;
use crate::kernel::{Kernel, Receive, RegisterError};
use crate::message::{Message, Payload, Term};
use crate::pid::{NodeId, Pid, Ref};
use crate::reason::Reason;
use crate::running::AsProcess;
use crate::store::Store;
use crate::timer::Shape;

/// How to spawn a process.
#[derive(Clone, Debug, Default)]
pub struct SpawnOpts {
    /// Link the new process to its parent before it runs.
    pub link: bool,
    /// Start with exits trapped.
    pub trap_exit: bool,
    /// What kind of process this is (e.g. "task_agent"): shown in the tables and used
    /// by fault injection to pick targets.
    pub label: Option<Arc<str>>,
}

impl SpawnOpts {
    /// Options with a label.
    pub fn labelled(label: &str) -> Self {
        SpawnOpts { label: Some(label.into()), ..Default::default() }
    }

    /// The same options, linked to the parent.
    pub fn linked(mut self) -> Self {
        self.link = true;
        self
    }
}

/// The handle a process's code runs with. Not `Clone`: it is the process.
pub struct Ctx {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) pid: Pid,
    /// The process that spawned this one linked, if any: the parent a gen-server or
    /// supervisor obeys (`proc_lib`'s parent).
    parent: Option<Pid>,
    alarm: Alarm,
}

/// Spawns a process on `node`; `parent` is linked first if `opts.link` is set, and
/// monitors it if `monitor` is set, in the same step (`spawn_link`, `spawn_monitor`
/// are atomic: a child that exits at once is seen with its real reason).
pub(crate) fn spawn_process<F, Fut, R>(
    kernel: &Arc<Kernel>,
    node: NodeId,
    parent: Option<Pid>,
    opts: SpawnOpts,
    monitor: bool,
    body: F,
) -> (Pid, Option<Ref>)
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: Into<Reason> + 'static,
{
    kernel.act(|state| {
        let (pid, alive) = state.new_process(node, opts.label, opts.trap_exit);
        let linked_parent = parent.filter(|_| opts.link);
        if let Some(parent) = linked_parent {
            // The child is alive or its node is down (then the parent gets `noconnection`).
            let _ = state.link(parent, pid);
        }
        let mref = parent.filter(|_| monitor).map(|parent| state.monitor(parent, pid));
        if alive {
            if let Some(handle) = state.madsim_handle(node) {
                // Marked as running, the process is named behind every event its task emits.
                let task = handle.spawn(AsProcess::new(pid, run(kernel.clone(), pid, linked_parent, body)));
                state.set_task(pid, task.abort_handle());
            }
        }
        (pid, mref)
    })
}

/// The task of one process: runs the body, then records its exit.
async fn run<F, Fut, R>(kernel: Arc<Kernel>, pid: Pid, parent: Option<Pid>, body: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = R>,
    R: Into<Reason> + 'static,
{
    let ctx = Ctx { kernel: kernel.clone(), pid, parent, alarm: Alarm::default() };
    let outcome = AssertUnwindSafe(async move { body(ctx).await.into() }).catch_unwind().await;
    let reason = outcome.unwrap_or_else(|panic| Reason::Panic(panic_message(panic.as_ref()).into()));
    kernel.act(|state| state.terminate(pid, reason));
}

/// The message a panic carried (`panic!` with a string literal or a formatted one).
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic".to_owned()
    }
}

impl Ctx {
    /// This process's pid.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// This process's node.
    pub fn node(&self) -> NodeId {
        self.pid.node
    }

    /// The process that spawned this one linked, if any. A gen-server or supervisor
    /// that traps exits stops when this parent's EXIT arrives, as OTP's do.
    pub fn parent(&self) -> Option<Pid> {
        self.parent
    }

    /// A handle on the whole cluster (nodes, tables, faults).
    pub fn cluster(&self) -> crate::Cluster {
        crate::Cluster { kernel: self.kernel.clone() }
    }

    /// Simulated time since the run started.
    pub fn now(&self) -> Duration {
        madsim::time::TimeHandle::current().elapsed()
    }

    // ----- spawning ---------------------------------------------------------

    /// Spawns a process on this node.
    pub fn spawn<F, Fut, R>(&self, body: F) -> Pid
    where
        F: FnOnce(Ctx) -> Fut + Send + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<Reason> + 'static,
    {
        self.spawn_opts(self.node(), SpawnOpts::default(), body)
    }

    /// Spawns a process on this node, linked to this one.
    pub fn spawn_link<F, Fut, R>(&self, body: F) -> Pid
    where
        F: FnOnce(Ctx) -> Fut + Send + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<Reason> + 'static,
    {
        self.spawn_opts(self.node(), SpawnOpts { link: true, ..Default::default() }, body)
    }

    /// Spawns a process on this node and monitors it, in one step.
    pub fn spawn_monitor<F, Fut, R>(&self, body: F) -> (Pid, Ref)
    where
        F: FnOnce(Ctx) -> Fut + Send + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<Reason> + 'static,
    {
        let (pid, mref) = spawn_process(&self.kernel, self.node(), Some(self.pid), SpawnOpts::default(), true, body);
        (pid, mref.expect("spawn_process monitors when asked"))
    }

    /// Spawns a process on `node` with `opts`. On a node that is down the pid never
    /// lives: a link or monitor to it reports `noconnection`.
    pub fn spawn_opts<F, Fut, R>(&self, node: NodeId, opts: SpawnOpts, body: F) -> Pid
    where
        F: FnOnce(Ctx) -> Fut + Send + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<Reason> + 'static,
    {
        spawn_process(&self.kernel, node, Some(self.pid), opts, false, body).0
    }

    // ----- messages ---------------------------------------------------------

    /// Sends `msg` to `to`. A send to a dead process is dropped silently.
    pub fn send<T: Term>(&self, to: Pid, msg: T) {
        let from = self.pid;
        self.kernel.act(|s| s.send(from, to, Message::Info { from, body: Payload::new(msg) }));
    }

    /// Sends `msg` to the process registered as `name` on `node`. An unknown name on
    /// this node is an error, as `Name ! Msg` is `badarg` in OTP; on another node the
    /// message is dropped silently, as `{Name, Node} ! Msg` never fails.
    pub fn send_named<T: Term>(&self, node: NodeId, name: &str, msg: T) -> Result<(), NoSuchName> {
        match self.whereis(node, name) {
            Some(to) => self.send(to, msg),
            None if node == self.node() => return Err(NoSuchName { node, name: name.to_owned() }),
            None => {}
        }
        Ok(())
    }

    /// Waits for the next message of any kind.
    pub async fn recv(&self) -> Message {
        self.recv_match(|_| true).await
    }

    /// Waits for the first message that `pred` accepts (selective receive); the others
    /// stay queued in order.
    pub async fn recv_match(&self, mut pred: impl FnMut(&Message) -> bool) -> Message {
        poll_fn(|cx| self.poll_recv(cx, &mut pred, None)).await.expect("a wait without a deadline never times out")
    }

    /// Waits up to `timeout` for the next message.
    pub async fn recv_timeout(&self, timeout: Duration) -> Option<Message> {
        self.recv_match_timeout(|_| true, timeout).await
    }

    /// [`Ctx::recv_match`] for up to `timeout` (at least 1 ms, as madsim's timers);
    /// `None` if no accepted message came. A message that is there when the deadline
    /// comes still wins. Cheaper than a `madsim::time::timeout` around `recv_match`:
    /// a process's timed waits share one timer.
    pub async fn recv_match_timeout(
        &self,
        mut pred: impl FnMut(&Message) -> bool,
        timeout: Duration,
    ) -> Option<Message> {
        let now = madsim::time::TimeHandle::current().now_instant();
        // A deadline past the clock's range never comes.
        let deadline = now.checked_add(timeout.max(Duration::from_millis(1)));
        poll_fn(|cx| self.poll_recv(cx, &mut pred, deadline)).await
    }

    /// One poll of a receive: the first message `pred` accepts, `None` once `deadline`
    /// (if any) has come, or pending with the task woken by a delivery or the deadline.
    fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        pred: &mut impl FnMut(&Message) -> bool,
        deadline: Option<Instant>,
    ) -> Poll<Option<Message>> {
        let looked = self.kernel.lock().receive(self.pid, pred, cx.waker());
        match looked {
            Receive::Got(msg) => return Poll::Ready(Some(msg)),
            Receive::Defect => panic!("injected defect in {}", self.pid),
            // A dead process waits forever: its task is being aborted.
            Receive::Dead => return Poll::Pending,
            Receive::Waiting => {}
        }
        if let Some(deadline) = deadline {
            if madsim::time::TimeHandle::current().now_instant() >= deadline {
                return Poll::Ready(None);
            }
            self.alarm.wake_by(deadline, cx);
        }
        Poll::Pending
    }

    /// Takes the next message if one is queued, without waiting.
    pub fn try_recv(&self) -> Option<Message> {
        self.kernel.lock().take_message(self.pid, |_| true)
    }

    /// Number of messages waiting in this process's mailbox.
    pub fn mailbox_len(&self) -> usize {
        self.kernel.lock().mailbox_len(self.pid)
    }

    /// Sleeps for `duration` of simulated time (messages keep queuing).
    pub async fn sleep(&self, duration: Duration) {
        madsim::time::sleep(duration).await;
    }

    // ----- monitors and links -----------------------------------------------

    /// Monitors `target`: exactly one DOWN will arrive for the returned reference,
    /// unless it is demonitored first.
    pub fn monitor(&self, target: Pid) -> Ref {
        let watcher = self.pid;
        self.kernel.act(|s| s.monitor(watcher, target))
    }

    /// Monitors the process registered as `name` on `node` (`monitor(process,
    /// {Name, Node})`): the DOWN carries the name. A name nobody holds gives DOWN
    /// `noproc` at once.
    pub fn monitor_name(&self, node: NodeId, name: &str) -> Ref {
        let watcher = self.pid;
        self.kernel.act(|s| s.monitor_name(watcher, node, name.into()))
    }

    /// Removes a monitor. Returns true if it was active. A DOWN already queued for it
    /// stays queued; see [`Ctx::demonitor_flush`].
    pub fn demonitor(&self, monitor: Ref) -> bool {
        let watcher = self.pid;
        self.kernel.act(|s| s.demonitor(watcher, monitor, false))
    }

    /// Removes a monitor and any DOWN for it already queued or in flight.
    pub fn demonitor_flush(&self, monitor: Ref) -> bool {
        let watcher = self.pid;
        self.kernel.act(|s| s.demonitor(watcher, monitor, true))
    }

    /// Links to `other`. Linking to a dead process is `Err(noproc)` (OTP raises
    /// `noproc`) unless this process traps exits: then it succeeds and an EXIT
    /// `noproc` message follows.
    pub fn link(&self, other: Pid) -> Result<(), Reason> {
        let pid = self.pid;
        self.kernel.act(|s| s.link(pid, other))
    }

    /// Removes the link to `other`, if any.
    pub fn unlink(&self, other: Pid) {
        let pid = self.pid;
        self.kernel.act(|s| s.unlink(pid, other));
    }

    /// Sets whether exit signals arrive as [`Message::Exit`] instead of killing this
    /// process. Returns the previous setting.
    pub fn trap_exit(&self, trap: bool) -> bool {
        let pid = self.pid;
        self.kernel.act(|s| s.set_trap_exit(pid, trap))
    }

    /// Sends an exit signal to `target` (`erlang:exit/2`): `Kill` kills it outright;
    /// `Normal` is ignored unless it traps exits; others kill it unless it traps exits.
    pub fn exit(&self, target: Pid, reason: Reason) {
        let from = self.pid;
        self.kernel.act(|s| {
            // A dead process signals nothing, and a signal cannot cross a partition.
            if s.is_alive(from) && !s.unreachable(from.node, target.node) {
                s.exit_signal(from, target, reason);
            }
        });
    }

    /// True if `pid` is alive.
    pub fn is_alive(&self, pid: Pid) -> bool {
        self.kernel.lock().is_alive(pid)
    }

    // ----- names ------------------------------------------------------------

    /// Registers this process as `name` on its node.
    pub fn register(&self, name: &str) -> Result<(), RegisterError> {
        let pid = self.pid;
        self.kernel.act(|s| s.register(pid, name.into()))
    }

    /// Removes `name` from this node's registry. Returns true if it was registered.
    pub fn unregister(&self, name: &str) -> bool {
        let node = self.node();
        self.kernel.act(|s| s.unregister(node, name))
    }

    /// The process registered as `name` on `node`, if any.
    pub fn whereis(&self, node: NodeId, name: &str) -> Option<Pid> {
        self.kernel.lock().whereis(node, name)
    }

    // ----- timers -----------------------------------------------------------

    /// Sends `msg` to `dest` after `delay` (`erlang:send_after`). The timer is
    /// cancelled if `dest` is not alive or exits; it outlives this process.
    pub fn send_after<T: Term>(&self, dest: Pid, msg: T, delay: Duration) -> Ref {
        self.timer(Dest::Pid(dest), msg, delay, Shape::Bare)
    }

    /// Sends `msg` to whoever holds `name` on `node` when `delay` has passed; nothing
    /// if nobody does then.
    pub fn send_after_named<T: Term>(&self, node: NodeId, name: &str, msg: T, delay: Duration) -> Ref {
        self.timer(Dest::Name(node, name.to_owned()), msg, delay, Shape::Bare)
    }

    /// `erlang:start_timer`: after `delay`, `dest` gets [`Message::Timeout`] with the
    /// returned reference and `msg`. Follows `dest` as [`Ctx::send_after`] does.
    pub fn start_timer<T: Term>(&self, dest: Pid, msg: T, delay: Duration) -> Ref {
        self.timer(Dest::Pid(dest), msg, delay, Shape::Timeout)
    }

    fn timer<T: Term>(&self, dest: Dest, msg: T, delay: Duration, shape: Shape) -> Ref {
        crate::timer::start(&self.kernel, self.pid, dest, Payload::new(msg), delay, shape)
    }

    /// Cancels a timer (any process's). Returns the time it had left, or `None` if it
    /// had fired or was cancelled already (OTP's `false`).
    pub fn cancel_timer(&self, timer: Ref) -> Option<Duration> {
        self.kernel.act(|s| s.cancel_timer(timer))
    }

    /// The time a timer has left, or `None` if it is not pending.
    pub fn read_timer(&self, timer: Ref) -> Option<Duration> {
        self.kernel.lock().read_timer(timer)
    }

    // ----- durable storage --------------------------------------------------

    /// Runs `f` on this node's durable store.
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        let node = self.node();
        let mut state = self.kernel.lock();
        let store = state.store_mut(node).expect("a live process's node exists");
        f(store)
    }
}

/// A send to a name that is not registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoSuchName {
    /// The node looked on.
    pub node: NodeId,
    /// The name.
    pub name: String,
}

impl std::fmt::Display for NoSuchName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no process registered as {:?} on {}", self.name, self.node)
    }
}

impl std::error::Error for NoSuchName {}
