#!/bin/sh
# The benchmark in one command, from a fresh clone: prepares the machine
# (engine, venv, base image) like the demo, then runs
# benchmarks/run_benchmark.py with the given options (default: 20
# packages, one worker per core).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/setup-host.sh"
exec "${COLCON_DEB_VENV:-/opt/colcon-deb-venv}/bin/python" \
    "$repo/benchmarks/run_benchmark.py" "$@"
