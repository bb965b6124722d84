%% Missing operation: a simple_one_for_one supervisor answers id-based calls with
%% simple_one_for_one, and terminate_child of a live stranger with not_found.
-module(dynamic_supervisor_answers_id_calls).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{strategy => simple_one_for_one},
                                  [#{id => job, start => {dt_srv, start_link, []}}]),
    {ok, A} = supervisor:start_child(Sup, [a, []]),
    dt:log(terminate_child, supervisor:terminate_child(Sup, job)),
    dt:log(restart_child, supervisor:restart_child(Sup, job)),
    dt:log(delete_child, supervisor:delete_child(Sup, job)),
    dt:log(terminate_child, supervisor:terminate_child(Sup, self())),
    dt:log(start_child, supervisor:start_child(Sup, [b, [{init, {stop, boom}}]])),
    dt:log(terminate_child, supervisor:terminate_child(Sup, A)),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]).
