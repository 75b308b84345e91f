"""``pyengine-server``: the command-line entry point, like ``redis-server``.

    pyengine-server [/path/to/redis.conf] [--option value ...] [-]

Options are redis.conf directives; they are appended to the config file
(or stdin with ``-``) exactly as redis-server does. A bad directive prints
Redis's FATAL CONFIG FILE ERROR report and exits 1.
"""

import errno
import locale
import os
import signal
import socket
import sys
import time

from pyengine.config import (Config, ConfigFileError, ConfigFileOpenError, options_from_argv)
from pyengine.version import PYENGINE_VERSION, REDIS_VERSION

USAGE = """Usage: pyengine-server [/path/to/redis.conf] [options] [-]
       pyengine-server - (read config from stdin)
       pyengine-server -v or --version
       pyengine-server -h or --help

Examples:
       pyengine-server (run the server with default conf)
       echo 'maxmemory 128mb' | pyengine-server -
       pyengine-server /etc/redis/6379.conf
       pyengine-server --port 7777
       pyengine-server /etc/myredis.conf --loglevel verbose
"""


def early_log(cfg, level, msg):
    """A log line written before the server is initialised: Redis marks
    these with the role character 'C' (``pid:C 27 Nov 2026 ... # msg``).
    ``cfg`` may be None (config not loaded yet: stdout, every level)."""
    from pyengine.instance import LOG_LEVELS, LOG_MARKS
    if cfg is not None and LOG_LEVELS[level] < LOG_LEVELS[cfg["loglevel"]]:
        return
    now = time.time()
    stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(now)) + ".%03d" % (now % 1 * 1000)
    line = "%d:C %s %s %s\n" % (os.getpid(), stamp, LOG_MARKS[level], msg)
    logfile = cfg["logfile"] if cfg is not None else ""
    try:
        if logfile:
            with open(logfile, "a") as f:
                f.write(line)
        else:
            sys.stdout.write(line)
            sys.stdout.flush()
    except (OSError, ValueError):
        pass


def load_config(argv):
    """Config from command-line arguments (exits like redis-server on errors:
    a file that cannot be read is logged, a bad directive prints Redis's
    FATAL CONFIG FILE ERROR report on stderr; both exit 1)."""
    cfg = Config()
    configfile, from_stdin, options = options_from_argv(argv)
    text = ""
    try:
        if configfile:
            cfg.configfile = os.path.abspath(configfile)
            try:
                with open(configfile, "r", encoding="utf-8", errors="surrogateescape") as f:
                    text = f.read()
            except OSError as e:
                raise ConfigFileOpenError(configfile, e.strerror)
        if from_stdin:
            early_log(None, "warning", "Reading config from stdin")
            text += sys.stdin.read()
        if options:
            text += "\n" + options
        cfg.load_string(text)
    except ConfigFileOpenError as e:
        early_log(None, "warning", "Fatal error, can't open config file '%s': %s" % (e.path, e.reason))
        sys.exit(1)
    except ConfigFileError as e:
        sys.stderr.write(e.report())
        sys.exit(1)
    return cfg


# bind errors that only skip the address (no such protocol on this host).
_SKIP_BIND_ERRNOS = (errno.ENOPROTOOPT, errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT,
                     errno.EPFNOSUPPORT, errno.EAFNOSUPPORT)


def _tcp_listener(host, port, backlog):
    """A listening TCP socket; OSError's text is Redis's ("bind: ...")."""
    if host == "*":
        family, host = socket.AF_INET, "0.0.0.0"
    elif host == "::*":
        family, host = socket.AF_INET6, "::"
    else:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    step = "socket"
    try:
        step = "setsockopt"
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        step = "bind"
        s.bind((host, port))
        step = "listen"
        s.listen(backlog)
    except OSError as e:
        s.close()
        e.step = step
        raise
    return s


def open_listeners(cfg, log, tcp_only=False):
    """Listening sockets for ``bind``/``port`` and ``unixsocket`` (only the
    TCP ones with ``tcp_only``, for CONFIG SET port/bind), as Redis's
    initServer opens them: an address that cannot be bound aborts the start
    (exit 1) unless it is optional (``-addr``) and unavailable, or its
    protocol is not supported here. Raises SystemExit(1) after logging
    Redis's messages."""
    socks = []
    port = cfg["port"]
    backlog = cfg["tcp-backlog"]

    def fail(msg):
        for s in socks:
            s.close()
        log("warning", msg)
        raise SystemExit(1)

    if port:
        for addr in cfg["bind"]:          # bind "" listens on no TCP address
            optional = addr.startswith("-")
            host = addr[1:] if optional else addr
            try:
                socks.append(_tcp_listener(host, port, backlog))
            except OSError as e:
                log("warning", "Warning: Could not create server TCP listening socket %s:%d: %s: %s"
                    % (host, port, getattr(e, "step", "socket"), e.strerror))
                if (e.errno == errno.EADDRNOTAVAIL and optional) or e.errno in _SKIP_BIND_ERRNOS:
                    continue
                fail("Failed listening on port %d (TCP), aborting." % port)
    if tcp_only:
        return socks
    path = cfg["unixsocket"]
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        step = "bind"
        try:
            if len(os.fsencode(path)) >= 108:
                s.close()
                fail("Failed opening Unix socket: unix socket path too long (%d), must be under 108"
                     % len(os.fsencode(path)))
            s.bind(path)
            perm = cfg["unixsocketperm"]
            if perm:
                step = "chmod"
                os.chmod(path, perm)
            step = "listen"
            s.listen(backlog)
        except OSError as e:
            s.close()
            fail("Failed opening Unix socket: %s: %s" % (step, e.strerror))
        socks.append(s)
    if not socks:
        fail("Configured to not listen anywhere, exiting.")
    return socks


def daemonize():
    """Detach like redis-server: the parent exits 0 at once, the child gets
    a new session and /dev/null as stdin/stdout/stderr (so with no logfile
    nothing is logged)."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    fd = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(fd, std)
    if fd > 2:
        os.close(fd)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-v", "--version"):
        print("pyengine server v=%s redis_compat=%s" % (PYENGINE_VERSION, REDIS_VERSION))
        return 0
    if argv and argv[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 1
    # Like redis-server (setlocale(LC_COLLATE, "") in its main): string
    # collation, which SORT ... ALPHA uses through strcoll, follows the
    # environment's locale.
    try:
        locale.setlocale(locale.LC_COLLATE, "")
    except locale.Error:
        pass
    cfg = load_config(argv)
    if cfg["daemonize"]:
        daemonize()
    early_log(cfg, "warning", "oO0OoO0OoO0Oo pyengine is starting oO0OoO0OoO0Oo")
    early_log(cfg, "warning", "pyengine version=%s (Redis %s compatible), bits=64, pid=%d, "
                              "just started" % (PYENGINE_VERSION, REDIS_VERSION, os.getpid()))
    if not argv:
        early_log(cfg, "warning", "Warning: no config file specified, using the default config. "
                                  "In order to specify a config file use pyengine-server "
                                  "/path/to/redis.conf")
    else:
        early_log(cfg, "warning", "Configuration loaded")
    from pyengine.instance import Instance
    from server.frontend import Frontend
    inst = Instance(cfg)
    return Frontend(inst).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
