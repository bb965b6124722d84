//! The task path's flaws: each runs a small fixed fault schedule with the flaw on,
//! showing the damage, and the same schedule with the flaw off, showing none.

mod tasks_support;

use std::collections::BTreeSet;

use otpsim_foundation::coordinator::TaskStatus;
use otpsim_foundation::protocol::AgentState;
use otpsim_foundation::task::{self, CRASHED, INVALID};
use otpsim_foundation::workflow::{StepSpec, WorkflowId, WorkflowSpec, WorkflowStatus};
use otpsim_foundation::{api, Behavior, Config, Flaw, TaskId, TaskSpec, TaskType};
use otpsim_runtime::{NodeId, Pid};
use tasks_support::{ms, sim, task, wait_ms, World};

fn with(flaw: Flaw, on: bool, mut config: Config) -> Config {
    if on {
        config.flaws.insert(flaw);
    }
    config
}

/// Three 1 s tasks for agent 1 (node 1); the agent is killed at 1.5 s, while it runs
/// the second and holds the third. Answers the final statuses after 30 s.
fn kill_agent_mid_queue(config: Config) -> Vec<TaskStatus> {
    sim(1, move |_| async move {
        let world = World::boot(config, 2, 2).await;
        let tasks: Vec<TaskSpec> = [1, 3, 5].iter().map(|&id| task(id, 1000, Behavior::Succeed)).collect();
        world.submit_all(tasks.iter().map(|t| (ms(0), t.clone())).collect());
        wait_ms(1500).await;
        world.cluster.kill(world.agent(1).expect("agent 1 is up"));
        let statuses = world.settle(&tasks.iter().map(|t| t.id).collect(), ms(30_000)).await;
        world.cluster.halt().await;
        tasks.iter().map(|t| statuses[&t.id].clone()).collect()
    })
}

fn completed(id: u64) -> TaskStatus {
    TaskStatus::Completed(task::result_of(TaskId(id)))
}

#[test]
fn volatile_state_loses_the_tasks_of_a_crashed_agent() {
    let fine = kill_agent_mid_queue(with(Flaw::VolatileState, false, Config::default()));
    assert_eq!(fine, vec![completed(1), completed(3), completed(5)]);
    let flawed = kill_agent_mid_queue(with(Flaw::VolatileState, true, Config::default()));
    assert_eq!(flawed, vec![completed(1), TaskStatus::Running, TaskStatus::Running]);
}

#[test]
fn partial_restore_loses_the_task_a_crashed_agent_was_running() {
    let fine = kill_agent_mid_queue(with(Flaw::PartialRestore, false, Config::default()));
    assert_eq!(fine, vec![completed(1), completed(3), completed(5)]);
    let flawed = kill_agent_mid_queue(with(Flaw::PartialRestore, true, Config::default()));
    assert_eq!(flawed, vec![completed(1), TaskStatus::Running, completed(5)]);
}

/// Runs one task alone on agent 1; answers its status and whether agent 1's pid changed.
fn run_one(config: Config, behavior: Behavior) -> (TaskStatus, bool) {
    sim(2, move |_| async move {
        let world = World::boot(config, 2, 2).await;
        let before = world.agent(1);
        let t = task(1, 20, behavior);
        world.submit_all(vec![(ms(0), t.clone())]);
        let statuses = world.settle(&BTreeSet::from([t.id]), ms(60_000)).await;
        let answer = (statuses[&t.id].clone(), world.agent(1) != before);
        world.cluster.halt().await;
        answer
    })
}

#[test]
fn broad_rescue_swallows_a_defect_and_keeps_the_agent_running() {
    let fine = run_one(with(Flaw::BroadRescue, false, Config::default()), Behavior::Defect);
    assert_eq!(fine, (TaskStatus::Failed(CRASHED.into()), true), "the defect crashes the agent");
    let (status, restarted) = run_one(with(Flaw::BroadRescue, true, Config::default()), Behavior::Defect);
    assert!(!restarted, "the rescued agent never crashed");
    assert!(matches!(&status, TaskStatus::Failed(r) if r.starts_with("exception:")), "{status}");
}

#[test]
fn errors_as_success_reports_a_failed_execution_as_completed() {
    let fine = run_one(with(Flaw::ErrorsAsSuccess, false, Config::default()), Behavior::FailPermanently);
    assert_eq!(fine.0, TaskStatus::Failed(INVALID.into()));
    let flawed = run_one(with(Flaw::ErrorsAsSuccess, true, Config::default()), Behavior::FailPermanently);
    assert!(matches!(flawed.0, TaskStatus::Completed(_)), "{}", flawed.0);
    let transient =
        run_one(with(Flaw::ErrorsAsSuccess, true, Config::default()), Behavior::FailTransiently { times: 1 });
    assert_ne!(transient.0, completed(1), "the error itself became the result");
}

/// Three tasks of three types on agent 1, each failing transiently once, with a pause
/// threshold of 2 and a breaker threshold of 1; answers agent 1's state afterwards and
/// the thresholds the agent reported when it paused and when its breakers opened.
fn thresholds_in_force(config: Config) -> (AgentState, Vec<String>, Vec<String>) {
    sim(3, move |events| async move {
        let world = World::boot(config, 2, 2).await;
        let kinds = [TaskType::Analysis, TaskType::Validation, TaskType::Transformation];
        let tasks: Vec<TaskSpec> = [1, 3, 5]
            .iter()
            .zip(kinds)
            .map(|(&id, kind)| TaskSpec { kind, ..task(id, 20, Behavior::FailTransiently { times: 1 }) })
            .collect();
        world.submit_all(tasks.iter().map(|t| (ms(0), t.clone())).collect());
        world.settle(&tasks.iter().map(|t| t.id).collect(), ms(60_000)).await;
        let layout = world.spec.clone();
        let state =
            world.on_client(move |ctx| async move { api::agent_status(&ctx, &layout, 1, ms(1000)).await }).await;
        let paused = events.named("agent_paused").iter().map(|e| e.get("threshold").to_owned()).collect();
        let opened = events.named("task_breaker_opened").iter().map(|e| e.get("threshold").to_owned()).collect();
        world.cluster.halt().await;
        (state.expect("agent 1 answers").status, paused, opened)
    })
}

#[test]
fn magic_thresholds_ignore_the_configured_pause_and_breaker_thresholds() {
    let config = Config {
        max_error_threshold: 2,
        circuit_breaker_threshold: 1,
        breaker_reset: ms(500),
        agent_pause_cooldown: ms(3_600_000),
        ..Config::default()
    };
    let fine = thresholds_in_force(with(Flaw::MagicThresholds, false, config.clone()));
    // Each of the first two tasks opens its own downstream's breaker; the agent pauses
    // at 2 errors and hands the third task back, whose failure on agent 0 opens a third.
    assert_eq!(fine, (AgentState::Paused, vec!["2".to_owned()], vec!["1".to_owned(); 3]));
    let flawed = thresholds_in_force(with(Flaw::MagicThresholds, true, config));
    assert_eq!(flawed, (AgentState::Idle, vec![], vec![]), "paused at 10 and opened at 5, never reached");
}

/// The supervisor processes on `node`.
fn supervisors(world: &World, node: NodeId) -> BTreeSet<Pid> {
    tasks_support::supervisors(&world.cluster.tables()).into_iter().filter(|p| p.node == node).collect()
}

/// Kills agent 1 three times within 300 ms under an intensity of 1 restart in 10 s;
/// answers whether node 1's supervisors are the same processes afterwards.
fn agent_supervisor_survives_three_kills(config: Config) -> bool {
    sim(4, move |_| async move {
        let world = World::boot(config, 2, 2).await;
        let before = supervisors(&world, NodeId(1));
        for _ in 0..3 {
            world.cluster.kill(world.agent(1).expect("agent 1 is up"));
            wait_ms(100).await;
        }
        assert!(world.agent(1).is_some(), "the agent is back either way");
        let same = supervisors(&world, NodeId(1)) == before;
        world.cluster.halt().await;
        same
    })
}

#[test]
fn lenient_supervision_tolerates_more_restarts_than_configured() {
    let config = Config { max_restarts: 1, restart_window: ms(10_000), ..Config::default() };
    assert!(!agent_supervisor_survives_three_kills(with(Flaw::LenientSupervision, false, config.clone())));
    assert!(agent_supervisor_survives_three_kills(with(Flaw::LenientSupervision, true, config)));
}

/// Kills agent 1 while it runs a task; answers the task's status and whether agent 1
/// is registered again, and whether it is linked to a supervisor.
fn kill_running_agent(config: Config) -> (TaskStatus, bool, bool) {
    sim(5, move |_| async move {
        let world = World::boot(config, 2, 2).await;
        let agent = world.agent(1).expect("agent 1 is up");
        let tables = world.cluster.tables();
        let sups = tasks_support::supervisors(&tables);
        let supervised =
            tables.links.iter().any(|(a, b)| (*a == agent && sups.contains(b)) || (*b == agent && sups.contains(a)));
        let t = task(1, 1000, Behavior::Succeed);
        world.submit_all(vec![(ms(0), t.clone())]);
        wait_ms(500).await;
        world.cluster.kill(agent);
        let statuses = world.settle(&BTreeSet::from([t.id]), ms(20_000)).await;
        let answer = (statuses[&t.id].clone(), world.agent(1).is_some(), supervised);
        world.cluster.halt().await;
        answer
    })
}

#[test]
fn unsupervised_spawn_leaves_a_crashed_agent_dead_and_its_task_lost() {
    let fine = kill_running_agent(with(Flaw::UnsupervisedSpawn, false, Config::default()));
    assert_eq!(fine, (completed(1), true, true));
    let flawed = kill_running_agent(with(Flaw::UnsupervisedSpawn, true, Config::default()));
    assert_eq!(flawed, (TaskStatus::Running, false, false));
}

/// Starts two workflows, the first with a defect in step 1; answers both final
/// statuses (as the API reports them after 30 s).
fn two_workflows(config: Config) -> Vec<WorkflowStatus> {
    sim(6, move |_| async move {
        let world = World::boot(config, 2, 2).await;
        let statuses = world
            .on_client(|ctx| async move {
                let specs: Vec<WorkflowSpec> = (0..2)
                    .map(|w| WorkflowSpec {
                        id: WorkflowId(w),
                        steps: (0..3).map(|s| StepSpec { work: ms(200), defect: w == 0 && s == 1 }).collect(),
                    })
                    .collect();
                for spec in &specs {
                    while api::start_workflow(&ctx, spec.clone(), ms(1000)).await.is_err() {
                        ctx.sleep(ms(100)).await;
                    }
                }
                ctx.sleep(ms(30_000)).await;
                let mut statuses = Vec::new();
                for spec in &specs {
                    statuses.push(api::workflow_status(&ctx, spec.id, ms(1000)).await.expect("node 0 answers"));
                }
                statuses
            })
            .await;
        world.cluster.halt().await;
        statuses
    })
}

#[test]
fn god_coordinator_loses_every_workflow_when_one_step_crashes() {
    let fine = two_workflows(with(Flaw::GodCoordinator, false, Config::default()));
    assert_eq!(fine, vec![WorkflowStatus::Completed, WorkflowStatus::Completed]);
    let flawed = two_workflows(with(Flaw::GodCoordinator, true, Config::default()));
    assert_eq!(flawed, vec![WorkflowStatus::Unknown, WorkflowStatus::Unknown]);
}
