"""C-level entry points for the micro benchmarks (not part of the engine).

The engine's hot paths are ``cdef`` functions that Python cannot call; this
module loops over them in C so a benchmark times the structure itself and
not one Python call per operation. It is compiled on first use by
``bench/micro/build.py`` against the engine's ``.pxd`` contracts (the C
functions are reached through the engine modules' C-API capsules, so the
engine must be built first). Each function returns enough for the caller to
check the work was really done.
"""

from libc.stdint cimport int64_t

from engine.dict cimport (dict_t, pe_entry, dict_create, dict_release, dict_add_or_find,
                          dict_find, dict_size)
from engine.resp cimport (rbuf, rbuf_free, reqparser, reqparser_init, reqparser_free,
                          reqparser_reset, resp_parse_request, resp_array, resp_bulk,
                          resp_int, PARSE_OK, PARSE_NEED_MORE)


# ---- dict_t -------------------------------------------------------------------

cdef class CDict:
    """A dict_t owned by Python; insert/lookup loops run in C."""
    cdef dict_t* d

    def __cinit__(self):
        self.d = dict_create(NULL)

    def __dealloc__(self):
        if self.d != NULL:
            dict_release(self.d)

    def __len__(self):
        return dict_size(self.d)

    def insert_all(self, list keys):
        """Insert every key (value: its index); returns how many were new."""
        cdef Py_ssize_t i
        cdef bytes k
        cdef bint existed
        cdef long added = 0
        cdef pe_entry* e
        for i in range(len(keys)):
            k = <bytes>keys[i]
            e = dict_add_or_find(self.d, k, len(k), &existed)
            e.v.s64 = i
            if not existed:
                added += 1
        return added

    def find_all(self, list keys):
        """Look every key up; returns how many were found."""
        cdef Py_ssize_t i
        cdef bytes k
        cdef long found = 0
        for i in range(len(keys)):
            k = <bytes>keys[i]
            if dict_find(self.d, k, len(k)) != NULL:
                found += 1
        return found


# ---- RESP ---------------------------------------------------------------------

def parse_requests(const unsigned char[:] data):
    """Run the request parser over ``data`` (complete multibulk or inline
    commands); returns (commands, arguments, bytes consumed)."""
    cdef reqparser p
    cdef size_t pos = 0
    cdef size_t n = data.shape[0]
    cdef long commands = 0, args = 0
    cdef int st
    if n == 0:
        return 0, 0, 0
    reqparser_init(&p)
    try:
        while pos < n:
            st = resp_parse_request(&p, <const char*>&data[0], n, &pos)
            if st == PARSE_NEED_MORE:
                break
            if st != PARSE_OK:
                raise ValueError("protocol error: %s" % (p.error or b"?").decode())
            commands += 1
            args += p.argc
            reqparser_reset(&p)
    finally:
        reqparser_free(&p)
    return commands, args, pos


def encode_bulk_array(list items):
    """The RESP array of bulk strings ``items``, built by the reply encoder."""
    cdef rbuf b
    cdef Py_ssize_t i
    cdef bytes s
    b.data = NULL
    b.len = 0
    b.cap = 0
    try:
        resp_array(&b, len(items))
        for i in range(len(items)):
            s = <bytes>items[i]
            resp_bulk(&b, s, len(s))
        return b.data[:b.len]
    finally:
        rbuf_free(&b)


def encode_ints(long count):
    """``count`` integer replies :0 .. :count-1, built by the reply encoder."""
    cdef rbuf b
    cdef int64_t i
    b.data = NULL
    b.len = 0
    b.cap = 0
    try:
        for i in range(count):
            resp_int(&b, i)
        return b"" if b.len == 0 else b.data[:b.len]
    finally:
        rbuf_free(&b)
