%% Supervisors: permanent children are always restarted, transient ones only after
%% an abnormal exit, temporary ones never (and are forgotten).
-module(restart_types_decide_restarts).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{intensity => 10},
                                  [dt:srv(p, [], #{restart => permanent}),
                                   dt:srv(t, [], #{restart => transient}),
                                   dt:srv(n, [], #{restart => transient}),
                                   dt:srv(x, [], #{restart => temporary})]),
    gen_server:cast(dt:pid(p), {stop, normal}),
    timer:sleep(10),
    gen_server:cast(dt:pid(t), {stop, normal}),
    timer:sleep(10),
    gen_server:cast(dt:pid(n), {stop, failed}),
    timer:sleep(10),
    gen_server:cast(dt:pid(x), {stop, failed}),
    timer:sleep(10),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]),
    unlink(Sup),
    exit(Sup, kill).
