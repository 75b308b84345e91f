"""engine.dict (dict_t) vs Python's dict: insert and lookup of 100,000 keys.

Each group has two pairs:
  * C loops: ``dict_t`` driven from C (bench hooks) vs Python's dict filled
    or probed by a C-level loop (``dict(zip(...))``, ``map``);
  * Python loops: the ``engine.dict.Dict`` wrapper vs a Python dict, one
    Python-level call per key (dominated by call overhead in both).
Python's dict stores pointers to existing key objects; dict_t copies each key
into its entry and hashes with SipHash-1-2 (Redis's choice), so it does more
work per insert by design.
"""

import pytest

from engine.dict import Dict

N = 100_000
KEYS = [b"key:%d" % i for i in range(N)]
MISSING = [b"nokey:%d" % i for i in range(N)]


# ---- insert -------------------------------------------------------------------

@pytest.mark.benchmark(group="dict-insert-100k")
def test_insert_dict_t_c_loop(benchmark, hooks):
    added = benchmark.pedantic(lambda d: d.insert_all(KEYS), setup=lambda: ((hooks.CDict(),), {}),
                               rounds=15, warmup_rounds=1)
    assert added == N


@pytest.mark.benchmark(group="dict-insert-100k")
def test_insert_python_dict_c_loop(benchmark):
    d = benchmark(lambda: dict(zip(KEYS, range(N))))
    assert len(d) == N


@pytest.mark.benchmark(group="dict-insert-100k")
def test_insert_engine_Dict_py_loop(benchmark):
    def fill(d):
        for i, k in enumerate(KEYS):
            d.set(k, i)
        return d
    d = benchmark.pedantic(fill, setup=lambda: ((Dict(),), {}), rounds=10, warmup_rounds=1)
    assert len(d) == N and d.get(KEYS[N // 2]) == N // 2


@pytest.mark.benchmark(group="dict-insert-100k")
def test_insert_python_dict_py_loop(benchmark):
    def fill():
        d = {}
        for i, k in enumerate(KEYS):
            d[k] = i
        return d
    d = benchmark(fill)
    assert len(d) == N


# ---- lookup -------------------------------------------------------------------

@pytest.fixture(scope="module")
def cdict(hooks):
    d = hooks.CDict()
    d.insert_all(KEYS)
    return d


@pytest.fixture(scope="module")
def edict():
    d = Dict()
    for i, k in enumerate(KEYS):
        d.set(k, i)
    return d


PYDICT = dict(zip(KEYS, range(N)))


@pytest.mark.benchmark(group="dict-lookup-100k")
@pytest.mark.parametrize("keys", ["hit", "miss"])
def test_lookup_dict_t_c_loop(benchmark, cdict, keys):
    found = benchmark(cdict.find_all, KEYS if keys == "hit" else MISSING)
    assert found == (N if keys == "hit" else 0)


@pytest.mark.benchmark(group="dict-lookup-100k")
@pytest.mark.parametrize("keys", ["hit", "miss"])
def test_lookup_python_dict_c_loop(benchmark, keys):
    found = benchmark(lambda ks: sum(map(PYDICT.__contains__, ks)),
                      KEYS if keys == "hit" else MISSING)
    assert found == (N if keys == "hit" else 0)


@pytest.mark.benchmark(group="dict-lookup-100k")
def test_lookup_engine_Dict_py_loop(benchmark, edict):
    def probe():
        found = 0
        for k in KEYS:
            if edict.get(k) is not None:
                found += 1
        return found
    assert benchmark(probe) == N


@pytest.mark.benchmark(group="dict-lookup-100k")
def test_lookup_python_dict_py_loop(benchmark):
    def probe():
        found = 0
        for k in KEYS:
            if PYDICT.get(k) is not None:
                found += 1
        return found
    assert benchmark(probe) == N
