%% Divergence 6: a simple_one_for_one supervisor's terminate_child of a child that
%% is already dead (and was temporary, so forgotten).
-module(dynamic_supervisor_terminate_child_of_dead_pid).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{strategy => simple_one_for_one},
                                  [#{id => job, start => {dt_srv, start_link, []}, restart => temporary}]),
    {ok, A} = supervisor:start_child(Sup, [a, []]),
    exit(A, kill),
    dt:down(A),
    dt:sync(Sup),
    dt:log(terminate_child, supervisor:terminate_child(Sup, A)),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]).
