-- The sandbox every pyengine Lua state runs its scripts in (pyengine/script_lua.py).
--
-- Run once, right after the state is created, as a privileged chunk: it
-- captures what it needs in locals, builds the readonly globals scripts
-- see, and returns the internal API (compile, run, the RESP converters)
-- to Python. Nothing it returns is reachable from a script.
--
-- Redis 7.0 patches its Lua VM with readonly tables; stock Lua 5.1 has
-- none, so the same behaviour is built from metatables:
--
--   thread globals (_G)  an empty table whose metatable reads through to G
--                        and refuses every write: "Attempt to modify a
--                        readonly table". Being empty, every assignment to a
--                        global reaches __newindex, even for existing names,
--                        and chunks compiled later (loadstring) get it too.
--   G                    the real globals: the allowed builtins, the
--                        libraries, redis, KEYS/ARGV. Its own metatable
--                        raises "Script attempted to access nonexistent
--                        global variable 'x'" for unknown names.
--   library proxies      string, math, table, redis, cjson, ... are empty
--                        proxies too (reads go to the real table, writes
--                        fail); pairs/next/rawget/getmetatable see through
--                        them, setmetatable/rawset refuse them.
--
-- Error positions: messages raised for the script (readonly, nonexistent
-- global, bad arguments) use error(msg, 2) so the position is the script's
-- line, as luaL_error in Redis's C functions gives. The error handler
-- reports the first frame that is neither C, a tail call nor one of ours
-- (chunk name "=pyengine"), which is where Redis's handler ends up too.

local py, mode = ...
-- lupa's python.as_function: a Python callable as a real C function
-- (type "function", no extra stack slot); the python table itself goes
-- away with the other globals below
local as_function = python.as_function

local _G = _G
local raw_setmetatable, raw_getmetatable = setmetatable, getmetatable
local raw_rawset, raw_rawget, raw_next, raw_pairs = rawset, rawget, next, pairs
local raw_error, raw_type, raw_tostring, raw_tonumber = error, type, tostring, tonumber
local raw_pcall, raw_xpcall, raw_select, raw_loadstring = pcall, xpcall, select, loadstring
local dbg = debug
local s_byte, s_sub, s_find, s_format, s_gsub, s_len = string.byte, string.sub, string.find,
    string.format, string.gsub, string.len
local t_concat = table.concat
local floor = math.floor
local collectgarbage = collectgarbage

local READONLY = "Attempt to modify a readonly table"

-- ---- readonly tables ------------------------------------------------------------

local readonly = raw_setmetatable({}, {__mode = "k"})   -- table -> true
local proxied = raw_setmetatable({}, {__mode = "k"})    -- proxy -> the real table

local function ro_newindex(t, k, v)
    raw_error(READONLY, 2)
end

-- A readonly view of ``real``: reads go through, writes raise.
local function protect(real)
    local p = {}
    raw_setmetatable(p, {__index = real, __newindex = ro_newindex, __metatable = false})
    readonly[p] = true
    proxied[p] = real
    return p
end

-- ---- C entry points ---------------------------------------------------------------------
--
-- The library functions below are Lua functions, but a script must see
-- C functions: a Lua function called as ``return f(x)`` replaces the
-- script's frame (a tail call), and an error raised in it would lose the
-- script's line, which Redis reports. ``c_entry(f)`` makes f reachable
-- through a Python callable (a C function to Lua): it runs f protected
-- and re-raises an error from there, a message prefixed with the script's
-- position as luaL_error does (``positioned``), a table as it is.
local py_trampoline = py.trampoline
local function c_entry(f, positioned)
    return as_function(py_trampoline(function(...) return raw_pcall(f, ...) end,
                                     positioned ~= false))
end

-- ---- the globals --------------------------------------------------------------------

local G = {}
local builtins = {"xpcall", "tostring", "next", "assert", "tonumber", "rawequal",
                  "collectgarbage", "pairs", "type", "select", "unpack", "gcinfo", "rawget",
                  "loadstring", "ipairs", "_VERSION", "load", "error",
                  "getmetatable", "setmetatable", "rawset", "pcall"}
for _, name in raw_pairs(builtins) do
    G[name] = _G[name]
end

-- The wrappers that keep readonly tables readonly.
G.setmetatable = function(t, mt)
    if readonly[t] then raw_error(READONLY, 0) end
    return raw_setmetatable(t, mt)
end
G.rawset = function(t, k, v)
    if readonly[t] then raw_error(READONLY, 0) end
    return raw_rawset(t, k, v)
end
-- (both become C entries further down, once the helpers exist)
local env_mt_view   -- what getmetatable(_G) shows (set below)
G.getmetatable = function(t)
    if t == _G then return env_mt_view end
    if proxied[t] then return nil end
    if readonly[t] then return env_mt_view end
    return raw_getmetatable(t)
end
G.rawget = function(t, k)
    local real = proxied[t]
    if real then return raw_rawget(real, k) end
    return raw_rawget(t, k)
end
G.next = function(t, k)
    local real = proxied[t]
    if real then return raw_next(real, k) end
    return raw_next(t, k)
end
-- Redis's Lua refuses precompiled (binary) chunks
G.loadstring = function(code, name)
    if raw_type(code) == "string" and s_byte(code, 1) == 27 then
        return nil, "binary chunks are not allowed"
    end
    return raw_loadstring(code, name)
end
G.pairs = function(t)
    local real = proxied[t]
    if real then return raw_next, real, nil end
    return raw_pairs(t)
end

-- Redis's pcall: an error raised as a table ({err = "..."}, what
-- redis.call raises) is handed back as its message string.
local unwrap    -- (defined with the redis table)
local function pcall_result(ok, ...)
    if ok then return ok, ... end
    local e = unwrap((...))
    if raw_type(e) == "table" then
        local msg = e.err
        local mt = raw_type(msg)
        if mt == "string" or mt == "number" then return false, msg end
    end
    return false, e
end
G.pcall = function(...)
    return pcall_result(raw_pcall(...))
end
G.xpcall = function(f, handler)
    return raw_xpcall(f, function(e) return handler(unwrap(e)) end)
end

-- ---- error tables (luaPushError) --------------------------------------------------

-- An error as redis.call raises it: {err = "CODE message"}. ``s`` is
-- either "-CODE message" (the code is taken from it) or a bare message
-- (code ERR); a trailing CR/LF is dropped.
local function error_table(s)
    local code, msg
    if s_byte(s, 1) == 45 then          -- "-"
        local sp = s_find(s, " ", 1, true)
        if sp then
            code, msg = s_sub(s, 2, sp - 1), s_sub(s, sp + 1)
        else
            code, msg = "ERR", s_sub(s, 2)
        end
    else
        code, msg = "ERR", s
    end
    msg = s_gsub(msg, "^[\r\n]+", "")
    msg = s_gsub(msg, "[\r\n]+$", "")
    return {err = code .. " " .. msg}
end

-- ---- Lua value -> RESP (the script's result) ----------------------------------------

local function no_crlf(s)
    return (s_gsub(s, "[\r\n]", " "))
end

local function fmt_double(d)
    if d == 1 / 0 then return "inf" end
    if d == -1 / 0 then return "-inf" end
    return s_format("%.17g", d)
end

-- State of one conversion: the output pieces, the caller's protocol, the
-- protocol the script set with redis.setresp (booleans follow it), and
-- the error replies written (for INFO errorstats).
local out, out_n, cresp, sresp, errs

local function put(s)
    out_n = out_n + 1
    out[out_n] = s
end

local emit

local function emit_table(v, depth)
    if depth > 200 then         -- Redis runs out of Lua stack around here
        put("-ERR reached lua stack limit\r\n")
        errs[#errs + 1] = {"ERR", false}
        return
    end
    local e = raw_rawget(v, "err")
    if raw_type(e) == "string" then
        local msg = no_crlf(e)
        put("-" .. msg .. "\r\n")
        errs[#errs + 1] = {msg, v.ignore_error_stats_update == true}
        return
    end
    local ok = raw_rawget(v, "ok")
    if raw_type(ok) == "string" then
        put("+" .. no_crlf(ok) .. "\r\n")
        return
    end
    local d = raw_rawget(v, "double")
    if raw_type(d) == "number" then
        local s = fmt_double(d)
        if cresp == 3 then put("," .. s .. "\r\n") else put("$" .. s_len(s) .. "\r\n" .. s .. "\r\n") end
        return
    end
    local bn = raw_rawget(v, "big_number")
    if raw_type(bn) == "string" then
        bn = no_crlf(bn)
        if cresp == 3 then put("(" .. bn .. "\r\n") else put("$" .. s_len(bn) .. "\r\n" .. bn .. "\r\n") end
        return
    end
    local vs = raw_rawget(v, "verbatim_string")
    if raw_type(vs) == "table" then
        local f, str = raw_rawget(vs, "format"), raw_rawget(vs, "string")
        if raw_type(f) == "string" and raw_type(str) == "string" then
            if cresp == 3 then
                f = s_sub(f .. "   ", 1, 3)
                put("=" .. (s_len(str) + 4) .. "\r\n" .. f .. ":" .. str .. "\r\n")
            else
                put("$" .. s_len(str) .. "\r\n" .. str .. "\r\n")
            end
            return
        end
    end
    local m = raw_rawget(v, "map")
    if raw_type(m) == "table" then
        local at = out_n + 1
        put("")
        local n = 0
        for k, val in raw_next, m do
            emit(k, depth + 1)
            emit(val, depth + 1)
            n = n + 1
        end
        out[at] = (cresp == 3) and ("%" .. n .. "\r\n") or ("*" .. (2 * n) .. "\r\n")
        return
    end
    local st = raw_rawget(v, "set")
    if raw_type(st) == "table" then
        local at = out_n + 1
        put("")
        local n = 0
        for k in raw_next, st do
            emit(k, depth + 1)
            n = n + 1
        end
        out[at] = (cresp == 3) and ("~" .. n .. "\r\n") or ("*" .. n .. "\r\n")
        return
    end
    local at = out_n + 1
    put("")
    local n = 0
    while true do
        local item = raw_rawget(v, n + 1)
        if item == nil then break end
        n = n + 1
        emit(item, depth + 1)
    end
    out[at] = "*" .. n .. "\r\n"
end

emit = function(v, depth)
    local t = raw_type(v)
    if t == "string" then
        put("$" .. s_len(v) .. "\r\n" .. v .. "\r\n")
    elseif t == "number" then
        put(s_format(":%d\r\n", v))
    elseif t == "boolean" then
        if sresp == 2 then
            if v then put(":1\r\n") elseif cresp == 2 then put("$-1\r\n") else put("_\r\n") end
        elseif cresp == 3 then
            put(v and "#t\r\n" or "#f\r\n")
        else
            put(v and ":1\r\n" or ":0\r\n")
        end
    elseif t == "table" then
        emit_table(v, depth)
    else
        put(cresp == 2 and "$-1\r\n" or "_\r\n")
    end
end

-- The RESP encoding of ``v`` for a caller speaking ``caller_resp``, plus
-- the error replies in it ({message, counted already}) when there are any.
local function to_resp(v, caller_resp, script_resp)
    out, out_n, cresp, sresp, errs = {}, 0, caller_resp, script_resp, {}
    emit(v, 0)
    local s = t_concat(out)
    local e = errs
    out, errs = nil, nil
    if #e > 0 then return s, e end
    return s
end

-- ---- the redis table ---------------------------------------------------------------------

local script_resp = 2
local py_unwrap = py.unwrap_error

-- redis.call and redis.pcall are Python callables (pyengine/script_lua.py):
-- to Lua they are C functions, so a script's ``return redis.call(...)`` is
-- no tail call and an error keeps the script's line, as in Redis. An error
-- redis.call raises reaches Lua as the Python exception; ``unwrap`` turns
-- it back into the {err = ...} table it carries.
unwrap = function(e)
    if raw_type(e) == "userdata" then
        local t = py_unwrap(e)
        if t ~= nil then return t end
    end
    return e
end

local function redis_error_reply(...)
    local e = ...
    if raw_select("#", ...) ~= 1 or raw_type(e) ~= "string" then
        return error_table("wrong number or type of arguments")
    end
    if s_byte(e, 1) ~= 45 then e = "-" .. e end
    return error_table(e)
end

local function redis_status_reply(...)
    local s = ...
    if raw_select("#", ...) ~= 1 or raw_type(s) ~= "string" then
        return error_table("wrong number or type of arguments")
    end
    return {ok = s}
end

local function redis_sha1hex(...)
    if raw_select("#", ...) ~= 1 then
        raw_error(error_table("wrong number of arguments"))
    end
    local s = ...
    if raw_type(s) == "number" then s = raw_tostring(s) end
    if raw_type(s) ~= "string" then s = "" end
    return py.sha1hex(s)
end

local function redis_log(...)
    local n = raw_select("#", ...)
    if n < 2 then raw_error(error_table("redis.log() requires two arguments or more.")) end
    local level = raw_tonumber((...))
    if level == nil then raw_error(error_table("First argument must be a number (log level).")) end
    level = floor(level)
    if level < 0 or level > 3 then raw_error(error_table("Invalid debug level.")) end
    local parts = {}
    for i = 2, n do
        local v = raw_select(i, ...)
        local tv = raw_type(v)
        if tv == "string" or tv == "number" then parts[#parts + 1] = raw_tostring(v) end
    end
    py.log(level, t_concat(parts, " "))
end

local function redis_setresp(...)
    if not py.running() then
        raw_error(error_table("redis.setresp can only be called inside a script invocation"))
    end
    if raw_select("#", ...) ~= 1 then raw_error(error_table("redis.setresp() requires one argument.")) end
    local v = raw_tonumber((...))
    if v ~= 2 and v ~= 3 then raw_error(error_table("RESP version must be 2 or 3.")) end
    script_resp = v
    py.setresp(v)
end

local function redis_set_repl(...)
    if not py.running() then
        raw_error(error_table("redis.set_repl can only be called inside a script invocation"))
    end
    if raw_select("#", ...) ~= 1 then raw_error(error_table("redis.set_repl() requires two arguments.")) end
    local v = raw_tonumber((...)) or 0
    v = floor(v)
    if v < 0 or v > 3 then
        raw_error(error_table("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."))
    end
    py.set_repl(v)
end

local function redis_acl_check_cmd(...)
    if not py.running() then
        raw_error(error_table("redis.acl_check_cmd can only be called inside a script invocation"))
    end
    local ok, err = py.acl_check_cmd(...)
    if err then raw_error(error_table(err)) end
    return ok
end

local redis = {
    call = as_function(py.call),
    pcall = as_function(py.pcall),
    error_reply = redis_error_reply,
    status_reply = redis_status_reply,
    sha1hex = redis_sha1hex,
    log = redis_log,
    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
    setresp = redis_setresp,
    set_repl = redis_set_repl,
    REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
    acl_check_cmd = redis_acl_check_cmd,
    REDIS_VERSION = py.redis_version,
    REDIS_VERSION_NUM = py.redis_version_num,
}
for _, name in raw_pairs({"log", "setresp", "set_repl", "sha1hex", "acl_check_cmd"}) do
    redis[name] = c_entry(redis[name])
end
if mode == "eval" then
    -- the debugger is not available: these behave as without a debugging session
    redis.breakpoint = function() return false end
    redis.debug = function() end
    redis.replicate_commands = function() return true end
end

-- ---- libraries -------------------------------------------------------------------------

-- Argument checks worded as Lua's C libraries word them (luaL_argerror);
-- ``level`` 3 blames the script that called the library function.
local function argerror(i, fname, msg)
    raw_error(s_format("bad argument #%d to '%s' (%s)", i, fname, msg), 3)
end

local function typeerror(i, fname, expected, v, present)
    argerror(i, fname, s_format("%s expected, got %s", expected,
                                present and raw_type(v) or "no value"))
end

-- luaL_checkint: a number (or numeric string), truncated towards zero.
local function checkint(v, i, fname, present)
    local n = raw_tonumber(v)
    if n == nil then typeerror(i, fname, "number", v, present) end
    if n >= 0 then return floor(n) end
    return -floor(-n)
end

G.setmetatable = c_entry(G.setmetatable, false)
G.rawset = c_entry(G.rawset, false)

local helpers = {argerror = argerror, typeerror = typeerror, checkint = checkint,
                 error_table = error_table, raw_error = raw_error,
                 null = newproxy()}   -- cjson.null

-- math.random / math.randomseed on Redis's own generator (drand48), so a
-- seed gives the same numbers as in Redis whatever the platform.
local py_rand, py_seed = py.rand, py.seed
local math_copy = {}
for k, v in raw_pairs(math) do math_copy[k] = v end
math_copy.random = function(...)
    local n = raw_select("#", ...)
    local r = py_rand()
    if n == 0 then return r end
    if n == 1 then
        local u = checkint((...), 1, "random", true)
        if u < 1 then argerror(1, "random", "interval is empty") end
        return floor(r * u) + 1
    end
    if n == 2 then
        local l, u = ...
        l = checkint(l, 1, "random", true)
        u = checkint(u, 2, "random", true)
        if l > u then argerror(2, "random", "interval is empty") end
        return floor(r * (u - l + 1)) + l
    end
    raw_error("wrong number of arguments", 2)
end
math_copy.randomseed = function(...)
    py_seed(checkint((...), 1, "randomseed", raw_select("#", ...) > 0))
end
math_copy.random = c_entry(math_copy.random)
math_copy.randomseed = c_entry(math_copy.randomseed)

G.string = protect(string)
G.table = protect(table)
G.math = protect(math_copy)
G.coroutine = protect(coroutine)
G.redis = protect(redis)
local library_sources = py.libraries
py.libraries = nil
for name, src in raw_pairs(library_sources) do
    local chunk = raw_loadstring(src, "=pyengine")
    local lib = chunk(py, helpers)
    for k, v in raw_pairs(lib) do
        if raw_type(v) == "function" and k ~= "new" then lib[k] = c_entry(v) end
    end
    G[name] = protect(lib)
end

-- ---- the error handler -----------------------------------------------------------------

-- Turns any error into {err = "...", source = ..., line = ...}; the
-- position is the first frame that is the script's (not C, not ours).
local function error_handler(err)
    local level, info = 2, nil
    while true do
        info = dbg.getinfo(level, "nSl")
        if info == nil or (info.what ~= "C" and info.what ~= "tail" and
                           info.source ~= "=pyengine") then
            break
        end
        level = level + 1
    end
    err = unwrap(err)
    if raw_type(err) ~= "table" then
        err = {err = "ERR " .. raw_tostring(err)}
    elseif raw_type(raw_rawget(err, "err")) ~= "string" then
        -- error({}) would crash Redis 7.0; report the value instead
        err = {err = "ERR " .. raw_tostring(err)}
    end
    if info then
        err.source = info.source
        err.line = info.currentline
    end
    return err
end
if mode == "eval" then
    G.__redis__err__handler = error_handler
end

-- ---- the periodic hook (script timeout) ------------------------------------------------

local py_tick = py.tick
-- The hooks only act while a script (or a library load) runs, and a
-- kill is raised only in the script's own code: the line hook stays set
-- until the run's cleanup, which is Lua code too.
local running = false
local kill_msg

local function kill_line_hook()
    if running then
        local info = dbg.getinfo(2, "S")
        if info and info.source ~= "=pyengine" then raw_error(error_table(kill_msg)) end
    end
end

local function hook()
    if not running then return end
    local verdict = py_tick()
    if verdict then
        -- killed (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE): raise on every
        -- line from now on, so a pcall in the script cannot swallow it
        kill_msg = verdict
        dbg.sethook(kill_line_hook, "l")
        raw_error(error_table(verdict))
    end
end

-- ---- install: make the thread's globals the readonly view of G ---------------------------

-- Reading a global that does not exist is an error.
local function missing_global(t, k)
    if k == "debug" then
        -- lupa looks up debug.traceback (lua_getglobal) before each call
        -- it makes into Lua; only a script's own access is an error
        local info = dbg.getinfo(2, "S")
        if info == nil or info.what == "C" then return nil end
    end
    raw_error("Script attempted to access nonexistent global variable '" .. raw_tostring(k) .. "'", 2)
end

local env_mt = {__index = G, __newindex = ro_newindex}
local lib_env, lib_api
if mode == "function" then
    -- While FUNCTION LOAD runs a library, its globals show only the load
    -- API: a redis table with register_function, log and the version.
    local py_register = py.register_function
    local lib_redis = {
        register_function = function(...)
            local err = py_register(...)
            if err then raw_error(error_table(err)) end
        end,
        log = redis_log,
        LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
        REDIS_VERSION = py.redis_version,
        REDIS_VERSION_NUM = py.redis_version_num,
    }
    local missing = {__index = missing_global}
    raw_setmetatable(lib_redis, missing)
    lib_api = raw_setmetatable({redis = protect(lib_redis)}, missing)
    proxied[lib_api.redis] = nil        -- nothing to iterate, nothing to see
end
env_mt_view = protect({})
env_mt.__metatable = env_mt_view

raw_setmetatable(G, {__index = missing_global})

local keys = {}
for k in raw_next, _G do keys[#keys + 1] = k end
for i = 1, #keys do raw_rawset(_G, keys[i], nil) end
raw_setmetatable(_G, env_mt)
readonly[_G] = true
proxied[_G] = G
G._G = _G
-- ("x"):upper() and getmetatable("").__index reach the same string table
raw_getmetatable("").__index = G.string

-- ---- the internal API ---------------------------------------------------------------------

library_sources = nil
collectgarbage("collect")

local api = {}

-- Compile ``code`` under ``chunkname``: the function, or nil and the message.
function api.compile(code, chunkname)
    return raw_loadstring(code, chunkname)
end

-- The outcome of a run, for Python: true, the RESP of the value (and the
-- error replies in it), or false, message, source, line, counted.
local runs = 0
local function finish(cresp, ok, v)
    running = false
    dbg.sethook()
    -- a little garbage collection every 50 runs, as Redis does, instead of
    -- an occasional full cycle
    runs = runs + 1
    if runs == 50 then
        runs = 0
        collectgarbage("step", 50)
    end
    if ok then
        return true, to_resp(v, cresp, script_resp)
    end
    local msg = v.err
    if raw_type(msg) ~= "string" then msg = "ERR " .. raw_tostring(msg) end
    return false, msg, v.source, v.line, v.ignore_error_stats_update == true
end

-- Call ``fn`` for EVAL: KEYS and ARGV become globals.
function api.run_eval(fn, hook_on, cresp, nkeys, ...)
    local args = {...}
    local keys, argv = {}, {}
    for i = 1, nkeys do keys[i] = args[i] end
    for i = nkeys + 1, #args do argv[i - nkeys] = args[i] end
    raw_rawset(G, "KEYS", keys)
    raw_rawset(G, "ARGV", argv)
    script_resp = 2
    running = true
    if hook_on then dbg.sethook(hook, "", 100000) end
    return finish(cresp, raw_xpcall(fn, error_handler))
end

-- Call ``fn`` for FCALL: keys and arguments are its two parameters.
function api.run_function(fn, hook_on, cresp, nkeys, ...)
    local args = {...}
    local keys, argv = {}, {}
    for i = 1, nkeys do keys[i] = args[i] end
    for i = nkeys + 1, #args do argv[i - nkeys] = args[i] end
    script_resp = 2
    running = true
    if hook_on then dbg.sethook(hook, "", 100000) end
    return finish(cresp, raw_xpcall(function() return fn(keys, argv) end, error_handler))
end

-- Run a library's code with the load API as its globals (FUNCTION LOAD).
-- ``load_hook`` is called every 100000 instructions (the load timeout).
function api.load_library(fn, load_hook)
    env_mt.__index = lib_api
    running = true
    dbg.sethook(function()
        if running and load_hook() then
            kill_msg = "FUNCTION LOAD timeout"
            dbg.sethook(kill_line_hook, "l")
            raw_error(error_table(kill_msg))
        end
    end, "", 100000)
    local ok, err = raw_pcall(fn)
    running = false
    dbg.sethook()
    env_mt.__index = G
    if ok then return true end
    if raw_type(err) == "table" then
        local e = err.err
        if raw_type(e) == "string" then return false, e end
    end
    return false, "ERR " .. raw_tostring(err)
end

api.to_resp = to_resp
-- "source:line: " of the script that called a C entry (level 3: this
-- function, the Python callable, the script), as luaL_where gives it
api.where = function()
    local info = dbg.getinfo(3, "Sl")
    if info and info.currentline > 0 then
        return info.short_src .. ":" .. info.currentline .. ": "
    end
    return ""
end
api.json_null = helpers.null
api.is_function = function(v) return raw_type(v) == "function" end
api.lua_type = raw_type
api.error_table = error_table
api.memory = function() return collectgarbage("count") end
api.gc_step = function(n) collectgarbage("step", n) end

return api
