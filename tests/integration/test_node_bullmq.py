"""BullMQ (Node.js) runs unchanged against pyengine: tests/node/bullmq.test.mjs.

The Node side needs its packages: ``npm ci`` in tests/node (CI does it,
.ci/run). Without node or node_modules the test is skipped with that
reason; in CI it fails instead.
"""

import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(os.path.dirname(HERE), "node")
IN_CI = bool(os.environ.get("CI"))


def _need_node():
    reason = None
    if shutil.which("node") is None:
        reason = "node is not installed"
    elif not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "bullmq")):
        reason = "tests/node/node_modules is missing (run: cd tests/node && npm ci)"
    if reason:
        if IN_CI:
            pytest.fail(reason + " - the BullMQ test must run in CI")
        pytest.skip(reason)


# Commands BullMQ's scripts and workers call that pyengine may not have
# yet (streams for its event log, the blocking sorted-set pop its workers
# wait with). While one is missing the run is expected to fail.
NEEDED = ("xadd", "xtrim", "xread", "bzpopmin")


def _missing_commands(port):
    from helpers import RawConnection
    conn = RawConnection(port)
    try:
        missing = []
        for name in NEEDED:
            conn.send_command("COMMAND", "INFO", name)
            if conn.read_reply()[4:] in (b"*-1\r\n", b"$-1\r\n", b"_\r\n"):
                missing.append(name.upper())
        return missing
    finally:
        conn.close()


@pytest.mark.timeout(180)
def test_bullmq_queue_and_worker(pyengine_server):
    _need_node()
    missing = _missing_commands(pyengine_server.port)
    env = dict(os.environ, PYENGINE_PORT=str(pyengine_server.port))
    proc = subprocess.run(["node", "--test", "--test-force-exit", "bullmq.test.mjs"],
                          cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=170)
    if proc.returncode != 0 and missing:
        pytest.xfail("BullMQ needs %s, not implemented in pyengine yet" % ", ".join(missing))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
