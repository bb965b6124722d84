%% Divergence 6: register/2 refuses the reserved name undefined.
-module(register_refuses_undefined).
-export([run/0]).

run() ->
    dt:log(register, try register(undefined, self()) catch error:R -> R end),
    dt:log(whereis, whereis(undefined)).
