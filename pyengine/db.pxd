# Keyspace API: lookups with lazy expiry and stats, add/overwrite/delete,
# TTLs, flushing, and the background cycles (active expire, resize/rehash).
# Design notes at the top of db.pyx.

from engine.object cimport robj
from pyengine.core cimport Server, Client, Db

cdef enum:
    LOOKUP_NONE = 0
    LOOKUP_NOTOUCH = 1        # don't update LRU/LFU
    LOOKUP_NONOTIFY = 2
    LOOKUP_NOSTATS = 4        # don't count keyspace hits/misses
    LOOKUP_WRITE = 8          # a write lookup: no stats
    LOOKUP_NOEXPIRE = 16      # don't delete if expired (but still report missing)

cdef void signal_modified_key(Server srv, Db* db, const char* key, size_t klen) noexcept
cdef void signal_key_as_ready(Server srv, Db* db, const char* key, size_t klen) noexcept
cdef void signal_flushed_db(Server srv, int dbid) noexcept
cdef robj* lookup_key(Server srv, Db* db, const char* key, size_t klen, int flags) noexcept
cdef robj* lookup_read(Client c, const char* key, size_t klen) noexcept
cdef robj* lookup_write(Client c, const char* key, size_t klen) noexcept
cdef void db_add(Server srv, Db* db, const char* key, size_t klen, robj* val) noexcept
cdef void db_add_moved(Db* db, const char* key, size_t klen, robj* val) noexcept
cdef robj* db_take(Db* db, const char* key, size_t klen) noexcept
cdef void set_key(Server srv, Db* db, const char* key, size_t klen, robj* val, bint keepttl) noexcept
cdef void db_replace_value(Server srv, Db* db, const char* key, size_t klen, robj* val) noexcept
cdef bint db_delete(Server srv, Db* db, const char* key, size_t klen) noexcept
cdef bint db_exists(Server srv, Db* db, const char* key, size_t klen) noexcept
cdef long long get_expire(Db* db, const char* key, size_t klen) noexcept
cdef void set_expire(Db* db, const char* key, size_t klen, long long when) noexcept
cdef bint remove_expire(Db* db, const char* key, size_t klen) noexcept
cdef bint key_is_expired(Server srv, Db* db, const char* key, size_t klen) noexcept
cdef bint expire_if_needed(Server srv, Db* db, const char* key, size_t klen) noexcept
cdef void delete_expired_key(Server srv, Db* db, const char* key, size_t klen) noexcept
cdef long long empty_db(Server srv, int dbid) noexcept
cdef void init_object_lru(Server srv, robj* o) noexcept
cdef void touch_object(Server srv, robj* o) noexcept
cdef unsigned long lfu_decr_and_return(Server srv, robj* o) noexcept
cdef void active_expire_cycle(Server srv, bint fast) noexcept
cdef void databases_cron(Server srv, bint activerehashing) noexcept
