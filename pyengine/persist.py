"""RDB persistence: snapshot files, SAVE/BGSAVE, save rules, loading.

The byte format and the keyspace walk are C (engine/rdb, pyengine/rdb);
this module decides when and where a snapshot is written or read, like
Redis's rdbSave / rdbSaveBackground / rdbLoad and the persistence part of
serverCron. One ``Persistence`` per Instance (``instance.persistence``).

Files
-----
A snapshot is written to ``temp-<pid>.rdb`` in ``dir``, fsynced, renamed
over ``dir/dbfilename`` and the directory fsynced, so the file a restart
finds is always a complete one (the previous snapshot or the new one; a
crash mid-save leaves a stray temp file, never a torn dump). Loading maps
the file read-only (mmap) and parses it in place; a truncated or corrupt
file raises RdbError with the offset, and start-up stops with an error that
names the file and the offset (never a partial load that carries on).

BGSAVE: fork
------------
BGSAVE forks, as Redis does: the child sees a copy-on-write image of the
dataset frozen at the fork, writes it with the same C writer, and exits
(os._exit) with 0 or 1; the parent keeps serving and reaps the child in
the cron (``cron``, hz times a second), then updates lastsave, dirty and
rdb_last_bgsave_status. Why fork rather than a forkless snapshot: the
keyspace, the quicklists, listpacks and skiplists are mutated in place by
commands, so a point-in-time copy without fork would mean either copying
the dataset up front (2x memory at once) or copy-on-write bookkeeping in
every structure; the kernel's page-level COW gives the same consistency for
the cost of the pages written during the save, with no change to the data
structures. The child never returns into the interpreter's event loop: it
closes its copies of the listening and client sockets (a client closed by
the parent must see EOF, and a dead parent must free its port), disables
the garbage collector (touching Python objects would copy their pages),
writes, reports its copy-on-write size through a pipe, and _exits.

Embedded mode (pyengine.Engine, no server process): BGSAVE forks the
embedding process the same way. The command runs with the Engine's lock
held, so the image is consistent; the child runs only this module's save
path (C code, a file, os._exit) and never touches another thread's state:
no Python logging in the child (its lock may be held by another thread at
the fork), only the log file when one is configured. The parent reaps the
child on its next cron tick (an Engine runs its cron at the start of a
call, a ServerThread in its loop). Where os.fork does not exist, BGSAVE
saves in the foreground and reports the same replies.

Rules and statistics follow Redis 7.0: ``save <seconds> <changes>`` rules
start a BGSAVE from the cron (after a failure, retried only every 5
seconds); BGSAVE inside MULTI/EXEC is scheduled; a failed BGSAVE with
``stop-writes-on-bgsave-error`` and save rules set makes write commands
(and PING) fail with MISCONF until a save succeeds; FLUSHALL saves when
rules are set; SHUTDOWN saves when rules are set (unless NOSAVE) or SAVE is
given. INFO persistence fields are Redis's names.
"""

import gc
import mmap
import os
import signal
import struct
import sys
import time
import warnings

from engine import dict as _edict
from pyengine import msgs, rdb as _rdb
from pyengine.version import REDIS_VERSION

RdbError = _rdb.RdbError

BGSAVE_RETRY_DELAY = 5          # seconds (CONFIG_BGSAVE_RETRY_DELAY)
CHILD_COW_DUTY_CYCLE = 100      # the child reads its CoW size at most 1% of the time

# child -> parent info records (sendChildInfo): type, keys saved, CoW bytes,
# when the CoW was read (time.monotonic(), the same clock in both processes)
CHILD_INFO = struct.Struct("<iQQd")
CHILD_INFO_CURRENT = 0          # during the save, about once a second
CHILD_INFO_RDB_COW_SIZE = 1     # the last one, after a successful save
PROGRESS_MIN_SIZE = 32 << 20    # files smaller than this load without progress lines

SANITIZE = {"no": 0, "yes": 1, "clients": 2}


def _private_dirty_bytes(pid="self"):
    """Private_Dirty of a process (its copy-on-write pages, for a fork
    child), from /proc; 0 where that is not available."""
    try:
        with open("/proc/%s/smaps_rollup" % pid, "rb") as f:
            for line in f:
                if line.startswith(b"Private_Dirty:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class _LoadHandler:
    """Receives what load_buffer reports while loading (AUX fields,
    function libraries, progress) and logs it like Redis."""

    def __init__(self, persistence, path, size, log):
        self.p = persistence
        self.path = path
        self.size = size
        self.log = log
        self.started = time.monotonic()
        self.last_decile = 0

    def aux(self, key, value):
        log = self.log
        k = key.lower()
        text = value.decode("utf-8", "replace")
        if key.startswith(b"%"):
            log("notice", "RDB '%s': %s" % (key.decode("utf-8", "replace"), text))
        elif k == b"redis-ver":
            log("notice", "Loading RDB produced by version %s" % text)
        elif k == b"ctime":
            try:
                age = max(0, int(time.time()) - int(value))
            except ValueError:
                age = 0
            log("notice", "RDB age %d seconds" % age)
        elif k == b"used-mem":
            try:
                used = int(value)
            except ValueError:
                used = 0
            log("notice", "RDB memory usage when created %.2f Mb" % (used / (1024 * 1024)))
        elif k == b"aof-preamble" and value not in (b"0", b""):
            log("notice", "RDB has an AOF tail")
        elif k == b"aof-base" and value not in (b"0", b""):
            log("notice", "RDB is base AOF")
        elif k in (b"redis-bits", b"lua", b"repl-stream-db", b"repl-id", b"repl-offset"):
            pass
        else:
            log("debug", "Unrecognized RDB AUX field: '%s'" % key.decode("utf-8", "replace"))

    def module_aux(self, module_id):
        self.log("warning", "The RDB file contains AUX module data of module id %d, which no "
                            "loaded module claims: skipped" % module_id)

    def progress(self, offset, size, keys):
        """A line per 10% of a large file (load_buffer calls every 8 MB)."""
        if size < PROGRESS_MIN_SIZE:
            return
        pct = offset * 100 // size
        if pct // 10 <= self.last_decile:
            return
        self.last_decile = pct // 10
        self.log("notice", "Loading RDB file %s: %d%% (%.1f of %.1f MB, %d keys, %.1f seconds)" % (
            self.path, pct, offset / 1048576, size / 1048576, keys,
            time.monotonic() - self.started))

    def function(self, code, flags):
        self.p.load_function(code, flags)


class _ChildInfo:
    """The fork child's side of the info pipe (sendChildInfoGeneric): the
    keys saved so far and the copy-on-write size, read from /proc at most
    1% of the time (a reading costs a walk of the page tables)."""

    def __init__(self, persistence, fd):
        self.p = persistence
        self.fd = fd
        self.cow = 0
        self.cow_updated = 0.0
        self.cost = 0.0
        self.peak = 0
        self.total = 0
        self.count = 0

    def send(self, kind, keys):
        now = time.monotonic()
        if (kind != CHILD_INFO_CURRENT or not self.cow_updated or
                now - self.cow_updated > self.cost * CHILD_COW_DUTY_CYCLE):
            self.cow = _private_dirty_bytes()
            self.cow_updated = time.monotonic()
            self.cost = self.cow_updated - now
            self.peak = max(self.peak, self.cow)
            self.total += self.cow
            self.count += 1
            final = kind != CHILD_INFO_CURRENT
            if self.cow or final:
                self.p._log("notice" if final else "verbose",
                            "Fork CoW for RDB: current %d MB, peak %d MB, average %d MB" % (
                                self.cow >> 20, self.peak >> 20,
                                (self.total // self.count) >> 20))
        try:
            os.write(self.fd, CHILD_INFO.pack(kind, keys, self.cow, self.cow_updated))
        except OSError:
            pass

    def current(self, keys):
        self.send(CHILD_INFO_CURRENT, keys)


class Persistence:
    """The RDB state of one Instance (Redis's server.rdb_* / child fields)."""

    def __init__(self, instance):
        self.inst = instance
        self.child_pid = -1
        self.child_info_fd = -1
        self.dirty_before_bgsave = 0
        self.lastbgsave_try = 0
        self.lastbgsave_ok = True
        self.rdb_save_time_last = -1
        self.rdb_save_time_start = -1
        self.bgsave_scheduled = False
        self.stat_rdb_saves = 0
        self.last_cow_size = 0
        self._reset_child_stats()
        self.stat_fork_time_us = 0
        self.stat_total_forks = 0
        self.load_keys_loaded = 0
        self.load_keys_expired = 0
        self.in_child = False
        instance.config.on_change.append(self._config_changed)
        self._update_disk_error()

    # -- configuration ----------------------------------------------------------------------
    def _config_changed(self, name, value):
        srv = self.inst.srv
        if name == "rdbcompression":
            srv.rdb_compression = value
        elif name == "sanitize-dump-payload":
            srv.sanitize_payload = SANITIZE[value]
        elif name in ("save", "stop-writes-on-bgsave-error"):
            self._update_disk_error()

    def apply_config(self):
        cfg = self.inst.config
        for name in ("rdbcompression", "sanitize-dump-payload", "save"):
            self._config_changed(name, cfg[name])

    def _update_disk_error(self):
        """writeCommandsDeniedByDiskError, kept as a flag the dispatcher tests."""
        cfg = self.inst.config
        srv = self.inst.srv
        rdb = bool(cfg["stop-writes-on-bgsave-error"] and cfg["save"] and not self.lastbgsave_ok)
        aof = getattr(self.inst, "aof", None)
        aof_error = aof.write_error if aof is not None else None
        srv.disk_error = rdb or aof_error is not None
        srv.disk_error_msg = None if rdb else aof_error

    def _set_bgsave_status(self, ok):
        self.lastbgsave_ok = ok
        self._update_disk_error()

    # -- paths ------------------------------------------------------------------------------
    def directory(self):
        return self.inst.config.values["dir"] or os.getcwd()

    def path(self):
        """dir/dbfilename."""
        return os.path.join(self.directory(), self.inst.config["dbfilename"])

    def _tmp_path(self, pid):
        return os.path.join(self.directory(), "temp-%d.rdb" % pid)

    def _log(self, level, msg):
        if self.in_child:
            # fork child: never Python logging (another thread may hold its
            # lock); the log file or stdout of a server process only
            if self.inst.log_to_logging and not self.inst.logfile:
                return
        self.inst.log(level, msg)

    # -- function libraries -----------------------------------------------------------------
    def functions(self, create):
        """The instance's function set (pyengine/functions.py), created
        when ``create``; None when there is none yet."""
        s = self.inst.scripting
        if s is None:
            if not create:
                return None
            from pyengine.script import Scripting
            s = self.inst.scripting = Scripting(self.inst)
        if s.functions is None and not create:
            return None
        return s.get_functions()

    def function_codes(self):
        """The code of every function library, saved in each snapshot
        (RDB_OPCODE_FUNCTION2 before the databases, as Redis writes them)."""
        fs = self.functions(False)
        return [] if fs is None else [li.code for li in fs.libraries.values()]

    def load_function(self, code, flags):
        """A library read from a snapshot joins the current ones; a library
        of the same name is replaced only when loading with ALLOW_DUP
        (DEBUG RELOAD MERGE), as in Redis. ValueError(reason) otherwise."""
        from pyengine.script import ScriptError
        fs = self.functions(True)
        try:
            fs.create(code, bool(flags & _rdb.PY_RDBFLAGS_ALLOW_DUP), fs.libraries,
                      fs.functions, 0)
        except ScriptError as e:
            msg = e.args[0]
            if isinstance(msg, bytes):
                msg = msg.decode("utf-8", "replace")
            raise ValueError(msg[4:] if msg.startswith("ERR ") else msg)

    # -- writing ----------------------------------------------------------------------------
    def aux_fields(self, aof_base=False):
        from engine._mem import used_memory
        return [(b"redis-ver", REDIS_VERSION.encode()),
                (b"redis-bits", b"64" if sys.maxsize > 2 ** 32 else b"32"),
                (b"ctime", b"%d" % int(time.time())),
                (b"used-mem", b"%d" % used_memory()),
                (b"aof-base", b"1" if aof_base else b"0")]

    def write_snapshot(self, target, aof_base=False, progress=None):
        """Write the whole dataset (and the function libraries) as an RDB
        snapshot to ``target``: an open file descriptor (int), a file object
        with fileno() (flushed first; written at its descriptor's position),
        or a path (created or truncated, written, fsynced and closed; no
        temp file, no rename: the caller decides). SAVE, BGSAVE's child and
        the AOF base file (``aof_base``: the "aof-base" AUX field is 1) all
        write through here. Nothing else changes: dirty, lastsave and the
        bgsave status are the callers' business. ``progress(keys)`` is
        called about once a second. Returns (bytes, keys). Raises OSError."""
        if isinstance(target, int):
            return self._write_fd(target, aof_base, progress)
        if hasattr(target, "fileno"):
            target.flush()
            return self._write_fd(target.fileno(), aof_base, progress)
        fd = os.open(os.fspath(target), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            out = self._write_fd(fd, aof_base, progress)
            os.fsync(fd)
        finally:
            os.close(fd)
        return out

    def _write_fd(self, fd, aof_base, progress):
        cfg = self.inst.config
        return _rdb.save_fd(self.inst.srv, fd, cfg["rdbcompression"], cfg["rdbchecksum"],
                            cfg["rdb-save-incremental-fsync"], self.aux_fields(aof_base),
                            self.function_codes(), cfg["rdb-key-save-delay"], progress)

    def rdb_save(self, path=None, progress=None):
        """rdbSave: write the snapshot through a temp file, fsync, rename,
        fsync the directory. True on success (then dirty is reset and
        lastsave set, as Redis does)."""
        path = path or self.path()
        tmp = self._tmp_path(os.getpid())
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as e:
            self._log("warning", "Failed opening the temp RDB file %s (in server root dir %s) "
                                 "for saving: %s" % (os.path.basename(tmp), self.directory(),
                                                     e.strerror))
            return False
        op = "rdbSaveRio"
        try:
            try:
                self.write_snapshot(fd, progress=progress)
                op = "fsync"
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            self._log("warning", "Write error saving DB on disk(%s): %s" % (op, e.strerror))
            self._unlink(tmp)
            return False
        try:
            os.rename(tmp, path)
        except OSError as e:
            self._log("warning", "Error moving temp DB file %s on the final destination %s "
                                 "(in server root dir %s): %s" % (
                                     os.path.basename(tmp), os.path.basename(path),
                                     self.directory(), e.strerror))
            self._unlink(tmp)
            return False
        try:
            self._fsync_dir(path)
        except OSError as e:
            self._log("warning", "Write error saving DB on disk(fsyncFileDir): %s" % e.strerror)
            return False
        self._log("notice", "DB saved on disk")
        if not self.in_child:
            self.inst.srv.dirty = 0
            self.inst.srv.lastsave = int(time.time())
            self._set_bgsave_status(True)
        return True

    @staticmethod
    def _fsync_dir(path):
        fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _unlink(path):
        try:
            os.unlink(path)
        except OSError:
            pass

    # -- background save --------------------------------------------------------------------
    def child_active(self):
        return self.child_pid > 0

    def _reset_child_stats(self):
        """resetChildState's counters (INFO current_*)."""
        self.cow_peak = 0
        self.cow_bytes = 0
        self.cow_updated = 0.0
        self.save_keys_processed = 0
        self.save_keys_total = 0
        self._child_buf = b""

    def _read_child_info(self):
        """receiveChildInfo: take the complete records the child wrote so
        far (the pipe is non-blocking in the parent)."""
        if self.child_info_fd < 0:
            return
        while True:
            try:
                data = os.read(self.child_info_fd, 4096)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            if not data:
                break
            self._child_buf += data
        n = CHILD_INFO.size
        while len(self._child_buf) >= n:
            kind, keys, cow, updated = CHILD_INFO.unpack(self._child_buf[:n])
            self._child_buf = self._child_buf[n:]
            self.cow_peak = max(self.cow_peak, cow)
            if kind == CHILD_INFO_CURRENT:
                self.cow_bytes = cow
                self.cow_updated = updated
                self.save_keys_processed = keys
            elif kind == CHILD_INFO_RDB_COW_SIZE:
                self.last_cow_size = self.cow_peak

    def bgsave(self):
        """rdbSaveBackground. True when the child started (or, without
        fork, the foreground save succeeded)."""
        if self.inst.child_busy():
            return False
        srv = self.inst.srv
        self.stat_rdb_saves += 1
        self.dirty_before_bgsave = srv.dirty
        self.lastbgsave_try = int(time.time())
        if not hasattr(os, "fork"):
            ok = self.rdb_save()
            self._set_bgsave_status(ok)
            return ok
        rfd, wfd = os.pipe()
        start = time.monotonic()
        try:
            with warnings.catch_warnings():
                # an embedding process may run threads: the child only
                # writes the file and _exits (see the module notes)
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError as e:
            os.close(rfd)
            os.close(wfd)
            self._set_bgsave_status(False)
            self._log("warning", "Can't save in background: fork: %s" % e.strerror)
            return False
        if pid == 0:
            self._child_main(rfd, wfd)          # never returns
        os.close(wfd)
        os.set_blocking(rfd, False)
        _edict.set_resize_policy(_edict.RESIZE_AVOID)   # updateDictResizePolicy
        self._reset_child_stats()
        self.save_keys_total = sum(srv.dbsize(i) for i in range(srv.dbnum))
        self.stat_fork_time_us = int((time.monotonic() - start) * 1_000_000)
        self.stat_total_forks += 1
        self.child_pid = pid
        self.child_info_fd = rfd
        self.rdb_save_time_start = int(time.time())
        self._log("notice", "Background saving started by pid %d" % pid)
        return True

    def _child_main(self, rfd, wfd):
        code = 1
        try:
            self.enter_child()
            os.close(rfd)
            info = _ChildInfo(self, wfd)
            if self.rdb_save(progress=info.current):
                info.send(CHILD_INFO_RDB_COW_SIZE, 0)
                code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    def enter_child(self):
        """First steps of a fork child (BGSAVE or AOF rewrite): touch no
        page shared with the parent needlessly, default signals, no copies
        of the server's sockets, "C" in log lines."""
        self.in_child = True
        gc.disable()
        _edict.set_resize_policy(_edict.RESIZE_FORBID)  # touch no shared page
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        self._close_inherited_sockets()
        self.inst.role_char = "C"

    def _close_inherited_sockets(self):
        """Fork child: drop its copies of the listening and client sockets."""
        fe = self.inst.frontend
        if fe is not None:
            for s in list(getattr(fe, "listeners", [])):
                try:
                    os.close(s.fileno())
                except OSError:
                    pass
        for c in list(self.inst.srv.clients.values()):
            if c.fd >= 0:
                try:
                    os.close(c.fd)
                except OSError:
                    pass

    def kill_child(self):
        """killRDBChild: SIGUSR1 (not an error); the cron reaps it."""
        if self.child_active():
            try:
                os.kill(self.child_pid, signal.SIGUSR1)
            except OSError:
                pass

    def check_child_done(self, block=False):
        """Reap a finished child and account for it (checkChildrenDone)."""
        if not self.child_active():
            return
        try:
            pid, status = os.waitpid(self.child_pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            pid, status = self.child_pid, 1 << 8
        if pid == 0:
            return
        child = self.child_pid
        if os.WIFSIGNALED(status):
            bysignal, exitcode = os.WTERMSIG(status), 0
        else:
            bysignal, exitcode = 0, os.WEXITSTATUS(status)
        srv = self.inst.srv
        if not bysignal and exitcode == 0:
            self._log("notice", "Background saving terminated with success")
            srv.dirty = srv.dirty - self.dirty_before_bgsave
            srv.lastsave = int(time.time())
            self._set_bgsave_status(True)
        elif not bysignal:
            self._log("warning", "Background saving error")
            self._set_bgsave_status(False)
        else:
            self._log("warning", "Background saving terminated by signal %d" % bysignal)
            self._unlink(self._tmp_path(child))
            if bysignal != signal.SIGUSR1:
                self._set_bgsave_status(False)
        if self.child_info_fd >= 0:
            if exitcode == 0 and not bysignal:
                self._read_child_info()
            os.close(self.child_info_fd)
            self.child_info_fd = -1
        self._reset_child_stats()
        self.rdb_save_time_last = int(time.time()) - self.rdb_save_time_start
        self.rdb_save_time_start = -1
        self.child_pid = -1
        _edict.set_resize_policy(_edict.RESIZE_ENABLE)

    def cron(self):
        """serverCron's persistence share: reap the child, or start a BGSAVE
        when a save rule is met or one was scheduled."""
        if self.child_active():
            self._read_child_info()
            self.check_child_done()
            return
        srv = self.inst.srv
        now = int(time.time())
        retry_ok = now - self.lastbgsave_try > BGSAVE_RETRY_DELAY or self.lastbgsave_ok
        for seconds, changes in self.inst.config["save"]:
            if (srv.dirty >= changes and now - srv.lastsave > seconds and retry_ok and
                    not self.inst.child_busy()):
                self._log("notice", "%d changes in %d seconds. Saving..." % (changes, seconds))
                self.bgsave()
                break
        if not self.inst.child_busy() and self.bgsave_scheduled and retry_ok:
            if self.bgsave():
                self.bgsave_scheduled = False

    # -- loading ----------------------------------------------------------------------------
    def load_file(self, path=None, flags=0):
        """rdbLoad into the current databases. Returns load_buffer's stats.
        Raises OSError (file) or RdbError (contents)."""
        path = path or self.path()
        srv = self.inst.srv
        cfg = self.inst.config
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise RdbError("Unexpected EOF reading RDB file", 0)
            with mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ) as m:
                try:
                    m.madvise(mmap.MADV_SEQUENTIAL)
                except (AttributeError, OSError):
                    pass
                handler = _LoadHandler(self, path, size, self._log)
                self.load_keys_loaded = self.load_keys_expired = 0
                try:
                    stats = _rdb.load_buffer(
                        srv, m, flags, cfg["sanitize-dump-payload"] == "yes",
                        cfg["rdbchecksum"] and not srv.skip_checksum_validation, handler,
                        cfg["key-load-delay"])
                finally:
                    handler = None
        self.load_keys_loaded = stats["keys_loaded"]
        self.load_keys_expired = stats["keys_expired"]
        if stats["checksum_skipped"] and cfg["rdbchecksum"]:
            self._log("warning", "RDB file was saved with checksum disabled: no check performed.")
        for key in stats["empty_keys"]:
            self._log("warning", "rdbLoadObject skipping empty key: %s" % key.decode(
                "utf-8", "replace"))
        if stats["empty_keys_skipped"]:
            self._log("warning", "Done loading RDB, keys loaded: %d, keys expired: %d, empty "
                                 "keys skipped: %d." % (stats["keys_loaded"], stats["keys_expired"],
                                                        stats["empty_keys_skipped"]))
        else:
            self._log("notice", "Done loading RDB, keys loaded: %d, keys expired: %d." % (
                stats["keys_loaded"], stats["keys_expired"]))
        return stats

    def load_at_startup(self):
        """loadDataFromDisk for RDB: load dir/dbfilename if it exists. False
        (after logging why, naming the file and the offset) when the file
        cannot be read or is corrupt: the server must not start then."""
        path = self.path()
        start = time.monotonic()
        try:
            self.load_file(path)
        except FileNotFoundError:
            return True
        except OSError as e:
            self._log("warning", "Fatal error loading the DB: %s. Exiting." % e.strerror)
            return False
        except RdbError as e:
            if e.detail:
                self._log("warning", e.detail)
            self._log("warning", "Internal error in RDB reading offset %d -> %s" % (
                e.offset, e.reason))
            self._log("warning", "Error reading the RDB file %s at offset %d: %s" % (
                path, e.offset, e.reason))
            self._log("warning", "Terminating server after rdb file reading failure.")
            return False
        self._log("notice", "DB loaded from disk: %.3f seconds" % (time.monotonic() - start))
        return True

    # -- commands and events that save ------------------------------------------------------
    def debug_reload(self, save=True, flush=True, merge=False):
        """DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: "" or an error text."""
        from pyengine import db as pdb
        if save and not self.rdb_save():
            return "ERR"
        if flush:
            # emptyData without EMPTYDB_NOFUNCTIONS: the libraries go too
            pdb.py_empty_all(self.inst.srv)
            fs = self.functions(False)
            if fs is not None:
                fs.flush()
        try:
            self.load_file(flags=_rdb.PY_RDBFLAGS_ALLOW_DUP if merge else 0)
        except (OSError, RdbError) as e:
            if getattr(e, "detail", None):
                self._log("warning", e.detail)
            self._log("warning", "Error loading the RDB file for DEBUG RELOAD: %s" % e)
            return "ERR Error trying to load the RDB dump"
        self._log("warning", "DB reloaded by DEBUG RELOAD")
        return ""

    def flushall(self):
        """After FLUSHALL emptied the data (flushAllDataAndResetRDB): kill a
        saving child; with save rules, write the (empty) snapshot now."""
        if self.child_active():
            self.kill_child()
        if self.inst.config["save"]:
            self.rdb_save()

    def prepare_for_shutdown(self, flags):
        """The RDB part of prepareForShutdown. False when the final save
        failed and FORCE was not given (the server keeps running)."""
        if self.child_active():
            self._log("warning", "There is a child saving an .rdb. Killing it!")
            child = self.child_pid
            self.kill_child()
            self._unlink(self._tmp_path(child))
        cfg = self.inst.config
        if (cfg["save"] and not flags.get("nosave")) or flags.get("save"):
            self._log("notice", "Saving the final RDB snapshot before exiting.")
            if not self.rdb_save():
                if flags.get("force"):
                    self._log("warning", "Error trying to save the DB. Exit anyway.")
                else:
                    self._log("warning", "Error trying to save the DB, can't exit.")
                    self._log("warning", "Errors trying to shut down the server. Check the logs "
                                         "for more information.")
                    return False
        return True

    # -- INFO ---------------------------------------------------------------------------------
    def info_fields(self):
        srv = self.inst.srv
        now = int(time.time())
        active = self.child_active()
        return [
            ("loading", 0), ("async_loading", 0), ("current_cow_peak", self.cow_peak),
            ("current_cow_size", self.cow_bytes),
            ("current_cow_size_age",
             int(time.monotonic() - self.cow_updated) if self.cow_updated else 0),
            ("current_fork_perc", "%.2f" % (self.save_keys_processed * 100.0 /
                                            self.save_keys_total
                                            if self.save_keys_total else 0.0)),
            ("current_save_keys_processed", self.save_keys_processed),
            ("current_save_keys_total", self.save_keys_total),
            ("rdb_changes_since_last_save", srv.dirty),
            ("rdb_bgsave_in_progress", 1 if active else 0),
            ("rdb_last_save_time", srv.lastsave),
            ("rdb_last_bgsave_status", "ok" if self.lastbgsave_ok else "err"),
            ("rdb_last_bgsave_time_sec", self.rdb_save_time_last),
            ("rdb_current_bgsave_time_sec", now - self.rdb_save_time_start if active else -1),
            ("rdb_saves", self.stat_rdb_saves),
            ("rdb_last_cow_size", self.last_cow_size),
            ("rdb_last_load_keys_expired", self.load_keys_expired),
            ("rdb_last_load_keys_loaded", self.load_keys_loaded),
        ]


# ---- commands ------------------------------------------------------------------------------

def _persistence(c):
    return c.srv.instance.persistence


def save_command(c):
    p = _persistence(c)
    if p.child_active():
        c.reply_error(msgs.BGSAVE_IN_PROGRESS)
        return
    p.stat_rdb_saves += 1
    if p.rdb_save():
        c.reply_ok()
    else:
        c.reply_error("ERR")


def bgsave_command(c):
    from pyengine import core
    args = c.args()
    schedule = False
    if len(args) > 1:
        if len(args) == 2 and args[1].split(b"\0", 1)[0].lower() == b"schedule":
            schedule = True
        else:
            c.reply_error(msgs.SYNTAX)
            return
    p = _persistence(c)
    in_exec = bool(c.flags & core.CLIENT_DENY_BLOCKING_FLAG)
    if p.child_active():
        c.reply_error(msgs.BGSAVE_IN_PROGRESS)
    elif in_exec or c.srv.instance.aof.child_pid:
        if in_exec or schedule:
            p.bgsave_scheduled = True
            c.reply_simple("Background saving scheduled")
        else:
            c.reply_error("ERR Another child process is active (AOF?): can't BGSAVE right now. "
                          "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
    elif p.bgsave():
        c.reply_simple("Background saving started")
    else:
        c.reply_error("ERR")


def lastsave_command(c):
    c.reply_int(c.srv.lastsave)


PROCS = {
    "save_command": save_command,
    "bgsave_command": bgsave_command,
    "lastsave_command": lastsave_command,
}
