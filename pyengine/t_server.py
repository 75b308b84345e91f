"""Connection and server administration commands, in Python.

These are the cold commands: HELLO, AUTH, QUIT, RESET, CLIENT, CONFIG, INFO,
COMMAND, DEBUG, MEMORY, SLOWLOG, TIME, LASTSAVE, SHUTDOWN.
Each takes the Client, reads ``c.args()`` and replies through the Client's
reply methods. Texts (help, errors) are Redis 7.0.15's.
"""

import hashlib
import os
import platform
import resource
import struct
import sys
import time

from pyengine import core, db as pdb
from pyengine.core import Status, ErrorReply, Verbatim, BigNumber, Push
from pyengine.dispatch import lookup
from pyengine.version import REDIS_VERSION, PYENGINE_VERSION
from pyengine import msgs, getkeys


def _opt(b):
    """An option argument as Redis's strcasecmp sees it: up to the first NUL, lowercase."""
    return b.split(b"\0", 1)[0].lower()


def _cstr(b):
    return b.split(b"\0", 1)[0]


def reply_help(c, lines):
    """addReplyHelp: header, the lines, then HELP."""
    name = _cstr(c.arg(0)).upper().decode("latin-1")
    out = ["%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" % name] + lines + [
        "HELP", "    Prints this help."]
    c.reply_array(len(out))
    for line in out:
        c.reply_simple(line)


def _inst(c):
    return c.srv.instance


def reply_subcommand_syntax_error(c):
    """addReplySubcommandSyntaxError."""
    c.reply_error(b"ERR unknown subcommand or wrong number of arguments for '" +
                  _cstr(c.arg(1))[:128] + b"'. Try " + _cstr(c.arg(0)).upper() + b" HELP.")


# ---- connection -------------------------------------------------------------------

def quit_command(c):
    c.reply_ok()
    c.flags |= core.CLIENT_CLOSE_AFTER_REPLY_FLAG


def reset_command(c):
    """RESET: back to a fresh connection's state (RESP2, db 0, no name,
    default user, replies on). Like Redis, CLIENT NO-EVICT survives it.
    Subsystems with per-connection state (transactions, pub/sub) clear it
    through ``instance.client_reset_hooks``."""
    for hook in _inst(c).client_reset_hooks:
        hook(c)
    c.flags &= ~(core.CLIENT_REPLY_OFF_FLAG | core.CLIENT_REPLY_SKIP_NEXT_FLAG |
                 core.CLIENT_PUBSUB_FLAG)
    c.select(0)
    c.resp = 2
    c.name = None
    c.authenticated = c.srv.requirepass is None
    c.user = "default"
    c.reply_simple("RESET")


def _set_name_or_reply(c, name):
    if any(ch < 0x21 or ch > 0x7E for ch in name):
        c.reply_error("ERR Client names cannot contain spaces, newlines or special characters.")
        return False
    c.name = name or None
    return True


def _authenticate(c, username, password):
    """The default user is the only user: password from requirepass, or
    "nopass" when none is set."""
    srv = c.srv
    if username != b"default":
        return False
    if srv.requirepass is None:
        c.authenticated = True
        return True
    if password == srv.requirepass:
        c.authenticated = True
        return True
    return False


def hello_command(c):
    args = c.args()
    ver = 0
    j = 1
    if len(args) >= 2:
        try:
            ver = _strict_int(args[1])
        except ValueError:
            c.reply_error("ERR Protocol version is not an integer or out of range")
            return
        j = 2
        if ver < 2 or ver > 3:
            c.reply_error("NOPROTO unsupported protocol version")
            return
    while j < len(args):
        more = len(args) - 1 - j
        o = _opt(args[j])
        if o == b"auth" and more >= 2:
            if not _authenticate(c, args[j + 1], args[j + 2]):
                c.reply_error("WRONGPASS invalid username-password pair or user is disabled.")
                return
            j += 2
        elif o == b"setname" and more:
            if not _set_name_or_reply(c, args[j + 1]):
                return
            j += 1
        else:
            c.reply_error(b"ERR Syntax error in HELLO option '" + _cstr(args[j]) + b"'")
            return
        j += 1
    if not c.authenticated:
        c.reply_error("NOAUTH HELLO must be called with the client already authenticated, otherwise "
                      "the HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                      "select the RESP protocol version at the same time")
        return
    if ver:
        c.resp = ver
    c.reply_map(7)
    for k, v in ((b"server", b"redis"), (b"version", REDIS_VERSION.encode()), (b"proto", c.resp),
                 (b"id", c.id), (b"mode", b"standalone"), (b"role", b"master")):
        c.reply_bulk(k)
        c.reply_value(v)
    c.reply_bulk(b"modules")
    c.reply_array(0)


def auth_command(c):
    args = c.args()
    if len(args) > 3:
        c.reply_error(msgs.SYNTAX)
        return
    if len(args) == 2:
        if c.srv.requirepass is None:
            c.reply_error("ERR AUTH <password> called without any password configured for the "
                          "default user. Are you sure your configuration is correct?")
            return
        user, password = b"default", args[1]
    else:
        user, password = args[1], args[2]
    if _authenticate(c, user, password):
        c.reply_ok()
    else:
        c.reply_error("WRONGPASS invalid username-password pair or user is disabled.")


# ---- CLIENT ------------------------------------------------------------------------

CLIENT_HELP = [
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
]

CLIENT_TYPES = {b"normal": "normal", b"master": "master", b"replica": "replica",
                b"slave": "replica", b"pubsub": "pubsub"}


def client_help_command(c):
    reply_help(c, CLIENT_HELP)


def client_id_command(c):
    c.reply_int(c.id)


def client_type(c):
    return "pubsub" if c.flags & core.CLIENT_PUBSUB_FLAG else "normal"


def client_info_string(inst, cl, now=None):
    """One CLIENT LIST line (catClientInfoString), without the newline."""
    now = time.time() if now is None else now
    flags = ""
    if cl.flags & core.CLIENT_PUBSUB_FLAG:
        flags += "P"
    if cl.flags & core.CLIENT_MULTI_FLAG:
        flags += "x"
    if cl.flags & core.CLIENT_BLOCKED_FLAG:
        flags += "b"
    if cl.flags & core.CLIENT_DIRTY_CAS_FLAG:
        flags += "d"
    if cl.flags & core.CLIENT_CLOSE_AFTER_REPLY_FLAG:
        flags += "c"
    if cl.flags & core.CLIENT_CLOSE_ASAP_FLAG:
        flags += "A"
    if cl.flags & core.CLIENT_UNIX_SOCKET_FLAG:
        flags += "U"
    if cl.flags & core.CLIENT_NO_EVICT_FLAG:
        flags += "e"
    flags = flags or "N"
    events = "r"
    if inst.frontend is not None and inst.frontend.has_pending_write(cl):
        events = "rw"
    cmd = cl.lastcmd.fullname if cl.lastcmd is not None else "NULL"
    qbuf = cl.querybuf_len()
    qcap = cl.querybuf_cap()
    rbs = cl.reply_cap()
    omem = cl.reply_len()
    name = (cl.name or b"").decode("latin-1")
    return ("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d "
            "ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=0 rbs=%d rbp=%d obl=%d "
            "oll=0 omem=%d tot-mem=%d events=%s cmd=%s user=%s redir=-1 resp=%d" % (
                cl.id, cl.addr, cl.laddr, cl.fd, name, int(now - cl.ctime),
                int(now - cl.last_interaction), flags, cl.dbid, len(cl.pubsub_channels),
                len(cl.pubsub_patterns), len(cl.pubsubshard_channels),
                len(cl.mstate) if cl.flags & core.CLIENT_MULTI_FLAG else -1, qbuf, max(qcap - qbuf, 0),
                _argv_mem(inst, cl), rbs, cl.reply_bytes_peak, omem, omem, qcap + rbs,
                events, cmd, cl.user, cl.resp))


def _argv_mem(inst, cl):
    """argv-mem: the bytes of the arguments of the command a client is
    running (only the caller has one while CLIENT LIST/INFO runs)."""
    if cl is inst.srv.current_client:
        return sum(len(a) for a in cl.args())
    return 0


def client_info_command(c):
    c.reply_verbatim(client_info_string(_inst(c), c) + "\n")


def client_list_command(c):
    args = c.args()
    inst = _inst(c)
    clients = list(c.srv.clients.values())
    if len(args) == 4 and _opt(args[2]) == b"type":
        t = CLIENT_TYPES.get(_opt(args[3]))
        if t is None:
            c.reply_error(b"ERR Unknown client type '" + _cstr(args[3]) + b"'")
            return
        clients = [cl for cl in clients if client_type(cl) == t]
    elif len(args) > 3 and _opt(args[2]) == b"id":
        wanted = []
        for a in args[3:]:
            try:
                wanted.append(_strict_int(a))
            except ValueError:
                c.reply_error("ERR Invalid client ID")
                return
        by_id = c.srv.clients
        clients = [by_id[i] for i in wanted if i in by_id]
    elif len(args) != 2:
        c.reply_error(msgs.SYNTAX)
        return
    now = time.time()
    c.reply_verbatim("".join(client_info_string(inst, cl, now) + "\n" for cl in clients))


def client_setname_command(c):
    if _set_name_or_reply(c, c.arg(2)):
        c.reply_ok()


def client_getname_command(c):
    if c.name:
        c.reply_bulk(c.name)
    else:
        c.reply_null()


def client_reply_command(c):
    o = _opt(c.arg(2))
    if o == b"on":
        c.flags &= ~(core.CLIENT_REPLY_SKIP_FLAG | core.CLIENT_REPLY_OFF_FLAG)
        c.reply_ok()
    elif o == b"off":
        c.flags |= core.CLIENT_REPLY_OFF_FLAG
    elif o == b"skip":
        if not c.flags & core.CLIENT_REPLY_OFF_FLAG:
            c.flags |= core.CLIENT_REPLY_SKIP_NEXT_FLAG
    else:
        c.reply_error(msgs.SYNTAX)


def client_no_evict_command(c):
    o = _opt(c.arg(2))
    if o == b"on":
        c.flags |= core.CLIENT_NO_EVICT_FLAG
        c.reply_ok()
    elif o == b"off":
        c.flags &= ~core.CLIENT_NO_EVICT_FLAG
        c.reply_ok()
    else:
        c.reply_error(msgs.SYNTAX)


def client_kill_command(c):
    args = c.args()
    inst = _inst(c)
    addr = laddr = user = ctype = None
    cid = 0
    skipme = True
    if len(args) == 3:
        addr = _cstr(args[2]).decode("latin-1")
        skipme = False
    else:
        i = 2
        while i < len(args):
            more = len(args) > i + 1
            o = _opt(args[i])
            if o == b"id" and more:
                try:
                    cid = _strict_int(args[i + 1])
                    if cid < 1:
                        raise ValueError
                except ValueError:
                    c.reply_error("ERR client-id should be greater than 0")
                    return
            elif o == b"type" and more:
                ctype = CLIENT_TYPES.get(_opt(args[i + 1]))
                if ctype is None:
                    c.reply_error(b"ERR Unknown client type '" + _cstr(args[i + 1]) + b"'")
                    return
            elif o == b"addr" and more:
                addr = _cstr(args[i + 1]).decode("latin-1")
            elif o == b"laddr" and more:
                laddr = _cstr(args[i + 1]).decode("latin-1")
            elif o == b"user" and more:
                user = _cstr(args[i + 1]).decode("latin-1")
                if user != "default":
                    c.reply_error(b"ERR No such user '" + _cstr(args[i + 1]) + b"'")
                    return
            elif o == b"skipme" and more:
                v = _opt(args[i + 1])
                if v == b"yes":
                    skipme = True
                elif v == b"no":
                    skipme = False
                else:
                    c.reply_error(msgs.SYNTAX)
                    return
            else:
                c.reply_error(msgs.SYNTAX)
                return
            i += 2
    killed = 0
    close_self = False
    for cl in list(c.srv.clients.values()):
        if cl.flags & core.CLIENT_EMBEDDED_FLAG and cl.addr == "":
            continue
        if addr is not None and cl.addr != addr:
            continue
        if laddr is not None and cl.laddr != laddr:
            continue
        if ctype is not None and client_type(cl) != ctype:
            continue
        if cid and cl.id != cid:
            continue
        if user is not None and cl.user != user:
            continue
        if cl is c and skipme:
            continue
        if cl is c:
            close_self = True
        elif inst.frontend is not None:
            inst.frontend.kill_client(cl)
        killed += 1
    if len(args) == 3:
        if killed == 0:
            c.reply_error("ERR No such client")
        else:
            c.reply_ok()
    else:
        c.reply_int(killed)
    if close_self:
        c.flags |= core.CLIENT_CLOSE_AFTER_REPLY_FLAG


def client_unblock_command(c):
    """CLIENT UNBLOCK <id> [TIMEOUT|ERROR]: end a key-blocked command early."""
    from pyengine import blocked
    args = c.args()
    error = False
    if len(args) == 4:
        o = _opt(args[3])
        if o == b"timeout":
            error = False
        elif o == b"error":
            error = True
        else:
            c.reply_error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
            return
    try:
        cid = _strict_int(args[2])
    except ValueError:
        c.reply_error(msgs.NOT_INTEGER)
        return
    target = c.srv.clients.get(cid)
    if target is not None and target.flags & core.CLIENT_BLOCKED_FLAG and \
            target.btype == core.BLOCK_KEYS_TYPE:
        if error:
            blocked.reply_unblock_error(target)
        else:
            blocked.reply_timeout(target)
        c.reply_int(1)
    else:
        c.reply_int(0)


def client_pause_command(c):
    args = c.args()
    if len(args) > 4:
        reply_subcommand_syntax_error(c)
        return
    inst = _inst(c)
    ptype = 2
    if len(args) == 4:
        o = _opt(args[3])
        if o == b"write":
            ptype = 1
        elif o == b"all":
            ptype = 2
        else:
            c.reply_error("ERR CLIENT PAUSE mode must be WRITE or ALL")
            return
    try:
        ms = _strict_int(args[2])
    except ValueError:
        c.reply_error("ERR timeout is not an integer or out of range")
        return
    if ms < 0:
        c.reply_error(msgs.TIMEOUT_NEGATIVE)
        return
    # mstime() + timeout in a C long long: a huge timeout wraps around (and
    # so ends at once), as in Redis.
    end = ((core.py_mstime() + ms + 2 ** 63) % 2 ** 64) - 2 ** 63 if ms > 0 else 0
    srv = c.srv
    if ptype > srv.client_pause_type:
        srv.client_pause_type = ptype
    if end > srv.client_pause_end_ms:
        srv.client_pause_end_ms = end
    if srv.client_pause_end_ms <= core.py_mstime():
        inst.unpause()
    c.reply_ok()


def client_unpause_command(c):
    _inst(c).unpause()
    c.reply_ok()


# ---- CONFIG ------------------------------------------------------------------------------

CONFIG_HELP = [
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
]


def config_help_command(c):
    reply_help(c, CONFIG_HELP)


def config_get_command(c):
    items = _inst(c).config.get_matching(c.args()[2:])
    c.reply_map(len(items))
    for k, v in items:
        c.reply_bulk(k.encode("utf-8", "surrogateescape"))
        c.reply_bulk(v.encode("utf-8", "surrogateescape"))


def config_set_command(c):
    args = c.args()
    if len(args) % 2:
        c.reply_error(msgs.SYNTAX)
        return
    pairs = [(args[i], args[i + 1].decode("utf-8", "surrogateescape"))
             for i in range(2, len(args), 2)]
    inst = _inst(c)
    mode = inst.config["enable-protected-configs"]
    allow = mode == "yes" or (mode == "local" and c.is_local)
    err = inst.config.config_set(pairs, allow)
    if err:
        c.reply_error(err)
    else:
        c.reply_ok()


def config_resetstat_command(c):
    reset_stats(_inst(c))
    c.reply_ok()


def reset_stats(inst):
    srv = inst.srv
    for name in ("stat_numcommands", "stat_numconnections", "stat_rejected_conn", "stat_expiredkeys",
                 "stat_expired_time_cap_reached_count", "stat_expire_cycle_time_used",
                 "stat_evictedkeys", "stat_keyspace_hits", "stat_keyspace_misses",
                 "stat_total_error_replies", "stat_net_input_bytes", "stat_net_output_bytes",
                 "stat_unexpected_error_replies", "stat_total_reads_processed",
                 "stat_total_writes_processed", "stat_client_qbuf_limit_disconnections",
                 "stat_client_outbuf_limit_disconnections", "stat_dump_payload_sanitizations"):
        setattr(srv, name, 0)
    p = inst.persistence
    p.stat_fork_time_us = p.stat_total_forks = p.stat_rdb_saves = 0
    srv.stat_expired_stale_perc = 0.0
    srv.errors.clear()
    for cmd in _all_commands(srv):
        cmd.calls = cmd.usec = cmd.rejected_calls = cmd.failed_calls = 0
        cmd.latency = None
    inst.stat_peak_memory = 0


def config_rewrite_command(c):
    inst = _inst(c)
    path = inst.config.configfile
    if not path:
        c.reply_error("ERR The server is running without a config file")
        return
    try:
        inst.config.rewrite_file(path)
    except OSError as e:
        inst.log("warning", "CONFIG REWRITE failed: %s" % e.strerror)
        c.reply_error("ERR Rewriting config file: %s" % e.strerror)
        return
    inst.log("notice", "CONFIG REWRITE executed with success.")
    c.reply_ok()


# ---- COMMAND --------------------------------------------------------------------------------

COMMAND_HELP = [
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
]


class OrderedSet(list):
    """A RESP3 set whose element order is kept (COMMAND replies)."""


def _all_commands(srv):
    for cmd in srv.commands_by_name.values():
        yield cmd
        yield from cmd.subcommands_py.values()


def _typed(value, key=None):
    """JSON of a declaration -> reply value with Redis's types: flag lists
    become sets of simple strings, history a set of arrays, strings bulk."""
    if isinstance(value, dict):
        return {k: _typed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key in ("flags", "doc_flags"):
            return OrderedSet(Status(s.encode()) for s in value)
        if key == "history":
            return OrderedSet([_typed(x) for x in value])
        return [_typed(x) for x in value]
    if isinstance(value, str):
        return value.encode()
    return value


def command_info_value(cmd):
    spec = cmd.spec
    return [cmd.fullname.encode(), cmd.arity,
            OrderedSet(Status(f.encode()) for f in spec["flags"]),
            spec["first_key"], spec["last_key"], spec["key_step"],
            OrderedSet(Status(a.encode()) for a in spec["acl_categories"]),
            OrderedSet(t.encode() for t in spec["tips"]),
            OrderedSet(_typed(ks) for ks in spec["key_specs"]),
            ([command_info_value(s) for s in cmd.subcommands_py.values()]
             if cmd.subcommands_py else OrderedSet())]


def command_docs_value(cmd):
    docs = _typed(cmd.spec["docs"])
    if cmd.subcommands_py:
        docs[b"subcommands"] = {s.fullname.encode(): command_docs_value(s)
                                for s in cmd.subcommands_py.values()}
    return {k.encode() if isinstance(k, str) else k: v for k, v in docs.items()}


def _emit(c, value):
    """reply_value plus OrderedSet support."""
    if isinstance(value, OrderedSet):
        c.reply_set(len(value))
        for v in value:
            _emit(c, v)
    elif isinstance(value, list) and not isinstance(value, Push):
        c.reply_array(len(value))
        for v in value:
            _emit(c, v)
    elif isinstance(value, dict):
        c.reply_map(len(value))
        for k, v in value.items():
            _emit(c, k.encode() if isinstance(k, str) else k)
            _emit(c, v)
    else:
        c.reply_value(value)


def command_command(c):
    cmds = list(c.srv.commands_by_name.values())
    c.reply_array(len(cmds))
    for cmd in cmds:
        _emit(c, command_info_value(cmd))


def command_help_command(c):
    reply_help(c, COMMAND_HELP)


def command_count_command(c):
    c.reply_int(len(c.srv.commands_by_name))


def command_info_command(c):
    args = c.args()
    if len(args) == 2:
        return command_command(c)
    c.reply_array(len(args) - 2)
    for name in args[2:]:
        cmd = _lookup_fullname(c.srv, name)
        if cmd is None:
            c.reply_null()
        else:
            _emit(c, command_info_value(cmd))


def _lookup_fullname(srv, name):
    """'get' or 'config|get' (case-insensitive)."""
    parts = name.decode("latin-1").lower().split("|")
    cmd = srv.commands_by_name.get(parts[0])
    if cmd is not None and len(parts) == 2:
        return cmd.subcommands_py.get(parts[1])
    if len(parts) > 2:
        return None
    return cmd


def command_docs_command(c):
    args = c.args()
    if len(args) == 2:
        cmds = list(c.srv.commands_by_name.values())
    else:
        cmds = [cmd for cmd in (_lookup_fullname(c.srv, a) for a in args[2:]) if cmd is not None]
    c.reply_map(len(cmds))
    for cmd in cmds:
        c.reply_bulk(cmd.fullname.encode())
        _emit(c, command_docs_value(cmd))


def command_list_command(c):
    args = c.args()
    names = [cmd.fullname for cmd in _all_commands(c.srv)]
    if len(args) == 2:
        pass
    elif len(args) == 5 and _opt(args[2]) == b"filterby":
        kind, arg = _opt(args[3]), _cstr(args[4])
        if kind == b"module":
            names = []
        elif kind == b"aclcat":
            cat = "@" + arg.decode("latin-1").lower()
            names = [cmd.fullname for cmd in _all_commands(c.srv)
                     if cat in cmd.spec["acl_categories"]]
        elif kind == b"pattern":
            from engine.util import py_stringmatch
            names = [n for n in names if py_stringmatch(arg, n.encode(), True)]
        else:
            c.reply_error(msgs.SYNTAX)
            return
    else:
        c.reply_error(msgs.SYNTAX)
        return
    c.reply_array(len(names))
    for n in names:
        c.reply_bulk(n.encode())


def _command_getkeys(c, with_flags):
    args = c.args()[2:]
    cmd = lookup(c.srv, args)
    if cmd is None:
        c.reply_error("ERR Invalid command specified")
        return
    if not getkeys.has_keys(cmd):
        c.reply_error("ERR The command has no key arguments")
        return
    if (cmd.arity > 0 and cmd.arity != len(args)) or len(args) < -cmd.arity:
        c.reply_error("ERR Invalid number of arguments specified for command")
        return
    keys = getkeys.get_keys(cmd, args)
    if not keys:
        if "no_mandatory_keys" in cmd.spec["flags"]:
            c.reply_array(0)
        else:
            c.reply_error("ERR Invalid arguments specified for command")
        return
    c.reply_array(len(keys))
    for i, flags in keys:
        if with_flags:
            c.reply_array(2)
            c.reply_bulk(args[i])
            _emit(c, OrderedSet(Status(f.encode()) for f in flags))
        else:
            c.reply_bulk(args[i])


def command_getkeys_command(c):
    _command_getkeys(c, False)


def command_getkeysandflags_command(c):
    _command_getkeys(c, True)


# ---- INFO -------------------------------------------------------------------------------------

DEFAULT_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                    "modules", "errorstats", "cluster", "keyspace"]
ALL_SECTIONS = DEFAULT_SECTIONS[:7] + ["modules", "commandstats", "errorstats", "latencystats",
                                       "cluster", "keyspace"]


def _human(n):
    """bytesToHuman."""
    n = float(n)
    for unit, div in (("B", 1), ("K", 1024), ("M", 1024 ** 2), ("G", 1024 ** 3), ("T", 1024 ** 4),
                      ("P", 1024 ** 5)):
        if n < div * 1024 or unit == "P":
            return "%dB" % n if unit == "B" else "%.2f%s" % (n / div, unit)


def _rss():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _f32(x):
    """A value computed in C as a float (single precision)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def memory_overhead(inst):
    """getMemoryOverheadData: where used memory goes, and the RSS ratios.

    pyengine counts its own allocations (engine._mem) the way zmalloc does.
    Like a Redis built with libc malloc, the allocator's active and
    resident sizes are not known separately, so both are the process RSS
    (which here includes the Python interpreter)."""
    from engine._mem import used_memory
    srv = inst.srv
    used = used_memory()
    inst.stat_peak_memory = max(inst.stat_peak_memory, used)
    peak = inst.stat_peak_memory
    rss = _rss()
    startup = min(inst.stat_startup_memory, used)
    clients = sum(cl.querybuf_cap() + cl.reply_cap() for cl in srv.clients.values())
    dbs = []
    keys = 0
    for i in range(srv.dbnum):
        n = srv.dbsize(i)
        if not n:
            continue
        keys += n
        main, expires = pdb.py_db_overhead(srv, i)
        dbs.append((i, main, expires))
    overhead = startup + clients + sum(m + e for _, m, e in dbs)
    net = used - startup if used > startup else 1
    dataset = used - overhead if used > overhead else 0
    active = resident = rss
    m = {
        "peak_allocated": peak, "total_allocated": used, "startup_allocated": startup,
        "repl_backlog": 0, "clients_slaves": 0, "clients_normal": clients,
        "cluster_links": 0, "aof_buffer": 0, "lua_caches": 0, "functions_caches": 0,
        "dbs": dbs, "overhead_total": overhead, "total_keys": keys,
        "bytes_per_key": net // keys if keys else 0, "dataset": dataset,
        "dataset_perc": _f32(_f32(dataset) * 100 / net),
        "peak_perc": _f32(_f32(used) * 100 / peak) if peak else 0.0,
        "allocator_allocated": used, "allocator_active": active, "allocator_resident": resident,
        "allocator_frag": _f32(active / used) if used else 0.0,
        "allocator_frag_bytes": active - used,
        "allocator_rss": _f32(resident / active) if active else 0.0,
        "allocator_rss_bytes": resident - active,
        "rss_extra": _f32(rss / resident) if resident else 0.0,
        "rss_extra_bytes": rss - resident,
        "total_frag": _f32(rss / used) if used else 0.0,
        "total_frag_bytes": rss - used,
        "process_rss": rss,
    }
    return m


def _u64(v):
    """A size_t printed with %zu."""
    return v % 2 ** 64


def info_text(inst, sections):
    """The INFO reply text for the requested section names (lowercase)."""
    from engine._mem import used_memory
    srv = inst.srv
    cfg = inst.config
    want = set()
    everything = False
    for s in sections:
        if s in ("all", "everything"):
            everything = True
            want.update(ALL_SECTIONS)
        elif s == "default":
            want.update(DEFAULT_SECTIONS)
        else:
            want.add(s)
    if not sections:
        want.update(DEFAULT_SECTIONS)
    out = []
    now = time.time()

    def section(name, fields):
        if name not in want:
            return
        if out:
            out.append("")
        out.append("# " + ("CPU" if name == "cpu" else name.capitalize()))
        for k, v in fields:
            out.append("%s:%s" % (k, v))

    if "server" in want:
        fe = inst.frontend
        uname = platform.uname()
        section("server", [
            ("redis_version", REDIS_VERSION),
            ("redis_git_sha1", "00000000"),
            ("redis_git_dirty", 0),
            ("redis_build_id", "0"),
            ("redis_mode", "standalone"),
            ("os", "%s %s %s" % (uname.system, uname.release, uname.machine)),
            ("arch_bits", 64 if sys.maxsize > 2 ** 32 else 32),
            ("monotonic_clock", "POSIX clock_gettime"),
            ("multiplexing_api", "epoll" if fe is not None else "none"),
            ("atomicvar_api", "c11-builtin"),
            ("gcc_version", "0.0.0"),
            ("process_id", os.getpid()),
            ("process_supervised", "no"),
            ("run_id", inst.run_id),
            ("tcp_port", cfg["port"] if fe is not None else 0),
            ("server_time_usec", int(now * 1_000_000)),
            ("uptime_in_seconds", inst.uptime()),
            ("uptime_in_days", inst.uptime() // 86400),
            ("hz", srv.hz),
            ("configured_hz", cfg["hz"]),
            ("lru_clock", int(now) & 0xFFFFFF),
            ("executable", os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""),
            ("config_file", os.path.abspath(cfg.configfile) if cfg.configfile else ""),
            ("io_threads_active", 0),
            ("pyengine_version", PYENGINE_VERSION),
        ])
    if "clients" in want:
        blocked = sum(1 for cl in srv.clients.values() if cl.flags & core.CLIENT_BLOCKED_FLAG)
        section("clients", [
            ("connected_clients", _connected(inst)),
            ("cluster_connections", 0),
            ("maxclients", cfg["maxclients"]),
            ("client_recent_max_input_buffer", max([cl.querybuf_len() for cl in srv.clients.values()] or [0])),
            ("client_recent_max_output_buffer", max([cl.reply_len() for cl in srv.clients.values()] or [0])),
            ("blocked_clients", blocked),
            ("tracking_clients", 0),
            ("clients_in_timeout_table", 0),
        ])
    if "memory" in want:
        mh = memory_overhead(inst)
        used = mh["total_allocated"]
        rss = mh["process_rss"]
        peak = inst.stat_peak_memory
        maxmem = cfg["maxmemory"]
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError):
            total = 0
        from pyengine.script import memory_info
        sm = memory_info(inst)
        section("memory", [
            ("used_memory", used), ("used_memory_human", _human(used)),
            ("used_memory_rss", rss), ("used_memory_rss_human", _human(rss)),
            ("used_memory_peak", peak), ("used_memory_peak_human", _human(peak)),
            ("used_memory_peak_perc", "%.2f%%" % mh["peak_perc"]),
            ("used_memory_overhead", mh["overhead_total"]),
            ("used_memory_startup", mh["startup_allocated"]),
            ("used_memory_dataset", mh["dataset"]),
            ("used_memory_dataset_perc", "%.2f%%" % mh["dataset_perc"]),
            ("allocator_allocated", mh["allocator_allocated"]),
            ("allocator_active", mh["allocator_active"]),
            ("allocator_resident", mh["allocator_resident"]),
            ("total_system_memory", total), ("total_system_memory_human", _human(total)),
            ("used_memory_lua", sm["vm_eval"]), ("used_memory_vm_eval", sm["vm_eval"]),
            ("used_memory_lua_human", _human(sm["vm_eval"])),
            ("used_memory_scripts_eval", sm["scripts_eval"]),
            ("number_of_cached_scripts", sm["cached_scripts"]),
            ("number_of_functions", sm["functions"]), ("number_of_libraries", sm["libraries"]),
            ("used_memory_vm_functions", sm["vm_functions"]),
            ("used_memory_vm_total", sm["vm_eval"] + sm["vm_functions"]),
            ("used_memory_vm_total_human", _human(sm["vm_eval"] + sm["vm_functions"])),
            ("used_memory_functions", sm["functions_overhead"]),
            ("used_memory_scripts", sm["scripts_eval"] + sm["functions_overhead"]),
            ("used_memory_scripts_human", _human(sm["scripts_eval"] + sm["functions_overhead"])),
            ("maxmemory", maxmem), ("maxmemory_human", _human(maxmem)),
            ("maxmemory_policy", cfg["maxmemory-policy"]),
            ("allocator_frag_ratio", "%.2f" % mh["allocator_frag"]),
            ("allocator_frag_bytes", _u64(mh["allocator_frag_bytes"])),
            ("allocator_rss_ratio", "%.2f" % mh["allocator_rss"]),
            ("allocator_rss_bytes", mh["allocator_rss_bytes"]),
            ("rss_overhead_ratio", "%.2f" % mh["rss_extra"]),
            ("rss_overhead_bytes", mh["rss_extra_bytes"]),
            ("mem_fragmentation_ratio", "%.2f" % mh["total_frag"]),
            ("mem_fragmentation_bytes", mh["total_frag_bytes"]),
            ("mem_not_counted_for_evict", 0), ("mem_replication_backlog", 0),
            ("mem_total_replication_buffers", 0), ("mem_clients_slaves", 0),
            ("mem_clients_normal", mh["clients_normal"]),
            ("mem_cluster_links", 0), ("mem_aof_buffer", 0),
            ("mem_allocator", "libc"), ("active_defrag_running", 0),
            ("lazyfree_pending_objects", 0), ("lazyfreed_objects", 0),
        ])
    if "persistence" in want:
        section("persistence", inst.persistence.info_fields() + inst.aof.info_fields())
    if "stats" in want:
        fe = inst.frontend
        ops = fe.instantaneous_ops() if fe is not None else 0
        from pyengine import pubsub
        ps_channels, ps_patterns, ps_shard = pubsub.stats(srv)
        section("stats", [
            ("total_connections_received", srv.stat_numconnections),
            ("total_commands_processed", srv.stat_numcommands),
            ("instantaneous_ops_per_sec", ops),
            ("total_net_input_bytes", srv.stat_net_input_bytes),
            ("total_net_output_bytes", srv.stat_net_output_bytes),
            ("total_net_repl_input_bytes", 0), ("total_net_repl_output_bytes", 0),
            ("instantaneous_input_kbps", "0.00"), ("instantaneous_output_kbps", "0.00"),
            ("instantaneous_input_repl_kbps", "0.00"), ("instantaneous_output_repl_kbps", "0.00"),
            ("rejected_connections", srv.stat_rejected_conn),
            ("sync_full", 0), ("sync_partial_ok", 0), ("sync_partial_err", 0),
            ("expired_keys", srv.stat_expiredkeys),
            ("expired_stale_perc", "%.2f" % (srv.stat_expired_stale_perc * 100)),
            ("expired_time_cap_reached_count", srv.stat_expired_time_cap_reached_count),
            ("expire_cycle_cpu_milliseconds", srv.stat_expire_cycle_time_used // 1000),
            ("evicted_keys", srv.stat_evictedkeys), ("evicted_clients", 0),
            ("total_eviction_exceeded_time", 0), ("current_eviction_exceeded_time", 0),
            ("keyspace_hits", srv.stat_keyspace_hits), ("keyspace_misses", srv.stat_keyspace_misses),
            ("pubsub_channels", ps_channels), ("pubsub_patterns", ps_patterns),
            ("pubsubshard_channels", ps_shard),
            ("latest_fork_usec", inst.persistence.stat_fork_time_us),
            ("total_forks", inst.persistence.stat_total_forks), ("migrate_cached_sockets", 0),
            ("slave_expires_tracked_keys", 0), ("active_defrag_hits", 0), ("active_defrag_misses", 0),
            ("active_defrag_key_hits", 0), ("active_defrag_key_misses", 0),
            ("total_active_defrag_time", 0), ("current_active_defrag_time", 0),
            ("tracking_total_keys", 0), ("tracking_total_items", 0), ("tracking_total_prefixes", 0),
            ("unexpected_error_replies", srv.stat_unexpected_error_replies),
            ("total_error_replies", srv.stat_total_error_replies),
            ("dump_payload_sanitizations", srv.stat_dump_payload_sanitizations),
            ("total_reads_processed", srv.stat_total_reads_processed),
            ("total_writes_processed", srv.stat_total_writes_processed),
            ("io_threaded_reads_processed", 0), ("io_threaded_writes_processed", 0),
            # pyengine does not resize reply buffers the way Redis's cron does
            ("reply_buffer_shrinks", 0), ("reply_buffer_expands", 0),
        ])
    if "replication" in want:
        section("replication", [
            ("role", "master"), ("connected_slaves", 0), ("master_failover_state", "no-failover"),
            ("master_replid", inst.run_id), ("master_replid2", "0" * 40), ("master_repl_offset", 0),
            ("second_repl_offset", -1), ("repl_backlog_active", 0),
            ("repl_backlog_size", 1048576), ("repl_backlog_first_byte_offset", 0),
            ("repl_backlog_histlen", 0),
        ])
    if "cpu" in want:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        rc = resource.getrusage(resource.RUSAGE_CHILDREN)
        section("cpu", [
            ("used_cpu_sys", "%.6f" % ru.ru_stime), ("used_cpu_user", "%.6f" % ru.ru_utime),
            ("used_cpu_sys_children", "%.6f" % rc.ru_stime),
            ("used_cpu_user_children", "%.6f" % rc.ru_utime),
            ("used_cpu_sys_main_thread", "%.6f" % ru.ru_stime),
            ("used_cpu_user_main_thread", "%.6f" % ru.ru_utime),
        ])
    if "module_list" in want:
        want.add("modules")
    section("modules", [])
    if "commandstats" in want:
        fields = []
        for cmd in _all_commands(srv):
            if cmd.calls or cmd.failed_calls or cmd.rejected_calls:
                fields.append(("cmdstat_" + _safe_info(cmd.fullname.encode()).decode("latin-1"),
                               "calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d" % (
                                   cmd.calls, cmd.usec, _f32(_f32(cmd.usec) / cmd.calls) if cmd.calls else 0,
                                   cmd.rejected_calls, cmd.failed_calls)))
        section("commandstats", fields)
    if "errorstats" in want:
        section("errorstats", [("errorstat_" + _safe_info(k).decode("latin-1"), "count=%d" % v)
                               for k, v in sorted(srv.errors.items())])
    if "latencystats" in want:
        pcts = cfg["latency-tracking-info-percentiles"]
        fields = []
        if not cfg["latency-tracking"]:
            _all = ()
        else:
            _all = _all_commands(srv)
        for cmd in _all:
            h = cmd.latency
            if h is None or h.total == 0:
                continue
            parts = ["p%s=%.3f" % (_pct_name(p), h.percentile(p)) for p in pcts]
            fields.append(("latency_percentiles_usec_" + cmd.fullname, ",".join(parts)))
        section("latencystats", fields)
    section("cluster", [("cluster_enabled", 0)])
    if "keyspace" in want:
        fields = []
        for i in range(srv.dbnum):
            keys = srv.dbsize(i)
            if keys:
                fields.append(("db%d" % i, "keys=%d,expires=%d,avg_ttl=%d" % (
                    keys, srv.expires_count(i), pdb.py_avg_ttl(srv, i))))
        section("keyspace", fields)
    return "\r\n".join(out) + "\r\n" if out else ""


def _safe_info(b):
    """getSafeInfoString: '#' ':' '\\r' '\\n' would break the INFO format."""
    return b.replace(b"#", b"_").replace(b":", b"_").replace(b"\r", b"_").replace(b"\n", b"_")


def _pct_name(p):
    s = "%f" % p
    return s.rstrip("0").rstrip(".") if "." in s else s


def _connected(inst):
    return sum(1 for cl in inst.srv.clients.values() if cl.fd >= 0)


def info_command(c):
    sections = [_opt(a).decode("latin-1") for a in c.args()[1:]]
    c.reply_verbatim(info_text(_inst(c), sections))


# ---- DEBUG ------------------------------------------------------------------------------------

# Redis's DEBUG HELP, in its order, keeping the entries pyengine implements
# (the others - AOF, RDB reload, crash helpers, allocator and encoding
# internals - answer "unknown subcommand" until their subsystems exist).
DEBUG_HELP = [
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
]


def _c_strtod_prefix(b):
    """strtod(s, NULL): the number at the start of ``s`` (0.0 if none)."""
    import re
    m = re.match(rb"[ \t\n\v\f\r]*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)", _cstr(b))
    return float(m.group(1)) if m else 0.0


def _c_atoi(b):
    """atoi: leading whitespace, sign and digits; 0 if none."""
    import re
    m = re.match(rb"[ \t\n\v\f\r]*([-+]?\d+)", _cstr(b))
    if not m:
        return 0
    v = int(m.group(1))
    return (v + 2 ** 31) % 2 ** 32 - 2 ** 31


def _sha1(data):
    return hashlib.sha1(data).digest()


def _xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def _mix(digest, data):
    return _sha1(_xor(digest, _sha1(data)))


def object_digest(srv, dbid, key, digest):
    """xorObjectDigest: mix the value of ``key`` (type, contents, whether it
    has a TTL) into ``digest``. Works on logically expired keys too."""
    info = pdb.py_lookup(srv, dbid, key)
    if info is None:
        return digest
    tname, _enc, _lru, expire = info
    digest = _mix(digest, struct.pack(">I", pdb.TYPE_IDS[tname]))
    for kind, part in pdb.py_digest_parts(srv, dbid, key):
        if kind == "mix":
            digest = _mix(digest, part)
        else:
            digest = _xor(digest, _sha1(part))
    if expire != -1:
        digest = _xor(digest, _sha1(b"!!expire!!"))
    return digest


def dataset_digest(srv):
    """DEBUG DIGEST: per db, mix the db id, then xor in each key's digest."""
    final = bytes(20)
    for j in range(srv.dbnum):
        keys = pdb.py_keys(srv, j)
        if not keys:
            continue
        final = _mix(final, struct.pack(">I", j))
        for key in keys:
            final = _xor(final, _sha1(object_digest(srv, j, key, _mix(bytes(20), key))))
    return final


def debug_command(c):
    args = c.args()
    inst = _inst(c)
    sub = _opt(args[1])
    n = len(args)
    if sub == b"help" and n == 2:
        reply_help(c, DEBUG_HELP)
    elif sub == b"log" and n == 3:
        inst.log("warning", "DEBUG LOG: %s" % _cstr(args[2]).decode("utf-8", "replace"))
        c.reply_ok()
    elif sub == b"sleep" and n == 3:
        usecs = int(_c_strtod_prefix(args[2]) * 1000000)
        if usecs > 0:
            time.sleep(usecs / 1000000)
        c.reply_ok()
    elif sub == b"set-active-expire" and n == 3:
        c.srv.active_expire_enabled = _c_atoi(args[2]) != 0
        c.reply_ok()
    elif sub == b"set-disable-deny-scripts" and n == 3:
        from pyengine import script
        script.get(c).disable_deny_script = _c_atoi(args[2]) != 0
        c.reply_ok()
    elif sub == b"object" and n == 3:
        info = pdb.py_lookup(c.srv, c.dbid, args[2])
        if info is None:
            c.reply_error(msgs.NO_SUCH_KEY)
            return
        tname, enc, lru, _expire = info
        idle = pdb.py_idle_seconds(c.srv, c.dbid, args[2])
        refcount = pdb.py_refcount(c.srv, c.dbid, args[2])
        extra = ""
        if tname in pdb.DEBUG_OBJECT:
            _len, extra = pdb.DEBUG_OBJECT[tname](c.srv, c.dbid, args[2])
        from pyengine import rdb
        serlen = rdb.serialized_length(c.srv, c.dbid, args[2]) or 0
        c.reply_simple("Value at:0x%x refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s" % (
            pdb.py_value_address(c.srv, c.dbid, args[2]), refcount, enc, serlen, lru, idle, extra))
    elif sub == b"sdslen" and n == 3:
        info = pdb.py_lookup(c.srv, c.dbid, args[2])
        if info is None:
            c.reply_error(msgs.NO_SUCH_KEY)
            return
        if info[0] != "string" or info[1] == "int":
            c.reply_error("ERR Not an sds encoded string.")
            return
        val = pdb.py_string_value(c.srv, c.dbid, args[2])
        c.reply_simple("key_sds_len:%d, key_sds_avail:0, key_zmalloc: %d, val_sds_len:%d, "
                       "val_sds_avail:%d, val_zmalloc: %d" % (
                           len(args[2]), len(args[2]), len(val), 0,
                           pdb.py_mem_usage(c.srv, c.dbid, args[2])))
    elif sub == b"reload":
        flush, save, merge = True, True, False
        for opt in args[2:]:
            o = _opt(opt)
            if o == b"merge":
                merge = True
            elif o == b"noflush":
                flush = False
            elif o == b"nosave":
                save = False
            else:
                c.reply_error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
                return
        err = inst.persistence.debug_reload(save=save, flush=flush, merge=merge)
        if err:
            c.reply_error(err)
        else:
            c.reply_ok()
    elif sub == b"loadaof":
        err = inst.aof.debug_loadaof()
        if err:
            c.reply_error(err)
        else:
            c.reply_ok()
    elif sub == b"set-skip-checksum-validation" and n == 3:
        c.srv.skip_checksum_validation = _c_atoi(args[2]) != 0
        c.reply_ok()
    elif sub == b"quicklist-packed-threshold" and n == 3:
        from pyengine import t_list
        from pyengine.config import memtoull
        try:
            size = memtoull(_cstr(args[2]).decode("latin-1"))
        except ValueError:
            size = None
        if size is None or not t_list.set_packed_threshold(size):
            c.reply_error("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
            return
        c.reply_ok()
    elif sub == b"digest" and n == 2:
        c.reply_simple(dataset_digest(c.srv).hex())
    elif sub == b"digest-value" and n >= 2:
        c.reply_array(n - 2)
        for key in args[2:]:
            c.reply_simple(object_digest(c.srv, c.dbid, key, bytes(20)).hex())
    elif sub == b"protocol" and n == 3:
        _debug_protocol(c, _opt(args[2]))
    elif sub == b"error" and n == 3:
        # Written as raw protocol, as Redis does: not counted in errorstats.
        c.reply_raw(b"-" + args[2].replace(b"\n", b" ").replace(b"\r", b" ") + b"\r\n")
    elif sub == b"populate" and 3 <= n <= 5:
        _debug_populate(c, args)
    elif sub == b"htstats" and n == 3:
        try:
            dbid = _strict_int(args[2])
        except ValueError:
            c.reply_error(msgs.NOT_INTEGER)
            return
        if dbid < 0 or dbid >= c.srv.dbnum:
            c.reply_error("ERR Out of range database")
            return
        c.reply_verbatim(pdb.py_htstats(c.srv, dbid))
    elif sub == b"htstats-key" and n == 3:
        text = pdb.py_htstats_key(c.srv, c.dbid, args[2])
        if text is None:
            c.reply_error(msgs.NO_SUCH_KEY)
        elif not text:
            c.reply_error("ERR The value stored at the specified key is not represented using "
                          "an hash table")
        else:
            c.reply_verbatim(text)
    elif sub == b"config-rewrite-force-all" and n == 2:
        path = inst.config.configfile
        try:
            if not path:
                raise FileNotFoundError(2, "No such file or directory")
            inst.config.rewrite_file(path, force_all=True)
        except OSError as e:
            c.reply_error("ERR CONFIG-REWRITE-FORCE-ALL failed: %s" % e.strerror)
            return
        c.reply_ok()
    elif sub == b"change-repl-id" and n == 2:
        inst.run_id = os.urandom(20).hex()
        c.reply_ok()
    elif sub == b"stringmatch-test" and n == 2:
        from engine.util import py_stringmatch
        import random
        for _ in range(1000):
            pat = bytes(random.getrandbits(8) for _ in range(random.randint(0, 32)))
            s = bytes(random.getrandbits(8) for _ in range(random.randint(0, 32)))
            py_stringmatch(pat, s, bool(random.getrandbits(1)))
        c.reply_simple("Apparently Redis did not crash: test passed")
    else:
        c.reply_error(b"ERR unknown subcommand or wrong number of arguments for '" +
                      _cstr(args[1]) + b"'. Try DEBUG HELP.")


def _debug_protocol(c, name):
    if name == b"string":
        c.reply_bulk(b"Hello World")
    elif name == b"integer":
        c.reply_int(12345)
    elif name == b"double":
        c.reply_double(3.141)
    elif name == b"bignum":
        c.reply_bignum(b"1234567999999999999999999999999999999")
    elif name == b"null":
        c.reply_null()
    elif name == b"array":
        c.reply_array(3)
        for j in range(3):
            c.reply_int(j)
    elif name == b"set":
        c.reply_set(3)
        for j in range(3):
            c.reply_int(j)
    elif name == b"map":
        c.reply_map(3)
        for j in range(3):
            c.reply_int(j)
            c.reply_bool(j == 1)
    elif name == b"attrib":
        if c.resp >= 3:
            c.reply_attribute(1)
            c.reply_bulk(b"key-popularity")
            c.reply_array(2)
            c.reply_bulk(b"key:123")
            c.reply_int(90)
        c.reply_bulk(b"Some real reply following the attribute")
    elif name == b"push":
        if c.resp < 3:
            c.reply_error("ERR RESP2 is not supported by this command")
            return
        c.reply_push(2)
        c.reply_bulk(b"server-cpu-usage")
        c.reply_int(42)
        c.reply_bulk(b"Some real reply following the push reply")
    elif name == b"true":
        c.reply_bool(True)
    elif name == b"false":
        c.reply_bool(False)
    elif name == b"verbatim":
        c.reply_verbatim(b"This is a verbatim\nstring")
    else:
        c.reply_error("ERR Wrong protocol type name. Please use one of the following: "
                      "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")


def _positive_long(b):
    """getPositiveLongFromObjectOrReply: a long >= 0, or None."""
    try:
        v = _strict_int(b)
    except ValueError:
        return None
    return v if v >= 0 else None


def _debug_populate(c, args):
    count = _positive_long(args[2])
    if count is None:
        c.reply_error("ERR value is out of range, must be positive")
        return
    size = 0
    if len(args) == 5:
        size = _positive_long(args[4])
        if size is None:
            c.reply_error("ERR value is out of range, must be positive")
            return
    # The key is formatted as a C string: the prefix stops at a NUL byte.
    prefix = _cstr(args[3]) if len(args) >= 4 else b"key"
    pdb.py_populate(c.srv, c.dbid, count, prefix, size)
    c.reply_ok()


# ---- MEMORY ------------------------------------------------------------------------------------

MEMORY_HELP = [
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
]


def memory_help_command(c):
    reply_help(c, MEMORY_HELP)


def memory_usage_command(c):
    args = c.args()
    j = 3
    while j < len(args):
        if _opt(args[j]) == b"samples" and j + 1 < len(args):
            try:
                samples = _strict_int(args[j + 1])
            except ValueError:
                c.reply_error(msgs.NOT_INTEGER)
                return
            if samples < 0:
                c.reply_error(msgs.SYNTAX)
                return
            j += 2
        else:
            c.reply_error(msgs.SYNTAX)
            return
    usage = pdb.py_mem_usage_lookup(c.srv, c.dbid, args[2])
    if usage is None:
        c.reply_null()
    else:
        c.reply_int(usage)


DOCTOR_ISSUES = [
    ("big_peak", " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n"),
    ("high_frag", " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n"),
    ("high_alloc_frag", " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n"),
    ("high_alloc_rss", " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n"),
    ("high_proc_rss", " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n"),
    ("big_client_buf", " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n"),
]


def memory_doctor_report(inst):
    """getMemoryDoctorReport, on pyengine's memory figures."""
    mh = memory_overhead(inst)
    if mh["total_allocated"] < 5 * 1024 * 1024:
        return ("Hi Sam, this instance is empty or is using very little memory, my issues detector "
                "can't be used in these conditions. Please, leave for your mission on Earth and fill "
                "it with some data. The new Sam and I will be back to our programming as soon as I "
                "finished rebooting.\n")
    found = set()
    if _f32(mh["peak_allocated"] / mh["total_allocated"]) > 1.5:
        found.add("big_peak")
    if mh["total_frag"] > 1.4 and mh["total_frag_bytes"] > 10 << 20:
        found.add("high_frag")
    if mh["allocator_frag"] > 1.1 and mh["allocator_frag_bytes"] > 10 << 20:
        found.add("high_alloc_frag")
    if mh["allocator_rss"] > 1.1 and mh["allocator_rss_bytes"] > 10 << 20:
        found.add("high_alloc_rss")
    if mh["rss_extra"] > 1.1 and mh["rss_extra_bytes"] > 10 << 20:
        found.add("high_proc_rss")
    nclients = max(len(inst.srv.clients), 1)
    if mh["clients_normal"] // nclients > 1024 * 200:
        found.add("big_client_buf")
    if not found:
        return ("Hi Sam, I can't find any memory issue in your instance. "
                "I can only account for what occurs on this base.\n")
    return ("Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
            "".join(text for name, text in DOCTOR_ISSUES if name in found) +
            "I'm here to keep you safe, Sam. I want to help you.\n")


def memory_doctor_command(c):
    c.reply_verbatim(memory_doctor_report(_inst(c)))


def memory_malloc_stats_command(c):
    c.reply_verbatim("Stats not supported for the current allocator")


def memory_purge_command(c):
    c.reply_ok()


def memory_stats_command(c):
    mh = memory_overhead(_inst(c))
    items = [(b"peak.allocated", mh["peak_allocated"]), (b"total.allocated", mh["total_allocated"]),
             (b"startup.allocated", mh["startup_allocated"]),
             (b"replication.backlog", mh["repl_backlog"]), (b"clients.slaves", mh["clients_slaves"]),
             (b"clients.normal", mh["clients_normal"]), (b"cluster.links", mh["cluster_links"]),
             (b"aof.buffer", mh["aof_buffer"]), (b"lua.caches", mh["lua_caches"]),
             (b"functions.caches", mh["functions_caches"])]
    for dbid, main, expires in mh["dbs"]:
        items.append((b"db.%d" % dbid, [(b"overhead.hashtable.main", main),
                                        (b"overhead.hashtable.expires", expires),
                                        (b"overhead.hashtable.slot-to-keys", 0)]))
    items += [(b"overhead.total", mh["overhead_total"]), (b"keys.count", mh["total_keys"]),
              (b"keys.bytes-per-key", mh["bytes_per_key"]), (b"dataset.bytes", mh["dataset"]),
              (b"dataset.percentage", float(mh["dataset_perc"])),
              (b"peak.percentage", float(mh["peak_perc"])),
              (b"allocator.allocated", mh["allocator_allocated"]),
              (b"allocator.active", mh["allocator_active"]),
              (b"allocator.resident", mh["allocator_resident"]),
              (b"allocator-fragmentation.ratio", float(mh["allocator_frag"])),
              (b"allocator-fragmentation.bytes", mh["allocator_frag_bytes"]),
              (b"allocator-rss.ratio", float(mh["allocator_rss"])),
              (b"allocator-rss.bytes", mh["allocator_rss_bytes"]),
              (b"rss-overhead.ratio", float(mh["rss_extra"])),
              (b"rss-overhead.bytes", mh["rss_extra_bytes"]),
              (b"fragmentation", float(mh["total_frag"])),
              (b"fragmentation.bytes", mh["total_frag_bytes"])]
    c.reply_map(len(items))
    for k, v in items:
        c.reply_bulk(k)
        if isinstance(v, list):
            c.reply_map(len(v))
            for k2, v2 in v:
                c.reply_bulk(k2)
                c.reply_int(v2)
        elif isinstance(v, float):
            c.reply_double(v)
        else:
            c.reply_int(v)


# ---- SLOWLOG --------------------------------------------------------------------------------------

SLOWLOG_HELP = [
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
]


def slowlog_help_command(c):
    reply_help(c, SLOWLOG_HELP)


def slowlog_get_command(c):
    args = c.args()
    if len(args) > 3:
        reply_subcommand_syntax_error(c)
        return
    count = 10
    if len(args) == 3:
        try:
            count = _strict_int(args[2])
            if count < -1:
                raise ValueError
        except ValueError:
            c.reply_error("ERR count should be greater than or equal to -1")
            return
        if count == -1:
            count = len(_inst(c).slowlog.entries)
    entries = _inst(c).slowlog.entries[:count]
    c.reply_array(len(entries))
    for eid, ts, dur, argv, addr, name in entries:
        c.reply_array(6)
        c.reply_int(eid)
        c.reply_int(ts)
        c.reply_int(dur)
        c.reply_array(len(argv))
        for a in argv:
            c.reply_bulk(a)
        c.reply_bulk(addr)
        c.reply_bulk(name)


def slowlog_len_command(c):
    c.reply_int(len(_inst(c).slowlog.entries))


def slowlog_reset_command(c):
    _inst(c).slowlog.reset()
    c.reply_ok()


# ---- OBJECT HELP (the OBJECT subcommands themselves are in t_keys) ---------------------

OBJECT_HELP = [
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
]


def object_help_command(c):
    reply_help(c, OBJECT_HELP)


# ---- misc -------------------------------------------------------------------------------------------

def time_command(c):
    now = time.time_ns() // 1000
    c.reply_array(2)
    c.reply_bulk(str(now // 1_000_000).encode())
    c.reply_bulk(str(now % 1_000_000).encode())


def shutdown_command(c):
    args = c.args()
    flags = {"nosave": False, "save": False, "now": False, "force": False, "abort": False}
    for a in args[1:]:
        o = _opt(a).decode("latin-1")
        if o in flags:
            flags[o] = True
        else:
            c.reply_error(msgs.SYNTAX)
            return
    if (flags["abort"] and (flags["nosave"] or flags["save"] or flags["now"] or flags["force"])) or \
            (flags["nosave"] and flags["save"]):
        c.reply_error(msgs.SYNTAX)
        return
    inst = _inst(c)
    if not flags["nosave"] and c.srv.script_busy_error is not None:
        # a script holds the server: only SHUTDOWN NOSAVE may end it
        c.reply_error(c.srv.script_busy_error)
        return
    if flags["abort"]:
        if inst.shutdown_requested is None:
            c.reply_error("ERR No shutdown in progress.")
        else:
            inst.shutdown_requested = None
            c.reply_ok()
        return
    if inst.frontend is None:
        c.reply_error("ERR SHUTDOWN is not available in embedded mode; close the engine instead")
        return
    inst.frontend.request_shutdown(flags, c)


def _strict_int(b):
    if isinstance(b, bytes):
        b = b.decode("latin-1")
    import re
    if not re.fullmatch(r"0|-?[1-9][0-9]*", b) or len(b) >= 21:
        raise ValueError(b)
    v = int(b)
    if not -2 ** 63 <= v < 2 ** 63:
        raise ValueError(b)
    return v


PROCS = {name: fn for name, fn in globals().items()
         if name.endswith("_command") and callable(fn)}
