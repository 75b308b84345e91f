"""FUNCTION and FCALL: Redis 7 function libraries (Redis's functions.c and
function_lua.c).

A library is Lua code with a shebang naming it, ``#!lua name=mylib``,
loaded once with FUNCTION LOAD: its code runs in the FUNCTION Lua state
(one for all libraries, pyengine/script_lua.py) with only the load API
visible - ``redis.register_function``, ``redis.log`` and the version - and
each ``register_function(name, callback)`` (or the named form with
``flags`` and ``description``) adds a function. FCALL / FCALL_RO then
call a function by name with its keys and arguments as two tables.

Loading is all or nothing: the code must compile ("Error compiling
function"), run without error ("Error registering functions"), within 500
ms ("FUNCTION LOAD timeout"), register at least one function, and not
reuse a function name of another library; only then is the library linked
(replacing the old one of the same name with REPLACE).

FUNCTION DUMP writes every library as Redis does in RDB files and DUMP
payloads: per library the opcode RDB_OPCODE_FUNCTION2 (245) and the full
code as an RDB string (LZF-compressed when that saves space and
rdbcompression is on), then the RDB version (10, 2 bytes little-endian)
and the CRC-64/Jones of everything before (8 bytes little-endian,
engine/crc64). FUNCTION RESTORE reads that format back (and the 7.0-rc
RDB_OPCODE_FUNCTION form) under a FLUSH, APPEND or REPLACE policy. The RDB
strings are engine/rdb's (the same encoder RDB files use); snapshots carry
the libraries the same way (pyengine/persist.py).

Libraries are kept in load order (Redis lists them in its hash order,
which is not specified).
"""

import struct
import time

from engine import rdb as rdbenc
from engine.crc64 import py_crc64
from engine.util import py_stringmatch
from pyengine import script
from pyengine.script import ScriptError, FLAG_NAMES
from pyengine.script_lua import LuaState

RDB_VERSION = 10
RDB_OPCODE_FUNCTION = 246
RDB_OPCODE_FUNCTION2 = 245
LOAD_TIMEOUT_MS = 500

NAME_ERROR = ("Library names can only contain letters, numbers, or underscores(_) and must be at "
              "least one character long")

FUNCTION_HELP = [
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using "
    "FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore "
    "policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
    "replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance "
    "of failure",
    "      in case of functions name collision with another library).",
]


class FunctionInfo:
    __slots__ = ("name", "fn", "desc", "flags", "library")

    def __init__(self, name, fn, desc, flags, library):
        self.name = name
        self.fn = fn
        self.desc = desc
        self.flags = flags
        self.library = library


class Library:
    __slots__ = ("name", "code", "functions")

    def __init__(self, name, code):
        self.name = name            # bytes
        self.code = code            # the whole code, shebang included
        self.functions = {}         # name -> FunctionInfo, in registration order


def _valid_name(name):
    return bool(name) and all(c == 95 or 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122
                              for c in name)


def extract_metadata(code):
    """functionExtractLibMetaData: (engine, name, code after the shebang
    line, its newline included)."""
    if not code.startswith(b"#!"):
        raise ScriptError(b"ERR Missing library metadata")
    end = code.find(b"\n")
    if end < 0:
        raise ScriptError(b"ERR Invalid library metadata")
    parts = script.split_args(code[:end])
    if not parts:
        raise ScriptError(b"ERR Invalid library metadata")
    engine = parts[0][2:]
    name = None
    for part in parts[1:]:
        if part[:5].lower() == b"name=":
            if name is not None:
                raise ScriptError(b"ERR Invalid metadata value, name argument was given multiple times")
            name = part[5:]
            continue
        raise ScriptError(b"ERR Invalid metadata value given: " + part)
    if name is None:
        raise ScriptError(b"ERR Library name was not given")
    return engine, name, code[end:]


class Functions:
    """The FUNCTION Lua state and the loaded libraries."""

    def __init__(self, scripting):
        self.scripting = scripting
        self.lua = LuaState(scripting, "function", register_function=self._register)
        self.libraries = {}         # name -> Library
        self.functions = {}         # lowercase name -> FunctionInfo (every library;
                                    # FCALL finds functions ignoring case)
        self.loading = None         # the Library being loaded
        self.load_deadline = 0.0

    # ---- loading ------------------------------------------------------------------------
    def _register(self, *args):
        """redis.register_function during FUNCTION LOAD: None, or the error."""
        err = self._register_args(*args)
        return err.encode() if err is not None else None

    def _register_args(self, *args):
        li = self.loading
        if li is None:
            return "redis.register_function can only be called on FUNCTION LOAD command"
        if len(args) < 1 or len(args) > 2:
            return "wrong number of arguments to redis.register_function"
        lua_type = self.lua.lua_type
        desc = None
        flags = 0
        if len(args) == 1:
            t = args[0]
            if lua_type(t) != b"table":
                return ("calling redis.register_function with a single argument is only "
                        "applicable to Lua table (representing named arguments).")
            name = fn = None
            for k, v in t.items():
                if type(k) not in (bytes, int, float):
                    return "named argument key given to redis.register_function is not a string"
                key = _lua_str(k).lower()
                if key == b"function_name":
                    if type(v) not in (bytes, int, float):
                        return "function_name argument given to redis.register_function must be a string"
                    name = _lua_str(v)
                elif key == b"description":
                    if type(v) not in (bytes, int, float):
                        return "description argument given to redis.register_function must be a string"
                    desc = _lua_str(v)
                elif key == b"callback":
                    if lua_type(v) != b"function":
                        return "callback argument given to redis.register_function must be a function"
                    fn = v
                elif key == b"flags":
                    if lua_type(v) != b"table":
                        return ("flags argument to redis.register_function must be a table "
                                "representing function flags")
                    flags = _read_flags(v)
                    if flags is None:
                        return "unknown flag given"
                else:
                    return "unknown argument given to redis.register_function"
            if name is None:
                return "redis.register_function must get a function name argument"
            if fn is None:
                return "redis.register_function must get a callback argument"
        else:
            name, fn = args
            if type(name) not in (bytes, int, float):
                return "first argument to redis.register_function must be a string"
            name = _lua_str(name)
            if lua_type(fn) != b"function":
                return "second argument to redis.register_function must be a function"
        if not _valid_name(name):
            return NAME_ERROR
        if name in li.functions:
            return "Function already exists in the library"
        li.functions[name] = FunctionInfo(name, fn, desc, flags, li)
        return None

    def _load_hook(self):
        return self.load_deadline and time.monotonic() > self.load_deadline

    def create(self, code, replace, libraries, functions, timeout_ms=LOAD_TIMEOUT_MS):
        """functionsCreateWithLibraryCtx: compile and run ``code`` and link
        the library into (libraries, functions). Returns its name or raises
        ScriptError."""
        engine, name, body = extract_metadata(code)
        if not _valid_name(name):
            raise ScriptError(b"ERR " + NAME_ERROR.encode())
        if engine.lower() != b"lua":
            raise ScriptError(b"ERR Engine '" + engine + b"' not found")
        old = libraries.get(name)
        if old is not None and not replace:
            raise ScriptError(b"ERR Library '" + name + b"' already exists")
        fn, err = self.lua.compile(body, b"@user_function")
        if fn is None:
            raise ScriptError(b"ERR Error compiling function: " + err)
        li = Library(name, code)
        self.loading = li
        self.load_deadline = time.monotonic() + timeout_ms / 1000.0 if timeout_ms else 0.0
        try:
            ok_err = self.lua.load_library(fn, self._load_hook)
        finally:
            self.loading = None
        ok, err = (ok_err, None) if not isinstance(ok_err, tuple) else (ok_err[0], ok_err[1])
        if not ok:
            raise ScriptError(b"ERR Error registering functions: " + err)
        if not li.functions:
            raise ScriptError(b"ERR No functions registered")
        for fname in li.functions:
            other = functions.get(fname.lower())
            if other is not None and other.library is not old:
                raise ScriptError(b"ERR Function " + fname + b" already exists")
        if old is not None:
            self._unlink(old, libraries, functions)
        libraries[name] = li
        for fname, fi in li.functions.items():
            functions[fname.lower()] = fi
        return name

    @staticmethod
    def _unlink(li, libraries, functions):
        del libraries[li.name]
        for fname in li.functions:
            functions.pop(fname.lower(), None)

    def delete(self, name):
        li = self.libraries.get(name)
        if li is None:
            return False
        self._unlink(li, self.libraries, self.functions)
        return True

    def flush(self):
        self.libraries = {}
        self.functions = {}

    # ---- DUMP / RESTORE ----------------------------------------------------------------
    def dump(self, compress):
        out = bytearray()
        for li in self.libraries.values():
            out.append(RDB_OPCODE_FUNCTION2)
            out += rdbenc.encode_string(li.code, compress)
        out += struct.pack("<H", RDB_VERSION)
        out += struct.pack("<Q", py_crc64(bytes(out)))
        return bytes(out)

    def restore(self, payload, policy):
        """FUNCTION RESTORE; raises ScriptError with the reply."""
        if not verify_payload(payload):
            raise ScriptError(b"ERR DUMP payload version or checksum are wrong")
        libraries, functions = {}, {}
        pos, end = 0, len(payload) - 10
        while pos < end:
            kind = payload[pos]
            pos += 1
            if kind not in (RDB_OPCODE_FUNCTION, RDB_OPCODE_FUNCTION2):
                raise ScriptError(b"ERR given type is not a function")
            try:
                code, pos = read_library(payload, pos, end, kind)
            except ValueError:
                raise ScriptError(b"ERR Failed loading library payload")
            self.create(code, False, libraries, functions, 0)
        if policy == b"flush":
            self.libraries, self.functions = libraries, functions
            return
        replace = policy == b"replace"
        for name in libraries:
            if name in self.libraries and not replace:
                raise ScriptError(b"ERR Library " + name + b" already exists")
        # after replacing, no function may collide with another library
        remaining = {n: li for n, li in self.libraries.items() if n not in libraries}
        taken = {f.lower() for li in remaining.values() for f in li.functions}
        for fname, fi in functions.items():
            if fname in taken:
                raise ScriptError(b"ERR Function " + fi.name + b" already exists")
        for name, li in libraries.items():
            old = self.libraries.get(name)
            if old is not None:
                self._unlink(old, self.libraries, self.functions)
            self.libraries[name] = li
            for fname, fi in li.functions.items():
                self.functions[fname.lower()] = fi


def _lua_str(v):
    """lua_tostring of a string or number."""
    if type(v) is bytes:
        return v
    if type(v) is int and abs(v) < 10 ** 14:
        return b"%d" % v
    return b"%.14g" % v


def _read_flags(t):
    """The script flags a register_function flags table names, or None."""
    flags = 0
    i = 1
    while True:
        v = t[i]
        if v is None:
            return flags
        if type(v) not in (bytes, int, float):
            return None
        name = _lua_str(v).lower().decode("latin-1")
        for fname, bit in FLAG_NAMES:
            if fname == name:
                flags |= bit
                break
        else:
            return None
        i += 1


# ---- libraries in RDB form ----------------------------------------------------------------

def read_library(data, pos, end, kind):
    """One library after its opcode in data[pos:end]: (code, next position).
    FUNCTION2 holds the whole code; the 7.0-rc FUNCTION form holds name,
    engine, an optional description and the body, and the shebang line is
    rebuilt from them (as Redis 7.0 does). ValueError when malformed."""
    def string(pos):
        s, used, _ = rdbenc.decode_string(bytes(data[pos:end]))
        return s, pos + used
    if kind == RDB_OPCODE_FUNCTION2:
        return string(pos)
    name, pos = string(pos)
    engine, pos = string(pos)
    has_desc, used = rdbenc.decode_len(bytes(data[pos:min(pos + 9, end)]))
    pos += used
    if has_desc:
        _, pos = string(pos)
    body, pos = string(pos)
    return b"#!" + engine + b" name=" + name + b"\n" + body, pos


def verify_payload(payload):
    """verifyDumpPayload: RDB version not newer than ours, CRC-64 right."""
    if len(payload) < 10:
        return False
    ver = payload[-10] | (payload[-9] << 8)
    if ver > RDB_VERSION:
        return False
    return py_crc64(payload[:-8]) == struct.unpack("<Q", payload[-8:])[0]


# ---- commands --------------------------------------------------------------------------------

def _functions(c):
    return script.get(c).get_functions()


def function_load_command(c):
    args = c.args()
    replace = False
    i = 2
    while i < len(args) - 1:
        if args[i].lower() == b"replace":
            replace = True
            i += 1
            continue
        c.reply_error(b"ERR Unknown option given: " + args[i].split(b"\0", 1)[0])
        return
    if i >= len(args):
        c.reply_error("ERR Function code is missing")
        return
    fs = _functions(c)
    try:
        name = fs.create(args[i], replace, fs.libraries, fs.functions)
    except ScriptError as e:
        c.reply_error(e.args[0])
        return
    c.srv.dirty += 1
    c.reply_bulk(name)


def function_delete_command(c):
    if not _functions(c).delete(c.arg(2)):
        c.reply_error("ERR Library not found")
        return
    c.srv.dirty += 1
    c.reply_ok()


def function_flush_command(c):
    from pyengine.t_server import reply_subcommand_syntax_error
    args = c.args()
    if len(args) > 3:
        reply_subcommand_syntax_error(c)
        return
    if len(args) == 3 and args[2].split(b"\0", 1)[0].lower() not in (b"async", b"sync"):
        c.reply_error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
        return
    _functions(c).flush()
    c.srv.dirty += 1
    c.reply_ok()


def _reply_flags(c, flags):
    names = [name for name, bit in FLAG_NAMES if flags & bit]
    c.reply_set(len(names))
    for name in names:
        c.reply_simple(name)


def function_list_command(c):
    args = c.args()
    with_code = False
    pattern = None
    i = 2
    while i < len(args):
        a = args[i].split(b"\0", 1)[0].lower()
        if not with_code and a == b"withcode":
            with_code = True
            i += 1
            continue
        if pattern is None and a == b"libraryname":
            if i >= len(args) - 1:
                c.reply_error("ERR library name argument was not given")
                return
            pattern = args[i + 1]
            i += 2
            continue
        c.reply_error(b"ERR Unknown argument " + args[i].split(b"\0", 1)[0])
        return
    libs = list(_functions(c).libraries.values())
    if pattern is not None:
        libs = [li for li in libs if py_stringmatch(pattern, li.name, True)]
    c.reply_array(len(libs))
    for li in libs:
        c.reply_map(4 if with_code else 3)
        c.reply_bulk(b"library_name")
        c.reply_bulk(li.name)
        c.reply_bulk(b"engine")
        c.reply_bulk(b"LUA")
        c.reply_bulk(b"functions")
        c.reply_array(len(li.functions))
        for fi in li.functions.values():
            c.reply_map(3)
            c.reply_bulk(b"name")
            c.reply_bulk(fi.name)
            c.reply_bulk(b"description")
            if fi.desc is None:
                c.reply_null()
            else:
                c.reply_bulk(fi.desc)
            c.reply_bulk(b"flags")
            _reply_flags(c, fi.flags)
        if with_code:
            c.reply_bulk(b"library_code")
            c.reply_bulk(li.code)


def function_stats_command(c):
    scripting = script.get(c)
    run = scripting.run
    if run is not None and run.is_eval:
        c.reply_error(script.BUSY_EVAL)
        return
    fs = _functions(c)
    c.reply_map(2)
    c.reply_bulk(b"running_script")
    if run is None:
        c.reply_null()
    else:
        c.reply_map(3)
        c.reply_bulk(b"name")
        c.reply_bulk(run.funcname)
        c.reply_bulk(b"command")
        argv = run.caller.args()
        c.reply_array(len(argv))
        for a in argv:
            c.reply_bulk(a)
        c.reply_bulk(b"duration_ms")
        c.reply_int(int((time.monotonic() - run.start) * 1000))
    c.reply_bulk(b"engines")
    c.reply_map(1)
    c.reply_bulk(b"LUA")
    c.reply_map(2)
    c.reply_bulk(b"libraries_count")
    c.reply_int(len(fs.libraries))
    c.reply_bulk(b"functions_count")
    c.reply_int(len(fs.functions))


def function_kill_command(c):
    script.get(c).kill(c, False)


def function_dump_command(c):
    c.reply_bulk(_functions(c).dump(c.srv.instance.config["rdbcompression"]))


def function_restore_command(c):
    from pyengine.t_server import reply_subcommand_syntax_error
    args = c.args()
    if len(args) > 4:
        reply_subcommand_syntax_error(c)
        return
    policy = b"append"
    if len(args) == 4:
        policy = args[3].split(b"\0", 1)[0].lower()
        if policy not in (b"append", b"replace", b"flush"):
            c.reply_error("ERR Wrong restore policy given, value should be either FLUSH, APPEND "
                          "or REPLACE.")
            return
    try:
        _functions(c).restore(args[2], policy)
    except ScriptError as e:
        c.reply_error(e.args[0])
        return
    c.srv.dirty += 1
    c.reply_ok()


def function_help_command(c):
    from pyengine.t_server import reply_help
    reply_help(c, FUNCTION_HELP)


# ---- FCALL ----------------------------------------------------------------------------------

def fcall_command_flags(c):
    """fcallGetCommandFlags: the function's flags decide the FCALL's."""
    fi = _functions(c).functions.get(c.arg(1).lower())
    if fi is None:
        return c.cmd.flags
    return script.flags_to_command_flags(c.cmd.flags, fi.flags)


def _fcall(c, ro):
    fs = _functions(c)
    fi = fs.functions.get(c.arg(1).lower())
    if fi is None:
        c.reply_error("ERR Function not found")
        return
    numkeys = script.parse_numkeys(c, c.argc - 3, b"ERR Bad number of keys provided")
    if numkeys is None:
        return
    scripting = script.get(c)
    lua = fs.lua
    try:
        run = scripting.prepare(c, fi.name.decode("utf-8", "replace"), fi.flags, ro, False, lua)
    except ScriptError as e:
        c.reply_error(e.args[0])
        return
    hook_on = c.srv.instance.config["busy-reply-threshold"] > 0
    args = c.args()[3:]
    try:
        result = lua.run_function(fi.fn, hook_on, c.resp, numkeys, *args)
    finally:
        scripting.finish(run)
    script.reply_result(c, run, result)


def fcall_command(c):
    _fcall(c, False)


def fcall_ro_command(c):
    _fcall(c, True)


PROCS = {name: fn for name, fn in globals().items()
         if name.endswith("_command") and callable(fn) and not name.endswith("_flags")}

FLAGS_PROCS = {
    "fcall": fcall_command_flags,
    "fcall_ro": fcall_command_flags,
}
