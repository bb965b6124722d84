//! The registry: at most one name a process, at most one process a name on a node.

use std::sync::Arc;

use tracing::debug;

use super::State;
use crate::pid::{NodeId, Pid};

/// Why a name could not be registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterError {
    /// Another live process holds the name on that node.
    Taken(Pid),
    /// The process is not alive.
    NotAlive,
    /// The process already has a name (a process holds at most one, as in OTP).
    AlreadyNamed(Arc<str>),
    /// `undefined` is reserved (it is what `whereis` answers for no process).
    Reserved,
}

impl std::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegisterError::Taken(pid) => write!(f, "name already registered to {pid}"),
            RegisterError::NotAlive => f.write_str("process is not alive"),
            RegisterError::AlreadyNamed(name) => {
                write!(f, "process is already registered as {name:?}")
            }
            RegisterError::Reserved => f.write_str("the name \"undefined\" is reserved"),
        }
    }
}

impl std::error::Error for RegisterError {}

impl State {
    pub(crate) fn register(&mut self, pid: Pid, name: Arc<str>) -> Result<(), RegisterError> {
        if &*name == "undefined" {
            return Err(RegisterError::Reserved);
        }
        let key = (pid.node, name.clone());
        if let Some(holder) = self.names.get(&key) {
            return Err(RegisterError::Taken(*holder));
        }
        let Some(p) = self.procs.get_mut(&pid) else {
            return Err(RegisterError::NotAlive);
        };
        if let Some(existing) = &p.name {
            return Err(RegisterError::AlreadyNamed(existing.clone()));
        }
        debug!(target: "otpsim", event = crate::event::kind::REGISTER, pid = pid.packed(), name = &*name);
        p.name = Some(name);
        self.names.insert(key, pid);
        Ok(())
    }

    pub(crate) fn unregister(&mut self, node: NodeId, name: &str) -> bool {
        let key = (node, Arc::<str>::from(name));
        match self.names.remove(&key) {
            Some(pid) => {
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.name = None;
                }
                true
            }
            None => false,
        }
    }

    pub(crate) fn whereis(&self, node: NodeId, name: &str) -> Option<Pid> {
        self.names.get(&(node, Arc::<str>::from(name))).copied()
    }
}
