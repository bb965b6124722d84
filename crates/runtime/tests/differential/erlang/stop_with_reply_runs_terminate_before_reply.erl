%% Divergence 3: {stop, Reason, Reply, State} runs terminate before the caller gets
%% the reply.
-module(stop_with_reply_runs_terminate_before_reply).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    {ok, _} = dt_srv:start_link(srv, []),
    dt:log(call, dt:call(dt:pid(srv), {stop, normal}, 1000)),
    receive M -> dt:log(got, M) end.
