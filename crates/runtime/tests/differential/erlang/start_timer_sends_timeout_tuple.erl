%% Missing operation: erlang:start_timer sends {timeout, Ref, Msg}.
-module(start_timer_sends_timeout_tuple).
-export([run/0]).

run() ->
    dt:ref(erlang:start_timer(30, self(), tick)),
    receive M -> dt:log(got, M) end.
