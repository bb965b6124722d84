//! The manager's trace events, exactly as `crate::events` lists them.

use otpsim_runtime::Pid;
use tracing::debug;

use super::buffer::MsgKey;
use crate::events::kind;
use crate::events::TARGET;

pub(crate) fn breaker_opened(receiver: Pid, failures: u32, threshold: u32) {
    debug!(target: TARGET, event = kind::BREAKER_OPENED, receiver = receiver.text().as_str(), failures, threshold);
}

pub(crate) fn breaker_reset(receiver: Pid) {
    debug!(target: TARGET, event = kind::BREAKER_RESET, receiver = receiver.text().as_str());
}

pub(crate) fn breaker_closed(receiver: Pid) {
    debug!(target: TARGET, event = kind::BREAKER_CLOSED, receiver = receiver.text().as_str());
}

pub(crate) fn delivery_counted(receiver: Pid, failed: bool) {
    debug!(target: TARGET, event = kind::DELIVERY_COUNTED, receiver = receiver.text().as_str(), failed);
}

pub(crate) fn buffered(receiver: Pid, msg: MsgKey, seq: u64) {
    debug!(target: TARGET, event = kind::BUFFERED, receiver = receiver.text().as_str(), msg = msg.text().as_str(), seq);
}

pub(crate) fn buffer_overflow(receiver: Pid, dropped: MsgKey, max: usize) {
    debug!(target: TARGET, event = kind::BUFFER_OVERFLOW, receiver = receiver.text().as_str(), dropped = dropped.text().as_str(), max);
}

pub(crate) fn replayed(receiver: Pid, msg: MsgKey, seq: u64) {
    debug!(target: TARGET, event = kind::REPLAYED, receiver = receiver.text().as_str(), msg = msg.text().as_str(), seq);
}

pub(crate) fn replay_refused(receiver: Pid, msg: MsgKey, seq: u64) {
    debug!(target: TARGET, event = kind::REPLAY_REFUSED, receiver = receiver.text().as_str(), msg = msg.text().as_str(), seq);
}

pub(crate) fn replay_failed(receiver: Pid, msg: MsgKey, seq: u64, kept: bool) {
    debug!(target: TARGET, event = kind::REPLAY_FAILED, receiver = receiver.text().as_str(), msg = msg.text().as_str(), seq, kept);
}

pub(crate) fn peer_tracked(peer: Pid) {
    debug!(target: TARGET, event = kind::PEER_TRACKED, peer = peer.text().as_str());
}

pub(crate) fn peer_dropped(peer: Pid, cause: &'static str) {
    debug!(target: TARGET, event = kind::PEER_DROPPED, peer = peer.text().as_str(), cause);
}
