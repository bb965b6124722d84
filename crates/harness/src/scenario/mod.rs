//! Scenario files: TOML read with serde, every key checked.
//!
//! Unknown keys, wrong types and impossible values are errors that name the file, the
//! line and the dotted field. The harness owns the envelope ([`Scenario`]); a sim
//! supplies the types of its own part through [`SimSchema`].

mod error;
mod locate;
mod ranges;
mod schema;
mod values;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub use error::{line_col, ScenarioError};
pub use locate::value_span;
pub use ranges::{KeyRange, Ranges, Side, RANGED_TABLES};
pub use schema::{
    CheckSpec, Expect, ExplicitFault, Fate, FaultKind, FaultSpec, MessageFate, NodeCrash, Partition, PartitionShape,
    Periodic, Scenario, SimSchema,
};
pub use values::{DelayRange, Dur, Probability, Rate};

/// The shortest period of a recurring fault: anything shorter would plan millions of
/// faults per simulated second.
pub const EVERY_MIN: Duration = Duration::from_millis(1);

/// The `sim` a scenario text names, if it names one (the registry of sims picks a
/// default for files that do not).
pub fn sim_name(path: &Path, text: &str) -> Result<Option<String>, ScenarioError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| error::toml_syntax(path, text, e.span(), e.message()))?;
    match table.get("sim") {
        None => Ok(None),
        Some(toml::Value::String(name)) => Ok(Some(name.clone())),
        Some(other) => {
            Err(ScenarioError::new(path, text, None, "sim", format!("expected a string, found {}", other.type_str())))
        }
    }
}

/// A scenario whose sim tables may hold `[low, high]` ranges: the file at each end
/// (both checked), and the ranges each seed draws from.
#[derive(Clone, Debug)]
pub struct Ranged<S: SimSchema> {
    /// Every range at its low end (the file itself when it has no range).
    pub low: Scenario<S>,
    /// Every range at its high end.
    pub high: Scenario<S>,
    /// The ranged keys.
    pub ranges: Ranges,
}

impl<S: SimSchema> Ranged<S> {
    /// The scenario `seed` runs: each range at the value the seed draws.
    pub fn at_seed(&self, path: &Path, seed: u64, invariants: &[&str]) -> Scenario<S> {
        self.with_values(path, &self.ranges.draw(seed), invariants)
    }

    /// The scenario with each range at its value in `values` (field to value, as a
    /// seed's plan shows them); a range missing there stays at its low end.
    pub fn with_values(&self, path: &Path, values: &BTreeMap<String, String>, invariants: &[&str]) -> Scenario<S> {
        if self.ranges.is_empty() {
            return self.low.clone();
        }
        // Both ends parsed and every check is monotone in a value, so a value between
        // them parses too; the low end is the fallback that cannot happen.
        parse(path, &self.ranges.text_with(values), invariants).unwrap_or_else(|_| self.low.clone())
    }
}

/// Parses and checks a scenario whose `[system]`, `[workload]` and `[config]` may hold
/// `[low, high]` ranges: both ends must be valid. See [`parse`].
pub fn parse_ranged<S: SimSchema>(path: &Path, text: &str, invariants: &[&str]) -> Result<Ranged<S>, ScenarioError> {
    let mut list = ranges::candidates(text).map_err(|(span, field, message)| {
        ScenarioError::new(path, text, Some(span), &field, message).with_hint("write [low, high]")
    })?;
    // A candidate whose key takes a pair (such as a `[min, max]` delay) is no range:
    // the low-end parse fails at that field, so it goes back to being written whole.
    let mut first_error: BTreeMap<String, ScenarioError> = BTreeMap::new();
    let low = loop {
        match parse::<S>(path, &ranges::at_side(text, &list, Side::Low), invariants) {
            Ok(low) => break low,
            Err(e) => match list.iter().position(|r| r.field == e.field) {
                Some(i) => {
                    first_error.entry(e.field.clone()).or_insert(e);
                    list.remove(i);
                }
                None => return Err(first_error.remove(&e.field).unwrap_or(e)),
            },
        }
    };
    let high = parse::<S>(path, &ranges::at_side(text, &list, Side::High), invariants)?;
    Ok(Ranged { low, high, ranges: Ranges::new(text, list) })
}

/// Parses and checks a scenario for sim `S`. `invariants` are the names the sim can
/// judge; `check.invariants` and `expect.violation` must be among them.
pub fn parse<S: SimSchema>(path: &Path, text: &str, invariants: &[&str]) -> Result<Scenario<S>, ScenarioError> {
    let deserializer =
        toml::Deserializer::parse(text).map_err(|e| error::toml_syntax(path, text, e.span(), e.message()))?;
    let scenario: Scenario<S> = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        // Spanned values show up in serde's path as a private key: not the user's field.
        let field = e.path().to_string().replace(".$__serde_spanned_private_value", "");
        let field = if field == "." { String::new() } else { field };
        let inner = e.into_inner();
        let message = inner.message().to_owned();
        let error = ScenarioError::new(path, text, inner.span(), &field, message.clone());
        if message.starts_with("unknown field") {
            error.with_hint("check the spelling against docs/scenarios.md; unknown keys are errors")
        } else if message.contains("invalid type: sequence") {
            error.with_hint(
                "this key takes no [low, high] range: ranges are taken by the numbers and durations of \
                 [system], [workload] and [config], and by fault rates",
            )
        } else {
            error
        }
    })?;
    check(path, text, &scenario, invariants)?;
    Ok(scenario)
}

/// Checks what serde cannot: references between fields and names from other lists.
/// Every problem found is reported, in source order, in one error.
fn check<S: SimSchema>(path: &Path, text: &str, s: &Scenario<S>, invariants: &[&str]) -> Result<(), ScenarioError> {
    let mut errors: Vec<ScenarioError> = Vec::new();
    let mut err =
        |span, field: &str, message: String| errors.push(ScenarioError::new(path, text, span, field, message));
    let f = &s.faults;
    let everies = [
        ("faults.process_crash", f.process_crash.as_ref().map(|spec| &spec.every)),
        ("faults.defect", f.defect.as_ref().map(|spec| &spec.every)),
        ("faults.node_crash", f.node_crash.as_ref().map(|n| &n.every)),
        ("faults.partition", f.partition.as_ref().map(|p| &p.every)),
    ];
    for (field, every) in everies.into_iter().filter_map(|(field, every)| Some((field, every?))) {
        if every.get_ref().0 < EVERY_MIN {
            err(Some(every.span()), &format!("{field}.every"), format!("must be at least {}ms", EVERY_MIN.as_millis()));
        }
    }
    let periodic = [("faults.process_crash", f.process_crash.as_ref()), ("faults.defect", f.defect.as_ref())];
    let mut targets = Vec::new();
    for (field, spec) in periodic {
        let Some(spec) = spec else { continue };
        if spec.targets.is_empty() {
            err(Some(spec.every.span()), &format!("{field}.targets"), "names no target".into());
        }
        for (i, target) in spec.targets.iter().enumerate() {
            targets.push(check_target::<S>(path, text, target, &format!("{field}.targets[{i}]")));
        }
    }
    for (i, at) in f.at.iter().enumerate() {
        let field = format!("faults.at[{i}]");
        // The injector fires only faults before `until`: one at `until` would be silently dropped.
        if at.time.get_ref() >= &f.until {
            targets.push(Err(ScenarioError::new(
                path,
                text,
                Some(at.time.span()),
                &format!("{field}.time"),
                format!("is not before faults.until ({})", otpsim_runtime::units::format_duration(f.until.0)),
            )
            .with_hint("explicit faults must happen before faults stop")));
        }
        targets.push(check_explicit_target::<S>(path, text, at, &format!("{field}.target")));
    }
    let known = |name: &str| invariants.contains(&name);
    if let Some(list) = &s.check.invariants {
        for (i, name) in list.iter().enumerate() {
            if !known(name.get_ref()) {
                targets.push(Err(unknown_invariant(path, text, name, &format!("check.invariants[{i}]"), invariants)));
            }
        }
    }
    if let Some(expect) = s.expect.as_ref().and_then(|e| e.violation.as_ref()) {
        if !known(expect.get_ref()) {
            targets.push(Err(unknown_invariant(path, text, expect, "expect.violation", invariants)));
        } else if let Some(list) = &s.check.invariants {
            if !list.iter().any(|n| n.get_ref() == expect.get_ref()) {
                err(
                    Some(expect.span()),
                    "expect.violation",
                    "is not among check.invariants, so it can never be found".into(),
                );
            }
        }
    }
    errors.extend(targets.into_iter().filter_map(Result::err));
    ScenarioError::all(errors)
}

fn unknown_invariant(
    path: &Path,
    text: &str,
    name: &toml::Spanned<String>,
    field: &str,
    invariants: &[&str],
) -> ScenarioError {
    ScenarioError::new(path, text, Some(name.span()), field, format!("unknown invariant {:?}", name.get_ref()))
        .with_hint(format!("known invariants: {}", invariants.join(", ")))
}

/// A process target: a kind or name the sim knows, optionally followed by `/<index>`.
fn check_target<S: SimSchema>(
    path: &Path,
    text: &str,
    target: &toml::Spanned<String>,
    field: &str,
) -> Result<(), ScenarioError> {
    let value = target.get_ref();
    let (kind, index) = value.split_once('/').map_or((value.as_str(), None), |(k, i)| (k, Some(i)));
    let index_ok = index.is_none_or(|i| i.parse::<u32>().is_ok());
    if S::fault_targets().contains(&kind) && index_ok {
        return Ok(());
    }
    Err(ScenarioError::new(path, text, Some(target.span()), field, format!("unknown fault target {value:?}"))
        .with_hint(format!("targets: {} (optionally followed by /<index>)", S::fault_targets().join(", "))))
}

fn check_explicit_target<S: SimSchema>(
    path: &Path,
    text: &str,
    at: &ExplicitFault,
    field: &str,
) -> Result<(), ScenarioError> {
    let target = at.target.as_ref().map_or("", |t| t.get_ref().trim());
    let span = at.target.as_ref().map_or_else(|| at.time.span(), |t| t.span());
    let bad = |hint: &str| {
        Err(ScenarioError::new(
            path,
            text,
            Some(span.clone()),
            field,
            format!("bad target {target:?} for {}", at.kind.name()),
        )
        .with_hint(hint.to_owned()))
    };
    let nodes = |list: &str| !list.is_empty() && list.split(',').all(|n| n.trim().parse::<u32>().is_ok());
    match at.kind {
        FaultKind::Crash | FaultKind::Defect => match &at.target {
            Some(t) => check_target::<S>(path, text, t, field),
            None => bad("name a process kind or name, e.g. \"task_agent\" or \"task_agent/2\""),
        },
        FaultKind::NodeCrash | FaultKind::NodeRestart if target.parse::<u32>().is_ok() => Ok(()),
        FaultKind::NodeCrash | FaultKind::NodeRestart => bad("write the node's index, e.g. \"1\""),
        FaultKind::Partition => match target.split_once('|') {
            Some((a, b)) if nodes(a) && nodes(b) => Ok(()),
            _ => bad("write the two sides as node indexes, e.g. \"0,1|2\""),
        },
        FaultKind::PartitionOneWay => match target.split_once('>') {
            Some((a, b)) if a.trim().parse::<u32>().is_ok() && b.trim().parse::<u32>().is_ok() => Ok(()),
            _ => bad("write from>to node indexes, e.g. \"0>2\""),
        },
        FaultKind::Heal if target.is_empty() => Ok(()),
        FaultKind::Heal => bad("heal takes no target"),
    }
}

#[cfg(test)]
mod tests;
