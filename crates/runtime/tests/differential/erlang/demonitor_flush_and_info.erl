%% Monitors: demonitor with flush removes a queued DOWN; info says whether the
%% monitor was still active.
-module(demonitor_flush_and_info).
-export([run/0]).

run() ->
    Gone = dt:name(spawn(fun() -> receive go -> ok end end), gone),
    Live = dt:name(spawn(fun() -> receive go -> ok end end), live),
    M0 = monitor(process, Gone),
    M1 = dt:ref(monitor(process, Gone)),
    M2 = dt:ref(monitor(process, Live)),
    Gone ! go,
    %% Gone's two DOWNs go out together: once the first is here, so is M1's.
    receive {'DOWN', M0, _, _, _} -> ok end,
    dt:log(mailbox, dt:mailbox()),
    dt:log(demonitor_flush_info, erlang:demonitor(M1, [flush, info])),
    dt:log(mailbox, dt:mailbox()),
    dt:log(demonitor_info, erlang:demonitor(M2, [info])),
    dt:log(demonitor_info, erlang:demonitor(M2, [info])),
    Live ! go,
    receive M -> dt:log(got, M) after 50 -> dt:log(nothing) end.
