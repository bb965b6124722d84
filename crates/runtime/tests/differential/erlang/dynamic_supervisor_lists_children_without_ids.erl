%% Divergence 6: a simple_one_for_one supervisor's which_children ids are undefined,
%% and count_children counts one spec.
-module(dynamic_supervisor_lists_children_without_ids).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{strategy => simple_one_for_one},
                                  [#{id => job, start => {dt_srv, start_link, []}}]),
    dt:log(count_children, supervisor:count_children(Sup)),
    {ok, _} = supervisor:start_child(Sup, [a, []]),
    {ok, _} = supervisor:start_child(Sup, [b, []]),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]),
    dt:log(count_children, supervisor:count_children(Sup)).
