"""The network server around an Instance: listeners, signals, shutdown.

``Frontend`` is what commands see as ``instance.frontend``: it opens the
listening sockets, runs the EventLoop, turns SIGTERM/SIGINT and SHUTDOWN
into an orderly exit (pidfile and unix socket removed, clients closed), and
gives CLIENT KILL/LIST and INFO access to the connections.
"""

import os
import signal

from server.loop import EventLoop


class Frontend:
    def __init__(self, instance, lock=None):
        self.instance = instance
        self.loop = EventLoop(instance)
        self.loop.lock = lock
        self.listeners = []
        instance.frontend = self
        self.exit_code = 0

    # -- called by commands and the instance ---------------------------------------
    def config_changed(self, name, value):
        self.loop.config_changed(name, value)

    def kill_client(self, c):
        self.loop.kill_client(c)

    def has_pending_write(self, c):
        return self.loop.has_pending_write(c)

    def resume_client(self, c):
        self.loop.resume_client(c)

    def instantaneous_ops(self):
        return self.loop.instantaneous_ops()

    def request_shutdown(self, flags, c=None):
        """SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]. Returns after replying an
        error when the shutdown cannot happen; otherwise the loop exits at
        the end of this turn and the client sees the connection close."""
        inst = self.instance
        if flags.get("save") and not flags.get("force"):
            inst.log("warning", "Error trying to save the DB: snapshots (RDB) are not available "
                                "in this build yet.")
            if c is not None:
                c.reply_error("ERR Errors trying to SHUTDOWN. Check logs.")
            return
        inst.log("warning", "User requested shutdown...")
        if not flags.get("nosave") and inst.config["save"]:
            inst.log("warning", "Not saving a final snapshot: RDB persistence is not available yet.")
        inst.shutdown_requested = dict(flags)

    # -- running ----------------------------------------------------------------------
    def open(self):
        from server.main import open_listeners
        self.listeners = open_listeners(self.instance.config, self.instance.log)
        for s in self.listeners:
            self.loop.add_listener(s)

    def _install_signals(self):
        def handler(signum, frame):
            name = "SIGINT" if signum == signal.SIGINT else "SIGTERM"
            inst = self.instance
            if inst.shutdown_requested is not None:
                inst.log("warning", "You insist... exiting now.")
                os._exit(1)
            inst.log("warning", "Received %s scheduling shutdown..." % name)
            inst.shutdown_requested = {"signal": name}
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def serve_forever(self):
        inst = self.instance
        cfg = inst.config
        inst.log("warning", "oO0OoO0OoO0Oo pyengine is starting oO0OoO0OoO0Oo")
        inst.log("warning", "pyengine version=%s (Redis %s compatible), pid=%d, just started" % (
            __import__("pyengine").__version__, "7.0.15", os.getpid()))
        if cfg["save"]:
            inst.log("warning", "WARNING: 'save' rules are configured but RDB snapshots are not "
                                "available in this build yet; data lives in memory only.")
        try:
            self.open()
        except SystemExit as e:
            return e.code or 1
        self._install_signals()
        pidfile = cfg["pidfile"]
        if pidfile:
            try:
                with open(pidfile, "w") as f:
                    f.write("%d\n" % os.getpid())
            except OSError as e:
                inst.log("warning", "Failed to write PID file: %s" % e.strerror)
        inst.log("notice", "Server initialized")
        inst.log("notice", "Ready to accept connections")
        try:
            self.loop.run()
        finally:
            self.shutdown()
            if pidfile:
                try:
                    os.unlink(pidfile)
                except OSError:
                    pass
        return self.exit_code

    def shutdown(self):
        inst = self.instance
        inst.log("warning", "Redis is now ready to exit, bye bye...")
        self.loop.close_all()
        path = inst.config["unixsocket"]
        if path:
            try:
                os.unlink(path)
            except OSError:
                pass
