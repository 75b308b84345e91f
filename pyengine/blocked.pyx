"""Clients blocked on keys: BLPOP, BRPOP, BLMOVE, BZPOPMIN, XREAD BLOCK ...

A blocking command first tries to do its work. When it cannot (every key
empty or missing) it calls ``block_for_keys``: the client is parked with a
copy of its argv, appended to the FIFO list of every key it waits for
(``srv.blocking[(dbid, key)]``), and stops processing input.

Every write to a key already goes through ``db.signal_modified_key`` (for
WATCH); when clients are blocked it also queues the key as ready
(``db.signal_key_as_ready``) - one integer test when nobody is blocked.
After the command that signalled returns (after EXEC as a whole for
transactions), ``handle_ready_keys``
re-runs the parked commands of the clients waiting on each ready key, in
the order they blocked. A re-run either serves the client (its reply goes
to its reply buffer and it is unblocked) or finds nothing again and keeps
its place in the queues. Re-running the command itself, rather than
per-type serving code, keeps one implementation of each command's
semantics (Redis 7.2 moved to the same design).

Timeouts are absolute unix ms; ``handle_timeouts`` answers expired clients
with the null array Redis sends. Inside MULTI/EXEC (CLIENT_DENY_BLOCKING)
blocking commands never block: they answer as if the timeout had expired.

A blocked command is counted once in the command statistics, when it is
served or times out.
"""


from engine.object cimport robj
from pyengine.core cimport (Server, Client, Command, Db, add_null_array, add_error,
                            get_ld_or_reply, check_type, CLIENT_BLOCKED, CLIENT_DENY_BLOCKING,
                            BLOCK_KEYS, BLOCK_NONE, mstime)
from pyengine.db cimport lookup_write
from pyengine.dispatch cimport call
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.string cimport memcmp

cdef extern from "<math.h>" nogil:
    long double ceill(long double x)


cdef bint may_block(Client c) noexcept:
    """False inside MULTI/EXEC: the command must answer as if timed out."""
    return not (c.flags & CLIENT_DENY_BLOCKING)


cdef int block_for_keys(Client c, list keys, long long timeout_ms) except -1:
    """Park ``c`` until one of ``keys`` (bytes, in c's db) is signalled ready
    or ``timeout_ms`` (absolute unix ms, 0 = forever) passes. Called again
    from a re-run that still finds nothing, it only keeps the client waiting."""
    cdef Server srv = c.srv
    cdef int dbid = c.db.id
    if c.reprocessing:
        c.still_blocked = True
        return 0
    c.flags |= CLIENT_BLOCKED
    c.btype = BLOCK_KEYS
    c.bpop_timeout = timeout_ms
    c.blocked_argv = c.args()
    c.blocked_cmd = c.cmd
    c.blocked_on = []
    for key in keys:
        entry = (dbid, key)
        if entry in c.blocked_on:
            continue
        c.blocked_on.append(entry)
        srv.blocking.setdefault(entry, []).append(c)
    srv.blocking_count = len(srv.blocking)
    srv.key_blocked_clients.add(c)
    return 0


cdef bint may_serve_from(Client c, int k) noexcept:
    """May a blocking command take its data from argv[k]? Always on a first
    run; on a re-run only from the key that was signalled ready, as Redis
    serves a client from the key whose readiness woke it, not from the
    first of its keys in argument order."""
    cdef bytes key = c.ready_key
    if not c.reprocessing or key is None:
        return True
    return (<size_t>len(key) == c.argvlen[k]
            and memcmp(<const char*>key, c.argv[k], c.argvlen[k]) == 0)


cdef int first_ready_key(Client c, int first, int numkeys, int otype) noexcept:
    """Index of the first argv key among argv[first:first+numkeys] holding
    a value of ``otype``, -1 when none does, -2 after a WRONGTYPE reply.
    During a re-run a key of another type is "not ready" rather than an
    error: Redis 7.0 serves a blocked BLPOP only from a list, a BZPOPMIN
    only from a sorted set."""
    cdef int k
    cdef robj* o
    for k in range(first, first + numkeys):
        if not may_serve_from(c, k):
            continue
        o = lookup_write(c, c.argv[k], c.argvlen[k])
        if o == NULL:
            continue
        if o.type != otype:
            if c.reprocessing:
                continue
            check_type(c, o, otype)
            return -2
        return k
    return -1


cdef list argv_keys(Client c, int first, int numkeys):
    """argv[first:first+numkeys] as bytes: the keys to block on."""
    return [PyBytes_FromStringAndSize(c.argv[k], c.argvlen[k]) for k in range(first, first + numkeys)]


def signal_all_blocked_in_db(Server srv, int dbid):
    """Every key clients wait for in ``dbid`` may have changed (SWAPDB)."""
    for entry in list(srv.blocking):
        if entry[0] == dbid and entry not in srv.ready_set:
            srv.ready_set.add(entry)
            srv.ready_keys.append(entry)


def unblock_client(Client c):
    """Take a key-blocked client out of every queue and let it run again."""
    cdef Server srv = c.srv
    for entry in c.blocked_on:
        waiting = srv.blocking.get(entry)
        if waiting is not None:
            try:
                waiting.remove(c)
            except ValueError:
                pass
            if not waiting:
                del srv.blocking[entry]
    srv.blocking_count = len(srv.blocking)
    srv.key_blocked_clients.discard(c)
    c.blocked_on = []
    c.blocked_argv = None
    c.blocked_cmd = None
    c.bpop_timeout = 0
    c.btype = BLOCK_NONE
    c.flags &= ~CLIENT_BLOCKED
    inst = srv.instance
    if inst is not None:
        inst.client_unblocked(c)


def _count_served(Client c, Command cmd):
    """The blocked command ends: count it once, as Redis does."""
    cmd.calls += 1
    c.srv.stat_numcommands += 1


def handle_ready_keys(Server srv):
    """Re-run the commands of clients waiting on keys signalled ready, in
    blocking order, until no key is left ready (serving one client may make
    another key ready, e.g. BLMOVE)."""
    cdef Client c
    cdef Command cmd
    while srv.ready_keys:
        ready, srv.ready_keys = srv.ready_keys, []
        srv.ready_set = set()
        for entry in ready:
            for c in list(srv.blocking.get(entry, ())):
                if not (c.flags & CLIENT_BLOCKED) or c.btype != BLOCK_KEYS:
                    continue
                cmd = c.blocked_cmd
                saved = c.args()
                c.set_args(c.blocked_argv)
                c.cmd = cmd
                c.reprocessing = True
                c.ready_key = entry[1]
                c.still_blocked = False
                try:
                    call(c, cmd)
                finally:
                    c.reprocessing = False
                    c.ready_key = None
                if not c.still_blocked:
                    _count_served(c, cmd)
                    unblock_client(c)
                else:
                    c.set_args(saved)


def next_timeout(Server srv):
    """The earliest blocked-client timeout (unix ms), or 0 when none."""
    cdef Client c
    cdef long long best = 0
    for c in srv.key_blocked_clients:
        if c.bpop_timeout and (best == 0 or c.bpop_timeout < best):
            best = c.bpop_timeout
    return best


def handle_timeouts(Server srv):
    """Answer (null array) and unblock every client whose timeout passed."""
    cdef Client c
    cdef long long now
    if not srv.key_blocked_clients:
        return
    now = mstime()
    for c in [c for c in srv.key_blocked_clients if c.bpop_timeout and c.bpop_timeout <= now]:
        reply_timeout(c)


def reply_timeout(Client c):
    """The timeout reply (RESP2 *-1, RESP3 _) and unblock."""
    cdef Command cmd = c.blocked_cmd
    add_null_array(c)
    if cmd is not None:
        _count_served(c, cmd)
    unblock_client(c)


def reply_unblock_error(Client c):
    """CLIENT UNBLOCK <id> ERROR."""
    cdef Command cmd = c.blocked_cmd
    add_error(c, b"UNBLOCKED client unblocked via CLIENT UNBLOCK")
    if cmd is not None:
        cmd.failed_calls += 1
        _count_served(c, cmd)
    unblock_client(c)


def reset_client(Client c):
    """Disconnect of a blocked client: forget it everywhere."""
    if c.btype == BLOCK_KEYS:
        unblock_client(c)


cdef bint get_timeout_or_reply(Client c, int i, long long* out) noexcept:
    """A blocking timeout in seconds (getTimeoutFromObjectOrReply): the
    absolute unix ms it ends, 0 for "forever", or False after replying
    Redis's error. Like Redis, the milliseconds are rounded up (0.0001 s
    waits 1 ms), so only 0 (or a negative value rounding up to 0) is forever."""
    cdef long double secs
    cdef long long tval
    if not get_ld_or_reply(c, i, &secs, b"ERR timeout is not a float or out of range"):
        return False
    tval = <long long>ceill(secs * 1000.0)
    if tval < 0:
        add_error(c, b"ERR timeout is negative")
        return False
    if tval > 0:
        tval += mstime()
    out[0] = tval
    return True
