%% Nodes (needs distribution: run with -sname): when a node crashes, a monitor of a
%% process on it fires DOWN noconnection and a link to one sends EXIT noconnection.
%% The two come from different processes, so their order is not OTP's to promise:
%% they are received selectively.
-module(node_crash_is_noconnection).
-export([run/0, distributed/0]).

distributed() -> true.

run() ->
    process_flag(trap_exit, true),
    {ok, _Peer, Node} = peer:start(#{name => peer:random_name()}),
    Watched = dt:name(spawn(Node, timer, sleep, [infinity]), watched),
    Linked = dt:name(spawn(Node, timer, sleep, [infinity]), linked),
    dt:ref(monitor(process, Watched)),
    link(Linked),
    rpc:cast(Node, erlang, halt, []),
    receive {'DOWN', _, _, _, _} = Down -> dt:log(got, Down) end,
    receive {'EXIT', _, _} = Exit -> dt:log(got, Exit) end.
