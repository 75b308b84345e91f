# The shared state every command sees (Redis's server.h): the Server with its
# databases, the Client with its argv and reply buffer, the Command record.
# Design notes at the top of core.pyx.

from libc.stdint cimport uint64_t, int64_t
from cpython.ref cimport PyObject
from engine.dict cimport dict_t, pe_entry
from engine.resp cimport (rbuf, reqparser, resp_bulk, resp_int, resp_simple, resp_null,
                          resp_null_array, resp_array, resp_map, resp_set, resp_push,
                          resp_double, resp_bool, resp_bulk_ll, resp_verbatim, resp_bignum,
                          rbuf_append)
from engine.object cimport robj
from engine.util cimport eq_nocase

# ---- command flags (COMMAND INFO order: the bit order is the reply order) ----
cdef enum:
    CMD_WRITE = 1 << 0
    CMD_READONLY = 1 << 1
    CMD_DENYOOM = 1 << 2
    CMD_MODULE = 1 << 3
    CMD_ADMIN = 1 << 4
    CMD_PUBSUB = 1 << 5
    CMD_NOSCRIPT = 1 << 6
    CMD_BLOCKING = 1 << 8
    CMD_LOADING = 1 << 9
    CMD_STALE = 1 << 10
    CMD_SKIP_MONITOR = 1 << 11
    CMD_SKIP_SLOWLOG = 1 << 12
    CMD_ASKING = 1 << 13
    CMD_FAST = 1 << 14
    CMD_NO_AUTH = 1 << 15
    CMD_MAY_REPLICATE = 1 << 16
    CMD_SENTINEL = 1 << 17
    CMD_ONLY_SENTINEL = 1 << 18
    CMD_NO_MANDATORY_KEYS = 1 << 19
    CMD_PROTECTED = 1 << 20
    CMD_MODULE_GETKEYS = 1 << 21
    CMD_MODULE_NO_CLUSTER = 1 << 22
    CMD_NO_ASYNC_LOADING = 1 << 23
    CMD_NO_MULTI = 1 << 24
    CMD_MOVABLE_KEYS = 1 << 25
    CMD_ALLOW_BUSY = 1 << 26
    CMD_MODULE_GETCHANNELS = 1 << 27

# ---- client flags ---------------------------------------------------------
cdef enum:
    CLIENT_CLOSE_AFTER_REPLY = 1 << 0
    CLIENT_PROTOCOL_ERROR = 1 << 1
    CLIENT_CLOSE_ASAP = 1 << 2
    CLIENT_MULTI = 1 << 3
    CLIENT_PUBSUB = 1 << 4
    CLIENT_BLOCKED = 1 << 5
    CLIENT_REPLY_OFF = 1 << 6
    CLIENT_REPLY_SKIP_NEXT = 1 << 7
    CLIENT_REPLY_SKIP = 1 << 8
    CLIENT_NO_EVICT = 1 << 9
    CLIENT_EMBEDDED = 1 << 10
    CLIENT_PENDING_WRITE = 1 << 11
    CLIENT_CLOSE_AFTER_COMMAND = 1 << 12
    CLIENT_UNIX_SOCKET = 1 << 13
    CLIENT_NO_TOUCH = 1 << 14
    CLIENT_DIRTY_EXEC = 1 << 15
    CLIENT_IN_PAUSE = 1 << 16
    CLIENT_DIRTY_CAS = 1 << 17           # a WATCHed key was modified
    CLIENT_DENY_BLOCKING = 1 << 18       # inside EXEC (or a script): blocking commands don't block
    CLIENT_SCRIPT = 1 << 19              # the client scripts run their redis.call()s through
    CLIENT_PROTECTED = 1 << 20           # runs a script that timed out: its input waits (Redis's protectClient)
    # propagation (pyengine/propagate.pyx): set by a command for its own call
    CLIENT_PREVENT_PROP = 1 << 23        # do not log this command (it logged its effects)
    CLIENT_FORCE_PROP = 1 << 24          # log it even though it changed nothing (FLUSHALL)
    CLIENT_OBEY = 1 << 25                # the AOF loading client (Redis's mustObeyClient)
    CLIENT_IN_EXEC = 1 << 21             # running EXEC's queued commands (SUBSCRIBE is allowed there)
    CLIENT_IN_COMMAND = 1 << 22          # inside process_command: its reply may still be silenced

# why a client is blocked (Client.btype)
cdef enum:
    BLOCK_NONE = 0
    BLOCK_POSTPONE = 1                   # CLIENT PAUSE: the command is re-run from scratch later
    BLOCK_KEYS = 2                       # BLPOP & co: waiting for keys to become ready

# client classes of client-output-buffer-limit (Redis's CLIENT_TYPE_*)
cdef enum:
    OBUF_CLASS_NORMAL = 0
    OBUF_CLASS_REPLICA = 1
    OBUF_CLASS_PUBSUB = 2

ctypedef struct obuf_limit:
    unsigned long long hard      # bytes, 0 = none
    unsigned long long soft      # bytes, 0 = none
    long long soft_seconds       # how long the soft limit may be exceeded

# The clients subscribed to one channel or pattern, in subscription order
# (pyengine/pubsub.pyx). The pointers are borrowed: a subscribed client is
# always in Server.clients, and leaves every list before it leaves that.
ctypedef struct sublist:
    PyObject** clients
    size_t len
    size_t cap

ctypedef struct Db:
    dict_t* keys                 # key -> robj*
    dict_t* expires              # key -> absolute unix time in ms (v.s64)
    int id
    long long avg_ttl
    unsigned long expires_cursor # where the active expire cycle resumes


cdef class Client
cdef class Server

ctypedef int (*cproc_t)(Client c) except -1

cdef object proc_capsule(cproc_t f)


cdef class Command:
    """One entry of the command table (or a subcommand of a container)."""
    cdef public str name              # lowercase, e.g. "get", "get" of "config"
    cdef public str fullname          # "get", "config|get"
    cdef public int arity
    cdef public unsigned long long flags
    cdef public object spec           # the JSON declaration (dict)
    cdef public object pyproc         # Python implementation, or None
    cdef cproc_t cproc
    cdef public Command parent
    cdef dict_t* subcommands          # lowercase name -> Command (v.ptr, borrowed)
    cdef public dict subcommands_py   # the same, for Python code
    cdef public long long calls
    cdef public long long usec
    cdef public long long rejected_calls
    cdef public long long failed_calls
    cdef public int first_key, last_key, key_step
    cdef public object latency        # latency histogram (Python object, lazy)
    cdef public bint runs_in_multi    # EXEC DISCARD MULTI WATCH QUIT RESET: never queued
    cdef public bint is_exec          # EXEC: never logged itself (its commands are)
    cdef public bint touches_arbitrary_keys   # RANDOMKEY, SCAN: their expiry DELs are not wrapped
    cdef public bint allowed_when_subscribed   # may run in RESP2 subscribed mode
    cdef public object flags_proc     # callable(Client) -> flags for this call (EVAL/FCALL
                                      # take them from the script's declared flags), or None


cdef class Server:
    cdef Db* dbs
    cdef public int dbnum
    cdef public object config             # pyengine.config.Config
    cdef public object commands_by_name   # str -> Command (top level)
    cdef dict_t* cmd_lookup               # lowercase name -> Command (v.ptr, borrowed)
    cdef public dict clients              # id -> Client
    cdef public long long next_client_id
    cdef public long long mstime          # cached unix time in ms for the running command
    cdef public long long ustime
    cdef public double start_time
    cdef public long long dirty
    cdef public int hz
    # hot configuration, mirrored from config for C access
    cdef public long long proto_max_bulk_len
    cdef public long long client_max_querybuf_len
    cdef public long long maxmemory
    cdef public int maxmemory_policy_flags   # bit 1: LRU/LFU policy (no shared ints), bit 2: LFU
    cdef public int lfu_log_factor
    # aggregate encodings thresholds (the *-max-listpack-*, *-intset-* parameters)
    cdef public long long hash_max_listpack_entries
    cdef public long long hash_max_listpack_value
    cdef public long long set_max_intset_entries
    cdef public long long zset_max_listpack_entries
    cdef public long long zset_max_listpack_value
    cdef public long long list_max_listpack_size
    cdef public long long list_compress_depth
    cdef public long long stream_node_max_bytes
    cdef public long long stream_node_max_entries
    cdef public int lfu_decay_time
    cdef public bint active_expire_enabled
    cdef public int active_expire_effort
    cdef public int expire_current_db
    cdef public bint expire_timelimit_exit
    cdef public long long expire_last_fast_cycle
    cdef public bint lazyfree_lazy_user_del
    cdef public object requirepass           # bytes or None
    cdef public long long slowlog_log_slower_than
    cdef public bint latency_tracking
    # statistics
    cdef public long long stat_numcommands
    cdef public long long stat_numconnections
    cdef public long long stat_rejected_conn
    cdef public long long stat_expiredkeys
    cdef public double stat_expired_stale_perc
    cdef public long long stat_expired_time_cap_reached_count
    cdef public long long stat_expire_cycle_time_used
    cdef public long long stat_evictedkeys
    cdef public long long stat_keyspace_hits
    cdef public long long stat_keyspace_misses
    cdef public long long stat_total_error_replies
    cdef public long long stat_net_input_bytes
    cdef public long long stat_net_output_bytes
    cdef public long long stat_unexpected_error_replies
    cdef public long long stat_total_reads_processed
    cdef public long long stat_total_writes_processed
    cdef public long long stat_client_qbuf_limit_disconnections
    cdef public long long stat_client_outbuf_limit_disconnections
    cdef public dict errors                  # error code -> count (INFO errorstats)
    cdef public object slowlog               # pyengine.slowlog.SlowLog
    cdef public object instance              # the pyengine.instance.Instance owning this Server
    cdef public long long client_pause_end_ms
    cdef public int client_pause_type        # 0 none, 1 write, 2 all
    cdef public object paused_clients        # list of Client waiting for the pause end
    cdef public long long lastsave
    cdef public long long watched_count      # entries in `watched` (C fast path: 0 = nobody watches)
    cdef public dict watched                 # (dbid, key) -> [WatchedKey]
    cdef public long long blocking_count     # entries in `blocking` (C fast path)
    cdef public dict blocking                # (dbid, key) -> [Client] waiting, in arrival order
    cdef public list ready_keys              # [(dbid, key)] signalled since the last serve
    cdef public set ready_set
    cdef public set key_blocked_clients      # clients blocked on keys (timeouts, INFO)
    cdef public int enable_debug_cmd         # 0 no, 1 yes, 2 local
    cdef public long long maxclients
    cdef public object current_client
    cdef public object log                   # callable(level, msg)
    # pub/sub (pyengine/pubsub.pyx): name -> subscriber list (pubsub.sublist*)
    cdef dict_t* pubsub_channels
    cdef dict_t* pubsub_patterns
    cdef dict_t* pubsubshard_channels
    cdef public int notify_keyspace_events   # NOTIFY_* classes, 0 unless K or E is on
    # clients the front end must write to / close at the end of this turn
    cdef public list clients_pending_write
    cdef public list clients_to_close
    cdef obuf_limit obuf_limits[3]           # client-output-buffer-limit per OBUF_CLASS_*
    # persistence (pyengine/rdb.pyx, pyengine/persist.py)
    cdef public bint disk_error              # MISCONF: the last bgsave failed, writes refused
    cdef public object disk_error_msg        # ... its text when not the RDB one (AOF write error)
    cdef public int sanitize_payload         # sanitize-dump-payload: 0 no, 1 yes, 2 clients
    cdef public bint rdb_compression         # rdbcompression (DUMP and files)
    cdef public bint skip_checksum_validation   # DEBUG SET-SKIP-CHECKSUM-VALIDATION
    cdef public long long stat_dump_payload_sanitizations
    # scripting (pyengine/script.py): a script is running (time is frozen
    # for its commands, as Redis freezes it), and once it has run past
    # busy-reply-threshold the BUSY error other clients get (None otherwise)
    cdef public bint script_running
    cdef public object script_busy_error
    # stat_total_error_replies when the last command call ended (Redis's
    # prev_err_count): a command failed when errors were counted after it, so
    # a script's inner commands' errors do not count against the script
    cdef public long long err_checkpoint
    # propagation to the AOF (pyengine/propagate.pyx): on while the AOF is
    # on; commands' effects wait in also_propagate until the outermost call
    # ends, then go as one unit into aof_buf, written before replies go out
    cdef public bint propagating
    cdef public int call_depth
    cdef public list also_propagate          # [(dbid, [arg, ...])]
    cdef public bint propagate_no_multi
    cdef public bint lazyfree_lazy_expire
    cdef public bint lazyfree_lazy_eviction
    cdef rbuf aof_buf
    cdef public int aof_selected_db
    cdef public long long aof_buf_total      # bytes ever fed (INFO aof_current_size helper)

    cdef Db* db(self, int i) noexcept


cdef class Client:
    cdef public Server srv
    cdef public long long id
    cdef public int fd
    cdef public int resp
    cdef Db* db
    cdef rbuf querybuf
    cdef size_t qb_pos
    cdef reqparser parser
    cdef public int argc
    cdef const char** argv
    cdef size_t* argvlen
    cdef int argv_cap
    cdef rbuf reply
    cdef size_t sent                     # bytes of `reply` already written
    cdef public unsigned long long flags
    cdef public object name              # bytes or None
    cdef public object addr              # "ip:port" str
    cdef public object laddr
    cdef public double ctime
    cdef public double last_interaction
    cdef public bint authenticated
    cdef public Command cmd              # command being executed
    cdef public Command lastcmd
    cdef public object user
    cdef public list mstate              # queued (Command, argv) while in MULTI
    cdef public list watched_keys        # pyengine.multi.WatchedKey entries
    cdef public int btype                # BLOCK_* while CLIENT_BLOCKED
    cdef public long long bpop_timeout   # unix ms when a key-blocked command times out, 0 = never
    cdef public list blocked_on          # [(dbid, key)] a key-blocked client waits for
    cdef public list blocked_argv        # the blocked command's arguments (re-run when ready)
    cdef public Command blocked_cmd
    cdef public bint reprocessing        # re-running a blocked command now
    cdef public bytes ready_key          # ... for this key, the one signalled ready
    cdef public bint still_blocked       # ... and it asked to keep waiting
    cdef public long long blocked_since_us
    cdef public object conn              # server-side connection object, or None
    cdef public long long paused_since
    cdef public object lib_name
    cdef public object lib_ver
    cdef public int pending_close        # close requested from Python (CLIENT KILL)
    cdef public long long qbuf_peak
    cdef public long long argv_len_sum
    cdef public long long reply_bytes_peak
    cdef size_t cmd_start                # query buffer offset of the command being parsed
    cdef object argv_ref                 # keeps Python-provided argv bytes alive
    cdef public bint is_local            # unix socket or loopback peer
    cdef public double soft_limit_since  # unix second the output soft limit was first exceeded
    cdef public dict pubsub_channels     # channel -> None, in subscription order
    cdef public list pubsub_patterns     # patterns, in subscription order
    cdef public dict pubsubshard_channels
    cdef rbuf pushes                     # pushes kept aside while the running command's
                                         # reply is silenced (CLIENT REPLY OFF/SKIP)
    cdef public bint wants_writable      # EPOLLOUT armed
    cdef public list prop_argv           # what this command logs instead of its argv, or None

    cdef void set_argv(self) noexcept
    cdef int select_db(self, int dbid) except -1
    cpdef list args(self)
    cpdef bytes arg(self, int i)


# ---- reply helpers --------------------------------------------------------
# Thin wrappers over engine.resp that write into the client's reply buffer.

cdef inline void add_bulk(Client c, const char* s, size_t n) noexcept:
    resp_bulk(&c.reply, s, n)

cdef inline void add_int(Client c, long long v) noexcept:
    resp_int(&c.reply, v)

cdef inline void add_ok(Client c) noexcept:
    rbuf_append(&c.reply, b"+OK\r\n", 5)

cdef inline void add_simple(Client c, const char* s, size_t n) noexcept:
    resp_simple(&c.reply, s, n)

cdef inline void add_null(Client c) noexcept:
    resp_null(&c.reply, c.resp)

cdef inline void add_null_array(Client c) noexcept:
    resp_null_array(&c.reply, c.resp)

cdef inline void add_array(Client c, long long n) noexcept:
    resp_array(&c.reply, n)

cdef inline void add_map(Client c, long long n) noexcept:
    resp_map(&c.reply, n, c.resp)

cdef inline void add_set(Client c, long long n) noexcept:
    resp_set(&c.reply, n, c.resp)

cdef inline void add_double(Client c, double d) noexcept:
    resp_double(&c.reply, d, c.resp)

cdef inline void add_bool(Client c, bint v) noexcept:
    resp_bool(&c.reply, v, c.resp)

cdef inline void add_bulk_ll(Client c, long long v) noexcept:
    resp_bulk_ll(&c.reply, v)

cdef void add_error(Client c, const char* msg) noexcept
cdef void add_error_len(Client c, const char* msg, size_t n) noexcept
cdef void add_error_obj(Client c, object msg) noexcept
cdef void add_bulk_obj(Client c, robj* o) noexcept
cdef void add_syntax_error(Client c) noexcept
cdef void add_wrongtype(Client c) noexcept
cdef void add_not_integer(Client c) noexcept
cdef size_t add_deferred_len(Client c) noexcept
cdef void set_deferred_array(Client c, size_t at, long long n) noexcept
cdef void set_deferred_map(Client c, size_t at, long long n) noexcept
cdef void set_deferred_set(Client c, size_t at, long long n) noexcept
cdef void add_value(Client c, object value) except *


# ---- reply scheduling and output limits ------------------------------------
cdef void schedule_write(Client c) noexcept
cdef void schedule_close(Client c) noexcept
cdef int client_obuf_class(Client c) noexcept
cdef bint output_limit_reached(Client c) noexcept
cdef bint close_on_output_limit(Client c) noexcept
cdef void flush_kept_pushes(Client c) noexcept

cdef long long mstime() noexcept nogil
cdef long long ustime() noexcept nogil
cdef long long monotonic_us() noexcept nogil
cdef unsigned int lru_clock() noexcept nogil


# ---- argument helpers ---------------------------------------------------------

cdef inline bint arg_is(Client c, int i, const char* word) noexcept:
    """argv[i] equals ``word`` (lowercase) ignoring case, C-string semantics."""
    return eq_nocase(c.argv[i], c.argvlen[i], word)

cdef bint get_ll_or_reply(Client c, int i, long long* out, const char* msg) noexcept
cdef bint get_int_or_reply(Client c, int i, int* out, const char* msg) noexcept
cdef bint get_range_or_reply(Client c, int i, long long lo, long long hi, long long* out,
                             const char* msg) noexcept
cdef bint get_double_or_reply(Client c, int i, double* out, const char* msg) noexcept
cdef bint get_ld_or_reply(Client c, int i, long double* out, const char* msg) noexcept
cdef bint check_type(Client c, robj* o, int type) noexcept
cdef void add_expire_time_error(Client c) noexcept
