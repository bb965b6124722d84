%% Shutdown: a child that ignores the shutdown signal is killed when its shutdown
%% time has passed.
-module(shutdown_timeout_kills_a_stubborn_child).
-export([run/0]).

run() ->
    Spec = #{id => s, start => {dt, stubborn, [s]}, shutdown => 100},
    {ok, Sup} = dt_sup:start_link(sup, #{}, [Spec]),
    dt:ref(monitor(process, dt:pid(s))),
    dt:log(terminate_child, supervisor:terminate_child(Sup, s)),
    receive D -> dt:log(got, D) end.
