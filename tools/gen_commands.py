#!/usr/bin/env python3
"""Write pyengine/commands/<name>.json declarations from a reference server.

The command table's metadata (arity, flags, key specs, ACL categories, and
the COMMAND DOCS texts) must be exactly what Redis 7.0 reports, because
COMMAND INFO / COMMAND DOCS are compared byte for byte. This tool asks a
running redis-server (Debian's 7.0.15, the behavioural reference) for
COMMAND INFO and COMMAND DOCS of the named commands and writes one JSON
declaration per command and subcommand, in our own schema:

    {"name": "get", "container": null, "function": "get_command",
     "arity": 2, "flags": [...], "extra_flags": [...], "acl_categories": [...],
     "tips": [...], "key_specs": [...], "docs": {...}}

``function`` and ``extra_flags`` (flags COMMAND INFO hides, such as
``protected`` or ``may_replicate``) are ours: an existing file keeps them
when regenerated.

usage: tools/gen_commands.py [--port 6379] NAME [NAME ...]
       (a container name such as "config" writes every subcommand too;
        "config|get" writes the container and just that one subcommand)
"""
import argparse
import json
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "pyengine", "commands")


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.buf = b""
        self.call("HELLO", "3")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self):
        line = self.line()
        t, rest = line[:1], line[1:]
        if t in (b"+",):
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if t in (b"*", b"~"):
            return [self.read() for _ in range(int(rest))]
        if t == b"%":
            d = {}
            for _ in range(int(rest)):
                k = self.read()
                d[k] = self.read()
            return d
        if t == b"_":
            return None
        raise RuntimeError("unexpected reply type %r" % line)


def filename(fullname):
    return fullname.replace("|", "-") + ".json"


def function_name(fullname):
    return fullname.replace("|", "_").replace("-", "_") + "_command"


def write(info, docs, container):
    name, arity, flags, first, last, step, acl, tips, key_specs, subs = info
    fullname = name
    short = name.split("|", 1)[1] if container else name
    path = os.path.join(OUT, filename(fullname))
    keep = {}
    if os.path.exists(path):
        with open(path) as f:
            keep = json.load(f)
    docs = dict(docs)
    docs.pop("subcommands", None)
    decl = {
        "name": short,
        "container": container,
        # A container runs alone only when its arity allows no subcommand
        # (COMMAND); others (CONFIG, CLIENT, ...) never run without one.
        "function": (None if subs and arity != -1
                     else keep.get("function") or function_name(fullname)),
        "arity": arity,
        "flags": flags,
        "extra_flags": keep.get("extra_flags", []),
        "first_key": first,
        "last_key": last,
        "key_step": step,
        "acl_categories": acl,
        "tips": tips,
        "key_specs": key_specs,
        "docs": docs,
    }
    with open(path, "w") as f:
        json.dump(decl, f, indent=2)
        f.write("\n")
    print("wrote", os.path.relpath(path))
    return subs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    conn = Conn(a.host, a.port)
    for want in a.names:
        want = want.lower()
        base, _, sub = want.partition("|")
        [info] = conn.call("COMMAND", "INFO", base)
        if info is None:
            sys.exit("unknown command %s" % base)
        docs = conn.call("COMMAND", "DOCS", base)[base]
        subs = info[9]
        write(info, docs, None)
        for sinfo in subs:
            sname = sinfo[0]
            if sub and sname != want:
                continue
            write(sinfo, docs.get("subcommands", {})[sname], base)


if __name__ == "__main__":
    main()
