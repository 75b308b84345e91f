"""CRC-64/Jones (engine.crc64): the check value, chaining, and the
checksum Redis appends to a FUNCTION DUMP payload."""

import binascii

from engine.crc64 import py_crc64


def test_check_value():
    assert py_crc64(b"123456789") == 0xe9c6d914c4b8d9ca


def test_empty_is_initial_value():
    assert py_crc64(b"") == 0
    assert py_crc64(b"", 1234) == 1234


def test_chaining_equals_one_pass():
    data = bytes(range(256)) * 5
    for cut in (0, 1, 7, 300, len(data)):
        assert py_crc64(data[cut:], py_crc64(data[:cut])) == py_crc64(data)


def test_accepts_bytes_like():
    assert py_crc64(bytearray(b"123456789")) == py_crc64(memoryview(b"123456789"))


def test_redis_function_dump_footer():
    # FUNCTION DUMP from redis-server 7.0.15 after loading
    # "#!lua name=crclib\nredis.register_function('f', function() return 1 end)":
    # RDB_OPCODE_FUNCTION2, the code string, RDB version 10, then the CRC
    # of everything before it, little-endian.
    payload = binascii.unhexlify(
        "f5404723216c7561206e616d653d6372636c69620a72656469732e72656769737465725f66756e637469"
        "6f6e282766272c2066756e6374696f6e28292072657475726e203120656e64290a00"
        "87065252ce6fa3e4")
    assert py_crc64(payload[:-8]).to_bytes(8, "little") == payload[-8:]
