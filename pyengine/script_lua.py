"""One Lua 5.1 interpreter set up as Redis sets up its scripting engine.

Redis embeds Lua 5.1; so does pyengine, through lupa's Lua 5.1 runtime
(``lupa.lua51``: doubles only, the ``unpack`` global, ``loadstring``). A
``LuaState`` is that runtime with pyengine/lua/sandbox.lua run in it: the
readonly globals, the redis table, the libraries (bit, struct, cjson,
cmsgpack, string, math, table, coroutine), the error handler and the
timeout hook. Two kinds exist, as in Redis: the EVAL state (reset by
SCRIPT FLUSH) and the FUNCTION state (libraries share it).

The boundary with Python is kept narrow and cheap:

* Python -> Lua: ``run_eval`` / ``run_function`` take the compiled
  function, the caller's protocol and the arguments as plain strings; the
  Lua side builds KEYS/ARGV, calls, and converts the result to RESP
  itself, so one call in and one string out is all a script costs.
* Lua -> Python: ``redis.call`` passes its arguments (strings and numbers)
  to ``Scripting.lua_call`` and gets the command's raw RESP reply back,
  which Lua parses into Lua values; the library helpers
  (pyengine/lua_libs.py) and the hook are the other ways back.

lupa runs with ``encoding=None``: Lua strings are bytes in Python and bytes
become Lua strings, so binary data passes through untouched.
"""

import hashlib
import os
import re

from lupa import lua51

from pyengine import lua_libs
from pyengine.version import REDIS_VERSION

# the position Lua puts before an error raised inside the sandbox's own code
_INTERNAL_POS = re.compile(rb"^pyengine:\d+: ")

_LUA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lua")
_SOURCES = {}


def _source(name):
    src = _SOURCES.get(name)
    if src is None:
        with open(os.path.join(_LUA_DIR, name + ".lua"), "rb") as f:
            src = _SOURCES[name] = f.read()
    return src


def _version_num(version):
    major, minor, patch = (int(x) for x in version.split(".")[:3])
    return (major << 16) | (minor << 8) | patch


def sha1hex(data):
    return hashlib.sha1(data).hexdigest().encode()


class CallError(Exception):
    """redis.call's error: carries the Lua {err = ...} table to raise."""

    def __init__(self, table):
        Exception.__init__(self)
        self.table = table


class Rand48:
    """Redis's redisLrand48: the drand48 generator, so that math.random
    gives the same numbers for the same seed as Redis on any platform.
    The state starts where Redis's does (not reseeded per script)."""

    MASK = (1 << 48) - 1

    def __init__(self):
        self.x = 0x1234ABCD330E

    def seed(self, seed):
        self.x = (((int(seed) & 0xFFFFFFFF) << 16) | 0x330E) & self.MASK

    def lrand48(self):
        self.x = (0x5DEECE66D * self.x + 0xB) & self.MASK
        return self.x >> 17

    def random(self):
        """math.random(): in [0, 1)."""
        return (self.lrand48() % 2147483647) / 2147483647.0


class LuaState:
    """A Lua runtime with the sandbox loaded. ``mode`` is "eval" or
    "function"; ``scripting`` is the instance's pyengine.script.Scripting."""

    def __init__(self, scripting, mode, register_function=None):
        self.scripting = scripting
        self.mode = mode
        lua = self.lua = lua51.LuaRuntime(encoding=None, unpack_returned_tuples=True,
                                          register_eval=False, register_builtins=True)
        self.libs = lua_libs.LuaLibs(lua)
        self.rand = Rand48()
        log = scripting.instance.log
        levels = ("debug", "verbose", "notice", "warning")
        self.table_from = lua.table_from
        self.lua_call = scripting.lua_call
        self.where = None
        py = {
            b"trampoline": self.trampoline,
            b"call": self.redis_call,
            b"pcall": self.redis_pcall,
            b"unwrap_error": self.unwrap_error,
            b"setresp": scripting.set_resp,
            b"set_repl": scripting.set_repl,
            b"running": scripting.is_running,
            b"acl_check_cmd": scripting.acl_check_cmd,
            b"tick": scripting.tick,
            b"sha1hex": sha1hex,
            b"log": lambda level, msg: log(levels[int(level)], msg.decode("utf-8", "replace")),
            b"rand": self.rand.random,
            b"seed": self.rand.seed,
            b"redis_version": REDIS_VERSION.encode(),
            b"redis_version_num": _version_num(REDIS_VERSION),
            b"FAIL": lua_libs.FAIL,
            b"bit_op": lua_libs.bit_op,
            b"struct_pack": lua_libs.struct_pack,
            b"struct_unpack": lua_libs.struct_unpack,
            b"struct_size": lua_libs.struct_size,
            b"mp_float": lua_libs.mp_float,
            b"msgpack_unpack": self.libs.msgpack_unpack,
            b"json_decode": self.libs.json_decode,
            b"libraries": lua.table_from({name.encode(): _source(name)
                                          for name in ("cjson", "cmsgpack", "bit", "struct")}),
        }
        if register_function is not None:
            py[b"register_function"] = register_function
        loadstring = lua.globals().loadstring
        chunk = loadstring(_source("sandbox"), b"=pyengine")
        if isinstance(chunk, tuple):
            raise RuntimeError("sandbox.lua does not compile: %r" % (chunk[1],))
        api = chunk(lua.table_from(py), mode.encode())
        self.libs.json_null = api.json_null
        self.where = api.where
        self.compile_chunk = api.compile
        self.run_eval = api.run_eval
        self.run_function = api.run_function
        self.load_library = api.load_library
        self.is_function = api.is_function
        self.lua_type = api.lua_type
        self.memory_kb = api.memory

    # ---- redis.call / redis.pcall ----------------------------------------------------
    def redis_call(self, *args):
        """redis.call: the command's reply as Lua values; an error reply
        (or a refused command) is raised as its {err = ...} table."""
        reply = self.lua_call(*args)
        if type(reply) is tuple:
            raise CallError(self.error_table(reply[1], reply[2]))
        first = reply[0]
        if first == 58:                              # ':' the common integer reply
            return int(reply[1:-2])
        if first == 45:                              # '-'
            raise CallError(self.error_table(b"-" + reply[1:-2], True))
        return self.parse_reply(reply, 0)[0]

    def redis_pcall(self, *args):
        """redis.pcall: like redis.call, errors returned as their table."""
        reply = self.lua_call(*args)
        if type(reply) is tuple:
            return self.error_table(reply[1], reply[2])
        if reply[0] == 58:
            return int(reply[1:-2])
        return self.parse_reply(reply, 0)[0]

    def trampoline(self, protected, positioned):
        """A C entry point for the Lua function ``protected`` (f wrapped in
        pcall): its results, or its error raised again from here (see
        c_entry in sandbox.lua)."""
        def entry(*args):
            r = protected(*args)
            if type(r) is not tuple:
                if r is True:
                    return ()
                raise CallError(None)
            if r[0] is True:
                return r[1] if len(r) == 2 else r[1:]
            err = r[1]
            if type(err) is bytes and positioned:
                err = self.where() + _INTERNAL_POS.sub(b"", err, count=1)
            raise CallError(err)
        return entry

    def unwrap_error(self, e):
        """The Lua error value a Python exception raised into Lua stands
        for: the table of a CallError, an {err} table for anything else
        (a bug: the script fails with its text), None for other userdata."""
        if isinstance(e, CallError):
            return e.table
        if isinstance(e, BaseException):
            return self.table_from({b"err": ("ERR %s" % (e,)).encode("utf-8", "replace")})
        return None

    def error_table(self, msg, ignore_stats):
        """luaPushError: {err = "CODE message"}: ``msg`` is "-CODE message"
        (the code is its first word) or a bare message (code ERR)."""
        if msg[:1] == b"-":
            sp = msg.find(b" ")
            if sp < 0:
                code, text = b"ERR", msg[1:]
            else:
                code, text = msg[1:sp], msg[sp + 1:]
        else:
            code, text = b"ERR", msg
        text = text.strip(b"\r\n")
        t = {b"err": code + b" " + text}
        if ignore_stats:
            t[b"ignore_error_stats_update"] = True
        return self.table_from(t)

    def parse_reply(self, d, p):
        """One RESP reply at d[p:] as Lua values, Redis's conversion:
        integer -> number, bulk -> string, status -> {ok}, error -> {err},
        RESP2 nulls -> false, RESP3 null -> nil, array -> table, map ->
        {map}, set -> {set}, double -> {double}, big number ->
        {big_number}, verbatim -> {verbatim_string}, attributes skipped.
        Returns (value, next position)."""
        kind = d[p]
        eol = d.index(b"\r\n", p)
        line = d[p + 1:eol]
        p = eol + 2
        if kind == 36:                               # $
            n = int(line)
            if n < 0:
                return False, p
            return d[p:p + n], p + n + 2
        if kind == 58:                               # :
            return int(line), p
        if kind == 43:                               # +
            return self.table_from({b"ok": line}), p
        if kind == 42 or kind == 62:                 # * (and > push)
            n = int(line)
            if n < 0:
                return False, p
            items = []
            for _ in range(n):
                v, p = self.parse_reply(d, p)
                items.append(v)
            return self.table_from(items), p
        if kind == 45:                               # -
            return self.error_table(b"-" + line, True), p
        if kind == 37 or kind == 126:                # % map, ~ set
            n = int(line)
            t = self.table_from()
            for _ in range(n):
                k, p = self.parse_reply(d, p)
                if kind == 37:
                    v, p = self.parse_reply(d, p)
                else:
                    v = True
                if k is not None:
                    t[k] = v
            return self.table_from({b"map" if kind == 37 else b"set": t}), p
        if kind == 95:                               # _
            return None, p
        if kind == 35:                               # #
            return line == b"t", p
        if kind == 44:                               # ,
            return self.table_from({b"double": float(line)}), p
        if kind == 40:                               # (
            return self.table_from({b"big_number": line}), p
        if kind == 61:                               # =
            n = int(line)
            body = d[p:p + n]
            return self.table_from({b"verbatim_string": self.table_from(
                {b"format": body[:3], b"string": body[4:]})}), p + n + 2
        if kind == 124:                              # | attribute
            for _ in range(2 * int(line)):
                _, p = self.parse_reply(d, p)
            return self.parse_reply(d, p)
        raise ValueError("unexpected reply %r" % d)

    def compile(self, code, chunkname):
        """The function compiled from ``code``, or (None, message)."""
        res = self.compile_chunk(code, chunkname)
        if isinstance(res, tuple):
            return None, res[1]
        return res, None

    def used_memory(self):
        return int(self.memory_kb() * 1024)
