%% Divergence 2: a send_after timer is cancelled when its destination exits.
-module(send_after_dies_with_its_destination).
-export([run/0]).

run() ->
    Dest = dt:name(spawn(fun() -> receive stop -> ok end end), dest),
    T = dt:ref(erlang:send_after(100, Dest, hello)),
    dt:log(read_timer_pending, is_integer(erlang:read_timer(T))),
    Dest ! stop,
    dt:down(Dest),
    dt:log(read_timer, erlang:read_timer(T)),
    dt:log(cancel_timer, erlang:cancel_timer(T)).
