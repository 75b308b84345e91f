"""COMMAND and its subcommands against the real redis-server.

COMMAND INFO and COMMAND DOCS must be Redis's, byte for byte, for every
command pyengine declares (pyengine/commands/*.json), in RESP2 and RESP3.
The one thing Redis leaves unordered is the list of a container's
subcommands (it walks a hash table with a per-process random seed): for
containers those lists are compared as sets of entries, each entry still
byte-equal once parsed, and what pyengine does not implement yet is listed
in UNIMPLEMENTED_SUBCOMMANDS.
"""

import glob
import json
import os

import pytest

from resp_struct import parse, pairs, canonical

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _declared():
    names = []
    for fn in sorted(glob.glob(os.path.join(ROOT, "pyengine", "commands", "*.json"))):
        with open(fn) as f:
            spec = json.load(f)
        names.append(spec["container"] + "|" + spec["name"] if spec.get("container") else spec["name"])
    return names


DECLARED = _declared()
TOP_LEVEL = [n for n in DECLARED if "|" not in n]
CONTAINERS = sorted({n.split("|")[0] for n in DECLARED if "|" in n})

# Subcommands Redis 7.0 has and pyengine does not implement yet (their
# subsystems - client tracking, the Lua debugger - land later).
UNIMPLEMENTED_SUBCOMMANDS = {
    "client": {"client|caching", "client|getredir", "client|tracking", "client|trackinginfo"},
    "script": {"script|debug"},             # the Lua debugger (LDB) is not implemented
}


def _subcommand_entries(node, key_of):
    """{fullname: entry} of a subcommand list/map node."""
    out = {}
    if key_of is not None:
        for entry in node.value:
            out[key_of(entry)] = entry
    else:
        for k, v in pairs(node):
            out[k.value.decode()] = v
    return out


def _check_subcommands(container, r_subs, p_subs):
    missing = set(r_subs) - set(p_subs)
    assert missing == UNIMPLEMENTED_SUBCOMMANDS.get(container, set()), missing
    assert set(p_subs) <= set(r_subs)
    for name, entry in p_subs.items():
        assert entry == r_subs[name], "subcommand %s differs:\n redis %r\n ours  %r" % (
            name, r_subs[name], entry)


def _check_info_entry(r, p):
    """One COMMAND INFO entry (an array of 10)."""
    assert r.kind == p.kind == "*" and len(r.value) == len(p.value) == 10, (r, p)
    assert r.value[:9] == p.value[:9], "\n redis %r\n ours  %r" % (r.value[:9], p.value[:9])
    rs, ps = r.value[9], p.value[9]
    name = r.value[0].value.decode()
    if rs.kind == "~" and not rs.value:        # no subcommands: an empty set
        assert ps == rs
        return
    assert ps.kind == rs.kind == "*", (rs.kind, ps.kind)
    key_of = lambda e: e.value[0].value.decode()
    _check_subcommands(name, _subcommand_entries(rs, key_of), _subcommand_entries(ps, key_of))


def _check_docs_entry(name, r, p):
    """One COMMAND DOCS value (a map of fields)."""
    rp, pp = pairs(r), pairs(p)
    r_fields = [(k, v) for k, v in rp if k.value != b"subcommands"]
    p_fields = [(k, v) for k, v in pp if k.value != b"subcommands"]
    assert r_fields == p_fields, "\n redis %r\n ours  %r" % (r_fields, p_fields)
    assert [k for k, _ in rp] == [k for k, _ in pp]
    r_subs = dict((k.value, v) for k, v in rp).get(b"subcommands")
    p_subs = dict((k.value, v) for k, v in pp).get(b"subcommands")
    if r_subs is None:
        assert p_subs is None
        return
    assert r_subs.kind == p_subs.kind
    _check_subcommands(name, _subcommand_entries(r_subs, None), _subcommand_entries(p_subs, None))


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("name", DECLARED)
def test_command_info_matches_redis(diff, name, proto):
    diff.hello(proto)
    if name in CONTAINERS:
        r, p = diff.both("COMMAND", "INFO", name)
        r, p = parse(r), parse(p)
        assert len(r.value) == len(p.value) == 1
        _check_info_entry(r.value[0], p.value[0])
    else:
        diff("COMMAND", "INFO", name)
        diff("COMMAND", "INFO", name.upper())


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("name", DECLARED)
def test_command_docs_matches_redis(diff, name, proto):
    diff.hello(proto)
    if name in CONTAINERS:
        r, p = diff.both("COMMAND", "DOCS", name)
        r, p = pairs(parse(r)), pairs(parse(p))
        assert len(r) == len(p) == 1 and r[0][0] == p[0][0]
        _check_docs_entry(name, r[0][1], p[0][1])
    else:
        diff("COMMAND", "DOCS", name)


@pytest.mark.parametrize("proto", [2, 3])
def test_command_all_entries(diff, proto):
    """COMMAND, COMMAND INFO and COMMAND DOCS without names: every command
    pyengine has, each entry equal to Redis's."""
    diff.hello(proto)
    for args in (("COMMAND",), ("COMMAND", "INFO")):
        r, p = diff.both(*args)
        r = {e.value[0].value.decode(): e for e in parse(r).value}
        p = {e.value[0].value.decode(): e for e in parse(p).value}
        assert sorted(p) == sorted(TOP_LEVEL)
        for name, entry in p.items():
            _check_info_entry(r[name], entry)
    r, p = diff.both("COMMAND", "DOCS")
    r = {k.value.decode(): v for k, v in pairs(parse(r))}
    p = {k.value.decode(): v for k, v in pairs(parse(p))}
    assert sorted(p) == sorted(TOP_LEVEL)
    for name, docs in p.items():
        _check_docs_entry(name, r[name], docs)


def test_command_count(diff):
    r, p = diff.both("COMMAND", "COUNT")
    # Redis has every command; pyengine counts what it declares.
    assert p == b":%d\r\n" % len(TOP_LEVEL)
    assert int(r[1:-2]) > len(TOP_LEVEL)
    diff("COMMAND", "COUNT", "x")


@pytest.mark.parametrize("proto", [2, 3])
def test_command_info_several_and_unknown(diff, proto):
    diff.hello(proto)
    diff("COMMAND", "INFO", "get", "nosuchcommand", "set")
    diff("COMMAND", "INFO", "config|get", "CONFIG|GET", "Config|Set")
    diff("COMMAND", "INFO", "config|nosuch", "get|x", "a|b|c", "config|", "|get", "get\x00")
    diff("COMMAND", "DOCS", "get", "nosuchcommand", "set")
    diff("COMMAND", "DOCS", "nosuchcommand")
    diff("COMMAND", "DOCS", "config|get", "a|b|c", "get|x")


def _names(raw):
    return {x.value.decode() for x in parse(raw).value}


def test_command_list(diff):
    r, p = diff.both("COMMAND", "LIST")
    assert _names(p) == set(DECLARED)
    assert _names(p) <= _names(r)
    for filt in (("PATTERN", "*"), ("PATTERN", "c*"), ("PATTERN", "CONFIG|*"), ("PATTERN", "*e?"),
                 ("PATTERN", "nomatch"), ("ACLCAT", "string"), ("ACLCAT", "KEYSPACE"),
                 ("ACLCAT", "dangerous"), ("ACLCAT", "admin"), ("ACLCAT", "connection"),
                 ("ACLCAT", "nosuchcat"), ("MODULE", "nosuchmodule"), ("pattern", "get*")):
        r, p = diff.both("COMMAND", "LIST", "FILTERBY", *filt)
        assert _names(p) == _names(r) & set(DECLARED), filt
    diff("COMMAND", "LIST", "FILTERBY", "FOO", "x")
    diff("COMMAND", "LIST", "FILTERBY", "PATTERN")
    diff("COMMAND", "LIST", "FILTERBY")
    diff("COMMAND", "LIST", "FOO")
    diff("COMMAND", "LIST", "FILTERBY", "PATTERN", "*", "extra")
    diff("COMMAND", "LIST", "FILTERBY", "PATTERN", "x", "FILTERBY", "PATTERN", "y")


GETKEYS_CASES = [
    ("get", "k"),
    ("set", "k", "v"),
    ("set", "k", "v", "GET"),
    ("set", "k", "v", "get"),
    ("set", "k", "v", "EX", "10", "gEt"),
    ("set", "k", "v", "EX", "get"),
    ("mset", "a", "1", "b", "2", "c", "3"),
    ("mset", "a", "1", "b"),
    ("mget", "a", "b", "c"),
    ("del", "a", "b"),
    ("exists", "a"),
    ("touch", "a", "b"),
    ("unlink", "x"),
    ("rename", "a", "b"),
    ("renamenx", "a", "b"),
    ("copy", "a", "b"),
    ("copy", "a", "b", "DB", "1", "REPLACE"),
    ("move", "a", "1"),
    ("msetnx", "a", "1", "b", "2"),
    ("lcs", "a", "b"),
    ("getex", "k", "EX", "10"),
    ("memory", "usage", "k"),
    ("memory", "usage", "k", "SAMPLES", "5"),
    ("object", "encoding", "k"),
    ("expire", "k", "10"),
    ("GET", "k"),
    ("Set", "k", "v"),
]


@pytest.mark.parametrize("args", GETKEYS_CASES, ids=[" ".join(a) for a in GETKEYS_CASES])
def test_command_getkeys(diff, args):
    diff("COMMAND", "GETKEYS", *args)
    diff("COMMAND", "GETKEYSANDFLAGS", *args)
    diff.hello(3)
    diff("COMMAND", "GETKEYSANDFLAGS", *args)


def test_command_getkeys_errors(diff):
    for args in (("nosuch", "a"), ("ping",), ("ping", "x"), ("get",), ("get", "a", "b"),
                 ("config", "get", "x"), ("config",), ("config", "nosuch"), ("flushall",),
                 ("info",), ("time",), ("mset", "a"), ("set", "k"), ("memory", "usage"),
                 ("object", "help"), ("command", "info"), ("dbsize",), ("scan", "0"),
                 ("keys", "*"), ("randomkey",), ("swapdb", "0", "1"), ("select", "1")):
        diff("COMMAND", "GETKEYS", *args)
        diff("COMMAND", "GETKEYSANDFLAGS", *args)
    diff("COMMAND", "GETKEYS")
    diff("COMMAND", "GETKEYSANDFLAGS")
    diff("COMMAND", "GETKEYS", "")


def test_command_help_and_errors(diff):
    diff("COMMAND", "HELP")
    diff("COMMAND", "help")
    diff("COMMAND", "HELP", "x")
    diff("COMMAND", "NOSUCH")
    diff("COMMAND", "NOSUCH", "a", "b")
    diff("COMMAND", "COUNT", "extra")
