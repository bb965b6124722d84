%% Missing operation: init returning ignore. A static supervisor keeps the child with
%% no pid; restart_child starts it later; start_child of an ignoring child is
%% {ok, undefined}.
-module(init_ignore_keeps_static_child_without_pid).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{}, [dt:srv(a, [{init, {ignore_unless, go}}]), dt:srv(b, [])]),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]),
    dt:log(start_child, supervisor:start_child(Sup, dt:srv(c, [{init, ignore}]))),
    dt:log(start_child, supervisor:start_child(Sup, dt:srv(c, []))),
    ets:insert(dt_names, {go}),
    dt:log(restart_child, supervisor:restart_child(Sup, a)),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]).
