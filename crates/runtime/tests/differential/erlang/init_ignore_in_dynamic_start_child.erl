%% Missing operation: a dynamic supervisor's start_child of an ignoring child returns
%% {ok, undefined} and keeps nothing; gen_server start_link says ignore and the
%% process exits normal.
-module(init_ignore_in_dynamic_start_child).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    {ok, Sup} = dt_sup:start_link(sup, #{strategy => simple_one_for_one},
                                  [#{id => job, start => {dt_srv, start_link, []}}]),
    dt:log(start_child, supervisor:start_child(Sup, [a, [{init, ignore}]])),
    dt:log(count_children, supervisor:count_children(Sup)),
    dt:log(start_link, dt_srv:start_link(b, [{init, ignore}])),
    receive M -> dt:log(got, M) end.
