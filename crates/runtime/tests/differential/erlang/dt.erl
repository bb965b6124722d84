%% The BEAM side of the differential suite: runs one scenario module and prints its
%% canonical trace, one line per observation. Terms print as ~w prints them, pids by
%% the role the scenario gave them, references as r1, r2, ... in the order the
%% scenario named them. trace.rs is the Rust twin; the two must print alike.
-module(dt).
-export([main/1, name/2, pid/1, ref/1, log/1, log/2, fmt/1, call/3, srv/2, srv/3, stubborn/1, mailbox/0, down/1, sync/1, dead/0]).

main([Mod]) ->
    logger:set_primary_config(level, none),
    ets:new(dt_names, [named_table, public, set]),
    ets:new(dt_log, [named_table, public, ordered_set]),
    ets:insert(dt_names, [{'$line', 0}, {'$ref', 0}]),
    {Pid, Mon} = spawn_monitor(fun() -> name(self(), main), Mod:run() end),
    %% What the scenario's exit sets off (a linked supervisor stopping) is logged
    %% before its end.
    receive {'DOWN', Mon, process, Pid, Reason} -> timer:sleep(100), log("end " ++ fmt(Reason)) end,
    [io:format("~s~n", [Line]) || {_, Line} <- ets:tab2list(dt_log)],
    ok.

%% Names a pid by its role; a later pid may take the same role (a restart).
name(Pid, Role) ->
    ets:insert(dt_names, [{Pid, Role}, {{role, Role}, Pid}]),
    Pid.

pid(Role) -> ets:lookup_element(dt_names, {role, Role}, 2).

ref(Ref) ->
    N = ets:update_counter(dt_names, '$ref', 1),
    ets:insert(dt_names, {Ref, list_to_atom("r" ++ integer_to_list(N))}),
    Ref.

log(Line) when is_atom(Line) -> log(atom_to_list(Line));
log(Line) ->
    N = ets:update_counter(dt_names, '$line', 1),
    ets:insert(dt_log, {N, lists:flatten(Line)}),
    ok.

log(Label, Term) -> log(atom_to_list(Label) ++ " " ++ fmt(Term)).

fmt(Term) -> lists:flatten(io_lib:format("~w", [subst(Term)])).

subst(P) when is_pid(P); is_reference(P) ->
    case ets:lookup(dt_names, P) of
        [{_, Name}] -> Name;
        [] when is_pid(P) -> pid;
        [] -> ref
    end;
subst(T) when is_tuple(T) -> list_to_tuple(subst(tuple_to_list(T)));
subst(L) when is_list(L) -> [subst(X) || X <- L];
subst(X) -> X.

%% gen_server:call, its failure shown as {exit, Reason, Server}.
call(Server, Request, Timeout) ->
    try gen_server:call(Server, Request, Timeout)
    catch exit:{Reason, {gen_server, call, [S | _]}} -> {exit, Reason, S}
    end.

%% A child spec of a dt_srv gen-server named Id.
srv(Id, Opts) -> srv(Id, Opts, #{}).
srv(Id, Opts, Extra) -> maps:merge(#{id => Id, start => {dt_srv, start_link, [Id, Opts]}}, Extra).

%% A supervisor child that traps exits and ignores them: only a kill stops it.
stubborn(Id) ->
    {ok, spawn_link(fun() -> process_flag(trap_exit, true), name(self(), Id), stubborn_loop(Id) end)}.

stubborn_loop(Id) ->
    receive M -> log(atom_to_list(Id) ++ " ignores " ++ fmt(M)), stubborn_loop(Id) end.

%% Waits until Pid is gone (a monitor the trace does not name).
down(Pid) ->
    M = monitor(process, Pid),
    receive {'DOWN', M, process, _, _} -> ok end.

%% A call the supervisor answers only after the signals it already has: after
%% down/1 of a child, the supervisor has handled that child's exit.
sync(Sup) -> _ = supervisor:count_children(Sup), ok.

%% A pid that is certainly dead.
dead() ->
    {P, M} = spawn_monitor(fun() -> ok end),
    receive {'DOWN', M, process, _, _} -> P end.

%% The message queue's length.
mailbox() -> element(2, process_info(self(), message_queue_len)).
