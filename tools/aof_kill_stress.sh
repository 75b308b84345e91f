#!/usr/bin/env bash
# Crash-safety stress run: the AOF kill test with many more SIGKILLs than
# the suite's 20 (appendfsync always, 3 writers; every acknowledged write
# must be there after each restart).  usage: tools/aof_kill_stress.sh [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
PYENGINE_AOF_KILLS="${1:-200}" exec "$PY" -m pytest -q -p no:cacheprovider \
    tests/integration/test_aof.py -k sigkill
