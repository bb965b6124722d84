%% Missing operation: a static supervisor's id-based calls and their error atoms.
-module(static_supervisor_id_calls).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{}, [dt:srv(a, []), dt:srv(b, [], #{restart => temporary})]),
    dt:log(start_child, supervisor:start_child(Sup, dt:srv(a, []))),
    dt:log(restart_child, supervisor:restart_child(Sup, a)),
    dt:log(delete_child, supervisor:delete_child(Sup, a)),
    dt:log(terminate_child, supervisor:terminate_child(Sup, a)),
    dt:log(terminate_child, supervisor:terminate_child(Sup, a)),
    dt:log(start_child, supervisor:start_child(Sup, dt:srv(a, []))),
    dt:log(terminate_child, supervisor:terminate_child(Sup, b)),
    dt:log(restart_child, supervisor:restart_child(Sup, b)),
    dt:log(terminate_child, supervisor:terminate_child(Sup, nope)),
    dt:log(restart_child, supervisor:restart_child(Sup, a)),
    dt:log(terminate_child, supervisor:terminate_child(Sup, a)),
    dt:log(delete_child, supervisor:delete_child(Sup, a)),
    dt:log(delete_child, supervisor:delete_child(Sup, a)),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]).
