"""LZF: the small, fast LZ77 variant Redis compresses with.

Redis compresses two things with Marc Lehmann's liblzf: the inner nodes of a
quicklist beyond ``list-compress-depth``, and strings in RDB files and DUMP
payloads (``rdbcompression yes``). RDB files must move between Redis and
pyengine in both directions, so this module reads and writes the same
format. The code here is written from the format, not taken from liblzf.

Format
------
A compressed block is a sequence of items, each starting with a control
byte. Its top three bits say what follows:

    000LLLLL  <L+1 bytes>              literal run: copy the next 1..32 bytes
    LLLooooo  oooooooo                 back reference, L = 1..6: copy L+2
                                       bytes starting (o+1) bytes back
    111ooooo  LLLLLLLL  oooooooo       back reference, long form: copy
                                       7+L+2 = 9..264 bytes, (o+1) back

The 13-bit offset ``o`` counts from the current end of the output, so a
back reference can reach 1..8192 bytes behind it; when the distance is
shorter than the length the copy overlaps itself (a run of one byte repeats
it). Nothing else is stored: no header, no length, no checksum. The caller
keeps the uncompressed length (quicklist nodes keep ``sz``; RDB writes
``<clen> <len>`` before the block).

Compression
-----------
A greedy single-pass matcher: at each input position the three bytes there
are hashed into a table of 65536 slots remembering the latest position with
that hash; when the remembered position holds the same three bytes and lies
within 8192 bytes, the match is extended as far as it goes (at most 264
bytes) and emitted as a back reference, and the two positions just before
the match end are entered into the table; otherwise the byte joins the
current literal run. The hash, the table size, the extension rule and the
"output does not fit" checks follow liblzf's defaults as Redis builds them
(HLOG 16, VERY_FAST), so for the same input the output is byte for byte
what Redis writes, which keeps DUMP payloads and quicklist node sizes
identical. (liblzf leaves its table uninitialised; stale slots can only add
matches that are verified anyway, and in practice never change the output.
Here the table is reset per call by a generation counter instead of 768 KB
of memset.) Position 0 is never used as a match source, as in liblzf.

``lzf_compress`` returns the compressed size, or 0 when the result would
not fit in ``out_len`` bytes (callers pass ``out_len`` smaller than the
input to get "only if it saves something"). Cost: O(n), one table probe per
input byte.

Decompression
-------------
``lzf_decompress`` checks every item against both buffers before copying:
a literal run or back reference that would write past ``out_len``, read
past the input, or reach before the start of the output makes it return 0
(corrupt input), never touching memory outside the two buffers. It returns
the number of bytes written otherwise.

The table is module state: compression is not reentrant across threads
(commands run on one thread; io-threads never compress).
"""

from libc.stdint cimport uint32_t
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING

ctypedef unsigned char u8

cdef enum:
    _HLOG = 16
    _HSIZE = 1 << 16

# slot -> last input position with that hash, valid when _hgen[slot] == _gen
cdef size_t _hpos[_HSIZE]
cdef uint32_t _hgen[_HSIZE]
cdef uint32_t _gen = 0


cdef inline uint32_t _slot(const u8* p) noexcept nogil:
    """Table slot of the three bytes at p (liblzf's VERY_FAST hash: only
    these three bytes reach the low 16 bits)."""
    cdef uint32_t v = (<uint32_t>p[0] << 16) | (<uint32_t>p[1] << 8) | p[2]
    return ((v >> (24 - _HLOG)) - v * 5) & (_HSIZE - 1)


cdef size_t lzf_compress(const void* in_data, size_t in_len, void* out_data,
                         size_t out_len) noexcept nogil:
    """Compress in_data[:in_len] into out_data (at most out_len bytes).
    Returns the compressed length, or 0 if it does not fit (or either
    length is 0)."""
    global _gen
    cdef const u8* src = <const u8*>in_data
    cdef u8* dst = <u8*>out_data
    cdef size_t ip = 0              # next input byte
    cdef size_t op = 1              # next output byte; dst[0] is the first run header
    cdef size_t lit = 0             # bytes in the open literal run
    cdef size_t ref, off, maxlen, n, lenf
    cdef uint32_t h
    cdef bint found
    if in_len == 0 or out_len == 0:
        return 0
    _gen += 1
    if _gen == 0:                   # wrapped: forget everything once
        for h in range(_HSIZE):
            _hgen[h] = 0
        _gen = 1
    while ip + 2 < in_len:
        h = _slot(src + ip)
        found = _hgen[h] == _gen
        ref = _hpos[h]
        _hgen[h] = _gen
        _hpos[h] = ip
        if (found and ref > 0 and ip - ref - 1 < LZF_MAX_OFF and src[ref + 2] == src[ip + 2]
                and src[ref] == src[ip] and src[ref + 1] == src[ip + 1]):
            off = ip - ref - 1
            maxlen = in_len - ip - 2
            if maxlen > LZF_MAX_REF:
                maxlen = LZF_MAX_REF
            # the room test liblzf makes before writing a reference
            if op - (1 if lit == 0 else 0) + 4 >= out_len:
                return 0
            # extend the match; n = bytes matched. liblzf first checks up
            # to 19 bytes unconditionally when more than 16 may follow.
            n = 3
            if maxlen > 16:
                while n < 19 and src[ref + n] == src[ip + n]:
                    n += 1
                if n == 19:
                    while n < maxlen and src[ref + n] == src[ip + n]:
                        n += 1
            else:
                while n < maxlen and src[ref + n] == src[ip + n]:
                    n += 1
            # close the literal run (or take back its unused header byte)
            dst[op - lit - 1] = <u8>(lit - 1)
            if lit == 0:
                op -= 1
            lenf = n - 2
            if lenf < 7:
                dst[op] = <u8>((off >> 8) + (lenf << 5))
                op += 1
            else:
                dst[op] = <u8>((off >> 8) + (7 << 5))
                dst[op + 1] = <u8>(lenf - 7)
                op += 2
            dst[op] = <u8>(off & 0xFF)
            op += 1
            lit = 0
            op += 1                 # header of the next literal run
            ip += n
            if ip + 2 >= in_len:
                break
            # remember the two positions just before the match end
            h = _slot(src + ip - 2)
            _hgen[h] = _gen
            _hpos[h] = ip - 2
            h = _slot(src + ip - 1)
            _hgen[h] = _gen
            _hpos[h] = ip - 1
        else:
            if op >= out_len:
                return 0
            dst[op] = src[ip]
            op += 1
            ip += 1
            lit += 1
            if lit == LZF_MAX_LIT:
                dst[op - lit - 1] = <u8>(lit - 1)
                lit = 0
                op += 1
    if op + 3 > out_len:
        return 0
    while ip < in_len:
        dst[op] = src[ip]
        op += 1
        ip += 1
        lit += 1
        if lit == LZF_MAX_LIT:
            dst[op - lit - 1] = <u8>(lit - 1)
            lit = 0
            op += 1
    dst[op - lit - 1] = <u8>(lit - 1)
    if lit == 0:
        op -= 1
    return op


cdef size_t lzf_decompress(const void* in_data, size_t in_len, void* out_data,
                           size_t out_len) noexcept nogil:
    """Decompress in_data[:in_len] into out_data[:out_len]. Returns the
    number of bytes written, or 0 when the input is corrupt or the output
    would not fit. Never reads or writes outside the two buffers."""
    cdef const u8* src = <const u8*>in_data
    cdef u8* dst = <u8*>out_data
    cdef size_t ip = 0, op = 0, n, back, i
    cdef unsigned int ctrl
    while ip < in_len:
        ctrl = src[ip]
        ip += 1
        if ctrl < 32:
            n = ctrl + 1
            if n > out_len - op or n > in_len - ip:
                return 0
            memcpy(dst + op, src + ip, n)
            ip += n
            op += n
        else:
            n = ctrl >> 5
            if ip >= in_len:
                return 0
            if n == 7:
                n += src[ip]
                ip += 1
                if ip >= in_len:
                    return 0
            back = ((ctrl & 0x1F) << 8) + src[ip] + 1
            ip += 1
            n += 2
            if n > out_len - op or back > op:
                return 0
            if back >= n:
                memcpy(dst + op, dst + op - back, n)
            else:
                for i in range(n):      # overlapping: byte by byte, in order
                    dst[op + i] = dst[op + i - back]
            op += n
    return op


# ---- Python API (tests, tools, RDB code) ----------------------------------------------

def compress(bytes data, out_len=None):
    """The LZF block for ``data``, or None when it does not fit in
    ``out_len`` bytes (default: len(data) + 1 + len(data) // 32 + 4, which
    always fits)."""
    cdef size_t n = len(data)
    cdef size_t cap = n + n // 32 + 5 if out_len is None else <size_t>out_len
    cdef bytes out = PyBytes_FromStringAndSize(NULL, cap if cap else 1)
    cdef size_t r = lzf_compress(<const char*>data, n, PyBytes_AS_STRING(out), cap)
    if r == 0:
        return None
    return out[:r]


def decompress(bytes data, size_t out_len):
    """The bytes an LZF block expands to; ValueError if the block is
    corrupt or does not expand to exactly ``out_len`` bytes."""
    cdef bytes out = PyBytes_FromStringAndSize(NULL, out_len if out_len else 1)
    cdef size_t r = lzf_decompress(<const char*>data, len(data), PyBytes_AS_STRING(out), out_len)
    if r != out_len or (r == 0 and len(data) != 0):
        raise ValueError("invalid LZF data")
    return out[:r]


def decompress_prefix(bytes data, size_t out_len):
    """lzf_decompress as is: the bytes written (up to out_len), or None when
    it reports corrupt input (tests of the bounds checks)."""
    cdef bytes out = PyBytes_FromStringAndSize(NULL, out_len if out_len else 1)
    cdef size_t r = lzf_decompress(<const char*>data, len(data), PyBytes_AS_STRING(out), out_len)
    if r == 0:
        return None
    return out[:r]
