"""The append-only file, in Redis 7's multi-part layout.

Files (in ``dir``/``appenddirname``):

    appendonly.aof.manifest          which files make up the AOF, in order
    appendonly.aof.<seq>.base.rdb    the dataset at the last rewrite (RDB
    appendonly.aof.<seq>.base.aof    preamble) or as commands
    appendonly.aof.<seq>.incr.aof    the commands logged since, RESP

The manifest has one line per file, ``file <name> seq <n> type b|h|i``
(base, history, incremental); it is only ever replaced whole (temp file,
fsync, rename, fsync of the directory), so a crash leaves the old or the
new one.

Writing: pyengine/propagate.pyx encodes each write command's effects into
the Server's AOF buffer; ``flush`` writes the buffer to the open incr file
before the event loop sends any reply (so a client never sees OK for a
write that is not in the file's page cache), and fsyncs per
``appendfsync``: ``always`` in ``flush`` itself, ``everysec`` from a
background thread once a second, ``no`` never.

Rewriting (BGREWRITEAOF, automatic growth rule, CONFIG SET appendonly yes):
the parent opens a new incr file at once and goes on appending there, while
a forked child writes the dataset as of the fork into a temp base file.
When the child succeeds the parent makes the temp file the new base, marks
the old base and the incr files before the new one as history, persists
the manifest and deletes the history. A failed child changes nothing.

Loading at start-up: base first (RDB or commands), then each incr file, by
a client no command sees (no propagation while loading). A truncated last
incr file is cut back to its last complete command when
``aof-load-truncated`` is yes (as Redis does); any other damage stops the
start-up with the file and offset named.
"""

import os
import threading
import time

from engine import dict as _edict
from pyengine import core, dispatch, propagate
from pyengine.persist import Persistence
from engine.resp import ReplyReader, ReplyError, encode_command

AOF_OFF, AOF_ON, AOF_WAIT_REWRITE = 0, 1, 2
REWRITE_ITEMS_PER_CMD = 64            # elements per RPUSH/SADD/... in a rewrite
LOAD_CHUNK = 1 << 20


class AofError(Exception):
    """The AOF cannot be loaded; the text says which file and why."""


# ---- manifest ---------------------------------------------------------------------------------

class Manifest:
    def __init__(self):
        self.base = None              # (name, seq) or None
        self.history = []             # [(name, seq, type)]
        self.incrs = []               # [(name, seq)]

    @staticmethod
    def parse(text, path):
        m = Manifest()
        for lineno, line in enumerate(text.split("\n"), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) % 2:
                raise AofError("Invalid AOF manifest file format (line %d of %s)" % (lineno, path))
            fields = {parts[i].lower(): parts[i + 1] for i in range(0, len(parts), 2)}
            try:
                name, seq, kind = fields["file"], int(fields["seq"]), fields["type"]
            except (KeyError, ValueError):
                raise AofError("Invalid AOF manifest file format (line %d of %s)" % (lineno, path))
            if kind == "b":
                if m.base is not None:
                    raise AofError("Found duplicate base file information in %s" % path)
                m.base = (name, seq)
            elif kind == "h":
                m.history.append((name, seq, kind))
            elif kind == "i":
                if m.incrs and seq <= m.incrs[-1][1]:
                    raise AofError("Found a non-monotonic sequence number in %s" % path)
                m.incrs.append((name, seq))
            else:
                raise AofError("Unknown AOF file type '%s' in %s" % (kind, path))
        return m

    def render(self):
        lines = []
        if self.base is not None:
            lines.append("file %s seq %d type b\n" % self.base)
        for name, seq, _ in self.history:
            lines.append("file %s seq %d type h\n" % (name, seq))
        for name, seq in self.incrs:
            lines.append("file %s seq %d type i\n" % (name, seq))
        return "".join(lines)

    def copy(self):
        m = Manifest()
        m.base, m.history, m.incrs = self.base, list(self.history), list(self.incrs)
        return m


def write_file_atomically(path, data):
    """temp file, fsync, rename, fsync of the directory."""
    d = os.path.dirname(path) or "."
    tmp = os.path.join(d, "temp-" + os.path.basename(path))
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    Persistence._fsync_dir(path)


# ---- reading commands -----------------------------------------------------------------------

def parse_commands(data, start=0):
    """Yield (argv, end_offset) for each complete RESP command of ``data``
    from ``start``; annotation lines (``#...``) are skipped. Stops at the
    first incomplete command: the caller compares the last end offset with
    len(data). A malformed command raises ValueError(offset)."""
    pos = start
    n = len(data)
    while pos < n:
        if data[pos] == 0x23:                        # '#': annotation line
            eol = data.find(b"\n", pos)
            if eol < 0:
                return
            pos = eol + 1
            continue
        if data[pos] != 0x2A:                        # '*'
            raise ValueError(pos)
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return
        try:
            argc = int(data[pos + 1:eol])
        except ValueError:
            raise ValueError(pos)
        if argc < 1:
            raise ValueError(pos)
        p = eol + 2
        argv = []
        for _ in range(argc):
            if p >= n:
                return
            if data[p] != 0x24:                      # '$'
                raise ValueError(p)
            eol = data.find(b"\r\n", p)
            if eol < 0:
                return
            try:
                blen = int(data[p + 1:eol])
            except ValueError:
                raise ValueError(p)
            if blen < 0:
                raise ValueError(p)
            p = eol + 2
            if p + blen + 2 > n:
                return
            argv.append(data[p:p + blen])
            if data[p + blen:p + blen + 2] != b"\r\n":
                raise ValueError(p + blen)
            p += blen + 2
        pos = p
        yield argv, pos


# ---- the AOF of one instance ----------------------------------------------------------------

class Aof:
    def __init__(self, instance):
        self.instance = instance
        self.srv = instance.srv
        self.state = AOF_OFF
        self.manifest = None
        self.fd = -1
        self.incr_name = None          # the file appended to now
        self.temp_incr = False         # it is the temp incr of an enabling rewrite
        self.fsync_lock = threading.Lock()
        self.unsynced = False          # written since the last fsync
        self.last_fsync = time.monotonic()
        self.fsync_thread = None
        self.fsync_in_progress = False
        self.child_pid = 0
        self.child_start = 0.0
        self.child_temp = None
        self.rewrite_scheduled = False
        self.last_rewrite_status = "ok"
        self.last_rewrite_secs = -1
        self.last_write_status = "ok"
        self.write_error = None        # MISCONF text while the last write failed
        self.rewrites = 0
        self.base_size = 0
        self.current_size = 0
        self.delayed_fsync = 0

    # -- paths ----------------------------------------------------------------------------
    @property
    def config(self):
        return self.instance.config

    def dirpath(self):
        return os.path.join(self.config["dir"], self.config["appenddirname"])

    def path(self, name):
        return os.path.join(self.dirpath(), name)

    def manifest_name(self):
        return self.config["appendfilename"] + ".manifest"

    def _base_name(self, seq, rdb):
        return "%s.%d.base.%s" % (self.config["appendfilename"], seq, "rdb" if rdb else "aof")

    def _incr_name(self, seq):
        return "%s.%d.incr.aof" % (self.config["appendfilename"], seq)

    def read_manifest(self):
        """The manifest on disk, or None when there is none."""
        path = self.path(self.manifest_name())
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        return Manifest.parse(text, path)

    def persist_manifest(self, manifest):
        write_file_atomically(self.path(self.manifest_name()), manifest.render().encode())
        self.manifest = manifest

    # -- loading ----------------------------------------------------------------------------
    def load(self):
        """Load the AOF named by the manifest into the (empty) dataset.
        Returns False when there is no AOF. Raises AofError."""
        manifest = self.read_manifest()
        if manifest is None or (manifest.base is None and not manifest.incrs):
            return False
        log = self.instance.log
        start = time.time()
        srv = self.srv
        was = srv.propagating
        srv.propagating = False
        client = self.instance.new_client(-1)
        client.flags |= core.CLIENT_EMBEDDED_FLAG | core.CLIENT_OBEY_FLAG
        client.is_local = True
        self.instance.srv.clients.pop(client.id, None)
        try:
            files = []
            if manifest.base is not None:
                files.append(manifest.base[0])
            files += [name for name, _ in manifest.incrs]
            for i, name in enumerate(files):
                last = i == len(files) - 1
                if i == 0 and manifest.base is not None and name.endswith(".rdb"):
                    log("notice", "Loading RDB base file on AOF loading...")
                self._load_file(client, name, last)
                log("notice", "DB loaded from %s file %s: %.3f seconds" % (
                    "base" if (i == 0 and manifest.base is not None) else "incr", name,
                    time.time() - start))
        finally:
            srv.propagating = was
            self.instance.forget_client(client)
        self.manifest = manifest
        log("notice", "DB loaded from append only file: %.3f seconds" % (time.time() - start))
        return True

    def _load_file(self, client, name, last):
        path = self.path(name)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            if last and not name.endswith(".rdb") and ".incr." in name:
                return                 # an incr file not created yet (crash right after)
            raise AofError("The AOF file %s doesn't exist" % name)
        if not data:
            return
        if data.startswith(b"REDIS"):
            self._load_rdb(path, name)
            return
        if data[:1] == b"*" and b"\n#" not in data:
            valid = self._run_fast(client, data, name)
        else:
            valid = self._run_checked(client, data, name, 0)
        if valid < len(data):
            self._truncated(name, path, valid, last)

    def _bad_format(self, name, offset):
        return AofError("Bad file format reading the append only file %s at offset %d: make a "
                        "backup of your AOF file, then use ./redis-check-aof --fix "
                        "<filename.manifest>" % (name, offset))

    def _run_checked(self, client, data, name, start, dry=False):
        """Parse and run the commands of data[start:] one by one (files with
        annotations; with ``dry`` only parse, to say what is wrong with a
        damaged file). Returns the offset after the last whole command, an
        open MULTI reverted (that offset is then where the MULTI began)."""
        end = start
        multi_start = None
        srv = self.srv
        try:
            for argv, off in parse_commands(data, start):
                name0 = argv[0].lower()
                if name0 == b"multi":
                    multi_start = end
                elif name0 == b"exec":
                    multi_start = None
                if dispatch.lookup(srv, argv) is None:
                    raise AofError("Unknown command '%s' reading the append only file %s" % (
                        argv[0].decode("utf-8", "replace"), name))
                if not dry:
                    client.set_args(argv)
                    dispatch.execute(client)
                    client.take_reply()
                end = off
        except ValueError as bad:
            raise self._bad_format(name, bad.args[0])
        if multi_start is not None and not dry:
            self._revert_multi(client, name)
            return multi_start
        return end

    def _revert_multi(self, client, name):
        self.instance.log("warning", "Revert incomplete MULTI/EXEC transaction in AOF file %s"
                          % name)
        client.set_args([b"DISCARD"])
        dispatch.execute(client)
        client.take_reply()

    def _run_fast(self, client, data, name):
        """Run the commands of ``data`` through the C parser and dispatcher
        a chunk at a time (the common case: several times faster than
        parsing in Python). Between chunks the client's query buffer holds
        only an incomplete command, so chunk ends are command boundaries:
        an error is located from the last boundary, and an open MULTI at
        the end from the last boundary outside a transaction."""
        size = len(data)
        pos = 0
        boundary = 0            # every command before it ran cleanly
        outside_multi = 0       # a boundary not inside a transaction
        view = memoryview(data)
        while pos < size:
            chunk = view[pos:pos + LOAD_CHUNK]
            dispatch.feed(client, chunk)
            pos += len(chunk)
            client.take_reply()
            if client.flags & (core.CLIENT_PROTOCOL_ERROR_FLAG | core.CLIENT_CLOSE_ASAP_FLAG):
                # a protocol error, or an unknown command (the dispatcher
                # stops an obeyed client there): name it, from the last boundary
                self._run_checked(client, data, name, boundary, dry=True)
                raise self._bad_format(name, boundary)
            boundary = pos - client.querybuf_len()
            if not client.flags & core.CLIENT_MULTI_FLAG:
                outside_multi = boundary
        if client.flags & core.CLIENT_MULTI_FLAG:
            # where the open transaction began: parse its stretch again
            multi_start = prev = outside_multi
            for argv, off in parse_commands(data, outside_multi):
                if argv[0].lower() == b"multi":
                    multi_start = prev
                prev = off
            self._revert_multi(client, name)
            return multi_start
        return boundary

    def _truncated(self, name, path, valid, last):
        log = self.instance.log
        if not (last and self.config["aof-load-truncated"]):
            raise AofError("Unexpected end of file reading the append only file %s. You can: "
                           "1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
                           "<filename.manifest>. 2) Alternatively you can set the "
                           "'aof-load-truncated' configuration option to yes and restart the "
                           "server." % name)
        log("warning", "!!! Warning: short read while loading the AOF file %s!!!" % name)
        log("warning", "!!! Truncating the AOF %s at offset %d !!!" % (name, valid))
        try:
            os.truncate(path, valid)
        except OSError as e:
            raise AofError("Error truncating the AOF file %s: %s" % (name, e.strerror))
        log("warning", "AOF %s loaded anyway because aof-load-truncated is enabled" % name)

    def _load_rdb(self, path, name):
        from pyengine.persist import RdbError
        try:
            self.instance.persistence.load_file(path)
        except RdbError as e:
            raise AofError("Bad file format reading the append only file %s: the RDB preamble "
                           "is damaged at offset %d: %s" % (name, e.offset, e.reason))

    # -- opening ----------------------------------------------------------------------------
    def open_at_startup(self):
        """appendonly yes at start-up, after load(): create the base file
        when there is no AOF yet, open the last incr file for appending."""
        log = self.instance.log
        os.makedirs(self.dirpath(), exist_ok=True)
        manifest = self.manifest or Manifest()
        manifest = manifest.copy()
        if manifest.base is None and not manifest.incrs:
            seq = 1
            rdb = self._use_rdb()
            name = self._base_name(seq, rdb)
            self._write_base(self.path(name), rdb)
            manifest.base = (name, seq)
            log("notice", "Creating AOF base file %s on server start" % name)
        if manifest.incrs:
            incr = manifest.incrs[-1][0]
            log("notice", "Opening AOF incr file %s on server start" % incr)
        else:
            seq = manifest.base[1] if manifest.base else 1
            incr = self._incr_name(seq)
            manifest.incrs.append((incr, seq))
            log("notice", "Creating AOF incr file %s on server start" % incr)
        self._open_incr(incr)
        self.persist_manifest(manifest)
        self.state = AOF_ON
        self.srv.propagating = True
        self.srv.aof_selected_db = -1
        self._refresh_sizes()

    def _open_incr(self, name):
        fd = os.open(self.path(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        with self.fsync_lock:
            old, self.fd = self.fd, fd
        if old >= 0:
            os.close(old)
        self.incr_name = name
        self.srv.aof_selected_db = -1      # a new file starts with a SELECT

    def _use_rdb(self):
        return self.config["aof-use-rdb-preamble"]

    # -- writing ----------------------------------------------------------------------------
    def flush(self):
        """Write what the commands logged (before their replies go out)."""
        if self.fd < 0:
            if self.state == AOF_OFF:
                propagate.discard_buffer(self.srv)
            return
        if not propagate.pending_bytes(self.srv):
            return
        try:
            n = propagate.write_buffer(self.srv, self.fd)
        except OSError as e:
            reason = os.strerror(e.errno)
            if self.last_write_status == "ok":
                self.instance.log("warning", "Error writing to the AOF file: %s" % reason)
            if self.config["appendfsync"] == "always":
                self.instance.log("warning", "Can't recover from AOF write error when the AOF "
                                  "fsync policy is 'always'. Exiting...")
                os._exit(1)
            # like Redis, refuse writes until a write succeeds again
            self._set_write_status("err", reason)
            return
        if self.last_write_status != "ok":
            self.instance.log("warning", "AOF write error looks solved, Redis can write again.")
            self._set_write_status("ok", None)
        self.current_size += n
        self.unsynced = True
        if self.config["appendfsync"] == "always":
            self._fsync_now()

    def _set_write_status(self, status, strerror):
        self.last_write_status = status
        self.write_error = (None if strerror is None else
                            b"MISCONF Errors writing to the AOF file: " + strerror.encode())
        self.instance.persistence._update_disk_error()

    def _fsync_now(self):
        with self.fsync_lock:
            if self.fd >= 0:
                try:
                    os.fsync(self.fd)
                except OSError as e:
                    self.instance.log("warning", "Can't persist AOF for fsync error when the AOF "
                                      "fsync policy is 'always': %s. Exiting..." % e.strerror)
                    os._exit(1)
        self.unsynced = False
        self.last_fsync = time.monotonic()

    def _background_fsync(self):
        with self.fsync_lock:
            fd = self.fd
            if fd >= 0:
                try:
                    os.fsync(fd)
                except OSError:
                    pass
        self.fsync_in_progress = False

    def cron(self):
        """Once per cron tick: everysec fsync, the rewrite child, the
        automatic rewrite rule."""
        if self.state != AOF_OFF:
            self.flush()
            if (self.config["appendfsync"] == "everysec" and self.unsynced and
                    time.monotonic() - self.last_fsync >= 1.0):
                if self.fsync_in_progress:
                    self.delayed_fsync += 1
                else:
                    self.unsynced = False
                    self.last_fsync = time.monotonic()
                    self.fsync_in_progress = True
                    self.fsync_thread = threading.Thread(target=self._background_fsync,
                                                         name="aof-fsync", daemon=True)
                    self.fsync_thread.start()
        if self.child_pid:
            self._check_child()
        elif self.rewrite_scheduled or self.state == AOF_WAIT_REWRITE:
            if not self._other_child_running():
                self.rewrite_scheduled = False
                self.start_rewrite()
        elif self.state == AOF_ON:
            self._auto_rewrite()

    def _auto_rewrite(self):
        perc = self.config["auto-aof-rewrite-percentage"]
        minsize = self.config["auto-aof-rewrite-min-size"]
        if not perc or self.current_size + self.base_size < minsize:
            return
        base = self.base_size or 1
        growth = (self.current_size + self.base_size) * 100 // base - 100
        if growth >= perc:
            self.instance.log("notice", "Starting automatic rewriting of AOF on %d%% growth"
                              % growth)
            self.start_rewrite()

    def _other_child_running(self):
        return self.instance.persistence.child_active()

    # -- switching on and off ---------------------------------------------------------------
    def enable(self):
        """CONFIG SET appendonly yes: log from now on into a temp incr file
        and rewrite; the AOF is on once the rewrite has succeeded."""
        if self.state != AOF_OFF:
            return True
        os.makedirs(self.dirpath(), exist_ok=True)
        self.manifest = self.read_manifest() or Manifest()
        tmp = "temp-" + self._incr_name(0)
        try:
            os.unlink(self.path(tmp))
        except FileNotFoundError:
            pass
        self._open_incr(tmp)
        self.temp_incr = True
        self.state = AOF_WAIT_REWRITE
        self.srv.propagating = True
        if self._other_child_running():
            self.rewrite_scheduled = True
            return True
        if not self.start_rewrite():
            self.disable()
            return False
        return True

    def disable(self):
        """CONFIG SET appendonly no: flush, fsync and close; stop a rewrite."""
        if self.state == AOF_OFF:
            return
        self.flush()
        self._fsync_now()
        self.kill_child()
        with self.fsync_lock:
            fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)
        if self.temp_incr:
            try:
                os.unlink(self.path(self.incr_name))
            except OSError:
                pass
            self.temp_incr = False
        self.state = AOF_OFF
        self.srv.propagating = False
        propagate.discard_buffer(self.srv)
        if self.write_error is not None:
            self._set_write_status("ok", None)     # no AOF, no AOF error

    def shutdown(self):
        """Server shutdown: everything written and fsynced."""
        if self.state == AOF_OFF:
            return
        self.kill_child()
        self.flush()
        self.instance.log("notice", "Calling fsync() on the AOF file.")
        self._fsync_now()

    # -- rewriting ----------------------------------------------------------------------------
    def bgrewriteaof(self):
        """BGREWRITEAOF: returns the status line to reply, or raises AofError."""
        if self.child_pid:
            raise AofError("ERR Background append only file rewriting already in progress")
        if self._other_child_running():
            self.rewrite_scheduled = True
            return "Background append only file rewriting scheduled"
        if not self.start_rewrite():
            raise AofError("ERR Can't execute an AOF background rewriting. Please check the "
                           "server logs for more information.")
        return "Background append only file rewriting started"

    def start_rewrite(self):
        """Fork a child writing the new base file; switch appending to a
        new incr file. Returns False when the fork failed."""
        log = self.instance.log
        os.makedirs(self.dirpath(), exist_ok=True)
        self.flush()
        if self.state == AOF_ON:
            # the writes from now on go to a new incr file, listed at once
            manifest = self.manifest.copy()
            seq = (manifest.incrs[-1][1] if manifest.incrs else
                   manifest.base[1] if manifest.base else 0) + 1
            name = self._incr_name(seq)
            self._fsync_now()
            self._open_incr(name)
            manifest.incrs.append((name, seq))
            self.persist_manifest(manifest)
            log("notice", "Creating AOF incr file %s on background rewrite" % name)
        rdb = self._use_rdb()
        temp = self.path("temp-rewriteaof-bg-%d.aof" % os.getpid())
        self.child_start = time.time()
        try:
            pid = os.fork()
        except OSError as e:
            log("warning", "Can't rewrite append only file in background: fork: %s" % e.strerror)
            self.last_rewrite_status = "err"
            return False
        if pid == 0:
            code = 1
            try:
                self.instance.persistence.enter_child()
                self.srv.propagating = False
                self._write_base(temp, rdb)
                code = 0
            except BaseException:
                pass
            finally:
                os._exit(code)
        self.child_pid = pid
        self.child_temp = (temp, rdb)
        _edict.set_resize_policy(_edict.RESIZE_AVOID)   # spare the child's shared pages
        log("notice", "Background append only file rewriting started by pid %d" % pid)
        return True

    def kill_child(self):
        if not self.child_pid:
            return
        try:
            os.kill(self.child_pid, 9)
            os.waitpid(self.child_pid, 0)
        except OSError:
            pass
        try:
            os.unlink(self.child_temp[0])
        except OSError:
            pass
        self.child_pid = 0
        _edict.set_resize_policy(_edict.RESIZE_ENABLE)

    def wait_child(self):
        """Block until the rewrite child ends and its result is applied."""
        while self.child_pid:
            self._check_child(block=True)

    def _check_child(self, block=False):
        try:
            pid, status = os.waitpid(self.child_pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            pid, status = self.child_pid, 1 << 8
        if pid == 0:
            return
        self.child_pid = 0
        _edict.set_resize_policy(_edict.RESIZE_ENABLE)
        temp, rdb = self.child_temp
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        self.last_rewrite_secs = int(time.time() - self.child_start)
        if ok:
            try:
                self._rewrite_done(temp, rdb)
            except OSError as e:
                self.instance.log("warning", "Error trying to rename the temporary AOF base "
                                  "file: %s" % e.strerror)
                ok = False
        if not ok:
            self.last_rewrite_status = "err"
            self.instance.log("warning", "Background AOF rewrite terminated with error")
            try:
                os.unlink(temp)
            except OSError:
                pass
            return
        self.last_rewrite_status = "ok"
        self.rewrites += 1
        self.instance.log("notice", "Background AOF rewrite finished successfully")

    def _rewrite_done(self, temp, rdb):
        manifest = (self.manifest or Manifest()).copy()
        if self.state == AOF_WAIT_REWRITE:
            seq = (manifest.base[1] if manifest.base else 0) + 1
            # the temp incr holding the writes since the fork becomes real
            self.flush()
            self._fsync_now()
            incr = self._incr_name(seq)
            os.rename(self.path(self.incr_name), self.path(incr))
            self.incr_name = incr
            self.temp_incr = False
            for name, s in manifest.incrs:
                manifest.history.append((name, s, "h"))
            manifest.incrs = [(incr, seq)]
        else:
            seq = (manifest.base[1] if manifest.base else 0) + 1
            current = manifest.incrs[-1] if manifest.incrs else None
            for name, s in manifest.incrs[:-1]:
                manifest.history.append((name, s, "h"))
            manifest.incrs = [current] if current else []
        if manifest.base is not None:
            manifest.history.append((manifest.base[0], manifest.base[1], "h"))
        base = self._base_name(seq, rdb)
        os.rename(temp, self.path(base))
        manifest.base = (base, seq)
        history, manifest.history = manifest.history, []
        self.persist_manifest(manifest)
        for name, _, _ in history:
            try:
                os.unlink(self.path(name))
            except OSError:
                pass
        if self.state == AOF_WAIT_REWRITE:
            self.state = AOF_ON
            self.instance.log("notice", "Background AOF rewrite successful; AOF is on")
        self._refresh_sizes()

    def _refresh_sizes(self):
        m = self.manifest
        try:
            self.base_size = os.path.getsize(self.path(m.base[0])) if m and m.base else 0
        except OSError:
            self.base_size = 0
        total = 0
        for name, _ in (m.incrs if m else []):
            try:
                total += os.path.getsize(self.path(name))
            except OSError:
                pass
        self.current_size = total

    # -- the base file ------------------------------------------------------------------------
    def _write_base(self, path, rdb):
        """The whole dataset into ``path`` (fsynced): an RDB when ``rdb``,
        else the commands that rebuild it."""
        if rdb:
            self.instance.persistence.write_snapshot(path, aof_base=True)   # fsynced
            return
        with open(path, "wb") as f:
            RewriteWriter(self.instance, f).write_dataset()
            f.flush()
            os.fsync(f.fileno())

    def debug_loadaof(self):
        """DEBUG LOADAOF: everything written, the data emptied and loaded
        again from the AOF. "" or the error text."""
        from pyengine import db as pdb
        if self.state == AOF_ON:
            self.flush()
        pdb.py_empty_all(self.srv)
        fs = self.instance.persistence.functions(False)
        if fs is not None:
            fs.flush()
        try:
            self.load()
        except AofError as e:
            self.instance.log("warning", str(e))
            return "ERR Error loading the AOF"
        self.srv.dirty = 0
        self.instance.log("warning", "Append Only File loaded by DEBUG LOADAOF")
        return ""

    # -- INFO ---------------------------------------------------------------------------------
    def info_fields(self):
        fields = [
            ("aof_enabled", int(self.state != AOF_OFF)),
            ("aof_rewrite_in_progress", int(bool(self.child_pid))),
            ("aof_rewrite_scheduled", int(self.rewrite_scheduled)),
            ("aof_last_rewrite_time_sec", self.last_rewrite_secs),
            ("aof_current_rewrite_time_sec",
             int(time.time() - self.child_start) if self.child_pid else -1),
            ("aof_last_bgrewrite_status", self.last_rewrite_status),
            ("aof_rewrites", self.rewrites),
            ("aof_rewrites_consecutive_failures", 0),
            ("aof_last_write_status", self.last_write_status),
            ("aof_last_cow_size", 0),
            ("module_fork_in_progress", 0),
            ("module_fork_last_cow_size", 0),
        ]
        if self.state != AOF_OFF:
            fields += [
                ("aof_current_size", self.current_size + self.base_size),
                ("aof_base_size", self.base_size),
                ("aof_pending_rewrite", int(self.rewrite_scheduled)),
                ("aof_buffer_length", propagate.pending_bytes(self.srv)),
                ("aof_pending_bio_fsync", int(self.fsync_in_progress)),
                ("aof_delayed_fsync", self.delayed_fsync),
            ]
        return fields


# ---- the dataset as commands (aof-use-rdb-preamble no) -------------------------------------------

class RewriteWriter:
    """Writes the commands that rebuild the dataset (Redis's
    rewriteAppendOnlyFile): per database SELECT, then per key its
    contents in batches of 64 elements and its absolute expiry."""

    def __init__(self, instance, f):
        self.instance = instance
        self.f = f
        self.client = instance.new_client(-1)
        self.client.flags |= core.CLIENT_EMBEDDED_FLAG
        self.client.is_local = True
        self.client.resp = 2

    def run(self, *args):
        c = self.client
        c.set_args([a if type(a) is bytes else str(a).encode() for a in args])
        dispatch.execute(c)
        reader = ReplyReader()
        reader.feed(c.take_reply())
        v = reader.gets()
        if isinstance(v, ReplyError):
            raise RuntimeError(str(v))
        return v

    def emit(self, *argv):
        self.f.write(encode_command(*argv))

    def write_dataset(self):
        srv = self.instance.srv
        for dbid in range(srv.dbnum):
            if not srv.dbsize(dbid):
                continue
            self.run("SELECT", dbid)
            self.emit(b"SELECT", dbid)
            cursor = b"0"
            while True:
                cursor, keys = self.run("SCAN", cursor, "COUNT", 1000)
                for key in keys:
                    self.write_key(key)
                if cursor == b"0":
                    break

    def write_key(self, key):
        kind = self.run("TYPE", key)
        if isinstance(kind, bytes):
            kind = kind.decode()
        else:
            kind = str(kind)
        if kind == "none":
            return
        getattr(self, "write_" + kind)(key)
        when = self.run("PEXPIRETIME", key)
        if when >= 0:
            self.emit(b"PEXPIREAT", key, when)

    def _batched(self, cmd, key, items, per=1):
        step = REWRITE_ITEMS_PER_CMD * per
        for i in range(0, len(items), step):
            self.emit(cmd, key, *items[i:i + step])

    def write_string(self, key):
        self.emit(b"SET", key, self.run("GET", key))

    def write_list(self, key):
        self._batched(b"RPUSH", key, self.run("LRANGE", key, 0, -1))

    def write_set(self, key):
        self._batched(b"SADD", key, self.run("SMEMBERS", key))

    def write_hash(self, key):
        self._batched(b"HMSET", key, self.run("HGETALL", key), 2)

    def write_zset(self, key):
        flat = self.run("ZRANGE", key, 0, -1, "WITHSCORES")
        items = []
        for i in range(0, len(flat), 2):
            items += [flat[i + 1], flat[i]]
        self._batched(b"ZADD", key, items, 2)

    def write_stream(self, key):
        info = self.run("XINFO", "STREAM", key, "FULL", "COUNT", 0)
        info = dict(zip(info[::2], info[1::2]))
        entries = info[b"entries"]
        last_id = info[b"last-generated-id"]
        if entries:
            for entry_id, fields in entries:
                self.emit(b"XADD", key, entry_id, *fields)
        else:
            # an empty stream: add and trim one entry (0-1 is valid even when
            # the stream's last ID is 0-0); XSETID below puts the real ID back
            self.emit(b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y")
        self.emit(b"XSETID", key, last_id, b"ENTRIESADDED", info[b"entries-added"],
                  b"MAXDELETEDID", info[b"max-deleted-entry-id"])
        for group in info[b"groups"]:
            g = dict(zip(group[::2], group[1::2]))
            name = g[b"name"]
            self.emit(b"XGROUP", b"CREATE", key, name, g[b"last-delivered-id"],
                      b"ENTRIESREAD", g[b"entries-read"] if g[b"entries-read"] is not None
                      else -1)
            pel_owner = {}
            for consumer in g[b"consumers"]:
                cinfo = dict(zip(consumer[::2], consumer[1::2]))
                for entry_id, delivery_ms, count in cinfo[b"pending"]:
                    pel_owner[entry_id] = (cinfo[b"name"], delivery_ms, count)
                if not cinfo[b"pending"]:
                    self.emit(b"XGROUP", b"CREATECONSUMER", key, name, cinfo[b"name"])
            for entry_id, _consumer, delivery_ms, count in g[b"pending"]:
                owner, delivery_ms, count = pel_owner.get(entry_id, (_consumer, delivery_ms,
                                                                     count))
                self.emit(b"XCLAIM", key, name, owner, b"0", entry_id, b"TIME", delivery_ms,
                          b"RETRYCOUNT", count, b"JUSTID", b"FORCE")


# ---- commands -----------------------------------------------------------------------------------

def bgrewriteaof_command(c):
    try:
        c.reply_simple(c.srv.instance.aof.bgrewriteaof())
    except AofError as e:
        c.reply_error(str(e))


PROCS = {
    "bgrewriteaof_command": bgrewriteaof_command,
}
