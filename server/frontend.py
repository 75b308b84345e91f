"""The network server around an Instance: listeners, signals, shutdown.

``Frontend`` is what commands see as ``instance.frontend``: it opens the
listening sockets, runs the EventLoop, turns SIGTERM/SIGINT and SHUTDOWN
into an orderly exit (pidfile and unix socket removed, clients closed), and
gives CLIENT KILL/LIST and INFO access to the connections.

Two ways to run one:

- ``serve_forever()``: the ``pyengine-server`` process (server.main). It
  raises the open-files limit for ``maxclients`` like Redis, installs the
  SIGTERM/SIGINT handlers, writes the pidfile and returns the exit code
  once a shutdown was requested.
- ``run(listeners)``: a loop on sockets the caller opened, with no signal
  handlers and no pidfile (server.threaded runs it in a background thread;
  ``stop()`` ends it from any thread).

Log lines follow Redis's layout (``pid:M 27 Nov 2026 08:58:30.633 * msg``);
messages written from a signal handler use Redis's
``pid:signal-handler (unixtime) msg`` form.
"""

import errno
import os
import signal
import socket
import sys
import time

from server.loop import EventLoop

# Descriptors kept beyond maxclients for listeners, files, the epoll fd...
# (Redis's CONFIG_MIN_RESERVED_FDS).
RESERVED_FDS = 32


def _nr_open():
    """The kernel's ceiling for RLIMIT_NOFILE (fs.nr_open), or None."""
    try:
        with open("/proc/sys/fs/nr_open") as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def adjust_open_files_limit(maxclients, log):
    """Make RLIMIT_NOFILE large enough for ``maxclients`` connections, the
    way Redis's adjustOpenFilesLimit does.

    When the soft limit is below maxclients + 32, it tries to set both
    limits to that, and on failure to the values below it in steps of 16,
    keeping the first one accepted (never less than the current limit). The
    steps that cannot succeed (above fs.nr_open, or above the hard limit for
    an unprivileged process) are skipped, so the result is Redis's with a
    few calls. Returns the number of clients the limit allows (``maxclients``
    itself when it is large enough), or 0 when even the current limit leaves
    no room for a client. Logs Redis's messages."""
    import resource
    need = maxclients + RESERVED_FDS
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError) as e:
        log("warning", "Unable to obtain the current NOFILE limit (%s), assuming 1024 and "
                       "setting the max clients configuration accordingly." % e)
        return 1024 - RESERVED_FDS
    if soft == resource.RLIM_INFINITY or soft >= need:
        return maxclients

    def step_to(bound):          # the largest candidate need - 16*k <= bound
        return need - 16 * -(-(need - bound) // 16)

    best = need
    err = None
    nr_open = _nr_open()
    while best > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (best, best))
            break
        except (OSError, ValueError) as e:
            err = e
        if nr_open and best > nr_open:
            best = step_to(nr_open)
        elif hard != resource.RLIM_INFINITY and best > hard and hasattr(os, "geteuid") \
                and os.geteuid() != 0:
            best = step_to(hard)
        else:
            best -= 16
    if best < soft:
        best = soft
    if best >= need:
        log("notice", "Increased maximum number of open files to %d (it was originally set to "
                      "%d)." % (need, soft))
        return maxclients
    if best <= RESERVED_FDS:
        log("warning", "Your current 'ulimit -n' of %d is not enough for the server to start. "
                       "Please increase your open file limit to at least %d. Exiting." % (soft, need))
        return 0
    if isinstance(err, OSError) and err.strerror:
        reason = err.strerror
    elif err is not None and "exceeds" in str(err):     # CPython's text for EINVAL
        reason = os.strerror(errno.EINVAL)
    else:                                               # ... and for EPERM
        reason = os.strerror(errno.EPERM)
    allowed = best - RESERVED_FDS
    log("warning", "You requested maxclients of %d requiring at least %d max file descriptors."
        % (maxclients, need))
    log("warning", "Server can't set maximum open files to %d because of OS error: %s."
        % (need, reason))
    log("warning", "Current maximum open files is %d. maxclients has been reduced to %d to "
                   "compensate for low ulimit. If you need higher maxclients increase "
                   "'ulimit -n'." % (best, allowed))
    return allowed


class Frontend:
    def __init__(self, instance, lock=None):
        self.instance = instance
        self.loop = EventLoop(instance)
        self.loop.lock = lock
        self.loop.on_shutdown = self._on_shutdown
        self.listeners = []
        self.tcp_listeners = []
        self.tcp_bound = None           # (port, bind) the TCP listeners serve
        self.opened = False             # listeners opened from the configuration
        self.exit_code = 0
        self.pidfile = None
        self.unix_path = None          # the unix socket file this server created
        self.owns_process = False      # signal handlers + rlimits (serve_forever)
        instance.frontend = self

    # -- called by commands and the instance ---------------------------------------
    def config_changed(self, name, value):
        """Apply a CONFIG SET that concerns the network: maxclients checks
        the open-files limit; a new port or bind list closes the TCP
        listeners and opens new ones, like Redis. When that fails the error
        makes CONFIG SET restore the old values, which reopens the old
        listeners."""
        from pyengine.config import ConfigError
        self.loop.config_changed(name, value)
        if name == "maxclients" and self.owns_process:
            allowed = adjust_open_files_limit(value, self.instance.log)
            if allowed != value:
                raise ConfigError("The operating system is not able to handle the specified "
                                  "number of clients, try with %d" % allowed)
        if name not in ("port", "bind") or not self.opened:
            return
        from server.main import open_listeners
        cfg = self.instance.config
        want = (cfg["port"], tuple(cfg["bind"]))
        if want == self.tcp_bound:
            return
        for s in self.tcp_listeners:
            self.loop.remove_listener(s)
            if s in self.listeners:
                self.listeners.remove(s)
        self.tcp_listeners = []
        try:
            socks = open_listeners(cfg, self.instance.log, tcp_only=True)
        except SystemExit:
            self.tcp_bound = None
            raise ConfigError("Unable to listen on this port. Check server logs." if name == "port"
                              else "Failed to bind to specified addresses.")
        self.add_listeners(socks)
        self.tcp_listeners = socks
        self.tcp_bound = want

    def kill_client(self, c):
        self.loop.kill_client(c)

    def has_pending_write(self, c):
        return self.loop.has_pending_write(c)

    def resume_client(self, c):
        self.loop.resume_client(c)

    def wakeup(self):
        """Make the loop run a turn now (replies for its clients were
        produced by an embedded caller)."""
        self.loop.wakeup()

    def instantaneous_ops(self):
        return self.loop.instantaneous_ops()

    def request_shutdown(self, flags, c=None):
        """SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]. Returns after replying an
        error when the shutdown cannot happen; otherwise the loop exits at
        the end of this turn and the client sees the connection close."""
        inst = self.instance
        inst.log("warning", "User requested shutdown...")
        if not inst.persistence.prepare_for_shutdown(flags):
            if c is not None:
                c.reply_error("ERR Errors trying to SHUTDOWN. Check logs.")
            return
        inst.shutdown_requested = dict(flags, prepared=True)

    def _on_shutdown(self):
        """The loop is about to stop for a shutdown request. A signal's
        request is prepared here, at a safe point of the loop (the final
        save runs outside the signal handler); when that save fails and
        FORCE was not given the shutdown is cancelled and serving goes on.
        Returns False to keep running."""
        inst = self.instance
        req = inst.shutdown_requested
        if req is None or req.get("prepared"):
            return True
        lock = self.loop.lock
        if lock is not None:
            lock.acquire()
        try:
            inst.log("warning", "User requested shutdown...")
            if not inst.persistence.prepare_for_shutdown(req):
                inst.shutdown_requested = None
                return False
        finally:
            if lock is not None:
                lock.release()
        req["prepared"] = True
        return True

    # -- logging from a signal handler ------------------------------------------------
    def _log_from_handler(self, level, msg):
        from pyengine.instance import LOG_LEVELS
        inst = self.instance
        if LOG_LEVELS[level] < LOG_LEVELS[inst.config["loglevel"]]:
            return
        line = "%d:signal-handler (%d) %s\n" % (os.getpid(), int(time.time()), msg)
        logfile = inst.config["logfile"]
        try:
            if logfile:
                with open(logfile, "a") as f:
                    f.write(line)
            else:
                sys.stdout.write(line)
                sys.stdout.flush()
        except (OSError, ValueError):
            pass

    def _install_signals(self):
        def handler(signum, frame):
            inst = self.instance
            if inst.shutdown_requested is not None and signum == signal.SIGINT:
                self._log_from_handler("warning", "You insist... exiting now.")
                os._exit(1)
            name = "SIGINT" if signum == signal.SIGINT else "SIGTERM"
            self._log_from_handler("warning", "Received %s scheduling shutdown..." % name)
            # shutdown-on-sigterm / shutdown-on-sigint: SHUTDOWN's flags
            wanted = inst.config["shutdown-on-" + name.lower()]
            flags = {f: True for f in wanted if f != "default"}
            flags["signal"] = name
            inst.shutdown_requested = flags
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    # -- running ----------------------------------------------------------------------
    def open(self):
        """Listen where the configuration says (bind/port, unixsocket)."""
        from server.main import open_listeners
        cfg = self.instance.config
        self.add_listeners(open_listeners(cfg, self.instance.log))
        self.unix_path = cfg["unixsocket"] or None
        self.tcp_listeners = [s for s in self.listeners if s.family != socket.AF_UNIX]
        self.tcp_bound = (cfg["port"], tuple(cfg["bind"]))
        self.opened = True

    def add_listeners(self, socks):
        for s in socks:
            self.loop.add_listener(s)
            self.listeners.append(s)

    def run(self):
        """Serve until a shutdown request or stop(); then close every client
        and listener. No signal handlers, no pidfile: callable from any
        thread."""
        try:
            self.loop.run()
        finally:
            self.loop.close_all()
            self.listeners = []
            self._remove_unix_socket(log=False)

    def stop(self):
        """End run() from any thread (wakes the loop)."""
        self.loop.stop()

    def serve_forever(self):
        """The server process: returns the exit code."""
        inst = self.instance
        cfg = inst.config
        self.owns_process = True
        allowed = adjust_open_files_limit(cfg["maxclients"], inst.log)
        if allowed == 0:
            return 1
        if allowed != cfg["maxclients"]:
            from pyengine.config import lookup
            cfg.set_from_args(lookup("maxclients"), [str(allowed)])
            inst.srv.maxclients = allowed
        # handlers first (as Redis's initServer does): a SIGTERM that arrives
        # once the port accepts connections must shut down cleanly
        self._install_signals()
        try:
            self.open()
        except SystemExit as e:
            return e.code or 1
        port = cfg["port"]
        inst.log("notice", "Running mode=standalone, port=%d." % port)
        pidfile = cfg["pidfile"]
        if not pidfile and cfg["daemonize"]:
            pidfile = "/var/run/redis.pid"
        if pidfile:
            self.pidfile = pidfile
            try:
                with open(pidfile, "w") as f:
                    f.write("%d\n" % os.getpid())
            except OSError:
                pass           # best effort, as in Redis
        inst.log("warning", "Server initialized")
        from pyengine.aof import AofError
        try:
            loaded = inst.start()
        except AofError as e:
            inst.log("warning", str(e))
            loaded = False
        if not loaded:
            self.loop.close_all()
            self.listeners = []
            self._remove_unix_socket(log=False)
            if self.pidfile:
                try:
                    os.unlink(self.pidfile)
                except OSError:
                    pass
            return 1
        if any(s.family != socket.AF_UNIX for s in self.listeners):
            inst.log("notice", "Ready to accept connections")
        if self.unix_path:
            inst.log("notice", "The server is now ready to accept connections at %s" % self.unix_path)
        try:
            self.loop.run()
        finally:
            self.shutdown()
        return self.exit_code

    def shutdown(self):
        """Close everything and remove the pidfile and unix socket."""
        inst = self.instance
        inst.aof.shutdown()
        if self.pidfile:
            inst.log("notice", "Removing the pid file.")
            try:
                os.unlink(self.pidfile)
            except OSError:
                pass
            self.pidfile = None
        self.loop.close_all()
        self.listeners = []
        self._remove_unix_socket(log=True)
        inst.log("warning", "Redis is now ready to exit, bye bye...")

    def _remove_unix_socket(self, log):
        path = self.unix_path
        if not path:
            return
        self.unix_path = None
        if log:
            self.instance.log("notice", "Removing the unix socket file.")
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as e:
            self.instance.log("warning", "Error removing the unix socket file: %s" % e.strerror)
