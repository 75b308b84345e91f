# The engine's chained hash table (keyspace, expires, and later hash/set/zset
# tables). Design and invariants at the top of dict.pyx.

from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t

cdef extern from "pe_dict.h" nogil:
    ctypedef union pe_val:
        void* ptr
        int64_t s64
        uint64_t u64
        double d

    ctypedef struct pe_entry:
        pe_entry* next
        pe_val v
        uint32_t klen
        char key[1]

    size_t PE_ENTRY_HEADER
    uint64_t pe_siphash(const uint8_t* data, size_t n, const uint8_t* k)
    uint64_t pe_rev64(uint64_t v)
    uint64_t pe_xorshift(uint64_t* state)

ctypedef void (*entry_free_fn)(pe_entry* e) noexcept nogil
ctypedef void (*scan_fn)(void* privdata, pe_entry* e) noexcept

ctypedef struct dict_t:
    pe_entry** table[2]
    unsigned long size[2]       # buckets, 0 or a power of two
    unsigned long used[2]       # entries
    long rehashidx              # -1 when not rehashing
    int pauserehash             # > 0 while safe iterators / scans run
    entry_free_fn free_entry    # called on every entry the dict frees (may be NULL)

ctypedef struct dict_iter:
    dict_t* d
    int tbl
    long index
    pe_entry* entry
    pe_entry* next_entry
    bint started

cdef dict_t* dict_create(entry_free_fn free_entry) noexcept nogil
cdef void dict_release(dict_t* d) noexcept nogil
cdef void dict_empty(dict_t* d) noexcept nogil
cdef uint64_t dict_hash(const char* key, size_t klen) noexcept nogil
cdef pe_entry* dict_find(dict_t* d, const char* key, size_t klen) noexcept nogil
cdef pe_entry* dict_add_or_find(dict_t* d, const char* key, size_t klen, bint* existed) noexcept nogil
cdef pe_entry* dict_unlink(dict_t* d, const char* key, size_t klen) noexcept nogil
cdef bint dict_delete(dict_t* d, const char* key, size_t klen) noexcept nogil
cdef void dict_free_entry(dict_t* d, pe_entry* e) noexcept nogil
cdef pe_entry* dict_random(dict_t* d) noexcept nogil
cdef pe_entry* dict_fair_random(dict_t* d) noexcept nogil
cdef unsigned long dict_scan(dict_t* d, unsigned long cursor, scan_fn fn, void* privdata) noexcept
cdef bint dict_rehash(dict_t* d, int n) noexcept nogil
cdef int dict_rehash_ms(dict_t* d, int ms) noexcept nogil
cdef bint dict_expand(dict_t* d, unsigned long size) noexcept nogil
cdef bint dict_needs_shrink(dict_t* d) noexcept nogil
cdef bint dict_shrink(dict_t* d) noexcept nogil
cdef void dict_iter_init(dict_iter* it, dict_t* d) noexcept nogil
cdef pe_entry* dict_iter_next(dict_iter* it) noexcept nogil
cdef void dict_iter_release(dict_iter* it) noexcept nogil
cdef void dict_set_seed(const char* seed16) noexcept nogil
cdef enum:
    DICT_RESIZE_ENABLE = 0       # grow at load factor 1, shrink, rehash
    DICT_RESIZE_AVOID = 1        # a fork child is saving: see dict.pyx
    DICT_RESIZE_FORBID = 2       # in the fork child: no growth, no rehash
cdef void dict_set_resize_policy(int policy) noexcept nogil
cdef uint64_t engine_random() noexcept nogil
cdef size_t dict_mem_overhead(dict_t* d) noexcept nogil

cdef inline size_t dict_size(dict_t* d) noexcept nogil:
    return d.used[0] + d.used[1]

cdef inline bint dict_is_rehashing(dict_t* d) noexcept nogil:
    return d.rehashidx != -1

cdef inline size_t dict_buckets(dict_t* d) noexcept nogil:
    return d.size[0] + d.size[1]
