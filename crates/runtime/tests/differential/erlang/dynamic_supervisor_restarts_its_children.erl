%% Dynamic supervisors: a permanent child is restarted with the same arguments, a
%% temporary one is forgotten; intensity still applies.
-module(dynamic_supervisor_restarts_its_children).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{strategy => simple_one_for_one, intensity => 1, period => 5},
                                  [#{id => job, start => {dt_srv, start_link, []}}]),
    {ok, _} = supervisor:start_child(Sup, [a, []]),
    A = dt:pid(a),
    exit(A, kill),
    dt:down(A),
    dt:sync(Sup),
    dt:log(which_children, [{Id, P, T} || {Id, P, T, _} <- supervisor:which_children(Sup)]),
    unlink(Sup),
    dt:ref(monitor(process, Sup)),
    exit(dt:pid(a), kill),
    receive D -> dt:log(got, D) end.
