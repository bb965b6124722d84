%% The gen-server the scenarios start: it logs init, casts, infos and terminate,
%% and does what its calls ask. Options: trap (trap exits), {init, ok | ignore |
%% {stop, Reason} | {ignore_unless, Key}}.
-module(dt_srv).
-behaviour(gen_server).
-export([start_link/2, init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

start_link(Name, Opts) -> gen_server:start_link(?MODULE, {Name, Opts}, []).

init({Name, Opts}) ->
    dt:name(self(), Name),
    proplists:get_bool(trap, Opts) andalso process_flag(trap_exit, true),
    dt:log("init " ++ atom_to_list(Name)),
    case proplists:get_value(init, Opts, ok) of
        ok -> {ok, Name};
        ignore -> ignore;
        {stop, Reason} -> {stop, Reason};
        {ignore_unless, Key} ->
            case ets:member(dt_names, Key) of
                true -> {ok, Name};
                false -> ignore
            end
    end.

handle_call(ping, _From, S) -> {reply, pong, S};
handle_call({stop, Reason}, _From, S) -> {stop, Reason, stopped, S};
handle_call({sleep, Ms}, _From, S) -> timer:sleep(Ms), {reply, slept, S};
handle_call({exit, Reason}, _From, _S) -> exit(Reason);
handle_call(call_self, _From, S) -> {reply, dt:call(self(), ping, 1000), S}.

handle_cast({stop, Reason}, S) -> {stop, Reason, S};
handle_cast(Msg, S) -> dt:log("cast " ++ atom_to_list(S) ++ " " ++ dt:fmt(Msg)), {noreply, S}.

handle_info(Msg, S) -> dt:log("info " ++ atom_to_list(S) ++ " " ++ dt:fmt(Msg)), {noreply, S}.

terminate(Reason, S) -> dt:log("terminate " ++ atom_to_list(S) ++ " " ++ dt:fmt(Reason)).
