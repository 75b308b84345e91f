"""The parts every SCAN-family command shares (Redis's db.c
scanGenericCommand, split so each type's command stays small).

1. ``parse_scan_cursor``: the cursor argument, strtoul rules
   (engine.util.parse_cursor), "ERR invalid cursor" otherwise.
2. ``parse_scan_opts``: COUNT (an integer >= 1, else a syntax error),
   MATCH (a pattern of exactly "*" disables matching) and, for SCAN only,
   TYPE. Any other word, or an option without its argument, is a syntax
   error. The callers parse the cursor first and, for HSCAN/SSCAN/ZSCAN,
   look the key up before the options (a missing key answers the empty
   scan even when the options are invalid), as Redis does.
3. ``scan_dict``: walk a hash-table encoded collection from ``cursor``
   until the dict's cursor wraps to 0, or the batch holds ``count``
   records, or 10*count more buckets were visited (so a sparse table never
   stalls the server). The callback (``scan_fn``) appends records to a
   ``scan_batch``: a flat buffer of <size_t len><bytes> records (a field
   and its value are two records for hashes and sorted sets, whose callers
   therefore pass 2*COUNT, like Redis). Filtering (MATCH, TYPE, expiry)
   happens afterwards, on the batch, in each command.
"""

from libc.string cimport memcpy

from engine.dict cimport dict_scan
from engine.resp cimport rbuf_append, rbuf_free
from engine.util cimport parse_cursor
from pyengine.core cimport add_error, add_syntax_error, arg_is, get_ll_or_reply


cdef bint parse_scan_cursor(Client c, int i, unsigned long* cursor) noexcept:
    """argv[i] as a SCAN cursor; False after replying "ERR invalid cursor"."""
    if parse_cursor(c.argv[i], c.argvlen[i], cursor):
        return True
    add_error(c, b"ERR invalid cursor")
    return False


cdef bint parse_scan_opts(Client c, int first, bint allow_type, scan_opts* opts) noexcept:
    """COUNT / MATCH (/ TYPE when ``allow_type``) from argv[first:]. False
    after replying an error."""
    cdef int i = first
    opts.count = 10
    opts.pat = NULL
    opts.patlen = 0
    opts.use_pattern = False
    opts.type_idx = -1
    while i < c.argc:
        if arg_is(c, i, b"count") and c.argc - i >= 2:
            if not get_ll_or_reply(c, i + 1, &opts.count, NULL):
                return False
            if opts.count < 1:
                add_syntax_error(c)
                return False
            i += 2
        elif arg_is(c, i, b"match") and c.argc - i >= 2:
            opts.pat = c.argv[i + 1]
            opts.patlen = c.argvlen[i + 1]
            opts.use_pattern = not (opts.patlen == 1 and opts.pat[0] == c'*')
            i += 2
        elif allow_type and arg_is(c, i, b"type") and c.argc - i >= 2:
            opts.type_idx = i + 1
            i += 2
        else:
            add_syntax_error(c)
            return False
    return True


cdef void scan_batch_init(scan_batch* b) noexcept:
    b.buf.data = NULL
    b.buf.len = 0
    b.buf.cap = 0
    b.count = 0


cdef void scan_batch_add(scan_batch* b, const char* s, size_t n) noexcept:
    """Append one record (a copy of s[:n])."""
    rbuf_append(&b.buf, <const char*>&n, sizeof(size_t))
    rbuf_append(&b.buf, s, n)
    b.count += 1


cdef const char* scan_batch_next(scan_batch* b, size_t* off, size_t* n) noexcept:
    """The record at byte offset ``*off`` (start at 0), advancing ``*off``;
    NULL after the last one."""
    cdef const char* p
    if off[0] >= b.buf.len:
        return NULL
    memcpy(n, b.buf.data + off[0], sizeof(size_t))
    p = b.buf.data + off[0] + sizeof(size_t)
    off[0] += sizeof(size_t) + n[0]
    return p


cdef void scan_batch_free(scan_batch* b) noexcept:
    rbuf_free(&b.buf)
    b.count = 0


cdef void scan_collect_key(void* privdata, pe_entry* e) noexcept:
    """scan_fn adding the entry's key to the scan_batch ``privdata``."""
    scan_batch_add(<scan_batch*>privdata, e.key, e.klen)


cdef unsigned long scan_dict(dict_t* d, unsigned long cursor, long long count, scan_fn fn,
                             scan_batch* b) noexcept:
    """Call dict_scan from ``cursor`` until it returns 0, ``b`` holds
    ``count`` records, or 10*count more buckets were visited. Returns the
    cursor to hand back to the client."""
    # The reference computes count*10 in a signed long and stops when the
    # post-decremented budget was 0; a COUNT so large that the product
    # wraps behaves the same way here.
    cdef unsigned long maxiterations = <unsigned long>count * 10
    while True:
        cursor = dict_scan(d, cursor, fn, b)
        if not cursor:
            break
        if maxiterations == 0:
            break
        maxiterations -= 1
        if <unsigned long>b.count >= <unsigned long>count:
            break
    return cursor
