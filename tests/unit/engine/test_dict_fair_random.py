"""engine/dict's dict_fair_random (RANDOMKEY, ZRANDMEMBER): uniform enough
for Redis's own chi-square checks on small tables. (A sparse table that was
not shrunk is biased towards entries after long empty runs, in Redis's
dictGetSomeKeys as well; sorted set dicts shrink on delete, as in Redis.)"""

from engine.dict import Dict


def chi_square(counts, n):
    expect = n / len(counts)
    return sum((c - expect) ** 2 / expect for c in counts.values())


def draw(d, n):
    counts = {k: 0 for k in d.keys()}
    for _ in range(n):
        counts[d.random_key(fair=True)] += 1
    return counts


def test_small_dict_is_sampled_uniformly():
    # 10 keys in 16 buckets: a sample larger than the dict used to count
    # the keys after the random start twice.
    for size in (2, 3, 10, 15):
        d = Dict()
        for i in range(size):
            d.set(b"k%d" % i, i)
        counts = draw(d, 20000)
        assert all(counts.values())
        # df = size - 1; these bounds are beyond p = 1e-5
        assert chi_square(counts, 20000) < {2: 20, 3: 23, 10: 40, 15: 50}[size], counts
