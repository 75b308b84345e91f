"""engine/dict: the chained hash table with incremental rehash and SCAN."""

import pytest

from engine.dict import (Dict, freed_entries, set_resize_policy, rev64, RESIZE_ENABLE,
                         RESIZE_AVOID, RESIZE_FORBID)


def keys(n, prefix=b"k"):
    return [prefix + str(i).encode() for i in range(n)]


def test_empty_dict():
    d = Dict()
    assert len(d) == 0
    assert d.get(b"x") is None
    assert d.delete(b"x") is False
    assert d.buckets() == (0, 0)
    assert d.scan(0) == (0, [])
    assert d.keys() == []
    assert d.random_key() is None
    assert d.random_key(fair=True) is None
    d.check()


def test_insert_find_overwrite_delete():
    d = Dict()
    assert d.set(b"a", 1) is True
    assert d.set(b"a", 2) is False          # existed: value slot reused
    assert d.get(b"a") == 2
    assert len(d) == 1
    assert d.delete(b"a") is True
    assert d.delete(b"a") is False
    assert d.get(b"a") is None
    d.check()


def test_binary_and_empty_keys():
    d = Dict()
    ks = [b"", b"\x00", b"\x00\x00", b"a\x00b", b"a", bytes(range(256)), b"\xff" * 1000]
    for i, k in enumerate(ks):
        assert d.set(k, i)
    for i, k in enumerate(ks):
        assert d.get(k) == i
    assert d.get(b"a\x00") is None
    assert sorted(d.keys()) == sorted(ks)
    d.check()


def test_first_insert_allocates_four_buckets():
    d = Dict()
    d.set(b"a", 1)
    assert d.buckets() == (4, 0)


def test_grows_at_load_factor_one_and_rehashes_incrementally():
    d = Dict()
    for k in keys(4):
        d.set(k, 1)
    assert d.buckets() == (4, 0) and not d.is_rehashing()
    d.set(b"fifth", 1)                     # used == size: doubles
    assert d.is_rehashing()
    assert d.buckets() == (4, 8)
    d.check()
    while d.is_rehashing():
        d.get(b"k0")                       # every lookup moves a bucket
        d.check()
    assert d.buckets() == (8, 0)
    assert len(d) == 5


def test_new_keys_go_to_the_new_table_while_rehashing():
    d = Dict()
    for k in keys(4):
        d.set(k, 1)
    d.pause_rehash()
    d.set(b"x", 1)
    assert d.is_rehashing()
    u0, u1 = d.used()
    assert u1 >= 1 and u0 + u1 == 5
    d.resume_rehash()
    d.check()


def test_lookups_find_keys_in_both_tables():
    d = Dict()
    ks = keys(100)
    for i, k in enumerate(ks):
        d.set(k, i)
        # check every key mid-rehash, without driving the rehash further
        d.pause_rehash()
        for j in range(0, i + 1, 7):
            assert d.get(ks[j]) == j
        d.resume_rehash()
    d.check()


def test_rehash_n_and_empty_visits_bound():
    d = Dict()
    for k in keys(1000):
        d.set(k, 1)
    while d.is_rehashing():
        d.rehash(1000)
    for k in keys(990):
        d.delete(k)
    while d.is_rehashing():
        d.rehash(1000)
    size = d.buckets()[0]
    assert d.shrink()                      # 10 keys in 1024 buckets
    assert d.is_rehashing()
    assert d.buckets()[1] == 16
    # one step visits at most 10 empty buckets: it may stop having moved nothing
    before = d.rehashidx
    d.rehash(1)
    assert d.rehashidx - before <= 10 + 1
    while d.rehash(1):
        d.check()
    assert d.buckets() == (16, 0)
    assert sorted(d.keys()) == sorted(keys(1000)[990:])
    assert size == 1024


def test_rehash_ms_finishes_big_table():
    d = Dict()
    for k in keys(5000):
        d.set(k, 1)
    while d.is_rehashing():
        d.rehash(100)
    assert d.expand(1 << 16)
    assert d.is_rehashing()
    while d.is_rehashing():
        d.rehash_ms(1)
    d.check()
    assert d.buckets() == (1 << 16, 0)
    d.pause_rehash()
    assert d.expand(1 << 17)
    assert d.rehash_ms(5) == 0             # paused: nothing moves
    assert d.rehashidx == 0
    d.resume_rehash()


def test_expand_rules():
    d = Dict()
    assert d.expand(5)                     # empty: installed directly, next power of two
    assert d.buckets() == (8, 0)
    assert not d.is_rehashing()
    assert not d.expand(8)                 # same size
    for k in keys(8):
        d.set(k, 1)
    assert not d.expand(4)                 # smaller than used
    assert d.expand(100)
    assert d.buckets() == (8, 128)
    assert not d.expand(1000)              # already rehashing
    d.check()


def test_shrink_threshold():
    d = Dict()
    for k in keys(64):
        d.set(k, 1)
    while d.is_rehashing():
        d.rehash(100)
    assert d.buckets() == (64, 0)
    for k in keys(58):
        d.delete(k)
    assert len(d) == 6
    assert d.needs_shrink()                # 6 * 100 / 64 < 10
    d.set(b"k0", 1)                        # 7 -> 10%: no longer sparse
    assert not d.needs_shrink()
    d.delete(b"k0")
    assert d.shrink()
    while d.is_rehashing():
        d.rehash(100)
    assert d.buckets() == (8, 0)
    assert not d.needs_shrink()
    for k in keys(64)[58:]:
        d.delete(k)
    assert len(d) == 0
    assert d.shrink()                      # empty: down to the 4-bucket minimum
    while d.is_rehashing():
        d.rehash(100)
    assert d.buckets() == (4, 0)
    assert not d.shrink()
    d.check()


def test_expand_refuses_sizes_that_overflow():
    d = Dict()
    d.set(b"a", 1)
    assert not d.expand(2**64 - 1)
    assert not d.expand(2**63)
    assert not d.expand(2**62 + 1)
    assert d.buckets() == (4, 0)
    assert d.get(b"a") == 1
    d.check()


def test_shrink_never_below_initial_size():
    d = Dict()
    d.expand(4)
    assert not d.needs_shrink()
    assert not d.shrink()


def test_resize_avoided_waits_for_ratio_five():
    set_resize_policy(RESIZE_AVOID)
    try:
        d = Dict()
        for k in keys(4):
            d.set(k, 1)
        for k in keys(20, b"x"):
            d.set(k, 1)
        assert d.buckets() == (4, 0)       # 24 / 4 = 6 > 5 only after the 24th insert
        d.set(b"one-more", 1)
        assert d.is_rehashing()
    finally:
        set_resize_policy(RESIZE_ENABLE)
    d.check()


def test_resize_avoided_rehashes_only_extreme_ratios_and_never_shrinks():
    """Redis's DICT_RESIZE_AVOID (a child is saving): a rehash between
    tables less than 5 times apart waits; a sparse table is not shrunk."""
    d = Dict()
    for k in keys(8):
        d.set(k, 1)
    while d.rehash(100):
        pass
    assert d.expand(16)                    # 8 -> 16: a factor of 2
    assert d.is_rehashing()
    set_resize_policy(RESIZE_AVOID)
    try:
        assert not d.rehash(100)
        assert d.is_rehashing()
    finally:
        set_resize_policy(RESIZE_ENABLE)
    while d.rehash(100):
        pass
    for k in keys(8)[1:]:
        d.delete(k)
    assert d.needs_shrink()
    set_resize_policy(RESIZE_AVOID)
    try:
        assert not d.shrink()
    finally:
        set_resize_policy(RESIZE_ENABLE)
    assert d.shrink()                      # 16 -> 4: a factor of 4, still < 5
    set_resize_policy(RESIZE_AVOID)
    try:
        assert not d.rehash(100)
    finally:
        set_resize_policy(RESIZE_ENABLE)
    big = Dict()
    for k in keys(200):
        big.set(k, 1)
    while big.rehash(100):
        pass
    for k in keys(200)[8:]:
        big.delete(k)
    assert big.shrink()                    # 256 -> 8: 32 times smaller
    set_resize_policy(RESIZE_AVOID)
    try:
        while big.rehash(1):
            pass
        assert not big.is_rehashing()
    finally:
        set_resize_policy(RESIZE_ENABLE)
    big.check()
    d.check()


def test_resize_forbidden_in_the_child():
    d = Dict()
    for k in keys(4):
        d.set(k, 1)
    set_resize_policy(RESIZE_FORBID)
    try:
        for k in keys(40, b"y"):
            d.set(k, 1)
        assert d.buckets() == (4, 0)       # even 44 / 4 = 11 does not grow it
    finally:
        set_resize_policy(RESIZE_ENABLE)
    d.set(b"z", 1)
    assert d.is_rehashing()
    d.check()


def test_unlink_returns_detached_entry():
    d = Dict(count_frees=True)
    d.set(b"a", 42)
    before = freed_entries()
    assert d.unlink(b"a") == 42
    assert freed_entries() == before + 1
    assert d.unlink(b"a") is None
    assert len(d) == 0


def test_free_hook_called_for_every_entry():
    before = freed_entries()
    d = Dict(count_frees=True)
    for k in keys(50):
        d.set(k, 1)
    d.delete(b"k0")
    assert freed_entries() == before + 1
    d.empty()
    assert freed_entries() == before + 50
    assert len(d) == 0 and d.buckets() == (0, 0)
    d.set(b"again", 1)                     # still usable
    assert d.get(b"again") == 1
    del d
    assert freed_entries() == before + 51


def test_safe_iterator_allows_deleting_returned_entries():
    d = Dict()
    ks = keys(300)
    for k in ks:
        d.set(k, 1)
    visited = d.iter_delete(lambda k: int(k[1:]) % 3 == 0)
    assert sorted(visited) == sorted(ks)           # each exactly once
    assert len(visited) == len(set(visited))
    assert sorted(d.keys()) == sorted(k for k in ks if int(k[1:]) % 3)
    d.check()


def test_safe_iterator_during_rehash_visits_both_tables():
    d = Dict()
    for k in keys(33):
        d.set(k, 1)
    d.pause_rehash()
    d.expand(1024)
    d.resume_rehash()
    d.rehash(3)
    assert d.is_rehashing()
    assert sorted(d.keys()) == sorted(keys(33))
    d.check()


def test_random_key_covers_all_keys():
    d = Dict()
    ks = set(keys(20))
    for k in ks:
        d.set(k, 1)
    seen = set()
    fair_seen = set()
    for _ in range(3000):
        seen.add(d.random_key())
        fair_seen.add(d.random_key(fair=True))
    assert seen == ks
    assert fair_seen == ks


@pytest.mark.parametrize("n", [2, 10, 15])
def test_fair_random_key_is_uniform(n):
    """dictGetFairRandomKey's sampling: a dict smaller than the 15-entry
    sample is sampled without repeats, so every key is equally likely
    (a chi-square bound that a repeat-biased sample exceeds)."""
    d = Dict()
    ks = keys(n)
    for k in ks:
        d.set(k, 1)
    draws = 400 * n
    counts = dict.fromkeys(ks, 0)
    for _ in range(draws):
        counts[d.random_key(fair=True)] += 1
    expected = draws / n
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    # df = n-1; these bounds are at p < 1e-5
    assert chi2 < {2: 20, 10: 40, 15: 50}[n], (chi2, counts)


def test_random_key_while_rehashing():
    d = Dict()
    for k in keys(100):
        d.set(k, 1)
    d.pause_rehash()
    d.expand(4096)
    d.resume_rehash()
    for _ in range(200):
        assert d.random_key() in set(keys(100))
        assert d.random_key(fair=True) in set(keys(100))


def test_scan_full_cycle_without_changes():
    d = Dict()
    ks = keys(1000)
    for k in ks:
        d.set(k, 1)
    while d.is_rehashing():
        d.rehash(100)
    got = []
    cursor = 0
    calls = 0
    while True:
        cursor, batch = d.scan(cursor)
        got += batch
        calls += 1
        if cursor == 0:
            break
    assert sorted(got) == sorted(ks)
    assert len(got) == len(ks)                    # no duplicates when nothing changes
    assert calls == d.buckets()[0]


def test_scan_cursor_is_reverse_binary():
    assert rev64(1) == 1 << 63
    assert rev64(rev64(123456789)) == 123456789
    d = Dict()
    d.expand(8)
    for k in keys(8):
        d.set(k, 1)
    cursors = []
    cursor = 0
    while True:
        cursors.append(cursor)
        cursor, _ = d.scan(cursor)
        if cursor == 0:
            break
    assert cursors == [0, 4, 2, 6, 1, 5, 3, 7]


def test_mem_overhead_counts_buckets():
    d = Dict()
    base = d.mem_overhead()
    d.expand(64)
    assert d.mem_overhead() == base + 64 * 8
