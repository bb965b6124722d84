//! Scenario parsing against a toy sim schema.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Clone, Debug)]
struct Toy;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToySystem {
    #[serde(default)]
    nodes: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ToyFlaw {
    Sloppy,
}

impl SimSchema for Toy {
    type System = ToySystem;
    type Workload = ToySystem;
    type Config = ToySystem;
    type Flaw = ToyFlaw;
    fn fault_targets() -> &'static [&'static str] {
        &["worker", "server"]
    }
}

const INVARIANTS: &[&str] = &["no_task_lost", "monitors_never_leak"];

fn parse_toy(text: &str) -> Result<Scenario<Toy>, ScenarioError> {
    parse::<Toy>(Path::new("toy.toml"), text, INVARIANTS)
}

fn error_of(text: &str) -> ScenarioError {
    parse_toy(text).expect_err("the scenario should be rejected")
}

#[test]
fn a_full_scenario_parses() {
    let s = parse_toy(
        r#"
name = "storm"
seeds = 4
flaws = ["sloppy"]
[system]
nodes = 3
[faults]
until = "10s"
process_crash = { every = "1s", targets = ["worker", "server/1"] }
node_crash = { every = "5s", restart_after = "1s" }
partition = { every = "4s", lasting = "500ms", shape = "either" }
message_loss = [0.0, 0.1]
message_delay = ["1ms", "5ms"]
swarm = true
[[faults.at]]
time = "2.5s"
kind = "partition"
target = "0,1|2"
[check]
invariants = ["no_task_lost"]
settle = "20s"
[expect]
violation = "no_task_lost"
within_seeds = 3
"#,
    )
    .unwrap();
    assert_eq!(s.seeds.get(), 4);
    assert_eq!(s.system.nodes, 3);
    assert_eq!(s.faults.message_loss, Rate::Range(0.0, 0.1));
    assert_eq!(s.faults.at[0].kind, FaultKind::Partition);
    assert_eq!(s.flaws, vec![ToyFlaw::Sloppy]);
}

#[test]
fn unknown_keys_are_errors_naming_line_and_field() {
    let e = error_of("name = \"x\"\n[faults]\nuntill = \"1s\"\n");
    assert_eq!(e.position.map(|p| p.0), Some(3), "{e}");
    assert!(e.field.contains("faults"), "{e}");
    assert!(e.message.contains("unknown field"), "{e}");
    assert!(e.hint.is_some());
}

#[test]
fn nested_field_errors_carry_the_dotted_path() {
    let e = error_of("name = \"x\"\n[faults]\nnode_crash = { every = \"soon\" }\n");
    assert_eq!(e.field, "faults.node_crash.every", "{e}");
    assert_eq!(e.position.map(|p| p.0), Some(3), "{e}");
}

#[test]
fn rates_outside_zero_to_one_are_errors() {
    let e = error_of("name = \"x\"\n[faults]\nmessage_loss = 1.5\n");
    assert_eq!(e.field, "faults.message_loss", "{e}");
    assert!(e.message.contains("not a probability"), "{e}");
}

#[test]
fn explicit_faults_after_until_are_errors() {
    let e = error_of("name = \"x\"\n[faults]\nuntil = \"1s\"\n[[faults.at]]\ntime = \"2s\"\nkind = \"heal\"\n");
    assert_eq!(e.field, "faults.at[0].time", "{e}");
    assert_eq!(e.position.map(|p| p.0), Some(5), "{e}");
}

#[test]
fn unknown_flaws_invariants_and_targets_are_errors() {
    assert_eq!(error_of("name = \"x\"\nflaws = [\"nope\"]\n").field, "flaws[0]");
    let e = error_of("name = \"x\"\n[check]\ninvariants = [\"never_heard\"]\n");
    assert_eq!(e.field, "check.invariants[0]", "{e}");
    assert!(e.hint.as_deref().unwrap_or("").contains("no_task_lost"));
    let e = error_of("name = \"x\"\n[faults]\nprocess_crash = { every = \"1s\", targets = [\"ghost\"] }\n");
    assert_eq!(e.field, "faults.process_crash.targets[0]", "{e}");
    let e = error_of("name = \"x\"\n[[faults.at]]\ntime = \"1s\"\nkind = \"partition\"\ntarget = \"0-1\"\n");
    assert_eq!(e.field, "faults.at[0].target", "{e}");
}

#[test]
fn wrong_types_and_zero_seeds_are_errors() {
    assert_eq!(error_of("name = 3\n").field, "name");
    assert_eq!(error_of("name = \"x\"\nseeds = 0\n").field, "seeds");
    assert!(error_of("name = \"x\"\n[faults]\nuntil = 5\n").message.contains("no unit"));
    assert!(error_of("no name here = \n").position.is_some());
}

#[test]
fn expected_violation_must_be_checked() {
    let e = error_of(
        "name = \"x\"\n[check]\ninvariants = [\"no_task_lost\"]\n[expect]\nviolation = \"monitors_never_leak\"\n",
    );
    assert_eq!(e.field, "expect.violation", "{e}");
}

#[test]
fn the_sim_name_is_read_when_given() {
    assert_eq!(sim_name(Path::new("a"), "name = \"x\"").unwrap(), None);
    assert_eq!(sim_name(Path::new("a"), "sim = \"toy\"").unwrap().as_deref(), Some("toy"));
    assert!(sim_name(Path::new("a"), "sim = [").is_err());
}
