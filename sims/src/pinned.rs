//! Turning a seed's drawn fault plan into explicit faults, for `shrink`: every sim's
//! `with_plan` writes the same `[faults]` section.

use otpsim_harness::plan::FaultPlan;
use otpsim_harness::scenario::{DelayRange, ExplicitFault, FaultSpec, Rate};
use toml::Spanned;

/// Replaces `faults`' periodic and random faults with `plan`'s, written out.
pub fn pin(faults: &mut FaultSpec, plan: &FaultPlan) {
    faults.process_crash = None;
    faults.defect = None;
    faults.node_crash = None;
    faults.partition = None;
    faults.swarm = false;
    faults.message_loss = Rate::Fixed(plan.message_loss);
    faults.message_duplication = Rate::Fixed(plan.message_duplication);
    faults.message_delay = plan.message_delay.map(|[min, max]| DelayRange { min: min.0, max: max.0 });
    // Positions mean nothing in a generated file: every span is empty.
    faults.at = plan
        .events
        .iter()
        .filter(|e| e.time < faults.until)
        .map(|e| ExplicitFault {
            time: Spanned::new(0..0, e.time),
            kind: e.kind,
            target: (!e.target.is_empty()).then(|| Spanned::new(0..0, e.target.clone())),
        })
        .collect();
}
