"""RESP codec: byte buffers, reply encoding, request parsing.

rbuf
----
``{data, len, cap}``: a growable buffer through engine/_mem. Query buffers
and reply buffers of clients are rbufs. Growth doubles (at least to the need),
so appending n bytes is amortised O(n).

Reply encoder
-------------
Functions append one RESP element to an rbuf. RESP2 and RESP3 differ only
where Redis's do: null (``$-1``/``*-1`` vs ``_``), map (``*2n`` vs ``%n``),
set (``*`` vs ``~``), push (``*`` vs ``>``), double (bulk string vs ``,``),
boolean (``:1``/``:0`` vs ``#t``/``#f``), big number (bulk vs ``(``) and
verbatim string (bulk vs ``=``). Error text never contains CR/LF: they are
replaced by spaces as Redis does.

Request parser
--------------
A resumable state machine over the client's query buffer, following Redis's
processMultibulkBuffer/processInlineBuffer rules:

  *<argc>\\r\\n ( $<len>\\r\\n <len bytes> \\r\\n ){argc}      multibulk
  <words separated by spaces, "quoted" or 'quoted'>\\n      inline

``resp_parse_request`` consumes as much as it can from ``buf[*pos:]``. The
parser remembers where it stopped (arguments still expected, the length of
the bulk being read, how far the current line was searched for its
terminator), so a command split across any number of reads is parsed once,
never re-scanned. When the caller drops consumed bytes from the front of
its buffer it calls ``reqparser_shift`` so recorded offsets follow. Arguments are recorded as (offset, length)
into the query buffer - no copy - or, for inline commands, into
``inline_args`` because quoting rewrites them. Lengths are strict decimal
(``string2ll``): ``*+1``, ``* 1``, ``*01`` are protocol errors. A declared
bulk length only bounds what is accepted; nothing is allocated for it before
its bytes arrive.

Like Redis, which searches its NUL-terminated query buffer with strchr, a
NUL byte before a header's or inline line's terminator hides it: the parser
waits, and gives up once 64 KB have piled up. Whitespace is the C locale's.

Returns PARSE_OK (a command, possibly empty, is ready), PARSE_NEED_MORE, or
PARSE_ERROR with ``p.error`` set to Redis's error text ("ERR Protocol
error: ..."; ``resp_format_parse_error`` renders it); after an error the
connection must be closed once the error reply is written.
"""

from libc.string cimport memcpy, memmove, memchr
from libc.stdio cimport snprintf
from libc.limits cimport INT_MAX

from engine._mem cimport mem_alloc, mem_realloc, mem_free
from engine.util cimport string2ll, d2string, MAX_D2STRING_CHARS

# ---- rbuf --------------------------------------------------------------------

cdef void rbuf_grow(rbuf* b, size_t need) noexcept nogil:
    """Grow capacity to at least ``need`` bytes (doubling)."""
    cdef size_t newcap = b.cap * 2 if b.cap else 64
    if newcap < need:
        newcap = need
    b.data = <char*>mem_realloc(b.data, newcap)
    b.cap = newcap


cdef void rbuf_free(rbuf* b) noexcept nogil:
    mem_free(b.data)
    b.data = NULL
    b.len = 0
    b.cap = 0


cdef void rbuf_consume(rbuf* b, size_t n) noexcept nogil:
    """Drop the first n bytes."""
    if n >= b.len:
        b.len = 0
        return
    memmove(b.data, b.data + n, b.len - n)
    b.len -= n


cdef void rbuf_insert(rbuf* b, size_t at, const char* p, size_t n) noexcept nogil:
    """Insert n bytes at offset ``at`` (deferred aggregate lengths)."""
    rbuf_reserve(b, n)
    memmove(b.data + at + n, b.data + at, b.len - at)
    memcpy(b.data + at, p, n)
    b.len += n


cdef void rbuf_fit(rbuf* b) noexcept nogil:
    """Give back unused capacity: exactly ``len`` bytes remain (none if empty)."""
    if b.len == 0:
        mem_free(b.data)
        b.data = NULL
        b.cap = 0
    elif b.cap > b.len:
        b.data = <char*>mem_realloc(b.data, b.len)
        b.cap = b.len


cdef void rbuf_shrink(rbuf* b, size_t keep_cap) noexcept nogil:
    """Give memory back when a buffer is empty and larger than keep_cap."""
    if b.len == 0 and b.cap > keep_cap:
        mem_free(b.data)
        b.data = NULL
        b.cap = 0


# ---- encoder (the parts too big to inline) ----------------------------------

cdef void resp_error(rbuf* b, const char* s, size_t n) noexcept nogil:
    """-<text>\\r\\n, with CR and LF in the text turned into spaces."""
    cdef size_t i
    cdef char ch
    rbuf_reserve(b, n + 3)
    b.data[b.len] = c'-'
    b.len += 1
    for i in range(n):
        ch = s[i]
        if ch == 13 or ch == 10:
            ch = c' '
        b.data[b.len + i] = ch
    b.len += n
    resp_crlf(b)


cdef void resp_double(rbuf* b, double d, int proto) noexcept nogil:
    cdef char buf[MAX_D2STRING_CHARS]
    cdef int n = d2string(buf, sizeof(buf), d)
    if proto == 3:
        rbuf_reserve(b, n + 3)
        b.data[b.len] = c','
        memcpy(b.data + b.len + 1, buf, n)
        b.len += n + 1
        resp_crlf(b)
    else:
        resp_bulk(b, buf, n)


cdef void resp_bool(rbuf* b, bint v, int proto) noexcept nogil:
    if proto == 3:
        rbuf_append(b, b"#t\r\n" if v else b"#f\r\n", 4)
    else:
        rbuf_append(b, b":1\r\n" if v else b":0\r\n", 4)


cdef void resp_bignum(rbuf* b, const char* s, size_t n, int proto) noexcept nogil:
    if proto == 3:
        rbuf_reserve(b, n + 3)
        b.data[b.len] = c'('
        memcpy(b.data + b.len + 1, s, n)
        b.len += n + 1
        resp_crlf(b)
    else:
        resp_bulk(b, s, n)


cdef void resp_verbatim(rbuf* b, const char* s, size_t n, const char* ext, int proto) noexcept nogil:
    """RESP3 =<n+4>\\r\\n<ext>:<text>\\r\\n (ext is 3 bytes); RESP2 a bulk."""
    if proto == 3:
        resp_header(b, c'=', <long long>(n + 4))
        rbuf_reserve(b, n + 6)
        memcpy(b.data + b.len, ext, 3)
        b.data[b.len + 3] = c':'
        memcpy(b.data + b.len + 4, s, n)
        b.len += n + 4
        resp_crlf(b)
    else:
        resp_bulk(b, s, n)


cdef void resp_attribute(rbuf* b, long long n) noexcept nogil:
    resp_header(b, c'|', n)


# ---- request parser -----------------------------------------------------------

cdef void reqparser_init(reqparser* p) noexcept nogil:
    p.reqtype = REQ_NONE
    p.multibulklen = 0
    p.bulklen = -1
    p.scanned = 0
    p.argc = 0
    p.argv_cap = 0
    p.argv_off = NULL
    p.argv_len = NULL
    p.args_inline = False
    p.inline_args.data = NULL
    p.inline_args.len = 0
    p.inline_args.cap = 0
    p.proto_max_bulk_len = 512 * 1024 * 1024
    p.unauthenticated = False
    p.error = NULL
    p.error_char = 0
    p.log_reason = NULL


cdef void reqparser_free(reqparser* p) noexcept nogil:
    mem_free(p.argv_off)
    mem_free(p.argv_len)
    p.argv_off = NULL
    p.argv_len = NULL
    p.argv_cap = 0
    rbuf_free(&p.inline_args)


cdef void reqparser_reset(reqparser* p) noexcept nogil:
    """Forget the command just executed; ready for the next one."""
    p.reqtype = REQ_NONE
    p.multibulklen = 0
    p.bulklen = -1
    p.scanned = 0
    p.argc = 0
    p.args_inline = False
    p.inline_args.len = 0
    if p.argv_cap > 1024:         # don't keep a huge argv from one big command
        reqparser_free(p)


cdef void reqparser_shift(reqparser* p, size_t drop) noexcept nogil:
    """The caller dropped the first ``drop`` bytes of the buffer being parsed
    (all before the command in progress): move the recorded offsets."""
    cdef int i
    if not p.args_inline:
        for i in range(p.argc):
            p.argv_off[i] -= drop


cdef void _argv_reserve(reqparser* p, long need) noexcept nogil:
    cdef long cap
    if need <= p.argv_cap:
        return
    cap = p.argv_cap * 2 if p.argv_cap else 8
    if cap < need:
        cap = need
    p.argv_off = <size_t*>mem_realloc(p.argv_off, cap * sizeof(size_t))
    p.argv_len = <size_t*>mem_realloc(p.argv_len, cap * sizeof(size_t))
    p.argv_cap = <int>cap


cdef inline Py_ssize_t _find_line_end(reqparser* p, const char* buf, size_t start, size_t end,
                                      char ch) noexcept nogil:
    """Index of the first ``ch`` in buf[start:end], or -1 if absent or if a NUL
    byte comes first (Redis scans its NUL-terminated buffer with strchr).

    The search resumes where the previous call for the same line stopped
    (``p.scanned``, relative to ``start``), so a line arriving a byte at a
    time is scanned once in all, not once per read. A NUL byte stops the
    search for good: later calls find it again at once, as strchr would.
    """
    cdef size_t i = start + p.scanned
    cdef char b
    while i < end:
        b = buf[i]
        if b == ch:
            p.scanned = i - start
            return <Py_ssize_t>i
        if b == 0:
            p.scanned = i - start
            return -1
        i += 1
    p.scanned = end - start
    return -1


cdef inline bint _isspace(char c) noexcept nogil:
    """isspace() of the C locale, whatever locale the process runs in (Python
    sets LC_CTYPE from the environment; Redis never does)."""
    return c == c' ' or c == c'\t' or c == c'\n' or c == c'\r' or c == c'\v' or c == c'\f'


cdef inline int _set_error(reqparser* p, const char* msg, const char* reason) noexcept nogil:
    p.error = msg
    p.log_reason = reason
    return PARSE_ERROR


cdef inline bint _is_hex(char c) noexcept nogil:
    return (c'0' <= c <= c'9') or (c'a' <= c <= c'f') or (c'A' <= c <= c'F')


cdef inline int _hex_val(char c) noexcept nogil:
    if c'0' <= c <= c'9':
        return c - c'0'
    if c'a' <= c <= c'f':
        return c - c'a' + 10
    return c - c'A' + 10


cdef int split_inline_args(const char* line, size_t n, rbuf* out, int* argc) noexcept nogil:
    """Split an inline command line like redis-cli does (sdssplitargs).

    Words are separated by whitespace; "double quotes" understand \\n \\r \\t
    \\b \\a \\xHH and \\<any>; 'single quotes' understand \\'. A closing quote
    must be followed by whitespace or the end. Each argument is appended to
    ``out`` as <8-byte length><bytes><NUL>. Returns 0, or -1 on unbalanced
    quotes. ``line`` has no NUL bytes (the caller cut it at the first one).
    """
    cdef size_t i = 0
    cdef bint inq, insq, done
    cdef size_t lenpos
    cdef size_t arglen
    cdef char ch
    cdef char c2
    argc[0] = 0
    while True:
        while i < n and _isspace(line[i]):
            i += 1
        if i >= n:
            return 0
        inq = False
        insq = False
        done = False
        lenpos = out.len
        rbuf_reserve(out, 8)
        out.len += 8
        arglen = 0
        while not done:
            ch = line[i] if i < n else 0
            if inq:
                if (ch == c'\\' and i + 3 < n + 0 and line[i + 1] == c'x' and
                        _is_hex(line[i + 2]) and _is_hex(line[i + 3])):
                    rbuf_putc(out, <char>(_hex_val(line[i + 2]) * 16 + _hex_val(line[i + 3])))
                    arglen += 1
                    i += 3
                elif ch == c'\\' and i + 1 < n:
                    i += 1
                    c2 = line[i]
                    if c2 == c'n':
                        c2 = c'\n'
                    elif c2 == c'r':
                        c2 = c'\r'
                    elif c2 == c't':
                        c2 = c'\t'
                    elif c2 == c'b':
                        c2 = c'\b'
                    elif c2 == c'a':
                        c2 = c'\a'
                    rbuf_putc(out, c2)
                    arglen += 1
                elif ch == c'"':
                    if i + 1 < n and not _isspace(line[i + 1]):
                        return -1
                    done = True
                elif ch == 0:
                    return -1
                else:
                    rbuf_putc(out, ch)
                    arglen += 1
            elif insq:
                if ch == c'\\' and i + 1 < n and line[i + 1] == c"'":
                    i += 1
                    rbuf_putc(out, c"'")
                    arglen += 1
                elif ch == c"'":
                    if i + 1 < n and not _isspace(line[i + 1]):
                        return -1
                    done = True
                elif ch == 0:
                    return -1
                else:
                    rbuf_putc(out, ch)
                    arglen += 1
            else:
                if ch == c' ' or ch == c'\n' or ch == c'\r' or ch == c'\t' or ch == 0:
                    done = True
                elif ch == c'"':
                    inq = True
                elif ch == c"'":
                    insq = True
                else:
                    rbuf_putc(out, ch)
                    arglen += 1
            if i < n:
                i += 1
        memcpy(out.data + lenpos, &arglen, 8)
        rbuf_putc(out, 0)
        argc[0] += 1


cdef int _parse_inline(reqparser* p, const char* buf, size_t buflen, size_t* pos) noexcept nogil:
    cdef size_t start = pos[0]
    cdef Py_ssize_t nl = _find_line_end(p, buf, start, buflen, c'\n')
    cdef size_t lineend, linefeed = 1
    cdef int argc, i
    cdef size_t off, arglen
    if nl < 0:
        if buflen - start > PROTO_INLINE_MAX_SIZE:
            return _set_error(p, b"ERR Protocol error: too big inline request", b"too big inline request")
        return PARSE_NEED_MORE
    lineend = <size_t>nl
    if lineend != start and buf[lineend - 1] == c'\r':
        lineend -= 1
        linefeed = 2
    p.inline_args.len = 0
    if split_inline_args(buf + start, lineend - start, &p.inline_args, &argc) < 0:
        return _set_error(p, b"ERR Protocol error: unbalanced quotes in request",
                          b"unbalanced quotes in inline request")
    pos[0] = lineend + linefeed
    p.scanned = 0
    _argv_reserve(p, argc if argc > 0 else 1)
    off = 0
    for i in range(argc):
        memcpy(&arglen, p.inline_args.data + off, 8)
        p.argv_off[i] = off + 8
        p.argv_len[i] = arglen
        off += 8 + arglen + 1
    p.argc = argc
    p.args_inline = True
    return PARSE_OK


cdef int _parse_multibulk(reqparser* p, const char* buf, size_t buflen, size_t* pos) noexcept nogil:
    cdef Py_ssize_t cr
    cdef long long ll
    cdef size_t start
    if p.multibulklen == 0:
        start = pos[0]
        cr = _find_line_end(p, buf, start, buflen, c'\r')
        if cr < 0:
            if buflen - start > PROTO_INLINE_MAX_SIZE:
                return _set_error(p, b"ERR Protocol error: too big mbulk count string",
                                  b"too big mbulk count string")
            return PARSE_NEED_MORE
        if <size_t>cr + 2 > buflen:      # the '\n' must be there too
            return PARSE_NEED_MORE
        if not string2ll(buf + start + 1, <size_t>cr - start - 1, &ll) or ll > INT_MAX:
            return _set_error(p, b"ERR Protocol error: invalid multibulk length", b"invalid mbulk count")
        if ll > 10 and p.unauthenticated:
            return _set_error(p, b"ERR Protocol error: unauthenticated multibulk length",
                              b"unauth mbulk count")
        pos[0] = <size_t>cr + 2
        p.scanned = 0
        if ll <= 0:
            p.argc = 0
            return PARSE_OK
        p.multibulklen = <long>ll
        p.argc = 0
        p.args_inline = False
        _argv_reserve(p, ll if ll < 1024 else 1024)
    while p.multibulklen > 0:
        if p.bulklen == -1:
            start = pos[0]
            cr = _find_line_end(p, buf, start, buflen, c'\r')
            if cr < 0:
                if buflen - start > PROTO_INLINE_MAX_SIZE:
                    return _set_error(p, b"ERR Protocol error: too big bulk count string",
                                      b"too big bulk count string")
                return PARSE_NEED_MORE
            if <size_t>cr + 2 > buflen:
                return PARSE_NEED_MORE
            if buf[start] != c'$':
                p.error_char = buf[start]
                return _set_error(p, NULL, b"expected $ but got something else")
            if (not string2ll(buf + start + 1, <size_t>cr - start - 1, &ll) or ll < 0 or
                    ll > p.proto_max_bulk_len):
                return _set_error(p, b"ERR Protocol error: invalid bulk length", b"invalid bulk length")
            if ll > 16384 and p.unauthenticated:
                return _set_error(p, b"ERR Protocol error: unauthenticated bulk length",
                                  b"unauth bulk length")
            pos[0] = <size_t>cr + 2
            p.scanned = 0
            p.bulklen = ll
        if buflen - pos[0] < <size_t>(p.bulklen + 2):
            return PARSE_NEED_MORE
        _argv_reserve(p, p.argc + 1)
        p.argv_off[p.argc] = pos[0]
        p.argv_len[p.argc] = <size_t>p.bulklen
        p.argc += 1
        pos[0] += <size_t>p.bulklen + 2
        p.bulklen = -1
        p.multibulklen -= 1
    return PARSE_OK


cdef int resp_parse_request(reqparser* p, const char* buf, size_t buflen, size_t* pos) noexcept nogil:
    """Parse (or continue parsing) one command from buf[*pos:buflen].

    On PARSE_OK, ``p.argc`` arguments are described by argv_off/argv_len
    (relative to ``buf`` unless ``p.args_inline``); argc may be 0 for an empty
    line or ``*0``, which callers skip. ``*pos`` advances past what was
    consumed. On PARSE_NEED_MORE call again with more bytes (offsets already
    recorded stay relative to the same buffer start).
    """
    if p.reqtype == REQ_NONE:
        if pos[0] >= buflen:
            return PARSE_NEED_MORE
        p.reqtype = REQ_MULTIBULK if buf[pos[0]] == c'*' else REQ_INLINE
    if p.reqtype == REQ_INLINE:
        return _parse_inline(p, buf, buflen, pos)
    return _parse_multibulk(p, buf, buflen, pos)


cdef int resp_format_parse_error(reqparser* p, char* out, size_t outlen) noexcept nogil:
    """The error reply text for the last PARSE_ERROR (no '-' and no CRLF)."""
    if p.error != NULL:
        return snprintf(out, outlen, b"%s", p.error)
    return snprintf(out, outlen, b"ERR Protocol error: expected '$', got '%c'", p.error_char)


# ---- Python-level helpers (embedding, tests) ----------------------------------

class ReplyError(Exception):
    """An error reply from the engine (the text after '-')."""


cdef object _NOT_ENOUGH = object()


cdef class ReplyReader:
    """Incremental RESP2/RESP3 reply parser producing Python values.

    feed(data) appends bytes; gets() returns the next complete reply, or
    False (or the sentinel given to it) when more bytes are needed. Error replies come back as ReplyError
    instances (not raised), so a caller can keep reading a pipeline.
    Simple strings become str, bulk strings bytes, integers int, nulls None,
    arrays/pushes list, maps dict, sets set (list when unhashable), doubles
    float, booleans bool, big numbers int, verbatim strings bytes (the text).
    """
    cdef bytearray buf
    cdef Py_ssize_t pos

    def __cinit__(self):
        self.buf = bytearray()
        self.pos = 0

    def feed(self, data):
        if self.pos > 65536 and self.pos * 2 > len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data

    def has_data(self):
        return self.pos < len(self.buf)

    def gets(self, notenough=False):
        """The next complete reply, or ``notenough`` (False by default) when
        more bytes are needed. A RESP3 ``#f`` reply is also False: callers
        that may see booleans pass their own sentinel."""
        cdef Py_ssize_t save = self.pos
        value = self._read()
        if value is _NOT_ENOUGH:
            self.pos = save
            return notenough
        return value

    cdef object _line(self):
        cdef Py_ssize_t i = self.buf.find(b"\r\n", self.pos)
        if i < 0:
            return _NOT_ENOUGH
        line = bytes(self.buf[self.pos:i])
        self.pos = i + 2
        return line

    cdef object _read(self):
        cdef Py_ssize_t n
        if self.pos >= len(self.buf):
            return _NOT_ENOUGH
        t = self.buf[self.pos]
        self.pos += 1
        line = self._line()
        if line is _NOT_ENOUGH:
            return _NOT_ENOUGH
        if t == 43:        # '+'
            return line.decode("utf-8", "replace")
        if t == 45:        # '-'
            return ReplyError(line.decode("utf-8", "replace"))
        if t == 58:        # ':'
            return int(line)
        if t == 36 or t == 61 or t == 33:   # '$' '=' '!'
            n = int(line)
            if n < 0:
                return None
            if len(self.buf) - self.pos < n + 2:
                return _NOT_ENOUGH
            data = bytes(self.buf[self.pos:self.pos + n])
            self.pos += n + 2
            if t == 61:
                return data[4:]
            if t == 33:
                return ReplyError(data.decode("utf-8", "replace"))
            return data
        if t == 42 or t == 62 or t == 126:   # '*' '>' '~'
            n = int(line)
            if n < 0:
                return None
            items = []
            for _ in range(n):
                v = self._read()
                if v is _NOT_ENOUGH:
                    return _NOT_ENOUGH
                items.append(v)
            if t == 126:
                try:
                    return set(items)
                except TypeError:
                    return items
            return items
        if t == 37 or t == 124:   # '%' '|'
            n = int(line)
            d = {}
            for _ in range(n):
                k = self._read()
                if k is _NOT_ENOUGH:
                    return _NOT_ENOUGH
                v = self._read()
                if v is _NOT_ENOUGH:
                    return _NOT_ENOUGH
                if isinstance(k, list):
                    k = tuple(k)
                d[k] = v
            if t == 124:      # attributes annotate the reply that follows
                return self._read()
            return d
        if t == 95:        # '_'
            return None
        if t == 44:        # ','
            return float(line)
        if t == 35:        # '#'
            return line == b"t"
        if t == 40:        # '('
            return int(line)
        raise ValueError("Protocol error: unknown reply type byte %r" % chr(t))


def reply_end(data, Py_ssize_t pos=0):
    """End offset of the complete reply starting at ``pos`` in ``data``, or -1
    if it is incomplete. Used to split a raw byte stream into replies."""
    cdef bytes b = bytes(data)
    cdef Py_ssize_t n = len(b)
    cdef Py_ssize_t i, count, ln
    cdef list stack = [1]      # elements still to read at each depth
    while stack:
        if pos >= n:
            return -1
        t = b[pos]
        i = b.find(b"\r\n", pos)
        if i < 0:
            return -1
        line = b[pos + 1:i]
        pos = i + 2
        stack[len(stack) - 1] -= 1
        if t in b"$=!":
            ln = int(line)
            if ln >= 0:
                if n - pos < ln + 2:
                    return -1
                pos += ln + 2
        elif t in b"*>~%|":
            count = int(line)
            if t in b"%|":
                count *= 2
            if t == 124:            # '|': its pairs, then the reply it annotates
                stack.append(count + 1)
            elif count > 0:
                stack.append(count)
        while stack and stack[len(stack) - 1] == 0:
            stack.pop()
    return pos


def encode_command(*args):
    """RESP multibulk encoding of a command (bytes/str/int/float arguments)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = repr(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def split_inline(bytes line):
    """Split a line like an inline command / config line (sdssplitargs):
    a list of bytes, or None on unbalanced quotes. Stops at a NUL byte."""
    cdef rbuf out
    cdef int argc, i
    cdef size_t off = 0, n
    cdef list result = []
    cdef Py_ssize_t cut = line.find(b"\0")
    if cut >= 0:
        line = line[:cut]
    out.data = NULL
    out.len = 0
    out.cap = 0
    if split_inline_args(line, len(line), &out, &argc) < 0:
        rbuf_free(&out)
        return None
    for i in range(argc):
        memcpy(&n, out.data + off, 8)
        result.append(out.data[off + 8:off + 8 + n])
        off += 8 + n + 1
    rbuf_free(&out)
    return result


cdef class RequestParser:
    """The request parser driven from Python (tests and tools).

    ``feed(data)`` appends bytes and returns the commands completed so far,
    each a list of bytes (an empty list for ``*0``, ``*-1`` or an empty
    inline line). Buffer handling is the one ``dispatch.process_input``
    does: after each feed the consumed bytes are dropped, a partially parsed
    command stays and its recorded offsets move with ``reqparser_shift``.
    After a protocol error ``error`` holds the reply text (bytes, without
    '-' and CRLF) and ``log_reason`` the short reason; nothing more is parsed.
    """
    cdef reqparser p
    cdef rbuf buf
    cdef size_t pos
    cdef size_t cmd_start
    cdef public object error
    cdef public object log_reason

    def __cinit__(self, long long proto_max_bulk_len=512 * 1024 * 1024,
                  bint unauthenticated=False):
        reqparser_init(&self.p)
        self.p.proto_max_bulk_len = proto_max_bulk_len
        self.p.unauthenticated = unauthenticated
        self.buf.data = NULL
        self.buf.len = 0
        self.buf.cap = 0
        self.pos = 0
        self.cmd_start = 0
        self.error = None
        self.log_reason = None

    def __dealloc__(self):
        reqparser_free(&self.p)
        rbuf_free(&self.buf)

    def feed(self, const unsigned char[:] data):
        cdef list out = []
        cdef int st, i, n
        cdef size_t drop
        cdef const char* base
        cdef char errbuf[256]
        if self.error is not None:
            return out
        if data.shape[0]:
            rbuf_append(&self.buf, <const char*>&data[0], data.shape[0])
        while self.pos < self.buf.len:
            if self.p.reqtype == REQ_NONE:
                self.cmd_start = self.pos
            st = resp_parse_request(&self.p, self.buf.data, self.buf.len, &self.pos)
            if st == PARSE_NEED_MORE:
                break
            if st == PARSE_ERROR:
                n = resp_format_parse_error(&self.p, errbuf, sizeof(errbuf))
                self.error = errbuf[:n]
                self.log_reason = (<bytes>self.p.log_reason).decode()
                reqparser_reset(&self.p)
                self.pos = self.buf.len
                break
            base = self.p.inline_args.data if self.p.args_inline else self.buf.data
            out.append([base[self.p.argv_off[i]:self.p.argv_off[i] + self.p.argv_len[i]]
                        for i in range(self.p.argc)])
            reqparser_reset(&self.p)
        drop = self.cmd_start if self.p.reqtype != REQ_NONE else self.pos
        if drop > 0:
            rbuf_consume(&self.buf, drop)
            self.pos -= drop
            reqparser_shift(&self.p, drop)
            self.cmd_start = 0
        return out

    def buffered(self):
        """Bytes held: the command in progress (and unparsed input)."""
        return self.buf.len

    def scanned(self):
        """How far the current line's terminator search has got (tests)."""
        return self.p.scanned

    def state(self):
        """(reqtype, multibulklen, bulklen, argc) of the command in progress."""
        return (self.p.reqtype, self.p.multibulklen, self.p.bulklen, self.p.argc)


cdef class Encoder:
    """The reply encoder driven from Python (tests): each method appends one
    RESP element to an internal buffer; ``take()`` returns and clears it.
    ``proto`` (2 or 3) selects the protocol where the two differ."""
    cdef rbuf b
    cdef public int proto

    def __cinit__(self, int proto=2):
        self.b.data = NULL
        self.b.len = 0
        self.b.cap = 0
        self.proto = proto

    def __dealloc__(self):
        rbuf_free(&self.b)

    def take(self):
        cdef bytes out = self.b.data[:self.b.len] if self.b.len else b""
        self.b.len = 0
        return out

    def simple(self, bytes s):
        resp_simple(&self.b, s, len(s))

    def error(self, bytes s):
        resp_error(&self.b, s, len(s))

    def integer(self, long long v):
        resp_int(&self.b, v)

    def bulk(self, bytes s):
        resp_bulk(&self.b, s, len(s))

    def bulk_ll(self, long long v):
        resp_bulk_ll(&self.b, v)

    def null(self):
        resp_null(&self.b, self.proto)

    def null_array(self):
        resp_null_array(&self.b, self.proto)

    def array(self, long long n):
        resp_array(&self.b, n)

    def map(self, long long n):
        resp_map(&self.b, n, self.proto)

    def set(self, long long n):
        resp_set(&self.b, n, self.proto)

    def push(self, long long n):
        resp_push(&self.b, n, self.proto)

    def double(self, double d):
        resp_double(&self.b, d, self.proto)

    def boolean(self, bint v):
        resp_bool(&self.b, v, self.proto)

    def bignum(self, bytes s):
        resp_bignum(&self.b, s, len(s), self.proto)

    def verbatim(self, bytes s, bytes ext=b"txt"):
        if len(ext) != 3:
            raise ValueError("verbatim format must be 3 bytes")
        resp_verbatim(&self.b, s, len(s), ext, self.proto)

    def attribute(self, long long n):
        resp_attribute(&self.b, n)

    def header(self, bytes prefix, long long n):
        if len(prefix) != 1:
            raise ValueError("prefix must be one byte")
        resp_header(&self.b, (<const char*>prefix)[0], n)

    def insert(self, size_t at, bytes data):
        """rbuf_insert (deferred aggregate lengths)."""
        if at > self.b.len:
            raise IndexError(at)
        rbuf_insert(&self.b, at, data, len(data))

    def __len__(self):
        return self.b.len
