# The SCAN family's shared parts (Redis's parseScanCursorOrReply and the
# option parsing + bounded dict walk of scanGenericCommand): SCAN, HSCAN,
# SSCAN, ZSCAN. Design notes at the top of scan.pyx.

from engine.dict cimport dict_t, pe_entry, scan_fn
from engine.resp cimport rbuf
from pyengine.core cimport Client

ctypedef struct scan_opts:
    long long count            # COUNT (default 10)
    const char* pat            # MATCH pattern (NULL: none)
    size_t patlen
    bint use_pattern           # False when there is no pattern or it is "*"
    int type_idx               # argv index of TYPE's argument, or -1

ctypedef struct scan_batch:
    rbuf buf                   # records: <size_t len><bytes>, in scan order
    long count                 # number of records

cdef bint parse_scan_cursor(Client c, int i, unsigned long* cursor) noexcept
cdef bint parse_scan_opts(Client c, int first, bint allow_type, scan_opts* opts) noexcept
cdef void scan_batch_init(scan_batch* b) noexcept
cdef void scan_batch_add(scan_batch* b, const char* s, size_t n) noexcept
cdef const char* scan_batch_next(scan_batch* b, size_t* off, size_t* n) noexcept
cdef void scan_batch_free(scan_batch* b) noexcept
cdef void scan_collect_key(void* privdata, pe_entry* e) noexcept
cdef unsigned long scan_dict(dict_t* d, unsigned long cursor, long long count, scan_fn fn,
                             scan_batch* b) noexcept
