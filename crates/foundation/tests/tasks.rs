//! The task path end to end: submit -> assign -> execute -> record, with the
//! production tree on a simulated cluster.

mod tasks_support;

use std::collections::BTreeSet;

use otpsim_foundation::task::{self, CRASHED};
use otpsim_foundation::{Behavior, Config, TaskId, TaskOutcome, TaskType};
use tasks_support::{ms, sim, task, wrong_outcomes, World};

#[test]
fn every_acknowledged_task_ends_with_its_true_outcome_without_faults() {
    sim(1, |events| async move {
        let world = World::boot(Config::default(), 3, 4).await;
        let mut tasks = vec![
            task(1, 20, Behavior::Succeed),
            task(2, 20, Behavior::FailTransiently { times: 2 }),
            task(3, 20, Behavior::FailTransiently { times: 9 }),
            task(4, 20, Behavior::FailPermanently),
            task(5, 20, Behavior::Defect),
        ];
        let mut other = task(6, 20, Behavior::Succeed);
        other.kind = TaskType::Other("teleport".into());
        tasks.push(other);
        let acked = world.submit_all(tasks.iter().map(|t| (ms(0), t.clone())).collect());
        let ids: BTreeSet<TaskId> = tasks.iter().map(|t| t.id).collect();
        let statuses = world.settle(&ids, ms(120_000)).await;
        let acked = acked.lock().unwrap().clone();
        assert_eq!(acked, ids);
        assert_eq!(wrong_outcomes(&tasks, &acked, &statuses, &world.spec.config), Vec::<String>::new());
        assert_eq!(events.conflicting_completions(), Vec::<String>::new());
        assert_eq!(events.named("defect").len(), 1);
        world.cluster.halt().await;
    });
}

#[test]
fn a_defect_crashes_its_agent_which_restarts_and_fails_the_task_as_crashed() {
    sim(2, |events| async move {
        let world = World::boot(Config::default(), 2, 1).await;
        let before = world.agent(0).expect("agent 0 is up");
        let tasks = [task(1, 20, Behavior::Defect), task(2, 20, Behavior::Succeed)];
        world.submit_all(tasks.iter().map(|t| (ms(0), t.clone())).collect());
        let statuses = world.settle(&tasks.iter().map(|t| t.id).collect(), ms(30_000)).await;
        assert_eq!(statuses[&TaskId(1)].outcome(), Some(TaskOutcome::Failed(CRASHED.into())));
        assert_eq!(statuses[&TaskId(2)].outcome(), Some(TaskOutcome::Completed(task::result_of(TaskId(2)))));
        let after = world.agent(0).expect("agent 0 was restarted");
        assert_ne!(before, after, "the defect must crash the agent");
        assert_eq!(events.named("defect").len(), 1, "the defect ran once, not again after the restart");
        world.cluster.halt().await;
    });
}

/// What the crash sweep kills.
#[derive(Clone, Copy, Debug)]
enum Victim {
    /// The agent the tasks go to.
    Agent,
    /// The coordinator.
    Coordinator,
    /// The coordination manager.
    Manager,
    /// The agent's node (restarted 300 ms later).
    AgentNode,
    /// Node 0 (restarted 300 ms later).
    PrimaryNode,
}

/// Submits three tasks (a success, a transient failure, a defect) that all go to agent
/// 1 on node 1, kills `victim` `offset_us` after the first submit, and checks that
/// every task still ends with its true outcome, recorded once. A 10 ms backoff keeps
/// the whole path within the swept 130 ms.
fn crash_at(victim: Victim, offset_us: u64) {
    sim(offset_us, move |events| async move {
        let mut config = Config::default();
        config.retry.initial_backoff = ms(10);
        let world = World::boot(config, 2, 2).await;
        world
            .cluster
            .set_message_faults(otpsim_runtime::MessageFaults { delay: Some((ms(1), ms(3))), ..Default::default() });
        let tasks = vec![
            task(1, 20, Behavior::Succeed),
            task(3, 20, Behavior::FailTransiently { times: 1 }),
            task(5, 20, Behavior::Defect),
        ];
        let acked = world.submit_all(tasks.iter().map(|t| (ms(0), t.clone())).collect());
        madsim::time::sleep(std::time::Duration::from_micros(offset_us)).await;
        match victim {
            Victim::Agent => world.agent(1).into_iter().for_each(|p| world.cluster.kill(p)),
            Victim::Coordinator => world.coordinator().into_iter().for_each(|p| world.cluster.kill(p)),
            Victim::Manager => world
                .cluster
                .whereis(otpsim_foundation::app::PRIMARY, otpsim_foundation::manager::NAME)
                .into_iter()
                .for_each(|p| world.cluster.kill(p)),
            Victim::AgentNode | Victim::PrimaryNode => {
                let node = otpsim_runtime::NodeId(if matches!(victim, Victim::AgentNode) { 1 } else { 0 });
                world.cluster.crash_node(node);
                tasks_support::wait_ms(300).await;
                world.cluster.restart_node(node);
            }
        }
        let ids: BTreeSet<TaskId> = tasks.iter().map(|t| t.id).collect();
        let statuses = world.settle(&ids, ms(60_000)).await;
        let acked = acked.lock().unwrap().clone();
        assert_eq!(acked, ids, "{victim:?} at {offset_us} us: every submit is acked eventually");
        let wrong = wrong_outcomes(&tasks, &acked, &statuses, &world.spec.config);
        assert!(wrong.is_empty(), "{victim:?} at {offset_us} us: {wrong:?}");
        let conflicts = events.conflicting_completions();
        assert!(conflicts.is_empty(), "{victim:?} at {offset_us} us: {conflicts:?}");
        world.cluster.halt().await;
    });
}

/// Sweeps the kill time over the whole submit -> assign -> complete path in 250 us
/// steps, so it lands between every pair of steps.
fn sweep(victim: Victim) {
    for offset_us in (0..130_000).step_by(250) {
        crash_at(victim, offset_us);
    }
}

#[test]
fn killing_the_agent_between_any_two_steps_loses_no_task() {
    sweep(Victim::Agent);
}

#[test]
fn killing_the_coordinator_between_any_two_steps_loses_no_task() {
    sweep(Victim::Coordinator);
}

#[test]
fn killing_the_manager_between_any_two_steps_loses_no_task() {
    sweep(Victim::Manager);
}

#[test]
fn crashing_the_agents_node_between_any_two_steps_loses_no_task() {
    sweep(Victim::AgentNode);
}

#[test]
fn crashing_the_primary_node_between_any_two_steps_loses_no_task() {
    sweep(Victim::PrimaryNode);
}

#[test]
fn submitting_a_known_task_again_changes_nothing() {
    sim(3, |events| async move {
        let world = World::boot(Config::default(), 2, 2).await;
        let first = task(1, 20, Behavior::Succeed);
        let mut impostor = first.clone();
        impostor.behavior = Behavior::FailPermanently;
        let again = first.clone();
        world
            .on_client(move |ctx| async move {
                tasks_support::submit_until_acked(&ctx, first).await;
                tasks_support::submit_until_acked(&ctx, again).await;
                tasks_support::submit_until_acked(&ctx, impostor).await;
            })
            .await;
        let statuses = world.settle(&BTreeSet::from([TaskId(1)]), ms(10_000)).await;
        assert_eq!(statuses[&TaskId(1)].outcome(), Some(TaskOutcome::Completed(task::result_of(TaskId(1)))));
        assert_eq!(events.named("task_accepted").len(), 1);
        assert_eq!(events.named("task_started").len(), 1);
        assert_eq!(events.named("task_recorded").len(), 1);
        world.cluster.halt().await;
    });
}

#[test]
fn a_paused_agent_hands_back_its_queue_rejects_new_tasks_and_resumes_on_request() {
    sim(4, |events| async move {
        let config = Config { max_error_threshold: 1, agent_pause_cooldown: ms(3_600_000), ..Config::default() };
        let world = World::boot(config, 1, 1).await;
        // Task 1's transient error pauses the agent while task 2 waits in its queue;
        // task 3 comes later.
        let tasks = vec![
            task(1, 20, Behavior::FailTransiently { times: 1 }),
            task(2, 20, Behavior::Succeed),
            task(3, 20, Behavior::Succeed),
        ];
        world.submit_all(vec![(ms(0), tasks[0].clone()), (ms(5), tasks[1].clone()), (ms(500), tasks[2].clone())]);
        tasks_support::wait_ms(3000).await;
        let layout = world.spec.clone();
        let (paused, kept, rejected) = world
            .on_client(move |ctx| async move {
                let paused = otpsim_foundation::api::agent_status(&ctx, &layout, 0, ms(1000)).await;
                let kept = otpsim_foundation::api::status(&ctx, TaskId(2), ms(1000)).await;
                let rejected = otpsim_foundation::api::status(&ctx, TaskId(3), ms(1000)).await;
                (paused, kept, rejected)
            })
            .await;
        let paused = paused.expect("agent 0 answers");
        let want = (otpsim_foundation::protocol::AgentState::Paused, 1, 0);
        assert_eq!((paused.status, paused.error_count, paused.queue_len), want, "paused, task 2 handed back");
        let queued = otpsim_foundation::coordinator::TaskStatus::Queued;
        assert_eq!(kept.expect("the coordinator answers"), queued, "the coordinator owns task 2 again");
        assert_eq!(events.named("task_released").len(), 1);
        assert_eq!(rejected.expect("the coordinator answers"), otpsim_foundation::coordinator::TaskStatus::Queued);
        let layout = world.spec.clone();
        let resumed = world
            .on_client(move |ctx| async move { otpsim_foundation::api::resume_agent(&ctx, &layout, 0, ms(1000)).await })
            .await;
        let resumed = resumed.expect("agent 0 answers");
        assert_eq!((resumed.status, resumed.error_count), (otpsim_foundation::protocol::AgentState::Idle, 0));
        let statuses = world.settle(&tasks.iter().map(|t| t.id).collect(), ms(60_000)).await;
        assert_eq!(
            wrong_outcomes(&tasks, &tasks.iter().map(|t| t.id).collect(), &statuses, &world.spec.config),
            Vec::<String>::new()
        );
        assert_eq!(events.named("agent_resumed").len(), 1);
        world.cluster.halt().await;
    });
}
