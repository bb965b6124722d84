%% Missing operation: send_after to a name looks it up when it fires (registered
%% after the timer was set); nobody holding it then is no error.
-module(send_after_to_registered_name).
-export([run/0]).

run() ->
    erlang:send_after(200, later, hello),
    erlang:send_after(200, nobody, hello),
    register(later, self()),
    receive M -> dt:log(got, M) end,
    receive N -> dt:log(got, N) after 300 -> dt:log(nothing) end.
