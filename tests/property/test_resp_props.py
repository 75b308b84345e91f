"""Property tests of engine/resp: the request parser is insensitive to how
the byte stream is split, and every reply type round-trips through the
encoder, the spec bytes and ReplyReader."""

import math

from hypothesis import given, settings, strategies as st, HealthCheck, assume

from engine.resp import RequestParser, Encoder, ReplyReader, ReplyError, reply_end

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---- (a) chunking never changes what is parsed -------------------------------------

def mbulk(args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


BARE = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:$*+=!\x80\xff"
SQ_SAFE = bytes(b for b in range(32, 256) if b not in b"'\\")


@st.composite
def inline_arg(draw, first):
    """(rendered bytes, parsed argument)."""
    kind = draw(st.sampled_from(["bare", "dq", "sq"]))
    if kind == "bare":
        alphabet = [bytes([b]) for b in BARE if not (first and b == ord("*"))]
        raw = b"".join(draw(st.lists(st.sampled_from(alphabet), min_size=1, max_size=12)))
        return raw, raw
    if kind == "dq":
        value = draw(st.binary(max_size=12))
        out = b'"'
        for b in value:
            c = bytes([b])
            if c == b'"' or c == b"\\":
                out += b"\\" + c
            elif c in b"\n\r\t\b\a" and draw(st.booleans()):
                out += b"\\" + {b"\n": b"n", b"\r": b"r", b"\t": b"t", b"\b": b"b",
                                b"\a": b"a"}[c]
            elif 32 <= b < 127 and not draw(st.integers(0, 4)) == 0:
                out += c
            else:
                out += b"\\x%02x" % b if draw(st.booleans()) else b"\\X%02X".replace(
                    b"X", b"x", 1) % b
        return out + b'"', value
    value = draw(st.lists(st.sampled_from([bytes([b]) for b in SQ_SAFE] + [b"'"]), max_size=10))
    value = b"".join(value)
    return b"'" + value.replace(b"'", b"\\'") + b"'", value


@st.composite
def inline_command(draw):
    n = draw(st.integers(0, 5))
    parts, args = [], []
    for i in range(n):
        r, a = draw(inline_arg(i == 0))
        parts.append(r)
        args.append(a)
    seps = [draw(st.sampled_from([b" ", b"  ", b"\t", b" \t "])) for _ in parts]
    line = b""
    for p, s in zip(parts, seps):
        line += p + s if draw(st.booleans()) or p is parts[-1] else p + b" "
    lead = draw(st.sampled_from([b"", b" ", b"\t"])) if n else b""
    end = draw(st.sampled_from([b"\r\n", b"\n"]))
    if n and line.startswith(b"*"):
        lead = b" "
    return lead + line.rstrip(b" \t") + end, args


@st.composite
def multibulk_command(draw):
    args = draw(st.lists(st.binary(max_size=40) | st.binary(min_size=100, max_size=3000)
                         .filter(lambda b: True), min_size=1, max_size=6))
    return mbulk(args), args


EMPTY = st.sampled_from([(b"*0\r\n", []), (b"*-1\r\n", []), (b"\r\n", []), (b"\n", []),
                         (b"   \r\n", [])])


@st.composite
def stream(draw):
    cmds = draw(st.lists(st.one_of(multibulk_command(), inline_command(), EMPTY),
                         min_size=1, max_size=12))
    return b"".join(c[0] for c in cmds), [c[1] for c in cmds]


@st.composite
def splits(draw, data):
    cuts = draw(st.lists(st.integers(0, len(data)), max_size=30))
    cuts = sorted(set(cuts))
    pieces, prev = [], 0
    for c in cuts:
        pieces.append(data[prev:c])
        prev = c
    pieces.append(data[prev:])
    return pieces


def feed_all(pieces, **kw):
    p = RequestParser(**kw)
    out = []
    for piece in pieces:
        out += p.feed(piece)
    return out, p.error, p.buffered()


@SETTINGS
@given(data=st.data(), s=stream())
def test_any_split_parses_like_the_whole(data, s):
    raw, expected = s
    whole = feed_all([raw])
    assert whole == (expected, None, 0)
    pieces = data.draw(splits(raw))
    assert feed_all(pieces) == whole


@SETTINGS
@given(s=stream())
def test_byte_by_byte(s):
    raw, expected = s
    assert feed_all([raw[i:i + 1] for i in range(len(raw))]) == (expected, None, 0)


GARBAGE_PIECES = st.lists(st.one_of(
    st.binary(max_size=30),
    st.sampled_from([b"*", b"$", b"\r\n", b"\r", b"\n", b"*1\r\n", b"*2\r\n", b"$3\r\n", b"$0\r\n",
                     b"\x00", b'"', b"'", b"\\", b"*-1\r\n", b"$-1\r\n", b"*+1\r\n", b" ",
                     b"$100000\r\n", b"PING\r\n"]),
), max_size=40)


@SETTINGS
@given(data=st.data(), parts=GARBAGE_PIECES)
def test_arbitrary_bytes_split_anywhere(data, parts):
    """Even for invalid input, the commands before an error, the error and
    what stays buffered do not depend on how the bytes arrive."""
    raw = b"".join(parts)
    whole = feed_all([raw], proto_max_bulk_len=1 << 20)
    pieces = data.draw(splits(raw))
    cmds, err, buffered = feed_all(pieces, proto_max_bulk_len=1 << 20)
    assert (cmds, err) == whole[:2]
    if err is None:
        assert buffered == whole[2]


# ---- (d) every reply type round-trips ----------------------------------------------------

LINE = st.binary(max_size=20).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
SCALAR = st.one_of(
    st.tuples(st.just("simple"), LINE),
    st.tuples(st.just("error"), LINE.map(lambda b: b"ERR " + b)),
    st.tuples(st.just("int"), st.integers(-2**63, 2**63 - 1)),
    st.tuples(st.just("bulk"), st.binary(max_size=50)),
    st.tuples(st.just("null")),
    st.tuples(st.just("nullarr")),
    st.tuples(st.just("double"), st.floats(allow_nan=False)),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("bignum"), st.integers(-10**40, 10**40).map(lambda v: str(v).encode())),
    st.tuples(st.just("verbatim"), st.binary(max_size=30), st.sampled_from([b"txt", b"mkd"])),
)
KEY = st.one_of(st.tuples(st.just("simple"), LINE.map(lambda b: b.decode("latin-1")
                                                      .encode("ascii", "ignore"))),
                st.tuples(st.just("bulk"), st.binary(max_size=10)),
                st.tuples(st.just("int"), st.integers(-1000, 1000)))


def _aggregates(children):
    return st.one_of(
        st.tuples(st.just("array"), st.lists(children, max_size=4)),
        st.tuples(st.just("push"), st.lists(children, max_size=4)),
        st.tuples(st.just("set"), st.lists(KEY, max_size=4)),
        st.tuples(st.just("map"), st.lists(st.tuples(KEY, children), max_size=3)),
        st.tuples(st.just("attr"), st.lists(st.tuples(KEY, children), max_size=2), children),
    )


VALUE = st.recursive(SCALAR, _aggregates, max_leaves=12)


def fmt_double(d):
    if math.isinf(d):
        return b"inf" if d > 0 else b"-inf"
    return b"%.17g" % d


def spec_bytes(v, proto):
    """The RESP bytes the specification gives for value ``v``."""
    t = v[0]
    bulk = lambda b: b"$%d\r\n%s\r\n" % (len(b), b)
    if t == "simple":
        return b"+" + v[1] + b"\r\n"
    if t == "error":
        return b"-" + v[1] + b"\r\n"
    if t == "int":
        return b":%d\r\n" % v[1]
    if t == "bulk":
        return bulk(v[1])
    if t == "null":
        return b"_\r\n" if proto == 3 else b"$-1\r\n"
    if t == "nullarr":
        return b"_\r\n" if proto == 3 else b"*-1\r\n"
    if t == "double":
        return b"," + fmt_double(v[1]) + b"\r\n" if proto == 3 else bulk(fmt_double(v[1]))
    if t == "bool":
        if proto == 3:
            return b"#t\r\n" if v[1] else b"#f\r\n"
        return b":1\r\n" if v[1] else b":0\r\n"
    if t == "bignum":
        return b"(" + v[1] + b"\r\n" if proto == 3 else bulk(v[1])
    if t == "verbatim":
        if proto == 3:
            return b"=%d\r\n%s:%s\r\n" % (len(v[1]) + 4, v[2], v[1])
        return bulk(v[1])
    if t in ("array", "push", "set"):
        prefix = {"array": b"*", "push": b">", "set": b"~"}[t] if proto == 3 else b"*"
        return prefix + b"%d\r\n" % len(v[1]) + b"".join(spec_bytes(c, proto) for c in v[1])
    if t == "map":
        head = b"%%%d\r\n" % len(v[1]) if proto == 3 else b"*%d\r\n" % (2 * len(v[1]))
        return head + b"".join(spec_bytes(k, proto) + spec_bytes(x, proto) for k, x in v[1])
    if t == "attr":
        return (b"|%d\r\n" % len(v[1]) +
                b"".join(spec_bytes(k, proto) + spec_bytes(x, proto) for k, x in v[1]) +
                spec_bytes(v[2], proto))
    raise AssertionError(t)


def encode(e, v):
    t = v[0]
    if t == "simple":
        e.simple(v[1])
    elif t == "error":
        e.error(v[1])
    elif t == "int":
        e.integer(v[1])
    elif t == "bulk":
        e.bulk(v[1])
    elif t == "null":
        e.null()
    elif t == "nullarr":
        e.null_array()
    elif t == "double":
        e.double(v[1])
    elif t == "bool":
        e.boolean(v[1])
    elif t == "bignum":
        e.bignum(v[1])
    elif t == "verbatim":
        e.verbatim(v[1], v[2])
    elif t in ("array", "push", "set"):
        getattr(e, t)(len(v[1]))
        for c in v[1]:
            encode(e, c)
    elif t == "map":
        e.map(len(v[1]))
        for k, x in v[1]:
            encode(e, k)
            encode(e, x)
    elif t == "attr":
        e.attribute(len(v[1]))
        for k, x in v[1]:
            encode(e, k)
            encode(e, x)
        encode(e, v[2])


def python_value(v, proto):
    """What ReplyReader must return for ``v``."""
    t = v[0]
    if t == "simple":
        return v[1].decode("utf-8", "replace")
    if t == "error":
        return ("error", v[1].decode("utf-8", "replace"))
    if t in ("int",):
        return v[1]
    if t == "bulk":
        return v[1]
    if t in ("null", "nullarr"):
        return None
    if t == "double":
        return v[1] if proto == 3 else fmt_double(v[1])
    if t == "bool":
        return v[1] if proto == 3 else int(v[1])
    if t == "bignum":
        return int(v[1]) if proto == 3 else v[1]
    if t == "verbatim":
        return v[1]
    if t in ("array", "push"):
        return [python_value(c, proto) for c in v[1]]
    if t == "set":
        items = [python_value(c, proto) for c in v[1]]
        return set(items) if proto == 3 else items
    if t == "map":
        if proto == 3:
            return {python_value(k, proto): python_value(x, proto) for k, x in v[1]}
        out = []
        for k, x in v[1]:
            out += [python_value(k, proto), python_value(x, proto)]
        return out
    if t == "attr":
        return python_value(v[2], proto)
    raise AssertionError(t)


def normalize(x):
    if isinstance(x, ReplyError):
        return ("error", str(x))
    if isinstance(x, list):
        return [normalize(i) for i in x]
    if isinstance(x, dict):
        return {k: normalize(i) for k, i in x.items()}
    return x


def no_attr(v):
    if v[0] == "attr":
        return False
    if v[0] in ("array", "push"):
        return all(no_attr(c) for c in v[1])
    if v[0] == "map":
        return all(no_attr(x) for _, x in v[1])
    return True


@SETTINGS
@given(values=st.lists(VALUE, min_size=1, max_size=5), proto=st.sampled_from([2, 3]))
def test_encoder_matches_spec_and_round_trips(values, proto):
    if proto == 2:
        assume(all(no_attr(v) for v in values))      # attributes exist only in RESP3
    e = Encoder(proto)
    for v in values:
        encode(e, v)
    out = e.take()
    assert out == b"".join(spec_bytes(v, proto) for v in values)
    # reply_end splits the stream into the top-level replies
    pos = 0
    for v in values:
        end = reply_end(out, pos)
        assert out[pos:end] == spec_bytes(v, proto)
        pos = end
    assert pos == len(out)
    # ReplyReader decodes each one back, also when fed a byte at a time
    r = ReplyReader()
    more = object()
    got = []
    for i in range(len(out)):
        r.feed(out[i:i + 1])
        while True:
            x = r.gets(more)
            if x is more:
                break
            got.append(normalize(x))
    assert got == [python_value(v, proto) for v in values]


@settings(max_examples=500)
@given(d=st.floats(allow_nan=False), proto=st.sampled_from([2, 3]))
def test_double_reply_reads_back_exactly(d, proto):
    e = Encoder(proto)
    e.double(d)
    r = ReplyReader()
    r.feed(e.take())
    x = r.gets()
    assert float(x) == d
