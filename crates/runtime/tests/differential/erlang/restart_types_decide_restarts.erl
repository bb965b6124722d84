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
    [begin P = dt:pid(Id), gen_server:cast(P, {stop, R}), dt:down(P), dt:sync(Sup) end
     || {Id, R} <- [{p, normal}, {t, normal}, {n, failed}, {x, failed}]],
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]).
