"""CRC-64/Jones: the checksum at the end of RDB files and DUMP payloads.

Redis protects every RDB file and every DUMP / FUNCTION DUMP payload with a
64-bit CRC using the "Jones" polynomial 0xad93d23594c935a9 in its reflected
form (bits are processed least significant first), an initial value of 0
and no final xor. The reference check value is

    crc64(0, b"123456789") == 0xe9c6d914c4b8d9ca

The checksum is stored little-endian after the data it covers. A payload is
checked by recomputing the CRC over everything before the last 8 bytes.

Implementation: the classic byte-at-a-time table method. The 256-entry
table holds, for each byte value, the CRC of that byte alone; each input
byte then costs one table lookup, a shift and an xor:

    crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8)

The table (2 KiB) is filled once at import. Redis itself uses a faster
slice-by-16 variant; the results are identical, and the payloads this
module checks (function libraries, DUMP values) are small enough that the
simple loop is not worth more code. Written from the definition, not taken
from Redis.
"""

from libc.stdint cimport uint64_t

# The Jones polynomial 0xad93d23594c935a9, bit-reversed for LSB-first processing.
cdef uint64_t POLY_REFLECTED = 0x95ac9329ac4bc9b5ULL
cdef uint64_t _table[256]


cdef void _fill_table() noexcept nogil:
    cdef int i, bit
    cdef uint64_t c
    for i in range(256):
        c = <uint64_t>i
        for bit in range(8):
            if c & 1:
                c = (c >> 1) ^ POLY_REFLECTED
            else:
                c = c >> 1
        _table[i] = c


_fill_table()


cdef uint64_t crc64(uint64_t crc, const unsigned char* data, size_t n) noexcept nogil:
    """Continue ``crc`` over ``n`` bytes at ``data`` (start with 0). O(n),
    no allocation."""
    cdef size_t i
    for i in range(n):
        crc = _table[(crc ^ data[i]) & 0xff] ^ (crc >> 8)
    return crc


def py_crc64(const unsigned char[:] data, uint64_t crc=0):
    """crc64 of a bytes-like object (continuing ``crc``), for Python code."""
    if data.shape[0] == 0:
        return crc
    return crc64(crc, &data[0], data.shape[0])
