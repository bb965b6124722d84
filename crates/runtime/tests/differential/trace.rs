//! The canonical trace both sides print: one line per observation, terms written as
//! Erlang's `~w` writes them, pids by the role the scenario gave them, references by
//! the order the scenario named them (`r1`, `r2`, ...). erlang/dt.erl is the BEAM twin.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use otpsim_runtime::supervisor::{ChildCounts, ChildInfo, ChildKind, ChildStatus, SupervisorError};
use otpsim_runtime::{CallError, Message, Pid, Ref};

/// The node name a non-distributed BEAM reports (`node()`), so `{Name, Node}` prints alike.
pub const NODE: &str = "nonode@nohost";

#[derive(Default)]
struct Book {
    pids: BTreeMap<Pid, String>,
    refs: BTreeMap<Ref, String>,
    lines: Vec<String>,
}

/// A scenario's trace, shared by its processes.
#[derive(Clone, Default)]
pub struct Trace(Arc<Mutex<Book>>);

impl Trace {
    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Names a pid by its role (a later pid may take the same role: a restart).
    pub fn name(&self, pid: Pid, role: &str) {
        self.book().pids.insert(pid, role.to_owned());
    }

    /// The latest pid named `role`.
    pub fn pid(&self, role: &str) -> Pid {
        let book = self.book();
        let found = book.pids.iter().filter(|(_, r)| r.as_str() == role).map(|(p, _)| *p).max();
        found.unwrap_or_else(|| panic!("no pid named {role}"))
    }

    /// Names a reference `rN`, N counting from 1 in the order references are named.
    pub fn name_ref(&self, r: Ref) -> Ref {
        let mut book = self.book();
        let n = book.refs.len() + 1;
        book.refs.insert(r, format!("r{n}"));
        r
    }

    /// Appends a line.
    pub fn log(&self, line: impl Into<String>) {
        self.book().lines.push(line.into());
    }

    /// Appends `label term`.
    pub fn log2(&self, label: &str, term: impl AsRef<str>) {
        self.log(format!("{label} {}", term.as_ref()));
    }

    pub fn lines(&self) -> Vec<String> {
        self.book().lines.clone()
    }

    pub fn p(&self, pid: Pid) -> String {
        self.book().pids.get(&pid).cloned().unwrap_or_else(|| "pid".to_owned())
    }

    pub fn r(&self, r: Ref) -> String {
        self.book().refs.get(&r).cloned().unwrap_or_else(|| "ref".to_owned())
    }

    /// A message as the BEAM's `~w` prints it.
    pub fn msg(&self, m: &Message) -> String {
        match m {
            Message::Info { body, .. } => atom(body.downcast_ref::<&str>().copied().unwrap_or("?")),
            Message::Down(d) => {
                let object = match &d.name {
                    Some(name) => format!("{{{name},{NODE}}}"),
                    None => self.p(d.pid),
                };
                format!("{{'DOWN',{},process,{object},{}}}", self.r(d.monitor), d.reason.to_term())
            }
            Message::Exit { from, reason } => format!("{{'EXIT',{},{}}}", self.p(*from), reason.to_term()),
            Message::Timeout { timer, body } => {
                format!("{{timeout,{},{}}}", self.r(*timer), atom(body.downcast_ref::<&str>().copied().unwrap_or("?")))
            }
            other => format!("unexpected {}", other.kind()),
        }
    }

    /// A call's outcome as `catch gen_server:call(...)` shows it.
    pub fn call(&self, outcome: &Result<String, CallError>, server: &str) -> String {
        match outcome {
            Ok(answer) => answer.clone(),
            Err(CallError::Exit(reason)) => format!("{{exit,{},{server}}}", reason.to_term()),
            Err(CallError::Timeout) => format!("{{exit,timeout,{server}}}"),
            Err(CallError::CallingSelf) => format!("{{exit,calling_self,{server}}}"),
            Err(CallError::BadReply) => "bad_reply".to_owned(),
        }
    }

    /// A supervisor's answer as OTP's `supervisor` module returns it.
    pub fn sup<T>(&self, answer: &Result<T, SupervisorError>, ok: impl Fn(&T) -> String) -> String {
        match answer {
            Ok(value) => ok(value),
            Err(e) => format!("{{error,{}}}", self.sup_error(e)),
        }
    }

    fn sup_error(&self, e: &SupervisorError) -> String {
        match e {
            SupervisorError::NotFound(_) => "not_found".to_owned(),
            SupervisorError::Running(_) => "running".to_owned(),
            SupervisorError::Restarting(_) => "restarting".to_owned(),
            SupervisorError::AlreadyPresent(_) => "already_present".to_owned(),
            SupervisorError::AlreadyStarted(_, pid) => format!("{{already_started,{}}}", self.p(*pid)),
            SupervisorError::SimpleOneForOne => "simple_one_for_one".to_owned(),
            SupervisorError::StartFailed { reason, .. } => reason.to_term(),
            SupervisorError::Exited(reason) => reason.to_term(),
            other => format!("{other}"),
        }
    }

    /// `{ok, Pid}` or `{ok, undefined}`.
    pub fn ok_pid(&self, pid: &Option<Pid>) -> String {
        match pid {
            Some(pid) => format!("{{ok,{}}}", self.p(*pid)),
            None => "{ok,undefined}".to_owned(),
        }
    }

    /// `which_children`'s list: `[{Id,Child,Type,Modules}]` with the modules left out
    /// (both sides print `{Id,Child,Type}`).
    pub fn children(&self, children: &[ChildInfo]) -> String {
        let one = |c: &ChildInfo| {
            let child = match c.status {
                ChildStatus::Running(pid) => self.p(pid),
                ChildStatus::Restarting => "restarting".to_owned(),
                ChildStatus::Undefined => "undefined".to_owned(),
            };
            let kind = match c.kind {
                ChildKind::Worker => "worker",
                ChildKind::Supervisor => "supervisor",
            };
            format!("{{{},{child},{kind}}}", c.id)
        };
        format!("[{}]", children.iter().map(one).collect::<Vec<_>>().join(","))
    }

    /// `count_children`'s list.
    pub fn counts(&self, c: &ChildCounts) -> String {
        format!(
            "[{{specs,{}}},{{active,{}}},{{supervisors,{}}},{{workers,{}}}]",
            c.specs, c.active, c.supervisors, c.workers
        )
    }
}

/// An atom as `~w` prints it (quoted unless it is a plain lowercase word).
pub fn atom(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@');
    if plain {
        name.to_owned()
    } else {
        format!("'{name}'")
    }
}
