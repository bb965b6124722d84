//! Who a pid is: the role and registered name a trace gives each process, so every
//! line that names a pid can say which process it means.
//!
//! A pid's role is its supervisor child name (`child_start`, `child_restart`), else
//! the label it was spawned with (`spawn label=`); a `register` event adds its
//! registered name. Pids are written `<node.serial.incarnation>`.

use std::collections::BTreeMap;

use crate::invariant::TraceEvent;
use otpsim_runtime::event::{field, kind};

/// Roles and registered names of the pids of one trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    role: BTreeMap<String, String>,
    name: BTreeMap<String, String>,
}

impl Roles {
    /// Reads roles from a whole trace.
    pub fn of(events: &[TraceEvent]) -> Self {
        let mut roles = Roles::default();
        for e in events {
            roles.learn(e);
        }
        roles
    }

    /// Learns what `e` says of a pid, if anything (one event at a time, for a trace
    /// too long to hold parsed).
    pub fn learn(&mut self, e: &TraceEvent) {
        let value = |key: &str| e.get(key).map(str::to_owned);
        match e.kind.as_str() {
            kind::SPAWN => {
                if let (Some(pid), Some(label)) = (value(field::PID), value(field::LABEL)) {
                    self.role.entry(pid).or_insert(label);
                }
            }
            kind::CHILD_START => {
                if let (Some(pid), Some(child)) = (value(field::PID), value(field::CHILD)) {
                    self.role.insert(pid, child);
                }
            }
            kind::CHILD_RESTART => {
                if let (Some(pid), Some(child)) = (value(field::NEW_PID), value(field::CHILD)) {
                    self.role.insert(pid, child);
                }
            }
            kind::REGISTER => {
                if let (Some(pid), Some(name)) = (value(field::PID), value(field::NAME)) {
                    self.name.insert(pid, name);
                }
            }
            _ => {}
        }
    }

    /// "task_agent/2", "coordinator (shop_coordinator)", or None for a pid the
    /// trace gives no role or name.
    pub fn describe(&self, pid: &str) -> Option<String> {
        match (self.role.get(pid), self.name.get(pid)) {
            (Some(role), Some(name)) if role != name => Some(format!("{role} ({name})")),
            (Some(role), _) => Some(role.clone()),
            (None, Some(name)) => Some(name.clone()),
            (None, None) => None,
        }
    }

    /// The pids `line` names with their descriptions, in order of first mention.
    pub fn named_in(&self, line: &str) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = Vec::new();
        for pid in pids_in(line) {
            if found.iter().all(|(p, _)| p != pid) {
                if let Some(role) = self.describe(pid) {
                    found.push((pid.to_owned(), role));
                }
            }
        }
        found
    }

    /// `line` with each pid followed by its role: `agent=<1.17.0>[task_agent/3]`.
    pub fn annotate(&self, line: &str) -> String {
        let mut out = String::with_capacity(line.len() + 32);
        let mut rest = line;
        while let Some(start) = rest.find('<') {
            let Some(len) = pid_len(&rest[start..]) else {
                out.push_str(&rest[..=start]);
                rest = &rest[start + 1..];
                continue;
            };
            let pid = &rest[start..start + len];
            out.push_str(&rest[..start + len]);
            if let Some(role) = self.describe(pid) {
                out.push('[');
                out.push_str(&role);
                out.push(']');
            }
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        out
    }
}

/// Every pid written in `text`.
pub fn pids_in(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('<').filter_map(move |(i, _)| pid_len(&text[i..]).map(|len| &text[i..i + len]))
}

/// True if `text` is exactly a pid.
pub fn is_pid(text: &str) -> bool {
    pid_len(text) == Some(text.len())
}

/// The length of the pid `<a.b.c>` at the start of `text`, if one is there.
fn pid_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix('<')?;
    let end = body.find('>')?;
    let parts: Vec<&str> = body[..end].split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (parts.len() == 3 && parts.iter().all(numeric)).then_some(end + 2)
}

/// The node of a pid, `<node.serial.incarnation>`.
pub fn node_of(pid: &str) -> Option<u32> {
    pid.strip_prefix('<')?.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_names_labels_and_registered_names_describe_pids() {
        let roles = Roles::of(&TraceEvent::parse_strs(&[
            "- otpsim event=spawn pid=<1.4.0> label=task_agent",
            "- otpsim event=child_start child=task_agent/2 pid=<1.4.0> supervisor=<1.3.0>",
            "- otpsim event=register pid=<1.4.0> name=agent_2",
            "- otpsim event=spawn pid=<0.9.0> label=courier",
            "- otpsim event=child_restart child=task_agent/2 new_pid=<1.8.0> old_pid=<1.4.0>",
        ]));
        assert_eq!(roles.describe("<1.4.0>").as_deref(), Some("task_agent/2 (agent_2)"));
        assert_eq!(roles.describe("<0.9.0>").as_deref(), Some("courier"));
        assert_eq!(roles.describe("<1.8.0>").as_deref(), Some("task_agent/2"));
        assert_eq!(roles.describe("<1.3.0>"), None);
        assert_eq!(roles.annotate("x from=<0.9.0> to=<1.3.0> a<b"), "x from=<0.9.0>[courier] to=<1.3.0> a<b");
        assert_eq!(roles.named_in("to=<1.8.0> from=<1.8.0>"), vec![("<1.8.0>".into(), "task_agent/2".into())]);
    }

    #[test]
    fn pids_are_found_only_where_they_are_well_formed() {
        assert_eq!(pids_in("a=<1.2.3> b=<x.1.2> c=<4.5.6>").collect::<Vec<_>>(), vec!["<1.2.3>", "<4.5.6>"]);
        assert!(is_pid("<0.1.0>") && !is_pid("<0.1.0>x") && !is_pid("#Ref<2>"));
        assert_eq!(node_of("<2.15.0>"), Some(2));
    }
}
