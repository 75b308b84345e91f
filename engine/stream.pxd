# Streams: a rax of listpack nodes holding delta-encoded entries, consumer
# groups with their pending entries lists. Design at the top of stream.pyx.

from libc.stdint cimport uint64_t, int64_t
from engine.rax cimport rax_t, rax_iter, uchar
from engine.listpack cimport LP_INTBUF_SIZE

cdef enum:
    STREAM_ID_LEN = 16                   # an ID as a 128-bit big-endian rax key
    STREAM_ID_STR_MAX = 44               # "<ms>-<seq>" fits with room to spare
    STREAM_ITEM_FLAG_NONE = 0
    STREAM_ITEM_FLAG_DELETED = 1         # entry deleted (a tombstone)
    STREAM_ITEM_FLAG_SAMEFIELDS = 2      # entry has the master entry's fields
    STREAM_LISTPACK_MAX_SIZE = 1 << 30   # no node (or entry) grows past 1 GB
    # stream_append failures
    STREAM_ADD_OK = 0
    STREAM_ADD_ID_TOO_SMALL = 1          # ID <= the last one (Redis's EDOM)
    STREAM_ADD_TOO_LARGE = 2             # elements too large (ERANGE)
    # trimming strategies (XADD / XTRIM)
    TRIM_NONE = 0
    TRIM_MAXLEN = 1
    TRIM_MINID = 2

cdef enum:
    SCG_INVALID_ENTRIES_READ = -1        # a group's entries_read that is not known

ctypedef struct streamid:
    uint64_t ms
    uint64_t seq

ctypedef struct stream_t:
    rax_t* rax                   # master ID (16-byte key) -> listpack node
    uint64_t length              # live entries
    streamid last_id             # greatest ID ever added (or set by XSETID)
    streamid first_id            # first live entry, 0-0 when empty
    streamid max_deleted_entry_id
    uint64_t entries_added       # all entries ever added
    rax_t* cgroups               # group name -> stream_cg*, NULL until the first group

ctypedef struct stream_consumer:
    long long seen_time          # unix ms of the consumer's last activity
    rax_t* pel                   # ID -> stream_nack* (shared with the group's PEL)
    size_t namelen
    char name[1]                 # namelen bytes (allocated with the struct)

ctypedef struct stream_nack:
    long long delivery_time      # unix ms of the last delivery
    uint64_t delivery_count
    stream_consumer* consumer    # owner (NULL only inside XCLAIM FORCE)

ctypedef struct stream_cg:
    streamid last_id             # last ID delivered to the group
    long long entries_read       # logical read counter, or SCG_INVALID_ENTRIES_READ
    rax_t* pel                   # ID -> stream_nack*: delivered, not acknowledged
    rax_t* consumers             # name -> stream_consumer*

ctypedef struct stream_iter:
    stream_t* s
    streamid master_id
    uint64_t master_fields_count
    uchar* master_fields_start
    uchar* master_fields_ptr
    int entry_flags
    bint rev
    bint skip_tombstones
    uchar start_key[STREAM_ID_LEN]
    uchar end_key[STREAM_ID_LEN]
    rax_iter ri
    uchar* lp
    uchar* lp_ele
    uchar* lp_flags
    char field_buf[LP_INTBUF_SIZE]
    char value_buf[LP_INTBUF_SIZE]

# ---- IDs ----
cdef inline int streamid_cmp(const streamid* a, const streamid* b) noexcept nogil:
    if a.ms > b.ms:
        return 1
    if a.ms < b.ms:
        return -1
    if a.seq > b.seq:
        return 1
    if a.seq < b.seq:
        return -1
    return 0

cdef inline bint streamid_is_zero(const streamid* a) noexcept nogil:
    return a.ms == 0 and a.seq == 0

cdef bint streamid_incr(streamid* id) noexcept nogil
cdef bint streamid_decr(streamid* id) noexcept nogil
cdef void streamid_encode(uchar* buf, const streamid* id) noexcept nogil
cdef void streamid_decode(const uchar* buf, streamid* id) noexcept nogil
cdef int streamid_format(char* buf, const streamid* id) noexcept nogil
cdef bint streamid_parse(const char* s, size_t len, streamid* id, uint64_t missing_seq,
                         bint strict, int* seq_given) noexcept nogil

# ---- the stream ----
cdef stream_t* stream_new() noexcept nogil
cdef void stream_free(stream_t* s) noexcept nogil
cdef stream_t* stream_dup(stream_t* s) noexcept nogil
cdef size_t stream_mem_usage(stream_t* s) noexcept nogil
cdef int stream_append(stream_t* s, const char** argv, size_t* argvlen, long long numfields,
                       streamid* added_id, streamid* use_id, bint seq_given, long long now_ms,
                       long long node_max_bytes, long long node_max_entries) noexcept nogil
cdef long long stream_trim(stream_t* s, int strategy, long long maxlen, streamid* minid,
                           bint approx, long long limit) noexcept nogil
cdef bint stream_delete_item(stream_t* s, streamid* id) noexcept nogil
cdef bint stream_entry_exists(stream_t* s, streamid* id) noexcept nogil
cdef void stream_last_valid_id(stream_t* s, streamid* maxid) noexcept nogil
cdef void stream_get_edge_id(stream_t* s, bint first, bint skip_tombstones,
                             streamid* edge_id) noexcept nogil
cdef bint stream_range_has_tombstones(stream_t* s, streamid* start, streamid* end) noexcept nogil
cdef long long stream_estimate_distance(stream_t* s, streamid* id) noexcept nogil
cdef bint stream_cg_lag(stream_t* s, stream_cg* cg, long long* lag) noexcept nogil

# ---- iteration ----
cdef void stream_iter_start(stream_iter* si, stream_t* s, streamid* start, streamid* end,
                            bint rev) noexcept nogil
cdef bint stream_iter_get_id(stream_iter* si, streamid* id, long long* numfields) noexcept nogil
cdef void stream_iter_get_field(stream_iter* si, const char** field, size_t* flen,
                                const char** value, size_t* vlen) noexcept nogil
cdef void stream_iter_remove_entry(stream_iter* si, streamid* current) noexcept nogil
cdef void stream_iter_stop(stream_iter* si) noexcept nogil

# ---- consumer groups ----
cdef stream_cg* stream_create_cg(stream_t* s, const char* name, size_t namelen, streamid* id,
                                 long long entries_read) noexcept nogil
cdef stream_cg* stream_lookup_cg(stream_t* s, const char* name, size_t namelen) noexcept nogil
cdef bint stream_destroy_cg(stream_t* s, const char* name, size_t namelen) noexcept nogil
cdef stream_consumer* stream_lookup_consumer(stream_cg* cg, const char* name, size_t namelen,
                                             long long now_ms) noexcept nogil
cdef stream_consumer* stream_create_consumer(stream_cg* cg, const char* name, size_t namelen,
                                             long long now_ms) noexcept nogil
cdef void stream_del_consumer(stream_cg* cg, stream_consumer* consumer) noexcept nogil
cdef stream_nack* stream_create_nack(stream_consumer* consumer, long long now_ms) noexcept nogil
cdef void stream_free_nack(stream_nack* nack) noexcept nogil
