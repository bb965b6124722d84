%% Missing operation: {shutdown, Term} is an orderly exit: a transient child that
%% exits with it is not restarted; an abnormal exit is.
-module(shutdown_tuple_reason_does_not_restart_transient).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{}, [dt:srv(a, [], #{restart => transient}),
                                             dt:srv(b, [], #{restart => transient})]),
    [begin P = dt:pid(Id), gen_server:cast(P, {stop, R}), dt:down(P), dt:sync(Sup) end
     || {Id, R} <- [{a, {shutdown, done}}, {b, crashed}]],
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]).
