%% Missing operation: a gen-server that calls itself fails with calling_self.
-module(call_to_self_is_calling_self).
-export([run/0]).

run() ->
    {ok, S} = dt_srv:start_link(srv, []),
    dt:log(call, dt:call(S, call_self, 1000)).
