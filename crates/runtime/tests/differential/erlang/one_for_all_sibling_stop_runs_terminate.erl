%% Divergence 1: one_for_all stops trapping siblings with terminate(shutdown), youngest
%% first, then restarts all in start order.
-module(one_for_all_sibling_stop_runs_terminate).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{strategy => one_for_all},
                                [dt:srv(a, [trap]), dt:srv(b, [trap]), dt:srv(c, [trap])]),
    B = dt:pid(b),
    exit(B, kill),
    dt:down(B),
    dt:sync(Sup),
    dt:log("done").
