%% Shutdown: brutal_kill kills the child at once; its terminate never runs.
-module(brutal_kill_skips_terminate).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{}, [dt:srv(a, [trap], #{shutdown => brutal_kill})]),
    dt:ref(monitor(process, dt:pid(a))),
    dt:log(terminate_child, supervisor:terminate_child(Sup, a)),
    receive D -> dt:log(got, D) end.
