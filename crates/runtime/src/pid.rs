//! Identities: nodes, processes and references.
//!
//! otpsim numbers these itself, from counters that live in one simulation, so the
//! same seed gives the same ids (madsim task ids are process-global and are not).

use std::fmt;

/// A node of the simulated cluster, numbered from 0 in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The node's name (`n1`), as events carry it, without the formatter.
    pub fn text(self) -> IdText {
        let mut text = IdText::default();
        text.push(b"n");
        text.number(u64::from(self.0));
        text
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// A process id: unique within a run and never reused.
///
/// `serial` comes first so pids order by spawn order; `incarnation` is the node's
/// restart count when the process was spawned (Erlang's "creation").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid {
    /// Spawn order within the run.
    pub serial: u64,
    /// The node the process runs on.
    pub node: NodeId,
    /// How many times that node had restarted when the process was spawned.
    pub incarnation: u32,
}

impl Pid {
    /// No process: what a DOWN names as its pid when its monitor was set on a
    /// registered name that nobody held. Serial 0 is never given to a process.
    pub fn nobody(node: NodeId) -> Pid {
        Pid { serial: 0, node, incarnation: 0 }
    }

    /// The pid as one number, how trace events carry it (`pid = pid.packed()`):
    /// `tracing` records a `u128` as it is, where `%pid` would go through the
    /// formatter on every event. A trace reader turns it back with [`Pid::from_packed`]
    /// and writes the text only where it keeps it.
    pub fn packed(self) -> u128 {
        u128::from(self.incarnation) << 96 | u128::from(self.node.0) << 64 | u128::from(self.serial)
    }

    /// The pid [`Pid::packed`] made `packed` from.
    pub fn from_packed(packed: u128) -> Pid {
        let serial = packed as u64;
        let node = NodeId((packed >> 64) as u32);
        let incarnation = (packed >> 96) as u32;
        Pid { serial, node, incarnation }
    }

    /// Appends the pid's text (as [`fmt::Display`] writes it) without the formatter
    /// or a buffer between: kept events write thousands of pids a seed.
    pub fn push_text(self, out: &mut String) {
        out.push('<');
        crate::decimal::push(out, u64::from(self.node.0));
        out.push('.');
        crate::decimal::push(out, self.serial);
        out.push('.');
        crate::decimal::push(out, u64::from(self.incarnation));
        out.push('>');
    }

    /// The pid's text, as [`fmt::Display`] writes it, without the formatter: a system
    /// that emits a pid as text (`agent = pid.text().as_str()`) records it without a
    /// `%pid` field's trip through the formatter.
    pub fn text(self) -> IdText {
        let mut text = IdText::default();
        text.push(b"<");
        text.number(u64::from(self.node.0));
        text.push(b".");
        text.number(self.serial);
        text.push(b".");
        text.number(u64::from(self.incarnation));
        text.push(b">");
        text
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// A unique reference: names a monitor, a call, or a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref(pub u64);

impl Ref {
    /// The reference's text, as [`fmt::Display`] writes it, without the formatter:
    /// events carry a monitor's reference as this text (`monitor = mref.text().as_str()`),
    /// and a `%mref` field would cost the formatter on every monitor and demonitor.
    pub fn text(self) -> IdText {
        let mut text = IdText::default();
        text.push(b"#Ref<");
        text.number(self.0);
        text.push(b">");
        text
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// An id's text, put together in a buffer on the stack and handed to the formatter
/// (or to an event as a `&str`) in one piece: ids are most of a trace's text, and
/// `write!` with several numbers costs several times more.
pub struct IdText {
    bytes: [u8; 48],
    len: usize,
}

impl Default for IdText {
    fn default() -> Self {
        IdText { bytes: [0; 48], len: 0 }
    }
}

impl IdText {
    /// A number's decimal text: an id that is a plain number.
    pub fn decimal(value: u64) -> IdText {
        let mut text = IdText::default();
        text.number(value);
        text
    }

    /// A short ASCII word (at most 48 bytes; the rest is cut off): an id that is a name.
    pub fn ascii(word: &str) -> IdText {
        let mut text = IdText::default();
        let len = word.len().min(text.bytes.len());
        text.push(&word.as_bytes()[..len]);
        text
    }

    fn push(&mut self, ascii: &[u8]) {
        self.bytes[self.len..self.len + ascii.len()].copy_from_slice(ascii);
        self.len += ascii.len();
    }

    /// Appends `value` in decimal.
    fn number(&mut self, value: u64) {
        self.push(crate::decimal::Buffer::new().format(value).as_bytes());
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_display_like_erlang_and_order_by_spawn() {
        let a = Pid { serial: 7, node: NodeId(2), incarnation: 1 };
        let b = Pid { serial: 8, node: NodeId(0), incarnation: 0 };
        assert_eq!(a.to_string(), "<2.7.1>");
        assert!(a < b);
        let widest = Pid { serial: u64::MAX, node: NodeId(u32::MAX), incarnation: u32::MAX };
        assert_eq!(widest.to_string(), format!("<{}.{}.{}>", u32::MAX, u64::MAX, u32::MAX));
        assert_eq!((NodeId(0).to_string(), Ref(u64::MAX).to_string()), ("n0".into(), format!("#Ref<{}>", u64::MAX)));
        for pid in [a, b, widest, Pid::nobody(NodeId(3))] {
            assert_eq!(Pid::from_packed(pid.packed()), pid);
            let mut text = String::from("x");
            pid.push_text(&mut text);
            assert_eq!(text, format!("x{pid}"));
        }
        assert_ne!(a.packed(), Pid { serial: 7, node: NodeId(1), incarnation: 2 }.packed());
        assert_eq!((Ref(5).text().as_str(), Ref(u64::MAX).text().as_str()), ("#Ref<5>", &*Ref(u64::MAX).to_string()));
    }
}
