%% Gen-servers: a call is answered, a cast and a plain message are handled in order.
-module(gen_server_call_cast_and_info).
-export([run/0]).

run() ->
    {ok, S} = dt_srv:start_link(srv, []),
    gen_server:cast(S, hello),
    S ! hi,
    dt:log(call, dt:call(S, ping, 1000)).
