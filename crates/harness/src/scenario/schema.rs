//! The scenario envelope: the keys every sim shares (`name`, `sim`, `seeds`,
//! `[faults]`, `[check]`, `[expect]`) around the sim's own part (`flaws`,
//! `[system]`, `[workload]`, `[config]`), whose types the sim supplies.

use std::fmt::Debug;
use std::num::NonZeroU64;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::values::{DelayRange, Dur, Rate};

/// What a sim contributes to the scenario format.
pub trait SimSchema: Clone + Debug + Send + Sync + 'static {
    /// `[system]`: what to build (nodes, processes).
    type System: Serialize + DeserializeOwned + Default + Clone + Debug + Send + Sync;
    /// `[workload]`: what clients do.
    type Workload: Serialize + DeserializeOwned + Default + Clone + Debug + Send + Sync;
    /// `[config]`: the system's thresholds.
    type Config: Serialize + DeserializeOwned + Default + Clone + Debug + Send + Sync;
    /// A named flaw of the system (`flaws = [...]`).
    type Flaw: Serialize + DeserializeOwned + Clone + Debug + Ord + Send + Sync;

    /// Process kinds (labels) and registered names that fault targets may name; a
    /// target is one of these, or one of these followed by `/<index>`.
    fn fault_targets() -> &'static [&'static str];
}

/// A scenario file, parsed and checked.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound = "")]
pub struct Scenario<S: SimSchema> {
    /// The scenario's name (run ids are `name` plus seed).
    pub name: String,
    /// Which sim binds this file (empty until bound: then the sim's name).
    #[serde(default)]
    pub sim: String,
    /// Seeds `cargo test` runs (`OTPSIM_SEEDS` overrides).
    #[serde(default = "default_seeds")]
    pub seeds: NonZeroU64,
    /// Named flaws of the system under test to switch on.
    #[serde(default)]
    pub flaws: Vec<S::Flaw>,
    /// What to build.
    #[serde(default)]
    pub system: S::System,
    /// What clients do.
    #[serde(default)]
    pub workload: S::Workload,
    /// Which faults to inject, and until when.
    #[serde(default)]
    pub faults: FaultSpec,
    /// The system's thresholds.
    #[serde(default)]
    pub config: S::Config,
    /// Which invariants judge the run, and how long it settles.
    #[serde(default)]
    pub check: CheckSpec,
    /// Only in flaw scenarios: the violation the run must produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
}

fn default_seeds() -> NonZeroU64 {
    NonZeroU64::new(16).expect("16 is not zero")
}

/// `[faults]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Faults stop here; then the system gets `check.settle` to finish.
    #[serde(default = "default_until")]
    pub until: Dur,
    /// Kill a process of one of `targets` about every `every` (untrappable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_crash: Option<Periodic>,
    /// Make a process of one of `targets` hit a programming defect (a panic in its
    /// handler) about every `every`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defect: Option<Periodic>,
    /// Crash a node about every `every`, restarting it `restart_after` later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_crash: Option<NodeCrash>,
    /// Partition the nodes about every `every`, healing `lasting` later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
    /// Probability that a message between nodes is dropped.
    #[serde(default)]
    pub message_loss: Rate,
    /// Probability that a message between nodes is delivered twice.
    #[serde(default)]
    pub message_duplication: Rate,
    /// Extra latency of messages between nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_delay: Option<DelayRange>,
    /// Per seed, enable a random subset of the kinds above and draw rates in ranges.
    #[serde(default)]
    pub swarm: bool,
    /// Explicit faults at fixed times (what `shrink` writes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at: Vec<ExplicitFault>,
    /// Fates forced on single messages between nodes, named by the id their trace
    /// events carry (what `explore` writes when it flips a message's fate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_fates: Vec<MessageFate>,
}

#[cfg(test)]
impl FaultSpec {
    /// The `[faults]` table of a TOML text, unchecked: what the harness's unit tests
    /// start from.
    pub(crate) fn from_toml(text: &str) -> FaultSpec {
        #[derive(Deserialize)]
        struct Doc {
            faults: FaultSpec,
        }
        toml::from_str::<Doc>(text).expect("valid faults").faults
    }
}

fn default_until() -> Dur {
    Dur(Duration::from_secs(30))
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            until: default_until(),
            process_crash: None,
            defect: None,
            node_crash: None,
            partition: None,
            message_loss: Rate::default(),
            message_duplication: Rate::default(),
            message_delay: None,
            swarm: false,
            at: Vec::new(),
            message_fates: Vec::new(),
        }
    }
}

/// A fault that recurs about every `every` against one of `targets`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Periodic {
    /// Mean time between faults.
    pub every: Spanned<Dur>,
    /// Process kinds or names to pick from.
    pub targets: Vec<Spanned<String>>,
}

/// `faults.node_crash`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeCrash {
    /// Mean time between crashes.
    pub every: Spanned<Dur>,
    /// Downtime before the node restarts.
    #[serde(default = "default_restart_after")]
    pub restart_after: Dur,
}

fn default_restart_after() -> Dur {
    Dur(Duration::from_secs(2))
}

/// `faults.partition`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partition {
    /// Mean time between partitions.
    pub every: Spanned<Dur>,
    /// How long each lasts before it heals.
    pub lasting: Dur,
    /// Symmetric, one-way, or either (drawn per partition).
    #[serde(default)]
    pub shape: PartitionShape,
}

/// Which partitions to make.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionShape {
    /// Both directions cut; connections drop (monitors and links fire `noconnection`).
    #[default]
    Symmetric,
    /// One direction's messages dropped; connections stay.
    OneWay,
    /// Drawn per partition.
    Either,
}

/// One explicit fault: `[[faults.at]]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplicitFault {
    /// When (simulated time from the start).
    pub time: Spanned<Dur>,
    /// What.
    pub kind: FaultKind,
    /// Whom: a process kind or name (`task_agent`, `task_agent/2`) for crash and defect;
    /// a node index for node_crash and node_restart; `"0,1|2"` (side a | side b) for
    /// partition; `"0>2"` for partition_one_way. Empty for heal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Spanned<String>>,
}

/// One message's forced fate: `{ message = 412, fate = "drop" }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageFate {
    /// The message's id (`msg` in its trace events).
    pub message: u64,
    /// What happens to it.
    pub fate: Fate,
}

/// A forced fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Delivered once, whatever the rates draw.
    Deliver,
    /// Dropped.
    Drop,
    /// Delivered twice.
    Duplicate,
}

impl Fate {
    /// The runtime's fate.
    pub fn forced(self) -> otpsim_runtime::ForcedFate {
        match self {
            Fate::Deliver => otpsim_runtime::ForcedFate::Deliver,
            Fate::Drop => otpsim_runtime::ForcedFate::Drop,
            Fate::Duplicate => otpsim_runtime::ForcedFate::Duplicate,
        }
    }
}

/// The kinds of explicit fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Kill a process (untrappable).
    Crash,
    /// Make a process hit a programming defect.
    Defect,
    /// Crash a node (it stays down until `node_restart`).
    NodeCrash,
    /// Restart a crashed node.
    NodeRestart,
    /// A symmetric partition.
    Partition,
    /// A one-way partition.
    PartitionOneWay,
    /// Heal every partition.
    Heal,
}

impl FaultKind {
    /// The kind as scenario files write it.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Defect => "defect",
            FaultKind::NodeCrash => "node_crash",
            FaultKind::NodeRestart => "node_restart",
            FaultKind::Partition => "partition",
            FaultKind::PartitionOneWay => "partition_one_way",
            FaultKind::Heal => "heal",
        }
    }
}

/// `[check]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Invariants that judge the run; all the sim knows by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invariants: Option<Vec<Spanned<String>>>,
    /// Time after `faults.until` for everything to finish (liveness).
    #[serde(default = "default_settle")]
    pub settle: Dur,
}

fn default_settle() -> Dur {
    Dur(Duration::from_secs(30))
}

impl Default for CheckSpec {
    fn default() -> Self {
        CheckSpec { invariants: None, settle: default_settle() }
    }
}

/// `[expect]`: a flaw scenario passes iff this violation is found; any scenario
/// can require coverage points its seeds must reach.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The invariant that must be violated (absent: a healthy scenario).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<Spanned<String>>,
    /// Coverage points the seeds must reach, together; a run that misses one is
    /// vacuous, and a flaw scenario's miss says which point was never reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reached: Vec<Spanned<String>>,
    /// Within this many seeds (default: the scenario's `seeds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_seeds: Option<NonZeroU64>,
}
