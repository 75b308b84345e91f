"""CRC-64/Jones: the checksum at the end of RDB files and DUMP payloads.

Parameters (the "Jones" CRC-64 Redis uses, as documented with its RDB
format): polynomial 0xad93d23594c935a9, input and output reflected, initial
value 0, no final xor. ``crc64(0, b"123456789", 9) == 0xe9c6d914c4b8d9ca``.
Calls chain: ``crc64(crc64(0, a), b) == crc64(0, a + b)``, so a writer can
checksum its output buffer by buffer.

Because the CRC is reflected, the register shifts right and the polynomial
is used bit-reversed (0x95ac9329ac4bc9b5). The bytes are consumed eight at a
time ("slicing by 8"): eight 256-entry tables, where table k gives the
effect of a byte followed by k zero bytes, so one 64-bit load, one xor and
eight lookups advance the register by eight bytes. The tables (16 KB) are
filled once when the module is imported. Cost: O(n), about a byte per
cycle; the tail (< 8 bytes) goes byte by byte through table 0.

Little-endian hosts load the 8 bytes with one memcpy; big-endian hosts
assemble them byte by byte, giving the same register value.
"""

from libc.stdint cimport uint64_t, uint8_t
from libc.string cimport memcpy

cdef enum:
    _TABLES = 8

cdef uint64_t _POLY_REFLECTED = 0x95ac9329ac4bc9b5ULL
cdef uint64_t _table[_TABLES][256]


cdef void _init_tables() noexcept nogil:
    """Table 0 by the bitwise definition; table k from table k-1 (one more
    zero byte after the indexed one)."""
    cdef int i, j, k
    cdef uint64_t c
    for i in range(256):
        c = <uint64_t>i
        for j in range(8):
            if c & 1:
                c = (c >> 1) ^ _POLY_REFLECTED
            else:
                c >>= 1
        _table[0][i] = c
    for k in range(1, _TABLES):
        for i in range(256):
            c = _table[k - 1][i]
            _table[k][i] = (c >> 8) ^ _table[0][c & 0xFF]


_init_tables()


cdef extern from *:
    """
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    #define PE_CRC_LE 0
    #else
    #define PE_CRC_LE 1
    #endif
    """
    int PE_CRC_LE


cdef inline uint64_t _load_le64(const unsigned char* p) noexcept nogil:
    cdef uint64_t v
    if PE_CRC_LE:
        memcpy(&v, p, 8)
        return v
    return (<uint64_t>p[0] | (<uint64_t>p[1] << 8) | (<uint64_t>p[2] << 16) |
            (<uint64_t>p[3] << 24) | (<uint64_t>p[4] << 32) | (<uint64_t>p[5] << 40) |
            (<uint64_t>p[6] << 48) | (<uint64_t>p[7] << 56))


cdef uint64_t crc64(uint64_t crc, const unsigned char* s, size_t l) noexcept nogil:
    """The CRC of s[:l] continued from ``crc`` (0 to start). Never fails."""
    while l >= 8:
        crc ^= _load_le64(s)
        crc = (_table[7][crc & 0xFF] ^ _table[6][(crc >> 8) & 0xFF] ^
               _table[5][(crc >> 16) & 0xFF] ^ _table[4][(crc >> 24) & 0xFF] ^
               _table[3][(crc >> 32) & 0xFF] ^ _table[2][(crc >> 40) & 0xFF] ^
               _table[1][(crc >> 48) & 0xFF] ^ _table[0][crc >> 56])
        s += 8
        l -= 8
    while l:
        crc = _table[0][(crc ^ s[0]) & 0xFF] ^ (crc >> 8)
        s += 1
        l -= 1
    return crc


def py_crc64(data, uint64_t crc=0):
    """crc64 over a bytes-like object (tests, tools)."""
    cdef const unsigned char[::1] view = memoryview(data).cast("B") if len(data) else b"\0"
    if len(data) == 0:
        return crc
    return crc64(crc, &view[0], view.shape[0])
