"""RDB payload helpers shared by the DUMP/RESTORE tests: footers, and
rewriting a Redis 7.0 stream payload in the older stream type."""

import struct

from engine import rdb as rdbenc
from engine.crc64 import py_crc64


def footer(body):
    """A DUMP payload around ``body`` (type byte + value): RDB version 10
    and the CRC-64 of everything before."""
    data = body + struct.pack("<H", 10)
    return data + struct.pack("<Q", py_crc64(data))


def stream_v1(payload):
    """A Redis 7.0 stream payload (RDB_TYPE_STREAM_LISTPACKS_2) rewritten as
    the Redis 5/6 type STREAM_LISTPACKS (15): the same nodes, length, last
    ID and groups, without the first ID, the max deleted ID, the entries
    added, and each group's entries_read."""
    body = bytes(payload[:-10])
    assert body[0] == 19
    pos = 1

    def length():
        nonlocal pos
        n, used = rdbenc.decode_len(body[pos:pos + 9])
        start = pos
        pos += used
        return n, body[start:pos]

    def string():
        nonlocal pos
        _s, used, _ = rdbenc.decode_string(body[pos:])
        start = pos
        pos += used
        return body[start:pos]

    def raw(n):
        nonlocal pos
        pos += n
        return body[pos - n:pos]

    out = bytearray(b"\x0f")
    n, b = length()
    out += b
    for _ in range(n):
        out += string() + string()
    for _ in range(3):                   # length, last ID
        out += length()[1]
    for _ in range(5):                   # first ID, max deleted ID, entries added
        length()
    ngroups, b = length()
    out += b
    for _ in range(ngroups):
        out += string() + length()[1] + length()[1]
        length()                         # entries_read
        npel, b = length()
        out += b
        for _ in range(npel):
            out += raw(16) + raw(8) + length()[1]
        ncons, b = length()
        out += b
        for _ in range(ncons):
            out += string() + raw(8)
            npel, b = length()
            out += b + raw(16 * npel)
    assert pos == len(body)
    return footer(bytes(out))
