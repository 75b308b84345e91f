"""Bit operations on strings (Redis's bitops.c semantics), in C: SETBIT,
GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.

A string is a bit array in big-endian bit order: bit 0 is the most
significant bit of byte 0. Reading past the end reads zeros; writing past
the end grows the string with zero bytes. Writes leave the value ``raw``
encoded (a private, growable buffer), as in Redis.

BITFIELD reads/writes signed (i1..i64) or unsigned (u1..u63) integers at
any bit offset (``#n`` means n * width), with WRAP (two's complement), SAT
(clamp) or FAIL (reply nil, leave unchanged) overflow handling.
"""

from libc.stdint cimport uint8_t, uint64_t, int64_t
from libc.string cimport memset, memcpy

from engine._mem cimport mem_alloc, mem_free, mem_realloc
from engine.object cimport (robj, obj_str, obj_string_raw, obj_make_raw, OBJ_STRING)
from engine.util cimport string2ll
from pyengine.core cimport (Client, add_int, add_null, add_error, add_array, add_syntax_error,
                            arg_is, get_ll_or_reply, check_type, proc_capsule)
from pyengine.db cimport (lookup_read, lookup_write, db_add, db_replace_value, set_key, db_delete,
                          signal_modified_key)
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_STRING, NOTIFY_GENERIC

cdef extern from *:
    int __builtin_popcountll(unsigned long long x) nogil

cdef enum:
    OP_GET = 0
    OP_SET = 1
    OP_INCRBY = 2
    OVERFLOW_WRAP = 0
    OVERFLOW_SAT = 1
    OVERFLOW_FAIL = 2

cdef const char* ERR_BIT_OFFSET = b"ERR bit offset is not an integer or out of range"
cdef const char* ERR_BIT_VALUE = b"ERR bit is not an integer or out of range"
cdef const char* ERR_BF_TYPE = (b"ERR Invalid bitfield type. Use something like i16 u8. "
                                b"Note that u64 is not supported but i64 is.")


# ---- helpers ---------------------------------------------------------------------

cdef bint _bit_offset(Client c, int i, uint64_t* out, bint allow_hash, int bits) noexcept:
    """A bit offset argument: a non-negative integer whose byte lies inside
    proto-max-bulk-len; with ``allow_hash``, "#n" means n * bits."""
    cdef const char* p = c.argv[i]
    cdef size_t n = c.argvlen[i]
    cdef long long v
    cdef bint hash_form = allow_hash and bits > 0 and n > 0 and p[0] == c'#'
    if hash_form:
        p += 1
        n -= 1
    if not string2ll(p, n, &v):
        add_error(c, ERR_BIT_OFFSET)
        return False
    if hash_form:
        v *= bits
    if v < 0 or (v >> 3) >= c.srv.proto_max_bulk_len:
        add_error(c, ERR_BIT_OFFSET)
        return False
    out[0] = <uint64_t>v
    return True


cdef robj* _string_for_bits(Client c, uint64_t maxbit, bint* dirty) noexcept:
    """The key's string made raw and at least maxbit/8+1 bytes long (zero
    padded), created if missing. NULL after a WRONGTYPE reply."""
    cdef size_t need = <size_t>(maxbit >> 3) + 1
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef robj* r
    cdef size_t old
    if check_type(c, o, OBJ_STRING):
        return NULL
    dirty[0] = False
    if o == NULL:
        o = obj_string_raw(NULL, 0, need)
        memset(o.u.raw.ptr, 0, need)
        o.u.raw.len = need
        db_add(c.srv, c.db, c.argv[1], c.argvlen[1], o)
        dirty[0] = True
        return o
    r = obj_make_raw(o, need)
    if r != o:
        db_replace_value(c.srv, c.db, c.argv[1], c.argvlen[1], r)
    old = r.u.raw.len
    if need > old:
        memset(r.u.raw.ptr + old, 0, need - old)
        r.u.raw.len = need
        dirty[0] = True
    return r


cdef long long _popcount(const uint8_t* p, size_t n) noexcept nogil:
    cdef long long count = 0
    cdef unsigned long long w
    cdef size_t i = 0
    while i + 8 <= n:
        memcpy(&w, p + i, 8)
        count += __builtin_popcountll(w)
        i += 8
    while i < n:
        count += __builtin_popcountll(p[i])
        i += 1
    return count


cdef long long _bitpos(const uint8_t* p, size_t n, int bit) noexcept nogil:
    """Position of the first bit equal to ``bit`` in p[:n]; if looking for a
    0 and there is none, n*8 (the string is seen as zero padded on the
    right); if looking for a 1 and there is none, -1."""
    cdef size_t i
    cdef int j
    cdef uint8_t skip = 0 if bit else 0xFF
    for i in range(n):
        if p[i] != skip:
            for j in range(8):
                if ((p[i] >> (7 - j)) & 1) == bit:
                    return <long long>(i * 8 + j)
    return -1 if bit else <long long>(n * 8)


# ---- SETBIT / GETBIT ------------------------------------------------------------------

cdef int setbit_command(Client c) except -1:
    cdef uint64_t offset
    cdef long long on
    cdef robj* o
    cdef bint dirty
    cdef size_t byte
    cdef int shift
    cdef uint8_t old
    if not _bit_offset(c, 2, &offset, False, 0):
        return 0
    if not get_ll_or_reply(c, 3, &on, ERR_BIT_VALUE):
        return 0
    if on & ~1:
        add_error(c, ERR_BIT_VALUE)
        return 0
    o = _string_for_bits(c, offset, &dirty)
    if o == NULL:
        return 0
    byte = <size_t>(offset >> 3)
    shift = 7 - <int>(offset & 7)
    old = <uint8_t>o.u.raw.ptr[byte]
    if dirty or ((old >> shift) & 1) != on:
        o.u.raw.ptr[byte] = <char>((old & ~(1 << shift)) | ((on & 1) << shift))
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_STRING, b"setbit", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += 1
    add_int(c, (old >> shift) & 1)
    return 0


cdef int getbit_command(Client c) except -1:
    cdef uint64_t offset
    cdef robj* o
    cdef char tmp[24]
    cdef size_t n
    cdef const char* p
    cdef size_t byte
    if not _bit_offset(c, 2, &offset, False, 0):
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_STRING):
        return 0
    p = obj_str(o, tmp, &n)
    byte = <size_t>(offset >> 3)
    if byte >= n:
        add_int(c, 0)
    else:
        add_int(c, (<uint8_t>p[byte] >> (7 - (offset & 7))) & 1)
    return 0


# ---- BITCOUNT / BITPOS ------------------------------------------------------------------

cdef bint _unit_is_bit(Client c, int i, bint* isbit) noexcept:
    if arg_is(c, i, b"bit"):
        isbit[0] = True
    elif arg_is(c, i, b"byte"):
        isbit[0] = False
    else:
        add_syntax_error(c)
        return False
    return True


cdef int bitcount_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef char tmp[24]
    cdef size_t slen
    cdef const uint8_t* p
    cdef long long start, end, totlen, count
    cdef bint isbit = False
    cdef uint8_t first_mask = 0, last_mask = 0
    cdef uint8_t edges[2]
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_STRING):
        return 0
    p = <const uint8_t*>obj_str(o, tmp, &slen)
    if c.argc == 4 or c.argc == 5:
        totlen = <long long>slen
        if not get_ll_or_reply(c, 2, &start, NULL) or not get_ll_or_reply(c, 3, &end, NULL):
            return 0
        if start < 0 and end < 0 and start > end:
            add_int(c, 0)
            return 0
        if c.argc == 5 and not _unit_is_bit(c, 4, &isbit):
            return 0
        if isbit:
            totlen <<= 3
        if start < 0:
            start += totlen
        if end < 0:
            end += totlen
        if start < 0:
            start = 0
        if end < 0:
            end = 0
        if end >= totlen:
            end = totlen - 1
        if isbit and start <= end:
            # Mask out the bits of the edge bytes that are outside the range.
            first_mask = ~((1 << (8 - (start & 7))) - 1) & 0xFF
            last_mask = (1 << (7 - (end & 7))) - 1
            start >>= 3
            end >>= 3
    elif c.argc == 2:
        start = 0
        end = <long long>slen - 1
    else:
        add_syntax_error(c)
        return 0
    if start > end:
        add_int(c, 0)
        return 0
    count = _popcount(p + start, <size_t>(end - start + 1))
    if first_mask or last_mask:
        edges[0] = p[start] & first_mask if first_mask else 0
        edges[1] = p[end] & last_mask if last_mask else 0
        count -= _popcount(edges, 2)
    add_int(c, count)
    return 0


cdef int bitpos_command(Client c) except -1:
    cdef long long bit
    cdef robj* o
    cdef char tmp[24]
    cdef size_t slen
    cdef const uint8_t* p
    cdef long long start, end, totlen, pos, nbytes, cur
    cdef bint isbit = False, end_given = False
    cdef uint8_t first_mask = 0, last_mask = 0, t
    if not get_ll_or_reply(c, 2, &bit, NULL):
        return 0
    if bit != 0 and bit != 1:
        add_error(c, b"ERR The bit argument must be 1 or 0.")
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, -1 if bit else 0)
        return 0
    if check_type(c, o, OBJ_STRING):
        return 0
    p = <const uint8_t*>obj_str(o, tmp, &slen)
    if 4 <= c.argc <= 6:
        totlen = <long long>slen
        if not get_ll_or_reply(c, 3, &start, NULL):
            return 0
        if c.argc == 6 and not _unit_is_bit(c, 5, &isbit):
            return 0
        if c.argc >= 5:
            if not get_ll_or_reply(c, 4, &end, NULL):
                return 0
            end_given = True
        else:
            end = (totlen << 3) + 7 if isbit else totlen - 1
        if isbit:
            totlen <<= 3
        if start < 0:
            start += totlen
        if end < 0:
            end += totlen
        if start < 0:
            start = 0
        if end < 0:
            end = 0
        if end >= totlen:
            end = totlen - 1
        if isbit and start <= end:
            first_mask = ~((1 << (8 - (start & 7))) - 1) & 0xFF
            last_mask = (1 << (7 - (end & 7))) - 1
            start >>= 3
            end >>= 3
    elif c.argc == 3:
        start = 0
        end = <long long>slen - 1
    else:
        add_syntax_error(c)
        return 0
    if start > end:
        add_int(c, -1)
        return 0
    nbytes = end - start + 1
    # The first byte, its out-of-range leading bits forced to the opposite value.
    if first_mask:
        t = (p[start] & ~first_mask) if bit else (p[start] | first_mask)
        if last_mask and nbytes == 1:
            t = (t & ~last_mask) if bit else (t | last_mask)
        pos = _bitpos(&t, 1, <int>bit)
        if nbytes == 1 or (pos != -1 and pos != 8):
            _bitpos_reply(c, pos, start, nbytes, bit, end_given)
            return 0
        start += 1
        nbytes -= 1
    cur = nbytes - (1 if last_mask else 0)
    if cur > 0:
        pos = _bitpos(p + start, <size_t>cur, <int>bit)
        if nbytes == cur or (pos != -1 and pos != cur << 3):
            _bitpos_reply(c, pos, start, nbytes, bit, end_given)
            return 0
        start += cur
        nbytes -= cur
    t = (p[end] & ~last_mask) if bit else (p[end] | last_mask)
    pos = _bitpos(&t, 1, <int>bit)
    _bitpos_reply(c, pos, start, nbytes, bit, end_given)
    return 0


cdef void _bitpos_reply(Client c, long long pos, long long start, long long nbytes,
                        long long bit, bint end_given) noexcept:
    # With an explicit end, the bits right of the range are not zero padding.
    if end_given and bit == 0 and pos == nbytes << 3:
        add_int(c, -1)
        return
    if pos != -1:
        pos += start << 3
    add_int(c, pos)


# ---- BITOP -------------------------------------------------------------------------------

cdef int bitop_command(Client c) except -1:
    cdef int op
    cdef int numkeys = c.argc - 3
    cdef int j
    cdef size_t i, maxlen = 0
    cdef robj* o
    cdef const uint8_t** src
    cdef size_t* lens
    cdef char* tmps
    cdef uint8_t* res
    cdef uint8_t out, byte
    cdef robj* dst
    if arg_is(c, 1, b"and"):
        op = 0
    elif arg_is(c, 1, b"or"):
        op = 1
    elif arg_is(c, 1, b"xor"):
        op = 2
    elif arg_is(c, 1, b"not"):
        op = 3
    else:
        add_syntax_error(c)
        return 0
    if op == 3 and c.argc != 4:
        add_error(c, b"ERR BITOP NOT must be called with a single source key.")
        return 0
    src = <const uint8_t**>mem_alloc(numkeys * sizeof(uint8_t*))
    lens = <size_t*>mem_alloc(numkeys * sizeof(size_t))
    tmps = <char*>mem_alloc(numkeys * 24)       # room for int-encoded sources
    for j in range(numkeys):
        o = lookup_read(c, c.argv[j + 3], c.argvlen[j + 3])
        if o == NULL:
            src[j] = NULL
            lens[j] = 0
            continue
        if check_type(c, o, OBJ_STRING):
            mem_free(src)
            mem_free(lens)
            mem_free(tmps)
            return 0
        src[j] = <const uint8_t*>obj_str(o, tmps + j * 24, &lens[j])
        if lens[j] > maxlen:
            maxlen = lens[j]
    if maxlen:
        dst = obj_string_raw(NULL, 0, maxlen)
        res = <uint8_t*>dst.u.raw.ptr
        for i in range(maxlen):
            out = src[0][i] if i < lens[0] else 0
            if op == 3:
                out = ~out
            for j in range(1, numkeys):
                byte = src[j][i] if i < lens[j] else 0
                if op == 0:
                    out &= byte
                elif op == 1:
                    out |= byte
                else:
                    out ^= byte
            res[i] = out
        dst.u.raw.len = maxlen
        set_key(c.srv, c.db, c.argv[2], c.argvlen[2], dst, False)
        notify_keyspace_event(c.srv, NOTIFY_STRING, b"set", c.argv[2], c.argvlen[2], c.db.id)
        c.srv.dirty += 1
    elif db_delete(c.srv, c.db, c.argv[2], c.argvlen[2]):
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[2], c.argvlen[2], c.db.id)
        c.srv.dirty += 1
    mem_free(src)
    mem_free(lens)
    mem_free(tmps)
    add_int(c, <long long>maxlen)
    return 0


# ---- BITFIELD ----------------------------------------------------------------------------

cdef uint64_t _get_unsigned(const uint8_t* p, uint64_t offset, int bits) noexcept nogil:
    cdef uint64_t value = 0
    cdef int j
    for j in range(bits):
        value = (value << 1) | ((p[offset >> 3] >> (7 - (offset & 7))) & 1)
        offset += 1
    return value


cdef int64_t _get_signed(const uint8_t* p, uint64_t offset, int bits) noexcept nogil:
    cdef uint64_t u = _get_unsigned(p, offset, bits)
    if bits < 64 and (u & (<uint64_t>1 << (bits - 1))):
        u |= (<uint64_t>-1) << bits
    return <int64_t>u


cdef void _set_unsigned(uint8_t* p, uint64_t offset, int bits, uint64_t value) noexcept nogil:
    cdef int j
    cdef uint64_t bit
    cdef int shift
    for j in range(bits):
        bit = (value >> (bits - 1 - j)) & 1
        shift = 7 - <int>(offset & 7)
        p[offset >> 3] = <uint8_t>((p[offset >> 3] & ~(1 << shift)) | (bit << shift))
        offset += 1


cdef int _unsigned_overflow(uint64_t value, int64_t incr, int bits, int owtype,
                            uint64_t* limit) noexcept nogil:
    """0 if value+incr fits an unsigned ``bits``-wide field, else 1 (over) or
    -1 (under), with *limit the value to store under WRAP or SAT."""
    cdef uint64_t maxv = (<uint64_t>1 << bits) - 1
    cdef int64_t maxincr = <int64_t>(maxv - value)
    cdef int64_t minincr = -<int64_t>value
    cdef int result = 0
    if value > maxv or (incr > 0 and incr > maxincr):
        result = 1
        if owtype == OVERFLOW_SAT:
            limit[0] = maxv
    elif incr < 0 and incr < minincr:
        result = -1
        if owtype == OVERFLOW_SAT:
            limit[0] = 0
    if result and owtype == OVERFLOW_WRAP:
        limit[0] = (value + <uint64_t>incr) & maxv
        result = 1
    return result


cdef int _signed_overflow(int64_t value, int64_t incr, int bits, int owtype,
                          int64_t* limit) noexcept nogil:
    """Like _unsigned_overflow for a signed field (two's complement wrap)."""
    cdef int64_t maxv = 9223372036854775807 if bits == 64 else ((<int64_t>1 << (bits - 1)) - 1)
    cdef int64_t minv = -maxv - 1
    cdef int64_t maxincr = <int64_t>(<uint64_t>maxv - <uint64_t>value)
    cdef int64_t minincr = <int64_t>(<uint64_t>minv - <uint64_t>value)
    cdef int result = 0
    cdef uint64_t sum, msb, mask
    if value > maxv or (bits != 64 and incr > maxincr) or (value >= 0 and incr > 0 and incr > maxincr):
        result = 1
        if owtype == OVERFLOW_SAT:
            limit[0] = maxv
    elif value < minv or (bits != 64 and incr < minincr) or (value < 0 and incr < 0 and incr < minincr):
        result = -1
        if owtype == OVERFLOW_SAT:
            limit[0] = minv
    if result and owtype == OVERFLOW_WRAP:
        sum = <uint64_t>value + <uint64_t>incr
        if bits < 64:
            msb = <uint64_t>1 << (bits - 1)
            mask = (<uint64_t>-1) << bits
            if sum & msb:
                sum |= mask
            else:
                sum &= ~mask
        limit[0] = <int64_t>sum
        result = 1
    return result


cdef struct bf_op:
    uint64_t offset
    int64_t arg
    int opcode
    int owtype
    int bits
    bint sign


cdef bint _bf_type(Client c, int i, bint* sign, int* bits) noexcept:
    cdef const char* p = c.argv[i]
    cdef size_t n = c.argvlen[i]
    cdef size_t k = 1
    cdef long long v
    if n == 0 or (p[0] != c'i' and p[0] != c'u'):
        add_error(c, ERR_BF_TYPE)
        return False
    sign[0] = p[0] == c'i'
    while k < n and p[k] != 0:      # the width is read as a C string
        k += 1
    if not string2ll(p + 1, k - 1, &v) or v < 1 or (sign[0] and v > 64) or (not sign[0] and v > 63):
        add_error(c, ERR_BF_TYPE)
        return False
    bits[0] = <int>v
    return True


cdef int _bitfield(Client c, bint readonly_cmd) noexcept:
    cdef int j = 2
    cdef int remargs, opcode, numops = 0, cap = 8
    cdef int owtype = OVERFLOW_WRAP
    cdef bf_op* ops = <bf_op*>mem_alloc(cap * sizeof(bf_op))
    cdef bint readonly = True, sign, dirty = False
    cdef int bits
    cdef uint64_t offset, highest = 0
    cdef long long arg
    cdef robj* o
    cdef long changes = 0
    cdef int k
    cdef bf_op* op
    cdef int64_t sold, snew, swrapped
    cdef uint64_t uold, unew, uwrapped
    cdef int overflow
    cdef uint8_t buf[9]
    cdef char tmp[24]
    cdef size_t slen = 0
    cdef const uint8_t* srcp
    cdef uint64_t byte
    cdef int i
    while j < c.argc:
        remargs = c.argc - j - 1
        if arg_is(c, j, b"get") and remargs >= 2:
            opcode = OP_GET
        elif arg_is(c, j, b"set") and remargs >= 3:
            opcode = OP_SET
        elif arg_is(c, j, b"incrby") and remargs >= 3:
            opcode = OP_INCRBY
        elif arg_is(c, j, b"overflow") and remargs >= 1:
            j += 1
            if arg_is(c, j, b"wrap"):
                owtype = OVERFLOW_WRAP
            elif arg_is(c, j, b"sat"):
                owtype = OVERFLOW_SAT
            elif arg_is(c, j, b"fail"):
                owtype = OVERFLOW_FAIL
            else:
                add_error(c, b"ERR Invalid OVERFLOW type specified")
                mem_free(ops)
                return 0
            j += 1
            continue
        else:
            add_syntax_error(c)
            mem_free(ops)
            return 0
        if not _bf_type(c, j + 1, &sign, &bits) or not _bit_offset(c, j + 2, &offset, True, bits):
            mem_free(ops)
            return 0
        arg = 0
        if opcode != OP_GET:
            readonly = False
            if highest < offset + bits - 1:
                highest = offset + bits - 1
            if not get_ll_or_reply(c, j + 3, &arg, NULL):
                mem_free(ops)
                return 0
        if numops == cap:
            cap *= 2
            ops = <bf_op*>mem_realloc_ops(ops, cap)
        ops[numops].offset = offset
        ops[numops].arg = arg
        ops[numops].opcode = opcode
        ops[numops].owtype = owtype
        ops[numops].bits = bits
        ops[numops].sign = sign
        numops += 1
        j += 3 if opcode == OP_GET else 4
    if readonly:
        o = lookup_read(c, c.argv[1], c.argvlen[1])
        if o != NULL and check_type(c, o, OBJ_STRING):
            mem_free(ops)
            return 0
    else:
        if readonly_cmd:
            mem_free(ops)
            add_error(c, b"ERR BITFIELD_RO only supports the GET subcommand")
            return 0
        o = _string_for_bits(c, highest, &dirty)
        if o == NULL:
            mem_free(ops)
            return 0
    add_array(c, numops)
    for k in range(numops):
        op = &ops[k]
        if op.opcode != OP_GET:
            if op.sign:
                sold = _get_signed(<uint8_t*>o.u.raw.ptr, op.offset, op.bits)
                if op.opcode == OP_INCRBY:
                    overflow = _signed_overflow(sold, op.arg, op.bits, op.owtype, &swrapped)
                    snew = swrapped if overflow else sold + op.arg
                    arg = snew
                else:
                    snew = op.arg
                    overflow = _signed_overflow(snew, 0, op.bits, op.owtype, &swrapped)
                    if overflow:
                        snew = swrapped
                    arg = sold
                if overflow and op.owtype == OVERFLOW_FAIL:
                    add_null(c)
                else:
                    add_int(c, arg)
                    _set_unsigned(<uint8_t*>o.u.raw.ptr, op.offset, op.bits, <uint64_t>snew)
                    if dirty or sold != snew:
                        changes += 1
            else:
                uold = _get_unsigned(<uint8_t*>o.u.raw.ptr, op.offset, op.bits)
                if op.opcode == OP_INCRBY:
                    unew = uold + <uint64_t>op.arg
                    overflow = _unsigned_overflow(uold, op.arg, op.bits, op.owtype, &uwrapped)
                    if overflow:
                        unew = uwrapped
                    arg = <long long>unew
                else:
                    unew = <uint64_t>op.arg
                    overflow = _unsigned_overflow(unew, 0, op.bits, op.owtype, &uwrapped)
                    if overflow:
                        unew = uwrapped
                    arg = <long long>uold
                if overflow and op.owtype == OVERFLOW_FAIL:
                    add_null(c)
                else:
                    add_int(c, arg)
                    _set_unsigned(<uint8_t*>o.u.raw.ptr, op.offset, op.bits, unew)
                    if dirty or uold != unew:
                        changes += 1
        else:
            # Copy the 9 bytes covering the field so reads past the end see zeros.
            memset(buf, 0, 9)
            byte = op.offset >> 3
            if o != NULL:
                srcp = <const uint8_t*>obj_str(o, tmp, &slen)
                for i in range(9):
                    if byte + i >= slen:
                        break
                    buf[i] = srcp[byte + i]
            if op.sign:
                add_int(c, _get_signed(buf, op.offset - byte * 8, op.bits))
            else:
                add_int(c, <long long>_get_unsigned(buf, op.offset - byte * 8, op.bits))
    if changes:
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_STRING, b"setbit", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += changes
    mem_free(ops)
    return 0


cdef inline void* mem_realloc_ops(bf_op* ops, int cap) noexcept:
    return mem_realloc(ops, cap * sizeof(bf_op))


cdef int bitfield_command(Client c) except -1:
    return _bitfield(c, False)


cdef int bitfield_ro_command(Client c) except -1:
    return _bitfield(c, True)


PROCS = {
    "setbit_command": proc_capsule(setbit_command),
    "getbit_command": proc_capsule(getbit_command),
    "bitcount_command": proc_capsule(bitcount_command),
    "bitpos_command": proc_capsule(bitpos_command),
    "bitop_command": proc_capsule(bitop_command),
    "bitfield_command": proc_capsule(bitfield_command),
    "bitfield_ro_command": proc_capsule(bitfield_ro_command),
}
