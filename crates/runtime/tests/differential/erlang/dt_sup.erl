%% The supervisor the scenarios start, with the flags and child specs they give.
-module(dt_sup).
-behaviour(supervisor).
-export([start_link/2, start_link/3, init/1]).

start_link(Flags, Specs) -> supervisor:start_link(?MODULE, {none, Flags, Specs}).
start_link(Name, Flags, Specs) -> supervisor:start_link(?MODULE, {Name, Flags, Specs}).

init({Name, Flags, Specs}) ->
    Name =:= none orelse dt:name(self(), Name),
    {ok, {Flags, Specs}}.
