//! docs/scenarios.md and the scenario schema agree: the complete example parses, it
//! sets every key the schema has, the key tables document exactly those keys, and the
//! documented defaults are the schema's.
//!
//! Keys come from serializing a parsed scenario, so a new key shows up here as soon as
//! it is in a schema struct. An optional key only shows up once the example sets it:
//! add every new optional key to the example too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use otpsim_runtime::units::parse_duration;
use otpsim_sims::foundation;

const DOCS: &str = include_str!("../../docs/scenarios.md");
const DOCS_PATH: &str = "docs/scenarios.md";
/// The header of every key table in the docs.
const KEY_TABLE_HEADER: &str = "| key | type | default | meaning |";

/// The body of the docs' one ```toml block: the complete example.
fn example() -> &'static str {
    let blocks: Vec<&str> = DOCS.split("```toml\n").skip(1).collect();
    assert_eq!(blocks.len(), 1, "{DOCS_PATH} should hold exactly one ```toml block, the complete example");
    let (body, _) = blocks[0].split_once("```").expect("the ```toml block is closed");
    body
}

/// The leaf values of `value` by dotted path. Arrays of tables (`[[faults.at]]`)
/// recurse without an index, so their keys read `faults.at.time` (the last entry's
/// value wins).
fn leaves(value: &toml::Value) -> BTreeMap<String, toml::Value> {
    fn walk(prefix: &str, value: &toml::Value, leaves: &mut BTreeMap<String, toml::Value>) {
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    walk(&path, value, leaves);
                }
            }
            toml::Value::Array(items) if !items.is_empty() && items.iter().all(toml::Value::is_table) => {
                for item in items {
                    walk(prefix, item, leaves);
                }
            }
            _ => {
                leaves.insert(prefix.to_owned(), value.clone());
            }
        }
    }
    let mut leaves = BTreeMap::new();
    walk("", value, &mut leaves);
    leaves
}

/// A parsed scenario written back as TOML.
fn serialized(text: &str) -> toml::Value {
    let bound = foundation::bind(Path::new(DOCS_PATH), text).unwrap_or_else(|e| panic!("{e}"));
    toml::Value::try_from(&bound.scenario).expect("a scenario serializes to TOML")
}

/// The rows of the docs' key tables: dotted key -> default cell.
fn documented() -> BTreeMap<String, String> {
    let mut rows = BTreeMap::new();
    let mut in_table = false;
    for line in DOCS.lines() {
        if line.trim() == KEY_TABLE_HEADER {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 4, "a key table row has four cells: {line}");
        let key = cells[0].trim_matches('`').to_owned();
        assert!(rows.insert(key.clone(), cells[2].to_owned()).is_none(), "{key} is documented twice");
    }
    rows
}

/// The differences between two key sets, for an assertion message.
fn differences(left: &BTreeSet<String>, left_name: &str, right: &BTreeSet<String>, right_name: &str) -> String {
    let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| a.difference(b).cloned().collect::<Vec<_>>().join(", ");
    format!("only in {left_name}: [{}]\nonly in {right_name}: [{}]", only(left, right), only(right, left))
}

#[test]
fn the_docs_example_is_a_valid_scenario() {
    let scenario = otpsim_sims::registry::load_text(Path::new(DOCS_PATH), example()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scenario.name(), "replay-order");
    assert!(scenario.expect().is_some(), "the example sets [expect]");
}

#[test]
fn the_docs_example_sets_every_key() {
    let schema: BTreeSet<String> = leaves(&serialized(example())).into_keys().collect();
    let written: toml::Value = toml::from_str(example()).expect("the example is TOML");
    let written: BTreeSet<String> = leaves(&written).into_keys().collect();
    assert!(schema == written, "{}", differences(&schema, "the schema", &written, "the example"));
}

#[test]
fn the_docs_tables_document_every_key_and_no_other() {
    let schema: BTreeSet<String> = leaves(&serialized(example())).into_keys().collect();
    let documented: BTreeSet<String> = documented().into_keys().collect();
    assert!(
        documented.len() > 50,
        "found only {} documented keys: is the table header still {KEY_TABLE_HEADER:?}?",
        documented.len()
    );
    assert!(schema == documented, "{}", differences(&schema, "the schema", &documented, DOCS_PATH));
}

/// A default cell that is one TOML value (`"30s"`, `16`, `["5ms", "200ms"]`), if it is.
fn literal_default(cell: &str) -> Option<toml::Value> {
    let inner = cell.strip_prefix('`')?.strip_suffix('`')?;
    if inner.contains('`') {
        return None;
    }
    toml::from_str::<toml::Table>(&format!("v = {inner}")).ok()?.remove("v")
}

/// Equal as scenario values: numbers by value, durations by length.
fn same_value(documented: &toml::Value, actual: &toml::Value) -> bool {
    use toml::Value::{Array, Float, Integer, String};
    match (documented, actual) {
        (Integer(a), Float(b)) | (Float(b), Integer(a)) => *a as f64 == *b,
        (String(a), String(b)) => a == b || parse_duration(a).is_ok_and(|a| parse_duration(b) == Ok(a)),
        (Array(a), Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b)),
        _ => documented == actual,
    }
}

#[test]
fn documented_defaults_are_the_schemas_defaults() {
    let defaults = leaves(&serialized("name = \"defaults\"\n"));
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (key, cell) in documented() {
        let Some(actual) = defaults.get(&key) else { continue };
        let Some(documented) = literal_default(&cell) else { continue };
        checked += 1;
        if !same_value(&documented, actual) {
            wrong.push(format!("{key}: documented {cell}, actually {actual}"));
        }
    }
    assert!(checked > 30, "only {checked} defaults were comparable");
    assert!(wrong.is_empty(), "wrong defaults in {DOCS_PATH}:\n{}", wrong.join("\n"));
}
