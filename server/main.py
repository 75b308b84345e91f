"""``pyengine-server``: the command-line entry point, like ``redis-server``.

    pyengine-server [/path/to/redis.conf] [--option value ...] [-]

Options are redis.conf directives; they are appended to the config file
(or stdin with ``-``) exactly as redis-server does. A bad directive prints
Redis's FATAL CONFIG FILE ERROR report and exits 1.
"""

import errno
import os
import signal
import socket
import sys

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


def load_config(argv):
    """Config from command-line arguments (exits like redis-server on errors)."""
    cfg = Config()
    configfile, from_stdin, options = options_from_argv(argv)
    text = ""
    try:
        if configfile:
            cfg.configfile = os.path.abspath(configfile)
            with open(configfile, "r", encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        if from_stdin:
            text += sys.stdin.read()
        if options:
            text += "\n" + options
        cfg.load_string(text)
    except OSError as e:
        sys.stderr.write("Fatal error, can't open config file '%s': %s\n" % (configfile, e.strerror))
        sys.exit(1)
    except ConfigFileOpenError as e:
        sys.stderr.write("Fatal error, can't open config file '%s': %s\n" % (e.path, e.reason))
        sys.exit(1)
    except ConfigFileError as e:
        sys.stderr.write(e.report())
        sys.exit(1)
    return cfg


def open_listeners(cfg, log, tcp_only=False):
    """Listening sockets for ``bind``/``port`` and ``unixsocket`` (only the
    TCP ones with ``tcp_only``, for CONFIG SET port/bind). Raises SystemExit
    after logging when one cannot be opened."""
    socks = []
    port = cfg["port"]
    backlog = cfg["tcp-backlog"]
    if port:
        for addr in cfg["bind"]:          # bind "" listens on no TCP address
            optional = addr.startswith("-")
            host = addr[1:] if optional else addr
            if host == "*":
                family, host = socket.AF_INET, "0.0.0.0"
            elif host == "::*":
                family, host = socket.AF_INET6, "::"
            else:
                family = socket.AF_INET6 if ":" in host else socket.AF_INET
            try:
                s = socket.socket(family, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((host, port))
                s.listen(backlog)
            except OSError as e:
                s.close()
                if optional and e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT,
                                             errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT):
                    continue
                log("warning", "Warning: Could not create server TCP listening socket %s:%d: %s" % (
                    host, port, e.strerror))
                for opened in socks:
                    opened.close()
                raise SystemExit(1)
            socks.append(s)
    if tcp_only:
        return socks
    path = cfg["unixsocket"]
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.bind(path)
            s.listen(backlog)
        except OSError as e:
            log("warning", "Failed opening Unix socket: %s" % e.strerror)
            raise SystemExit(1)
        perm = cfg["unixsocketperm"]
        if perm:
            os.chmod(path, perm)
        socks.append(s)
    if not socks:
        log("warning", "Configured to not listen anywhere, exiting.")
        raise SystemExit(1)
    return socks


def daemonize():
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    fd = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(fd, std)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-v", "--version"):
        print("pyengine server v=%s redis_compat=%s" % (PYENGINE_VERSION, REDIS_VERSION))
        return 0
    if argv and argv[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 1
    cfg = load_config(argv)
    if cfg["daemonize"]:
        daemonize()
    from pyengine.instance import Instance
    from server.frontend import Frontend
    inst = Instance(cfg)
    return Frontend(inst).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
