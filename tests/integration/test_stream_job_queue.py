"""The job-queue workload on a real pyengine-server process, through
redis-py: a producer appends jobs to a stream while several consumers of
one group read them with XREADGROUP BLOCK and acknowledge them; one consumer
dies mid-work (its connection closes with jobs pending); once the others
have drained the stream, XAUTOCLAIM hands the dead consumer's jobs to a
live one. Every job must be processed exactly once and acknowledged exactly
once, and nothing may be left pending."""

import threading
import time

import pytest

redis = pytest.importorskip("redis")

from helpers import ServerProcess  # noqa: E402

JOBS = 600
WORKERS = 3
DOOMED_BATCH = 25
CLAIM_IDLE_MS = 200


@pytest.fixture
def server():
    srv = ServerProcess("pyengine")
    yield srv
    srv.stop()


def test_job_queue_with_a_dead_consumer(server):
    admin = redis.Redis(port=server.port)
    admin.xgroup_create("jobs", "workers", id="0", mkstream=True)

    # The producer runs while the workers consume.
    def produce():
        conn = redis.Redis(port=server.port)
        for i in range(JOBS):
            conn.xadd("jobs", {"job": i, "payload": "x" * (i % 50)})
        conn.close()

    producer = threading.Thread(target=produce)
    producer.start()

    # The consumer that dies: it takes a batch and disconnects without acking.
    while admin.xlen("jobs") < DOOMED_BATCH:
        time.sleep(0.01)
    doomed = redis.Redis(port=server.port, single_connection_client=True)
    taken = doomed.xreadgroup("workers", "doomed", {"jobs": ">"}, count=DOOMED_BATCH)
    doomed_ids = [entry_id for entry_id, _ in taken[0][1]]
    assert len(doomed_ids) == DOOMED_BATCH
    doomed.connection.disconnect()

    lock = threading.Lock()
    processed = []                 # job numbers, in processing order
    acked = []                     # XACK replies

    def process(conn, consumer, entries):
        for entry_id, fields in entries:
            with lock:
                processed.append(int(fields[b"job"]))
            n = conn.xack("jobs", "workers", entry_id)
            with lock:
                acked.append(n)

    def work(name):
        conn = redis.Redis(port=server.port)
        idle_rounds = 0
        while idle_rounds < 3:
            reply = conn.xreadgroup("workers", name, {"jobs": ">"}, count=7, block=100)
            if not reply:
                if not producer.is_alive():
                    idle_rounds += 1
                continue
            idle_rounds = 0
            process(conn, name, reply[0][1])
        conn.close()

    workers = [threading.Thread(target=work, args=("worker-%d" % i,)) for i in range(WORKERS)]
    for t in workers:
        t.start()
    producer.join()
    for t in workers:
        t.join()

    # Only the dead consumer's jobs are still pending.
    summary = admin.xpending("jobs", "workers")
    assert summary["pending"] == DOOMED_BATCH
    assert summary["consumers"] == [{"name": b"doomed", "pending": DOOMED_BATCH}]

    # A live consumer reclaims them once they are idle long enough.
    time.sleep(CLAIM_IDLE_MS / 1000 + 0.05)
    rescuer = redis.Redis(port=server.port)
    cursor = "0-0"
    claimed = []
    while True:
        cursor, entries, deleted = rescuer.xautoclaim("jobs", "workers", "worker-0",
                                                      CLAIM_IDLE_MS, cursor, count=10)
        assert deleted == []
        claimed += [entry_id for entry_id, _ in entries]
        process(rescuer, "worker-0", entries)
        if cursor in (b"0-0", "0-0"):
            break
    assert sorted(claimed) == sorted(doomed_ids)

    # Exactly once: every job processed once, every XACK acknowledged one entry.
    assert sorted(processed) == list(range(JOBS))
    assert acked == [1] * JOBS
    assert admin.xpending("jobs", "workers")["pending"] == 0
    consumers = {c["name"]: c for c in admin.xinfo_consumers("jobs", "workers")}
    assert consumers[b"doomed"]["pending"] == 0
    assert set(consumers) == {b"doomed"} | {b"worker-%d" % i for i in range(WORKERS)}
    group = admin.xinfo_groups("jobs")[0]
    assert group["lag"] == 0 and group["entries-read"] == JOBS
    assert admin.xlen("jobs") == JOBS
    rescuer.close()
    admin.close()
