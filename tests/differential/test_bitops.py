"""Bit operations (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO)
against a real redis-server."""

import random

import pytest


def test_setbit_getbit(diff):
    diff("SETBIT", "k", "7", "1")
    diff("GET", "k")
    diff("OBJECT", "ENCODING", "k")
    diff("SETBIT", "k", "7", "0")
    diff("SETBIT", "k", "100", "1")
    diff("GET", "k")
    diff("STRLEN", "k")
    for off in ("0", "7", "100", "101", "1000000"):
        diff("GETBIT", "k", off)
    diff("GETBIT", "missing", "5")
    diff("SETBIT", "k", "-1", "1")
    diff("SETBIT", "k", "4294967296", "1")
    diff("SETBIT", "k", "abc", "1")
    diff("SETBIT", "k", "1", "2")
    diff("SETBIT", "k", "1", "-1")
    diff("SETBIT", "k", "1", "x")
    diff("GETBIT", "k", "-1")
    diff("SET", "i", "255")
    diff("GETBIT", "i", "2")
    diff("SETBIT", "i", "0", "1")
    diff("GET", "i")
    diff("OBJECT", "ENCODING", "i")


@pytest.mark.parametrize("args", [(), ("0", "-1"), ("1", "1"), ("-2", "-1"), ("5", "2"),
                                  ("-1", "-5"), ("0", "100"), ("0", "-1", "BIT"),
                                  ("3", "17", "BIT"), ("-9", "-2", "BIT"), ("0", "0", "BYTE"),
                                  ("0", "1", "FOO"), ("0",), ("a", "1"), ("0", "1", "BIT", "x")])
def test_bitcount(diff, args):
    diff("SET", "k", "foobar\x00\xff\x81")
    diff("BITCOUNT", "k", *args)
    diff("BITCOUNT", "missing", *args)


@pytest.mark.parametrize("args", [("1",), ("0",), ("1", "2"), ("0", "2"), ("1", "-2"),
                                  ("0", "0", "-1"), ("1", "1", "3"), ("0", "1", "3"),
                                  ("1", "3", "20", "BIT"), ("0", "3", "20", "BIT"),
                                  ("1", "-5", "-1", "BIT"), ("0", "0", "7", "BIT"),
                                  ("2",), ("x",), ("1", "0", "1", "FOO"), ("1", "a"),
                                  ("0", "5", "2")])
def test_bitpos(diff, args):
    diff("SET", "k", "\xff\xf0\x00\x0f")
    diff("SET", "z", "\x00\x00")
    diff("SET", "f", "\xff\xff")
    diff("BITPOS", "k", *args)
    diff("BITPOS", "z", *args)
    diff("BITPOS", "f", *args)
    diff("BITPOS", "missing", *args)


def test_bitop(diff):
    diff("SET", "a", "foobar")
    diff("SET", "b", "abcdefghij")
    diff("SET", "n", "12345")
    for op in ("AND", "OR", "XOR"):
        diff("BITOP", op, "dest", "a", "b", "n", "missing")
        diff("GET", "dest")
        diff("OBJECT", "ENCODING", "dest")
    diff("BITOP", "NOT", "dest", "a")
    diff("GET", "dest")
    diff("BITOP", "NOT", "dest", "a", "b")
    diff("BITOP", "NAND", "dest", "a")
    diff("BITOP", "AND", "dest", "missing", "missing2")
    diff("EXISTS", "dest")
    diff("SET", "dest", "x")
    diff("BITOP", "OR", "dest", "missing")
    diff("EXISTS", "dest")


def test_bitop_random(diff):
    rnd = random.Random(7)
    for i in range(20):
        keys = []
        for j in range(rnd.randint(1, 4)):
            key = "r%d" % j
            val = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 70)))
            diff("SET", key, val)
            keys.append(key)
        op = rnd.choice(["AND", "OR", "XOR"])
        diff("BITOP", op, "out", *keys)
        diff("GET", "out")


def test_bitfield(diff):
    diff("BITFIELD", "k", "SET", "i8", "0", "100", "GET", "u4", "0", "INCRBY", "i5", "100", "1")
    diff("GET", "k")
    diff("BITFIELD", "k", "GET", "i64", "0", "GET", "u63", "1", "GET", "i1", "#3")
    diff("BITFIELD", "k", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1")
    for ow in ("WRAP", "SAT", "FAIL"):
        diff("BITFIELD", "k", "OVERFLOW", ow, "INCRBY", "i8", "0", "200")
        diff("BITFIELD", "k", "OVERFLOW", ow, "INCRBY", "i8", "0", "-300")
        diff("BITFIELD", "k", "OVERFLOW", ow, "SET", "u8", "#2", "300")
        diff("BITFIELD", "k", "OVERFLOW", ow, "INCRBY", "u8", "#2", "-1000")
        diff("BITFIELD", "k", "OVERFLOW", ow, "INCRBY", "i64", "64", "9223372036854775807")
        diff("BITFIELD", "k", "OVERFLOW", ow, "INCRBY", "i64", "64", "-9223372036854775808")
    diff("BITFIELD", "k", "GET", "u64", "0")
    diff("BITFIELD", "k", "GET", "i65", "0")
    diff("BITFIELD", "k", "GET", "x8", "0")
    diff("BITFIELD", "k", "GET", "i8", "-1")
    diff("BITFIELD", "k", "GET", "i8")
    diff("BITFIELD", "k", "OVERFLOW", "NOPE")
    diff("BITFIELD", "k", "FOO", "i8", "0")
    diff("BITFIELD", "k", "SET", "i8", "0", "x")
    diff("BITFIELD", "k")
    diff("BITFIELD", "missing", "GET", "u8", "0")
    diff("EXISTS", "missing")
    diff("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i3", "#5")
    diff("BITFIELD_RO", "k", "SET", "u8", "0", "1")
    diff("BITFIELD_RO", "k")
    diff.hello(3)
    diff("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "10")


def test_bitfield_random(diff):
    rnd = random.Random(11)
    for i in range(200):
        sign = rnd.choice("iu")
        bits = rnd.randint(1, 64 if sign == "i" else 63)
        off = rnd.randint(0, 200)
        ops = []
        kind = rnd.choice(["GET", "SET", "INCRBY"])
        ops += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
        if kind == "GET":
            ops += ["GET", "%s%d" % (sign, bits), str(off)]
        else:
            ops += [kind, "%s%d" % (sign, bits), str(off), str(rnd.randint(-2 ** 63, 2 ** 63 - 1) >> rnd.randint(0, 62))]
        diff("BITFIELD", "bf", *ops)
    diff("GET", "bf")


def test_wrong_arity(diff):
    for cmd in ("SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP", "BITFIELD", "BITFIELD_RO"):
        diff(cmd)
