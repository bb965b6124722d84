//! The coordination manager: routes requests to task agents with gen-server calls,
//! guarding each receiver with a circuit breaker and a bounded buffer.
//!
//! - A receiver's breaker opens after `circuit_breaker_threshold` consecutive
//!   failures (a timeout, an exit or `noproc`, a `Rejected` answer; a `Busy` answer
//!   is the receiver's flow control, not a failure) and resets after
//!   `breaker_reset`, one timer per receiver.
//! - While it is open, requests wait in the receiver's buffer (`buffer_max_size`; an
//!   overflow drops the oldest, counted in [`ManagerStats::overflow_count`] and traced
//!   as `buffer_overflow`). On reset the buffer is replayed oldest first; a request
//!   that fails to replay stays where it was and the breaker opens again; one the
//!   receiver answers `Busy` goes back to its caller (`replay_refused`) and the replay
//!   goes on: a busy receiver must not hold back the rest of its buffer forever.
//! - The manager monitors exactly the receivers it holds state for and demonitors
//!   (with flush) a receiver it drops; a receiver's DOWN drops all of its state.
//! - Deliveries run in courier processes, so the manager never waits on an agent.
//!
//! **What [`route`] answers, and who owns the request.** `Delivered`: the agent
//! accepted the request; it owns it now. `Failed`: not delivered; the caller still
//! owns it. `Buffered`: not delivered yet; the caller still owns it, and the manager
//! will tell it the request's fate with a [`Settled`] message (delivered by a replay,
//! or failed: dropped by an overflow, or its receiver went down). Buffers live in the
//! manager's memory, so a crash of the manager ends them without any notice: a caller
//! must re-drive what it has no `Delivered` for, after a timeout or on the manager's
//! DOWN. Re-driving a request that is already buffered keeps its place.

mod buffer;
mod courier;
mod peers;
mod server;
mod trace;

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_runtime::supervisor::ChildSpec;
use otpsim_runtime::{gen_server, CallError, Ctx, Dest, Pid, Reason, Ref, SpawnOpts};

use crate::config::Config;
use crate::protocol::{AgentRequest, RouteOutcome};

pub use buffer::MsgKey;
pub use courier::COURIER_LABEL;

use server::{Answer, Manager, Request};

/// The manager's registered name (on node 0).
pub const NAME: &str = "coordination_manager";
/// The manager's process label.
pub const LABEL: &str = "coordination_manager";

/// The fate of a request that [`route`] answered `Buffered`, sent to the route's
/// caller as a plain message: `Delivered` after a replay, or `Failed` with why the
/// manager gave up on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    /// The receiver it was routed to.
    pub receiver: Pid,
    /// The request.
    pub request: AgentRequest,
    /// How it ended.
    pub outcome: RouteOutcome,
}

/// Where a receiver's breaker is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests go straight to the receiver.
    Closed,
    /// Requests are buffered until the reset timer fires.
    Open,
    /// The reset timer fired and the buffer is being replayed (new requests still
    /// queue behind it).
    Replaying,
}

/// What the manager holds for one receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiverStats {
    /// The breaker's state.
    pub breaker: BreakerState,
    /// Consecutive failures.
    pub failures: u32,
    /// Requests in the buffer (a request being replayed is not counted).
    pub buffer_len: usize,
    /// The monitor on the receiver, if the manager holds one.
    pub monitor: Option<Ref>,
    /// The pending reset timer the manager knows of.
    pub reset_timer: Option<Ref>,
}

/// A snapshot of the manager, for invariants after a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagerStats {
    /// The receivers it holds state for.
    pub receivers: BTreeMap<Pid, ReceiverStats>,
    /// Buffered requests dropped by overflow since the manager started.
    pub overflow_count: u64,
    /// Every monitor the manager knows it holds (receivers and couriers), to its target.
    pub monitors: BTreeMap<Ref, Pid>,
    /// Deliveries whose courier has not reported yet.
    pub deliveries_in_flight: usize,
}

/// The manager as a supervisor child: a permanent worker on the supervisor's node,
/// registered as [`NAME`] and labelled [`LABEL`].
pub fn child_spec(config: &Config) -> ChildSpec {
    let config = config.clone();
    ChildSpec::new(NAME, move |ctx: &Ctx| Box::pin(start_link(ctx, config.clone())))
}

/// Starts the manager on the caller's node, linked to the caller, and waits until it
/// is registered.
pub async fn start_link(ctx: &Ctx, config: Config) -> Result<Pid, Reason> {
    gen_server::start_link(ctx, ctx.node(), SpawnOpts::labelled(LABEL), move |c: &Ctx| Manager::init(c, &config)).await
}

/// Routes `request` to `receiver` through the manager. `timeout` bounds the delivery
/// to the agent; the answer may take as long again to come back, so this waits up to
/// twice `timeout`. See the module doc for what each outcome means.
pub async fn route(
    ctx: &Ctx,
    manager: impl Into<Dest>,
    receiver: Pid,
    request: AgentRequest,
    timeout: Duration,
) -> Result<RouteOutcome, CallError> {
    let wait = timeout.saturating_add(timeout);
    match ctx.call(manager, Request::Route { receiver, request, timeout }, wait).await? {
        Answer::Routed(outcome) => Ok(outcome),
        Answer::Stats(_) => Err(CallError::BadReply),
    }
}

/// The manager's statistics.
pub async fn stats(ctx: &Ctx, manager: impl Into<Dest>, timeout: Duration) -> Result<ManagerStats, CallError> {
    match ctx.call(manager, Request::Stats, timeout).await? {
        Answer::Stats(stats) => Ok(stats),
        Answer::Routed(_) => Err(CallError::BadReply),
    }
}
