%% Missing operation: cancel_timer returns the time left (here: checked to lie
%% in (0, 300] ms after a 200 ms sleep on a 500 ms timer),
%% then false; read_timer likewise; cancel without info returns ok and stops it.
-module(cancel_timer_returns_time_left).
-export([run/0]).

run() ->
    T1 = dt:ref(erlang:send_after(500, self(), one)),
    T2 = dt:ref(erlang:send_after(500, self(), two)),
    timer:sleep(200),
    dt:log(read_timer, left(erlang:read_timer(T1))),
    dt:log(cancel_timer, left(erlang:cancel_timer(T1))),
    dt:log(cancel_timer, erlang:cancel_timer(T1)),
    dt:log(read_timer, erlang:read_timer(T1)),
    dt:log(cancel_without_info, erlang:cancel_timer(T2, [{info, false}])),
    receive M -> dt:log(got, M) after 600 -> dt:log(nothing) end.

left(false) -> false;
left(Ms) -> Ms > 0 andalso Ms =< 300.
