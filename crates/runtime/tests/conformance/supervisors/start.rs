//! Conformance: how supervisors start (spec checks, failing children, names, boot,
//! the trace of a start) and what `count_children` counts.

use super::*;
use otpsim_runtime::gen_server::GenServer;
use otpsim_runtime::supervisor::{SupervisorError, SupervisorOpts};

/// A gen-server that answers nothing; only its init matters here.
struct Inert;

impl GenServer for Inert {
    type Call = ();
    type Reply = ();
    type Cast = ();

    async fn handle_call(&mut self, _ctx: &Ctx, _request: (), _from: ReplyTo) -> CallOutcome<()> {
        CallOutcome::Reply(())
    }
}

#[test]
fn duplicate_child_ids_are_rejected() {
    sim(14, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let dup = || {
            spec(
                Strategy::OneForOne,
                Intensity::default(),
                vec![worker("a", &seen), worker("b", &seen), worker("a", &seen)],
            )
        };
        let err = supervisor::spawn_root(&cluster, n, dup()).unwrap_err();
        assert_eq!(err, SupervisorError::DuplicateChildId("a".into()));
        assert!(err.to_string().contains("duplicate child id \"a\""), "{err}");
        let linked = dup();
        let err = probe(&cluster, n, move |ctx| async move { supervisor::start_link(&ctx, n, linked).await }).await;
        assert_eq!(err, Err(SupervisorError::DuplicateChildId("a".into())));
        settle().await;
        assert!(seen.items().is_empty(), "nothing was started");
        assert!(cluster.tables().processes.is_empty(), "nothing was spawned");
        // A running supervisor refuses a new spec with an id it holds.
        let sup = supervisor::spawn_root(
            &cluster,
            n,
            spec(Strategy::OneForOne, Intensity::default(), vec![worker("a", &seen)]),
        )
        .unwrap();
        settle().await;
        let again = worker("a", &seen);
        let err = probe(&cluster, n, move |ctx| async move { supervisor::start_child(&ctx, sup, again).await }).await;
        assert_eq!(err, Err(SupervisorError::AlreadyStarted("a".into(), current(&seen, "a"))));
        assert_eq!(starts(&seen, "a").len(), 1);
    });
}

#[test]
fn child_init_failure_fails_supervisor_start() {
    sim(15, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let failing = ChildSpec::gen_server("b", |_ctx| Err::<Inert, _>(Reason::error("no database")));
        let children = vec![worker("a", &seen), failing, worker("c", &seen)];
        let sup_spec = spec(Strategy::OneForOne, Intensity::default(), children);
        let started = probe(&cluster, n, move |ctx| async move {
            ctx.trap_exit(true);
            let result = supervisor::start_link(&ctx, n, sup_spec).await;
            // As in OTP 25, the supervisor exits still linked: its EXIT follows the answer.
            let exit = match ctx.try_recv() {
                Some(Message::Exit { reason, .. }) => Some(reason),
                _ => None,
            };
            (result, exit)
        })
        .await;
        let expected = SupervisorError::StartFailed { id: "b".into(), reason: Reason::error("no database") };
        let exit = Reason::shutdown_with("{failed_to_start_child,b,no database}");
        assert_eq!(started, (Err(expected), Some(exit)));
        settle().await;
        // `a` was started, then stopped again; `c` never started.
        assert_eq!(
            seen.items(),
            vec![Seen::Start("a".into(), current(&seen, "a")), Seen::Stop("a".into(), current(&seen, "a"))]
        );
        assert!(cluster.tables().processes.is_empty());
    });
}

#[test]
fn supervisor_started_from_a_boot_function_restarts_with_its_node() {
    sim(24, |cluster| async move {
        let seen = Log::new();
        let log = seen.clone();
        let node = cluster.add_node("n0", move |cluster, node| {
            let specs = vec![worker("w", &log)];
            async move {
                supervisor::spawn_root(&cluster, node, spec(Strategy::OneForOne, Intensity::default(), specs)).unwrap();
            }
        });
        settle().await;
        let first = current(&seen, "w");
        cluster.restart_node(node);
        settle().await;
        let second = current(&seen, "w");
        assert_ne!(second, first);
        assert_eq!(second.incarnation, first.incarnation + 1);
        assert!(cluster.tables().labelled("supervisor").count() == 1);
    });
}

#[test]
fn supervisor_registers_its_name_and_a_taken_name_fails_its_start() {
    sim(25, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let opts = SupervisorOpts::named("tree").labelled("tree_sup");
        let first = spec(Strategy::OneForOne, Intensity::default(), vec![worker("a", &seen)]);
        let sup = supervisor::spawn_root_opts(&cluster, n, opts.clone(), first).unwrap();
        settle().await;
        assert_eq!(cluster.whereis(n, "tree"), Some(sup));
        assert_eq!(cluster.tables().process(sup).and_then(|p| p.label.clone()), Some("tree_sup".into()));
        let by_name =
            probe(&cluster, n, move |ctx| async move { supervisor::which_children(&ctx, (n, "tree")).await }).await;
        assert_eq!(by_name.map(|c| c.len()), Ok(1));
        let second = spec(Strategy::OneForOne, Intensity::default(), vec![worker("b", &seen)]);
        let refused = probe(&cluster, n, move |ctx| async move {
            // The failed supervisor exits linked to its starter: trap, to live on.
            ctx.trap_exit(true);
            supervisor::start_link_opts(&ctx, n, opts, second).await
        })
        .await;
        assert_eq!(refused, Err(SupervisorError::Register { name: "tree".into(), error: RegisterError::Taken(sup) }));
        settle().await;
        assert!(starts(&seen, "b").is_empty(), "no child starts under a supervisor that could not register");
    });
}

#[test]
fn count_children_counts_supervisor_children_apart_from_workers() {
    sim(29, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let inner = spec(Strategy::OneForOne, Intensity::default(), vec![worker("w", &seen)]);
        let children = vec![ChildSpec::supervisor("inner", inner), worker("a", &seen)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let counts = probe(&cluster, n, move |ctx| async move { supervisor::count_children(&ctx, sup).await }).await;
        let counts = counts.unwrap();
        // OTP 25: [{specs,2},{active,2},{supervisors,1},{workers,1}].
        assert_eq!((counts.specs, counts.active, counts.supervisors, counts.workers), (2, 2, 1, 1));
    });
}

#[test]
fn supervisor_start_is_traced_with_its_strategy_and_intensity() {
    let strategies = [
        (Strategy::OneForOne, "one_for_one"),
        (Strategy::OneForAll, "one_for_all"),
        (Strategy::RestForOne, "rest_for_one"),
    ];
    for (strategy, name) in strategies {
        let (_, recorder) = traced(30, move |cluster| async move {
            let n = bare_nodes(&cluster, 1)[0];
            supervisor::spawn_root(&cluster, n, spec(strategy, intensity(3, 5000), vec![])).unwrap();
            settle().await;
        });
        let started = recorder.named(event::kind::SUPERVISOR_START);
        let fields: Vec<_> =
            started.iter().map(|e| (e.get("strategy"), e.get("max_restarts"), e.get("within_ms"))).collect();
        assert_eq!(fields, vec![(name, "3", "5000")]);
    }
}

#[test]
fn a_restart_is_traced_with_the_pid_it_replaces_and_the_new_one() {
    let ((old, new), recorder) = traced(31, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), vec![worker("a", &seen)]))
            .unwrap();
        settle().await;
        let old = current(&seen, "a");
        post(&cluster, n, old, Cmd::Crash);
        settle().await;
        (old, current(&seen, "a"))
    });
    let restarts = recorder.named(event::kind::CHILD_RESTART);
    let fields: Vec<_> = restarts.iter().map(|e| (e.get("child"), e.get("old_pid"), e.get("new_pid"))).collect();
    assert_eq!(fields, vec![("a", old.to_string().as_str(), new.to_string().as_str())]);
}

#[test]
fn a_child_spec_debugs_as_its_id_restart_shutdown_and_kind() {
    // A spec has a start function, which prints as nothing; the rest shows in a failed
    // assertion or a log line.
    let seen = Log::new();
    let shown = format!("{:?}", worker("a", &seen).restart(Restart::Transient));
    assert!(shown.starts_with("ChildSpec { id: \"a\", restart: Transient, shutdown: "), "{shown}");
    assert!(shown.contains("kind: Worker") && shown.ends_with(", .. }"), "{shown}");
}

#[test]
fn a_root_supervisor_is_traced_as_started_by_no_one() {
    // Checkers read `root_start` to tell a tree's root from an orphan.
    let (root, recorder) = traced(32, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let root = supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), vec![]));
        settle().await;
        root.unwrap()
    });
    let roots: Vec<String> = recorder.named(event::kind::ROOT_START).iter().map(|e| e.get("pid").to_owned()).collect();
    assert_eq!(roots, vec![root.to_string()]);
}

#[test]
fn each_child_start_is_traced_with_its_supervisor_id_and_pid() {
    // Checkers name a pid's role by the `child_start` that started it.
    let ((sup, a, b), recorder) = traced(33, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen), worker("b", &seen)];
        let sup = supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children));
        settle().await;
        (sup.unwrap(), current(&seen, "a"), current(&seen, "b"))
    });
    let starts: Vec<(String, String, String)> = recorder
        .named(event::kind::CHILD_START)
        .iter()
        .map(|e| (e.get("supervisor").to_owned(), e.get("child").to_owned(), e.get("pid").to_owned()))
        .collect();
    let expected = [(sup, "a", a), (sup, "b", b)].map(|(s, c, p)| (s.to_string(), c.to_owned(), p.to_string()));
    assert_eq!(starts, expected);
}

#[test]
fn a_child_that_fails_to_start_is_traced_with_its_reason() {
    let (_, recorder) = traced(34, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let failing = ChildSpec::gen_server("b", |_ctx| Err::<Inert, _>(Reason::error("no database")));
        let _ = supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), vec![failing]));
        settle().await;
    });
    let failed: Vec<(String, String)> = recorder
        .named(event::kind::CHILD_START_FAILED)
        .iter()
        .map(|e| (e.get("child").to_owned(), e.get("reason").to_owned()))
        .collect();
    assert_eq!(failed, [("b".to_owned(), Reason::error("no database").to_string())]);
}

#[test]
fn a_child_exit_is_traced_with_its_reason_and_whether_it_is_restarted() {
    // Checkers tell a restart the supervisor chose from an exit it let stand by this event.
    let ((kept, dropped), recorder) = traced(33, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("kept", &seen), worker("dropped", &seen).restart(Restart::Temporary)];
        supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let (kept, dropped) = (current(&seen, "kept"), current(&seen, "dropped"));
        post(&cluster, n, kept, Cmd::Crash);
        settle().await;
        post(&cluster, n, dropped, Cmd::ExitNormally);
        settle().await;
        (kept, dropped)
    });
    let exits = recorder.named(event::kind::CHILD_EXIT);
    let fields: Vec<_> =
        exits.iter().map(|e| (e.get("child"), e.get("pid"), e.get("reason"), e.get("restart"))).collect();
    let crash = Reason::error("crash").to_string();
    let (kept, dropped) = (kept.to_string(), dropped.to_string());
    assert_eq!(
        fields,
        vec![("kept", kept.as_str(), crash.as_str(), "true"), ("dropped", dropped.as_str(), "normal", "false")]
    );
}

#[test]
fn each_restart_is_traced_as_counted_against_the_intensity() {
    // Checkers judge each supervisor's restarts against its limits from this event
    // (limits other than the default, so the event shows the supervisor's own).
    let (_, recorder) = traced(34, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen)];
        supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(4, 7000), children)).unwrap();
        settle().await;
        for _ in 0..2 {
            post(&cluster, n, current(&seen, "a"), Cmd::Crash);
            settle().await;
        }
    });
    let counted = recorder.named(event::kind::RESTART_COUNTED);
    let fields: Vec<_> = counted
        .iter()
        .map(|e| (e.get("child"), e.get("restarts"), e.get("max_restarts"), e.get("within_ms")))
        .collect();
    assert_eq!(fields, vec![("a", "1", "4", "7000"), ("a", "2", "4", "7000")]);
}

#[test]
fn a_supervisor_that_gives_up_is_traced_shutting_down_with_its_reason() {
    // Checkers tell a supervisor's own end from its children's by this event.
    let (sup, recorder) = traced(35, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen)];
        let sup = supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(0, 5000), children)).unwrap();
        settle().await;
        post(&cluster, n, current(&seen, "a"), Cmd::Crash);
        settle().await;
        assert!(!cluster.is_alive(sup));
        sup
    });
    let shutdowns = recorder.named(event::kind::SUPERVISOR_SHUTDOWN);
    let fields: Vec<_> = shutdowns.iter().map(|e| (e.get("supervisor"), e.get("reason"))).collect();
    let (sup, reason) = (sup.to_string(), Reason::Shutdown.to_string());
    assert_eq!(fields, vec![(sup.as_str(), reason.as_str())]);
}
