"""Conversions and matching shared by every module, with Redis's exact rules.

These functions are the single definition of what counts as an integer, a
float or a glob match anywhere in pyengine: the string encodings, command
argument parsing and KEYS/SCAN/CONFIG GET all call them. Each is C-level,
takes explicit lengths (binary safe) and never raises.
"""

from libc.string cimport memcpy, strchr, memchr
from engine._mem cimport mem_alloc, mem_free
from libc.stdlib cimport strtold, strtod
from libc.stdio cimport snprintf
from libc.errno cimport ERANGE, EINVAL
from libc.limits cimport LLONG_MAX
from libc.math cimport isnan, isinf, HUGE_VAL, fpclassify, FP_ZERO

cdef extern from "<math.h>" nogil:
    bint isinf_ld "isinf"(long double x)

# The C locale's isspace/tolower: Python sets LC_CTYPE from the environment
# at start-up, and in some locales the <ctype.h> versions classify or fold
# bytes >= 0x80 differently from Redis (which runs in the C locale).

cdef inline bint isspace(int c) noexcept nogil:
    return c == 32 or 9 <= c <= 13


cdef inline int tolower(int c) noexcept nogil:
    return c + 32 if 65 <= c <= 90 else c

cdef extern from "<math.h>" nogil:
    long double HUGE_VALL


cdef bint string2ll(const char* s, size_t slen, long long* value) noexcept nogil:
    """Parse a strict decimal long long. Returns 1 and sets *value on success.

    Accepts "0", or an optional '-' followed by a digit 1-9 and more digits,
    within the long long range. Anything else (empty, '+', spaces, leading
    zeros, "-0", trailing bytes, overflow) returns 0.
    """
    cdef size_t i = 0
    cdef bint negative = False
    cdef unsigned long long v
    cdef unsigned long long d
    if slen == 0 or slen >= LONG_STR_SIZE:
        return False
    if slen == 1 and s[0] == c'0':
        if value != NULL:
            value[0] = 0
        return True
    if s[0] == c'-':
        negative = True
        i = 1
        if i == slen:
            return False
    if s[i] < c'1' or s[i] > c'9':
        return False
    v = s[i] - c'0'
    i += 1
    while i < slen and c'0' <= s[i] <= c'9':
        d = s[i] - c'0'
        if v > 1844674407370955161ULL:          # ULLONG_MAX / 10
            return False
        v *= 10
        if v > 18446744073709551615ULL - d:
            return False
        v += d
        i += 1
    if i < slen:
        return False
    if negative:
        if v > 9223372036854775808ULL:
            return False
        if value != NULL:
            value[0] = <long long>(0 - v)
    else:
        if v > 9223372036854775807ULL:
            return False
        if value != NULL:
            value[0] = <long long>v
    return True


cdef bint string2ull(const char* s, size_t slen, unsigned long long* value) noexcept nogil:
    """Parse a strict unsigned decimal (SCAN cursors). Same rules, no sign."""
    cdef size_t i = 0
    cdef unsigned long long v = 0
    cdef unsigned long long d
    if slen == 0 or slen >= LONG_STR_SIZE:
        return False
    if slen == 1 and s[0] == c'0':
        value[0] = 0
        return True
    if s[0] < c'1' or s[0] > c'9':
        return False
    while i < slen:
        if s[i] < c'0' or s[i] > c'9':
            return False
        d = s[i] - c'0'
        if v > 1844674407370955161ULL:
            return False
        v *= 10
        if v > 18446744073709551615ULL - d:
            return False
        v += d
        i += 1
    value[0] = v
    return True


cdef bint parse_cursor(const char* s, size_t slen, unsigned long* value) noexcept nogil:
    """A SCAN-family cursor, read the way the reference reads it: C strtoul
    (base 10) over the argument as a C string, which must be consumed to its
    end. So "" is 0, "+5" and "007" are valid, "-1" wraps to ULONG_MAX, a NUL
    byte ends the argument early, and a leading space, a missing digit or an
    overflow are invalid. Any length is accepted."""
    cdef size_t i = 0, first_digit
    cdef const char* nul = <const char*>memchr(s, 0, slen)
    cdef unsigned long v = 0
    cdef unsigned long d
    cdef bint negative = False, overflow = False
    if nul != NULL:
        slen = nul - s
    if slen == 0:
        value[0] = 0
        return True
    if isspace(<unsigned char>s[0]):
        return False
    if s[0] == c'+' or s[0] == c'-':
        negative = s[0] == c'-'
        i = 1
    first_digit = i
    while i < slen and c'0' <= s[i] <= c'9':
        d = <unsigned long>(s[i] - c'0')
        if v > (<unsigned long>-1 - d) // 10:
            overflow = True
        else:
            v = v * 10 + d
        i += 1
    if i == first_digit or i != slen or overflow:
        return False
    value[0] = (<unsigned long>0 - v) if negative else v
    return True


cdef bint string2ld(const char* s, size_t slen, long double* value) noexcept nogil:
    """Parse a long double the way INCRBYFLOAT does (strtold on the whole string)."""
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef char* eptr
    cdef long double v
    cdef int err
    if slen == 0 or slen >= MAX_LONG_DOUBLE_CHARS:
        return False
    memcpy(buf, s, slen)
    buf[slen] = 0
    pe_errno_clear()
    v = strtold(buf, &eptr)
    err = pe_errno_get()
    if (isspace(<unsigned char>buf[0]) or eptr[0] != 0 or <size_t>(eptr - buf) != slen or
            (err == ERANGE and (v == HUGE_VALL or v == -HUGE_VALL or v == 0)) or
            err == EINVAL or v != v):
        return False
    value[0] = v
    return True


cdef bint string2d(const char* s, size_t slen, double* value) noexcept nogil:
    """Parse a double over the whole string (strtod), rejecting NaN and overflow.

    Like Redis's getDoubleFromObject there is no length limit (a score may
    have any number of leading zeros); long inputs are copied to the heap.
    """
    cdef char stackbuf[MAX_LONG_DOUBLE_CHARS]
    cdef char* buf = stackbuf
    cdef char* eptr
    cdef double v
    cdef bint ok
    cdef int err
    if slen == 0:
        return False
    if slen >= MAX_LONG_DOUBLE_CHARS:
        buf = <char*>mem_alloc(slen + 1)
    memcpy(buf, s, slen)
    buf[slen] = 0
    pe_errno_clear()
    v = strtod(buf, &eptr)
    err = pe_errno_get()
    ok = not (isspace(<unsigned char>buf[0]) or <size_t>(eptr - buf) != slen or
              (err == ERANGE and (v == HUGE_VAL or v == -HUGE_VAL or fpclassify(v) == FP_ZERO)) or
              isnan(v))
    if buf != stackbuf:
        mem_free(buf)
    if ok:
        value[0] = v
    return ok


cdef int ull2string(char* buf, unsigned long long v) noexcept nogil:
    """Write v in decimal into buf (>= 21 bytes). Returns the length; no NUL."""
    cdef char tmp[24]
    cdef int n = 0
    cdef int i
    if v == 0:
        buf[0] = c'0'
        return 1
    while v:
        tmp[n] = <char>(c'0' + v % 10)
        v //= 10
        n += 1
    for i in range(n):
        buf[i] = tmp[n - 1 - i]
    return n


cdef int ll2string(char* buf, long long value) noexcept nogil:
    """Write value in decimal into buf (>= 21 bytes). Returns the length; no NUL."""
    cdef unsigned long long v
    if value < 0:
        buf[0] = c'-'
        v = <unsigned long long>(-(value + 1)) + 1
        return 1 + ull2string(buf + 1, v)
    return ull2string(buf, <unsigned long long>value)


cdef int ld2string_human(char* buf, size_t buflen, long double value) noexcept nogil:
    """INCRBYFLOAT's format: "%.17Lf" without trailing zeros (and no "-0").

    Returns the length written (NUL terminated), or 0 if buflen is too small.
    """
    cdef int l
    cdef char* p
    if isinf_ld(value):
        if value > 0:
            memcpy(buf, b"inf", 4)
            return 3
        memcpy(buf, b"-inf", 5)
        return 4
    l = snprintf(buf, buflen, b"%.17Lf", value)
    if l < 0 or <size_t>(l + 1) > buflen:
        return 0
    if strchr(buf, c'.') != NULL:
        p = buf + l - 1
        while p[0] == c'0':
            p -= 1
            l -= 1
        if p[0] == c'.':
            l -= 1
    if l == 2 and buf[0] == c'-' and buf[1] == c'0':
        buf[0] = c'0'
        l = 1
    buf[l] = 0
    return l


cdef int d2string(char* buf, size_t buflen, double value) noexcept nogil:
    """A double as Redis 7.0 replies it: "%.17g", or inf / -inf / nan."""
    if isnan(value):
        memcpy(buf, b"nan", 4)
        return 3
    if isinf(value):
        if value > 0:
            memcpy(buf, b"inf", 4)
            return 3
        memcpy(buf, b"-inf", 5)
        return 4
    return snprintf(buf, buflen, b"%.17g", value)


cdef bint double2ll(double d, long long* out) noexcept nogil:
    """Whether ``d`` is an integer within +-(LLONG_MAX / 2), converting
    without loss (Redis's util.c double2ll): then ``*out`` is set. -0.0 is
    the integer 0. NaN and the infinities are not integers."""
    cdef long long ll
    if not (d >= <double>(-(LLONG_MAX // 2)) and d <= <double>(LLONG_MAX // 2)):
        return False
    ll = <long long>d
    if <double>ll == d:
        out[0] = ll
        return True
    return False


# ---- glob matching ----------------------------------------------------------
#
# One token of the pattern matches exactly one byte of the string ('?', a
# literal, an escaped literal or a [class]); '*' matches any run. The match is
# done left to right, remembering the last '*' so a failed attempt resumes one
# byte further along the string (linear per star, no recursion, so no pattern
# can exhaust the stack). The per-token rules, including the odd corners of
# unterminated classes and "[a-]", follow Redis's stringmatchlen.
#
# Bytes are compared as the reference server compares them: as C `char`,
# which is signed on the platforms Redis ships for, so a class range is
# ordered by signed value ("[a-\xff]" is -1..97, not 97..255) and case
# folding goes through tolower() of that signed value.

cdef inline int _sc(char c) noexcept nogil:
    """A pattern or string byte as the reference's (signed) char value."""
    return <int><signed char>c


cdef inline bint _byte_eq(char a, char b, bint nocase) noexcept nogil:
    if nocase:
        return tolower(_sc(a)) == tolower(_sc(b))
    return a == b


cdef Py_ssize_t _match_token(const char* p, size_t plen, size_t pi, char sc,
                             bint nocase, bint* matched) noexcept nogil:
    """Match the token at p[pi] (not '*') against byte sc.

    Sets *matched and returns the index just past the token. Never reads
    p[plen] or beyond.
    """
    cdef bint neg, m
    cdef int start, end, c
    cdef char pc = p[pi]
    if pc == c'?':
        matched[0] = True
        return pi + 1
    if pc == c'[':
        pi += 1
        neg = pi < plen and p[pi] == c'^'
        if neg:
            pi += 1
        m = False
        while True:
            if pi < plen and p[pi] == c'\\' and plen - pi >= 2:
                pi += 1
                if p[pi] == sc:
                    m = True
            elif pi < plen and p[pi] == c']':
                break
            elif pi >= plen:
                pi -= 1       # Redis steps back onto the last byte and stops
                break
            elif plen - pi >= 3 and p[pi + 1] == c'-':
                start = _sc(p[pi])
                end = _sc(p[pi + 2])
                c = _sc(sc)
                if start > end:
                    start, end = end, start
                if nocase:
                    start = tolower(start)
                    end = tolower(end)
                    c = tolower(c)
                pi += 2
                if start <= c <= end:
                    m = True
            else:
                if _byte_eq(p[pi], sc, nocase):
                    m = True
            pi += 1
        if neg:
            m = not m
        matched[0] = m
        return pi + 1
    if pc == c'\\' and plen - pi >= 2:
        pi += 1
    matched[0] = _byte_eq(p[pi], sc, nocase)
    return pi + 1


cdef bint _match(const char* p, size_t plen, const char* s, size_t slen,
                 bint nocase) noexcept nogil:
    cdef size_t pi = 0, si = 0
    cdef Py_ssize_t star_p = -1     # index after the last '*' seen
    cdef size_t star_s = 0          # string position that '*' currently covers up to
    cdef bint ok
    cdef Py_ssize_t nxt
    if slen == 0:
        return plen == 0    # Redis never lets '*' match an empty string alone
    while True:
        if pi < plen and si < slen:
            if p[pi] == c'*':
                while pi < plen and p[pi] == c'*':
                    pi += 1
                if pi == plen:
                    return True
                star_p = pi
                star_s = si
                continue
            nxt = _match_token(p, plen, pi, s[si], nocase, &ok)
            if ok:
                pi = nxt
                si += 1
                continue
        elif si == slen:
            while pi < plen and p[pi] == c'*':
                pi += 1
            if pi >= plen:
                return True
        # mismatch (or pattern left over): let the last '*' swallow one more byte
        if star_p < 0 or star_s >= slen:
            return False
        star_s += 1
        si = star_s
        pi = star_p


cdef bint stringmatch(const char* pattern, size_t plen, const char* string, size_t slen,
                      bint nocase) noexcept nogil:
    """Glob-match ``string`` against ``pattern`` (binary safe, Redis semantics).
    Reads exactly pattern[0:plen] and string[0:slen]."""
    return _match(pattern, plen, string, slen, nocase)


cdef int lower_into(char* dst, const char* src, size_t n) noexcept nogil:
    """ASCII-lowercase n bytes of src into dst. Returns n."""
    cdef size_t i
    cdef char ch
    for i in range(n):
        ch = src[i]
        if c'A' <= ch <= c'Z':
            ch = ch + 32
        dst[i] = ch
    return <int>n


cdef bint eq_nocase(const char* a, size_t alen, const char* b) noexcept nogil:
    """True if a[:alen] equals the NUL-terminated lowercase word b, ignoring
    case. Like Redis's strcasecmp on an argument, a NUL byte in ``a`` ends it."""
    cdef size_t i
    cdef char ch
    for i in range(alen):
        if a[i] == 0:
            return b[i] == 0
        if b[i] == 0:
            return False
        ch = a[i]
        if c'A' <= ch <= c'Z':
            ch = ch + 32
        if ch != b[i]:
            return False
    return b[alen] == 0


# ---- Python hooks for tests -------------------------------------------------

def py_string2ll(bytes s):
    cdef long long v
    if string2ll(s, len(s), &v):
        return v
    return None


def py_stringmatch(bytes pattern, bytes string, bint nocase=False):
    return bool(stringmatch(pattern, len(pattern), string, len(string), nocase))


def py_ld2string_human(value):
    """ld2string_human of a number given as bytes/str (parsed with string2ld,
    so no precision is lost on the way) or as a Python number."""
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef long double v
    cdef bytes s
    if isinstance(value, bytes):
        s = value
    elif isinstance(value, str):
        s = value.encode()
    else:
        s = repr(value).encode()
    if not string2ld(s, len(s), &v):
        raise ValueError(value)
    cdef int n = ld2string_human(buf, sizeof(buf), v)
    return buf[:n]


def py_double_to_human(double value):
    """ld2string_human of a double (widened to long double exactly)."""
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef int n = ld2string_human(buf, sizeof(buf), <long double>value)
    return buf[:n]


def py_string2ull(bytes s):
    cdef unsigned long long v
    if string2ull(s, len(s), &v):
        return v
    return None


def py_string2d(bytes s):
    cdef double v
    if string2d(s, len(s), &v):
        return v
    return None


def py_string2ld(bytes s):
    """string2ld: None if rejected, else the value rounded to a double."""
    cdef long double v
    if string2ld(s, len(s), &v):
        return <double>v
    return None


def py_ll2string(long long v):
    cdef char buf[LONG_STR_SIZE + 1]
    cdef int n = ll2string(buf, v)
    return buf[:n]


def py_ull2string(unsigned long long v):
    cdef char buf[LONG_STR_SIZE + 1]
    cdef int n = ull2string(buf, v)
    return buf[:n]


def py_lower(bytes s):
    cdef bytearray out = bytearray(len(s))
    if len(s):
        lower_into(out, s, len(s))
    return bytes(out)


def py_eq_nocase(bytes a, bytes word):
    return bool(eq_nocase(a, len(a), word))


def py_d2string(double value):
    cdef char buf[MAX_D2STRING_CHARS]
    cdef int n = d2string(buf, sizeof(buf), value)
    return buf[:n]


def py_double2ll(double value):
    """double2ll for tests: the integer, or None."""
    cdef long long v
    if double2ll(value, &v):
        return v
    return None


def py_parse_cursor(bytes s):
    cdef unsigned long v
    if parse_cursor(s, len(s), &v):
        return v
    return None
