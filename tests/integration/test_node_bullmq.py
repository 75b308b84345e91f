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


@pytest.mark.timeout(180)
def test_bullmq_queue_and_worker(pyengine_server):
    _need_node()
    env = dict(os.environ, PYENGINE_PORT=str(pyengine_server.port))
    proc = subprocess.run(["node", "--test", "--test-force-exit", "bullmq.test.mjs"],
                          cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
