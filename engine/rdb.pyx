"""RDB byte encoding: Redis 7.0's snapshot format (RDB version 10) at the
level of bytes. The object level (which robj becomes which type byte) and
the keyspace walk are in pyengine/rdb.pyx; this module knows nothing about
the keyspace, so the RDB file writer, DUMP, the AOF preamble and (later)
replication all share it.

File layout
-----------
::

    "REDIS0010"                                   magic + 4-digit version
    0xFA <str key> <str value>                    AUX field, repeated
    0xF5 <str library code>                       FUNCTION2, per library
    0xFE <len dbid>                               SELECTDB
    0xFB <len keys> <len expires>                 RESIZEDB (a sizing hint)
    [0xFC <int64 LE unix ms>]                     EXPIRETIME_MS, optional
    [0xF8 <len idle seconds> | 0xF9 <u8 freq>]    LRU / LFU, optional
    <u8 type> <str key> <value>                   one key
    ...                                           more keys, more dbs
    0xFF                                          EOF
    <u64 LE CRC-64 of everything before>          0 when rdbchecksum is off

A DUMP payload is ``<u8 type> <value> <u16 LE version> <u64 LE CRC-64>``.

Lengths (``<len>``) take 1, 2, 5 or 9 bytes; the top two bits of the first
byte say which::

    00xxxxxx                      6-bit length
    01xxxxxx xxxxxxxx             14-bit length (big-endian)
    10000000 <u32 BE>             32-bit length
    10000001 <u64 BE>             64-bit length
    11xxxxxx                      not a length: a special string encoding

Strings (``<str>``) are a length and the bytes, or one of the special
encodings: 0xC0 int8, 0xC1 int16 LE, 0xC2 int32 LE (the decimal text of
that integer), 0xC3 <len compressed> <len original> <LZF block>. The writer
picks like Redis's rdbSaveRawString: integer form when the bytes are a
canonical integer of at most 11 chars that fits 32 bits; else LZF when
``rdbcompression`` is on, the string is over 20 bytes and compression saves
at least 4 bytes (the block must fit in len - 4); else plain. Doubles are 8
bytes little-endian IEEE (ZSET_2); the old ZSET type stores them as text
with a one-byte length (253 nan, 254 +inf, 255 -inf).

Writer
------
``rdb_writer`` appends into one buffer. With a file descriptor the buffer
(1 MB) is written out when full, the CRC advanced over each chunk as it
leaves, and with ``autosync`` the file is fdatasync'ed every 4 MB
(rdb-save-incremental-fsync) so the final fsync does not stall on gigabytes
of dirty pages. Without one (DUMP, sizes) the buffer grows in memory.
Errors are sticky: the first failing write records errno in ``w.err`` and
every later call is a no-op returning -1, so a save loop checks once at the
end. The buffer and the LZF scratch are plain malloc: transient I/O space,
not data, so they stay out of used_memory (like quicklist's scratch).

Reader
------
``rdb_reader`` walks a buffer in memory (a payload, or a whole file mapped
with mmap) with a bounds check before every access. Malformed or truncated
input sets ``r.err`` (RDBR_TRUNCATED / RDBR_CORRUPT) with a static reason
and the offset of the item, and every later call fails: nothing reads
outside [base, base + size), nothing allocates more than the input can
justify (a string's length is checked against the bytes left before it is
used; an LZF block's claimed size against 88 times its compressed size,
liblzf's largest expansion). Plain strings are returned as pointers into the
input (zero copy); decoded ones (integers, LZF) into one of two scratch
slots, valid until that slot is reused.

Legacy blobs
------------
Redis 7.0 writes listpacks and intsets, but loads what older versions wrote:
ziplists (lists, and hash/zset pairs) and zipmaps (hashes, Redis < 2.6).
``zl_validate`` checks a ziplist completely (header, every entry's prevlen
and encoding, the tail offset, the count) before anything iterates it;
``zl_to_listpack`` / ``zipmap_to_listpack`` validate and rebuild the data as
a listpack, refusing duplicate fields in pairs (as Redis does for these).

The byte formats are Redis's (documented in its RDB and ziplist notes); the
code is written here from them.
"""

from libc.stdlib cimport malloc, realloc, free, strtod
from libc.string cimport memcpy, memcmp
from libc.stdint cimport uint16_t, uint32_t, int16_t, int32_t
from libc.errno cimport errno, EINTR, EIO
from posix.unistd cimport write, fsync

from libc.math cimport NAN, INFINITY
from engine._mem cimport mem_alloc
from engine.listpack cimport (lp_new, lp_free, lp_append, lp_append_int, lp_first, lp_next,
                              lp_get, lp_length, lp_bytes, lp_safe_to_add, LP_HDR_SIZE)
from engine.lzf cimport lzf_compress, lzf_decompress
from engine.crc64 cimport crc64
from engine.dict cimport dict_t, dict_create, dict_release, dict_add_or_find
from engine.util cimport string2ll, ll2string

cdef extern from "<unistd.h>" nogil:
    int fdatasync(int fd)

cdef extern from *:
    """
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    #define PE_RDB_BE 1
    #else
    #define PE_RDB_BE 0
    #endif
    """
    int PE_RDB_BE

cdef enum:
    LZF_MAX_EXPANSION = 88       # 3 input bytes can produce 264 output bytes
    ZIPLIST_HEADER = 10          # zlbytes u32, zltail u32, zllen u16
    ZIP_BIG_PREVLEN = 254
    ZIP_END = 255


# ---- little helpers -------------------------------------------------------------------

cdef inline void _put_le64(uchar* p, uint64_t v) noexcept nogil:
    cdef int i
    for i in range(8):
        p[i] = <uchar>(v >> (8 * i))


cdef inline uint64_t _get_le64(const uchar* p) noexcept nogil:
    cdef uint64_t v = 0
    cdef int i
    for i in range(8):
        v |= (<uint64_t>p[i]) << (8 * i)
    return v


cdef inline uint32_t _get_le32(const uchar* p) noexcept nogil:
    return <uint32_t>p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


cdef size_t rdb_len_size(uint64_t n) noexcept nogil:
    """Bytes rdbw_len writes for n."""
    if n < (1 << 6):
        return 1
    if n < (1 << 14):
        return 2
    if n <= 0xFFFFFFFFULL:
        return 5
    return 9


cdef int rdb_encode_integer(long long v, uchar* enc) noexcept nogil:
    """The special integer form of v (2, 3 or 5 bytes into enc), or 0 when v
    does not fit 32 bits."""
    if -128 <= v <= 127:
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8
        enc[1] = <uchar>(v & 0xFF)
        return 2
    if -32768 <= v <= 32767:
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16
        enc[1] = <uchar>(v & 0xFF)
        enc[2] = <uchar>((v >> 8) & 0xFF)
        return 3
    if -2147483648 <= v <= 2147483647:
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32
        enc[1] = <uchar>(v & 0xFF)
        enc[2] = <uchar>((v >> 8) & 0xFF)
        enc[3] = <uchar>((v >> 16) & 0xFF)
        enc[4] = <uchar>((v >> 24) & 0xFF)
        return 5
    return 0


# ---- writer ------------------------------------------------------------------------------

cdef int rdbw_init_fd(rdb_writer* w, int fd, bint compress, bint checksum,
                      size_t autosync) noexcept nogil:
    """A writer flushing to ``fd``. -1 (w.err = ENOMEM) when the buffer
    cannot be had; release it with rdbw_release either way."""
    w.fd = fd
    w.len = 0
    w.crc = 0
    w.flushed = 0
    w.err = 0
    w.compress = compress
    w.checksum = checksum
    w.autosync = autosync
    w.unsynced = 0
    w.zbuf = NULL
    w.zcap = 0
    w.buf = <uchar*>malloc(RDBW_BUFSIZE)
    w.cap = RDBW_BUFSIZE if w.buf != NULL else 0
    if w.buf == NULL:
        w.err = 12          # ENOMEM
        return -1
    return 0


cdef int rdbw_init_mem(rdb_writer* w, bint compress) noexcept nogil:
    """A writer growing a memory buffer (w.buf[:w.len] at the end)."""
    w.fd = -1
    w.len = 0
    w.crc = 0
    w.flushed = 0
    w.err = 0
    w.compress = compress
    w.checksum = True
    w.autosync = 0
    w.unsynced = 0
    w.zbuf = NULL
    w.zcap = 0
    w.buf = <uchar*>malloc(256)
    w.cap = 256 if w.buf != NULL else 0
    if w.buf == NULL:
        w.err = 12
        return -1
    return 0


cdef void rdbw_release(rdb_writer* w) noexcept nogil:
    """Free the buffers (the fd is the caller's)."""
    free(w.buf)
    free(w.zbuf)
    w.buf = NULL
    w.zbuf = NULL
    w.cap = w.len = w.zcap = 0


cdef int _write_all(rdb_writer* w, const uchar* p, size_t n) noexcept nogil:
    """write(2) all of p[:n] to w.fd, retrying on EINTR and short writes."""
    cdef ssize_t k
    while n:
        k = write(w.fd, p, n)
        if k < 0:
            if errno == EINTR:
                continue
            w.err = errno if errno else EIO
            return -1
        if k == 0:
            w.err = EIO
            return -1
        p += k
        n -= <size_t>k
        w.flushed += <size_t>k
        w.unsynced += <size_t>k
    if w.autosync and w.unsynced >= w.autosync:
        if fdatasync(w.fd) != 0:
            w.err = errno if errno else EIO
            return -1
        w.unsynced = 0
    return 0


cdef int rdbw_flush(rdb_writer* w) noexcept nogil:
    """Write the buffered bytes to the file (no-op in memory mode)."""
    if w.err:
        return -1
    if w.fd < 0 or w.len == 0:
        return 0
    if w.checksum:
        w.crc = crc64(w.crc, w.buf, w.len)
    if _write_all(w, w.buf, w.len) != 0:
        return -1
    w.len = 0
    return 0


cdef int _rdbw_write_slow(rdb_writer* w, const void* p, size_t n) noexcept nogil:
    """rdbw_write when the bytes do not fit the buffer: flush (file) or
    grow (memory); large writes to a file bypass the buffer."""
    cdef size_t want
    cdef uchar* nb
    if w.err:
        return -1
    if w.fd >= 0:
        if rdbw_flush(w) != 0:
            return -1
        if n >= w.cap:
            if w.checksum:
                w.crc = crc64(w.crc, <const uchar*>p, n)
            return _write_all(w, <const uchar*>p, n)
        memcpy(w.buf, p, n)
        w.len = n
        return 0
    want = w.cap * 2 if w.cap else 256
    while want < w.len + n:
        want *= 2
    nb = <uchar*>realloc(w.buf, want)
    if nb == NULL:
        w.err = 12
        return -1
    w.buf = nb
    w.cap = want
    memcpy(w.buf + w.len, p, n)
    w.len += n
    return 0


cdef uint64_t rdbw_crc(rdb_writer* w) noexcept nogil:
    """CRC-64 of every byte produced so far (flushed or buffered)."""
    return crc64(w.crc, w.buf, w.len)


cdef unsigned long long rdbw_total(rdb_writer* w) noexcept nogil:
    """Bytes produced so far."""
    return w.flushed + w.len


cdef int rdbw_len(rdb_writer* w, uint64_t n) noexcept nogil:
    cdef uchar b[9]
    cdef int i
    if n < (1 << 6):
        b[0] = <uchar>n
        return rdbw_write(w, b, 1)
    if n < (1 << 14):
        b[0] = <uchar>((n >> 8) | (RDB_14BITLEN << 6))
        b[1] = <uchar>(n & 0xFF)
        return rdbw_write(w, b, 2)
    if n <= 0xFFFFFFFFULL:
        b[0] = RDB_32BITLEN
        for i in range(4):
            b[1 + i] = <uchar>(n >> (24 - 8 * i))
        return rdbw_write(w, b, 5)
    b[0] = RDB_64BITLEN
    for i in range(8):
        b[1 + i] = <uchar>(n >> (56 - 8 * i))
    return rdbw_write(w, b, 9)


cdef int rdbw_millis(rdb_writer* w, int64_t ms) noexcept nogil:
    cdef uchar b[8]
    _put_le64(b, <uint64_t>ms)
    return rdbw_write(w, b, 8)


cdef int rdbw_double(rdb_writer* w, double d) noexcept nogil:
    """A binary double (8 bytes little-endian IEEE 754)."""
    cdef uint64_t u
    cdef uchar b[8]
    memcpy(&u, &d, 8)
    _put_le64(b, u)
    return rdbw_write(w, b, 8)


cdef int rdbw_lzf_blob(rdb_writer* w, const void* data, size_t clen, size_t ulen) noexcept nogil:
    """An LZF-encoded string from an already compressed block."""
    if rdbw_byte(w, (RDB_ENCVAL << 6) | RDB_ENC_LZF) != 0:
        return -1
    if rdbw_len(w, clen) != 0 or rdbw_len(w, ulen) != 0:
        return -1
    return rdbw_write(w, data, clen)


cdef int _try_lzf(rdb_writer* w, const char* s, size_t n) noexcept nogil:
    """Write s LZF-compressed if that saves at least 4 bytes: 1 if written,
    0 if not worth it (nothing written), -1 on error."""
    cdef size_t outlen = n - 4
    cdef size_t clen
    cdef uchar* z
    if n <= 4:
        return 0
    if w.zcap < outlen + 1:
        z = <uchar*>realloc(w.zbuf, outlen + 1)
        if z == NULL:
            return 0            # no scratch: store it plain
        w.zbuf = z
        w.zcap = outlen + 1
    clen = lzf_compress(s, n, w.zbuf, outlen)
    if clen == 0:
        return 0
    if rdbw_lzf_blob(w, w.zbuf, clen, n) != 0:
        return -1
    return 1


cdef int rdbw_string(rdb_writer* w, const char* s, size_t n) noexcept nogil:
    """A string in the form Redis's rdbSaveRawString picks (see the top)."""
    cdef uchar enc[5]
    cdef long long v
    cdef int k
    if n <= 11 and n > 0 and string2ll(s, n, &v):
        k = rdb_encode_integer(v, enc)
        if k > 0:
            return rdbw_write(w, enc, k)
    if w.compress and n > 20:
        k = _try_lzf(w, s, n)
        if k != 0:
            return 0 if k > 0 else -1
    if rdbw_len(w, n) != 0:
        return -1
    if n:
        return rdbw_write(w, s, n)
    return 0


cdef int rdbw_ll(rdb_writer* w, long long v) noexcept nogil:
    """An integer value as a string (int-encoded when it fits 32 bits)."""
    cdef uchar enc[5]
    cdef char buf[24]
    cdef int k = rdb_encode_integer(v, enc)
    if k > 0:
        return rdbw_write(w, enc, k)
    k = ll2string(buf, v)
    if rdbw_len(w, <uint64_t>k) != 0:
        return -1
    return rdbw_write(w, buf, k)


cdef int rdbw_aux(rdb_writer* w, const char* k, size_t kn, const char* v, size_t vn) noexcept nogil:
    """An AUX field."""
    if rdbw_byte(w, RDB_OPCODE_AUX) != 0:
        return -1
    if rdbw_string(w, k, kn) != 0:
        return -1
    return rdbw_string(w, v, vn)


cdef int rdbw_finish_file(rdb_writer* w) noexcept nogil:
    """End a file: the EOF opcode, the checksum (0 when checksums are off),
    and a flush. The caller fsyncs and renames."""
    cdef uchar b[8]
    cdef uint64_t crc = 0
    if rdbw_byte(w, RDB_OPCODE_EOF) != 0:
        return -1
    if w.checksum:
        crc = rdbw_crc(w)
    _put_le64(b, crc)
    # the trailer is not part of what it checks: write it past the CRC
    if rdbw_flush(w) != 0:
        return -1
    if w.fd >= 0:
        return _write_all(w, b, 8)
    return rdbw_write(w, b, 8)


# ---- reader ------------------------------------------------------------------------------

cdef void rdbr_init(rdb_reader* r, const uchar* base, size_t size) noexcept nogil:
    r.base = base
    r.pos = 0
    r.size = size
    r.err = RDBR_OK
    r.why = NULL
    r.err_pos = 0
    r.scratch[0] = NULL
    r.scratch[1] = NULL
    r.scap[0] = 0
    r.scap[1] = 0


cdef void rdbr_release(rdb_reader* r) noexcept nogil:
    free(r.scratch[0])
    free(r.scratch[1])
    r.scratch[0] = NULL
    r.scratch[1] = NULL
    r.scap[0] = r.scap[1] = 0


cdef bint rdbr_fail(rdb_reader* r, int err, const char* why) noexcept nogil:
    """Record the first error (offset = current position). Returns False so
    callers can ``return rdbr_fail(...)``."""
    if r.err == RDBR_OK:
        r.err = err
        r.why = why
        r.err_pos = r.pos
    return False


cdef const uchar* rdbr_take(rdb_reader* r, size_t n) noexcept nogil:
    """The next n bytes (advancing), or NULL when fewer are left."""
    cdef const uchar* p
    if r.err:
        return NULL
    if r.size - r.pos < n:
        rdbr_fail(r, RDBR_TRUNCATED, b"unexpected end of data")
        return NULL
    p = r.base + r.pos
    r.pos += n
    return p


cdef int rdbr_type(rdb_reader* r) noexcept nogil:
    """One type/opcode byte, or -1."""
    cdef const uchar* p = rdbr_take(r, 1)
    if p == NULL:
        return -1
    return p[0]


cdef bint _read_len(rdb_reader* r, uint64_t* n, bint* encoded) noexcept nogil:
    """A length, or (encoded set) the special-encoding number in *n."""
    cdef const uchar* p = rdbr_take(r, 1)
    cdef int kind, i
    cdef uint64_t v
    if p == NULL:
        return False
    encoded[0] = False
    kind = p[0] >> 6
    if kind == RDB_ENCVAL:
        encoded[0] = True
        n[0] = p[0] & 0x3F
        return True
    if kind == RDB_6BITLEN:
        n[0] = p[0] & 0x3F
        return True
    if kind == RDB_14BITLEN:
        v = (<uint64_t>(p[0] & 0x3F)) << 8
        p = rdbr_take(r, 1)
        if p == NULL:
            return False
        n[0] = v | p[0]
        return True
    if p[0] == RDB_32BITLEN:
        p = rdbr_take(r, 4)
        if p == NULL:
            return False
        n[0] = (<uint64_t>p[0] << 24) | (<uint64_t>p[1] << 16) | (<uint64_t>p[2] << 8) | p[3]
        return True
    if p[0] == RDB_64BITLEN:
        p = rdbr_take(r, 8)
        if p == NULL:
            return False
        v = 0
        for i in range(8):
            v = (v << 8) | p[i]
        n[0] = v
        return True
    r.pos -= 1
    return rdbr_fail(r, RDBR_CORRUPT, b"unknown length encoding")


cdef bint rdbr_len(rdb_reader* r, uint64_t* n) noexcept nogil:
    """A plain length (a special string encoding here is corruption)."""
    cdef bint encoded
    if not _read_len(r, n, &encoded):
        return False
    if encoded:
        r.pos -= 1
        return rdbr_fail(r, RDBR_CORRUPT, b"unexpected string encoding where a length belongs")
    return True


cdef bint rdbr_millis(rdb_reader* r, int64_t* ms) noexcept nogil:
    cdef const uchar* p = rdbr_take(r, 8)
    if p == NULL:
        return False
    ms[0] = <int64_t>_get_le64(p)
    return True


cdef bint rdbr_seconds(rdb_reader* r, int64_t* ms) noexcept nogil:
    """The old EXPIRETIME (int32 LE seconds), as milliseconds."""
    cdef const uchar* p = rdbr_take(r, 4)
    if p == NULL:
        return False
    ms[0] = (<int64_t><int32_t>_get_le32(p)) * 1000
    return True


cdef bint rdbr_double(rdb_reader* r, double* d) noexcept nogil:
    cdef const uchar* p = rdbr_take(r, 8)
    cdef uint64_t u
    if p == NULL:
        return False
    u = _get_le64(p)
    memcpy(d, &u, 8)
    return True


cdef bint rdbr_string_double(rdb_reader* r, double* d) noexcept nogil:
    """The old text double: <u8 len> <len chars>; 253/254/255 = nan/+inf/-inf."""
    cdef const uchar* p = rdbr_take(r, 1)
    cdef char buf[256]
    cdef char* end
    cdef unsigned int n
    if p == NULL:
        return False
    n = p[0]
    if n == 253:
        d[0] = NAN
        return True
    if n == 254:
        d[0] = INFINITY
        return True
    if n == 255:
        d[0] = -INFINITY
        return True
    p = rdbr_take(r, n)
    if p == NULL:
        return False
    memcpy(buf, p, n)
    buf[n] = 0
    d[0] = strtod(buf, &end)
    if end == buf:
        # no number at all (Redis's sscanf("%lg") fails the same way;
        # text after a number is ignored, as sscanf ignores it)
        r.pos -= n + 1
        return rdbr_fail(r, RDBR_CORRUPT, b"invalid double value")
    return True


cdef uchar* _scratch(rdb_reader* r, int slot, size_t n) noexcept nogil:
    cdef uchar* p
    if r.scap[slot] < n:
        p = <uchar*>realloc(r.scratch[slot], n if n else 1)
        if p == NULL:
            rdbr_fail(r, RDBR_CORRUPT, b"out of memory decoding a string")
            return NULL
        r.scratch[slot] = p
        r.scap[slot] = n
    return r.scratch[slot]


cdef const uchar* _lzf_string(rdb_reader* r, uchar* out, size_t clen, size_t ulen) noexcept nogil:
    cdef const uchar* c = rdbr_take(r, clen)
    if c == NULL:
        return NULL
    if ulen == 0 or lzf_decompress(c, clen, out, ulen) != ulen:
        r.pos -= clen
        rdbr_fail(r, RDBR_CORRUPT, b"invalid LZF compressed string")
        return NULL
    return out


cdef const char* rdbr_string(rdb_reader* r, int slot, size_t* n, long long* ival,
                             bint* isint) noexcept nogil:
    """The next string: its bytes (n of them) or NULL on error. Plain bytes
    point into the input; integer and LZF forms are decoded into scratch
    ``slot`` (0 or 1). When ``isint`` is not NULL an integer form is also
    reported as its value (*isint, *ival) -- its text is still returned."""
    cdef uint64_t len, clen, ulen
    cdef bint encoded
    cdef const uchar* p
    cdef uchar* out
    cdef long long v
    cdef size_t start = r.pos
    if isint != NULL:
        isint[0] = False
    if not _read_len(r, &len, &encoded):
        return NULL
    if not encoded:
        p = rdbr_take(r, len)
        if p == NULL:
            return NULL
        n[0] = <size_t>len
        return <const char*>p
    if len == RDB_ENC_INT8:
        p = rdbr_take(r, 1)
        if p == NULL:
            return NULL
        v = <signed char>p[0]
    elif len == RDB_ENC_INT16:
        p = rdbr_take(r, 2)
        if p == NULL:
            return NULL
        v = <int16_t>(<uint16_t>p[0] | (<uint16_t>p[1] << 8))
    elif len == RDB_ENC_INT32:
        p = rdbr_take(r, 4)
        if p == NULL:
            return NULL
        v = <int32_t>_get_le32(p)
    elif len == RDB_ENC_LZF:
        if not _read_len(r, &clen, &encoded) or encoded:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"invalid LZF compressed string")
            return NULL
        if not _read_len(r, &ulen, &encoded) or encoded:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"invalid LZF compressed string")
            return NULL
        if clen > r.size - r.pos:
            rdbr_fail(r, RDBR_TRUNCATED, b"unexpected end of data")
            return NULL
        if ulen > clen * LZF_MAX_EXPANSION:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"invalid LZF compressed string")
            return NULL
        out = _scratch(r, slot, <size_t>ulen)
        if out == NULL:
            return NULL
        if _lzf_string(r, out, <size_t>clen, <size_t>ulen) == NULL:
            return NULL
        n[0] = <size_t>ulen
        return <const char*>out
    else:
        r.pos = start
        rdbr_fail(r, RDBR_CORRUPT, b"unknown string encoding")
        return NULL
    out = _scratch(r, slot, 24)
    if out == NULL:
        return NULL
    n[0] = <size_t>ll2string(<char*>out, v)
    if isint != NULL:
        isint[0] = True
        ival[0] = v
    return <const char*>out


cdef uchar* rdbr_blob(rdb_reader* r, size_t* n) noexcept nogil:
    """The next string copied into a new mem_alloc block (a listpack,
    intset, ziplist... the caller takes ownership), or NULL."""
    cdef const char* s = rdbr_string(r, 0, n, NULL, NULL)
    cdef uchar* out
    if s == NULL:
        return NULL
    out = <uchar*>mem_alloc(n[0] if n[0] else 1)
    memcpy(out, s, n[0])
    return out


cdef bint rdbr_skip_module_value(rdb_reader* r) noexcept nogil:
    """Skip a module value written with the opcode annotations (MODULE_2
    values and module AUX data), up to its EOF opcode."""
    cdef uint64_t op, v
    cdef size_t n
    while True:
        if not rdbr_len(r, &op):
            return False
        if op == RDB_MODULE_OPCODE_EOF:
            return True
        if op == RDB_MODULE_OPCODE_SINT or op == RDB_MODULE_OPCODE_UINT:
            if not rdbr_len(r, &v):
                return False
        elif op == RDB_MODULE_OPCODE_FLOAT:
            if rdbr_take(r, 4) == NULL:
                return False
        elif op == RDB_MODULE_OPCODE_DOUBLE:
            if rdbr_take(r, 8) == NULL:
                return False
        elif op == RDB_MODULE_OPCODE_STRING:
            if rdbr_string(r, 0, &n, NULL, NULL) == NULL:
                return False
        else:
            return rdbr_fail(r, RDBR_CORRUPT, b"unknown module value opcode")


# ---- ziplists ------------------------------------------------------------------------------
#
#   <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry> ... <0xFF>
#   entry: <prevlen: 1 byte < 254, or 0xFE + u32 LE> <encoding> <data>
#   encoding: 00llllll | 01llllll llllllll (BE) | 10______ <u32 BE>: a string
#             0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (LE),
#             0xF1..0xFD: the integer 0..12 itself

cdef inline int _zl_prevlen_size(const uchar* p) noexcept nogil:
    return 1 if p[0] < ZIP_BIG_PREVLEN else 5


cdef inline bint _zl_int_size(uchar b, size_t* n) noexcept nogil:
    """Data bytes of an integer encoding byte; False if b is not one."""
    if b == 0xC0:
        n[0] = 2
    elif b == 0xD0:
        n[0] = 4
    elif b == 0xE0:
        n[0] = 8
    elif b == 0xF0:
        n[0] = 3
    elif b == 0xFE:
        n[0] = 1
    elif 0xF1 <= b <= 0xFD:
        n[0] = 0
    else:
        return False
    return True


cdef size_t _zl_entry(const uchar* p, const uchar* end, size_t* prevlen,
                      zl_entry* e) noexcept nogil:
    """Decode the entry at p (not past end, the 0xFF byte): its total size,
    or 0 when it is malformed or reaches past end."""
    cdef size_t avail = end - p
    cdef size_t ps, hdr, dlen
    cdef uchar b
    cdef long long v
    cdef uint32_t u
    cdef const uchar* q
    if avail < 2:
        return 0
    if p[0] < ZIP_BIG_PREVLEN:
        ps = 1
        prevlen[0] = p[0]
    elif p[0] == ZIP_BIG_PREVLEN:
        if avail < 6:
            return 0
        ps = 5
        prevlen[0] = _get_le32(p + 1)
    else:
        return 0
    b = p[ps]
    if (b >> 6) == 0:
        hdr = 1
        dlen = b & 0x3F
    elif (b >> 6) == 1:
        if avail < ps + 2:
            return 0
        hdr = 2
        dlen = ((<size_t>(b & 0x3F)) << 8) | p[ps + 1]
    elif (b >> 6) == 2:
        if avail < ps + 5:
            return 0
        hdr = 5
        dlen = ((<size_t>p[ps + 1]) << 24) | ((<size_t>p[ps + 2]) << 16) | \
               ((<size_t>p[ps + 3]) << 8) | p[ps + 4]
    else:
        hdr = 1
        if not _zl_int_size(b, &dlen):
            return 0
        if avail - ps - hdr < dlen:
            return 0
        if e != NULL:
            q = p + ps + 1
            if b == 0xC0:
                v = <int16_t>(<uint16_t>q[0] | (<uint16_t>q[1] << 8))
            elif b == 0xD0:
                v = <int32_t>_get_le32(q)
            elif b == 0xE0:
                v = <long long>_get_le64(q)
            elif b == 0xF0:
                u = (<uint32_t>q[0] << 8) | (<uint32_t>q[1] << 16) | (<uint32_t>q[2] << 24)
                v = (<int32_t>u) >> 8
            elif b == 0xFE:
                v = <signed char>q[0]
            else:
                v = (b & 0x0F) - 1
            e.s = NULL
            e.n = 0
            e.v = v
        return ps + hdr + dlen
    if avail - ps - hdr < dlen:
        return 0
    if e != NULL:
        e.s = p + ps + hdr
        e.n = dlen
    return ps + hdr + dlen


cdef bint zl_validate(const uchar* zl, size_t size, bint pairs, unsigned long* count) noexcept nogil:
    """Whether ``size`` bytes at zl are a well-formed ziplist: header sizes,
    every entry inside the blob with a valid encoding and the previous
    entry's size as prevlen, the tail offset on the last entry, the end
    byte, and the count (even when ``pairs``). Never reads outside the
    blob. O(n)."""
    cdef uint32_t zlbytes, zltail
    cdef unsigned int zllen
    cdef const uchar* p
    cdef const uchar* end
    cdef const uchar* last = NULL
    cdef size_t prev = 0, sz, prevlen
    cdef unsigned long n = 0
    if size < ZIPLIST_HEADER + 1:
        return False
    zlbytes = _get_le32(zl)
    zltail = _get_le32(zl + 4)
    zllen = zl[8] | (zl[9] << 8)
    if zlbytes != size or zl[size - 1] != ZIP_END:
        return False
    if zltail > size - 1:
        return False
    p = zl + ZIPLIST_HEADER
    end = zl + size - 1
    while p < end:
        sz = _zl_entry(p, end, &prevlen, NULL)
        if sz == 0 or prevlen != prev:
            return False
        last = p
        prev = sz
        p += sz
        n += 1
    if p != end:
        return False
    if last == NULL:
        if zltail != ZIPLIST_HEADER:
            return False
    elif <size_t>(last - zl) != zltail:
        return False
    if zllen != 0xFFFF and zllen != n:
        return False
    if pairs and n % 2:
        return False
    count[0] = n
    return True


cdef const uchar* zl_first(const uchar* zl) noexcept nogil:
    """The first entry of a validated ziplist (or its end byte)."""
    return zl + ZIPLIST_HEADER


cdef const uchar* zl_next(const uchar* p, zl_entry* e) noexcept nogil:
    """Decode the entry at p of a *validated* ziplist into e and return the
    next entry, or NULL when p is the end byte."""
    cdef size_t prevlen, sz
    if p[0] == ZIP_END:
        return NULL
    # validated: the entry fits; give the decoder a bound that cannot fail
    sz = _zl_entry(p, p + 0x7FFFFFFF, &prevlen, e)
    return p + sz


cdef uchar* _lp_add(uchar* lp, zl_entry* e) noexcept nogil:
    if e.s == NULL:
        return lp_append_int(lp, e.v)
    return lp_append(lp, <const char*>e.s, e.n)


cdef uchar* zl_to_listpack(const uchar* zl, size_t size, bint pairs) noexcept nogil:
    """Validate a ziplist and rebuild its entries as a new listpack (owned
    by the caller). With ``pairs`` (hash / zset ziplists) the count must be
    even and the first entry of each pair unique. NULL when invalid."""
    cdef unsigned long count
    cdef const uchar* p
    cdef zl_entry e
    cdef uchar* lp
    cdef dict_t* seen = NULL
    cdef unsigned long i = 0
    cdef bint existed
    cdef char buf[24]
    cdef int bl
    if not zl_validate(zl, size, pairs, &count):
        return NULL
    if not lp_safe_to_add(NULL, size):
        return NULL
    lp = lp_new(0)
    if pairs:
        seen = dict_create(NULL)
    p = zl_first(zl)
    while True:
        p = zl_next(p, &e)
        if p == NULL:
            break
        if pairs and i % 2 == 0:
            if e.s == NULL:
                bl = ll2string(buf, e.v)
                dict_add_or_find(seen, buf, bl, &existed)
            else:
                dict_add_or_find(seen, <const char*>e.s, e.n, &existed)
            if existed:
                dict_release(seen)
                lp_free(lp)
                return NULL
        lp = _lp_add(lp, &e)
        i += 1
    if seen != NULL:
        dict_release(seen)
    return lp


# ---- zipmaps (hashes written by Redis < 2.6) ----------------------------------------------
#
#   <zmlen u8> (<len> field <len> <free u8> value <free bytes>)* <0xFF>
#   len: one byte < 254, or 254 + u32 LE

cdef inline bint _zm_len(const uchar* p, const uchar* end, size_t* n, size_t* hdr) noexcept nogil:
    if p >= end:
        return False
    if p[0] < 254:
        n[0] = p[0]
        hdr[0] = 1
        return True
    if p[0] == 254 and end - p >= 5:
        n[0] = _get_le32(p + 1)
        hdr[0] = 5
        return True
    return False


cdef uchar* zipmap_to_listpack(const uchar* zm, size_t size, size_t* maxlen) noexcept nogil:
    """Validate a zipmap and rebuild it as a field/value listpack (owned by
    the caller); ``maxlen`` receives the longest field or value. NULL when
    the zipmap is malformed, empty, has duplicate fields or would not fit a
    listpack."""
    cdef const uchar* p
    cdef const uchar* end
    cdef const uchar* f
    cdef const uchar* v
    cdef size_t flen, vlen, hdr, freeb
    cdef unsigned int count = 0
    cdef uchar* lp
    cdef dict_t* seen
    cdef bint existed
    if size < 2 or zm[size - 1] != ZIP_END:
        return NULL
    end = zm + size - 1            # the end byte
    p = zm + 1
    lp = lp_new(0)
    seen = dict_create(NULL)
    maxlen[0] = 0
    while p < end:
        if not _zm_len(p, end, &flen, &hdr):
            break
        p += hdr
        if <size_t>(end - p) < flen:
            break
        f = p
        p += flen
        if not _zm_len(p, end, &vlen, &hdr):
            break
        p += hdr
        if p >= end:
            break
        freeb = p[0]
        p += 1
        if <size_t>(end - p) < vlen + freeb:
            break
        v = p
        p += vlen + freeb
        dict_add_or_find(seen, <const char*>f, flen, &existed)
        if existed or not lp_safe_to_add(lp, flen + vlen):
            break
        if flen > maxlen[0]:
            maxlen[0] = flen
        if vlen > maxlen[0]:
            maxlen[0] = vlen
        lp = lp_append(lp, <const char*>f, flen)
        lp = lp_append(lp, <const char*>v, vlen)
        count += 1
    dict_release(seen)
    if p != end or count == 0 or (zm[0] != 254 and zm[0] != count):
        lp_free(lp)
        return NULL
    return lp


cdef bint lp_pairs_unique(uchar* lp) noexcept nogil:
    """Whether the keys of a (validated) pairs listpack -- entries 0, 2, 4
    ... -- are distinct (sanitize-dump-payload's duplicate check)."""
    cdef dict_t* seen = dict_create(NULL)
    cdef uchar* p = lp_first(lp)
    cdef const char* s
    cdef size_t n
    cdef long long v
    cdef char buf[24]
    cdef bint existed = False
    while p != NULL:
        s = lp_get(p, &n, &v)
        if s == NULL:
            n = ll2string(buf, v)
            s = buf
        dict_add_or_find(seen, s, n, &existed)
        if existed:
            break
        p = lp_next(lp, p)
        if p != NULL:
            p = lp_next(lp, p)
    dict_release(seen)
    return not existed


# ---- Python API (tests and tools) ------------------------------------------------------

def encode_len(uint64_t n):
    cdef rdb_writer w
    rdbw_init_mem(&w, False)
    rdbw_len(&w, n)
    out = (<char*>w.buf)[:w.len]
    rdbw_release(&w)
    return out


def encode_string(bytes s, bint compress=True):
    """rdbSaveRawString's bytes for s."""
    cdef rdb_writer w
    rdbw_init_mem(&w, compress)
    rdbw_string(&w, s, len(s))
    out = (<char*>w.buf)[:w.len]
    rdbw_release(&w)
    return out


def encode_ll(long long v):
    cdef rdb_writer w
    rdbw_init_mem(&w, False)
    rdbw_ll(&w, v)
    out = (<char*>w.buf)[:w.len]
    rdbw_release(&w)
    return out


def encode_double(double d):
    cdef rdb_writer w
    rdbw_init_mem(&w, False)
    rdbw_double(&w, d)
    out = (<char*>w.buf)[:w.len]
    rdbw_release(&w)
    return out


class DecodeError(ValueError):
    pass


cdef object _reader_error(rdb_reader* r):
    return DecodeError("%s at offset %d" % ((<bytes>r.why).decode(), r.err_pos))


def decode_len(bytes data):
    """(length, bytes consumed)."""
    cdef rdb_reader r
    cdef uint64_t n
    rdbr_init(&r, <const uchar*><const char*>data, len(data))
    if not rdbr_len(&r, &n):
        raise _reader_error(&r)
    return n, r.pos


def decode_string(bytes data):
    """(string bytes, bytes consumed, int value or None)."""
    cdef rdb_reader r
    cdef size_t n
    cdef long long v = 0
    cdef bint isint
    cdef const char* s
    rdbr_init(&r, <const uchar*><const char*>data, len(data))
    s = rdbr_string(&r, 0, &n, &v, &isint)
    try:
        if s == NULL:
            raise _reader_error(&r)
        return s[:n], r.pos, (v if isint else None)
    finally:
        rdbr_release(&r)


def decode_double(bytes data):
    cdef rdb_reader r
    cdef double d
    rdbr_init(&r, <const uchar*><const char*>data, len(data))
    if not rdbr_double(&r, &d):
        raise _reader_error(&r)
    return d


def decode_string_double(bytes data):
    cdef rdb_reader r
    cdef double d
    rdbr_init(&r, <const uchar*><const char*>data, len(data))
    if not rdbr_string_double(&r, &d):
        raise _reader_error(&r)
    return d


def ziplist_entries(bytes zl, bint pairs=False):
    """The entries of a ziplist (bytes or int), or None when invalid."""
    cdef unsigned long count
    cdef const uchar* p
    cdef zl_entry e
    cdef list out = []
    if not zl_validate(<const uchar*><const char*>zl, len(zl), pairs, &count):
        return None
    p = zl_first(<const uchar*><const char*>zl)
    while True:
        p = zl_next(p, &e)
        if p == NULL:
            break
        out.append(e.v if e.s == NULL else (<const char*>e.s)[:e.n])
    return out


def ziplist_to_listpack(bytes zl, bint pairs=False):
    """The listpack bytes rebuilt from a ziplist, or None when invalid."""
    cdef uchar* lp = zl_to_listpack(<const uchar*><const char*>zl, len(zl), pairs)
    if lp == NULL:
        return None
    out = (<char*>lp)[:lp_bytes(lp)]
    lp_free(lp)
    return out


def zipmap_to_listpack_bytes(bytes zm):
    cdef size_t maxlen
    cdef uchar* lp = zipmap_to_listpack(<const uchar*><const char*>zm, len(zm), &maxlen)
    if lp == NULL:
        return None
    out = (<char*>lp)[:lp_bytes(lp)]
    lp_free(lp)
    return out, maxlen
