//! What can go wrong when starting a supervisor or asking one to do something.

use std::fmt;

use crate::call::CallError;
use crate::kernel::RegisterError;
use crate::pid::Pid;
use crate::reason::Reason;

/// A supervisor's refusal, a failed start, or a call that got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupervisorError {
    /// Two child specs share an id; nothing was started.
    DuplicateChildId(String),
    /// A child failed to start (at init the whole supervisor start fails with this).
    StartFailed {
        /// The child's id.
        id: String,
        /// Why its start function failed.
        reason: Reason,
    },
    /// The supervisor's name could not be registered (e.g. another process holds it).
    Register {
        /// The name.
        name: String,
        /// Why registering failed.
        error: RegisterError,
    },
    /// The supervisor process died before it finished starting.
    Exited(Reason),
    /// `start_child` with an id whose child is running.
    AlreadyStarted(String, Pid),
    /// `start_child` with an id whose spec is kept but not running.
    AlreadyPresent(String),
    /// No child with this id (or pid).
    NotFound(String),
    /// The child is running (`restart_child`, `delete_child`).
    Running(String),
    /// The child waits for a restart retry (`restart_child`, `delete_child`).
    Restarting(String),
    /// A dynamic supervisor already holds its `max_children`.
    MaxChildren(usize),
    /// An id-based call to a dynamic supervisor, whose children have no ids.
    SimpleOneForOne,
    /// The call to the supervisor failed (it is dead, unreachable, or did not answer).
    Call(CallError),
}

impl fmt::Display for SupervisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorError::DuplicateChildId(id) => {
                write!(f, "duplicate child id {id:?} (hint: ids must be unique within one supervisor)")
            }
            SupervisorError::StartFailed { id, reason } => write!(f, "child {id:?} failed to start: {reason}"),
            SupervisorError::Register { name, error } => write!(f, "cannot register supervisor as {name:?}: {error}"),
            SupervisorError::Exited(reason) => write!(f, "supervisor exited while starting: {reason}"),
            SupervisorError::AlreadyStarted(id, pid) => write!(f, "child {id:?} is already started as {pid}"),
            SupervisorError::AlreadyPresent(id) => {
                write!(f, "child {id:?} is already present (hint: restart_child or delete_child it)")
            }
            SupervisorError::NotFound(id) => write!(f, "no child {id:?}"),
            SupervisorError::Running(id) => write!(f, "child {id:?} is running"),
            SupervisorError::Restarting(id) => write!(f, "child {id:?} is restarting"),
            SupervisorError::MaxChildren(max) => write!(f, "the supervisor already has its {max} children"),
            SupervisorError::SimpleOneForOne => {
                f.write_str("a dynamic supervisor's children have no ids (hint: terminate them by pid)")
            }
            SupervisorError::Call(err) => write!(f, "supervisor call failed: {err}"),
        }
    }
}

impl std::error::Error for SupervisorError {}

impl From<CallError> for SupervisorError {
    fn from(err: CallError) -> Self {
        SupervisorError::Call(err)
    }
}

impl From<SupervisorError> for Reason {
    /// A nested supervisor's failed start, as its parent's start function reports it.
    fn from(err: SupervisorError) -> Self {
        match err {
            SupervisorError::Exited(reason) => reason,
            // OTP's supervisor exits `{shutdown, {failed_to_start_child, Id, Reason}}`.
            SupervisorError::StartFailed { id, reason } => {
                Reason::shutdown_with(format!("{{failed_to_start_child,{id},{}}}", reason.to_term()))
            }
            other => Reason::error(other.to_string()),
        }
    }
}
