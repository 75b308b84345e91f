# RESP: growable byte buffers, the reply encoder (RESP2 and RESP3) and the
# incremental request parser (multibulk and inline). Design in resp.pyx.

from engine._mem cimport mem_realloc, mem_free
from libc.string cimport memcpy

cdef extern from "pe_resp.h" nogil:
    int pe_u64_digits(unsigned long long v)
    int pe_fmt_u64(char* dst, unsigned long long v)
    int pe_fmt_i64(char* dst, long long v)


# ---- rbuf: a growable byte buffer --------------------------------------------

ctypedef struct rbuf:
    char* data
    size_t len
    size_t cap

cdef void rbuf_grow(rbuf* b, size_t need) noexcept nogil
cdef void rbuf_free(rbuf* b) noexcept nogil
cdef void rbuf_consume(rbuf* b, size_t n) noexcept nogil
cdef void rbuf_insert(rbuf* b, size_t at, const char* p, size_t n) noexcept nogil
cdef void rbuf_shrink(rbuf* b, size_t keep_cap) noexcept nogil
cdef void rbuf_fit(rbuf* b) noexcept nogil

cdef inline void rbuf_reserve(rbuf* b, size_t extra) noexcept nogil:
    if b.len + extra > b.cap:
        rbuf_grow(b, b.len + extra)

cdef inline void rbuf_append(rbuf* b, const char* p, size_t n) noexcept nogil:
    if b.len + n > b.cap:
        rbuf_grow(b, b.len + n)
    memcpy(b.data + b.len, p, n)
    b.len += n

cdef inline void rbuf_putc(rbuf* b, char ch) noexcept nogil:
    if b.len + 1 > b.cap:
        rbuf_grow(b, b.len + 1)
    b.data[b.len] = ch
    b.len += 1


# ---- reply encoder -----------------------------------------------------------
# Every function appends one complete RESP element (or an aggregate header)
# to ``b``. ``proto`` is 2 or 3 where the two protocols differ.

cdef inline void resp_crlf(rbuf* b) noexcept nogil:
    b.data[b.len] = 13
    b.data[b.len + 1] = 10
    b.len += 2

cdef inline void resp_header(rbuf* b, char prefix, long long n) noexcept nogil:
    """<prefix><n>\\r\\n (aggregate and bulk headers, integers)."""
    rbuf_reserve(b, 24)
    b.data[b.len] = prefix
    b.len += 1 + pe_fmt_i64(b.data + b.len + 1, n)
    resp_crlf(b)

cdef inline void resp_simple(rbuf* b, const char* s, size_t n) noexcept nogil:
    rbuf_reserve(b, n + 3)
    b.data[b.len] = c'+'
    memcpy(b.data + b.len + 1, s, n)
    b.len += n + 1
    resp_crlf(b)

cdef inline void resp_int(rbuf* b, long long v) noexcept nogil:
    resp_header(b, c':', v)

cdef inline void resp_bulk(rbuf* b, const char* s, size_t n) noexcept nogil:
    rbuf_reserve(b, n + 24 + 2)
    b.data[b.len] = c'$'
    b.len += 1 + pe_fmt_u64(b.data + b.len + 1, n)
    resp_crlf(b)
    memcpy(b.data + b.len, s, n)
    b.len += n
    resp_crlf(b)

cdef inline void resp_bulk_ll(rbuf* b, long long v) noexcept nogil:
    """A bulk string holding the decimal text of v."""
    cdef char tmp[24]
    cdef int n = pe_fmt_i64(tmp, v)
    resp_bulk(b, tmp, n)

cdef inline void resp_null(rbuf* b, int proto) noexcept nogil:
    if proto == 3:
        rbuf_append(b, b"_\r\n", 3)
    else:
        rbuf_append(b, b"$-1\r\n", 5)

cdef inline void resp_null_array(rbuf* b, int proto) noexcept nogil:
    if proto == 3:
        rbuf_append(b, b"_\r\n", 3)
    else:
        rbuf_append(b, b"*-1\r\n", 5)

cdef inline void resp_array(rbuf* b, long long n) noexcept nogil:
    resp_header(b, c'*', n)

cdef inline void resp_map(rbuf* b, long long n, int proto) noexcept nogil:
    if proto == 3:
        resp_header(b, c'%', n)
    else:
        resp_header(b, c'*', n * 2)

cdef inline void resp_set(rbuf* b, long long n, int proto) noexcept nogil:
    resp_header(b, c'~' if proto == 3 else c'*', n)

cdef inline void resp_push(rbuf* b, long long n, int proto) noexcept nogil:
    resp_header(b, c'>' if proto == 3 else c'*', n)

cdef void resp_error(rbuf* b, const char* s, size_t n) noexcept nogil
cdef void resp_double(rbuf* b, double d, int proto) noexcept nogil
cdef void resp_bool(rbuf* b, bint v, int proto) noexcept nogil
cdef void resp_bignum(rbuf* b, const char* s, size_t n, int proto) noexcept nogil
cdef void resp_verbatim(rbuf* b, const char* s, size_t n, const char* ext, int proto) noexcept nogil
cdef void resp_attribute(rbuf* b, long long n) noexcept nogil


# ---- request parser ----------------------------------------------------------

cdef enum:
    REQ_NONE = 0
    REQ_INLINE = 1
    REQ_MULTIBULK = 2

cdef enum:
    PARSE_NEED_MORE = 0
    PARSE_OK = 1
    PARSE_ERROR = 2

cdef enum:
    PROTO_INLINE_MAX_SIZE = 65536
    PROTO_MBULK_BIG_ARG = 32768

ctypedef struct reqparser:
    int reqtype
    long multibulklen           # arguments still to read (multibulk)
    long long bulklen           # length of the bulk being read, -1 if unknown
    size_t scanned              # bytes of the current header/inline line already
                                # searched for its terminator (relative to its start)
    int argc
    int argv_cap
    size_t* argv_off            # offsets of the arguments ...
    size_t* argv_len
    bint args_inline            # ... into the query buffer, or into inline_args
    rbuf inline_args            # unescaped inline arguments, NUL separated
    long long proto_max_bulk_len
    bint unauthenticated        # Redis's stricter limits before AUTH
    const char* error           # protocol error text when PARSE_ERROR
    char error_char             # the byte for "expected '$', got '%c'"
    const char* log_reason      # the short reason Redis logs

cdef void reqparser_init(reqparser* p) noexcept nogil
cdef void reqparser_free(reqparser* p) noexcept nogil
cdef void reqparser_reset(reqparser* p) noexcept nogil
cdef void reqparser_shift(reqparser* p, size_t drop) noexcept nogil
cdef int resp_parse_request(reqparser* p, const char* buf, size_t buflen, size_t* pos) noexcept nogil
cdef int resp_format_parse_error(reqparser* p, char* out, size_t outlen) noexcept nogil
