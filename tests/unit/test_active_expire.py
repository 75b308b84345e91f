"""The active expire cycle driven directly (embedded engine, no socket)."""

import time

from pyengine.db import run_cron
from pyengine.embedded import Engine


def test_active_expire_visits_every_db_and_db_cursor_never_overflows():
    e = Engine()
    srv = e.instance.srv
    for db in range(srv.dbnum):
        e.execute("SELECT", db)
        for i in range(30):
            e.execute("SET", "k%d" % i, "v", "PX", "1")
        e.execute("SET", "keep", "v")
    time.sleep(0.01)
    # A counter that only grew would overflow an int here and index a
    # negative database; the cursor must stay within [0, dbnum).
    srv.expire_current_db = 2 ** 31 - 1
    for _ in range(3 * srv.dbnum):
        run_cron(srv, True)
        assert 0 <= srv.expire_current_db < srv.dbnum
    assert [srv.dbsize(db) for db in range(srv.dbnum)] == [1] * srv.dbnum
    assert srv.expires_count(0) == 0


def test_active_expire_disabled_keeps_keys():
    e = Engine()
    srv = e.instance.srv
    e.execute("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    for i in range(50):
        e.execute("SET", "k%d" % i, "v", "PX", "1")
    time.sleep(0.01)
    for _ in range(20):
        run_cron(srv, True)
    assert srv.dbsize(0) == 50
    e.execute("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    for _ in range(20):
        run_cron(srv, True)
    assert srv.dbsize(0) == 0
