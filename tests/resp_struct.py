"""Raw RESP2/RESP3 replies as typed trees, for structural comparisons.

Some replies are equal only up to an order Redis itself does not fix:
COMMAND's subcommand lists, CONFIG GET's pairs and INFO commandstats come
out of hash tables whose iteration order depends on a per-process random
seed. ``parse`` keeps every wire type (a set stays a set, a status stays a
status), and ``canonical`` sorts exactly the containers that are unordered
by definition (RESP3 sets and maps); callers sort other known-unordered
arrays explicitly. Everything else must stay byte-equal.
"""


class Node(tuple):
    """(type char, payload). Arrays/sets/maps/pushes carry tuples."""

    @property
    def kind(self):
        return self[0]

    @property
    def value(self):
        return self[1]


def _line(buf, pos):
    end = buf.index(b"\r\n", pos)
    return buf[pos:end], end + 2


def _parse(buf, pos):
    t = buf[pos:pos + 1].decode()
    line, pos = _line(buf, pos + 1)
    if t in "+-(,":
        return Node((t, bytes(line))), pos
    if t == ":":
        return Node((t, int(line))), pos
    if t == "#":
        return Node((t, line == b"t")), pos
    if t == "_":
        return Node((t, None)), pos
    if t in "$=!":
        n = int(line)
        if n < 0:
            return Node((t, None)), pos
        return Node((t, bytes(buf[pos:pos + n]))), pos + n + 2
    if t in "*~>":
        n = int(line)
        if n < 0:
            return Node((t, None)), pos
        items = []
        for _ in range(n):
            item, pos = _parse(buf, pos)
            items.append(item)
        return Node((t, tuple(items))), pos
    if t in "%|":
        n = int(line)
        items = []
        for _ in range(n):
            k, pos = _parse(buf, pos)
            v, pos = _parse(buf, pos)
            items.append((k, v))
        if t == "|":
            # an attribute precedes the real reply
            value, pos = _parse(buf, pos)
            return Node((t, (tuple(items), value))), pos
        return Node((t, tuple(items))), pos
    raise ValueError("bad RESP type %r at %d" % (t, pos))


def parse(raw):
    """One complete raw reply -> Node tree."""
    node, end = _parse(raw, 0)
    if end != len(raw):
        raise ValueError("trailing bytes after reply: %r" % raw[end:])
    return node


def canonical(node):
    """The tree with RESP3 sets and maps put in a fixed order."""
    t, v = node
    if t in "*>" and v is not None:
        return Node((t, tuple(canonical(x) for x in v)))
    if t == "~":
        return Node((t, tuple(sorted((canonical(x) for x in v), key=repr))))
    if t == "%":
        return Node((t, tuple(sorted(((canonical(k), canonical(x)) for k, x in v), key=repr))))
    return node


def sort_array(node):
    """An array whose element order is unspecified, in a fixed order."""
    t, v = node
    assert t in "*~", node
    return Node((t, tuple(sorted(v, key=repr))))


def pairs(node):
    """A map (RESP3) or a flat key/value array (RESP2) as a list of pairs."""
    t, v = node
    if t == "%":
        return list(v)
    assert t == "*", node
    return [(v[i], v[i + 1]) for i in range(0, len(v), 2)]


def to_py(node):
    """Plain Python values (bytes, int, list, dict...) - types flattened."""
    t, v = node
    if t in "*~>":
        return None if v is None else [to_py(x) for x in v]
    if t == "%":
        return {to_py(k): to_py(x) for k, x in v}
    if t == "=":
        return v[4:]
    return v
