//! Trace events as checkers read them: recorded as values, written as text only when
//! a trace is written or evidence printed ([`TraceEvent::line`]).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::Duration;

use otpsim_runtime::{NodeId, Pid};

use super::Fields;

/// One event of a run's trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// Position in the trace, from 1.
    pub index: usize,
    /// Simulated time.
    pub time: Duration,
    /// The tracing target (`otpsim`, `otpsim::shop`, ...): a recorded event borrows
    /// its callsite's, so keeping one copies no target.
    pub target: Cow<'static, str>,
    /// The `event` field.
    pub kind: String,
    /// Every other field.
    pub fields: Fields,
    /// False for an event emitted outside a simulation (its line shows `-` for the time).
    pub(crate) timed: bool,
}

/// An event as a fold reads it as it goes by: the recorder's current event, or a kept
/// [`TraceEvent`]. A fold copies one out ([`to_event`](Self::to_event)) only to keep
/// it as evidence.
pub trait EventView {
    /// Position in the trace, from 1.
    fn index(&self) -> usize;
    /// Simulated time.
    fn time(&self) -> Duration;
    /// The `event` field.
    fn kind(&self) -> &str;
    /// Another field's value.
    fn get(&self, key: &str) -> Option<&str>;
    /// A field's value read as a pid, if it is one. Folds that see every event key
    /// their tables by pids, so a lookup compares numbers, not text; the recorder's
    /// current event answers from the number its emitter recorded.
    fn pid(&self, key: &str) -> Option<Pid> {
        self.get(key).and_then(parse_pid)
    }
    /// A field's value read as an unsigned number, if it is one (as [`pid`](Self::pid),
    /// without reading text where the emitter recorded the number).
    fn number(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|text| text.parse().ok())
    }
    /// The event as a value of its own.
    fn to_event(&self) -> TraceEvent;
}

impl EventView for TraceEvent {
    fn index(&self) -> usize {
        self.index
    }

    fn time(&self) -> Duration {
        self.time
    }

    fn kind(&self) -> &str {
        &self.kind
    }

    fn get(&self, key: &str) -> Option<&str> {
        TraceEvent::get(self, key)
    }

    fn to_event(&self) -> TraceEvent {
        self.clone()
    }
}

impl TraceEvent {
    /// An event at `index` and `time` with `fields` (besides `event = kind`) in order.
    pub fn new(index: usize, time: Duration, target: &str, kind: &str, fields: &[(&'static str, &str)]) -> Self {
        let mut map = Fields::default();
        for &(name, value) in fields.iter().filter(|(name, _)| *name != "event") {
            map.push(Cow::Borrowed(name), value);
        }
        let (target, kind) = (Cow::Owned(target.to_owned()), kind.to_owned());
        TraceEvent { index, time, target, kind, fields: map, timed: true }
    }

    /// A field's value.
    #[inline]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key)
    }

    /// The event as one canonical line:
    /// `12.000000345s otpsim event=exit pid=<1.4.0> reason="panic: boom"`.
    pub fn line(&self) -> String {
        let mut line = String::with_capacity(64);
        if self.timed {
            let _ = write!(line, "{}.{:09}s", self.time.as_secs(), self.time.subsec_nanos());
        } else {
            line.push('-');
        }
        line.push(' ');
        line.push_str(&self.target);
        if !self.kind.is_empty() {
            push_field(&mut line, "event", &self.kind);
        }
        for (key, value) in self.fields.in_emitted_order() {
            push_field(&mut line, key, value);
        }
        line
    }

    /// Reads a canonical line: `12.000000345s otpsim event=exit pid=<1.4.0> reason="panic: boom"`.
    pub fn parse(index: usize, line: &str) -> Option<TraceEvent> {
        let (time, rest) = line.split_once(' ')?;
        let time = parse_time(time)?;
        let (target, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let mut fields = Fields::default();
        let mut kind = String::new();
        while !rest.is_empty() {
            let (key, after) = rest.split_once('=')?;
            let (value, after) =
                if let Some(quoted) = after.strip_prefix('"') { unquote(quoted)? } else { token(after) };
            match key.trim() {
                "event" => kind = value,
                key => fields.push(Cow::Owned(key.to_owned()), &value),
            }
            rest = after.trim_start();
        }
        let timed = !line.starts_with('-');
        Some(TraceEvent { index, time, target: Cow::Owned(target.to_owned()), kind, fields, timed })
    }

    /// Reads every line of a trace; lines that do not parse are skipped.
    pub fn parse_all(lines: &[String]) -> Vec<TraceEvent> {
        Self::parse_where(lines, |_| true)
    }

    /// [`parse_all`](Self::parse_all) of lines written as string literals: histories
    /// in checker tests.
    pub fn parse_strs(lines: &[&str]) -> Vec<TraceEvent> {
        Self::parse_all(&lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>())
    }

    /// Reads the lines whose `event` value `keep` accepts, keeping each line's position
    /// in the whole trace. Checkers that need only some kinds skip the bulk (message
    /// deliveries) without paying to parse it.
    pub fn parse_where(lines: &[String], keep: impl Fn(&str) -> bool) -> Vec<TraceEvent> {
        lines
            .iter()
            .enumerate()
            .filter(|(_, line)| keep(kind_of(line)))
            .filter_map(|(i, line)| TraceEvent::parse(i + 1, line))
            .collect()
    }
}

/// The pid whose text is exactly `text` (`<node.serial.incarnation>`, as
/// [`Pid`]'s `Display` writes it), if it is one.
pub(crate) fn parse_pid(text: &str) -> Option<Pid> {
    let inner = text.strip_prefix('<')?.strip_suffix('>')?;
    let mut parts = inner.split('.');
    let mut number = || -> Option<u64> {
        let part = parts.next()?;
        // `parse` takes a leading `+` or `0`; a pid's text never has one, and two
        // texts must never read as one pid.
        if part.starts_with('+') || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        part.parse().ok()
    };
    let (node, serial, incarnation) = (number()?, number()?, number()?);
    if parts.next().is_some() {
        return None;
    }
    let (node, incarnation) = (u32::try_from(node).ok()?, u32::try_from(incarnation).ok()?);
    Some(Pid { serial, node: NodeId(node), incarnation })
}

/// Appends " name=value", quoting the value unless it is a plain token.
fn push_field(line: &mut String, name: &str, value: &str) {
    line.push(' ');
    line.push_str(name);
    line.push('=');
    if is_token(value) {
        line.push_str(value);
    } else {
        let _ = write!(line, "{value:?}");
    }
}

/// Values that read back unambiguously without quotes.
pub(crate) fn is_token(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c == '"' || c == '=' || c.is_control())
}

/// The `event` value of a canonical line, found without parsing the rest.
fn kind_of(line: &str) -> &str {
    match line.split_once(" event=") {
        Some((_, rest)) => rest.split(' ').next().unwrap_or(""),
        None => "",
    }
}

fn parse_time(text: &str) -> Option<Duration> {
    if text == "-" {
        return Some(Duration::ZERO);
    }
    let (secs, nanos) = text.strip_suffix('s')?.split_once('.')?;
    Some(Duration::new(secs.parse().ok()?, nanos.parse().ok()?))
}

fn token(text: &str) -> (String, &str) {
    let end = text.find(' ').unwrap_or(text.len());
    (text[..end].to_owned(), &text[end..])
}

/// Reads a Rust-debug-quoted string (the opening quote already consumed).
fn unquote(text: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'u' => {
                    let (_, open) = chars.next()?;
                    if open != '{' {
                        return None;
                    }
                    let mut hex = String::new();
                    for (_, h) in chars.by_ref() {
                        if h == '}' {
                            break;
                        }
                        hex.push(h);
                    }
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_lines_read_back_into_fields() {
        let e =
            TraceEvent::parse(3, r#"12.000000345s otpsim event=exit pid=<1.4.0> reason="panic: \"boom\"""#).unwrap();
        assert_eq!(e.time, Duration::new(12, 345));
        assert_eq!((&*e.target, e.kind.as_str()), ("otpsim", "exit"));
        assert_eq!(e.get("pid"), Some("<1.4.0>"));
        assert_eq!(e.get("reason"), Some("panic: \"boom\""));
        assert_eq!(e.index, 3);
        assert_eq!(e.line(), r#"12.000000345s otpsim event=exit pid=<1.4.0> reason="panic: \"boom\"""#);
    }

    #[test]
    fn pids_read_back_from_exactly_their_text() {
        let pid = Pid { serial: 10, node: NodeId(4), incarnation: 3 };
        assert_eq!(parse_pid("<4.10.3>"), Some(pid));
        assert_eq!(parse_pid(&pid.to_string()), Some(pid));
        for bad in ["<+4.10.3>", "<04.10.3>", "<4.10.3.1>", "<4294967296.2.3>", "<4.10>", "4.10.3", "<4.10.3>x"] {
            assert_eq!(parse_pid(bad), None, "{bad}");
        }
        let e = TraceEvent::parse(1, "- otpsim event=exit pid=<4.10.3> reason=normal").unwrap();
        assert_eq!((e.pid("pid"), e.pid("reason"), e.pid("missing")), (Some(pid), None, None));
    }

    #[test]
    fn lines_without_fields_or_time_still_parse() {
        let e = TraceEvent::parse(1, "- otpsim::shop event=heal").unwrap();
        assert_eq!((e.time, e.kind.as_str()), (Duration::ZERO, "heal"));
        assert!(TraceEvent::parse(1, "garbage").is_none());
    }

    #[test]
    fn parse_where_skips_kinds_but_keeps_trace_positions() {
        let lines: Vec<String> =
            ["- otpsim event=deliver from=<0.1.0>", "- otpsim event=exit pid=<0.1.0> reason=normal"]
                .map(String::from)
                .into();
        let events = TraceEvent::parse_where(&lines, |kind| kind != "deliver");
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].index, events[0].kind.as_str()), (2, "exit"));
    }
}
