"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7.0 semantics).

While a client is in MULTI, the dispatcher checks each command as usual
(unknown, arity, auth, "not allowed inside a transaction", OOM) and, instead
of running it, appends (Command, argv) to ``c.mstate`` and replies +QUEUED.
A rejected command marks the transaction dirty (CLIENT_DIRTY_EXEC): EXEC then
answers EXECABORT. EXEC runs the queued commands back to back through the
dispatcher's ``call`` - nothing else runs in between - and replies an array
of their replies; runtime errors inside do not stop the others.

WATCH records (db, key) pairs. Every modification of a key goes through
``db.signal_modified_key`` (called by the keyspace write functions), which
reaches ``touch_watched_key`` here only when somebody watches something
(``srv.watched_count``), so unwatched traffic pays one integer test. A
touched watch marks its client CLIENT_DIRTY_CAS and EXEC answers a null
array. FLUSHDB/FLUSHALL/SWAPDB touch the watched keys that exist (or are
replaced) in the affected databases, and a watched key that expires between
WATCH and EXEC also aborts, as in Redis 7.0.
"""

from pyengine import core, dispatch
from pyengine.db import py_exists_raw, py_key_is_expired

DIRTY_CAS = core.CLIENT_DIRTY_CAS_FLAG
DIRTY_EXEC = core.CLIENT_DIRTY_EXEC_FLAG
MULTI = core.CLIENT_MULTI_FLAG
DENY_BLOCKING = core.CLIENT_DENY_BLOCKING_FLAG
IN_EXEC = core.CLIENT_IN_EXEC_FLAG          # SUBSCRIBE inside EXEC is allowed (Redis)


class WatchedKey:
    __slots__ = ("client", "dbid", "key", "expired")

    def __init__(self, client, dbid, key, expired):
        self.client = client
        self.dbid = dbid
        self.key = key
        self.expired = expired          # the key was already logically expired at WATCH


# ---- the watch registry ------------------------------------------------------------

def watch_key(c, key):
    srv = c.srv
    dbid = c.dbid
    for wk in c.watched_keys:
        if wk.dbid == dbid and wk.key == key:
            return
    wk = WatchedKey(c, dbid, key, py_key_is_expired(srv, dbid, key))
    srv.watched.setdefault((dbid, key), []).append(wk)
    srv.watched_count = len(srv.watched)
    c.watched_keys.append(wk)


def unwatch_all(c):
    """Forget every key ``c`` watches."""
    if not c.watched_keys:
        return
    srv = c.srv
    for wk in c.watched_keys:
        entries = srv.watched.get((wk.dbid, wk.key))
        if entries is not None:
            try:
                entries.remove(wk)
            except ValueError:
                pass
            if not entries:
                del srv.watched[(wk.dbid, wk.key)]
    c.watched_keys = []
    srv.watched_count = len(srv.watched)


def touch_watched_key(srv, dbid, key):
    """A key was modified: every client watching it will fail its EXEC."""
    entries = srv.watched.get((dbid, key))
    if not entries:
        return
    for wk in list(entries):
        if wk.expired:
            # Watched while already expired: its deletion is no logical
            # change. Redis 7.0 stops looking at further watchers here.
            if not py_exists_raw(srv, dbid, key):
                wk.expired = False
                continue
            break
        wk.client.flags |= DIRTY_CAS
        unwatch_all(wk.client)


def touch_all_watched_keys_in_db(srv, emptied, replaced_with=None):
    """FLUSHDB/FLUSHALL (replaced_with None) or SWAPDB: call before the
    data changes, while the keys are still there."""
    for (dbid, key), entries in list(srv.watched.items()):
        if dbid != emptied:
            continue
        exists_in_emptied = py_exists_raw(srv, emptied, key)
        exists_in_other = replaced_with is not None and py_exists_raw(srv, replaced_with, key)
        if not (exists_in_emptied or exists_in_other):
            continue
        for wk in list(entries):
            if wk.expired:
                if not exists_in_other:
                    wk.expired = False
                    continue
                if py_key_is_expired(srv, replaced_with, key):
                    continue
            elif not exists_in_emptied and py_key_is_expired(srv, replaced_with, key):
                wk.expired = True
                continue
            wk.client.flags |= DIRTY_CAS


def watched_key_expired(c):
    """EXEC refuses when a key that was live at WATCH has expired since."""
    for wk in c.watched_keys:
        if not wk.expired and py_key_is_expired(c.srv, wk.dbid, wk.key):
            return True
    return False


def discard_transaction(c):
    c.mstate = []
    c.flags &= ~(MULTI | DIRTY_CAS | DIRTY_EXEC)
    unwatch_all(c)


def queue_command(c, cmd):
    """Called by the dispatcher for a command received inside MULTI."""
    if not c.flags & (DIRTY_CAS | DIRTY_EXEC):
        c.mstate.append((cmd, c.args()))
    c.reply_simple(b"QUEUED")


# ---- commands --------------------------------------------------------------------------

def multi_command(c):
    if c.flags & MULTI:
        c.reply_error("ERR MULTI calls can not be nested")
        return
    c.flags |= MULTI
    c.reply_ok()


def discard_command(c):
    if not c.flags & MULTI:
        c.reply_error("ERR DISCARD without MULTI")
        return
    discard_transaction(c)
    c.reply_ok()


def exec_command(c):
    if not c.flags & MULTI:
        c.reply_error("ERR EXEC without MULTI")
        return
    if watched_key_expired(c):
        c.flags |= DIRTY_CAS
    if c.flags & (DIRTY_CAS | DIRTY_EXEC):
        if c.flags & DIRTY_EXEC:
            c.reply_error("EXECABORT Transaction discarded because of previous errors.")
        else:
            c.reply_null_array()
        discard_transaction(c)
        return
    queued = c.mstate
    unwatch_all(c)
    c.mstate = []
    c.flags &= ~MULTI
    saved = c.args()
    c.reply_array(len(queued))
    c.flags |= DENY_BLOCKING | IN_EXEC
    try:
        for cmd, argv in queued:
            c.set_args(argv)
            dispatch.run_command(c, cmd)
    finally:
        c.flags &= ~(DENY_BLOCKING | IN_EXEC)
        c.set_args(saved)
        c.cmd = c.lastcmd = c.srv.commands_by_name["exec"]
    discard_transaction(c)


def exec_abort(c, error):
    """EXEC itself was rejected (wrong arity, NOAUTH ...): Redis discards the
    transaction and says why."""
    discard_transaction(c)
    if error.startswith(b"ERR "):
        error = error[4:]
    c.reply_error(b"EXECABORT Transaction discarded because of: " + error)


def watch_command(c):
    if c.flags & MULTI:
        c.reply_error("ERR WATCH inside MULTI is not allowed")
        return
    if not c.flags & DIRTY_CAS:
        for key in c.args()[1:]:
            watch_key(c, key)
    c.reply_ok()


def unwatch_command(c):
    unwatch_all(c)
    c.flags &= ~DIRTY_CAS
    c.reply_ok()


def reset_client(c):
    """RESET and disconnects: no transaction, nothing watched."""
    discard_transaction(c)


PROCS = {
    "multi_command": multi_command,
    "exec_command": exec_command,
    "discard_command": discard_command,
    "watch_command": watch_command,
    "unwatch_command": unwatch_command,
}
