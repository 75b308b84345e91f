# Sorted sets in the "skiplist" encoding (a skiplist plus a member -> score
# dict). Design, invariants and costs at the top of zset.pyx. Prefixes:
# zsl_* the skiplist alone, zs_* the dict + skiplist pair.

from libc.string cimport memcmp
from engine.dict cimport dict_t, pe_entry

cdef extern from "pe_zset.h" nogil:
    cdef struct pe_zslnode
    cdef struct pe_zsllevel:
        pe_zslnode* forward
        unsigned long span
    cdef struct pe_zslnode:
        pe_entry* ent
        double score
        pe_zslnode* backward
        pe_zsllevel level[1]
    size_t ZSL_NODE_SIZE "PE_ZSLNODE_SIZE"(int lvl)
    int ZSL_MAXLEVEL "PE_ZSL_MAXLEVEL"

ctypedef pe_zslnode zslnode

ctypedef struct zskiplist:
    zslnode* header             # sentinel with ZSL_MAXLEVEL levels, ent NULL
    zslnode* tail               # last node, NULL when empty
    unsigned long length
    int level                   # levels in use (1..32)

ctypedef struct zset_t:
    dict_t* dict                # member -> score (entry.v.d); owns the member bytes
    zskiplist zsl               # nodes point at the dict entries

# A score interval; minex/maxex make a bound exclusive.
ctypedef struct zrangespec:
    double min
    double max
    bint minex
    bint maxex

# A lex interval over member bytes. A bound is a byte string (borrowed,
# e.g. from argv) or one of the infinities "-" / "+".
cdef enum:
    LEX_STR = 0
    LEX_NEG_INF = 1             # "-": below every string
    LEX_POS_INF = 2             # "+": above every string

ctypedef struct zlexrangespec:
    const char* min
    size_t minlen
    int minkind
    bint minex
    const char* max
    size_t maxlen
    int maxkind
    bint maxex

# ---- skiplist --------------------------------------------------------------------
cdef void zsl_init(zskiplist* zsl) noexcept nogil
cdef void zsl_release(zskiplist* zsl) noexcept nogil
cdef int zsl_random_level() noexcept nogil
cdef zslnode* zsl_insert(zskiplist* zsl, double score, pe_entry* ent) noexcept nogil
cdef zslnode* zsl_delete(zskiplist* zsl, double score, const char* m, size_t n) noexcept nogil
cdef zslnode* zsl_update_score(zskiplist* zsl, double curscore, const char* m, size_t n,
                               double newscore) noexcept nogil
cdef unsigned long zsl_get_rank(zskiplist* zsl, double score, const char* m, size_t n) noexcept nogil
cdef zslnode* zsl_get_by_rank(zskiplist* zsl, unsigned long rank) noexcept nogil
cdef bint zsl_is_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil
cdef zslnode* zsl_first_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil
cdef zslnode* zsl_last_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil
cdef bint zsl_is_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil
cdef zslnode* zsl_first_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil
cdef zslnode* zsl_last_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil
cdef bint zsl_parse_range(const char* min, size_t minlen, const char* max, size_t maxlen,
                          zrangespec* spec) noexcept nogil
cdef bint zsl_parse_lex_range(const char* min, size_t minlen, const char* max, size_t maxlen,
                              zlexrangespec* spec) noexcept nogil
cdef bint zsl_lex_gte_min(const char* m, size_t n, zlexrangespec* r) noexcept nogil
cdef bint zsl_lex_lte_max(const char* m, size_t n, zlexrangespec* r) noexcept nogil
cdef bint zsl_lex_range_is_empty(zlexrangespec* r) noexcept nogil

# ---- dict + skiplist ---------------------------------------------------------------
cdef zset_t* zs_create() noexcept nogil
cdef void zs_release(zset_t* zs) noexcept nogil
cdef zset_t* zs_dup(zset_t* zs) noexcept nogil
cdef size_t zs_mem_usage(zset_t* zs) noexcept nogil
cdef zslnode* zs_insert(zset_t* zs, const char* m, size_t n, double score) noexcept nogil
cdef pe_entry* zs_find_or_add(zset_t* zs, const char* m, size_t n, double score,
                              bint* added) noexcept nogil
cdef void zs_update_score(zset_t* zs, pe_entry* e, double newscore) noexcept nogil
cdef bint zs_delete(zset_t* zs, const char* m, size_t n) noexcept nogil
cdef unsigned long zs_rank(zset_t* zs, pe_entry* e) noexcept nogil
cdef unsigned long zs_delete_range_by_score(zset_t* zs, zrangespec* r) noexcept nogil
cdef unsigned long zs_delete_range_by_lex(zset_t* zs, zlexrangespec* r) noexcept nogil
cdef unsigned long zs_delete_range_by_rank(zset_t* zs, unsigned long start,
                                           unsigned long end) noexcept nogil
cdef pe_entry* zs_acc_add(zset_t* zs, const char* m, size_t n, bint* existed) noexcept nogil
cdef void zs_acc_index(zset_t* zs) noexcept nogil
cdef void zs_shrink_if_needed(zset_t* zs) noexcept nogil


cdef inline int zsl_cmp_member(pe_entry* e, const char* m, size_t n) noexcept nogil:
    """Order of a member against bytes m[:n]: memcmp, then the shorter first."""
    cdef size_t l = e.klen if e.klen < n else n
    cdef int r = memcmp(e.key, m, l)
    if r != 0:
        return r
    return (e.klen > n) - (e.klen < n)

cdef inline bint zsl_value_gte_min(double v, zrangespec* r) noexcept nogil:
    return v > r.min if r.minex else v >= r.min

cdef inline bint zsl_value_lte_max(double v, zrangespec* r) noexcept nogil:
    return v < r.max if r.maxex else v <= r.max

cdef inline bint zsl_range_is_empty(zrangespec* r) noexcept nogil:
    """The score range holds no value at all (min > max, or equal with an
    exclusive bound)."""
    return r.min > r.max or (r.min == r.max and (r.minex or r.maxex))

cdef inline unsigned long zs_length(zset_t* zs) noexcept nogil:
    return zs.zsl.length
