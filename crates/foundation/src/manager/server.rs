//! The coordination manager's gen-server: routing, breakers, buffers and replay.
//!
//! The manager only decides; couriers ([`super::courier`]) do the calls. Every
//! request it routes ends in exactly one of: a reply to the route (delivered or
//! failed, from a courier's report), or `Buffered` now and a [`Settled`] notice later
//! (replayed, dropped by overflow, or given up with a dead receiver). Only a crash of
//! the manager itself ends a buffered request without a notice.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_runtime::{reached, CallError, CallOutcome, Ctx, Down, Flow, GenServer, Message, Pid, Reason, Ref, ReplyTo};

use super::buffer::{Entry, MsgKey, Slot};
use super::courier::{self, Attempted, Verdict};
use super::peers::{Peers, Phase};
use super::{trace, ManagerStats, Settled, NAME};
use crate::config::Config;
use crate::flaws::{Flaw, Flaws};
use crate::protocol::{AgentRequest, RouteOutcome};

/// The breaker threshold the original hard-coded (the `magic_thresholds` path).
const MAGIC_BREAKER_THRESHOLD: u32 = 5;
/// The buffer size the original hard-coded (the `magic_thresholds` path).
const MAGIC_BUFFER_MAX: usize = 100;

/// A call to the manager.
#[derive(Clone, Debug)]
pub(crate) enum Request {
    Route { receiver: Pid, request: AgentRequest, timeout: Duration },
    Stats,
}

/// The manager's answers.
#[derive(Clone, Debug)]
pub(crate) enum Answer {
    Routed(RouteOutcome),
    Stats(ManagerStats),
}

/// A reset timer's message; `generation` names the opening it belongs to.
#[derive(Clone, Debug)]
struct ResetDue {
    receiver: Pid,
    generation: u64,
}

/// The thresholds in force and the flaws switched on.
#[derive(Debug)]
struct Policy {
    threshold: u32,
    buffer_max: usize,
    reset_after: Duration,
    flaws: Flaws,
}

impl Policy {
    fn new(config: &Config) -> Self {
        let magic = config.has(Flaw::MagicThresholds);
        Policy {
            threshold: if magic { MAGIC_BREAKER_THRESHOLD } else { config.circuit_breaker_threshold },
            buffer_max: if magic { MAGIC_BUFFER_MAX } else { config.buffer_max_size },
            reset_after: config.breaker_reset,
            flaws: config.flaws.clone(),
        }
    }

    fn has(&self, flaw: Flaw) -> bool {
        self.flaws.contains(&flaw)
    }
}

/// Who waits for a delivery's result.
#[derive(Debug)]
enum Job {
    /// A route call, answered when the courier reports.
    Direct(ReplyTo),
    /// A buffered request being replayed.
    Replay(Entry),
}

/// A delivery whose courier has not reported yet.
#[derive(Debug)]
struct Pending {
    receiver: Pid,
    request: AgentRequest,
    courier: Pid,
    courier_monitor: Ref,
    job: Job,
}

/// The manager's state.
#[derive(Debug)]
pub(crate) struct Manager {
    policy: Policy,
    peers: Peers,
    pending: BTreeMap<u64, Pending>,
    /// Courier monitors, to the delivery they carry.
    couriers: BTreeMap<Ref, u64>,
    next_delivery: u64,
    next_seq: u64,
    next_generation: u64,
    overflow_count: u64,
}

impl Manager {
    /// Registers the manager and builds its empty state.
    pub fn init(ctx: &Ctx, config: &Config) -> Result<Self, Reason> {
        ctx.register(NAME).map_err(|e| Reason::error(format!("cannot register {NAME}: {e}")))?;
        Ok(Manager {
            policy: Policy::new(config),
            peers: Peers::new(config.has(Flaw::LeakyMonitor), config.has(Flaw::BreakerTableGrowth)),
            pending: BTreeMap::new(),
            couriers: BTreeMap::new(),
            next_delivery: 0,
            // Sequence numbers start at the start time in nanoseconds, so they keep
            // increasing across manager restarts (every push takes simulated time).
            next_seq: ctx.now().as_nanos() as u64,
            next_generation: 0,
            overflow_count: 0,
        })
    }

    fn route(
        &mut self,
        ctx: &Ctx,
        from: ReplyTo,
        receiver: Pid,
        request: AgentRequest,
        timeout: Duration,
    ) -> CallOutcome<Answer> {
        let key = MsgKey::of(&request);
        let Some(peer) = self.peers.get_mut(receiver).filter(|p| p.phase != Phase::Closed) else {
            self.dispatch(ctx, receiver, request, timeout, Job::Direct(from));
            return CallOutcome::NoReply;
        };
        if peer.holds(key) {
            self.refresh(receiver, key, request, timeout, from.pid);
        } else {
            self.buffer(ctx, receiver, request, timeout, from.pid);
        }
        CallOutcome::Reply(Answer::Routed(RouteOutcome::Buffered))
    }

    /// A request already held is re-driven: it keeps its place; its latest caller
    /// gets the notice.
    fn refresh(&mut self, receiver: Pid, key: MsgKey, request: AgentRequest, timeout: Duration, caller: Pid) {
        if let Some(entry) = self.peers.get_mut(receiver).and_then(|p| p.buffer.entry_mut(key)) {
            *entry = Entry { request, timeout, caller, ..entry.clone() };
            return;
        }
        let in_flight = self.pending.values_mut().find_map(|p| match &mut p.job {
            Job::Replay(entry) if p.receiver == receiver && entry.key == key => Some(entry),
            _ => None,
        });
        if let Some(entry) = in_flight {
            entry.caller = caller;
        }
    }

    fn buffer(&mut self, ctx: &Ctx, receiver: Pid, request: AgentRequest, timeout: Duration, caller: Pid) {
        let (seq, key, max) = (self.next_seq, MsgKey::of(&request), self.policy.buffer_max);
        self.next_seq += 1;
        let crash_on_overflow = self.policy.has(Flaw::BufferOverflowCrash);
        let Some(peer) = self.peers.get_mut(receiver) else {
            return;
        };
        let slot = if crash_on_overflow && peer.buffer.len() >= max {
            Slot::Malformed { seq, key }
        } else {
            Slot::Held(Entry { seq, key, request, timeout, caller })
        };
        trace::buffered(receiver, key, seq);
        let dropped = peer.buffer.push(slot, max);
        self.report_overflow(ctx, receiver, dropped);
    }

    /// Counts and reports slots dropped by the bound; their callers learn it.
    fn report_overflow(&mut self, ctx: &Ctx, receiver: Pid, dropped: Vec<Slot>) {
        for slot in dropped {
            self.overflow_count += 1;
            reached!("manager.buffer_overflow");
            trace::buffer_overflow(receiver, slot.key(), self.policy.buffer_max);
            if let Slot::Held(entry) = slot {
                settle(ctx, receiver, entry, RouteOutcome::Failed("buffer overflow".into()));
            }
        }
    }

    fn dispatch(&mut self, ctx: &Ctx, receiver: Pid, request: AgentRequest, timeout: Duration, job: Job) {
        let delivery = self.next_delivery;
        self.next_delivery += 1;
        let courier = courier::spawn(ctx, delivery, receiver, request.clone(), timeout);
        let courier_monitor = ctx.monitor(courier);
        self.couriers.insert(courier_monitor, delivery);
        self.pending.insert(delivery, Pending { receiver, request, courier, courier_monitor, job });
    }

    fn on_attempted(&mut self, ctx: &Ctx, delivery: u64, result: Result<crate::protocol::AgentReply, CallError>) {
        let Some(p) = self.pending.remove(&delivery) else {
            return;
        };
        self.couriers.remove(&p.courier_monitor);
        ctx.demonitor_flush(p.courier_monitor);
        let verdict = courier::judge(ctx, &self.policy.flaws, p.receiver, &p.request, &result);
        match p.job {
            Job::Direct(from) => {
                self.count(ctx, p.receiver, verdict.failure.is_some());
                ctx.reply(from, Answer::Routed(verdict.outcome));
            }
            Job::Replay(entry) => {
                if matches!(result, Err(CallError::Exit(Reason::Noconnection))) {
                    reached!("manager.replay_cut_by_partition");
                }
                self.on_replayed(ctx, p.receiver, entry, verdict)
            }
        }
    }

    /// Feeds a direct delivery's result to the receiver's breaker.
    fn count(&mut self, ctx: &Ctx, receiver: Pid, failed: bool) {
        if !failed {
            trace::delivery_counted(receiver, false);
            if let Some(peer) = self.peers.get_mut(receiver).filter(|p| p.phase == Phase::Closed) {
                peer.failures = 0;
            }
            self.peers.release_if_idle(ctx, receiver);
            return;
        }
        let (threshold, growth) = (self.policy.threshold, self.policy.has(Flaw::BreakerTableGrowth));
        let peer = self.peers.track(ctx, receiver);
        trace::delivery_counted(receiver, true);
        peer.failures += 1;
        match peer.phase {
            Phase::Closed if peer.failures >= threshold => self.open(ctx, receiver),
            // The original armed one more reset timer for every failure while open.
            Phase::Open { generation } if growth => {
                ctx.send_after(ctx.pid(), ResetDue { receiver, generation }, self.policy.reset_after);
            }
            _ => {}
        }
    }

    /// Opens (or re-opens) the receiver's breaker with a fresh reset timer.
    fn open(&mut self, ctx: &Ctx, receiver: Pid) {
        self.next_generation += 1;
        let (generation, growth) = (self.next_generation, self.policy.has(Flaw::BreakerTableGrowth));
        let Some(peer) = self.peers.get_mut(receiver) else {
            return;
        };
        if let Some(old) = peer.timer.take().filter(|_| !growth) {
            ctx.cancel_timer(old);
        }
        peer.phase = Phase::Open { generation };
        peer.timer = Some(ctx.send_after(ctx.pid(), ResetDue { receiver, generation }, self.policy.reset_after));
        trace::breaker_opened(receiver, peer.failures, self.policy.threshold);
        reached!("manager.breaker_opened");
    }

    fn on_reset(&mut self, ctx: &Ctx, due: &ResetDue) {
        let any_generation = self.policy.has(Flaw::BreakerTableGrowth);
        let Some(peer) = self.peers.get_mut(due.receiver) else {
            return;
        };
        match peer.phase {
            Phase::Open { generation } if generation == due.generation || any_generation => {}
            _ => return,
        }
        peer.timer = None;
        trace::breaker_reset(due.receiver);
        reached!("manager.breaker_reset");
        if peer.buffer.len() > 1 {
            reached!("manager.replay_with_backlog");
        }
        self.replay_next(ctx, due.receiver);
    }

    /// Replays the next buffered request, or closes the breaker if none is left.
    fn replay_next(&mut self, ctx: &Ctx, receiver: Pid) {
        let newest_first = self.policy.has(Flaw::LifoDrain);
        let Some(peer) = self.peers.get_mut(receiver) else {
            return;
        };
        match peer.buffer.take_next(newest_first) {
            None => {
                peer.phase = Phase::Closed;
                peer.failures = 0;
                trace::breaker_closed(receiver);
                self.peers.release_if_idle(ctx, receiver);
            }
            Some(Slot::Malformed { seq, key }) => {
                panic!("buffer entry {seq} ({key}) for {receiver} holds no request")
            }
            Some(Slot::Held(entry)) => {
                reached!("manager.buffer_replaying");
                peer.phase = Phase::Replaying { key: entry.key };
                let (request, timeout) = (entry.request.clone(), entry.timeout);
                self.dispatch(ctx, receiver, request, timeout, Job::Replay(entry));
            }
        }
    }

    fn on_replayed(&mut self, ctx: &Ctx, receiver: Pid, entry: Entry, verdict: Verdict) {
        let (newest_first, max) = (self.policy.has(Flaw::LifoDrain), self.policy.buffer_max);
        let drops = self.policy.has(Flaw::ReplayDrops);
        let replaying = Phase::Replaying { key: entry.key };
        let Some(peer) = self.peers.get_mut(receiver).filter(|p| p.phase == replaying) else {
            // The receiver went down during the replay and its state is gone.
            reached!("manager.receiver_down_during_replay");
            settle(ctx, receiver, entry, verdict.outcome);
            return;
        };
        if verdict.outcome == RouteOutcome::Delivered {
            // The event names the request delivered, read from the request itself.
            trace::replayed(receiver, MsgKey::of(&entry.request), entry.seq);
            settle(ctx, receiver, entry, RouteOutcome::Delivered);
            self.replay_next(ctx, receiver);
            return;
        }
        if verdict.failure.is_none() {
            // The receiver answered `Busy` (paused, full): the request goes back to
            // its caller, who routes it elsewhere, and the replay goes on.
            trace::replay_refused(receiver, entry.key, entry.seq);
            settle(ctx, receiver, entry, verdict.outcome);
            self.replay_next(ctx, receiver);
            return;
        }
        peer.failures += 1;
        reached!("manager.replay_failed");
        trace::replay_failed(receiver, entry.key, entry.seq, !drops);
        if !drops {
            let dropped = peer.buffer.put_back(Slot::Held(entry), newest_first, max);
            self.report_overflow(ctx, receiver, dropped);
        }
        self.open(ctx, receiver);
    }

    fn on_down(&mut self, ctx: &Ctx, down: Down) {
        if let Some(delivery) = self.couriers.get(&down.monitor).copied() {
            // The courier ended without a report (its report was lost, or it was killed).
            self.on_attempted(ctx, delivery, Err(CallError::Exit(down.reason)));
            return;
        }
        let Some(mut peer) = self.peers.on_down(ctx, &down) else {
            return;
        };
        if down.reason == Reason::Noconnection {
            reached!("manager.receiver_down_noconnection");
        }
        for slot in peer.buffer.take_all() {
            if let Slot::Held(entry) = slot {
                settle(ctx, down.pid, entry, RouteOutcome::Failed(format!("receiver down: {}", down.reason)));
            }
        }
    }

    fn stats(&self) -> ManagerStats {
        let mut monitors: BTreeMap<Ref, Pid> = self.peers.monitors().collect();
        monitors.extend(self.pending.values().map(|p| (p.courier_monitor, p.courier)));
        ManagerStats {
            receivers: self.peers.stats(),
            overflow_count: self.overflow_count,
            monitors,
            deliveries_in_flight: self.pending.len(),
        }
    }
}

/// Tells a buffered request's caller how it ended.
fn settle(ctx: &Ctx, receiver: Pid, entry: Entry, outcome: RouteOutcome) {
    ctx.send(entry.caller, Settled { receiver, request: entry.request, outcome });
}

impl GenServer for Manager {
    type Call = Request;
    type Reply = Answer;
    type Cast = ();

    async fn handle_call(&mut self, ctx: &Ctx, request: Request, from: ReplyTo) -> CallOutcome<Answer> {
        match request {
            Request::Route { receiver, request, timeout } => self.route(ctx, from, receiver, request, timeout),
            Request::Stats => CallOutcome::Reply(Answer::Stats(self.stats())),
        }
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Message) -> Flow {
        match msg {
            Message::Down(down) => self.on_down(ctx, down),
            Message::Info { body, .. } => match body.downcast::<Attempted>() {
                Ok(Attempted { delivery, result }) => self.on_attempted(ctx, delivery, result),
                Err(body) => {
                    if let Some(due) = body.downcast_ref::<ResetDue>() {
                        self.on_reset(ctx, due);
                    }
                }
            },
            _ => {}
        }
        Flow::Continue
    }
}
