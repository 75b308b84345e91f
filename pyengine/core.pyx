"""Server, Client and Command: the state a command runs against.

One ``Server`` holds everything a running pyengine owns: the databases, the
command table, the clients, configuration and statistics. There is no global
server: an embedded Engine and a network server are just two Servers, so
several can live in one process (tests do this).

A ``Db`` is two engine dicts: ``keys`` (key -> robj*) and ``expires``
(key -> absolute expire time in ms). A key has a TTL iff it is in
``expires``; both dicts are updated together by pyengine/db.

A ``Client`` is one connection's protocol state: the query buffer and the
request parser, the current command's argv (pointers into the query buffer,
valid until the command returns), the selected database, the protocol
version (2 or 3) and the reply buffer the command writes into. The network
front end (server/) and the embedded engine both feed bytes in and take
reply bytes out; neither knows what a command does.

Replies are written with the inline helpers of core.pxd (``add_bulk``,
``add_int``, ...), which append RESP to ``c.reply`` without creating Python
objects. Errors go through ``add_error`` so INFO errorstats stays exact.

Replies to other clients than the running one (pub/sub messages, keyspace
notifications, clients served after blocking) are written into their
buffers too; ``schedule_write`` queues such a client on
``Server.clients_pending_write``, which the network loop drains at the end
of the turn, and ``close_on_output_limit`` applies
``client-output-buffer-limit`` (per client class, as Redis does) each time
a reply grows: a client over its limit is flagged CLOSE_ASAP, gets nothing
more, and is queued on ``Server.clients_to_close``.
"""

from libc.string cimport memchr, strlen, memcpy
from libc.stdio cimport snprintf
from cpython.ref cimport PyObject
from libc.stdint cimport int64_t
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC, CLOCK_REALTIME
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.pycapsule cimport PyCapsule_New

from engine._mem cimport mem_alloc, mem_calloc, mem_realloc, mem_free
from engine.dict cimport (dict_create, dict_release, dict_t, pe_entry, dict_find,
                          dict_add_or_find, dict_size)
from engine.resp cimport (rbuf_free, rbuf_insert, reqparser_init, reqparser_free, resp_error,
                          resp_header, resp_attribute, rbuf_reserve, rbuf_shrink)
from engine.object cimport robj, obj_free, obj_str, LRU_CLOCK_MAX
from engine.util cimport ll2string, string2ll, string2d, string2ld
from pyengine.msgs cimport (MSG_SYNTAX, MSG_WRONGTYPE, MSG_NOT_INTEGER, MSG_NOT_FLOAT)


# Command flag names as COMMAND INFO prints them, in its order; the hidden
# ones (may_replicate, sentinel, only_sentinel, protected) last.
FLAG_BITS = {
    "write": CMD_WRITE, "readonly": CMD_READONLY, "denyoom": CMD_DENYOOM,
    "module": CMD_MODULE, "admin": CMD_ADMIN, "pubsub": CMD_PUBSUB,
    "noscript": CMD_NOSCRIPT, "blocking": CMD_BLOCKING, "loading": CMD_LOADING,
    "stale": CMD_STALE, "skip_monitor": CMD_SKIP_MONITOR, "skip_slowlog": CMD_SKIP_SLOWLOG,
    "asking": CMD_ASKING, "fast": CMD_FAST, "no_auth": CMD_NO_AUTH,
    "no_mandatory_keys": CMD_NO_MANDATORY_KEYS, "no_async_loading": CMD_NO_ASYNC_LOADING,
    "no_multi": CMD_NO_MULTI, "movablekeys": CMD_MOVABLE_KEYS, "allow_busy": CMD_ALLOW_BUSY,
    "may_replicate": CMD_MAY_REPLICATE, "sentinel": CMD_SENTINEL,
    "only_sentinel": CMD_ONLY_SENTINEL, "protected": CMD_PROTECTED,
}


# Client flags for Python code.
CLIENT_CLOSE_AFTER_REPLY_FLAG = CLIENT_CLOSE_AFTER_REPLY
CLIENT_CLOSE_ASAP_FLAG = CLIENT_CLOSE_ASAP
CLIENT_PROTOCOL_ERROR_FLAG = CLIENT_PROTOCOL_ERROR
CLIENT_MULTI_FLAG = CLIENT_MULTI
CLIENT_PUBSUB_FLAG = CLIENT_PUBSUB
CLIENT_BLOCKED_FLAG = CLIENT_BLOCKED
CLIENT_REPLY_OFF_FLAG = CLIENT_REPLY_OFF
CLIENT_REPLY_SKIP_FLAG = CLIENT_REPLY_SKIP
CLIENT_REPLY_SKIP_NEXT_FLAG = CLIENT_REPLY_SKIP_NEXT
CLIENT_NO_EVICT_FLAG = CLIENT_NO_EVICT
CLIENT_EMBEDDED_FLAG = CLIENT_EMBEDDED
CLIENT_UNIX_SOCKET_FLAG = CLIENT_UNIX_SOCKET
CLIENT_DIRTY_CAS_FLAG = CLIENT_DIRTY_CAS
CLIENT_DIRTY_EXEC_FLAG = CLIENT_DIRTY_EXEC
CLIENT_DENY_BLOCKING_FLAG = CLIENT_DENY_BLOCKING
CLIENT_IN_EXEC_FLAG = CLIENT_IN_EXEC
CLIENT_PENDING_WRITE_FLAG = CLIENT_PENDING_WRITE
CLIENT_SCRIPT_FLAG = CLIENT_SCRIPT
CLIENT_PROTECTED_FLAG = CLIENT_PROTECTED
CLIENT_PREVENT_PROP_FLAG = CLIENT_PREVENT_PROP
CLIENT_FORCE_PROP_FLAG = CLIENT_FORCE_PROP
CLIENT_OBEY_FLAG = CLIENT_OBEY
BLOCK_POSTPONE_TYPE = BLOCK_POSTPONE
BLOCK_KEYS_TYPE = BLOCK_KEYS


# ---- time -------------------------------------------------------------------

cdef long long mstime() noexcept nogil:
    """Unix time in milliseconds."""
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return ts.tv_sec * 1000 + ts.tv_nsec // 1000000


cdef long long ustime() noexcept nogil:
    """Unix time in microseconds."""
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return ts.tv_sec * 1000000 + ts.tv_nsec // 1000


cdef long long monotonic_us() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000000 + ts.tv_nsec // 1000


cdef unsigned int lru_clock() noexcept nogil:
    """Redis's 24-bit LRU clock: seconds, wrapping every ~194 days."""
    return <unsigned int>((mstime() // 1000) & LRU_CLOCK_MAX)


def py_mstime():
    return mstime()


# ---- keyspace entries -------------------------------------------------------

cdef void _free_keyspace_entry(pe_entry* e) noexcept nogil:
    obj_free(<robj*>e.v.ptr)


cdef void _free_sublist_entry(pe_entry* e) noexcept nogil:
    """A pub/sub channel or pattern entry: free its subscriber array (the
    clients themselves are borrowed)."""
    cdef sublist* sl = <sublist*>e.v.ptr
    if sl != NULL:
        mem_free(sl.clients)
        mem_free(sl)
        e.v.ptr = NULL


cdef object proc_capsule(cproc_t f):
    """Wrap a C command implementation so the table loader can bind it."""
    return PyCapsule_New(<void*>f, b"pyengine.proc", NULL)


# ---- Command ------------------------------------------------------------------

cdef class Command:
    def __cinit__(self):
        self.subcommands = NULL
        self.cproc = NULL
        self.subcommands_py = {}

    def __dealloc__(self):
        if self.subcommands != NULL:
            dict_release(self.subcommands)

    def add_subcommand(self, Command sub):
        """Register ``sub`` under this container (name lookup is case-insensitive)."""
        cdef bint existed
        cdef pe_entry* e
        cdef bytes key = sub.name.encode()
        if self.subcommands == NULL:
            self.subcommands = dict_create(NULL)
        e = dict_add_or_find(self.subcommands, key, len(key), &existed)
        e.v.ptr = <void*>sub
        sub.parent = self
        self.subcommands_py[sub.name] = sub

    def __repr__(self):
        return f"<Command {self.fullname} arity={self.arity}>"


# ---- Server -------------------------------------------------------------------

cdef class Server:
    """All state of one pyengine instance. ``dbnum`` is fixed at creation."""

    def __cinit__(self, int dbnum=16):
        cdef int i
        if dbnum < 1:
            raise ValueError("dbnum must be >= 1")
        self.dbnum = dbnum
        self.dbs = <Db*>mem_calloc(dbnum * sizeof(Db))
        for i in range(dbnum):
            self.dbs[i].keys = dict_create(_free_keyspace_entry)
            self.dbs[i].expires = dict_create(NULL)
            self.dbs[i].id = i
        self.cmd_lookup = dict_create(NULL)
        self.clients = {}
        self.commands_by_name = {}
        self.next_client_id = 1
        self.errors = {}
        self.hz = 10
        self.proto_max_bulk_len = 512 * 1024 * 1024
        self.client_max_querybuf_len = 1024 * 1024 * 1024
        self.active_expire_enabled = True
        self.active_expire_effort = 1
        self.lfu_log_factor = 10
        self.lfu_decay_time = 1
        self.slowlog_log_slower_than = 10000
        self.latency_tracking = True
        self.mstime = mstime()
        self.ustime = ustime()
        self.paused_clients = []
        self.watched = {}
        self.blocking = {}
        self.ready_keys = []
        self.ready_set = set()
        self.key_blocked_clients = set()
        self.lastsave = mstime() // 1000
        self.log = None
        self.also_propagate = []
        self.aof_selected_db = -1
        self.pubsub_channels = dict_create(_free_sublist_entry)
        self.pubsub_patterns = dict_create(_free_sublist_entry)
        self.pubsubshard_channels = dict_create(_free_sublist_entry)
        self.clients_pending_write = []
        self.clients_to_close = []
        self.obuf_limits[OBUF_CLASS_REPLICA].hard = 256 * 1024 * 1024
        self.obuf_limits[OBUF_CLASS_REPLICA].soft = 64 * 1024 * 1024
        self.obuf_limits[OBUF_CLASS_REPLICA].soft_seconds = 60
        self.obuf_limits[OBUF_CLASS_PUBSUB].hard = 32 * 1024 * 1024
        self.obuf_limits[OBUF_CLASS_PUBSUB].soft = 8 * 1024 * 1024
        self.obuf_limits[OBUF_CLASS_PUBSUB].soft_seconds = 60
        self.rdb_compression = True

    def __dealloc__(self):
        cdef int i
        if self.dbs != NULL:
            for i in range(self.dbnum):
                dict_release(self.dbs[i].keys)
                dict_release(self.dbs[i].expires)
            mem_free(self.dbs)
            self.dbs = NULL
        if self.cmd_lookup != NULL:
            dict_release(self.cmd_lookup)
        rbuf_free(&self.aof_buf)
        # subscribed clients are being torn down with the server: only the
        # lists' own memory is freed
        if self.pubsub_channels != NULL:
            dict_release(self.pubsub_channels)
            dict_release(self.pubsub_patterns)
            dict_release(self.pubsubshard_channels)
            self.pubsub_channels = NULL

    cdef Db* db(self, int i) noexcept:
        return &self.dbs[i]

    def register_command(self, Command cmd):
        """Make ``cmd`` reachable by name from the dispatcher."""
        cdef bint existed
        cdef bytes key = cmd.name.encode()
        cdef pe_entry* e = dict_add_or_find(self.cmd_lookup, key, len(key), &existed)
        e.v.ptr = <void*>cmd
        self.commands_by_name[cmd.name] = cmd

    def update_time(self):
        self.ustime = ustime()
        self.mstime = self.ustime // 1000

    def dbsize(self, int dbid):
        return dict_size(self.dbs[dbid].keys)

    def expires_count(self, int dbid):
        return dict_size(self.dbs[dbid].expires)

    def count_error(self, bytes code):
        self.errors[code] = self.errors.get(code, 0) + 1

    def set_output_buffer_limits(self, limits):
        """client-output-buffer-limit: ((class, (hard, soft, seconds)), ...)
        with the classes "normal", "slave" (replica) and "pubsub"."""
        cdef int cls
        for name, (hard, soft, secs) in limits:
            cls = {"normal": OBUF_CLASS_NORMAL, "slave": OBUF_CLASS_REPLICA,
                   "replica": OBUF_CLASS_REPLICA, "pubsub": OBUF_CLASS_PUBSUB}[name]
            self.obuf_limits[cls].hard = hard
            self.obuf_limits[cls].soft = soft
            self.obuf_limits[cls].soft_seconds = secs


# ---- Client -------------------------------------------------------------------

cdef class Client:
    """Protocol state of one connection (or of an embedded caller)."""

    def __cinit__(self, Server srv, int fd=-1):
        self.srv = srv
        self.fd = fd
        self.id = srv.next_client_id
        srv.next_client_id += 1
        self.resp = 2
        self.db = &srv.dbs[0]
        reqparser_init(&self.parser)
        self.parser.proto_max_bulk_len = srv.proto_max_bulk_len
        self.argc = 0
        self.argv = NULL
        self.argvlen = NULL
        self.argv_cap = 0
        self.sent = 0
        self.flags = 0
        self.name = None
        self.addr = ""
        self.laddr = ""
        self.authenticated = srv.requirepass is None
        self.user = "default"
        self.mstate = []
        self.watched_keys = []
        self.blocked_on = []
        self.pubsub_channels = {}
        self.pubsub_patterns = []
        self.pubsubshard_channels = {}

    def __dealloc__(self):
        rbuf_free(&self.querybuf)
        rbuf_free(&self.reply)
        rbuf_free(&self.pushes)
        reqparser_free(&self.parser)
        mem_free(self.argv)
        mem_free(self.argvlen)

    @property
    def dbid(self):
        return self.db.id

    cdef int select_db(self, int dbid) except -1:
        """Switch to database ``dbid`` (caller validated the range)."""
        self.db = &self.srv.dbs[dbid]
        return 0

    def select(self, int dbid):
        if dbid < 0 or dbid >= self.srv.dbnum:
            raise ValueError("DB index is out of range")
        self.select_db(dbid)

    cdef void set_argv(self) noexcept:
        """Point argv at the arguments the parser just completed."""
        cdef int i
        cdef const char* base
        cdef int n = self.parser.argc
        if n > self.argv_cap:
            self.argv = <const char**>mem_realloc(self.argv, n * sizeof(char*))
            self.argvlen = <size_t*>mem_realloc(self.argvlen, n * sizeof(size_t))
            self.argv_cap = n
        base = self.parser.inline_args.data if self.parser.args_inline else self.querybuf.data
        for i in range(n):
            self.argv[i] = base + self.parser.argv_off[i]
            self.argvlen[i] = self.parser.argv_len[i]
        self.argc = n

    def set_args(self, list args):
        """Use a list of bytes as the current argv (embedded calls, no parsing).
        The list is kept alive until the next call."""
        cdef int i
        cdef int n = len(args)
        cdef bytes b
        if n > self.argv_cap:
            self.argv = <const char**>mem_realloc(self.argv, n * sizeof(char*))
            self.argvlen = <size_t*>mem_realloc(self.argvlen, n * sizeof(size_t))
            self.argv_cap = n
        for i in range(n):
            b = <bytes?>args[i]
            self.argv[i] = PyBytes_AS_STRING(b)
            self.argvlen[i] = PyBytes_GET_SIZE(b)
        self.argc = n
        self.argv_ref = args

    cpdef list args(self):
        """The current command's arguments as a list of bytes."""
        cdef int i
        return [PyBytes_FromStringAndSize(self.argv[i], self.argvlen[i]) for i in range(self.argc)]

    cpdef bytes arg(self, int i):
        return PyBytes_FromStringAndSize(self.argv[i], self.argvlen[i])

    # -- reply API for Python-implemented commands --------------------------------

    def reply_ok(self):
        add_ok(self)

    def reply_simple(self, s):
        if isinstance(s, str):
            s = s.encode()
        add_simple(self, s, len(s))

    def reply_error(self, msg):
        add_error_obj(self, msg)

    def reply_error_uncounted(self, bytes msg):
        """An error reply that INFO errorstats must not count (it was
        counted where it happened, e.g. a script's refused command)."""
        resp_error(&self.reply, msg, len(msg))

    def reply_int(self, long long v):
        add_int(self, v)

    def reply_bulk(self, b):
        if isinstance(b, str):
            b = b.encode()
        add_bulk(self, b, len(b))

    def reply_null(self):
        add_null(self)

    def reply_null_array(self):
        add_null_array(self)

    def reply_array(self, long long n):
        add_array(self, n)

    def reply_map(self, long long n):
        add_map(self, n)

    def reply_set(self, long long n):
        add_set(self, n)

    def reply_push(self, long long n):
        resp_push(&self.reply, n, self.resp)

    def reply_double(self, double d):
        add_double(self, d)

    def reply_bool(self, bint v):
        add_bool(self, v)

    def reply_verbatim(self, s, str ext="txt"):
        if isinstance(s, str):
            s = s.encode()
        cdef bytes e = ext.encode()
        resp_verbatim(&self.reply, s, len(s), e, self.resp)

    def reply_bignum(self, s):
        if isinstance(s, str):
            s = s.encode()
        resp_bignum(&self.reply, s, len(s), self.resp)

    def reply_attribute(self, long long n):
        resp_attribute(&self.reply, n)

    def reply_value(self, value):
        add_value(self, value)

    def reply_raw(self, bytes data):
        rbuf_append(&self.reply, data, len(data))

    def take_reply(self):
        """Remove and return the pending reply bytes (embedded use)."""
        cdef bytes out = PyBytes_FromStringAndSize(self.reply.data + self.sent,
                                                   self.reply.len - self.sent)
        self.reply.len = 0
        self.sent = 0
        return out

    def reply_len(self):
        return self.reply.len - self.sent

    def querybuf_prefix(self, int n):
        """The first bytes of the query buffer (log messages)."""
        return PyBytes_FromStringAndSize(self.querybuf.data, min(<size_t>n, self.querybuf.len))

    def querybuf_len(self):
        return self.querybuf.len

    def querybuf_cap(self):
        return self.querybuf.cap

    def reply_cap(self):
        return self.reply.cap

    def release_buffers(self):
        """A closed connection gives its buffers back at once (the Client
        object may outlive it in Python references)."""
        rbuf_free(&self.querybuf)
        rbuf_free(&self.reply)
        rbuf_free(&self.pushes)
        self.qb_pos = 0
        self.sent = 0

    def output_limit_reached(self):
        """client-output-buffer-limit check for this client now (cron)."""
        return output_limit_reached(self)


# ---- reply scheduling and output limits ------------------------------------------

cdef void schedule_write(Client c) noexcept:
    """Queue a connected client whose reply grew for the front end to write
    at the end of this turn (once per turn: CLIENT_PENDING_WRITE)."""
    if c.fd < 0 or c.flags & CLIENT_PENDING_WRITE:
        return
    c.flags |= CLIENT_PENDING_WRITE
    try:
        c.srv.clients_pending_write.append(c)
    except BaseException:
        c.flags &= ~CLIENT_PENDING_WRITE


cdef void schedule_close(Client c) noexcept:
    """Close ``c`` at the end of this turn without writing anything more."""
    if c.flags & CLIENT_CLOSE_ASAP:
        return
    c.flags |= CLIENT_CLOSE_ASAP
    try:
        c.srv.clients_to_close.append(c)
    except BaseException:
        pass


cdef int client_obuf_class(Client c) noexcept:
    """The class of client-output-buffer-limit that applies (getClientType:
    no replicas yet, so subscribed clients are "pubsub", the rest "normal")."""
    return OBUF_CLASS_PUBSUB if c.flags & CLIENT_PUBSUB else OBUF_CLASS_NORMAL


cdef enum:
    REPLY_STATIC = 16384     # Redis's static per-client reply buffer: not counted


cdef bint output_limit_reached(Client c) noexcept:
    """Redis's checkClientOutputBufferLimits: over the hard limit, or over
    the soft limit for more than its seconds (counted in whole unix seconds,
    the first sighting starts the clock). The bytes counted are the pending
    reply beyond the first 16 KB, which Redis keeps in a static buffer."""
    cdef obuf_limit* lim = &c.srv.obuf_limits[client_obuf_class(c)]
    cdef size_t pending = c.reply.len - c.sent
    cdef unsigned long long used = pending - REPLY_STATIC if pending > REPLY_STATIC else 0
    cdef long long now
    cdef bint soft
    if lim.hard and used >= lim.hard:
        return True
    soft = lim.soft != 0 and used >= lim.soft
    if not soft:
        c.soft_limit_since = 0
        return False
    now = mstime() // 1000
    if c.soft_limit_since == 0:
        c.soft_limit_since = now
        return False
    return now - <long long>c.soft_limit_since > lim.soft_seconds


cdef bint close_on_output_limit(Client c) noexcept:
    """After a reply grew: a client over its output limit is flagged and
    queued for closing (freeClientAsync). True when it was. Connection-less
    (embedded) clients are checked too, so that an embedded subscriber that
    stops reading cannot hold unbounded memory."""
    cdef size_t pending = c.reply.len - c.sent
    if pending <= REPLY_STATIC or c.flags & CLIENT_CLOSE_ASAP:
        return False
    if not output_limit_reached(c):
        return False
    c.srv.stat_client_outbuf_limit_disconnections += 1
    try:
        if c.srv.log is not None:
            from pyengine.t_server import client_info_string
            c.srv.log("warning", "Client %s scheduled to be closed ASAP for overcoming of output "
                                 "buffer limits." % client_info_string(c.srv.instance, c))
    except BaseException:
        pass
    schedule_close(c)
    return True


cdef void flush_kept_pushes(Client c) noexcept:
    """Append the pushes kept aside while c's own reply was silenced."""
    if c.pushes.len:
        rbuf_append(&c.reply, c.pushes.data, c.pushes.len)
        c.pushes.len = 0
        rbuf_shrink(&c.pushes, 0)


# ---- errors -------------------------------------------------------------------

cdef void add_error_len(Client c, const char* msg, size_t n) noexcept:
    """Reply with an error; ``msg`` starts with its code ("ERR ...",
    "WRONGTYPE ..."). Counts it in INFO stats/errorstats like Redis: the code
    is the text before the first space among the first 31 bytes."""
    cdef const char* sp
    resp_error(&c.reply, msg, n)
    c.srv.stat_total_error_replies += 1
    sp = <const char*>memchr(msg, c' ', n if n < 31 else 31)
    try:
        if sp != NULL:
            c.srv.count_error(PyBytes_FromStringAndSize(msg, sp - msg))
        else:
            c.srv.count_error(b"ERR")
    except BaseException:
        pass


cdef void add_error(Client c, const char* msg) noexcept:
    add_error_len(c, msg, strlen(msg))


cdef void add_error_obj(Client c, object msg) noexcept:
    cdef bytes b
    if isinstance(msg, str):
        b = (<str>msg).encode("utf-8", "surrogateescape")
    else:
        b = bytes(msg)
    add_error_len(c, b, len(b))


cdef void add_syntax_error(Client c) noexcept:
    add_error(c, MSG_SYNTAX)


cdef void add_wrongtype(Client c) noexcept:
    add_error(c, MSG_WRONGTYPE)


cdef void add_not_integer(Client c) noexcept:
    add_error(c, MSG_NOT_INTEGER)


cdef void add_bulk_obj(Client c, robj* o) noexcept:
    """A string object as a bulk reply."""
    cdef char tmp[24]
    cdef size_t n
    cdef const char* p = obj_str(o, tmp, &n)
    resp_bulk(&c.reply, p, n)


# ---- deferred aggregate lengths --------------------------------------------------

cdef size_t add_deferred_len(Client c) noexcept:
    """Remember where an aggregate header goes; its length is set later."""
    return c.reply.len


cdef void _set_deferred(Client c, size_t at, char prefix, long long n) noexcept:
    cdef char hdr[32]
    cdef int hl
    hdr[0] = prefix
    hl = 1 + ll2string(hdr + 1, n)
    hdr[hl] = 13
    hdr[hl + 1] = 10
    rbuf_insert(&c.reply, at, hdr, hl + 2)


cdef void set_deferred_array(Client c, size_t at, long long n) noexcept:
    _set_deferred(c, at, c'*', n)


cdef void set_deferred_map(Client c, size_t at, long long n) noexcept:
    if c.resp == 3:
        _set_deferred(c, at, c'%', n)
    else:
        _set_deferred(c, at, c'*', n * 2)


cdef void set_deferred_set(Client c, size_t at, long long n) noexcept:
    _set_deferred(c, at, c'~' if c.resp == 3 else c'*', n)


# ---- Python values -> RESP (for Python-implemented commands) -----------------------

class Status(bytes):
    """A simple-string reply (+...)."""


class ErrorReply(bytes):
    """An error reply (-...); the text starts with its code."""


class Verbatim(bytes):
    """A verbatim string (RESP3 =), 'txt' format; a bulk string in RESP2."""


class BigNumber(str):
    """A big number (RESP3 (); a bulk string in RESP2."""


class NullArray:
    """The null array (*-1 in RESP2)."""


class Push(list):
    """A push message (RESP3 >); an array in RESP2."""


class Attribute(dict):
    """RESP3 attribute map: encoded before the value that follows it."""


cdef void add_value(Client c, object value) except *:
    """Encode a Python value as a reply: None -> null, bool -> boolean,
    int -> integer, float -> double, bytes/str -> bulk, list/tuple -> array,
    dict -> map, set/frozenset -> set, plus the wrapper classes above."""
    cdef bytes b
    if value is None:
        add_null(c)
    elif isinstance(value, Status):
        add_simple(c, value, len(value))
    elif isinstance(value, ErrorReply):
        add_error_len(c, value, len(value))
    elif isinstance(value, Verbatim):
        resp_verbatim(&c.reply, value, len(value), b"txt", c.resp)
    elif isinstance(value, BigNumber):
        b = (<str>value).encode()
        resp_bignum(&c.reply, b, len(b), c.resp)
    elif value is NullArray or isinstance(value, NullArray):
        add_null_array(c)
    elif isinstance(value, bool):
        add_bool(c, value)
    elif isinstance(value, int):
        add_int(c, value)
    elif isinstance(value, float):
        add_double(c, value)
    elif isinstance(value, bytes):
        add_bulk(c, value, len(value))
    elif isinstance(value, str):
        b = (<str>value).encode("utf-8", "surrogateescape")
        add_bulk(c, b, len(b))
    elif isinstance(value, Push):
        resp_push(&c.reply, len(value), c.resp)
        for v in value:
            add_value(c, v)
    elif isinstance(value, (list, tuple)):
        add_array(c, len(value))
        for v in value:
            add_value(c, v)
    elif isinstance(value, dict):
        add_map(c, len(value))
        for k, v in value.items():
            add_value(c, k)
            add_value(c, v)
    elif isinstance(value, (set, frozenset)):
        add_set(c, len(value))
        for v in value:
            add_value(c, v)
    else:
        raise TypeError("cannot encode %r as a reply" % (value,))


# ---- argument helpers ------------------------------------------------------------

cdef bint get_ll_or_reply(Client c, int i, long long* out, const char* msg) noexcept:
    """Parse argv[i] as a strict integer; on failure reply ``msg`` (or the
    standard "not an integer" error when msg is NULL) and return False."""
    if string2ll(c.argv[i], c.argvlen[i], out):
        return True
    add_error(c, msg if msg != NULL else MSG_NOT_INTEGER)
    return False


cdef bint get_int_or_reply(Client c, int i, int* out, const char* msg) noexcept:
    """An argument that must fit a C int (getIntFromObjectOrReply): the
    range error names the bounds unless ``msg`` is given."""
    cdef long long v
    if not get_range_or_reply(c, i, -2147483648, 2147483647, &v, msg):
        return False
    out[0] = <int>v
    return True


cdef bint get_range_or_reply(Client c, int i, long long lo, long long hi, long long* out,
                             const char* msg) noexcept:
    """An integer argument within [lo, hi] (getRangeLongFromObjectOrReply)."""
    cdef char buf[128]
    cdef int n
    if not get_ll_or_reply(c, i, out, NULL if msg == NULL else msg):
        return False
    if out[0] < lo or out[0] > hi:
        if msg != NULL:
            add_error(c, msg)
        else:
            n = snprintf(buf, sizeof(buf), b"ERR value is out of range, value must between %lld and %lld", lo, hi)
            add_error_len(c, buf, n)
        return False
    return True


cdef bint get_double_or_reply(Client c, int i, double* out, const char* msg) noexcept:
    if string2d(c.argv[i], c.argvlen[i], out):
        return True
    add_error(c, msg if msg != NULL else MSG_NOT_FLOAT)
    return False


cdef bint get_ld_or_reply(Client c, int i, long double* out, const char* msg) noexcept:
    if string2ld(c.argv[i], c.argvlen[i], out):
        return True
    add_error(c, msg if msg != NULL else MSG_NOT_FLOAT)
    return False


cdef bint check_type(Client c, robj* o, int type) noexcept:
    """True (after replying WRONGTYPE) when ``o`` exists with another type."""
    if o != NULL and o.type != type:
        add_error(c, MSG_WRONGTYPE)
        return True
    return False


cdef void add_expire_time_error(Client c) noexcept:
    cdef bytes msg = b"ERR invalid expire time in '" + c.cmd.fullname.encode() + b"' command"
    add_error_len(c, msg, len(msg))
