# quicklist: Redis 7.0's list encoding, a doubly linked list of listpack
# nodes with LZF compression of inner nodes. Design at the top of
# quicklist.pyx.

from engine.listpack cimport uchar

cdef enum:
    QL_HEAD = 0                  # push/pop end
    QL_TAIL = 1
    QL_START_HEAD = 0            # iterator direction: head -> tail
    QL_START_TAIL = 1            #                     tail -> head
    QL_ENC_RAW = 1               # node.encoding
    QL_ENC_LZF = 2
    QL_PLAIN = 1                 # node.container: one element, bytes as they are
    QL_PACKED = 2                #                 a listpack
    QL_FILL_MAX = 32767
    QL_COMPRESS_MAX = 65535

cdef struct ql_node:
    ql_node* prev
    ql_node* next
    uchar* entry                 # listpack, plain bytes, or an LZF blob (encoding LZF)
    size_t sz                    # bytes of the uncompressed entry
    unsigned short count         # elements in the node
    unsigned char encoding
    unsigned char container
    unsigned char recompress     # decompressed for use: compress again when done
    unsigned char dont_compress  # held open by an operation in progress

ctypedef struct quicklist:
    ql_node* head
    ql_node* tail
    unsigned long count          # elements
    unsigned long len            # nodes
    int fill                     # list-max-listpack-size at creation
    unsigned int compress        # list-compress-depth at creation

ctypedef struct ql_iter:
    quicklist* ql
    ql_node* current
    uchar* zi                    # current listpack entry (or plain bytes), NULL before the first
    long offset                  # index in the node (negative counts from its end)
    int direction

ctypedef struct ql_entry:
    quicklist* ql
    ql_node* node
    uchar* zi
    const char* value            # string bytes, or NULL when the element is an integer
    long long longval
    size_t sz
    long offset

cdef quicklist* ql_create(int fill, int compress) noexcept nogil
cdef void ql_release(quicklist* ql) noexcept nogil
cdef quicklist* ql_dup(quicklist* ql) noexcept nogil
cdef bint ql_push_head(quicklist* ql, const char* s, size_t n) noexcept nogil
cdef bint ql_push_tail(quicklist* ql, const char* s, size_t n) noexcept nogil
cdef void ql_push(quicklist* ql, const char* s, size_t n, int where) noexcept nogil
cdef void ql_append_listpack(quicklist* ql, uchar* lp) noexcept nogil
cdef void ql_append_plain(quicklist* ql, uchar* data, size_t sz) noexcept nogil

cdef bint ql_peek(quicklist* ql, int where, ql_entry* e) noexcept nogil
cdef void ql_del_end(quicklist* ql, int where) noexcept nogil

cdef void ql_iter_init(ql_iter* it, quicklist* ql, int direction) noexcept nogil
cdef bint ql_iter_init_at(ql_iter* it, quicklist* ql, int direction, long long idx) noexcept nogil
cdef bint ql_next(ql_iter* it, ql_entry* e) noexcept nogil
cdef void ql_iter_release(ql_iter* it) noexcept nogil
cdef bint ql_index(quicklist* ql, long long idx, ql_iter* it, ql_entry* e) noexcept nogil

cdef void ql_insert_before(ql_iter* it, ql_entry* e, const char* s, size_t n) noexcept nogil
cdef void ql_insert_after(ql_iter* it, ql_entry* e, const char* s, size_t n) noexcept nogil
cdef void ql_del_entry(ql_iter* it, ql_entry* e) noexcept nogil
cdef void ql_replace_entry(ql_iter* it, ql_entry* e, const char* s, size_t n) noexcept nogil
cdef bint ql_replace_at_index(quicklist* ql, long long idx, const char* s, size_t n) noexcept nogil
cdef bint ql_del_range(quicklist* ql, long start, long count) noexcept nogil
cdef bint ql_compare(ql_entry* e, const char* s, size_t n) noexcept nogil

cdef size_t ql_mem_usage(quicklist* ql) noexcept nogil
cdef size_t ql_uncompressed_size(quicklist* ql) noexcept nogil
cdef bint ql_set_packed_threshold(unsigned long long sz) noexcept nogil
cdef const char* ql_lzf_data(ql_node* node, size_t* clen) noexcept nogil
