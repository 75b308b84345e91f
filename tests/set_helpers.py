"""Helpers for comparing set replies of pyengine and redis-server.

Redis leaves the order of some set replies unspecified (anything walked out
of a hashtable, random picks); it is defined where an intset is walked
(ascending). These helpers keep the RESP type of every element, so an
unordered comparison still checks `~` vs `*`, lengths and element types.
"""

import re

INT_RE = re.compile(rb"^(0|-?[1-9][0-9]*)$")


def is_canonical_int(b):
    """string2ll's rule: what an intset may hold."""
    if len(b) >= 21 or not INT_RE.match(b):
        return False
    return -2 ** 63 <= int(b) <= 2 ** 63 - 1


def tparse(raw):
    """Parse one reply into nested (type, payload) tuples:
    ('$', bytes|None), (':', int), ('+', bytes), ('-', bytes), ('_', None),
    and for aggregates ('*'|'~'|'%'|'>', [items]) (None payload for *-1)."""
    val, pos = _parse(raw, 0)
    assert pos == len(raw), raw
    return val


def _line(raw, pos):
    end = raw.index(b"\r\n", pos)
    return raw[pos:end], end + 2


def _parse(raw, pos):
    t = raw[pos:pos + 1].decode()
    line, pos = _line(raw, pos + 1)
    if t == "$":
        n = int(line)
        if n < 0:
            return ("$", None), pos
        return ("$", raw[pos:pos + n]), pos + n + 2
    if t in ":":
        return (":", int(line)), pos
    if t in "+-,(#":
        return (t, line), pos
    if t == "_":
        return ("_", None), pos
    if t in "*~>%":
        n = int(line)
        if n < 0:
            return (t, None), pos
        if t == "%":
            n *= 2
        items = []
        for _ in range(n):
            v, pos = _parse(raw, pos)
            items.append(v)
        return (t, items), pos
    raise AssertionError("unexpected reply %r" % raw)


def flat(reply):
    """Payloads of a flat aggregate of bulk strings."""
    t, items = reply
    assert t in "*~", reply
    return [v for _, v in items]


def same_unordered(r, p, what=""):
    """Two raw aggregate replies equal up to element order."""
    tr, tp = tparse(r), tparse(p)
    assert tr[0] == tp[0], "%s\n redis:    %r\n pyengine: %r" % (what, r, p)
    assert tr[1] is not None and tp[1] is not None, (what, r, p)
    assert sorted(tr[1]) == sorted(tp[1]), "%s\n redis:    %r\n pyengine: %r" % (what, r, p)
    return tr


def unordered(diff, *args):
    """Send to both and compare the aggregate reply as a multiset."""
    r, p = diff.both(*args)
    return same_unordered(r, p, repr(args))


def sorted_ints(items):
    return sorted(items, key=int)
