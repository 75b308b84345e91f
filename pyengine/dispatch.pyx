"""The one dispatcher: query buffer -> parser -> command table -> call().

``process_input`` drains a client's query buffer: it runs the RESP parser,
and for each complete command calls ``process_command``, which looks the
command up (case-insensitive, subcommands included), applies the checks
Redis applies before running anything (existence, arity, protected
commands, authentication, OOM, client pause) and then ``call``s it,
measuring time for INFO commandstats, SLOWLOG and latency stats.

Both front ends use this module: the network server after each read, the
embedded engine for each call. Commands implemented in C are invoked
through a function pointer with no Python object created; commands
implemented in Python get the Client object and read ``c.args()``.
"""

from libc.string cimport memcpy, memset, strlen
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_CheckExact

from engine.dict cimport pe_entry, dict_find, dict_t
from engine.resp cimport (reqparser_reset, reqparser_shift, resp_parse_request,
                          resp_format_parse_error, rbuf_consume, rbuf_append, PARSE_OK, PARSE_NEED_MORE, PARSE_ERROR, REQ_NONE)
from engine.util cimport lower_into
from engine._mem cimport mem_used
from pyengine.core cimport (Server, Client, Command, cproc_t, add_error, add_error_len,
                            add_error_obj, monotonic_us, ustime,
                            CMD_PROTECTED, CMD_NO_AUTH, CMD_DENYOOM, CMD_MAY_REPLICATE,
                            CMD_WRITE, CMD_SKIP_SLOWLOG, CMD_FAST, CMD_NO_MULTI,
                            CLIENT_CLOSE_AFTER_REPLY, CLIENT_PROTOCOL_ERROR, CLIENT_CLOSE_ASAP,
                            CLIENT_BLOCKED, CLIENT_REPLY_OFF, CLIENT_REPLY_SKIP,
                            CLIENT_REPLY_SKIP_NEXT, CLIENT_CLOSE_AFTER_COMMAND, CLIENT_MULTI,
                            CLIENT_DIRTY_EXEC, CLIENT_IN_PAUSE, CLIENT_IN_COMMAND, CLIENT_PUBSUB,
                            BLOCK_KEYS, BLOCK_POSTPONE, CMD_ALLOW_BUSY, flush_kept_pushes)
from pyengine.msgs cimport MSG_NOAUTH, MSG_OOM, MSG_MISCONF
from pyengine.propagate cimport after_call
from pyengine.core cimport CLIENT_PREVENT_PROP, CLIENT_FORCE_PROP, CLIENT_OBEY

import sys
import traceback

from pyengine import multi as _multi
from pyengine import blocked as _blocked

cdef enum:
    MAX_CMD_NAME = 64


def bind_proc(Command cmd, proc):
    """Attach an implementation to a command: a capsule made by
    core.proc_capsule (C) or a Python callable taking the Client."""
    if PyCapsule_CheckExact(proc):
        cmd.cproc = <cproc_t>PyCapsule_GetPointer(proc, b"pyengine.proc")
        cmd.pyproc = None
    else:
        cmd.cproc = NULL
        cmd.pyproc = proc


cdef inline Command _find(void* table, const char* name, size_t n):
    cdef char low[MAX_CMD_NAME]
    cdef pe_entry* e
    if n >= MAX_CMD_NAME or table == NULL:
        return None
    lower_into(low, name, n)
    e = dict_find(<dict_t*>table, low, n)
    if e == NULL:
        return None
    return <Command>e.v.ptr


cdef Command lookup_command(Server srv, const char** argv, size_t* argvlen, int argc):
    """The command (or subcommand) argv names, or None."""
    cdef Command base = _find(srv.cmd_lookup, argv[0], argvlen[0])
    if base is None or base.subcommands == NULL or argc < 2:
        return base
    return _find(base.subcommands, argv[1], argvlen[1])


def lookup(Server srv, list args):
    """Python-level lookup (COMMAND INFO/GETKEYS, scripting)."""
    if not args:
        return None
    name = args[0].decode("latin-1").lower() if isinstance(args[0], bytes) else args[0].lower()
    base = srv.commands_by_name.get(name)
    if base is None or not base.subcommands_py or len(args) < 2:
        return base
    sub = args[1].decode("latin-1").lower() if isinstance(args[1], bytes) else args[1].lower()
    return base.subcommands_py.get(sub)


cdef bytes _cstr_prefix(const char* p, size_t n, size_t limit):
    """Like printf("%.*s"): stop at a NUL byte, at most ``limit`` bytes."""
    cdef size_t i = 0
    while i < n and i < limit and p[i] != 0:
        i += 1
    return p[:i]


cdef void _reply_unknown(Client c):
    """Redis's unknown command / unknown subcommand error text."""
    cdef Command base = _find(c.srv.cmd_lookup, c.argv[0], c.argvlen[0])
    cdef bytes msg
    cdef bytearray args
    cdef int i
    if base is not None and base.subcommands != NULL:
        msg = (b"ERR unknown subcommand '" + _cstr_prefix(c.argv[1], c.argvlen[1], 128) +
               b"'. Try " + _cstr_prefix(c.argv[0], c.argvlen[0], 1 << 30).upper() + b" HELP.")
    else:
        args = bytearray()
        i = 1
        while i < c.argc and len(args) < 128:
            args += b"'" + _cstr_prefix(c.argv[i], c.argvlen[i], 128 - len(args)) + b"' "
            i += 1
        msg = (b"ERR unknown command '" + _cstr_prefix(c.argv[0], c.argvlen[0], 128) +
               b"', with args beginning with: " + bytes(args))
    add_error_len(c, msg, len(msg))
    if c.flags & CLIENT_OBEY:
        c.flags |= CLIENT_CLOSE_ASAP        # loading the AOF: stop at a command we lack


cdef void _reject(Client c, Command cmd, const char* msg, size_t n):
    """rejectCommand: count it, mark an open transaction dirty, reply the
    error - or, when EXEC itself is rejected, abort the transaction."""
    if c.flags & CLIENT_MULTI:
        c.flags |= CLIENT_DIRTY_EXEC
    if cmd is not None:
        cmd.rejected_calls += 1
        if cmd.fullname == "exec":
            _multi.exec_abort(c, msg[:n])
            return
    add_error_len(c, msg, n)


cdef bint _debug_allowed(Client c):
    cdef int mode = c.srv.enable_debug_cmd
    return mode == 1 or (mode == 2 and c.is_local)


cdef int process_command(Client c) except -1:
    """Check and run the command in c.argv. Always leaves a reply (or the
    client is blocked/paused). Returns 0.

    CLIENT REPLY OFF/SKIP silence every reply of a command, errors of the
    checks included (Redis drops them when queueing output), and SKIP lasts
    exactly one processed command (resetClient). Pushes (pub/sub messages,
    subscription confirmations) are not silenced: while CLIENT_IN_COMMAND
    is set, those for this client wait in its side buffer when its reply
    may be dropped, and are appended after the drop."""
    cdef size_t reply_mark = c.reply.len
    c.flags |= CLIENT_IN_COMMAND
    try:
        _process_command(c)
    finally:
        c.flags &= ~CLIENT_IN_COMMAND
    if c.srv.ready_keys:
        _blocked.handle_ready_keys(c.srv)
    if c.flags & CLIENT_BLOCKED:
        if c.pushes.len:
            flush_kept_pushes(c)
        return 0
    if c.flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP):
        c.reply.len = reply_mark
    if c.pushes.len:
        flush_kept_pushes(c)
    c.flags &= ~CLIENT_REPLY_SKIP
    if c.flags & CLIENT_REPLY_SKIP_NEXT:
        c.flags |= CLIENT_REPLY_SKIP
        c.flags &= ~CLIENT_REPLY_SKIP_NEXT
    return 0


cdef bint _denied_by_disk_error(Client c, Command cmd, unsigned long long flags):
    """While the last bgsave failed (stop-writes-on-bgsave-error): writes,
    EXEC of a transaction holding a write, and PING are refused. ``flags``
    are the command's effective flags (a script's declared ones for
    EVAL/FCALL)."""
    if flags & CMD_WRITE or cmd.fullname == "ping":
        return True
    if cmd.fullname == "exec" and c.mstate:
        for queued, _argv in c.mstate:
            if (<Command>queued).flags & CMD_WRITE:
                return True
    return False


cdef int _process_command(Client c) except -1:
    """Redis's processCommand: the checks in Redis's order, then either queue
    the command (inside MULTI) or call it."""
    cdef Server srv = c.srv
    cdef Command cmd = lookup_command(srv, c.argv, c.argvlen, c.argc)
    cdef bytes msg
    cdef bint in_multi = (c.flags & CLIENT_MULTI) != 0
    cdef unsigned long long flags
    c.cmd = cmd
    if cmd is None:
        if in_multi:
            c.flags |= CLIENT_DIRTY_EXEC
        _reply_unknown(c)
        return 0
    c.lastcmd = cmd
    flags = cmd.flags
    if (cmd.arity > 0 and cmd.arity != c.argc) or c.argc < -cmd.arity:
        msg = b"ERR wrong number of arguments for '" + cmd.fullname.encode() + b"' command"
        _reject(c, cmd, msg, len(msg))
        return 0
    if cmd.flags & CMD_PROTECTED:
        if cmd.fullname.startswith("debug") and not _debug_allowed(c):
            msg = (b"ERR DEBUG command not allowed. If the enable-debug-command option is set to "
                   b"\"local\", you can run it from a local connection, otherwise you need to set "
                   b"this option in the configuration file, and then restart the server.")
            _reject(c, cmd, msg, len(msg))
            return 0
    if not c.authenticated and not (cmd.flags & CMD_NO_AUTH):
        _reject(c, cmd, MSG_NOAUTH, len(MSG_NOAUTH))
        return 0
    if in_multi and (cmd.flags & CMD_NO_MULTI):
        msg = b"ERR Command not allowed inside a transaction"
        _reject(c, cmd, msg, len(msg))
        return 0
    if cmd.flags_proc is not None:
        flags = cmd.flags_proc(c)       # EVAL/FCALL: the script's declared flags
    if (srv.maxmemory and srv.script_busy_error is None and
            ((flags & CMD_DENYOOM) or (in_multi and not cmd.runs_in_multi))):
        # (no eviction while a timed-out script holds the server)
        if not srv.instance.free_memory_if_needed():
            _reject(c, cmd, MSG_OOM, len(MSG_OOM))
            return 0
    if srv.disk_error and _denied_by_disk_error(c, cmd, flags):
        if srv.disk_error_msg is None:
            _reject(c, cmd, MSG_MISCONF, strlen(MSG_MISCONF))
        else:                               # the AOF could not be written
            _reject(c, cmd, srv.disk_error_msg, len(srv.disk_error_msg))
        return 0
    if c.flags & CLIENT_PUBSUB and c.resp == 2 and not cmd.allowed_when_subscribed:
        msg = (b"ERR Can't execute '" + cmd.fullname.encode() + b"': only (P|S)SUBSCRIBE / "
               b"(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
        _reject(c, cmd, msg, len(msg))
        return 0
    if srv.script_busy_error is not None and not (cmd.flags & CMD_ALLOW_BUSY):
        # a script runs past busy-reply-threshold: only SCRIPT/FUNCTION KILL,
        # SHUTDOWN NOSAVE and the transaction commands get through
        msg = srv.script_busy_error
        _reject(c, cmd, msg, len(msg))
        return 0
    if srv.client_pause_type and not (c.flags & CLIENT_IN_PAUSE):
        if srv.client_pause_type == 2 or (flags & (CMD_WRITE | CMD_MAY_REPLICATE)):
            if srv.instance.pause_client(c):
                return 0
    if in_multi and not cmd.runs_in_multi:
        _multi.queue_command(c, cmd)
        return 0
    return call(c, cmd)


cdef int call(Client c, Command cmd) except -1:
    """Run ``cmd`` for ``c`` and account for it (commandstats, slowlog)."""
    cdef Server srv = c.srv
    cdef long long start, duration
    cdef object prev_client = srv.current_client
    if not srv.script_running:
        # a script's commands all see the time the script started (Redis
        # freezes it so that keys cannot expire half-way through a script)
        srv.ustime = ustime()
        srv.mstime = srv.ustime // 1000
    cdef bint propagating = srv.propagating
    cdef long long dirty_before = 0
    cdef unsigned long long old_prop_flags = 0
    if propagating:
        dirty_before = srv.dirty
        old_prop_flags = c.flags & (CLIENT_PREVENT_PROP | CLIENT_FORCE_PROP)
        c.flags &= ~(CLIENT_PREVENT_PROP | CLIENT_FORCE_PROP)
        c.prop_argv = None
        srv.call_depth += 1
    srv.current_client = c
    srv.err_checkpoint = srv.stat_total_error_replies
    start = monotonic_us()
    try:
        if cmd.cproc != NULL:
            cmd.cproc(c)
        else:
            cmd.pyproc(c)
    except Exception as exc:
        _internal_error(c, cmd, exc)
    duration = monotonic_us() - start
    srv.current_client = prev_client
    if propagating:
        srv.call_depth -= 1
        after_call(c, cmd, dirty_before, old_prop_flags)
    # errors counted since the last command call ended (commands a script
    # ran have moved the checkpoint past their own errors)
    if srv.stat_total_error_replies > srv.err_checkpoint:
        cmd.failed_calls += 1
    srv.err_checkpoint = srv.stat_total_error_replies
    if (c.flags & CLIENT_BLOCKED and c.btype == BLOCK_KEYS) or c.reprocessing:
        return 0          # a blocked command is counted once, when it ends (blocked.pyx)
    cmd.calls += 1
    cmd.usec += duration
    srv.stat_numcommands += 1
    if c.flags & CLIENT_CLOSE_AFTER_COMMAND:
        c.flags &= ~CLIENT_CLOSE_AFTER_COMMAND
        c.flags |= CLIENT_CLOSE_AFTER_REPLY
    if (duration >= srv.slowlog_log_slower_than and srv.slowlog_log_slower_than >= 0 and
            not (cmd.flags & CMD_SKIP_SLOWLOG) and srv.slowlog is not None):
        srv.slowlog.push(c, cmd, duration)
    if srv.latency_tracking:
        record_latency(cmd, duration)
    return 0


cdef void _internal_error(Client c, Command cmd, exc):
    """A bug in a command implementation: log it and tell the client, never
    crash the server or leave the client without a reply."""
    tb = traceback.format_exc()
    if c.srv.log is not None:
        try:
            c.srv.log("warning", "Internal error running '%s': %s" % (cmd.fullname, tb))
        except Exception:
            pass
    else:
        sys.stderr.write(tb)
    msg = ("ERR internal error while running '%s': %s" % (cmd.fullname, exc)).encode(
        "utf-8", "replace")
    add_error_len(c, msg, len(msg))


# ---- latency histogram (INFO latencystats) ---------------------------------------
#
# An HDR histogram with two significant decimal digits over 1 ns .. 1 s, the
# layout Redis uses for its per-command latency percentiles, so that INFO
# reports the same values for the same samples:
#
#   bucket b (b >= 0) covers [128 << b, 256 << b) in steps of 1 << b (bucket 0
#   also covers [0, 128) in steps of 1); 256 sub-buckets of which the lower
#   half of every bucket but the first repeats the previous bucket, so slots
#   are laid out as 128 per bucket after the first 256:
#
#     index = ((b + 1) << 7) + (v >> b) - 128
#
#   23 buckets reach 256 << 22 > 1e9, i.e. 3072 counters (24 KiB, allocated
#   when a command first runs). A percentile is reported as the highest value
#   equivalent to the bucket it falls in (never below the true sample), in
#   microseconds.

cdef enum:
    HDR_SUB_HALF_MAG = 7
    HDR_SUB_HALF = 128
    HDR_SUB_COUNT = 256
    HDR_SUB_MASK = 255
    HDR_SLOTS = 3072
    HDR_LOWEST = 1
    HDR_HIGHEST = 1000000000

cdef inline int _hdr_bucket(long long v) noexcept nogil:
    return (64 - __builtin_clzll(<unsigned long long>(v | HDR_SUB_MASK))) - (HDR_SUB_HALF_MAG + 1)

cdef inline long long _hdr_value_at(int idx) noexcept nogil:
    cdef int b = (idx >> HDR_SUB_HALF_MAG) - 1
    cdef long long sb = (idx & (HDR_SUB_HALF - 1)) + HDR_SUB_HALF
    if b < 0:
        sb -= HDR_SUB_HALF
        b = 0
    return sb << b

cdef inline long long _hdr_lowest_equivalent(long long v) noexcept nogil:
    cdef int b = _hdr_bucket(v)
    return (v >> b) << b

cdef inline long long _hdr_highest_equivalent(long long v) noexcept nogil:
    cdef int b = _hdr_bucket(v)
    cdef long long sb = v >> b
    cdef int adjusted = b + 1 if sb >= HDR_SUB_COUNT else b
    return ((v >> b) << b) + (1LL << adjusted) - 1


cdef class LatencyHistogram:
    cdef long long counts[HDR_SLOTS]
    cdef public long long total

    def __cinit__(self):
        memset(self.counts, 0, sizeof(self.counts))
        self.total = 0

    cdef void record(self, long long us) noexcept:
        """Count one command that took ``us`` microseconds."""
        cdef long long v = us * 1000
        cdef int b
        if v < HDR_LOWEST:
            v = HDR_LOWEST
        if v > HDR_HIGHEST:
            v = HDR_HIGHEST
        b = _hdr_bucket(v)
        self.counts[((b + 1) << HDR_SUB_HALF_MAG) + <int>(v >> b) - HDR_SUB_HALF] += 1
        self.total += 1

    def percentile(self, double pct):
        """The latency (us, float) at ``pct`` percent of the samples."""
        cdef long long want, seen = 0
        cdef long long value = 0
        cdef int i
        if self.total == 0:
            return 0.0
        if pct > 100.0:
            pct = 100.0
        want = <long long>((pct / 100.0) * self.total + 0.5)
        if want < 1:
            want = 1
        for i in range(HDR_SLOTS):
            seen += self.counts[i]
            if seen >= want:
                value = _hdr_value_at(i)
                break
        if pct == 0.0:
            return _hdr_lowest_equivalent(value) / 1000.0
        return _hdr_highest_equivalent(value) / 1000.0

    def reset(self):
        memset(self.counts, 0, sizeof(self.counts))
        self.total = 0


cdef extern from *:
    int __builtin_clzll(unsigned long long x) nogil


cdef void record_latency(Command cmd, long long us) noexcept:
    if cmd.latency is None:
        cmd.latency = LatencyHistogram()
    (<LatencyHistogram>cmd.latency).record(us)


# ---- input processing ----------------------------------------------------------

cdef int process_input(Client c) except -1:
    """Execute every complete command in the client's query buffer, then
    drop the consumed bytes. Stops early when the client must close, is
    blocked or paused. Returns 0."""
    cdef int st
    cdef char errbuf[256]
    cdef int n
    cdef size_t drop
    while c.qb_pos < c.querybuf.len:
        if c.flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED):
            break
        if c.parser.reqtype == REQ_NONE:
            c.cmd_start = c.qb_pos
        c.parser.proto_max_bulk_len = c.srv.proto_max_bulk_len
        c.parser.unauthenticated = not c.authenticated
        st = resp_parse_request(&c.parser, c.querybuf.data, c.querybuf.len, &c.qb_pos)
        if st == PARSE_NEED_MORE:
            break
        if st == PARSE_ERROR:
            n = resp_format_parse_error(&c.parser, errbuf, sizeof(errbuf))
            add_error_len(c, errbuf, n)
            c.flags |= CLIENT_CLOSE_AFTER_REPLY | CLIENT_PROTOCOL_ERROR
            if c.srv.log is not None:
                c.srv.log("verbose", "Protocol error (%s) from client: id=%d addr=%s" % (
                    c.parser.log_reason.decode(), c.id, c.addr))
            c.qb_pos = c.querybuf.len
            reqparser_reset(&c.parser)
            break
        if c.parser.argc > 0:
            c.set_argv()
            c.argv_len_sum = 0
            process_command(c)
            if c.flags & CLIENT_BLOCKED:
                if c.btype == BLOCK_POSTPONE:
                    # paused: the command is parsed and checked again later
                    c.qb_pos = c.cmd_start
                # blocked on keys: the command keeps a copy of its argv
                reqparser_reset(&c.parser)
                break
        reqparser_reset(&c.parser)
    # Drop what was consumed, keeping a partially parsed command in place.
    drop = c.cmd_start if c.parser.reqtype != REQ_NONE else c.qb_pos
    if drop > 0:
        rbuf_consume(&c.querybuf, drop)
        c.qb_pos -= drop
        reqparser_shift(&c.parser, drop)
        c.cmd_start = 0
    return 0


def feed(Client c, data):
    """Append bytes to the client's query buffer and process them
    (embedded connections and tests)."""
    cdef const unsigned char[:] view = data
    if len(data):
        rbuf_append(&c.querybuf, <const char*>&view[0], len(data))
    process_input(c)


def execute(Client c):
    """Run the command already placed in c.argv (Client.set_args)."""
    c.cmd_start = 0
    process_command(c)


def run_command(Client c, Command cmd):
    """Run ``cmd`` with c's current argv, skipping lookup and checks (MULTI/EXEC,
    scripts)."""
    call(c, cmd)
