"""What every script run shares, EVAL or FCALL (Redis's script.c).

A script runs inside the command that started it (EVAL, EVALSHA, FCALL ...)
and is atomic: nothing else runs until it returns. ``Scripting`` is the
per-instance state: the script client, the run in progress, the two Lua
states (eval.py's and functions.py's, created on first use) and the calls
a script makes back into the server.

The script client
-----------------
``redis.call(...)`` runs through the one dispatcher like any command: the
arguments become the argv of a socket-less Client flagged CLIENT_SCRIPT
and CLIENT_DENY_BLOCKING (a blocking command answers as if it timed out),
``dispatch.run_command`` calls the implementation (commandstats, slowlog
and latency are counted as for any call), and the RESP bytes it wrote are
handed back to Lua, which converts them (pyengine/lua/sandbox.lua). The
script client starts every run in the caller's database with RESP2;
SELECT and redis.setresp() inside a script change only the script client.

Before a command runs, the checks of Redis's scriptCall, in its order:
unknown command / wrong arity, ``noscript`` commands, writes from a
read-only run (EVAL_RO, FCALL_RO, a ``no-writes`` script: write and
may-replicate commands are refused), and OOM (a deny-oom command while
over maxmemory, unless the script declared ``allow-oom`` or already
wrote). A refused command is counted as rejected and its error counted
once, here; the Lua error it raises carries ``ignore_error_stats_update``
so the script's own error reply is not counted again.

Script flags
------------
A script declares flags in its shebang (``#!lua flags=no-writes,allow-oom``)
or in ``redis.register_function``; a script without a shebang runs in
compatibility mode (flags ignored, checks per command). Declared flags
also change the flags the dispatcher sees for the EVAL/FCALL itself
(``command_flags``): a script without ``no-writes`` is a write command, one
without ``allow-oom`` is deny-oom, as scriptFlagsToCmdFlags does.

Time, atomicity, effects
------------------------
While a script runs ``srv.script_running`` is set: the dispatcher keeps
the server time where it was when the script started (keys do not expire
half-way). The script's commands run through ``dispatch.call`` nested in
the caller's EVAL/FCALL call, so their effects are logged by the general
mechanism (pyengine/propagate.pyx) as one unit when the script ends,
wrapped in MULTI/EXEC when there are several (Redis 7's effects
replication); the EVAL itself is never logged. ``redis.set_repl()``
without the AOF target drops the effects of the commands that follow.

Busy scripts
------------
A script that runs longer than ``busy-reply-threshold`` (lua-time-limit,
5 s) makes the server answer others. The Lua states run a count hook
every 100000 instructions; it calls ``Scripting.tick``, which does
nothing until the threshold passes. Then, once: log "Slow script
detected", set ``srv.script_busy_error`` (the dispatcher then answers
``BUSY Redis is busy running a script...`` to every command not flagged
allow-busy) and protect the caller (its input waits). From then on every
tick lets the event loop process events (``process_events_while_blocked``:
accept, read, run, write without blocking and without cron), when the
script runs on the loop's own thread (an embedded caller cannot be
reached by other clients anyway). SCRIPT KILL / FUNCTION KILL set
``run.killed`` - refused with UNKILLABLE once the script wrote - and
SHUTDOWN NOSAVE requests the shutdown; the next tick then raises
"Script killed by user with SCRIPT KILL..." in the script, and from then
on raises again on every line (the hook switches to line mode), so a pcall
in the script cannot swallow it. After the run, the busy state is cleared
and the caller unprotected; the loop exits after the turn when a shutdown
was requested.
"""

import time

from pyengine import core, dispatch, msgs

# ---- script flags ----------------------------------------------------------------

FLAG_NO_WRITES = 1 << 0
FLAG_ALLOW_OOM = 1 << 1
FLAG_ALLOW_STALE = 1 << 2
FLAG_NO_CLUSTER = 1 << 3
FLAG_EVAL_COMPAT_MODE = 1 << 4      # an EVAL script without a shebang
FLAG_ALLOW_CROSS_SLOT = 1 << 5

# In Redis's order (FUNCTION LIST prints them in it).
FLAG_NAMES = (
    ("no-writes", FLAG_NO_WRITES),
    ("allow-oom", FLAG_ALLOW_OOM),
    ("allow-stale", FLAG_ALLOW_STALE),
    ("no-cluster", FLAG_NO_CLUSTER),
    ("allow-cross-slot-keys", FLAG_ALLOW_CROSS_SLOT),
)
FLAG_BY_NAME = dict(FLAG_NAMES)

_CMD = core.FLAG_BITS
CMD_WRITE = _CMD["write"]
CMD_DENYOOM = _CMD["denyoom"]
CMD_STALE = _CMD["stale"]
CMD_MAY_REPLICATE = _CMD["may_replicate"]
CMD_NOSCRIPT = _CMD["noscript"]

CLIENT_MULTI = core.CLIENT_MULTI_FLAG
CLIENT_SCRIPT = core.CLIENT_SCRIPT_FLAG
CLIENT_PREVENT_PROP = core.CLIENT_PREVENT_PROP_FLAG
CLIENT_PROTECTED = core.CLIENT_PROTECTED_FLAG
CLIENT_DENY_BLOCKING = core.CLIENT_DENY_BLOCKING_FLAG

# redis.set_repl() targets
PROPAGATE_AOF = 1
PROPAGATE_REPL = 2

BUSY_EVAL = (b"BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
             b"SHUTDOWN NOSAVE.")
BUSY_FUNCTION = (b"BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 b"SHUTDOWN NOSAVE.")
KILLED = b"Script killed by user with SCRIPT KILL..."

# Redis checks the hook every 100000 Lua instructions (sandbox.lua).


def flags_to_command_flags(cmd_flags, script_flags):
    """The flags of an EVAL/FCALL running a script that declared
    ``script_flags`` (scriptFlagsToCmdFlags)."""
    cmd_flags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE)
    if not script_flags & (FLAG_ALLOW_OOM | FLAG_NO_WRITES):
        cmd_flags |= CMD_DENYOOM
    if not script_flags & FLAG_NO_WRITES:
        cmd_flags |= CMD_WRITE
    if script_flags & FLAG_ALLOW_STALE:
        cmd_flags |= CMD_STALE
    return cmd_flags


_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("a"): b"\a"}
_HEX = b"0123456789abcdefABCDEF"


def split_args(line):
    """Redis's sdssplitargs: ``line`` (bytes) split at blanks, with "double
    quoted" (escapes \\n \\r \\t \\b \\a \\xHH) and 'single quoted' parts.
    None when a quote is unbalanced or not followed by a blank."""
    out = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in b" \n\r\t\0":
            i += 1
        if i >= n:
            return out
        cur = bytearray()
        inq = insq = False
        while True:
            if inq:
                if i >= n:
                    return None
                ch = line[i]
                if (ch == 92 and i + 3 < n and line[i + 1] == ord("x") and
                        line[i + 2] in _HEX and line[i + 3] in _HEX):
                    cur.append(int(line[i + 2:i + 4], 16))
                    i += 3
                elif ch == 92 and i + 1 < n:
                    i += 1
                    cur += _ESCAPES.get(line[i], bytes((line[i],)))
                elif ch == 34:
                    if i + 1 < n and line[i + 1] not in b" \n\r\t":
                        return None
                    inq = False
                    i += 1
                    break
                else:
                    cur.append(ch)
            elif insq:
                if i >= n:
                    return None
                ch = line[i]
                if ch == 92 and i + 1 < n and line[i + 1] == 39:
                    i += 1
                    cur.append(39)
                elif ch == 39:
                    if i + 1 < n and line[i + 1] not in b" \n\r\t":
                        return None
                    insq = False
                    i += 1
                    break
                else:
                    cur.append(ch)
            else:
                if i >= n:
                    break
                ch = line[i]
                if ch in b" \n\r\t\0":
                    break
                if ch == 34:
                    inq = True
                elif ch == 39:
                    insq = True
                else:
                    cur.append(ch)
            i += 1
        out.append(bytes(cur))


class ScriptError(Exception):
    """Refusing to run a script: the error reply (bytes, code first)."""


class ScriptRun:
    """One script in progress (Redis's scriptRunCtx)."""

    __slots__ = ("caller", "sclient", "funcname", "is_eval", "readonly", "allow_oom",
                 "write_dirty", "killed", "timedout", "start", "repl_flags",
                 "oom_at_start", "lua")

    def __init__(self, caller, sclient, funcname, is_eval, lua):
        self.caller = caller
        self.sclient = sclient
        self.funcname = funcname
        self.is_eval = is_eval
        self.lua = lua
        self.readonly = False
        self.allow_oom = False
        self.write_dirty = False
        self.killed = False
        self.timedout = False
        self.start = time.monotonic()
        self.repl_flags = PROPAGATE_AOF | PROPAGATE_REPL
        self.oom_at_start = False


class Scripting:
    """The scripting state of one Instance (``instance.scripting``)."""

    def __init__(self, instance):
        self.instance = instance
        self.srv = instance.srv
        self.run = None                   # the ScriptRun in progress
        self.sclient = instance.new_client(-1)
        self.sclient.flags |= CLIENT_SCRIPT | CLIENT_DENY_BLOCKING
        self.sclient.is_local = True
        self.sclient.addr = ""
        # (not listed by CLIENT LIST: Redis's script client is not a connection)
        self.srv.clients.pop(self.sclient.id, None)
        self._cmd_cache = {}              # exact argv[0] bytes -> Command (no subcommands)
        self.disable_deny_script = False  # DEBUG SET-DISABLE-DENY-SCRIPTS (Redis's test hook)
        self.eval = None                  # eval.EvalScripts, created on first use
        self.functions = None             # functions.Functions

    # ---- the two script kinds ---------------------------------------------------
    def get_eval(self):
        if self.eval is None:
            from pyengine.eval import EvalScripts
            self.eval = EvalScripts(self)
        return self.eval

    def get_functions(self):
        if self.functions is None:
            from pyengine.functions import Functions
            self.functions = Functions(self)
        return self.functions

    # ---- starting and ending a run ------------------------------------------------
    def prepare(self, caller, funcname, script_flags, ro, is_eval, lua):
        """scriptPrepareForRun: refuse (ScriptError) or return the new run."""
        srv = self.srv
        oom = False
        if srv.maxmemory:
            oom = not self.instance.free_memory_if_needed()
        if not script_flags & FLAG_EVAL_COMPAT_MODE:
            if not script_flags & FLAG_NO_WRITES and ro:
                raise ScriptError(b"ERR Can not execute a script with write flag using *_ro command.")
            if oom and srv.maxmemory and not script_flags & (FLAG_ALLOW_OOM | FLAG_NO_WRITES):
                raise ScriptError(b"OOM allow-oom flag is not set on the script, can not run it "
                                  b"when used memory > 'maxmemory'")
        run = ScriptRun(caller, self.sclient, funcname, is_eval, lua)
        run.oom_at_start = oom
        if ro or (not script_flags & FLAG_EVAL_COMPAT_MODE and script_flags & FLAG_NO_WRITES):
            run.readonly = True
        if not script_flags & FLAG_EVAL_COMPAT_MODE and script_flags & FLAG_ALLOW_OOM:
            run.allow_oom = True
        sc = self.sclient
        sc.select(caller.dbid)
        sc.resp = 2
        if caller.flags & CLIENT_MULTI:
            sc.flags |= CLIENT_MULTI
        sc.user = caller.user
        self.run = run
        srv.script_running = True
        return run

    def finish(self, run):
        """scriptResetRun: end the run, leave busy mode, hand the effects on."""
        srv = self.srv
        self.sclient.flags &= ~CLIENT_MULTI
        self.run = None
        srv.script_running = False
        if run.timedout:
            srv.script_busy_error = None
            run.caller.flags &= ~CLIENT_PROTECTED
            frontend = self.instance.frontend
            if frontend is not None:
                frontend.loop.resume_client(run.caller)
        # the script's effects were logged, not the EVAL / FCALL
        run.caller.flags |= CLIENT_PREVENT_PROP

    # ---- redis.call -----------------------------------------------------------------
    def _refuse(self, cmd, msg):
        """A command the script may not run: count the error as Redis's
        scriptCall does and return what the Lua side raises."""
        srv = self.srv
        srv.stat_total_error_replies += 1
        if msg.startswith(b"-"):
            sp = msg.find(b" ", 0, 32)
            srv.count_error(msg[1:sp] if sp > 0 else b"ERR")
        else:
            srv.count_error(b"ERR")
        if cmd is not None:
            cmd.rejected_calls += 1
        srv.err_checkpoint = srv.stat_total_error_replies
        return None, msg, True

    def lua_call(self, *args):
        """redis.call / redis.pcall: run one command for the script. Returns
        the reply bytes, or (None, error message, counted) when the command
        is refused before running."""
        run = self.run
        if run is None:
            return None, b"redis.call/pcall can only be called inside a script invocation", False
        if not args:
            return None, b"Please specify at least one argument for this redis lib call", False
        argv = []
        for a in args:
            t = type(a)
            if t is bytes:
                argv.append(a)
            elif t is int:
                argv.append(b"%d" % a if -10 ** 17 < a < 10 ** 17 else b"%.17g" % a)
            elif t is float:
                argv.append(b"%.17g" % a)
            else:
                return None, b"Lua redis lib command arguments must be strings or integers", False
        cmd = self._cmd_cache.get(argv[0])
        if cmd is None:
            cmd = dispatch.lookup(self.srv, argv)
            if cmd is not None and cmd.parent is None and not cmd.subcommands_py:
                self._cmd_cache[argv[0]] = cmd
        if cmd is None:
            return self._refuse(None, b"Unknown Redis command called from script")
        n = len(argv)
        if (cmd.arity > 0 and cmd.arity != n) or n < -cmd.arity:
            return self._refuse(cmd, b"Wrong number of args calling Redis command from script")
        flags = cmd.flags
        if flags & CMD_NOSCRIPT and not self.disable_deny_script:
            return self._refuse(cmd, b"This Redis command is not allowed from script")
        if run.readonly and flags & (CMD_WRITE | CMD_MAY_REPLICATE):
            return self._refuse(cmd, b"Write commands are not allowed from read-only scripts.")
        if flags & CMD_WRITE and not run.write_dirty and self.srv.disk_error:
            # writes refused after a failed BGSAVE (MISCONF), unless the
            # script already wrote: it must not fail half-way
            return self._refuse(cmd, b"-" + msgs.MISCONF)
        if (not run.allow_oom and self.srv.maxmemory and not run.write_dirty and
                run.oom_at_start and flags & CMD_DENYOOM):
            return self._refuse(cmd, b"-" + msgs.OOM)
        if flags & CMD_WRITE:
            run.write_dirty = True
        sc = self.sclient
        sc.set_args(argv)
        sc.cmd = sc.lastcmd = cmd
        srv = self.srv
        logged = len(srv.also_propagate)
        dispatch.run_command(sc, cmd)
        if not run.repl_flags & PROPAGATE_AOF:
            del srv.also_propagate[logged:]       # redis.set_repl() without AOF
        return sc.take_reply()

    def set_resp(self, v):
        self.sclient.resp = int(v)

    def set_repl(self, v):
        if self.run is not None:
            self.run.repl_flags = int(v)

    def acl_check_cmd(self, *args):
        """redis.acl_check_cmd: whether the caller's user may run the command
        (every user may run everything until ACLs exist)."""
        if not args:
            return None, b"Please specify at least one argument for this redis lib call"
        for a in args:
            if type(a) not in (bytes, int, float):
                return None, b"Lua redis lib command arguments must be strings or integers"
        argv = [a if type(a) is bytes else (b"%.17g" % a) for a in args]
        if dispatch.lookup(self.srv, argv) is None:
            return None, b"Invalid command passed to redis.acl_check_cmd()"
        return True

    def is_running(self):
        return self.run is not None

    # ---- the periodic hook -----------------------------------------------------------
    def tick(self):
        """Called by the Lua hook every 100000 instructions. Returns None to
        go on, or the error message that ends the script."""
        run = self.run
        if run is None:
            return None
        inst = self.instance
        if not run.timedout:
            limit = inst.config["busy-reply-threshold"]
            elapsed_ms = (time.monotonic() - run.start) * 1000
            if limit <= 0 or elapsed_ms < limit:
                return None
            run.timedout = True
            inst.log("warning", "Slow script detected: still in execution after %d milliseconds. "
                                "You can try killing the script using the %s command. Script name "
                                "is: %s." % (elapsed_ms, "SCRIPT KILL" if run.is_eval else
                                             "FUNCTION KILL", run.funcname))
            self.srv.script_busy_error = BUSY_EVAL if run.is_eval else BUSY_FUNCTION
            run.caller.flags |= CLIENT_PROTECTED
        frontend = inst.frontend
        if frontend is not None and frontend.loop.on_loop_thread():
            frontend.loop.process_events_while_blocked()
        if run.killed:
            inst.log("warning", "Lua script killed by user with SCRIPT KILL.")
            return KILLED
        if inst.shutdown_requested is not None:
            return KILLED
        return None

    def kill(self, c, is_eval):
        """SCRIPT KILL (is_eval) / FUNCTION KILL."""
        run = self.run
        if run is None:
            c.reply_error("NOTBUSY No scripts in execution right now.")
        elif run.write_dirty:
            c.reply_error("UNKILLABLE Sorry the script already executed write commands against the "
                          "dataset. You can either wait the script termination or kill the server "
                          "in a hard way using the SHUTDOWN NOSAVE command.")
        elif is_eval and not run.is_eval:
            c.reply_error(BUSY_FUNCTION)
        elif not is_eval and run.is_eval:
            c.reply_error(BUSY_EVAL)
        else:
            run.killed = True
            c.reply_ok()


def get(c):
    """The Scripting of ``c``'s instance (created on first use)."""
    inst = c.srv.instance
    s = inst.scripting
    if s is None:
        s = inst.scripting = Scripting(inst)
    return s


def parse_numkeys(c, nargs_after, bad_msg=None):
    """The numkeys argument (argv[2]) of EVAL/FCALL, or None after replying
    the error."""
    raw = c.arg(2)
    from pyengine.config import strict_ll
    try:
        numkeys = strict_ll(raw.decode("latin-1"))
    except ValueError:
        c.reply_error(bad_msg or msgs.NOT_INTEGER)
        return None
    if numkeys > nargs_after:
        c.reply_error("ERR Number of keys can't be greater than number of args")
        return None
    if numkeys < 0:
        c.reply_error("ERR Number of keys can't be negative")
        return None
    return numkeys


def reply_result(c, run, result):
    """Write what the Lua side returned for a run to the caller: (True,
    resp bytes[, errors]) or (False, message, source, line, counted)."""
    ok = result[0]
    if ok:
        data = result[1]
        errs = result[2] if len(result) > 2 else None
        c.reply_raw(data)
        if errs is not None:
            _count_reply_errors(c, errs)
        return
    msg, source, line, counted = result[1], result[2], result[3], result[4]
    if msg is None:
        msg = b"ERR unknown error"
    elif type(msg) is not bytes:
        msg = str(msg).encode()
    if source is not None and line is not None:
        if type(line) is float:
            line = int(line)
        msg = b"%s script: %s, on %s:%s." % (msg, run.funcname.encode(), source, str(line).encode())
    msg = msg.replace(b"\r", b" ").replace(b"\n", b" ")
    if msg.startswith(b"-"):
        msg = msg[1:]
    if counted:
        c.reply_error_uncounted(msg)
        c.cmd.failed_calls += 1
    else:
        c.reply_error(msg)


def _count_reply_errors(c, errs):
    """Error replies inside a script's result count in INFO errorstats
    unless the command that produced them was counted already."""
    srv = c.srv
    for item in errs.values():
        msg, counted = item[1], item[2]
        if counted:
            c.cmd.failed_calls += 1
            continue
        srv.stat_total_error_replies += 1
        sp = msg.find(b" ", 0, 32)
        srv.count_error(msg[:sp] if sp > 0 else b"ERR")


def memory_info(inst):
    """INFO memory's scripting fields: Lua VM sizes, cached EVAL scripts,
    function libraries."""
    s = inst.scripting
    out = {"vm_eval": 0, "scripts_eval": 0, "cached_scripts": 0, "functions": 0,
           "libraries": 0, "vm_functions": 0, "functions_overhead": 0}
    if s is None:
        return out
    if s.eval is not None:
        out["vm_eval"] = s.eval.lua.used_memory()
        out["scripts_eval"] = s.eval.memory()
        out["cached_scripts"] = len(s.eval.scripts)
    if s.functions is not None:
        fs = s.functions
        out["vm_functions"] = fs.lua.used_memory()
        out["functions"] = len(fs.functions)
        out["libraries"] = len(fs.libraries)
        out["functions_overhead"] = 200 + sum(len(li.code) + 64 * (1 + len(li.functions))
                                              for li in fs.libraries.values())
    return out
