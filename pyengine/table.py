"""The command table: declared once in ``pyengine/commands/*.json``.

Each JSON file declares one command or subcommand with the fields Redis
reports (arity, flags, first/last/step, ACL categories, tips, key specs,
COMMAND DOCS texts) plus ours: ``function`` (the implementation's name) and
``extra_flags`` (flags COMMAND INFO hides, such as ``protected``). The files
were produced from Redis 7.0.15's own COMMAND INFO/DOCS by
tools/gen_commands.py, so what we report is what Redis reports.

This module loads and validates the declarations once per process, and
builds the ``Command`` objects of a Server: dispatch, arity errors, COMMAND
(INFO, DOCS, COUNT, LIST, GETKEYS), and the checks in the dispatcher all
read from them. A command without a declaration does not exist (ERR
unknown command); a declaration without an implementation is an error at
load time.
"""

import json
import os
from functools import lru_cache

from pyengine import core
from pyengine.dispatch import bind_proc

COMMANDS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "commands")

# Flag names as COMMAND INFO prints them (and the hidden ones), in the
# order Redis prints them.
FLAG_BITS = core.FLAG_BITS


# Commands that run immediately inside MULTI instead of being queued.
RUN_IN_MULTI = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))
# The commands a RESP2 connection in subscribed mode may run (Redis's check
# in processCommand); anything else gets "Can't execute '<cmd>': ...".
ALLOWED_IN_SUBSCRIBED_MODE = frozenset((
    "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe",
    "punsubscribe", "quit", "reset"))


class CommandTableError(Exception):
    pass


# Redis's TOUCHES_ARBITRARY_KEYS commands (not a COMMAND INFO flag): the
# expired keys they delete are logged as plain DELs, not as a transaction.
TOUCHES_ARBITRARY_KEYS = ("randomkey", "scan")


@lru_cache(maxsize=1)
def load_specs():
    """All declarations, containers first, as {fullname: spec}."""
    specs = {}
    for fn in sorted(os.listdir(COMMANDS_DIR)):
        if not fn.endswith(".json"):
            continue
        with open(os.path.join(COMMANDS_DIR, fn)) as f:
            spec = json.load(f)
        container = spec.get("container")
        fullname = f"{container}|{spec['name']}" if container else spec["name"]
        expected = fullname.replace("|", "-") + ".json"
        if fn != expected:
            raise CommandTableError(f"{fn}: declares {fullname}, expected file {expected}")
        specs[fullname] = spec
    validate(specs)
    return dict(sorted(specs.items(), key=lambda kv: (kv[1].get("container") is not None, kv[0])))


def validate(specs):
    """Reject declarations that cannot be right."""
    for fullname, spec in specs.items():
        for flag in spec["flags"] + spec.get("extra_flags", []):
            if flag not in FLAG_BITS:
                raise CommandTableError(f"{fullname}: unknown flag {flag!r}")
        if "write" in spec["flags"] and "may_replicate" in spec.get("extra_flags", []):
            raise CommandTableError(f"{fullname}: both write and may_replicate")
        container = spec.get("container")
        if container and container not in specs:
            raise CommandTableError(f"{fullname}: container {container} is not declared")
        for i, ks in enumerate(spec.get("key_specs", [])):
            if "begin_search" not in ks or "find_keys" not in ks:
                raise CommandTableError(f"{fullname}: key spec {i} is incomplete")
        for arg in _walk_args(spec["docs"].get("arguments", [])):
            idx = arg.get("key_spec_index")
            if idx is not None and not 0 <= idx < len(spec.get("key_specs", [])):
                raise CommandTableError(f"{fullname}: argument {arg['name']} has bad key_spec_index")


def _walk_args(args):
    for a in args:
        yield a
        yield from _walk_args(a.get("arguments", []))


def is_container(specs, fullname):
    return any(s.get("container") == fullname for s in specs.values())


def build(srv, procs):
    """Create and register the Commands of ``srv``. ``procs`` maps function
    names to implementations (capsules or Python callables)."""
    specs = load_specs()
    used = set()
    for fullname, spec in specs.items():
        cmd = core.Command()
        cmd.name = spec["name"]
        cmd.fullname = fullname
        cmd.arity = spec["arity"]
        cmd.spec = spec
        bits = 0
        for flag in spec["flags"] + spec.get("extra_flags", []):
            bits |= FLAG_BITS[flag]
        cmd.flags = bits
        cmd.runs_in_multi = fullname in RUN_IN_MULTI
        cmd.is_exec = fullname == "exec"
        cmd.touches_arbitrary_keys = fullname in TOUCHES_ARBITRARY_KEYS
        cmd.allowed_when_subscribed = fullname in ALLOWED_IN_SUBSCRIBED_MODE
        cmd.first_key = spec.get("first_key", 0)
        cmd.last_key = spec.get("last_key", 0)
        cmd.key_step = spec.get("key_step", 0)
        func = spec.get("function")
        if func is None and not is_container(specs, fullname):
            raise CommandTableError(f"{fullname}: no function declared")
        if func is not None:
            if func not in procs:
                raise CommandTableError(f"{fullname}: no implementation named {func!r}")
            bind_proc(cmd, procs[func])
            used.add(func)
        container = spec.get("container")
        if container:
            srv.commands_by_name[container].add_subcommand(cmd)
        else:
            srv.register_command(cmd)
    unused = set(procs) - used
    if unused:
        raise CommandTableError(f"implementations without a declaration: {sorted(unused)}")
