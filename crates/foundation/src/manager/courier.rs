//! One delivery attempt: a short-lived process that calls the receiver and reports
//! the result to the manager, and how the manager judges that result.
//!
//! The call runs outside the manager so the manager never waits on an agent: it keeps
//! answering routes, timers and DOWNs, and an agent that calls the manager while the
//! manager delivers to it cannot deadlock the two. The judgement is where three of
//! the original's delivery defects live as alternative paths.

use std::time::Duration;

use otpsim_runtime::{reached, CallError, Ctx, Pid, SpawnOpts};

use crate::flaws::{Flaw, Flaws};
use crate::protocol::{AgentReply, AgentRequest, RouteOutcome, REJECTED};

/// The label couriers are spawned with (they are not fault-injection targets).
pub const COURIER_LABEL: &str = "coordination_courier";

/// A courier's report: the result of its call.
#[derive(Clone, Debug)]
pub(crate) struct Attempted {
    pub delivery: u64,
    pub result: Result<AgentReply, CallError>,
}

/// Spawns a courier linked to the manager (it dies with the manager) and returns it.
pub(crate) fn spawn(ctx: &Ctx, delivery: u64, receiver: Pid, request: AgentRequest, timeout: Duration) -> Pid {
    let manager = ctx.pid();
    ctx.spawn_opts(ctx.node(), SpawnOpts::labelled(COURIER_LABEL).linked(), move |c: Ctx| async move {
        let result = c.call::<AgentRequest, AgentReply>(receiver, request, timeout).await;
        c.send(manager, Attempted { delivery, result });
    })
}

/// How an attempt counts: for the breaker, and for the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Why it counts as a breaker failure, if it does.
    pub failure: Option<String>,
    /// What the caller is told.
    pub outcome: RouteOutcome,
}

/// Judges an attempt. Only an answer other than `Rejected` or `Busy` is a delivery;
/// `Busy` is no breaker failure. The flaw
/// paths: `ack_without_delivery` takes any answer as delivered; `raw_send` falls
/// back to a plain send when the call timed out or the receiver was unreachable and
/// claims delivery; `duplicate_delivery` sends the request again as a plain message
/// after a timeout, while the call's request may still wait in the agent's mailbox.
pub(crate) fn judge(
    ctx: &Ctx,
    flaws: &Flaws,
    receiver: Pid,
    request: &AgentRequest,
    result: &Result<AgentReply, CallError>,
) -> Verdict {
    let failure = match result {
        Ok(AgentReply::Rejected(why) | AgentReply::Busy(why)) => {
            reached!("manager.delivery_refused");
            format!("{REJECTED}{why}")
        }
        Ok(_) => return Verdict { failure: None, outcome: RouteOutcome::Delivered },
        Err(e) => e.to_string(),
    };
    let answered = matches!(result, Ok(_) | Err(CallError::BadReply));
    if answered && flaws.contains(&Flaw::AckWithoutDelivery) {
        return Verdict { failure: None, outcome: RouteOutcome::Delivered };
    }
    if matches!(result, Ok(AgentReply::Busy(_))) {
        // A healthy receiver's flow control ("paused", "queue_full"): the caller goes
        // elsewhere. Counting it would turn every pause into a breaker-long outage.
        return Verdict { failure: None, outcome: RouteOutcome::Failed(failure) };
    }
    let timed_out = matches!(result, Err(CallError::Timeout));
    let unreachable = matches!(result, Err(CallError::Exit(_)));
    let raw_fallback = flaws.contains(&Flaw::RawSend) && (timed_out || unreachable);
    if raw_fallback || (timed_out && flaws.contains(&Flaw::DuplicateDelivery)) {
        ctx.send(receiver, request.clone());
    }
    let outcome = if raw_fallback { RouteOutcome::Delivered } else { RouteOutcome::Failed(failure.clone()) };
    Verdict { failure: Some(failure), outcome }
}
