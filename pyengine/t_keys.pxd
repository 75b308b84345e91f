# The SCAN machinery shared by SCAN (keyspace) and the SSCAN/HSCAN/ZSCAN
# family (Redis's scanGenericCommand): cursor and option parsing, and the
# bounded collection loop over a dict. Implementations in t_keys.pyx.

from engine.dict cimport dict_t, pe_entry, scan_fn
from engine.resp cimport rbuf
from pyengine.core cimport Client

ctypedef struct scan_opts:
    long long count          # COUNT (default 10)
    const char* pat          # MATCH pattern (NULL when absent)
    size_t patlen
    bint use_pattern         # False for no MATCH or MATCH "*"
    int type_idx             # argv index of TYPE's argument, -1 when absent

ctypedef struct scan_batch:
    rbuf recs                # records appended by the scan callback
    long count               # elements collected so far (the loop's stop test)

cdef bint parse_scan_cursor(Client c, int i, unsigned long* cursor) noexcept
cdef bint parse_scan_opts(Client c, int first, bint keyspace, scan_opts* o) noexcept
cdef void scan_batch_init(scan_batch* b) noexcept nogil
cdef void scan_batch_free(scan_batch* b) noexcept nogil
cdef void scan_collect_key(void* privdata, pe_entry* e) noexcept
cdef unsigned long scan_dict_batch(dict_t* d, unsigned long cursor, long long count,
                                   scan_fn fn, scan_batch* b) noexcept
cdef bint scan_batch_next(scan_batch* b, size_t* off, const char** s, size_t* n) noexcept nogil
