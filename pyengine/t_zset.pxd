# Sorted set commands and the encoding-agnostic sorted set API (zset_*).
# Design at the top of t_zset.pyx.

from engine.object cimport robj
from engine.listpack cimport uchar
from engine.zset cimport zslnode, zrangespec, zlexrangespec
from pyengine.core cimport Server

# zset_add flags (Redis's ZADD_IN_* / ZADD_OUT_*)
cdef enum:
    ZADD_IN_NONE = 0
    ZADD_IN_INCR = 1 << 0
    ZADD_IN_NX = 1 << 1
    ZADD_IN_XX = 1 << 2
    ZADD_IN_GT = 1 << 3
    ZADD_IN_LT = 1 << 4
    ZADD_OUT_NOP = 1 << 0
    ZADD_OUT_NAN = 1 << 1
    ZADD_OUT_ADDED = 1 << 2
    ZADD_OUT_UPDATED = 1 << 3

# A position in a sorted set, whatever its encoding. Exactly one of
# ``node`` / ``eptr`` is used (the other stays NULL); both NULL past the end.
ctypedef struct zcursor:
    robj* o
    zslnode* node               # skiplist: the current node
    uchar* eptr                 # listpack: the member entry ...
    uchar* sptr                 # ... and its score entry
    char buf[24]                # room for an integer member formatted as text

cdef robj* zset_new_skiplist() noexcept nogil
cdef robj* zset_new_listpack() noexcept nogil
cdef robj* zset_from_listpack(uchar* lp) noexcept nogil
cdef robj* zset_new_for(Server srv, size_t size_hint, size_t maxelelen) noexcept
cdef void zset_convert_to_skiplist(robj* o) noexcept nogil
cdef void zset_convert_to_listpack(robj* o) noexcept nogil
cdef void zset_convert_to_listpack_if_needed(Server srv, robj* o, size_t maxelelen,
                                             size_t totelelen) noexcept
cdef unsigned long zset_length(robj* o) noexcept nogil
cdef bint zset_score(robj* o, const char* m, size_t n, double* score) noexcept nogil
cdef bint zset_add(Server srv, robj* o, double score, const char* m, size_t n, int in_flags,
                   int* out_flags, double* newscore) noexcept
cdef bint zset_del(robj* o, const char* m, size_t n) noexcept nogil
cdef long long zset_rank(robj* o, const char* m, size_t n, bint reverse) noexcept nogil
cdef unsigned long zset_count_in_range(robj* o, zrangespec* r) noexcept nogil
cdef unsigned long zset_count_in_lex_range(robj* o, zlexrangespec* r) noexcept nogil
cdef bint zcur_at_rank(zcursor* cur, robj* o, unsigned long rank, bint reverse) noexcept nogil
cdef bint zcur_first_in_range(zcursor* cur, robj* o, zrangespec* r, bint reverse) noexcept nogil
cdef bint zcur_first_in_lex_range(zcursor* cur, robj* o, zlexrangespec* r,
                                  bint reverse) noexcept nogil
cdef void zcur_next(zcursor* cur, bint reverse) noexcept nogil
cdef const char* zcur_member(zcursor* cur, size_t* n) noexcept nogil
cdef double zcur_score(zcursor* cur) noexcept nogil

cdef inline bint zcur_valid(zcursor* cur) noexcept nogil:
    return cur.node != NULL or cur.eptr != NULL


