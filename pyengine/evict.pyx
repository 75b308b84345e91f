"""maxmemory eviction (Redis's evict.c), in C.

When ``used_memory`` (engine/_mem's exact count) is above ``maxmemory``,
``free_memory_if_needed`` deletes keys chosen by the policy until it is
below, or gives up:

* ``allkeys-*`` sample the whole keyspace, ``volatile-*`` only keys with a
  TTL;
* ``lru`` / ``lfu`` / ``ttl``: each round samples ``maxmemory-samples``
  keys per database into a pool of the 16 best candidates ordered by score
  (idle time, 255 - LFU counter, or how soon the TTL ends); the best
  candidate that still exists is evicted. The pool persists across rounds
  and calls, which is what makes sampled LRU approach true LRU;
* ``random`` picks a random key, visiting databases round-robin;
* ``noeviction`` never deletes: write commands get the OOM error.

Work per call is bounded by ``maxmemory-eviction-tenacity`` (50 us per
point up to 10, then a 15% geometric progression); when the budget runs out
the command proceeds and the next one continues.

As in Redis, a call frees what was over the limit when it started, counting
only the memory the deletions themselves give back: the "evicted" keyspace
notifications it publishes grow client output buffers, which must not make
it evict more keys.
"""

from libc.string cimport memcpy, memcmp
from libc.math cimport pow

from engine._mem cimport mem_used, mem_alloc, mem_free
from engine.dict cimport pe_entry, dict_t, dict_size, dict_find, dict_random
from engine.object cimport robj
from pyengine.core cimport Server, Db, monotonic_us, mstime
from pyengine.db cimport db_delete, lfu_decr_and_return
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_EVICTED
from pyengine.propagate cimport propagate_deletion

cdef enum:
    POLICY_LRU = 1 << 0
    POLICY_LFU = 1 << 1
    POLICY_ALLKEYS = 1 << 2
    POLICY_TTL = 1 << 3
    POLICY_RANDOM = 1 << 4
    POLICY_NOEVICTION = 1 << 5
    POOL_SIZE = 16


def policy_flags(str name):
    """Server.maxmemory_policy_flags for a policy name: bit 1 = LRU or LFU
    (no shared integers), bit 2 = LFU; the rest is used here only."""
    cdef int f = 0
    if name.startswith("allkeys"):
        f |= POLICY_ALLKEYS
    if name.endswith("-lru"):
        f |= POLICY_LRU
    elif name.endswith("-lfu"):
        f |= POLICY_LFU | POLICY_LRU
    elif name.endswith("-ttl"):
        f |= POLICY_TTL
    elif name.endswith("-random"):
        f |= POLICY_RANDOM
    else:
        f |= POLICY_NOEVICTION
    return f


cdef struct pool_entry:
    unsigned long long score     # higher = better candidate
    char* key                    # owned copy, NULL = empty slot
    size_t klen
    int dbid


cdef pool_entry _pool[POOL_SIZE]
cdef unsigned int _next_db = 0


cdef long long _idle_ms(Server srv, robj* o) noexcept:
    cdef long long clock = (srv.mstime // 1000) & 0xFFFFFF
    if clock >= o.lru:
        return (clock - o.lru) * 1000
    return (clock + (0xFFFFFF - o.lru)) * 1000


cdef void _pool_insert(unsigned long long score, const char* key, size_t klen, int dbid) noexcept:
    """Keep the pool sorted ascending by score; drop the worst when full."""
    cdef int k = 0
    cdef int i
    while k < POOL_SIZE and _pool[k].key != NULL and _pool[k].score < score:
        k += 1
    for i in range(POOL_SIZE):     # skip a key already pooled
        if (_pool[i].key != NULL and _pool[i].dbid == dbid and _pool[i].klen == klen and
                memcmp(_pool[i].key, key, klen) == 0):
            return
    if k == 0 and _pool[POOL_SIZE - 1].key != NULL:
        return                      # worse than everything in a full pool
    if k < POOL_SIZE and _pool[POOL_SIZE - 1].key == NULL:
        # room at the end: shift right from k
        i = POOL_SIZE - 1
        while i > k:
            _pool[i] = _pool[i - 1]
            i -= 1
    else:
        # full: drop the worst (index 0), shift left up to k-1
        k -= 1
        mem_free(_pool[0].key)
        for i in range(k):
            _pool[i] = _pool[i + 1]
    _pool[k].score = score
    _pool[k].key = <char*>mem_alloc(klen + 1)
    memcpy(_pool[k].key, key, klen)
    _pool[k].key[klen] = 0
    _pool[k].klen = klen
    _pool[k].dbid = dbid


cdef void _pool_populate(Server srv, int dbid, dict_t* sample_dict, int policy, int samples) noexcept:
    cdef Db* db = srv.db(dbid)
    cdef int j
    cdef pe_entry* e
    cdef pe_entry* ke
    cdef robj* o
    cdef unsigned long long score
    for j in range(samples):
        e = dict_random(sample_dict)
        if e == NULL:
            return
        if policy & POLICY_TTL:
            score = 0xFFFFFFFFFFFFFFFF - <unsigned long long>e.v.s64
        else:
            if policy & POLICY_ALLKEYS:
                o = <robj*>e.v.ptr
            else:
                ke = dict_find(db.keys, e.key, e.klen)
                if ke == NULL:
                    continue
                o = <robj*>ke.v.ptr
            if policy & POLICY_LFU:
                score = 255 - lfu_decr_and_return(srv, o)
            else:
                score = <unsigned long long>_idle_ms(srv, o)
        _pool_insert(score, e.key, e.klen, dbid)


cdef unsigned long _time_limit_us(int tenacity) noexcept:
    if tenacity <= 10:
        return 50 * tenacity
    if tenacity < 100:
        return <unsigned long>(500.0 * pow(1.15, tenacity - 10.0))
    return <unsigned long>-1


def free_memory_if_needed(Server srv, config):
    """Evict until used_memory <= maxmemory. Returns False only when memory
    is over the limit and nothing (more) can be evicted."""
    global _next_db
    cdef int policy = policy_flags(config["maxmemory-policy"])
    cdef int samples = config["maxmemory-samples"]
    cdef unsigned long limit = _time_limit_us(config["maxmemory-eviction-tenacity"])
    cdef long long start
    cdef int i, k, dbid
    cdef unsigned long total
    cdef dict_t* d
    cdef pe_entry* e
    cdef bytes bestkey
    cdef int bestdb
    cdef bint found
    cdef long long to_free, freed = 0, before
    if srv.maxmemory == 0 or mem_used() <= <size_t>srv.maxmemory:
        return True
    if policy & POLICY_NOEVICTION:
        return False
    start = monotonic_us()
    srv.mstime = mstime()
    to_free = <long long>mem_used() - srv.maxmemory
    while freed < to_free:
        found = False
        if policy & POLICY_RANDOM:
            for i in range(srv.dbnum):
                _next_db += 1
                dbid = _next_db % srv.dbnum
                d = srv.db(dbid).keys if policy & POLICY_ALLKEYS else srv.db(dbid).expires
                if dict_size(d):
                    e = dict_random(d)
                    bestkey = e.key[:e.klen]
                    bestdb = dbid
                    found = True
                    break
        else:
            while not found:
                total = 0
                for i in range(srv.dbnum):
                    d = srv.db(i).keys if policy & POLICY_ALLKEYS else srv.db(i).expires
                    if dict_size(d):
                        _pool_populate(srv, i, d, policy, samples)
                        total += dict_size(d)
                if total == 0:
                    break
                k = POOL_SIZE - 1
                while k >= 0:
                    if _pool[k].key != NULL:
                        d = srv.db(_pool[k].dbid).keys if policy & POLICY_ALLKEYS else srv.db(_pool[k].dbid).expires
                        e = dict_find(d, _pool[k].key, _pool[k].klen)
                        if e != NULL:
                            bestkey = _pool[k].key[:_pool[k].klen]
                            bestdb = _pool[k].dbid
                            found = True
                        mem_free(_pool[k].key)
                        _pool[k].key = NULL
                        _pool[k].score = 0
                        if found:
                            break
                    k -= 1
        if not found:
            return mem_used() <= <size_t>srv.maxmemory
        before = <long long>mem_used()
        if db_delete(srv, srv.db(bestdb), bestkey, len(bestkey)):
            freed += before - <long long>mem_used()
            srv.stat_evictedkeys += 1
            srv.dirty += 1
            notify_keyspace_event(srv, NOTIFY_EVICTED, b"evicted", bestkey, len(bestkey), bestdb)
            if srv.propagating:
                propagate_deletion(srv, bestdb, bestkey, len(bestkey), srv.lazyfree_lazy_eviction)
        if <unsigned long>(monotonic_us() - start) > limit:
            return True          # budget spent: let the command run, continue next time
    return True
