//! Model-based test of the runtime's tables.
//!
//! Random sequences of spawn / monitor / demonitor / link / unlink / exit / send /
//! crash / trap_exit / register / unregister / kill / node crash / node restart run on
//! the runtime, performed by puppet processes through their own `Ctx`, and on a small
//! reference model of the OTP rules. After every step the runtime's process, monitor,
//! link and name tables, and everything each process saw (DOWN, EXIT, pings, call
//! results), equal the model's. At the end every puppet reads its mailbox and is
//! killed, and rules read straight off the runtime must hold: every monitor got
//! exactly one DOWN, was demonitored, or lost its watcher; no monitor or link outlives
//! its ends.
//!
//! The network is reliable here (no message faults), so the model can be exact.
//! `PROPTEST_CASES` raises the number of cases (256 by default); a failure prints the
//! shrunk operation list and the madsim seed, which replay it exactly.

mod driver;
mod model;
mod ops;
mod puppet;
mod rules;
mod view;

use std::sync::Once;

use otpsim_runtime::Cluster;
use proptest::prelude::*;

use crate::driver::Driver;
use crate::model::Model;
use crate::ops::{Op, CRASH_PANIC, NODES};

/// Operations in one sequence at most.
const OPS_MAX: usize = 40;

/// Runs `ops` on a fresh simulation with `seed`; the first disagreement is the error.
fn run(seed: u64, ops: &[Op]) -> Result<(), String> {
    quiet_puppet_panics();
    otpsim_runtime::testing::sim(seed, |cluster| async move { check_sequence(&cluster, ops).await })
}

async fn check_sequence(cluster: &Cluster, ops: &[Op]) -> Result<(), String> {
    let mut model = Model::new(NODES);
    let mut driver = Driver::new(cluster.clone());
    for (i, op) in ops.iter().enumerate() {
        let Some(op) = op.resolve(&model.scope()) else {
            continue;
        };
        step(&mut model, &mut driver, &op).await.map_err(|e| format!("step {i}, {op:?}:\n{e}"))?;
    }
    // Every puppet reads what is queued for it; then every puppet dies, so every
    // monitor ends. The end-of-run rules hold at both points.
    let resumes: Vec<Op> = model.suspended().into_iter().map(|p| Op::Resume { p }).collect();
    teardown(&mut model, &mut driver, &resumes).await?;
    rules::check(&driver.notes(), &cluster.tables()).map_err(|e| format!("after the resumes: {e}"))?;
    let kills: Vec<Op> = model.live().into_iter().map(|p| Op::Kill { p }).collect();
    teardown(&mut model, &mut driver, &kills).await?;
    rules::check(&driver.notes(), &cluster.tables()).map_err(|e| format!("after the kills: {e}"))
}

async fn teardown(model: &mut Model, driver: &mut Driver, ops: &[Op]) -> Result<(), String> {
    for op in ops {
        step(model, driver, op).await.map_err(|e| format!("teardown, {op:?}:\n{e}"))?;
    }
    Ok(())
}

/// Applies one resolved operation to both sides and compares them.
async fn step(model: &mut Model, driver: &mut Driver, op: &Op) -> Result<(), String> {
    let new_monitor = model.monitor_created_by(op);
    driver.perform(op).await?;
    model.apply(op);
    driver.absorb(new_monitor)?;
    match model.view().diff(&driver.view()?) {
        Some(diff) => Err(format!("the runtime disagrees with the model:\n{diff}")),
        None => Ok(()),
    }
}

/// A puppet's deliberate panic is its crash, not news: keep it off stderr.
fn quiet_puppet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&CRASH_PANIC) {
                default(info);
            }
        }));
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn runtime_tables_follow_the_reference_model(seed in any::<u64>(), ops in ops::sequence(OPS_MAX)) {
        run(seed, &ops).map_err(TestCaseError::fail)?;
    }
}
