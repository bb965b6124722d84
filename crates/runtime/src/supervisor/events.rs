//! The trace events supervisors emit (`target: "otpsim"`, field `event`), which
//! invariant checkers such as `restart_intensity` read.
//!
//! | event | fields |
//! |---|---|
//! | `root_start` | `pid` (a supervisor spawned with no parent, from a boot function) |
//! | `supervisor_start` | `supervisor`, `strategy` (`one_for_one`, `one_for_all`, `rest_for_one` or `dynamic`), `max_restarts`, `within_ms` |
//! | `child_start` | `supervisor`, `child`, `pid` (a first start, `start_child` or `restart_child`) |
//! | `child_start_failed` | `supervisor`, `child`, `reason` |
//! | `child_exit` | `supervisor`, `child`, `pid`, `reason`, `restart` (whether it will be restarted) |
//! | `child_stop` | `supervisor`, `child`, `pid`, `reason` (how it ended when the supervisor stopped it) |
//! | `restart_counted` | `supervisor`, `child`, `restarts` (in the window, this one included), `max_restarts`, `within_ms` |
//! | `child_restart` | `supervisor`, `child`, `old_pid` (`undefined` if it was not running), `new_pid`, `reason` (the exit that caused the restart) |
//! | `intensity_exceeded` | `supervisor`, `child`, `restarts`, `max_restarts`, `within_ms` |
//! | `supervisor_shutdown` | `supervisor`, `reason` |
//!
//! `restart_counted` and `intensity_exceeded` come once per restart decision (a
//! one_for_all restart counts once however many children it restarts); `child_restart`
//! comes once per child started again. Pids print as `<node.serial.incarnation>`.

use tracing::debug;

use crate::pid::Pid;
use crate::reason::Reason;

use super::intensity::Intensity;

pub(super) fn root_start(pid: Pid) {
    debug!(target: "otpsim", event = crate::event::kind::ROOT_START, pid = pid.packed());
}

pub(super) fn supervisor_start(supervisor: Pid, strategy: &str, intensity: Intensity) {
    let (max_restarts, within_ms) = (intensity.max_restarts, intensity.within.as_millis() as u64);
    debug!(target: "otpsim", event = crate::event::kind::SUPERVISOR_START, supervisor = supervisor.packed(), strategy, max_restarts, within_ms);
}

pub(super) fn child_start(supervisor: Pid, child: &str, pid: Pid) {
    debug!(target: "otpsim", event = crate::event::kind::CHILD_START, supervisor = supervisor.packed(), child, pid = pid.packed());
}

pub(super) fn child_start_failed(supervisor: Pid, child: &str, reason: &Reason) {
    debug!(target: "otpsim", event = crate::event::kind::CHILD_START_FAILED, supervisor = supervisor.packed(), child, reason = &*reason.text());
}

pub(super) fn child_exit(supervisor: Pid, child: &str, pid: Pid, reason: &Reason, restart: bool) {
    debug!(target: "otpsim", event = crate::event::kind::CHILD_EXIT, supervisor = supervisor.packed(), child, pid = pid.packed(), reason = &*reason.text(), restart);
}

pub(super) fn child_stop(supervisor: Pid, child: &str, pid: Pid, reason: &Reason) {
    debug!(target: "otpsim", event = crate::event::kind::CHILD_STOP, supervisor = supervisor.packed(), child, pid = pid.packed(), reason = &*reason.text());
}

pub(super) fn restart_counted(supervisor: Pid, child: &str, restarts: usize, intensity: Intensity) {
    let (max_restarts, within_ms) = (intensity.max_restarts, intensity.within.as_millis() as u64);
    debug!(target: "otpsim", event = crate::event::kind::RESTART_COUNTED, supervisor = supervisor.packed(), child, restarts, max_restarts, within_ms);
}

pub(super) fn child_restart(supervisor: Pid, child: &str, old_pid: Option<Pid>, new_pid: Pid, reason: &Reason) {
    // OTP's `undefined` when it was not running.
    let old_pid = old_pid.map(Pid::text);
    let old_pid = old_pid.as_ref().map_or("undefined", |pid| pid.as_str());
    debug!(target: "otpsim", event = crate::event::kind::CHILD_RESTART, supervisor = supervisor.packed(), child, old_pid, new_pid = new_pid.packed(), reason = &*reason.text());
}

pub(super) fn intensity_exceeded(supervisor: Pid, child: &str, restarts: usize, intensity: Intensity) {
    let (max_restarts, within_ms) = (intensity.max_restarts, intensity.within.as_millis() as u64);
    debug!(target: "otpsim", event = crate::event::kind::INTENSITY_EXCEEDED, supervisor = supervisor.packed(), child, restarts, max_restarts, within_ms);
    crate::reached!("supervisor.intensity_exceeded");
}

pub(super) fn supervisor_shutdown(supervisor: Pid, reason: &Reason) {
    debug!(target: "otpsim", event = crate::event::kind::SUPERVISOR_SHUTDOWN, supervisor = supervisor.packed(), reason = &*reason.text());
}
