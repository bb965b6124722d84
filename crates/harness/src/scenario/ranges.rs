//! `[low, high]` ranges on the numbers and durations of a sim's own tables
//! (`[system]`, `[workload]`, `[config]`): each seed draws one value per ranged key.
//!
//! Ranges are found in the text, not in the sim's types, so every numeric or duration
//! key of every sim takes one without a range type per key. A two-element array of
//! numbers or durations is a range when the key's type takes a single value there (a
//! key such as `task_time` that takes a pair keeps its pair). Each key draws from its
//! own seed stream (`range <field>`), so adding a range never shifts another key's
//! draw. A seed's scenario is the file with every range replaced by its drawn value,
//! parsed again: exact on replay, and what `shrink` writes.

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;

use otpsim_runtime::rng::stream;
use otpsim_runtime::units::{format_duration, parse_duration};
use rand::Rng;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The tables of a scenario whose numbers and durations take ranges.
pub const RANGED_TABLES: [&str; 3] = ["system", "workload", "config"];

/// What a ranged key holds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    Int(i64),
    Float(f64),
    Dur(Duration),
}

impl End {
    fn of(value: &DeValue<'_>) -> Option<End> {
        match value {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok().map(End::Int),
            DeValue::Float(f) => f.as_str().parse().ok().map(End::Float),
            DeValue::String(s) => parse_duration(s).ok().map(End::Dur),
            _ => None,
        }
    }

    /// The value as the scenario's plan shows it.
    fn shown(self) -> String {
        match self {
            End::Int(i) => i.to_string(),
            End::Float(f) => f.to_string(),
            End::Dur(d) => format_duration(d),
        }
    }

    /// The value as TOML text.
    fn toml(self) -> String {
        match self {
            End::Dur(d) => format!("\"{}\"", format_duration(d)),
            other => other.shown(),
        }
    }
}

/// One ranged key: its dotted field, where its array and its two ends are written.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRange {
    /// The dotted field (`config.retry.multiplier`).
    pub field: String,
    span: Range<usize>,
    ends: [(End, Range<usize>); 2],
}

/// Which end of every range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Every range at its low end.
    Low,
    /// Every range at its high end.
    High,
}

/// A two-element array of numbers or durations under a ranged table: a range if the
/// key's type takes a single value. Reversed ends are an error.
pub(super) fn candidates(text: &str) -> Result<Vec<KeyRange>, (Range<usize>, String, String)> {
    let Ok(doc) = DeTable::parse(text) else { return Ok(Vec::new()) };
    let mut found = Vec::new();
    for table in RANGED_TABLES {
        if let Some((_, value)) = doc.get_ref().iter().find(|(k, _)| k.get_ref() == table) {
            walk(table, value, &mut found);
        }
    }
    for range in &found {
        let [(low, _), (high, _)] = &range.ends;
        let reversed = match (*low, *high) {
            (End::Int(a), End::Int(b)) => a > b,
            (End::Dur(a), End::Dur(b)) => a > b,
            (a, b) => as_f64(a) > as_f64(b),
        };
        if reversed {
            let message = format!("range [{}, {}] is reversed", low.shown(), high.shown());
            return Err((range.span.clone(), range.field.clone(), message));
        }
    }
    found.sort_by_key(|r| r.span.start);
    Ok(found)
}

fn as_f64(end: End) -> f64 {
    match end {
        End::Int(i) => i as f64,
        End::Float(f) => f,
        End::Dur(d) => d.as_secs_f64(),
    }
}

fn walk(field: &str, value: &Spanned<DeValue<'_>>, found: &mut Vec<KeyRange>) {
    match value.get_ref() {
        DeValue::Table(table) => {
            for (key, inner) in table.iter() {
                walk(&format!("{field}.{}", key.get_ref()), inner, found);
            }
        }
        DeValue::Array(items) if items.len() == 2 => {
            let (Some(low), Some(high)) = (End::of(items[0].get_ref()), End::of(items[1].get_ref())) else { return };
            let same_kind = matches!(
                (low, high),
                (End::Dur(_), End::Dur(_)) | (End::Int(_) | End::Float(_), End::Int(_) | End::Float(_))
            );
            if !same_kind {
                return;
            }
            let (low, high) = match (low, high) {
                (End::Int(a), End::Float(_)) => (End::Float(a as f64), high),
                (End::Float(_), End::Int(b)) => (low, End::Float(b as f64)),
                pair => pair,
            };
            found.push(KeyRange {
                field: field.to_owned(),
                span: value.span(),
                ends: [(low, items[0].span()), (high, items[1].span())],
            });
        }
        _ => {}
    }
}

/// `text` with each of `ranges` written as one end, in place: the rest of the array is
/// blanked (newlines kept), so every byte offset and line of the file stays where it was
/// and an error in an end points at that end.
pub(super) fn at_side(text: &str, ranges: &[KeyRange], side: Side) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for range in ranges {
        let keep = &range.ends[side as usize].1;
        for i in range.span.clone().filter(|i| !keep.contains(i)) {
            if bytes[i] != b'\n' {
                bytes[i] = b' ';
            }
        }
    }
    // Only ASCII bytes outside string contents were replaced by spaces.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
}

/// The ranged keys of one scenario file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ranges {
    text: String,
    list: Vec<KeyRange>,
}

impl Ranges {
    pub(super) fn new(text: &str, list: Vec<KeyRange>) -> Ranges {
        Ranges { text: text.to_owned(), list }
    }

    /// True if the file has no range: every seed runs the same values.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The ranged keys, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &KeyRange> {
        self.list.iter()
    }

    /// The values `seed` draws: dotted field to value as the plan shows it.
    pub fn draw(&self, seed: u64) -> BTreeMap<String, String> {
        self.list.iter().map(|r| (r.field.clone(), draw(seed, r).shown())).collect()
    }

    /// The file with each ranged key set to its value in `values` (as [`Ranges::draw`]
    /// shows them); a key missing from `values` keeps its low end.
    pub fn text_with(&self, values: &BTreeMap<String, String>) -> String {
        let mut text = String::with_capacity(self.text.len());
        let mut at = 0;
        for range in &self.list {
            let low = range.ends[0].0;
            let value = values.get(&range.field).and_then(|v| parse_like(low, v)).unwrap_or(low);
            text.push_str(&self.text[at..range.span.start]);
            text.push_str(&value.toml());
            at = range.span.end;
        }
        text.push_str(&self.text[at..]);
        text
    }
}

fn parse_like(kind: End, text: &str) -> Option<End> {
    match kind {
        End::Int(_) => text.parse().ok().map(End::Int),
        End::Float(_) => text.parse().ok().map(End::Float),
        End::Dur(_) => parse_duration(text).ok().map(End::Dur),
    }
}

/// Integers and durations are drawn so that every order of magnitude of the range is
/// about as likely as any other (uniform in `ln(1 + x)`, durations in milliseconds): a
/// range of 1 to 2,000 draws single digits as often as thousands. Durations keep three
/// significant digits so the plan prints them short; fractions are drawn uniformly and
/// keep four decimals.
fn draw(seed: u64, range: &KeyRange) -> End {
    let mut rng = stream(seed, &format!("range {}", range.field));
    let log_uniform = |rng: &mut otpsim_runtime::rng::Stream, low: f64, high: f64| -> f64 {
        let (a, b) = ((1.0 + low).ln(), (1.0 + high).ln());
        if b <= a {
            return low;
        }
        (rng.gen_range(a..=b).exp() - 1.0).clamp(low, high)
    };
    match (range.ends[0].0, range.ends[1].0) {
        (End::Int(low), End::Int(high)) if low >= 0 => {
            End::Int((log_uniform(&mut rng, low as f64, high as f64).round() as i64).clamp(low, high))
        }
        (End::Int(low), End::Int(high)) => End::Int(rng.gen_range(low..=high)),
        (End::Dur(low), End::Dur(high)) => {
            let ms = log_uniform(&mut rng, low.as_secs_f64() * 1e3, high.as_secs_f64() * 1e3);
            End::Dur(three_digits(Duration::from_secs_f64(ms / 1e3)).clamp(low, high))
        }
        (low, high) => {
            let (a, b) = (as_f64(low), as_f64(high));
            let drawn = if b > a { rng.gen_range(a..=b) } else { a };
            End::Float(((drawn * 1e4).round() / 1e4).clamp(a, b))
        }
    }
}

/// `d` rounded to three significant digits (at nanosecond resolution).
fn three_digits(d: Duration) -> Duration {
    let nanos = d.as_nanos() as u64;
    if nanos < 1000 {
        return d;
    }
    let step = 10u64.pow(nanos.ilog10() - 2);
    Duration::from_nanos((nanos + step / 2) / step * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"r\"\n[system]\nnodes = [1, 6]\n[workload]\ntask_time = [\"1ms\", \"20ms\"]\n\
                        error_rate = [0.0, 0.5]\n[config]\nretry = { initial_backoff = [\"1ms\", \"30s\"] }\n\
                        [faults]\nmessage_loss = [0.0, 0.1]\n";

    #[test]
    fn candidates_are_pairs_of_numbers_or_durations_in_the_sims_tables() {
        let found = candidates(TEXT).unwrap();
        let fields: Vec<&str> = found.iter().map(|r| r.field.as_str()).collect();
        assert_eq!(
            fields,
            ["system.nodes", "workload.task_time", "workload.error_rate", "config.retry.initial_backoff"]
        );
        let low = at_side(TEXT, &found, Side::Low);
        assert_eq!(low.len(), TEXT.len());
        assert!(low.contains("nodes =  1    \n"), "{low}");
        assert!(at_side(TEXT, &found, Side::High).contains("nodes =     6 \n"));
    }

    #[test]
    fn reversed_ranges_are_errors() {
        let (_, field, message) = candidates("[config]\nbuffer_max_size = [200, 1]\n").unwrap_err();
        assert_eq!((field.as_str(), message.as_str()), ("config.buffer_max_size", "range [200, 1] is reversed"));
    }

    #[test]
    fn each_key_draws_from_its_own_stream_within_its_range() {
        let found = candidates(TEXT).unwrap();
        let ranges = Ranges::new(TEXT, found.clone());
        let few = Ranges::new(TEXT, found[..1].to_vec());
        for seed in 0..200 {
            let drawn = ranges.draw(seed);
            assert_eq!(drawn["system.nodes"], few.draw(seed)["system.nodes"], "another key shifted the draw");
            let nodes: i64 = drawn["system.nodes"].parse().unwrap();
            assert!((1..=6).contains(&nodes));
            let backoff = parse_duration(&drawn["config.retry.initial_backoff"]).unwrap();
            assert!((Duration::from_millis(1)..=Duration::from_secs(30)).contains(&backoff));
            assert_eq!(ranges.draw(seed), drawn, "a seed draws the same values every time");
        }
        let short = (0..200)
            .filter(|&s| {
                parse_duration(&ranges.draw(s)["config.retry.initial_backoff"]).unwrap() < Duration::from_secs(1)
            })
            .count();
        assert!(short > 50, "only {short} of 200 backoffs under a second: magnitudes are not spread");
    }

    #[test]
    fn a_seeds_text_holds_its_drawn_values() {
        let ranges = Ranges::new(TEXT, candidates(TEXT).unwrap());
        let drawn = ranges.draw(7);
        let text = ranges.text_with(&drawn);
        assert!(text.contains(&format!("nodes = {}\n", drawn["system.nodes"])), "{text}");
        assert!(text.contains(&format!("initial_backoff = \"{}\" }}", drawn["config.retry.initial_backoff"])));
        assert!(text.contains("message_loss = [0.0, 0.1]"), "faults keep their own ranges");
    }
}
