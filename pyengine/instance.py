"""One running pyengine: the Server state plus everything around it.

An ``Instance`` owns a ``core.Server`` (databases, command table, stats),
its ``Config``, the slow log, the logger, and the periodic work (the cron:
active expiry, rehashing, client timeouts). The network front end
(server/) and the embedded engine (pyengine.embedded) each create one and
drive it; commands reach it as ``c.srv.instance``.
"""

import logging
import os
import sys
import time

from engine import dict as _edict
from pyengine import blocked, core, multi, pubsub, table, procs
from pyengine.aof import Aof
from pyengine.config import Config, ConfigError
from pyengine.db import run_cron, run_fast_expire_cycle
from pyengine.evict import free_memory_if_needed, policy_flags

# One secret hash seed per process: every dict hashes with it.
_edict.set_seed(os.urandom(16))

# Encoding thresholds mirrored into the Server's C fields.
THRESHOLD_FIELDS = {
    "hash-max-listpack-entries": "hash_max_listpack_entries",
    "hash-max-listpack-value": "hash_max_listpack_value",
    "set-max-intset-entries": "set_max_intset_entries",
    "zset-max-listpack-entries": "zset_max_listpack_entries",
    "zset-max-listpack-value": "zset_max_listpack_value",
    "list-max-listpack-size": "list_max_listpack_size",
    "list-compress-depth": "list_compress_depth",
    "stream-node-max-bytes": "stream_node_max_bytes",
    "stream-node-max-entries": "stream_node_max_entries",
}

LOG_LEVELS = {"debug": 0, "verbose": 1, "notice": 2, "warning": 3}
LOG_MARKS = {"debug": ".", "verbose": "-", "notice": "*", "warning": "#"}
PY_LOG_LEVELS = {"debug": logging.DEBUG, "verbose": logging.DEBUG, "notice": logging.INFO,
                 "warning": logging.WARNING}

from pyengine.version import PYENGINE_VERSION, REDIS_VERSION  # noqa: F401


REDACTED = b"(redacted)"


def redact_args(cmd, args):
    """The arguments as SLOWLOG (and MONITOR) may show them: passwords
    replaced by "(redacted)" exactly where Redis's commands redact them
    (AUTH, HELLO ... AUTH, CONFIG SET of a sensitive parameter). Redis
    redacts while parsing, so nothing after a syntax error is touched."""
    from pyengine.config import lookup_bytes
    name = cmd.fullname
    if name == "auth":
        if len(args) > 3:
            return args
        args = list(args)
        for j in range(1, len(args)):
            args[j] = REDACTED
        return args
    if name == "hello":
        if len(args) >= 2 and args[1] not in (b"2", b"3"):
            return args             # protocol version refused first
        args = list(args)
        j = 2
        while j < len(args):
            more = len(args) - 1 - j
            opt = args[j].split(b"\0", 1)[0].lower()
            if opt == b"auth" and more >= 2:
                args[j + 1] = args[j + 2] = REDACTED
                j += 3
            elif opt == b"setname" and more and all(0x21 <= ch <= 0x7E for ch in args[j + 1]):
                j += 2
            else:
                break
        return args
    if name == "config|set":
        if len(args) % 2:
            return args
        args = list(args)
        for j in range(2, len(args), 2):
            p = lookup_bytes(args[j])
            if p is not None and p.sensitive:
                args[j + 1] = REDACTED
        return args
    return args


class SlowLog:
    """SLOWLOG entries, newest first, capped at slowlog-max-len."""

    def __init__(self, instance):
        self.instance = instance
        self.entries = []
        self.next_id = 0

    def push(self, c, cmd, duration):
        maxlen = self.instance.config["slowlog-max-len"]
        entry_id = self.next_id
        self.next_id += 1
        if maxlen == 0:
            return
        args = redact_args(cmd, c.args())
        shown = []
        limit = min(len(args), 32)
        for j in range(limit):
            if limit != len(args) and j == limit - 1:
                shown.append(b"... (%d more arguments)" % (len(args) - limit + 1))
                break
            a = args[j]
            if len(a) > 128:
                a = a[:128] + b"... (%d more bytes)" % (len(a) - 128)
            shown.append(a)
        self.entries.insert(0, (entry_id, int(time.time()), duration, shown,
                                c.addr.encode(), c.name or b""))
        del self.entries[maxlen:]

    def reset(self):
        self.entries.clear()


class Instance:
    def __init__(self, config=None):
        self.config = config if config is not None else Config()
        self.srv = core.Server(self.config["databases"])
        self.srv.instance = self
        self.srv.config = self.config
        self.srv.log = self.log
        table.build(self.srv, procs.all_procs())
        for name, flags_proc in procs.all_flags_procs().items():
            self.srv.commands_by_name[name].flags_proc = flags_proc
        self.slowlog = SlowLog(self)
        self.srv.slowlog = self.slowlog
        self.run_id = os.urandom(20).hex()
        self.start_time = time.time()
        self.frontend = None            # the network server, when there is one
        self.logfile = None
        self.log_to_logging = False     # embedded engines log through Python logging
        self.shutdown_requested = None  # set by SHUTDOWN / signals: flags dict
        self.stat_peak_memory = 0
        self.scripting = None           # pyengine.script.Scripting, created on first use
        self.aof = Aof(self)
        self.started = False            # start() ran: CONFIG SET appendonly acts at once
        self.cron_loops = 0
        # Per-connection state of subsystems, cleared by RESET and on disconnect.
        self.client_reset_hooks = [multi.reset_client, blocked.reset_client, pubsub.reset_client]
        self.role_char = "M"            # log lines: "C" in a fork child
        self.config.on_change.append(self._config_changed)
        self._starting = True
        for name in list(self.config.values):
            self._config_changed(name, self.config.values[name])
        self._starting = False
        from pyengine.persist import Persistence
        self.persistence = Persistence(self)
        self.persistence.apply_config()
        from engine._mem import used_memory
        self.stat_startup_memory = used_memory()    # MEMORY STATS startup.allocated

    # -- configuration ---------------------------------------------------------------
    def _config_changed(self, name, value):
        srv = self.srv
        if name == "hz":
            srv.hz = min(max(value, 1), 500)
        elif name == "proto-max-bulk-len":
            srv.proto_max_bulk_len = value
        elif name == "client-query-buffer-limit":
            srv.client_max_querybuf_len = value
        elif name == "maxmemory":
            srv.maxmemory = min(value, 2 ** 63 - 1)     # an unsigned 64-bit config
            if srv.maxmemory and not self._starting:
                # CONFIG SET: evict right away, as Redis's updateMaxmemory does
                from engine._mem import used_memory
                used = used_memory()
                if srv.maxmemory < used:
                    self.log("warning", "WARNING: the new maxmemory value set via CONFIG SET "
                                        "(%d) is smaller than the current memory usage (%d). This "
                                        "will result in key eviction and/or the inability to "
                                        "accept new write commands depending on the "
                                        "maxmemory-policy." % (srv.maxmemory, used))
                self.free_memory_if_needed()
        elif name == "maxmemory-policy":
            srv.maxmemory_policy_flags = policy_flags(value)
        elif name in THRESHOLD_FIELDS:
            setattr(srv, THRESHOLD_FIELDS[name], value)
        elif name == "lfu-log-factor":
            srv.lfu_log_factor = value
        elif name == "lfu-decay-time":
            srv.lfu_decay_time = value
        elif name == "active-expire-effort":
            srv.active_expire_effort = value
        elif name == "slowlog-log-slower-than":
            srv.slowlog_log_slower_than = value
        elif name == "latency-tracking":
            srv.latency_tracking = value
        elif name == "requirepass":
            srv.requirepass = value.encode("utf-8", "surrogateescape") if value else None
        elif name == "enable-debug-command":
            srv.enable_debug_cmd = {"no": 0, "yes": 1, "local": 2}[value]
        elif name == "maxclients":
            srv.maxclients = value
        elif name == "logfile":
            self.logfile = value or None
        elif name == "appendonly" and self.started:
            if value:
                if not self.aof.enable():
                    raise ConfigError("Unable to turn on AOF. Check server logs.")
            else:
                self.aof.disable()
        elif name == "lazyfree-lazy-expire":
            srv.lazyfree_lazy_expire = value
        elif name == "lazyfree-lazy-eviction":
            srv.lazyfree_lazy_eviction = value
        elif name == "lazyfree-lazy-user-del":
            srv.lazyfree_lazy_user_del = value
        elif name == "notify-keyspace-events":
            srv.notify_keyspace_events = pubsub.keyspace_events_mask(value)
        elif name == "client-output-buffer-limit":
            srv.set_output_buffer_limits(value)
        if self.frontend is not None:
            self.frontend.config_changed(name, value)

    # -- clients ------------------------------------------------------------------------
    def new_client(self, fd=-1):
        c = core.Client(self.srv, fd)
        c.ctime = c.last_interaction = time.time()
        self.srv.clients[c.id] = c
        return c

    def forget_client(self, c):
        """A connection is gone: clear its transaction, blocking and pub/sub
        state, drop it from the server and give its buffers back."""
        for hook in self.client_reset_hooks:
            hook(c)
        self.srv.clients.pop(c.id, None)
        if c in self.srv.paused_clients:
            self.srv.paused_clients.remove(c)
        c.release_buffers()

    def close_scheduled_clients(self):
        """Forget the connection-less (embedded) clients queued for closing
        (over their output buffer limit); connected ones are left to the
        network loop, which closes their sockets."""
        srv = self.srv
        if not srv.clients_to_close:
            return
        keep = []
        for c in srv.clients_to_close:
            if c.fd >= 0:
                keep.append(c)
            elif c.id in srv.clients:
                self.forget_client(c)
        srv.clients_to_close[:] = keep

    # -- logging ---------------------------------------------------------------------------
    def log(self, level, msg):
        """Write a log line in Redis's format (to ``logfile``, else stdout),
        or, for an embedded engine (``log_to_logging``), hand it to Python's
        logging as the "pyengine" logger so library users control it."""
        if LOG_LEVELS[level] < LOG_LEVELS[self.config["loglevel"]]:
            return
        if self.log_to_logging and not self.logfile:
            logging.getLogger("pyengine").log(PY_LOG_LEVELS[level], msg)
            return
        now = time.time()
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(now)) + ".%03d" % (now % 1 * 1000)
        line = "%d:%s %s %s %s\n" % (os.getpid(), self.role_char, stamp, LOG_MARKS[level], msg)
        if self.logfile:
            try:
                with open(self.logfile, "a") as f:
                    f.write(line)
            except OSError:
                pass
        else:
            try:
                sys.stdout.write(line)
                sys.stdout.flush()
            except (OSError, ValueError):
                pass

    # -- periodic work ------------------------------------------------------------------------
    def cron(self):
        """serverCron's share that belongs to the data: called hz times a second."""
        self.cron_loops += 1
        run_cron(self.srv, self.config["activerehashing"], self.child_busy())
        self._check_pause()
        self.persistence.cron()
        self.aof.cron()

    # -- persistence ---------------------------------------------------------------------
    def start(self, load_rdb=True):
        """loadDataFromDisk: the AOF when appendonly is on (then opened for
        appending), else the RDB file (``load_rdb``). Returns False, after
        logging why, when the data cannot be loaded: the server must not
        start then. Raises AofError for an embedded engine's AOF."""
        if self.config["appendonly"]:
            self.aof.load()
            self.aof.open_at_startup()
        elif load_rdb and not self.persistence.load_at_startup():
            return False
        self.started = True
        return True

    def child_busy(self):
        """A fork child (BGSAVE or AOF rewrite) runs: Redis allows one."""
        return self.persistence.child_active() or bool(self.aof.child_pid)

    def flush_aof(self):
        """Write the commands logged so far to the AOF (before replies)."""
        self.aof.flush()

    def before_sleep(self):
        """Work done each event-loop turn before waiting: blocked clients
        whose timeout passed, the fast expire cycle."""
        blocked.handle_timeouts(self.srv)
        run_fast_expire_cycle(self.srv)

    # -- maxmemory ------------------------------------------------------------------------------
    def free_memory_if_needed(self):
        """Evict keys per maxmemory-policy until under maxmemory. False when
        the limit cannot be met (the command then gets the OOM error)."""
        return free_memory_if_needed(self.srv, self.config)

    # -- client pause ------------------------------------------------------------------------------
    def pause_client(self, c):
        """Hold a client's command until the pause ends. True if held."""
        if self.frontend is None or c.fd < 0:
            # Embedded callers run on the caller's thread holding the engine
            # lock: they cannot wait for the pause to end, so like replicas
            # in Redis they are not paused.
            return False
        self.srv.paused_clients.append(c)
        c.flags |= core.CLIENT_BLOCKED_FLAG
        c.btype = core.BLOCK_POSTPONE_TYPE
        return True

    def _check_pause(self):
        srv = self.srv
        if srv.client_pause_type and core.py_mstime() >= srv.client_pause_end_ms:
            self.unpause()

    def unpause(self):
        srv = self.srv
        srv.client_pause_type = 0
        srv.client_pause_end_ms = 0
        waiting, srv.paused_clients = srv.paused_clients, []
        for c in waiting:
            c.flags &= ~core.CLIENT_BLOCKED_FLAG
            c.btype = 0
            if self.frontend is not None:
                self.frontend.resume_client(c)

    def client_unblocked(self, c):
        """A client blocked on keys was served, timed out or unblocked: let
        the front end send its reply and continue with its pipelined input.
        Embedded callers waiting for the reply are woken by their engine."""
        if self.frontend is not None and c.fd >= 0:
            self.frontend.resume_client(c)

    # -- INFO helpers -------------------------------------------------------------------------------
    def uptime(self):
        return int(time.time() - self.start_time)
