%% Supervisors: one_for_one restarts only the child that exited.
-module(one_for_one_restarts_only_the_failed_child).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{strategy => one_for_one}, [dt:srv(a, [trap]), dt:srv(b, [trap]), dt:srv(c, [trap])]),
    B = dt:pid(b),
    exit(B, kill),
    dt:down(B),
    dt:sync(Sup),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]).
