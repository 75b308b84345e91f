"""Propagation: what a write command logs to the AOF (Redis's call() /
alsoPropagate / propagatePendingCommands).

While ``srv.propagating`` is on (the AOF is on), ``dispatch.call`` brackets
every command call: if the command changed the dataset (``srv.dirty`` moved)
or forced it (CLIENT_FORCE_PROP: FLUSHALL/FLUSHDB on an empty dataset), and
did not prevent it (CLIENT_PREVENT_PROP: scripts and commands that logged
their effects themselves), its argv is logged, or ``c.prop_argv`` when the
command rewrote itself into a deterministic form (SET EX -> SET PXAT,
EXPIRE -> PEXPIREAT, INCRBYFLOAT -> SET KEEPTTL, BLPOP -> LPOP, ...).

Commands nest (EXEC runs its queue, scripts run redis.call()s, a command may
delete an expired key first): everything logged under one outermost call
waits in ``srv.also_propagate`` and is written when that call ends, wrapped
in MULTI/EXEC when there is more than one entry, so the AOF replays the unit
atomically. The common case (one top-level command, argv unchanged, nothing
pending) is encoded straight from the client's C argv with no Python object.

Keys deleted by expiry or eviction log DEL (UNLINK with lazyfree-lazy-expire
/ -eviction); outside any command (active expiry, eviction before a
command) each goes out at once, never wrapped.

The encoded commands go into ``srv.aof_buf`` (RESP multibulk, a SELECT first
whenever the database differs from the last one written), which pyengine.aof
writes to the incremental AOF file before the loop sends any reply.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from engine.resp cimport rbuf, rbuf_consume, resp_array, resp_bulk, resp_bulk_ll
from libc.errno cimport errno, EINTR, EAGAIN
from posix.unistd cimport write
from pyengine.core cimport Server, Client, Command, Db, CLIENT_PREVENT_PROP, CLIENT_FORCE_PROP


cdef inline void _select(Server srv, int dbid) noexcept:
    if dbid != srv.aof_selected_db:
        resp_array(&srv.aof_buf, 2)
        resp_bulk(&srv.aof_buf, b"SELECT", 6)
        resp_bulk_ll(&srv.aof_buf, dbid)
        srv.aof_selected_db = dbid


cdef void feed_argv(Server srv, int dbid, list argv) noexcept:
    """Append one command (bytes or int arguments) to the AOF buffer."""
    cdef size_t before = srv.aof_buf.len
    _select(srv, dbid)
    resp_array(&srv.aof_buf, len(argv))
    for a in argv:
        if type(a) is bytes:
            resp_bulk(&srv.aof_buf, PyBytes_AS_STRING(a), PyBytes_GET_SIZE(a))
        elif type(a) is int:
            resp_bulk_ll(&srv.aof_buf, a)
        else:
            b = str(a).encode() if not isinstance(a, (bytes, bytearray)) else bytes(a)
            resp_bulk(&srv.aof_buf, PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
    srv.aof_buf_total += srv.aof_buf.len - before


cdef inline void _feed_c(Server srv, int dbid, Client c) noexcept:
    cdef int i
    cdef size_t before = srv.aof_buf.len
    _select(srv, dbid)
    resp_array(&srv.aof_buf, c.argc)
    for i in range(c.argc):
        resp_bulk(&srv.aof_buf, c.argv[i], c.argvlen[i])
    srv.aof_buf_total += srv.aof_buf.len - before


cdef void propagate_pending(Server srv, bint may_wrap) noexcept:
    """Write what the outermost call accumulated, as one unit (wrapped in
    MULTI/EXEC when it has several entries and ``may_wrap``)."""
    cdef list ops = srv.also_propagate
    cdef bint transaction
    if not ops:
        return
    srv.also_propagate = []
    transaction = len(ops) > 1 and may_wrap and not srv.propagate_no_multi
    if transaction:
        feed_argv(srv, ops[0][0], [b"MULTI"])
    for dbid, argv in ops:
        feed_argv(srv, dbid, argv)
    if transaction:
        feed_argv(srv, ops[len(ops) - 1][0], [b"EXEC"])


cdef void after_call(Client c, Command cmd, long long dirty_before,
                     unsigned long long old_flags) noexcept:
    """dispatch.call's epilogue while propagating (srv.call_depth already
    decremented): log the command if it changed something, then, at the
    outermost level, write the pending unit."""
    cdef Server srv = c.srv
    cdef list argv = c.prop_argv
    c.prop_argv = None
    if ((srv.dirty != dirty_before or c.flags & CLIENT_FORCE_PROP) and
            not (c.flags & CLIENT_PREVENT_PROP) and not cmd.is_exec):
        if argv is None and srv.call_depth == 0 and not srv.also_propagate:
            _feed_c(srv, c.db.id, c)
        else:
            if argv is None:
                argv = c.args()
            srv.also_propagate.append((c.db.id, argv))
    c.flags = (c.flags & ~(CLIENT_PREVENT_PROP | CLIENT_FORCE_PROP)) | old_flags
    if srv.call_depth == 0:
        # RANDOMKEY / SCAN may expire any number of keys: plain DELs
        propagate_pending(srv, not cmd.touches_arbitrary_keys)


cdef void propagate_deletion(Server srv, int dbid, const char* key, size_t klen,
                             bint lazy) noexcept:
    """A key removed by expiry or eviction: log DEL (UNLINK when lazy)."""
    cdef list argv = [b"UNLINK" if lazy else b"DEL", key[:klen]]
    if srv.call_depth > 0:
        srv.also_propagate.append((dbid, argv))
    else:
        feed_argv(srv, dbid, argv)


# ---- the AOF buffer, for pyengine.aof ------------------------------------------------------

def pending_bytes(Server srv):
    """Bytes encoded and not yet written."""
    return srv.aof_buf.len


def write_buffer(Server srv, int fd):
    """Write the encoded commands to ``fd`` (blocking file). Returns the
    number of bytes written; on an error what was not written stays in the
    buffer and OSError is raised."""
    cdef size_t done = 0
    cdef ssize_t n
    cdef int err
    while done < srv.aof_buf.len:
        n = write(fd, srv.aof_buf.data + done, srv.aof_buf.len - done)
        if n < 0:
            if errno == EINTR:
                continue
            err = errno
            _drop_head(srv, done)
            raise OSError(err, "write error on the AOF")
        done += n
    srv.aof_buf.len = 0
    return done


cdef void _drop_head(Server srv, size_t n) noexcept:
    if n:
        rbuf_consume(&srv.aof_buf, n)


def discard_buffer(Server srv):
    srv.aof_buf.len = 0
