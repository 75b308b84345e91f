"""The Python halves of the Lua libraries Redis loads: bit, struct, cjson.decode
and cmsgpack (pyengine/lua/*.lua hold the Lua halves and the argument checks).

Stock Lua 5.1 (lupa's runtime) has none of these libraries, so they are
written here from their documented behaviour as Redis 7.0 ships them
(LuaBitOp, Roberto Ierusalimschy's struct, lua-cjson 2.1, lua-cmsgpack
0.4), and checked against redis-server by tests/differential/test_scripting.py.

``LuaLibs`` is bound to one Lua runtime (it builds Lua tables for decoded
values). A function that fails returns ``FAIL`` followed by the message
(and, for struct, the argument number to blame), and the Lua side raises
the error with the script's position, as luaL_error does in C.

Numbers: Lua 5.1 has only doubles, and lupa hands integral ones to Python
as int. Everything decoded is returned as Python float (or int when
exact), which becomes a Lua number again.
"""

import math
import re
import struct as _struct
import sys

FAIL = b"\0pyengine:fail\0"


def lua_number(v):
    """What Lua's tonumber makes of ``v`` (a number, or a numeric string:
    decimal or hex, surrounding blanks allowed), or None."""
    if type(v) in (int, float):
        return v
    if type(v) is not bytes:
        return None
    s = v.strip(b" \t\n\r\f\v")
    if not s:
        return None
    try:
        if s[:2].lower() in (b"0x",) or s[:3].lower() in (b"-0x", b"+0x"):
            return float(int(s, 16))
        if not _NUMBER_RE.fullmatch(s):
            return None
        return float(s)
    except ValueError:
        return None


_NUMBER_RE = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|infinity|nan)",
                        re.IGNORECASE)


def _lua_typename(v, present=True):
    if not present:
        return "no value"
    if v is None:
        return "nil"
    if type(v) is bool:
        return "boolean"
    if type(v) in (int, float):
        return "number"
    if type(v) is bytes:
        return "string"
    from lupa import lua51
    return lua51.lua_type(v) or "userdata"


# ---- bit (LuaBitOp) --------------------------------------------------------------------

def _tobit(x):
    """LuaBitOp's argument normalisation: round to an integer (halves to
    even, as its 2^52+2^51 addition trick does), keep the low 32 bits."""
    x = lua_number(x)
    if x != x or x in (math.inf, -math.inf):
        return 0
    return int(round(x)) & 0xFFFFFFFF


def _signed(u):
    u &= 0xFFFFFFFF
    return u - 0x100000000 if u & 0x80000000 else u


def bit_op(name, *args):
    if name == b"tobit":
        return _signed(_tobit(args[0]))
    if name == b"bnot":
        return _signed(~_tobit(args[0]))
    if name in (b"band", b"bor", b"bxor"):
        acc = _tobit(args[0])
        for a in args[1:]:
            b = _tobit(a)
            if name == b"band":
                acc &= b
            elif name == b"bor":
                acc |= b
            else:
                acc ^= b
        return _signed(acc)
    if name == b"tohex":
        x = _tobit(args[0])
        n = 8 if len(args) < 2 or args[1] is None else _signed(_tobit(args[1]))
        upper = n < 0
        if upper:
            n = -n
        n = min(n, 8)
        if n == 0:
            return b""
        s = "%0*x" % (n, x & ((1 << (4 * n)) - 1))
        return (s.upper() if upper else s).encode()
    if name == b"bswap":
        return _signed(int.from_bytes(_tobit(args[0]).to_bytes(4, "little"), "big"))
    x, n = _tobit(args[0]), _tobit(args[1]) & 31
    if name == b"lshift":
        return _signed(x << n)
    if name == b"rshift":
        return _signed(x >> n)
    if name == b"arshift":
        return _signed(_signed(x) >> n)
    if name == b"rol":
        return _signed((x << n) | (x >> (32 - n)))
    if name == b"ror":
        return _signed((x >> n) | (x << (32 - n)))
    raise ValueError(name)


# ---- struct ------------------------------------------------------------------------------

_MAXINTSIZE = 32
_MAXALIGN = 8            # offsetof(struct { char c; union { double d; void *p; long l; } }, u)
_INT_MAX = 2 ** 31 - 1


class _StructError(Exception):
    def __init__(self, argn, msg):
        self.argn = argn
        self.msg = msg.encode()


class _Fmt:
    """A struct format being read, with its header (endianness, alignment)."""

    def __init__(self, fmt):
        self.fmt = fmt.split(b"\0", 1)[0]
        self.pos = 0
        self.little = True
        self.align = 1

    def getnum(self, default):
        f, i = self.fmt, self.pos
        if i >= len(f) or not 48 <= f[i] <= 57:
            return default
        a = 0
        while i < len(f) and 48 <= f[i] <= 57:
            d = f[i] - 48
            if a > _INT_MAX // 10 or a * 10 > _INT_MAX - d:
                raise _StructError(0, "integral size overflow")
            a = a * 10 + d
            i += 1
        self.pos = i
        return a

    def optsize(self, opt):
        if opt in b"Bb":
            return 1
        if opt in b"Hh":
            return 2
        if opt in b"LlTd":
            return 8
        if opt == ord("f"):
            return 4
        if opt == ord("x"):
            return 1
        if opt == ord("c"):
            return self.getnum(1)
        if opt in b"iI":
            sz = self.getnum(4)
            if sz > _MAXINTSIZE:
                raise _StructError(0, "integral size %d is larger than limit of %d" % (sz, _MAXINTSIZE))
            return sz
        if opt in b" <>!s":
            return 0
        raise _StructError(1, "invalid format option '%c'" % opt)

    def toalign(self, length, opt, size):
        if size == 0 or opt == ord("c"):
            return 0
        if size > self.align:
            size = self.align
        return (size - (length & (size - 1))) & (size - 1)

    def control(self, opt):
        if opt == ord(" "):
            return
        if opt == ord(">"):
            self.little = False
        elif opt == ord("<"):
            self.little = True
        elif opt == ord("!"):
            a = self.getnum(_MAXALIGN)
            if a & (a - 1) or a == 0:
                raise _StructError(0, "alignment %d is not a power of 2" % a)
            self.align = a

    def __iter__(self):
        while self.pos < len(self.fmt):
            opt = self.fmt[self.pos]
            self.pos += 1
            yield opt, self.optsize(opt)


# (struct.pack pushes a nil right after its arguments, so the first
# missing one is reported as a nil, the ones after it as no value)

def _checknumber(args, i):
    v = args[i] if i < len(args) else None
    n = lua_number(v)
    if n is None:
        raise _StructError(i + 2, "number expected, got %s" % _lua_typename(v, i <= len(args)))
    return n


def _checkstring(args, i):
    v = args[i] if i < len(args) else None
    if type(v) is bytes:
        return v
    if type(v) in (int, float):
        return _lua_tostring(v)
    raise _StructError(i + 2, "string expected, got %s" % _lua_typename(v, i <= len(args)))


def _lua_tostring(n):
    """Lua 5.1's number to string ("%.14g")."""
    if type(n) is int and abs(n) < 10 ** 14:
        return b"%d" % n
    return (b"%.14g" % n).replace(b"inf", b"inf")


def _to_int64(n):
    """(unsigned LUA_INTEGER) n as C converts a double: truncation, wrapping."""
    if n != n or n in (math.inf, -math.inf):
        return 0x8000000000000000
    return int(n) & 0xFFFFFFFFFFFFFFFF


def struct_pack(fmt, *args):
    try:
        h = _Fmt(fmt)
        out = bytearray()
        arg = 0
        for opt, size in h:
            pad = h.toalign(len(out), opt, size)
            out += b"\0" * pad
            if opt in b"bBhHlLTiI":
                v = _to_int64(_checknumber(args, arg))
                arg += 1
                raw = bytes(((v >> (8 * k)) & 0xFF) if k < 8 else 0 for k in range(size))
                out += raw if h.little else raw[::-1]
            elif opt == ord("x"):
                out += b"\0"
            elif opt == ord("f"):
                d = _checknumber(args, arg)
                arg += 1
                try:
                    raw = _struct.pack("<f", d)
                except OverflowError:
                    raw = _struct.pack("<f", math.copysign(math.inf, d))
                out += raw if h.little else raw[::-1]
            elif opt == ord("d"):
                raw = _struct.pack("<d", _checknumber(args, arg))
                arg += 1
                out += raw if h.little else raw[::-1]
            elif opt in b"cs":
                s = _checkstring(args, arg)
                arg += 1
                if size == 0:
                    size = len(s)
                if len(s) < size:
                    raise _StructError(arg + 2, "string too short")
                out += s[:size]
                if opt == ord("s"):
                    out += b"\0"
            else:
                h.control(opt)
        return bytes(out)
    except _StructError as e:
        return FAIL, e.argn, e.msg


def struct_unpack(fmt, data, pos=None):
    try:
        h = _Fmt(fmt)
        if pos is None:
            pos = 1
        pos = int(pos)
        if pos <= 0:
            raise _StructError(3, "offset must be 1 or greater")
        pos -= 1
        ld = len(data)
        res = []
        for opt, size in h:
            pos += h.toalign(pos, opt, size)
            if not (size <= ld and pos <= ld - size):
                raise _StructError(2, "data string too short")
            if opt in b"bBhHlLTiI":
                raw = data[pos:pos + size]
                if not h.little:
                    raw = raw[::-1]
                v = 0
                for k in range(min(size, 8)):
                    v |= raw[k] << (8 * k)
                if opt in b"bhliT" and opt != ord("T") and size and v >> (min(size, 8) * 8 - 1) & 1:
                    v -= 1 << (min(size, 8) * 8)
                res.append(float(v) if abs(v) >= 2 ** 53 else v)
            elif opt == ord("x"):
                pass
            elif opt == ord("f"):
                raw = data[pos:pos + 4]
                res.append(_struct.unpack("<f" if h.little else ">f", raw)[0])
            elif opt == ord("d"):
                raw = data[pos:pos + 8]
                res.append(_struct.unpack("<d" if h.little else ">d", raw)[0])
            elif opt == ord("c"):
                if size == 0:
                    if not res or lua_number(res[-1]) is None:
                        raise _StructError(0, "format 'c0' needs a previous size")
                    size = int(lua_number(res.pop()))
                    if not (size <= ld and pos <= ld - size):
                        raise _StructError(2, "data string too short")
                res.append(data[pos:pos + size])
            elif opt == ord("s"):
                e = data.find(b"\0", pos)
                if e < 0:
                    raise _StructError(0, "unfinished string in data")
                size = e - pos + 1
                res.append(data[pos:e])
            else:
                h.control(opt)
            pos += size
        res.append(pos + 1)
        return tuple(res)
    except _StructError as e:
        return FAIL, e.argn, e.msg


def struct_size(fmt):
    try:
        h = _Fmt(fmt)
        pos = 0
        for opt, size in h:
            pos += h.toalign(pos, opt, size)
            if opt == ord("s"):
                raise _StructError(1, "option 's' has no fixed size")
            if opt == ord("c") and size == 0:
                raise _StructError(1, "option 'c0' has no fixed size")
            if not (48 <= opt <= 57 or 65 <= opt <= 90 or 97 <= opt <= 122):
                h.control(opt)
            pos += size
        return pos
    except _StructError as e:
        return FAIL, e.argn, e.msg


# ---- cmsgpack: float encoding and unpacking ------------------------------------------------

def mp_float(d):
    """A non-integer number as lua-cmsgpack packs it: float32 when exact."""
    try:
        f = _struct.pack(">f", d)
        if _struct.unpack(">f", f)[0] == d:
            return b"\xca" + f
    except OverflowError:
        pass
    return b"\xcb" + _struct.pack(">d", d)


class _MissingBytes(Exception):
    pass


class _BadFormat(Exception):
    pass


# ---- the runtime-bound part -----------------------------------------------------------------

class LuaLibs:
    """The library helpers of one Lua runtime (they create its tables)."""

    def __init__(self, lua):
        self.lua = lua
        self.table_from = lua.table_from
        self.json_null = None           # cjson.null, set once the sandbox made it

    # -- cmsgpack.unpack -----------------------------------------------------------------------
    def msgpack_unpack(self, data, limit, offset, with_offset):
        """unpack (all objects), unpack_one (limit 1) and unpack_limit. With
        ``with_offset`` the first result is the offset after the decoded
        objects, or -1 when the input is exhausted."""
        n = len(data)
        if offset < 0 or limit < 0:
            # (lua-cmsgpack prints the input length where it means the limit)
            return FAIL, b"Invalid request to unpack with offset of %d and limit of %d." % (
                offset, n)
        if offset > n:
            return FAIL, b"Start offset %d greater than input length %d." % (offset, n)
        pos = offset
        out = []
        try:
            while pos < n and (limit == 0 or len(out) < limit):
                v, pos = self._mp_decode(data, pos, 0)
                out.append(v)
        except _MissingBytes:
            return FAIL, b"Missing bytes in input."
        except _BadFormat:
            return FAIL, b"Bad data format in input."
        if with_offset:
            return (pos if pos < n else -1,) + tuple(out)
        return tuple(out)

    def _mp_decode(self, d, p, depth):
        n = len(d)
        if p >= n:
            raise _MissingBytes
        b = d[p]
        p += 1
        if b <= 0x7f:
            return b, p
        if b >= 0xe0:
            return b - 256, p
        if 0xa0 <= b <= 0xbf:
            ln = b & 0x1f
            return self._take(d, p, ln)
        if 0x90 <= b <= 0x9f:
            return self._mp_array(d, p, b & 0x0f, depth)
        if 0x80 <= b <= 0x8f:
            return self._mp_map(d, p, b & 0x0f, depth)
        if b == 0xc0:
            return None, p
        if b == 0xc2:
            return False, p
        if b == 0xc3:
            return True, p
        if b in _FIXED:
            size, fmt = _FIXED[b]
            if p + size > n:
                raise _MissingBytes
            v = _struct.unpack(fmt, d[p:p + size])[0]
            if type(v) is int and abs(v) >= 2 ** 53:
                v = float(v)
            return v, p + size
        if b == 0xd9:
            ln, p = self._len(d, p, 1)
            return self._take(d, p, ln)
        if b == 0xda:
            ln, p = self._len(d, p, 2)
            return self._take(d, p, ln)
        if b == 0xdb:
            ln, p = self._len(d, p, 4)
            return self._take(d, p, ln)
        if b == 0xdc:
            ln, p = self._len(d, p, 2)
            return self._mp_array(d, p, ln, depth)
        if b == 0xdd:
            ln, p = self._len(d, p, 4)
            return self._mp_array(d, p, ln, depth)
        if b == 0xde:
            ln, p = self._len(d, p, 2)
            return self._mp_map(d, p, ln, depth)
        if b == 0xdf:
            ln, p = self._len(d, p, 4)
            return self._mp_map(d, p, ln, depth)
        raise _BadFormat

    @staticmethod
    def _len(d, p, size):
        if p + size > len(d):
            raise _MissingBytes
        return int.from_bytes(d[p:p + size], "big"), p + size

    @staticmethod
    def _take(d, p, ln):
        if p + ln > len(d):
            raise _MissingBytes
        return d[p:p + ln], p + ln

    def _mp_array(self, d, p, ln, depth):
        items = []
        for _ in range(ln):
            v, p = self._mp_decode(d, p, depth + 1)
            items.append(v)
        return self.table_from(items), p

    def _mp_map(self, d, p, ln, depth):
        t = self.table_from()
        for _ in range(ln):
            k, p = self._mp_decode(d, p, depth + 1)
            v, p = self._mp_decode(d, p, depth + 1)
            if k is not None and v is not None and k == k:
                t[k] = v
        return t, p

    # -- cjson.decode --------------------------------------------------------------------------
    def json_decode(self, s, max_depth, allow_invalid):
        # three Python frames per nesting level, and decode_max_depth levels
        need = sys.getrecursionlimit()
        want = 200 + 3 * min(int(max_depth), 100000) + 50
        if want > need:
            sys.setrecursionlimit(want)
        try:
            return _JsonParser(self, s, int(max_depth), allow_invalid).parse()
        except _JsonError as e:
            return FAIL, e.msg.encode()
        finally:
            if want > need:
                sys.setrecursionlimit(need)


_FIXED = {
    0xcc: (1, ">B"), 0xcd: (2, ">H"), 0xce: (4, ">I"), 0xcf: (8, ">Q"),
    0xd0: (1, ">b"), 0xd1: (2, ">h"), 0xd2: (4, ">i"), 0xd3: (8, ">q"),
    0xca: (4, ">f"), 0xcb: (8, ">d"),
}


# ---- a JSON parser with lua-cjson's tokens and messages ----------------------------------------

class _JsonError(Exception):
    def __init__(self, msg):
        self.msg = msg


_T_OBJ_BEGIN, _T_OBJ_END, _T_ARR_BEGIN, _T_ARR_END, _T_STRING, _T_NUMBER, _T_BOOLEAN, \
    _T_NULL, _T_COLON, _T_COMMA, _T_END, _T_ERROR = range(12)
_TOKEN_NAMES = ("T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER",
                "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_ERROR")
_SINGLE = {ord("{"): _T_OBJ_BEGIN, ord("}"): _T_OBJ_END, ord("["): _T_ARR_BEGIN,
           ord("]"): _T_ARR_END, ord(":"): _T_COLON, ord(","): _T_COMMA}
_WS = b" \t\n\r"
_ESC = {ord('"'): b'"', ord("\\"): b"\\", ord("/"): b"/", ord("b"): b"\b", ord("f"): b"\f",
        ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t"}
_STRTOD = re.compile(rb"[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|"
                     rb"inf(?:inity)?|nan)", re.IGNORECASE)
_STR_PLAIN = re.compile(rb'[^"\\\0]*')


class _JsonParser:
    def __init__(self, libs, s, max_depth, allow_invalid):
        # lua-cjson reads a C string: a NUL byte ends the input
        self.s = s
        self.n = len(s)
        nul = s.find(b"\0")
        if nul >= 0:
            self.n = nul
        self.p = 0
        self.libs = libs
        self.max_depth = max_depth
        self.allow_invalid = allow_invalid
        self.depth = 0

    def error(self, expected, token):
        ttype, index, value = token
        found = value if ttype == _T_ERROR else _TOKEN_NAMES[ttype]
        raise _JsonError("Expected %s but found %s at character %d" % (expected, found, index + 1))

    def token(self):
        """(type, index, value) of the next token."""
        s, n = self.s, self.n
        p = self.p
        while p < n and s[p] in _WS:
            p += 1
        self.p = p
        if p >= n:
            return (_T_END, p, None)
        ch = s[p]
        t = _SINGLE.get(ch)
        if t is not None:
            self.p = p + 1
            return (t, p, None)
        if ch == 34:                                   # "
            return self.string_token(p)
        if ch == 45 or 48 <= ch <= 57:
            if not self.allow_invalid and self.is_invalid_number(p):
                return (_T_ERROR, p, "invalid number")
            return self.number_token(p)
        if s.startswith(b"true", p) and p + 4 <= n:
            self.p = p + 4
            return (_T_BOOLEAN, p, True)
        if s.startswith(b"false", p) and p + 5 <= n:
            self.p = p + 5
            return (_T_BOOLEAN, p, False)
        if s.startswith(b"null", p) and p + 4 <= n:
            self.p = p + 4
            return (_T_NULL, p, None)
        if self.allow_invalid and self.is_invalid_number(p):
            return self.number_token(p)
        return (_T_ERROR, p, "invalid token")

    def is_invalid_number(self, p):
        """lua-cjson's json_is_invalid_number: a leading '+', hex, leading
        zeros, inf or nan (valid for C's strtod, not for JSON)."""
        s, n = self.s, self.n
        if s[p] == 43:
            return True
        if s[p] == 45:
            p += 1
        ch = s[p] if p < n else 0
        if ch == 48:
            ch2 = s[p + 1] if p + 1 < n else 0
            return (ch2 | 0x20) == ord("x") or 48 <= ch2 <= 57
        if ch <= 57:
            return False
        low = s[p:p + 3].lower()
        return low in (b"inf", b"nan")

    def number_token(self, p):
        """What C's strtod reads at p (lua-cjson's json_next_number_token)."""
        m = _STRTOD.match(self.s, p, self.n)
        if m is None:
            return (_T_ERROR, p, "invalid number")
        text = m.group()
        self.p = m.end()
        low = text.lower()
        try:
            if b"x" in low:
                v = float(int(low.replace(b"0x", b""), 16)) * (-1 if low.startswith(b"-") else 1)
            else:
                v = float(text)
        except ValueError:
            return (_T_ERROR, p, "invalid number")
        if v == v and v not in (math.inf, -math.inf) and v == int(v) and abs(v) < 2 ** 53:
            v = int(v)
        return (_T_NUMBER, p, v)

    def string_token(self, p):
        s, n = self.s, self.n
        start = p
        p += 1
        out = bytearray()
        while True:
            m = _STR_PLAIN.match(s, p, n)
            out += m.group()
            p = m.end()
            if p >= n:
                return (_T_ERROR, p, "unexpected end of string")
            ch = s[p]
            if ch == 34:
                self.p = p + 1
                return (_T_STRING, start, bytes(out))
            # a backslash
            if p + 1 >= n:
                return (_T_ERROR, p, "invalid escape code")
            e = s[p + 1]
            if e == ord("u"):
                cp, newp = self.unicode_escape(p)
                if cp is None:
                    return (_T_ERROR, p, "invalid unicode escape code")
                out += chr(cp).encode("utf-8", "surrogatepass")
                p = newp
                continue
            rep = _ESC.get(e)
            if rep is None:
                return (_T_ERROR, p, "invalid escape code")
            out += rep
            p += 2

    def unicode_escape(self, p):
        """\\uXXXX (and a following low surrogate): (code point, end)."""
        s = self.s[:self.n]
        hexd = s[p + 2:p + 6]
        if len(hexd) < 4 or not all(c in b"0123456789abcdefABCDEF" for c in hexd):
            return None, p
        cp = int(hexd, 16)
        end = p + 6
        if 0xDC00 <= cp <= 0xDFFF:
            return None, p
        if 0xD800 <= cp <= 0xDBFF:
            if s[end:end + 2] != b"\\u":
                return None, p
            low = s[end + 2:end + 6]
            if len(low) < 4 or not all(c in b"0123456789abcdefABCDEF" for c in low):
                return None, p
            lo = int(low, 16)
            if not 0xDC00 <= lo <= 0xDFFF:
                return None, p
            cp = 0x10000 + ((cp & 0x3FF) << 10) + (lo & 0x3FF)
            end += 6
        return cp, end

    def descend(self, token):
        self.depth += 1
        if self.depth > self.max_depth:
            raise _JsonError("Found too many nested data structures (%d) at character %d"
                             % (self.depth, token[1] + 1))

    def value(self, token):
        t = token[0]
        if t in (_T_STRING, _T_NUMBER, _T_BOOLEAN):
            return token[2]
        if t == _T_NULL:
            return self.libs.json_null
        if t == _T_OBJ_BEGIN:
            return self.obj(token)
        if t == _T_ARR_BEGIN:
            return self.arr(token)
        self.error("value", token)

    def obj(self, start):
        self.descend(start)
        t = self.libs.table_from()
        tok = self.token()
        if tok[0] == _T_OBJ_END:
            self.depth -= 1
            return t
        while True:
            if tok[0] != _T_STRING:
                self.error("object key string", tok)
            key = tok[2]
            tok = self.token()
            if tok[0] != _T_COLON:
                self.error("colon", tok)
            t[key] = self.value(self.token())
            tok = self.token()
            if tok[0] == _T_OBJ_END:
                self.depth -= 1
                return t
            if tok[0] != _T_COMMA:
                self.error("comma or object end", tok)
            tok = self.token()

    def arr(self, start):
        self.descend(start)
        items = []
        tok = self.token()
        if tok[0] == _T_ARR_END:
            self.depth -= 1
            return self.libs.table_from()
        while True:
            items.append(self.value(tok))
            tok = self.token()
            if tok[0] == _T_ARR_END:
                self.depth -= 1
                return self.libs.table_from(items)
            if tok[0] != _T_COMMA:
                self.error("comma or array end", tok)
            tok = self.token()

    def parse(self):
        v = self.value(self.token())
        tok = self.token()
        if tok[0] != _T_END:
            self.error("the end", tok)
        return v
