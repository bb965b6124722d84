%% Missing operation: a child whose init says ignore at its restart stays stopped.
-module(init_ignore_at_restart_leaves_child_stopped).
-export([run/0]).

run() ->
    ets:insert(dt_names, {go}),
    {ok, Sup} = dt_sup:start_link(sup, #{}, [dt:srv(a, [{init, {ignore_unless, go}}])]),
    ets:delete(dt_names, go),
    A = dt:pid(a),
    exit(A, kill),
    dt:down(A),
    dt:sync(Sup),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]).
