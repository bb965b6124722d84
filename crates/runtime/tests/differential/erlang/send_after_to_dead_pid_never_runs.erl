%% Divergence 2: a timer aimed at a dead pid is cancelled at once.
-module(send_after_to_dead_pid_never_runs).
-export([run/0]).

run() ->
    Dead = dt:name(dt:dead(), dead),
    T = dt:ref(erlang:send_after(100, Dead, hello)),
    dt:log(read_timer, erlang:read_timer(T)),
    dt:log(cancel_timer, erlang:cancel_timer(T)).
