# rax: a radix tree of byte-string keys with a pointer value each, ordered
# by memcmp. Streams index their listpack nodes and pending entries with it,
# consumer groups their groups and consumers. Design at the top of rax.pyx.

from libc.stdint cimport uint32_t, uint64_t

ctypedef unsigned char uchar

cdef enum:
    RAX_NODE_MAX_SIZE = (1 << 29) - 1   # longest compressed run (Redis's bound)
    RAX_STACK_STATIC = 32
    RAX_ITER_STATIC_KEY = 128

# rax_seek operations
cdef enum:
    RAX_SEEK_FIRST = 0      # "^": the smallest key
    RAX_SEEK_LAST = 1       # "$": the greatest key
    RAX_SEEK_GE = 2
    RAX_SEEK_GT = 3
    RAX_SEEK_LE = 4
    RAX_SEEK_LT = 5
    RAX_SEEK_EQ = 6

# rax_iter.flags
cdef enum:
    RAX_ITER_JUST_SEEKED = 1
    RAX_ITER_EOF = 2

ctypedef struct rax_node:
    uint32_t hdr            # bit 0 key, bit 1 compressed, bits 2.. size

ctypedef struct rax_t:
    rax_node* head
    uint64_t numele         # keys
    uint64_t numnodes       # nodes (XINFO STREAM radix-tree-nodes)

ctypedef struct rax_frame:
    rax_node* node
    uint32_t idx            # the child taken (0 for a compressed node)

ctypedef struct rax_iter:
    rax_t* rt
    int flags
    uchar* key              # the current key (valid until the next call)
    size_t key_len
    size_t key_max
    void* data              # the current key's value
    rax_node* node          # the node holding the current key
    rax_frame* frames       # the path from the head to `node`
    size_t depth
    size_t frames_max
    uchar key_static[RAX_ITER_STATIC_KEY]
    rax_frame frames_static[RAX_STACK_STATIC]

ctypedef void (*rax_free_cb)(void* data) noexcept nogil

cdef rax_t* rax_new() noexcept nogil
cdef void rax_free(rax_t* t, rax_free_cb cb) noexcept nogil
cdef int rax_insert(rax_t* t, const uchar* s, size_t len, void* data, void** old) noexcept nogil
cdef int rax_try_insert(rax_t* t, const uchar* s, size_t len, void* data, void** old) noexcept nogil
cdef int rax_remove(rax_t* t, const uchar* s, size_t len, void** old) noexcept nogil
cdef bint rax_find(rax_t* t, const uchar* s, size_t len, void** data) noexcept nogil
cdef size_t rax_mem_usage(rax_t* t) noexcept nogil

cdef void rax_iter_start(rax_iter* it, rax_t* t) noexcept nogil
cdef bint rax_seek(rax_iter* it, int op, const uchar* s, size_t len) noexcept nogil
cdef bint rax_next(rax_iter* it) noexcept nogil
cdef bint rax_prev(rax_iter* it) noexcept nogil
cdef void rax_iter_set_data(rax_iter* it, void* data) noexcept nogil
cdef void rax_iter_stop(rax_iter* it) noexcept nogil

cdef inline bint rax_eof(rax_iter* it) noexcept nogil:
    return (it.flags & RAX_ITER_EOF) != 0

cdef inline uint64_t rax_size(rax_t* t) noexcept nogil:
    return t.numele
