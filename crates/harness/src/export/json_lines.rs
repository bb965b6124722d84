//! The written trace: a header line, then one JSON object per event with typed
//! values and the role of every pid it names.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::invariant::TraceEvent;
use crate::roles::Roles;

/// The version of the JSON-lines trace format (the header's `version`).
pub const TRACE_FORMAT_VERSION: u32 = 2;

/// The first line of a trace file: what run it is and how to read the rest.
#[derive(Clone, Debug, Serialize)]
pub struct TraceHeader {
    /// Always "otpsim-trace".
    pub format: &'static str,
    /// [`TRACE_FORMAT_VERSION`].
    pub version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Events that follow.
    pub events: usize,
    /// The trace's hash, 16 hex digits (the determinism fingerprint).
    pub trace_hash: String,
}

impl TraceHeader {
    /// The header of a trace of `events` events of `scenario` at `seed`.
    pub fn new(scenario: &str, seed: u64, events: usize, hash: u64) -> Self {
        TraceHeader {
            format: "otpsim-trace",
            version: TRACE_FORMAT_VERSION,
            scenario: scenario.to_owned(),
            seed,
            events,
            trace_hash: format!("{hash:016x}"),
        }
    }
}

/// Writes the header and every event of the trace's lines (in order; `lines` opens
/// them afresh at each call) to `out`, one JSON object per line; returns how many
/// events were written. Lines are read one at a time, twice (roles first), so a long
/// trace is never held, parsed or as one string.
pub fn write_json_lines<I>(
    out: &mut dyn Write,
    scenario: &str,
    seed: u64,
    hash: u64,
    lines: impl Fn() -> io::Result<I>,
) -> io::Result<usize>
where
    I: Iterator<Item = io::Result<String>>,
{
    let mut roles = Roles::default();
    let mut events = 0;
    for (i, line) in lines()?.enumerate() {
        if let Some(e) = TraceEvent::parse(i + 1, &line?) {
            roles.learn(&e);
            events += 1;
        }
    }
    let header = TraceHeader::new(scenario, seed, events, hash);
    writeln!(out, "{}", serde_json::to_string(&header).map_err(io::Error::other)?)?;
    for (i, line) in lines()?.enumerate() {
        if let Some(e) = TraceEvent::parse(i + 1, &line?) {
            writeln!(out, "{}", event_line(&e, &roles))?;
        }
    }
    Ok(events)
}

/// One event as a JSON object: `{"i","time_ns","target","event","fields","roles"}`.
pub fn event_line(e: &TraceEvent, roles: &Roles) -> Value {
    let mut object = Map::new();
    object.insert("i".into(), Value::from(e.index));
    object.insert("time_ns".into(), Value::from(u64::try_from(e.time.as_nanos()).unwrap_or(u64::MAX)));
    object.insert("target".into(), Value::from(&*e.target));
    object.insert("event".into(), Value::from(e.kind.as_str()));
    let fields: Map<String, Value> = e.fields.iter().map(|(k, v)| (k.to_owned(), typed(v))).collect();
    object.insert("fields".into(), Value::Object(fields));
    let named = roles.named_in(&e.line());
    if !named.is_empty() {
        let named: Map<String, Value> = named.into_iter().map(|(pid, role)| (pid, Value::from(role))).collect();
        object.insert("roles".into(), Value::Object(named));
    }
    Value::Object(object)
}

/// A field's text as a JSON value: an integer as a number, `true`/`false` as a
/// boolean, anything else as a string.
pub fn typed(text: &str) -> Value {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let integer = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && text != "-0";
    if integer {
        if let Ok(n) = text.parse::<u64>() {
            return Value::from(n);
        }
        if let Ok(n) = text.parse::<i64>() {
            return Value::from(n);
        }
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::from(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_and_pids_carry_their_roles() {
        let lines: Vec<String> = [
            "1.000000002s otpsim event=spawn pid=<0.1.0> label=worker",
            "2.0s otpsim::app event=task_started task=85 agent=<0.1.0> attempt=1 ok=true outcome=\"completed(3)\" id=007",
        ]
        .map(String::from)
        .into();
        let mut out = Vec::new();
        assert_eq!(write_json_lines(&mut out, "calm", 4, 0xab, || Ok(lines.iter().cloned().map(Ok))).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows[0]["version"], TRACE_FORMAT_VERSION);
        assert_eq!(rows[0]["trace_hash"], "00000000000000ab");
        assert_eq!(rows[0]["events"], 2);
        assert_eq!(rows[1]["time_ns"], 1_000_000_002u64);
        assert_eq!(rows[2]["fields"]["task"], 85);
        assert_eq!(rows[2]["fields"]["attempt"], 1);
        assert_eq!(rows[2]["fields"]["ok"], true);
        assert_eq!(rows[2]["fields"]["outcome"], "completed(3)");
        assert_eq!(rows[2]["fields"]["id"], "007");
        assert_eq!(rows[2]["roles"]["<0.1.0>"], "worker");
        assert_eq!(typed("-3"), Value::from(-3));
        assert_eq!(typed("18446744073709551615"), Value::from(u64::MAX));
    }
}
