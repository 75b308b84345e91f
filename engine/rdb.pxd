# RDB byte encoding (Redis 7.0, RDB version 10): the buffered writer and the
# bounds-checked reader every RDB user shares (SAVE/BGSAVE, loading, DUMP,
# RESTORE, and later the AOF preamble and replication), plus validation and
# conversion of the legacy blobs (ziplist, zipmap). Design and the byte
# layout at the top of rdb.pyx. Object-level code lives in pyengine/rdb.pyx.

from libc.stdint cimport uint8_t, uint64_t, int64_t
from libc.string cimport memcpy
from engine.listpack cimport uchar

cdef enum:
    RDB_VERSION = 10

    # length prefixes: the top two bits of the first byte
    RDB_6BITLEN = 0
    RDB_14BITLEN = 1
    RDB_32BITLEN = 0x80
    RDB_64BITLEN = 0x81
    RDB_ENCVAL = 3
    # special string encodings (RDB_ENCVAL << 6 | enc)
    RDB_ENC_INT8 = 0
    RDB_ENC_INT16 = 1
    RDB_ENC_INT32 = 2
    RDB_ENC_LZF = 3

    # value types
    RDB_TYPE_STRING = 0
    RDB_TYPE_LIST = 1
    RDB_TYPE_SET = 2
    RDB_TYPE_ZSET = 3
    RDB_TYPE_HASH = 4
    RDB_TYPE_ZSET_2 = 5
    RDB_TYPE_MODULE = 6
    RDB_TYPE_MODULE_2 = 7
    RDB_TYPE_HASH_ZIPMAP = 9
    RDB_TYPE_LIST_ZIPLIST = 10
    RDB_TYPE_SET_INTSET = 11
    RDB_TYPE_ZSET_ZIPLIST = 12
    RDB_TYPE_HASH_ZIPLIST = 13
    RDB_TYPE_LIST_QUICKLIST = 14
    RDB_TYPE_STREAM_LISTPACKS = 15
    RDB_TYPE_HASH_LISTPACK = 16
    RDB_TYPE_ZSET_LISTPACK = 17
    RDB_TYPE_LIST_QUICKLIST_2 = 18
    RDB_TYPE_STREAM_LISTPACKS_2 = 19

    # opcodes (in the type position)
    RDB_OPCODE_FUNCTION2 = 245
    RDB_OPCODE_FUNCTION = 246
    RDB_OPCODE_MODULE_AUX = 247
    RDB_OPCODE_IDLE = 248
    RDB_OPCODE_FREQ = 249
    RDB_OPCODE_AUX = 250
    RDB_OPCODE_RESIZEDB = 251
    RDB_OPCODE_EXPIRETIME_MS = 252
    RDB_OPCODE_EXPIRETIME = 253
    RDB_OPCODE_SELECTDB = 254
    RDB_OPCODE_EOF = 255

    # module value opcodes
    RDB_MODULE_OPCODE_EOF = 0
    RDB_MODULE_OPCODE_SINT = 1
    RDB_MODULE_OPCODE_UINT = 2
    RDB_MODULE_OPCODE_FLOAT = 3
    RDB_MODULE_OPCODE_DOUBLE = 4
    RDB_MODULE_OPCODE_STRING = 5

    # quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2)
    RDB_QL_PLAIN = 1
    RDB_QL_PACKED = 2

    # reader status (rdb_reader.err)
    RDBR_OK = 0
    RDBR_TRUNCATED = 1           # the input ended inside an item
    RDBR_CORRUPT = 2             # an item is malformed

    RDBW_BUFSIZE = 1 << 20       # writer buffer before a flush to the file
    RDBW_AUTOSYNC = 4 << 20      # rdb-save-incremental-fsync step (Redis's 4 MB)


# ---- writer ------------------------------------------------------------------------------

ctypedef struct rdb_writer:
    uchar* buf                   # pending bytes (plain malloc: transient, not data)
    size_t len
    size_t cap
    int fd                       # >= 0: flushed to this file; -1: grows in memory
    uint64_t crc                 # CRC-64 of the bytes already flushed
    unsigned long long flushed   # bytes already written to fd
    int err                      # errno of the first failure (sticky); 0 = fine
    bint compress                # rdbcompression: LZF strings longer than 20 bytes
    bint checksum                # rdbchecksum: track the CRC (else the trailer is 0)
    size_t autosync              # fdatasync every this many bytes (0 = never)
    size_t unsynced
    uchar* zbuf                  # LZF output scratch
    size_t zcap

cdef int rdbw_init_fd(rdb_writer* w, int fd, bint compress, bint checksum,
                      size_t autosync) noexcept nogil
cdef int rdbw_init_mem(rdb_writer* w, bint compress) noexcept nogil
cdef void rdbw_release(rdb_writer* w) noexcept nogil
cdef int _rdbw_write_slow(rdb_writer* w, const void* p, size_t n) noexcept nogil
cdef int rdbw_flush(rdb_writer* w) noexcept nogil
cdef uint64_t rdbw_crc(rdb_writer* w) noexcept nogil
cdef unsigned long long rdbw_total(rdb_writer* w) noexcept nogil
cdef int rdbw_len(rdb_writer* w, uint64_t n) noexcept nogil
cdef int rdbw_millis(rdb_writer* w, int64_t ms) noexcept nogil
cdef int rdbw_double(rdb_writer* w, double d) noexcept nogil
cdef int rdbw_string(rdb_writer* w, const char* s, size_t n) noexcept nogil
cdef int rdbw_ll(rdb_writer* w, long long v) noexcept nogil
cdef int rdbw_lzf_blob(rdb_writer* w, const void* data, size_t clen, size_t ulen) noexcept nogil
cdef int rdbw_aux(rdb_writer* w, const char* k, size_t kn, const char* v, size_t vn) noexcept nogil
cdef int rdbw_finish_file(rdb_writer* w) noexcept nogil
cdef size_t rdb_len_size(uint64_t n) noexcept nogil
cdef int rdb_encode_integer(long long v, uchar* enc) noexcept nogil


cdef inline int rdbw_write(rdb_writer* w, const void* p, size_t n) noexcept nogil:
    """Append n bytes. 0, or -1 once the writer has failed (w.err set)."""
    if w.len + n <= w.cap:
        memcpy(w.buf + w.len, p, n)
        w.len += n
        return 0
    return _rdbw_write_slow(w, p, n)


cdef inline int rdbw_byte(rdb_writer* w, int b) noexcept nogil:
    """Append one byte (a type or opcode)."""
    cdef uchar c = <uchar>b
    if w.len < w.cap:
        w.buf[w.len] = c
        w.len += 1
        return 0
    return _rdbw_write_slow(w, &c, 1)


# ---- reader ------------------------------------------------------------------------------

ctypedef struct rdb_reader:
    const uchar* base            # the input (a file mapping or a payload); not owned
    size_t pos
    size_t size
    int err                      # RDBR_*; the first error wins
    const char* why              # static description of the error
    size_t err_pos               # offset where the failing item started
    uchar* scratch[2]            # decoded strings (LZF, integers): two slots so a
    size_t scap[2]               # field and its value can be held at once

cdef void rdbr_init(rdb_reader* r, const uchar* base, size_t size) noexcept nogil
cdef void rdbr_release(rdb_reader* r) noexcept nogil
cdef bint rdbr_fail(rdb_reader* r, int err, const char* why) noexcept nogil
cdef const uchar* rdbr_take(rdb_reader* r, size_t n) noexcept nogil
cdef int rdbr_type(rdb_reader* r) noexcept nogil
cdef bint rdbr_len(rdb_reader* r, uint64_t* n) noexcept nogil
cdef bint rdbr_millis(rdb_reader* r, int64_t* ms) noexcept nogil
cdef bint rdbr_seconds(rdb_reader* r, int64_t* ms) noexcept nogil
cdef bint rdbr_double(rdb_reader* r, double* d) noexcept nogil
cdef bint rdbr_string_double(rdb_reader* r, double* d) noexcept nogil
cdef const char* rdbr_string(rdb_reader* r, int slot, size_t* n, long long* ival,
                             bint* isint) noexcept nogil
cdef uchar* rdbr_blob(rdb_reader* r, size_t* n) noexcept nogil
cdef bint rdbr_skip_module_value(rdb_reader* r) noexcept nogil


# ---- legacy blobs --------------------------------------------------------------------------

ctypedef struct zl_entry:
    const uchar* s               # string bytes, or NULL for an integer
    size_t n
    long long v

cdef bint zl_validate(const uchar* zl, size_t size, bint pairs, unsigned long* count) noexcept nogil
cdef const uchar* zl_first(const uchar* zl) noexcept nogil
cdef const uchar* zl_next(const uchar* p, zl_entry* e) noexcept nogil
cdef uchar* zl_to_listpack(const uchar* zl, size_t size, bint pairs) noexcept nogil
cdef uchar* zipmap_to_listpack(const uchar* zm, size_t size, size_t* maxlen) noexcept nogil
cdef bint lp_pairs_unique(uchar* lp) noexcept nogil
