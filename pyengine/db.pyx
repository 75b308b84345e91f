"""The keyspace: lookups, writes, TTLs and the background expiry.

Each database is ``Db.keys`` (key -> robj*) plus ``Db.expires`` (key ->
absolute unix ms). Every function here keeps the two consistent: a key in
``expires`` is always in ``keys``, and deleting or overwriting a key removes
its TTL (unless KEEPTTL).

Expiry is Redis's two-part scheme:

* lazy: ``lookup_key`` (every read or write of a key) first checks the TTL
  and deletes the key if ``now > when``, so no command ever sees an expired
  key;
* active: ``active_expire_cycle`` samples ``expires`` bucket by bucket from
  a per-db cursor (20 keys a round, more with active-expire-effort), deletes
  what expired, and repeats while more than 10% of the sample was stale,
  within 25% of a cron tick (slow cycle) or 1 ms (fast cycle, before the
  event loop sleeps, only when the last slow cycle ran out of time or the
  estimated stale share is high). Keys never touched again are reclaimed.

Time: commands read ``srv.mstime``, set once per command by the dispatcher,
so a command sees one consistent "now" (Redis's fixed_time_expire).

Keyspace notifications raised here, where Redis raises them: "new" when a
key is created (db_add, set_key), "expired" when a TTL deletes a key
(lazily or in the active cycle), "keymiss" when a read lookup misses. The
commands raise their own events (pyengine/pubsub.pxd notify_keyspace_event).

LRU/LFU: lookups update the object's ``lru`` field: a 24-bit seconds clock
(LRU policies and OBJECT IDLETIME) or, under an LFU policy, 16 bits of
minutes plus an 8-bit logarithmic counter (OBJECT FREQ), as in Redis.
"""

from libc.string cimport memcpy
from libc.stdlib cimport rand, RAND_MAX

from cpython.bytes cimport PyBytes_FromStringAndSize
from engine.dict cimport (dict_t, pe_entry, dict_find, dict_add_or_find, dict_unlink,
                          dict_free_entry, dict_delete, dict_size, dict_empty, dict_scan,
                          dict_buckets, dict_shrink, dict_rehash_ms, dict_is_rehashing)
from engine.object cimport robj, obj_free, LRU_CLOCK_MAX, OBJ_STREAM
from engine.resp cimport rbuf, rbuf_append, rbuf_free
from pyengine.core cimport Server, Client, Db, mstime, ustime, lru_clock
from pyengine.propagate cimport propagate_deletion
from pyengine.pubsub cimport (notify_keyspace_event, NOTIFY_NEW, NOTIFY_EXPIRED,
                              NOTIFY_KEY_MISS)

cdef enum:
    LFU_INIT_VAL = 5
    EXPIRE_KEYS_PER_LOOP = 20
    EXPIRE_FAST_DURATION = 1000       # us
    EXPIRE_SLOW_TIME_PERC = 25
    EXPIRE_ACCEPTABLE_STALE = 10
    CRON_DBS_PER_CALL = 16


# ---- LRU / LFU ---------------------------------------------------------------

cdef inline unsigned long _lfu_minutes(Server srv) noexcept:
    return <unsigned long>((srv.mstime // 1000 // 60) & 65535)


cdef unsigned long lfu_decr_and_return(Server srv, robj* o) noexcept:
    """The LFU counter of ``o`` after applying the decay for elapsed time."""
    cdef unsigned long ldt = o.lru >> 8
    cdef unsigned long counter = o.lru & 255
    cdef unsigned long now = _lfu_minutes(srv)
    cdef unsigned long elapsed = now - ldt if now >= ldt else 65535 - ldt + now
    cdef unsigned long periods = elapsed // srv.lfu_decay_time if srv.lfu_decay_time else 0
    if periods:
        counter = 0 if periods > counter else counter - periods
    return counter


cdef inline bint _lfu_policy(Server srv) noexcept:
    return (srv.maxmemory_policy_flags & 2) != 0


cdef void init_object_lru(Server srv, robj* o) noexcept:
    """Stamp a freshly stored object (createObject's LRU/LFU init)."""
    if _lfu_policy(srv):
        o.lru = <unsigned int>((_lfu_minutes(srv) << 8) | LFU_INIT_VAL)
    else:
        o.lru = <unsigned int>((srv.mstime // 1000) & LRU_CLOCK_MAX)


cdef void touch_object(Server srv, robj* o) noexcept:
    """Record an access: LRU clock, or LFU decay + logarithmic increment."""
    cdef unsigned long counter
    cdef double r, baseval, p
    if _lfu_policy(srv):
        counter = lfu_decr_and_return(srv, o)
        if counter < 255:
            r = <double>rand() / RAND_MAX
            baseval = <double>counter - LFU_INIT_VAL
            if baseval < 0:
                baseval = 0
            p = 1.0 / (baseval * srv.lfu_log_factor + 1)
            if r < p:
                counter += 1
        o.lru = <unsigned int>((_lfu_minutes(srv) << 8) | counter)
    else:
        o.lru = <unsigned int>((srv.mstime // 1000) & LRU_CLOCK_MAX)


# ---- expiry --------------------------------------------------------------------

cdef long long get_expire(Db* db, const char* key, size_t klen) noexcept:
    """Absolute expire time in ms, or -1 when the key has no TTL."""
    cdef pe_entry* e
    if dict_size(db.expires) == 0:
        return -1
    e = dict_find(db.expires, key, klen)
    return -1 if e == NULL else e.v.s64


cdef void set_expire(Db* db, const char* key, size_t klen, long long when) noexcept:
    """Give an existing key a TTL (absolute ms)."""
    cdef bint existed
    cdef pe_entry* e = dict_add_or_find(db.expires, key, klen, &existed)
    e.v.s64 = when


cdef bint remove_expire(Db* db, const char* key, size_t klen) noexcept:
    """Make the key persistent. True if it had a TTL."""
    if dict_size(db.expires) == 0:
        return False
    return dict_delete(db.expires, key, klen)


cdef bint key_is_expired(Server srv, Db* db, const char* key, size_t klen) noexcept:
    cdef long long when = get_expire(db, key, klen)
    if when < 0:
        return False
    return srv.mstime > when


cdef void delete_expired_key(Server srv, Db* db, const char* key, size_t klen) noexcept:
    """Delete a key because its TTL passed (counts expired_keys, notifies
    "expired", logs DEL). ``key`` must not point into the keyspace entry."""
    if db_delete(srv, db, key, klen):
        srv.stat_expiredkeys += 1
        notify_keyspace_event(srv, NOTIFY_EXPIRED, b"expired", key, klen, db.id)
        if srv.propagating:
            propagate_deletion(srv, db.id, key, klen, srv.lazyfree_lazy_expire)


cdef bint expire_if_needed(Server srv, Db* db, const char* key, size_t klen) noexcept:
    """If the key is logically expired, delete it. True when it is expired.

    While clients are paused for writes the key is reported expired but not
    deleted, so the dataset stays static (Redis does the same)."""
    if not key_is_expired(srv, db, key, klen):
        return False
    if srv.client_pause_type != 0:
        return True
    delete_expired_key(srv, db, key, klen)
    return True


# ---- WATCH support -----------------------------------------------------------------

cdef void signal_key_as_ready(Server srv, Db* db, const char* key, size_t klen) noexcept:
    """``key`` may now serve clients blocked on it (BLPOP & co): queue it for
    pyengine.blocked.handle_ready_keys. One integer test when nobody blocks."""
    if srv.blocking_count == 0:
        return
    try:
        entry = (db.id, PyBytes_FromStringAndSize(key, klen))
        if entry in srv.blocking and entry not in srv.ready_set:
            srv.ready_set.add(entry)
            srv.ready_keys.append(entry)
    except BaseException:
        pass


cdef void signal_modified_key(Server srv, Db* db, const char* key, size_t klen) noexcept:
    """A key's value or TTL changed (Redis's signalModifiedKey): WATCHes on
    it fail, and clients blocked on it get another try. Costs two integer
    tests unless some client watches or blocks."""
    signal_key_as_ready(srv, db, key, klen)
    if srv.watched_count == 0:
        return
    try:
        from pyengine.multi import touch_watched_key
        touch_watched_key(srv, db.id, PyBytes_FromStringAndSize(key, klen))
    except BaseException:
        pass


cdef void signal_flushed_db(Server srv, int dbid) noexcept:
    """Before FLUSHDB (dbid) / FLUSHALL (-1) empties data: touch the watched
    keys that exist."""
    cdef int i
    if srv.watched_count == 0:
        return
    try:
        from pyengine.multi import touch_all_watched_keys_in_db
        for i in range(srv.dbnum):
            if dbid == -1 or i == dbid:
                touch_all_watched_keys_in_db(srv, i)
    except BaseException:
        pass


def py_exists_raw(Server srv, int dbid, bytes key):
    """Whether the key is in the table (logically expired or not)."""
    return dict_find(srv.dbs[dbid].keys, key, len(key)) != NULL


def py_key_is_expired(Server srv, int dbid, bytes key):
    srv.mstime = mstime()
    return key_is_expired(srv, &srv.dbs[dbid], key, len(key))


# ---- lookups ----------------------------------------------------------------------

cdef robj* lookup_key(Server srv, Db* db, const char* key, size_t klen, int flags) noexcept:
    """The value of ``key``, or NULL if missing or expired (lazily deleted).
    Updates LRU/LFU unless LOOKUP_NOTOUCH and hit/miss stats unless
    LOOKUP_NOSTATS or LOOKUP_WRITE."""
    cdef pe_entry* e = dict_find(db.keys, key, klen)
    cdef robj* val = NULL
    if e != NULL:
        val = <robj*>e.v.ptr
        if dict_size(db.expires) and key_is_expired(srv, db, key, klen):
            if not (flags & LOOKUP_NOEXPIRE):
                expire_if_needed(srv, db, key, klen)
            val = NULL
    if val != NULL:
        if not (flags & LOOKUP_NOTOUCH):
            touch_object(srv, val)
        if not (flags & (LOOKUP_NOSTATS | LOOKUP_WRITE)):
            srv.stat_keyspace_hits += 1
    else:
        if not (flags & (LOOKUP_NONOTIFY | LOOKUP_WRITE)):
            notify_keyspace_event(srv, NOTIFY_KEY_MISS, b"keymiss", key, klen, db.id)
        if not (flags & (LOOKUP_NOSTATS | LOOKUP_WRITE)):
            srv.stat_keyspace_misses += 1
    return val


cdef robj* lookup_read(Client c, const char* key, size_t klen) noexcept:
    return lookup_key(c.srv, c.db, key, klen, LOOKUP_NONE)


cdef robj* lookup_write(Client c, const char* key, size_t klen) noexcept:
    return lookup_key(c.srv, c.db, key, klen, LOOKUP_WRITE)


cdef bint db_exists(Server srv, Db* db, const char* key, size_t klen) noexcept:
    """True if the key exists and is not expired (no stats, no LRU touch)."""
    return lookup_key(srv, db, key, klen, LOOKUP_NOTOUCH | LOOKUP_NOSTATS) != NULL


# ---- writes ------------------------------------------------------------------------

cdef void db_add(Server srv, Db* db, const char* key, size_t klen, robj* val) noexcept:
    """Store ``val`` under a key that does not exist. Takes ownership of val."""
    cdef bint existed
    cdef pe_entry* e = dict_add_or_find(db.keys, key, klen, &existed)
    if existed:                       # defensive: never leak the old value
        obj_free(<robj*>e.v.ptr)
    init_object_lru(srv, val)
    e.v.ptr = <void*>val
    signal_modified_key(srv, db, key, klen)
    notify_keyspace_event(srv, NOTIFY_NEW, b"new", key, klen, db.id)


cdef void db_add_moved(Db* db, const char* key, size_t klen, robj* val) noexcept:
    """Store a value taken from another key (RENAME, MOVE) as it is: its
    LRU/LFU data is kept. The key must not exist. Takes ownership. Raises
    no "new" event (no Server here): the caller does."""
    cdef bint existed
    cdef pe_entry* e = dict_add_or_find(db.keys, key, klen, &existed)
    if existed:
        obj_free(<robj*>e.v.ptr)
    e.v.ptr = <void*>val


cdef robj* db_take(Db* db, const char* key, size_t klen) noexcept:
    """Remove a key (and its TTL) without freeing its value, which is
    returned to the caller (NULL if the key does not exist)."""
    cdef pe_entry* e = dict_unlink(db.keys, key, klen)
    cdef robj* val
    if e == NULL:
        return NULL
    val = <robj*>e.v.ptr
    e.v.ptr = NULL
    if dict_size(db.expires):
        dict_delete(db.expires, key, klen)
    dict_free_entry(db.keys, e)
    return val


cdef void db_replace_value(Server srv, Db* db, const char* key, size_t klen, robj* val) noexcept:
    """Replace the value of an existing key, keeping its TTL. Under an LFU
    policy the access counter carries over (dbSetValue). Takes ownership."""
    cdef pe_entry* e = dict_find(db.keys, key, klen)
    cdef robj* old
    if e == NULL:
        db_add(srv, db, key, klen, val)
        return
    old = <robj*>e.v.ptr
    if old == val:
        return
    if _lfu_policy(srv):
        val.lru = old.lru
    else:
        init_object_lru(srv, val)
    e.v.ptr = <void*>val
    obj_free(old)
    signal_modified_key(srv, db, key, klen)


cdef void set_key(Server srv, Db* db, const char* key, size_t klen, robj* val, bint keepttl) noexcept:
    """SET semantics: add or overwrite, dropping any TTL unless ``keepttl``.
    Takes ownership of val."""
    cdef bint existed
    cdef pe_entry* e
    cdef robj* old
    if dict_size(db.expires):
        expire_if_needed(srv, db, key, klen)
    e = dict_add_or_find(db.keys, key, klen, &existed)
    if existed:
        old = <robj*>e.v.ptr
        if _lfu_policy(srv):
            val.lru = old.lru
        else:
            init_object_lru(srv, val)
        e.v.ptr = <void*>val
        if old != val:
            obj_free(old)
        if not keepttl:
            remove_expire(db, key, klen)
    else:
        init_object_lru(srv, val)
        e.v.ptr = <void*>val
    signal_modified_key(srv, db, key, klen)
    if not existed:
        notify_keyspace_event(srv, NOTIFY_NEW, b"new", key, klen, db.id)


cdef bint db_delete(Server srv, Db* db, const char* key, size_t klen) noexcept:
    """Delete a key and its TTL. True if it existed."""
    cdef pe_entry* e = dict_unlink(db.keys, key, klen)
    if e == NULL:
        return False
    if dict_size(db.expires):
        dict_delete(db.expires, key, klen)
    dict_free_entry(db.keys, e)
    signal_modified_key(srv, db, key, klen)
    return True


cdef void _signal_flushed_streams(Server srv, int dbid) noexcept:
    """Before a flush: queue the stream keys clients block on, so blocked
    XREADGROUP readers learn their stream is gone (Redis's
    scanDatabaseForDeletedStreams)."""
    cdef pe_entry* e
    if srv.blocking_count == 0:
        return
    try:
        for entry in list(srv.blocking):
            if dbid != -1 and entry[0] != dbid:
                continue
            key = entry[1]
            e = dict_find(srv.dbs[entry[0]].keys, key, len(key))
            if e != NULL and (<robj*>e.v.ptr).type == OBJ_STREAM and entry not in srv.ready_set:
                srv.ready_set.add(entry)
                srv.ready_keys.append(entry)
    except BaseException:
        pass


cdef long long empty_db(Server srv, int dbid) noexcept:
    """Remove every key of one database (dbid >= 0) or all (-1). Returns the
    number of keys removed."""
    cdef long long removed = 0
    cdef int i
    signal_flushed_db(srv, dbid)
    _signal_flushed_streams(srv, dbid)
    for i in range(srv.dbnum):
        if dbid != -1 and i != dbid:
            continue
        removed += dict_size(srv.dbs[i].keys)
        dict_empty(srv.dbs[i].keys)
        dict_empty(srv.dbs[i].expires)
        srv.dbs[i].avg_ttl = 0
        srv.dbs[i].expires_cursor = 0
    return removed


# ---- active expire ----------------------------------------------------------------

cdef struct _sample:
    rbuf keys            # <8-byte len><bytes> records of the sampled keys
    long long now
    long long ttl_sum
    long ttl_samples
    unsigned long sampled


cdef void _collect_expire_sample(void* privdata, pe_entry* e) noexcept:
    cdef _sample* s = <_sample*>privdata
    cdef size_t n = e.klen
    cdef long long ttl = e.v.s64 - s.now
    rbuf_append(&s.keys, <const char*>&n, sizeof(size_t))
    rbuf_append(&s.keys, e.key, n)
    if ttl > 0:
        s.ttl_sum += ttl
        s.ttl_samples += 1
    s.sampled += 1


cdef void active_expire_cycle(Server srv, bint fast) noexcept:
    """Reclaim expired keys by sampling (Redis's activeExpireCycle)."""
    cdef unsigned long effort = srv.active_expire_effort - 1
    cdef unsigned long keys_per_loop = EXPIRE_KEYS_PER_LOOP + EXPIRE_KEYS_PER_LOOP // 4 * effort
    cdef unsigned long fast_duration = EXPIRE_FAST_DURATION + EXPIRE_FAST_DURATION // 4 * effort
    cdef unsigned long slow_perc = EXPIRE_SLOW_TIME_PERC + 2 * effort
    cdef unsigned long acceptable_stale = EXPIRE_ACCEPTABLE_STALE - effort
    cdef long long start = ustime()
    cdef long long timelimit, elapsed
    cdef int dbs_per_call = CRON_DBS_PER_CALL
    cdef int j, iteration = 0
    cdef Db* db
    cdef unsigned long num, expired, buckets_checked, max_buckets
    cdef long total_sampled = 0, total_expired = 0
    cdef _sample s
    cdef size_t off, klen
    cdef double perc
    cdef long long avg
    if not srv.active_expire_enabled or srv.client_pause_type != 0:
        return
    if fast:
        if not srv.expire_timelimit_exit and srv.stat_expired_stale_perc < acceptable_stale:
            return
        if start < srv.expire_last_fast_cycle + <long long>fast_duration * 2:
            return
        srv.expire_last_fast_cycle = start
    if dbs_per_call > srv.dbnum or srv.expire_timelimit_exit:
        dbs_per_call = srv.dbnum
    timelimit = slow_perc * 1000000 // srv.hz // 100
    if timelimit <= 0:
        timelimit = 1
    if fast:
        timelimit = fast_duration
    srv.expire_timelimit_exit = False
    s.keys.data = NULL
    s.keys.len = 0
    s.keys.cap = 0
    j = 0
    while j < dbs_per_call and not srv.expire_timelimit_exit:
        j += 1
        # kept in [0, dbnum): a bare counter would overflow the int (and index
        # a negative db) after a few days at a high hz
        srv.expire_current_db %= srv.dbnum
        db = &srv.dbs[srv.expire_current_db]
        srv.expire_current_db = (srv.expire_current_db + 1) % srv.dbnum
        while True:
            iteration += 1
            num = dict_size(db.expires)
            if num == 0:
                db.avg_ttl = 0
                break
            if dict_buckets(db.expires) > 4 and num * 100 // dict_buckets(db.expires) < 1:
                break
            srv.mstime = mstime()
            s.now = srv.mstime
            s.ttl_sum = 0
            s.ttl_samples = 0
            s.sampled = 0
            s.keys.len = 0
            if num > keys_per_loop:
                num = keys_per_loop
            max_buckets = num * 20
            buckets_checked = 0
            while s.sampled < num and buckets_checked < max_buckets:
                db.expires_cursor = dict_scan(db.expires, db.expires_cursor,
                                              _collect_expire_sample, &s)
                buckets_checked += 1
                if db.expires_cursor == 0:
                    break
            expired = 0
            off = 0
            while off < s.keys.len:
                memcpy(&klen, s.keys.data + off, sizeof(size_t))
                off += sizeof(size_t)
                if key_is_expired(srv, db, s.keys.data + off, klen):
                    delete_expired_key(srv, db, s.keys.data + off, klen)
                    expired += 1
                off += klen
            total_expired += expired
            total_sampled += s.sampled
            if s.ttl_samples:
                avg = s.ttl_sum // s.ttl_samples
                if db.avg_ttl == 0:
                    db.avg_ttl = avg
                db.avg_ttl = (db.avg_ttl // 50) * 49 + (avg // 50)
            if (iteration & 0xf) == 0:
                elapsed = ustime() - start
                if elapsed > timelimit:
                    srv.expire_timelimit_exit = True
                    srv.stat_expired_time_cap_reached_count += 1
                    break
            if s.sampled != 0 and expired * 100 // s.sampled <= acceptable_stale:
                break
            if s.sampled == 0 and db.expires_cursor == 0:
                break
    rbuf_free(&s.keys)
    elapsed = ustime() - start
    srv.stat_expire_cycle_time_used += elapsed
    perc = <double>total_expired / total_sampled if total_sampled else 0.0
    srv.stat_expired_stale_perc = perc * 0.05 + srv.stat_expired_stale_perc * 0.95


cdef void databases_cron(Server srv, bint activerehashing) noexcept:
    """Per-tick housekeeping: shrink sparse tables, then (activerehashing)
    spend up to 1 ms per database finishing rehashes (Redis's
    tryResizeHashTables + incrementallyRehash)."""
    cdef int i
    cdef int budget = CRON_DBS_PER_CALL
    for i in range(srv.dbnum):
        dict_shrink(srv.dbs[i].keys)
        dict_shrink(srv.dbs[i].expires)
    if not activerehashing:
        return
    for i in range(srv.dbnum):
        if budget == 0:
            break
        if dict_is_rehashing(srv.dbs[i].keys):
            dict_rehash_ms(srv.dbs[i].keys, 1)
            budget -= 1
        elif dict_is_rehashing(srv.dbs[i].expires):
            dict_rehash_ms(srv.dbs[i].expires, 1)
            budget -= 1


def run_cron(Server srv, bint activerehashing, bint child_active=False):
    """The data side of serverCron: active expire (slow cycle), resize, rehash.
    While a fork child (BGSAVE) runs, tables are neither shrunk nor rehashed
    by the cron, as in Redis: moving entries would copy pages the child
    still shares."""
    srv.mstime = mstime()
    active_expire_cycle(srv, False)
    if not child_active:
        databases_cron(srv, activerehashing)


def run_fast_expire_cycle(Server srv):
    """beforeSleep's fast expire cycle (runs only when there is backlog)."""
    active_expire_cycle(srv, True)


# ---- Python-level access (admin commands, DEBUG, tests) -------------------------------
#
# These never expire, touch or count anything: they look at the data as it
# is, like Redis's DEBUG commands do.

from cpython.bytes cimport PyBytes_FromStringAndSize
from engine.dict cimport dict_iter, dict_iter_init, dict_iter_next, dict_iter_release, dict_mem_overhead
from engine.object cimport (obj_type_name, obj_encoding_name, obj_str, obj_mem_usage,
                            obj_string_from_ll, obj_string_plain, OBJ_STRING, ENC_INT,
                            OBJ_FLAG_SHARED, OBJ_SHARED_REFCOUNT, OBJ_ZSET, ENC_HT, ENC_SKIPLIST)
from engine.zset cimport zset_t
from engine._mem cimport mem_usable
from engine.dict cimport PE_ENTRY_HEADER

TYPE_IDS = {"string": 0, "list": 1, "set": 2, "zset": 3, "hash": 4, "stream": 6}

# Types other modules register: name -> callable(Server, dbid, key) giving
# the (kind, bytes) parts DEBUG DIGEST mixes ("mix" keeps order, "xor" not).
DIGEST_PARTS = {}

# Types with more to say in DEBUG OBJECT: name -> callable(Server, dbid, key)
# giving (serializedlength, extra text appended to the line).
DEBUG_OBJECT = {}


cdef inline robj* _peek(Server srv, int dbid, bytes key):
    cdef pe_entry* e = dict_find(srv.dbs[dbid].keys, key, len(key))
    return NULL if e == NULL else <robj*>e.v.ptr


def py_keys(Server srv, int dbid):
    """Every key of a database (logically expired ones included)."""
    cdef dict_iter it
    cdef pe_entry* e
    cdef list out = []
    dict_iter_init(&it, srv.dbs[dbid].keys)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        out.append(PyBytes_FromStringAndSize(e.key, e.klen))
    dict_iter_release(&it)
    return out


def py_lookup(Server srv, int dbid, bytes key):
    """(type name, encoding name, lru field, expire ms or -1), or None."""
    cdef robj* o = _peek(srv, dbid, key)
    if o == NULL:
        return None
    return (obj_type_name(o).decode(), obj_encoding_name(o).decode(), o.lru,
            get_expire(&srv.dbs[dbid], key, len(key)))


def py_string_value(Server srv, int dbid, bytes key):
    cdef robj* o = _peek(srv, dbid, key)
    cdef char tmp[24]
    cdef size_t n
    cdef const char* p
    if o == NULL or o.type != OBJ_STRING:
        return None
    p = obj_str(o, tmp, &n)
    return PyBytes_FromStringAndSize(p, n)


def py_digest_parts(Server srv, int dbid, bytes key):
    cdef robj* o = _peek(srv, dbid, key)
    if o == NULL:
        return []
    if o.type == OBJ_STRING:
        return [("mix", py_string_value(srv, dbid, key))]
    return DIGEST_PARTS[obj_type_name(o).decode()](srv, dbid, key)


def py_refcount(Server srv, int dbid, bytes key):
    cdef robj* o = _peek(srv, dbid, key)
    return OBJ_SHARED_REFCOUNT if o.flags & OBJ_FLAG_SHARED else 1


def py_idle_seconds(Server srv, int dbid, bytes key):
    cdef robj* o = _peek(srv, dbid, key)
    cdef long long clock = (mstime() // 1000) & LRU_CLOCK_MAX
    if clock >= o.lru:
        return clock - o.lru
    return clock + (LRU_CLOCK_MAX - o.lru)


def py_value_address(Server srv, int dbid, bytes key):
    return <size_t>_peek(srv, dbid, key)


def py_serialized_length(Server srv, int dbid, bytes key):
    """Bytes the value would take in an RDB file (uncompressed string form)."""
    cdef robj* o = _peek(srv, dbid, key)
    cdef char tmp[24]
    cdef size_t n
    if o.type == OBJ_STRING:
        if o.encoding == ENC_INT:
            v = o.u.ival
            if -128 <= v <= 127:
                return 2
            if -32768 <= v <= 32767:
                return 3
            if -2147483648 <= v <= 2147483647:
                return 5
        obj_str(o, tmp, &n)
        if n < 64:
            return 1 + n
        if n < 16384:
            return 2 + n
        return (5 if n <= 0xFFFFFFFF else 9) + n
    return obj_mem_usage(o)


def py_mem_usage(Server srv, int dbid, bytes key):
    """MEMORY USAGE's number: key entry + value object + TTL entry."""
    cdef pe_entry* e = dict_find(srv.dbs[dbid].keys, key, len(key))
    cdef pe_entry* x
    cdef size_t total
    if e == NULL:
        return None
    total = mem_usable(e) + obj_mem_usage(<robj*>e.v.ptr) + sizeof(void*)
    x = dict_find(srv.dbs[dbid].expires, key, len(key))
    if x != NULL:
        total += mem_usable(x) + sizeof(void*)
    return total


def py_mem_usage_lookup(Server srv, int dbid, bytes key):
    """MEMORY USAGE: a read lookup (expires lazily, counts stats), then size."""
    if lookup_key(srv, &srv.dbs[dbid], key, len(key), LOOKUP_NOTOUCH) == NULL:
        return None
    return py_mem_usage(srv, dbid, key)


def py_empty_all(Server srv):
    """Empty every database (emptyData(-1): DEBUG RELOAD). Returns the
    number of keys removed."""
    return empty_db(srv, -1)


def py_avg_ttl(Server srv, int dbid):
    return srv.dbs[dbid].avg_ttl


def py_db_overhead(Server srv, int dbid):
    return (dict_mem_overhead(srv.dbs[dbid].keys), dict_mem_overhead(srv.dbs[dbid].expires))


cdef str _ht_stats(dict_t* d, str label):
    """dictGetStats: one block per table in use. Averages and percentages
    are computed in single precision, as Redis does, so the text matches."""
    cdef int t
    cdef unsigned long i, chainlen, maxchain, slots_used, totchain
    cdef pe_entry* e
    cdef float avg_counted, avg_computed, pct
    cdef list out = []
    for t in range(2):
        if t == 1 and d.table[1] == NULL:
            continue
        if d.table[t] == NULL or d.used[t] == 0:
            out.append("Hash table %d stats (%s):\nNo stats available for empty dictionaries\n" % (
                t, label if t == 0 else "rehashing target"))
            continue
        maxchain = 0
        slots_used = 0
        totchain = 0
        counts = {}
        for i in range(d.size[t]):
            e = d.table[t][i]
            chainlen = 0
            while e != NULL:
                chainlen += 1
                e = e.next
            if chainlen:
                slots_used += 1
                totchain += chainlen
            if chainlen > maxchain:
                maxchain = chainlen
            counts[min(chainlen, 49)] = counts.get(min(chainlen, 49), 0) + 1
        avg_counted = <float>totchain / slots_used
        avg_computed = <float>d.used[t] / slots_used
        out.append("Hash table %d stats (%s):\n table size: %d\n number of elements: %d\n"
                   " different slots: %d\n max chain length: %d\n avg chain length (counted): %.02f\n"
                   " avg chain length (computed): %.02f\n Chain length distribution:\n" % (
                       t, label if t == 0 else "rehashing target", d.size[t], d.used[t], slots_used,
                       maxchain, avg_counted, avg_computed))
        for ln in sorted(counts):
            if ln >= 49:
                continue
            pct = (<float>counts[ln] / d.size[t]) * 100
            out.append("   %d: %d (%.02f%%)\n" % (ln, counts[ln], pct))
    return "".join(out)


def py_htstats(Server srv, int dbid):
    return ("[Dictionary HT]\n" + _ht_stats(srv.dbs[dbid].keys, "main hash table") +
            "[Expires HT]\n" + _ht_stats(srv.dbs[dbid].expires, "main hash table"))


def py_htstats_key(Server srv, int dbid, bytes key):
    """DEBUG HTSTATS-KEY: the dictGetStats text of a value's hash table (a
    hashtable set or hash, a skiplist zset's member dict); "" when the value
    has none; None for a missing key."""
    cdef robj* o = _peek(srv, dbid, key)
    if o == NULL:
        return None
    if o.encoding == ENC_HT:
        return _ht_stats(<dict_t*>o.u.ptr, "main hash table")
    if o.encoding == ENC_SKIPLIST and o.type == OBJ_ZSET:
        return _ht_stats((<zset_t*>o.u.ptr).dict, "main hash table")
    return ""


def py_populate(Server srv, int dbid, long long count, bytes prefix, long long size):
    """DEBUG POPULATE: create key:<n> = value:<n> (or <size> bytes) for keys
    that do not exist yet."""
    cdef long long j
    cdef bytes key, val
    cdef Db* db = &srv.dbs[dbid]
    for j in range(count):
        # formatted into a 128-byte buffer in Redis: longer names are cut
        key = (prefix + b":" + str(j).encode())[:127]
        if lookup_key(srv, db, key, len(key), LOOKUP_NOTOUCH | LOOKUP_NOSTATS | LOOKUP_WRITE) != NULL:
            continue
        val = b"value:" + str(j).encode()
        if size > 0:
            val = (val + b"\0" * size)[:size]
        db_add(srv, db, key, len(key), obj_string_plain(val, len(val)))
