//! Deterministic mutations of valid scenario texts, for the bad-input tests.
//!
//! Blind mutations break a text the way an editor slip or a bad merge would: a deleted
//! line, a typo, a truncated file, garbage. Some of them are harmless, such as deleting
//! a line that only restated a default. Targeted mutations break one known field and
//! name the field the error must report.

use otpsim_runtime::rng::Stream;
use otpsim_runtime::units::{format_duration, parse_duration};
use rand::Rng;
use std::time::Duration;

/// One mutated text.
pub struct Mutant {
    /// The text to load.
    pub text: String,
    /// For a targeted mutation, the dotted field its error must name.
    pub field: Option<String>,
}

/// A way to break a scenario text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mutation {
    DeleteLine,
    DuplicateLine,
    KeyTypo,
    WrongType,
    SwapValues,
    DurationJunk,
    Truncate,
    Garbage,
    NonsenseHeader,
    UnicodeJunk,
    RateOutOfRange,
    BadDuration,
    ZeroInterval,
    MissingRequired,
    ReversedRange,
    UnknownFlaw,
    UnknownInvariant,
    UnknownTarget,
    UnknownFaultKind,
    BadExplicitTarget,
    FaultAfterUntil,
    BadSeeds,
    UnknownSim,
}

impl Mutation {
    /// Every mutation, blind ones first.
    pub const ALL: [Mutation; 23] = [
        Mutation::DeleteLine,
        Mutation::DuplicateLine,
        Mutation::KeyTypo,
        Mutation::WrongType,
        Mutation::SwapValues,
        Mutation::DurationJunk,
        Mutation::Truncate,
        Mutation::Garbage,
        Mutation::NonsenseHeader,
        Mutation::UnicodeJunk,
        Mutation::RateOutOfRange,
        Mutation::BadDuration,
        Mutation::ZeroInterval,
        Mutation::MissingRequired,
        Mutation::ReversedRange,
        Mutation::UnknownFlaw,
        Mutation::UnknownInvariant,
        Mutation::UnknownTarget,
        Mutation::UnknownFaultKind,
        Mutation::BadExplicitTarget,
        Mutation::FaultAfterUntil,
        Mutation::BadSeeds,
        Mutation::UnknownSim,
    ];

    /// Breaks `text` (a valid scenario) with randomness from `rng`.
    pub fn apply(self, text: &str, rng: &mut Stream) -> Mutant {
        let blind = |text: String| Mutant { text, field: None };
        let targeted = |text: String, field: String| Mutant { text, field: Some(field) };
        match self {
            Mutation::DeleteLine => blind(edit_line(text, rng, |_, _| Vec::new())),
            Mutation::DuplicateLine => blind(edit_line(text, rng, |line, _| vec![line.to_owned(), line.to_owned()])),
            Mutation::KeyTypo => {
                blind(edit_key_line(text, rng, |key, value, rng| format!("{} ={value}", typo(key, rng))))
            }
            Mutation::WrongType => {
                blind(edit_key_line(text, rng, |key, value, rng| format!("{key} = {}\n", other_type(value, rng))))
            }
            Mutation::SwapValues => blind(swap_values(text, rng)),
            Mutation::DurationJunk => blind(duration_junk(text, rng)),
            Mutation::Truncate => blind(text[..char_boundary(text, rng.gen_range(0..=text.len()))].to_owned()),
            Mutation::Garbage => blind(insert_at_random(text, &garbage(rng), rng)),
            Mutation::NonsenseHeader => {
                let header = pick(rng, &NONSENSE_HEADERS);
                let mut lines = lines(text);
                let at = rng.gen_range(0..=lines.len());
                lines.insert(at, format!("{header}\n"));
                blind(lines.concat())
            }
            Mutation::UnicodeJunk => blind(unicode_junk(text, rng)),
            Mutation::RateOutOfRange => {
                let (table, key) = pick(rng, &RATES);
                let value = if table == "faults" { pick(rng, &BAD_RATES) } else { pick(rng, &BAD_PROBABILITIES) };
                targeted(set_in(text, table, key, value), format!("{table}.{key}"))
            }
            Mutation::BadDuration => {
                let (table, key) = pick(rng, &DURATIONS);
                let value = pick(rng, &BAD_DURATIONS);
                targeted(set_in(text, table, key, value), format!("{table}.{key}"))
            }
            Mutation::ZeroInterval => {
                let (name, rest) = pick(rng, &PERIODIC);
                let table = format!("{{ every = \"0\"{rest} }}");
                targeted(set_fault_table(text, name, &table), format!("faults.{name}.every"))
            }
            Mutation::MissingRequired => {
                let (name, table) = pick(rng, &MISSING_REQUIRED);
                targeted(set_fault_table(text, name, table), format!("faults.{name}"))
            }
            Mutation::ReversedRange => {
                let (key, value) = pick(rng, &REVERSED);
                targeted(set_in(text, "faults", key, value), format!("faults.{key}"))
            }
            Mutation::UnknownFlaw => {
                let bogus = pick(rng, &BOGUS_FLAWS);
                if rng.gen_bool(0.5) {
                    targeted(set_top(text, "flaws", &format!("[\"lifo_drain\", \"{bogus}\"]")), "flaws[1]".into())
                } else {
                    targeted(set_in(text, "config", "flaws", &format!("[\"{bogus}\"]")), "config.flaws[0]".into())
                }
            }
            Mutation::UnknownInvariant => {
                let bogus = pick(rng, &BOGUS_INVARIANTS);
                if rng.gen_bool(0.5) {
                    let list = format!("[\"no_task_lost\", \"{bogus}\"]");
                    targeted(set_in(text, "check", "invariants", &list), "check.invariants[1]".into())
                } else {
                    targeted(set_in(text, "expect", "violation", &format!("\"{bogus}\"")), "expect.violation".into())
                }
            }
            Mutation::UnknownTarget => {
                let bogus = pick(rng, &BOGUS_TARGETS);
                match rng.gen_range(0..3) {
                    0 => {
                        let (text, i) = append_fault(text, "crash", Some(bogus));
                        targeted(text, format!("faults.at[{i}].target"))
                    }
                    n => {
                        let name = if n == 1 { "process_crash" } else { "defect" };
                        let table = format!("{{ every = \"1s\", targets = [\"task_agent\", \"{bogus}\"] }}");
                        targeted(set_fault_table(text, name, &table), format!("faults.{name}.targets[1]"))
                    }
                }
            }
            Mutation::UnknownFaultKind => {
                let (text, i) = append_fault(text, pick(rng, &BOGUS_KINDS), Some("0"));
                targeted(text, format!("faults.at[{i}].kind"))
            }
            Mutation::BadExplicitTarget => {
                let (kind, target) = pick(rng, &BAD_EXPLICIT_TARGETS);
                let (text, i) = append_fault(text, kind, target);
                targeted(text, format!("faults.at[{i}].target"))
            }
            Mutation::FaultAfterUntil => {
                let late = until(text) + Duration::from_millis(rng.gen_range(0..3) * rng.gen_range(1..10_000));
                let entries = explicit_faults(text);
                let entry = format!("\n[[faults.at]]\ntime = \"{}\"\nkind = \"heal\"\n", format_duration(late));
                targeted(with_newline(text) + &entry, format!("faults.at[{entries}].time"))
            }
            Mutation::BadSeeds => targeted(set_top(text, "seeds", pick(rng, &BAD_SEEDS)), "seeds".into()),
            Mutation::UnknownSim => targeted(set_top(text, "sim", pick(rng, &BAD_SIMS)), "sim".into()),
        }
    }
}

const NONSENSE_HEADERS: [&str; 10] = [
    "[sytem]",
    "[faults.nodecrash]",
    "[[check]]",
    "[faults.at]",
    "[]",
    "[ system",
    "[config.retry.extra]",
    "[expect.violation]",
    "[[workload]]",
    "[system.nodes]",
];
const RATES: [(&str, &str); 8] = [
    ("workload", "error_rate"),
    ("workload", "transient_rate"),
    ("workload", "defect_rate"),
    ("workload", "unsupported_rate"),
    ("workload", "step_defect_rate"),
    ("workload", "cancel_rate"),
    ("faults", "message_loss"),
    ("faults", "message_duplication"),
];
const BAD_PROBABILITIES: [&str; 6] = ["1.5", "-0.1", "2", "nan", "inf", "-inf"];
const BAD_RATES: [&str; 8] = ["1.5", "-0.01", "7", "nan", "[0.0, 1.2]", "[-0.5, 0.1]", "[0.1]", "[0.1, 0.2, 0.3]"];
const DURATIONS: [(&str, &str); 7] = [
    ("faults", "until"),
    ("check", "settle"),
    ("workload", "submit_over"),
    ("workload", "request_timeout"),
    ("config", "breaker_reset"),
    ("config", "restart_window"),
    ("config", "agent_pause_cooldown"),
];
const BAD_DURATIONS: [&str; 13] = [
    "\"5\"",
    "\"-1s\"",
    "\"soon\"",
    "\"\"",
    "\"1 parsec\"",
    "\"1e3s\"",
    "\"ms\"",
    "\"5sec\"",
    "\"99999999999999999999999h\"",
    "5",
    "-1",
    "1.5",
    "true",
];
/// Periodic faults and the rest of a valid table after `every`.
const PERIODIC: [(&str, &str); 4] = [
    ("process_crash", ", targets = [\"task_agent\"]"),
    ("defect", ", targets = [\"workflow\"]"),
    ("node_crash", ", restart_after = \"1s\""),
    ("partition", ", lasting = \"1s\""),
];
const MISSING_REQUIRED: [(&str, &str); 5] = [
    ("process_crash", "{ targets = [\"task_agent\"] }"),
    ("defect", "{ every = \"1s\" }"),
    ("node_crash", "{ restart_after = \"1s\" }"),
    ("partition", "{ every = \"1s\" }"),
    ("partition", "{ lasting = \"1s\" }"),
];
const REVERSED: [(&str, &str); 3] =
    [("message_delay", "[\"10ms\", \"1ms\"]"), ("message_loss", "[0.2, 0.1]"), ("message_duplication", "[1.0, 0.0]")];
const BOGUS_FLAWS: [&str; 7] =
    ["lifo_drian", "LIFO_DRAIN", "lifo-drain", "", "volatile state", "all", "monitors_never_leak"];
const BOGUS_INVARIANTS: [&str; 6] = ["no_tasks_lost", "NO_TASK_LOST", "fifo", "", "lifo_drain", "no task lost"];
const BOGUS_TARGETS: [&str; 9] =
    ["ghost", "Task_Agent", "task_agent/", "task_agent/x", "task_agent/-1", "/2", "task_agent/2/3", "", " task_agent"];
const BOGUS_KINDS: [&str; 6] = ["explode", "Crash", "node-crash", "", "partition_oneway", "kill"];
const BAD_EXPLICIT_TARGETS: [(&str, Option<&str>); 12] = [
    ("crash", None),
    ("defect", Some("ghost/1")),
    ("node_crash", Some("a")),
    ("node_crash", Some("-1")),
    ("node_crash", None),
    ("node_restart", Some("")),
    ("partition", Some("0-1")),
    ("partition", Some("0,1|")),
    ("partition", Some("|2")),
    ("partition_one_way", Some("0>")),
    ("partition_one_way", Some("0|1")),
    ("heal", Some("1")),
];
const BAD_SEEDS: [&str; 6] = ["0", "-3", "\"16\"", "1.5", "true", "[16]"];
const BAD_SIMS: [&str; 6] = ["\"fundation\"", "\"\"", "\"Foundation\"", "3", "[\"foundation\"]", "{ name = \"x\" }"];

fn pick<T: Copy>(rng: &mut Stream, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// Lines with their ends, so that concatenating them gives the text back.
fn lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_owned).collect()
}

fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

fn is_header(line: &str) -> bool {
    line.trim_start().starts_with('[')
}

/// `key = value` split at the first `=`, for lines that assign a bare key.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (bare && !is_header(line)).then_some((key, value))
}

/// How many lines the value starting on `lines[i]` spans (multi-line arrays).
fn extent(lines: &[String], i: usize) -> usize {
    let mut depth = 0i32;
    for (n, line) in lines[i..].iter().enumerate() {
        let mut in_string = false;
        for c in line.chars() {
            match c {
                '"' => in_string = !in_string,
                '#' if !in_string => break,
                '[' | '{' if !in_string => depth += 1,
                ']' | '}' if !in_string => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 {
            return n + 1;
        }
    }
    lines.len() - i
}

/// Replaces one random line that holds something (not blank, not a comment).
fn edit_line(text: &str, rng: &mut Stream, edit: impl FnOnce(&str, &mut Stream) -> Vec<String>) -> String {
    let mut lines = lines(text);
    let filled: Vec<usize> =
        (0..lines.len()).filter(|&i| !lines[i].trim().is_empty() && !lines[i].trim().starts_with('#')).collect();
    if filled.is_empty() {
        return format!("{text}?");
    }
    let i = pick(rng, &filled);
    let replacement = edit(&lines[i], rng);
    lines.splice(i..=i, replacement);
    lines.concat()
}

/// Rewrites one random `key = value` line through `edit(key, value, rng)`.
fn edit_key_line(text: &str, rng: &mut Stream, edit: impl FnOnce(&str, &str, &mut Stream) -> String) -> String {
    let mut lines = lines(text);
    let keyed: Vec<usize> = (0..lines.len()).filter(|&i| key_value(&lines[i]).is_some()).collect();
    if keyed.is_empty() {
        return format!("{text}=");
    }
    let i = pick(rng, &keyed);
    let line = lines[i].clone();
    let (key, value) = key_value(&line).expect("a key line");
    lines[i] = with_newline(&edit(key, value, rng));
    lines.concat()
}

fn typo(key: &str, rng: &mut Stream) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    let i = rng.gen_range(0..chars.len());
    match rng.gen_range(0..5) {
        0 if chars.len() > 1 => {
            let j = if i + 1 < chars.len() { i + 1 } else { i - 1 };
            chars.swap(i, j);
        }
        1 if chars.len() > 1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, chars[i]),
        3 if chars[i] == '_' => chars[i] = '-',
        _ => chars[i] = if chars[i].is_ascii_uppercase() { 'q' } else { chars[i].to_ascii_uppercase() },
    }
    chars.into_iter().collect()
}

/// A TOML value of another type than `value`.
fn other_type(value: &str, rng: &mut Stream) -> &'static str {
    let value = value.trim();
    let candidates: &[&str] = match value.chars().next() {
        Some('"') => &["42", "true", "[1, 2]", "{ a = 1 }", "1.5"],
        Some('[') => &["42", "true", "\"text\"", "{ a = 1 }"],
        Some('{') => &["42", "true", "\"text\"", "[1, 2]"],
        Some('t' | 'f') => &["42", "\"yes\"", "[true]", "1.5"],
        _ => &["\"text\"", "true", "[1, 2]", "{ a = 1 }"],
    };
    pick(rng, candidates)
}

/// Swaps the values of two random `key = value` lines.
fn swap_values(text: &str, rng: &mut Stream) -> String {
    let mut lines = lines(text);
    let keyed: Vec<usize> = (0..lines.len()).filter(|&i| key_value(&lines[i]).is_some()).collect();
    if keyed.len() < 2 {
        return format!("{text}]");
    }
    let (a, b) = (pick(rng, &keyed), pick(rng, &keyed));
    let (line_a, line_b) = (lines[a].clone(), lines[b].clone());
    let ((key_a, value_a), (key_b, value_b)) = (key_value(&line_a).expect("a"), key_value(&line_b).expect("b"));
    lines[a] = with_newline(&format!("{key_a} ={}", value_b.trim_end_matches('\n')));
    lines[b] = with_newline(&format!("{key_b} ={}", value_a.trim_end_matches('\n')));
    lines.concat()
}

/// Replaces one quoted duration outside comments with junk.
fn duration_junk(text: &str, rng: &mut Stream) -> String {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        let quotes: Vec<usize> = code.match_indices('"').map(|(i, _)| i).collect();
        for pair in quotes.chunks_exact(2) {
            let inner = &code[pair[0] + 1..pair[1]];
            if inner != "0" && parse_duration(inner).is_ok() {
                found.push(offset + pair[0]..offset + pair[1] + 1);
            }
        }
        offset += line.len();
    }
    if found.is_empty() {
        return format!("{text}\n[faults]\nuntil = \"soon\"\n");
    }
    let range = found[rng.gen_range(0..found.len())].clone();
    let junk = pick(rng, &BAD_DURATIONS);
    format!("{}{junk}{}", &text[..range.start], &text[range.end..])
}

fn char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn insert_at_random(text: &str, insert: &str, rng: &mut Stream) -> String {
    let at = char_boundary(text, rng.gen_range(0..=text.len()));
    format!("{}{insert}{}", &text[..at], &text[at..])
}

/// Random bytes (read leniently as UTF-8), TOML punctuation, or very deep nesting.
fn garbage(rng: &mut Stream) -> String {
    match rng.gen_range(0..4) {
        0 => {
            let bytes: Vec<u8> = (0..rng.gen_range(1..24)).map(|_| rng.gen()).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => (0..rng.gen_range(1..12))
            .map(|_| pick(rng, &['[', ']', '{', '}', '=', '"', '\'', ',', '\n', '#']))
            .collect(),
        2 => "[".repeat(rng.gen_range(50..5_000)),
        _ => "\0\u{7f}\r\u{1b}[0m".to_owned(),
    }
}

const UNICODE_JUNK: [&str; 8] = ["\u{202e}", "é", "名前", "\u{200b}", "🦀", "\u{feff}", "\u{0}", "ｎａｍｅ"];

/// Unicode junk inside a key (where it is always wrong) or anywhere.
fn unicode_junk(text: &str, rng: &mut Stream) -> String {
    let junk = pick(rng, &UNICODE_JUNK);
    if rng.gen_bool(0.5) {
        return insert_at_random(text, junk, rng);
    }
    edit_key_line(text, rng, |key, value, rng| {
        let at = rng.gen_range(0..=key.len());
        format!("{}{junk}{} ={value}", &key[..at], &key[at..])
    })
}

/// Sets a top-level key, replacing its line if the text has one.
fn set_top(text: &str, key: &str, value: &str) -> String {
    let mut lines = lines(text);
    let end = lines.iter().position(|l| is_header(l)).unwrap_or(lines.len());
    match (0..end).find(|&i| key_value(&lines[i]).is_some_and(|(k, _)| k == key)) {
        Some(i) => {
            let n = extent(&lines, i);
            lines.splice(i..i + n, [format!("{key} = {value}\n")]);
            lines.concat()
        }
        None => format!("{key} = {value}\n{text}"),
    }
}

/// Sets `key` in `[table]`, replacing its line if the table has one, adding the table
/// at the end if the text has none.
fn set_in(text: &str, table: &str, key: &str, value: &str) -> String {
    let mut lines = lines(text);
    let header = format!("[{table}]");
    let Some(start) = lines.iter().position(|l| l.trim() == header) else {
        return format!("{}\n{header}\n{key} = {value}\n", with_newline(text));
    };
    let end = (start + 1..lines.len()).find(|&i| is_header(&lines[i])).unwrap_or(lines.len());
    let line = format!("{key} = {value}\n");
    match (start + 1..end).find(|&i| key_value(&lines[i]).is_some_and(|(k, _)| k == key)) {
        Some(i) => {
            let n = extent(&lines, i);
            lines.splice(i..i + n, [line]);
        }
        None => lines.insert(start + 1, line),
    }
    lines.concat()
}

/// Sets `faults.<name>` to the inline table `table`, also when the text writes it as a
/// `[faults.<name>]` section (which is then removed).
fn set_fault_table(text: &str, name: &str, table: &str) -> String {
    let header = format!("[faults.{name}]");
    let mut lines = lines(text);
    if let Some(start) = lines.iter().position(|l| l.trim() == header) {
        let end = (start + 1..lines.len()).find(|&i| is_header(&lines[i])).unwrap_or(lines.len());
        lines.drain(start..end);
    }
    set_in(&lines.concat(), "faults", name, table)
}

/// How many `[[faults.at]]` entries the text has.
fn explicit_faults(text: &str) -> usize {
    text.lines().filter(|l| l.trim() == "[[faults.at]]").count()
}

/// The text's `faults.until` (30 s when it sets none).
fn until(text: &str) -> Duration {
    let table: toml::Table = toml::from_str(text).expect("the source is valid TOML");
    let until = table.get("faults").and_then(|f| f.get("until")).and_then(|u| u.as_str());
    until.map_or(Duration::from_secs(30), |u| parse_duration(u).expect("the source's until is valid"))
}

/// Appends an explicit fault halfway to `until`; returns the text and the entry's index.
fn append_fault(text: &str, kind: &str, target: Option<&str>) -> (String, usize) {
    let time = format_duration(until(text) / 2);
    let target = target.map_or(String::new(), |t| format!("target = \"{t}\"\n"));
    let entry = format!("\n[[faults.at]]\ntime = \"{time}\"\nkind = \"{kind}\"\n{target}");
    (with_newline(text) + &entry, explicit_faults(text))
}
