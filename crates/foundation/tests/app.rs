//! The production tree: what each node boots, and a configuration with every
//! threshold changed, showing that behaviour follows it.

mod tasks_support;

use std::collections::BTreeSet;

use otpsim_foundation::coordinator::TaskStatus;
use otpsim_foundation::protocol::AgentState;
use otpsim_foundation::task::{self, RETRIES_EXHAUSTED};
use otpsim_foundation::{
    agent, api, app, coordinator, manager, workflow, Behavior, Config, TaskId, TaskOutcome, TaskSpec, TaskType,
};
use otpsim_runtime::{NodeId, Pid};
use tasks_support::{ms, sim, supervisors, task, wait_ms, World};

#[test]
fn each_node_boots_its_share_of_agents_and_node_0_the_coordination_services() {
    sim(1, |_| async move {
        let world = World::boot(Config::default(), 3, 8).await;
        for i in 0..8 {
            let pid = world.agent(i).unwrap_or_else(|| panic!("agent {i} is registered"));
            assert_eq!(pid.node, NodeId(i % 3), "agent {i} runs on node i % 3");
        }
        for name in [coordinator::NAME, manager::NAME, workflow::SUPERVISOR_NAME] {
            assert!(world.cluster.whereis(app::PRIMARY, name).is_some(), "{name} runs on node 0");
            assert!(world.cluster.whereis(NodeId(1), name).is_none(), "{name} runs on node 0 only");
        }
        let tables = world.cluster.tables();
        let sups = supervisors(&tables);
        for row in tables.labelled(agent::LABEL) {
            let linked_to_sup = tables
                .links
                .iter()
                .any(|&(a, b)| (a == row.pid && sups.contains(&b)) || (b == row.pid && sups.contains(&a)));
            assert!(linked_to_sup, "agent {} is a supervisor's child", row.pid);
        }
        world.cluster.halt().await;
    });
}

#[test]
fn a_restarted_node_boots_its_part_again_with_the_agents_state() {
    sim(2, |_| async move {
        let world = World::boot(Config::default(), 2, 2).await;
        let tasks: Vec<_> = [1, 3].iter().map(|&id| task(id, 1000, Behavior::Succeed)).collect();
        world.submit_all(tasks.iter().map(|t| (ms(0), t.clone())).collect());
        wait_ms(500).await;
        let before = world.agent(1).expect("agent 1 is up");
        world.cluster.crash_node(NodeId(1));
        wait_ms(1000).await;
        world.cluster.restart_node(NodeId(1));
        wait_ms(50).await;
        let after = world.agent(1).expect("agent 1 is back");
        assert_ne!((before.incarnation, before.serial), (after.incarnation, after.serial));
        let ids = tasks.iter().map(|t| t.id).collect();
        let statuses = world.settle(&ids, ms(20_000)).await;
        for t in &tasks {
            assert_eq!(statuses[&t.id], TaskStatus::Completed(task::result_of(t.id)));
        }
        world.cluster.halt().await;
    });
}

/// Every threshold of the task path, changed from its default.
fn tuned() -> Config {
    let mut c = Config {
        max_error_threshold: 3,
        circuit_breaker_threshold: 2,
        breaker_reset: ms(3000),
        max_restarts: 1,
        restart_window: ms(10_000),
        agent_queue_capacity: 2,
        agent_pause_cooldown: ms(4000),
        ..Config::default()
    };
    c.retry.initial_backoff = ms(100);
    c.retry.multiplier = 3;
    c.retry.max_backoff = ms(1000);
    c.retry.give_up_after = ms(2000);
    assert_ne!(c, Config::default());
    c
}

#[test]
fn the_pause_threshold_and_cooldown_follow_the_config() {
    sim(3, |events| async move {
        let world = World::boot(tuned(), 2, 2).await;
        // Transient errors count towards the pause; a task's own invalid input does not.
        // Three task types, so no downstream's breaker (threshold 2) holds any back.
        let kinds = [TaskType::Analysis, TaskType::Validation, TaskType::Transformation];
        let mut tasks: Vec<_> = [1, 3, 5]
            .iter()
            .zip(kinds)
            .map(|(&id, kind)| TaskSpec { kind, ..task(id, 10, Behavior::FailTransiently { times: 1 }) })
            .collect();
        tasks.push(task(7, 10, Behavior::FailPermanently));
        world.submit_all(tasks.iter().map(|t| (ms(0), t.clone())).collect());
        world.settle(&tasks.iter().map(|t| t.id).collect(), ms(30_000)).await;
        wait_ms(5000).await;
        let paused = events.named("agent_paused");
        assert_eq!(paused.len(), 1);
        assert_eq!((paused[0].get("error_count"), paused[0].get("threshold")), ("3", "3"));
        let resumed = events.named("agent_resumed");
        assert_eq!(resumed.len(), 1, "the cooldown resumed it");
        let paused_for = resumed[0].at - paused[0].at;
        assert!(paused_for >= ms(4000) && paused_for < ms(4010), "paused for {paused_for:?}");
        let layout = world.spec.clone();
        let status =
            world.on_client(move |ctx| async move { api::agent_status(&ctx, &layout, 1, ms(1000)).await }).await;
        let status = status.expect("agent 1 answers");
        assert_eq!((status.status, status.error_count), (AgentState::Idle, 0));
        world.cluster.halt().await;
    });
}

#[test]
fn the_breaker_opens_at_the_threshold_and_holds_back_only_new_tasks_of_its_downstream() {
    sim(4, |events| async move {
        let world = World::boot(tuned(), 2, 2).await;
        // Attempts at about 0, 110, 420 and 1330 ms (backoffs 100, 300, 900 ms): the
        // second failure opens the breaker, the third re-opens it, the success closes it.
        let failing = task(1, 10, Behavior::FailTransiently { times: 3 });
        // Task 3 is routed to the same agent first, while its analysis breaker is open.
        let later = task(3, 10, Behavior::Succeed);
        let other_type = TaskSpec { kind: TaskType::Validation, ..task(5, 10, Behavior::Succeed) };
        world.submit_all(vec![(ms(0), failing.clone()), (ms(200), later.clone()), (ms(200), other_type.clone())]);
        let ids = BTreeSet::from([failing.id, later.id, other_type.id]);
        let statuses = world.settle(&ids, ms(30_000)).await;
        for t in [&failing, &later, &other_type] {
            assert_eq!(statuses[&t.id], TaskStatus::Completed(task::result_of(t.id)), "the breaker changes no outcome");
        }
        let opened = events.named("task_breaker_opened");
        assert_eq!(opened.len(), 2);
        assert_eq!((opened[0].get("failures"), opened[0].get("threshold")), ("2", "2"));
        assert_eq!(opened[0].get("downstream"), "analysis");
        let finished_at =
            |id: u64| events.named("task_finished").iter().find(|e| e.get("task") == id.to_string()).map(|e| e.at);
        let agent_of = |id: u64| {
            events
                .named("task_started")
                .iter()
                .find(|e| e.get("task") == id.to_string())
                .map(|e| e.get("agent").to_owned())
        };
        assert!(
            finished_at(1).expect("task 1 ran") - opened[0].at < ms(3000),
            "a started task's retries do not wait for the reset"
        );
        assert_ne!(agent_of(3), agent_of(1), "a new task of the open downstream went to the other agent");
        assert_eq!(agent_of(5), agent_of(1), "another downstream's task still ran on the same agent");
        world.cluster.halt().await;
    });
}

#[test]
fn the_retry_policy_follows_the_config() {
    sim(5, |_| async move {
        let config = tuned();
        let world = World::boot(config.clone(), 2, 2).await;
        // 10 ms work, backoffs 100, 300, 900, 1000 ms: a fourth failure would start
        // the next attempt after 2.34 s, past give_up_after.
        let fits = task(1, 10, Behavior::FailTransiently { times: 3 });
        let exhausts = task(3, 10, Behavior::FailTransiently { times: 4 });
        let by_default = task::true_outcome(&exhausts, &Config::default());
        assert_eq!(by_default, TaskOutcome::Completed(task::result_of(exhausts.id)), "the default budget fits it");
        world.submit_all(vec![(ms(0), fits.clone()), (ms(0), exhausts.clone())]);
        let statuses = world.settle(&BTreeSet::from([fits.id, exhausts.id]), ms(60_000)).await;
        assert_eq!(statuses[&fits.id], TaskStatus::Completed(task::result_of(fits.id)));
        assert_eq!(statuses[&exhausts.id], TaskStatus::Failed(RETRIES_EXHAUSTED.into()));
        world.cluster.halt().await;
    });
}

#[test]
fn the_restart_intensity_follows_the_config() {
    // Two agent crashes within 100 ms: one restart too many for an intensity of 1, so
    // node 1's agent supervisor gives up and its root starts a new one.
    for (config, replaced) in [(tuned(), true), (Config::default(), false)] {
        let changed = sim(6, |_| async move {
            let world = World::boot(config, 2, 2).await;
            let supervisors = |w: &World| -> BTreeSet<Pid> {
                supervisors(&w.cluster.tables()).into_iter().filter(|p| p.node == NodeId(1)).collect()
            };
            let before = supervisors(&world);
            for _ in 0..2 {
                world.cluster.kill(world.agent(1).expect("agent 1 is up"));
                wait_ms(100).await;
            }
            assert!(world.agent(1).is_some(), "agent 1 is back");
            let after = supervisors(&world);
            assert_eq!(after.len(), 2, "node 1 runs its root and its agent supervisor");
            world.cluster.halt().await;
            before != after
        });
        assert_eq!(changed, replaced);
    }
}

#[test]
fn the_queue_capacity_follows_the_config() {
    sim(7, |_| async move {
        let world = World::boot(tuned(), 2, 2).await;
        let tasks: Vec<_> = (0..6).map(|i| task(2 * i + 1, 300, Behavior::Succeed)).collect();
        world.submit_all(tasks.iter().map(|t| (ms(0), t.clone())).collect());
        let layout = world.spec.clone();
        let longest = world
            .on_client(move |ctx| async move {
                let mut longest = 0;
                for _ in 0..40 {
                    if let Ok(s) = api::agent_status(&ctx, &layout, 1, ms(500)).await {
                        longest = longest.max(s.queue_len);
                    }
                    ctx.sleep(ms(50)).await;
                }
                longest
            })
            .await;
        assert_eq!(longest, 2, "agent 1 held at most agent_queue_capacity tasks");
        let ids: BTreeSet<TaskId> = tasks.iter().map(|t| t.id).collect();
        let statuses = world.settle(&ids, ms(60_000)).await;
        assert!(statuses.values().all(|s| matches!(s, TaskStatus::Completed(_))), "{statuses:?}");
        world.cluster.halt().await;
    });
}
