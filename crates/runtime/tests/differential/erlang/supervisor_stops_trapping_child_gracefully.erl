%% Divergence 1: a supervisor's terminate_child of a trapping gen-server: the child
%% runs terminate(shutdown) at once, no kill after the shutdown timeout.
-module(supervisor_stops_trapping_child_gracefully).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{}, [dt:srv(a, [trap], #{shutdown => 5000})]),
    Mon = dt:ref(monitor(process, dt:pid(a))),
    T0 = erlang:monotonic_time(millisecond),
    dt:log(terminate_child, supervisor:terminate_child(Sup, a)),
    dt:log(took_under_2500ms, erlang:monotonic_time(millisecond) - T0 < 2500),
    receive {'DOWN', Mon, _, _, _} = Down -> dt:log(got, Down) end.
