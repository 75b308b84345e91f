"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis's eval.c).

A script is identified by the SHA1 of its body (lowercase hex). The first
EVAL (or SCRIPT LOAD) of a body compiles it in the EVAL Lua state under the
chunk name "@user_script" - error positions read "user_script:1:" - and
caches it: ``EvalScripts.scripts`` maps sha -> Script(body, flags,
function). EVALSHA finds it there or answers NOSCRIPT. SCRIPT FLUSH drops
the cache and the whole Lua state (a fresh one is made), as Redis does.

A shebang first line (``#!lua flags=no-writes,allow-oom``) declares the
script's flags; it is removed before compiling but its line feed is kept
so line numbers stay right. Without one the script runs in compatibility
mode. See pyengine/script.py for what a run involves.

The dispatcher asks ``eval_command_flags`` for the flags of an EVAL before
running it (Redis's evalGetCommandFlags): the script is looked up (and
remembered for the command that follows, so it is hashed once).
"""

import hashlib

from pyengine import core, msgs, script
from pyengine.script import ScriptError, FLAG_EVAL_COMPAT_MODE, FLAG_BY_NAME
from pyengine.script_lua import LuaState

NOSCRIPT = b"NOSCRIPT No matching script. Please use EVAL."

SCRIPT_HELP = [
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
]


class Script:
    __slots__ = ("sha", "body", "flags", "fn")

    def __init__(self, sha, body, flags, fn):
        self.sha = sha
        self.body = body
        self.flags = flags
        self.fn = fn


def extract_shebang_flags(body):
    """evalExtractShebangFlags: (flags, shebang length) or raise ScriptError."""
    if not body.startswith(b"#!"):
        return FLAG_EVAL_COMPAT_MODE, 0
    end = body.find(b"\n")
    if end < 0:
        raise ScriptError(b"ERR Invalid script shebang")
    parts = script.split_args(body[:end])
    if not parts:
        raise ScriptError(b"ERR Invalid engine in script shebang")
    if parts[0] != b"#!lua":
        raise ScriptError(b"ERR Unexpected engine in script shebang: " + parts[0])
    flags = 0
    for part in parts[1:]:
        if part.startswith(b"flags="):
            for name in part[6:].split(b",") if part[6:] else ():
                bit = FLAG_BY_NAME.get(name.decode("latin-1"))
                if bit is None:
                    raise ScriptError(b"ERR Unexpected flag in script shebang: " + name)
                flags |= bit
        else:
            raise ScriptError(b"ERR Unknown lua shebang option: " + part)
    return flags, end


class EvalScripts:
    """The EVAL Lua state and its script cache."""

    def __init__(self, scripting):
        self.scripting = scripting
        self.lua = LuaState(scripting, "eval")
        self.scripts = {}              # sha (lowercase hex bytes) -> Script
        self.pending = None            # (client, argv[1], Script) from eval_command_flags

    def flush(self):
        self.scripts = {}
        self.pending = None
        self.lua = LuaState(self.scripting, "eval")

    def create(self, body):
        """luaCreateFunction: the sha of ``body``, compiled and cached if it
        was not (raises ScriptError with the reply on failure)."""
        sha = hashlib.sha1(body).hexdigest().encode()
        if sha in self.scripts:
            return sha
        flags, shebang_len = extract_shebang_flags(body)
        fn, err = self.lua.compile(body[shebang_len:], b"@user_script")
        if fn is None:
            raise ScriptError(b"ERR Error compiling script (new function): " + err)
        self.scripts[sha] = Script(sha, body, flags, fn)
        return sha

    def memory(self):
        return sum(len(s.body) + 40 for s in self.scripts.values())


def _scripts(c):
    return script.get(c).get_eval()


def _find(c, evalsha):
    """The cached Script argv[1] names (a body for EVAL, a sha for EVALSHA), or None."""
    ev = _scripts(c)
    arg = c.arg(1)
    pending = ev.pending
    if pending is not None:
        ev.pending = None
        if pending[0] is c and pending[1] == arg:
            return pending[2]
    if evalsha:
        if len(arg) != 40:
            return None
        return ev.scripts.get(arg.lower())
    return ev.scripts.get(hashlib.sha1(arg).hexdigest().encode())


def eval_command_flags(c):
    """evalGetCommandFlags: the script's declared flags decide the EVAL's."""
    cmd = c.cmd
    evalsha = cmd.name.startswith("evalsha")
    ev = _scripts(c)
    arg = c.arg(1)
    if evalsha:
        found = ev.scripts.get(arg.lower()) if len(arg) == 40 else None
        if found is None:
            return cmd.flags
        ev.pending = (c, arg, found)
        script_flags = found.flags
    else:
        found = ev.scripts.get(hashlib.sha1(arg).hexdigest().encode())
        if found is not None:
            ev.pending = (c, arg, found)
            script_flags = found.flags
        else:
            try:
                script_flags, _ = extract_shebang_flags(arg)
            except ScriptError:
                return cmd.flags
    if script_flags & FLAG_EVAL_COMPAT_MODE:
        return cmd.flags
    return script.flags_to_command_flags(cmd.flags, script_flags)


def _eval_generic(c, evalsha, ro):
    if evalsha and len(c.arg(1)) != 40:
        _scripts(c).pending = None
        c.reply_error(NOSCRIPT)
        return
    numkeys = script.parse_numkeys(c, c.argc - 3)
    if numkeys is None:
        _scripts(c).pending = None
        return
    ev = _scripts(c)
    found = _find(c, evalsha)
    if found is None:
        if evalsha:
            c.reply_error(NOSCRIPT)
            return
        try:
            found = ev.scripts[ev.create(c.arg(1))]
        except ScriptError as e:
            c.reply_error(e.args[0])
            return
    scripting = script.get(c)
    lua = ev.lua
    try:
        run = scripting.prepare(c, found.sha.decode(), found.flags, ro, True, lua)
    except ScriptError as e:
        c.reply_error(e.args[0])
        return
    hook_on = c.srv.instance.config["busy-reply-threshold"] > 0
    args = c.args()[3:]
    try:
        result = lua.run_eval(found.fn, hook_on, c.resp, numkeys, *args)
    finally:
        scripting.finish(run)
    script.reply_result(c, run, result)


def eval_command(c):
    _eval_generic(c, False, False)


def eval_ro_command(c):
    _eval_generic(c, False, True)


def evalsha_command(c):
    _eval_generic(c, True, False)


def evalsha_ro_command(c):
    _eval_generic(c, True, True)


# ---- SCRIPT ------------------------------------------------------------------------------

def script_help_command(c):
    from pyengine.t_server import reply_help
    reply_help(c, SCRIPT_HELP)


def script_flush_command(c):
    args = c.args()
    if len(args) == 3 and args[2].lower() in (b"sync", b"async"):
        pass
    elif len(args) != 2:
        c.reply_error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
        return
    _scripts(c).flush()
    c.reply_ok()


def script_exists_command(c):
    ev = _scripts(c)
    shas = c.args()[2:]
    c.reply_array(len(shas))
    for sha in shas:
        c.reply_int(1 if sha.lower() in ev.scripts and len(sha) == 40 else 0)


def script_load_command(c):
    try:
        sha = _scripts(c).create(c.arg(2))
    except ScriptError as e:
        c.reply_error(e.args[0])
        return
    c.reply_bulk(sha)


def script_kill_command(c):
    script.get(c).kill(c, True)


PROCS = {
    "eval_command": eval_command,
    "eval_ro_command": eval_ro_command,
    "evalsha_command": evalsha_command,
    "evalsha_ro_command": evalsha_ro_command,
    "script_help_command": script_help_command,
    "script_flush_command": script_flush_command,
    "script_exists_command": script_exists_command,
    "script_load_command": script_load_command,
    "script_kill_command": script_kill_command,
}

FLAGS_PROCS = {
    "eval": eval_command_flags,
    "evalsha": eval_command_flags,
    "eval_ro": eval_command_flags,
    "evalsha_ro": eval_command_flags,
}
