#!/bin/sh
# The test suite: flake8, unit tests and the end-to-end tests on a real
# Docker engine (real bloom, dpkg-buildpackage and apt).  Sets the machine up
# first, exactly like demo.sh.
#   ./scripts/test.sh [pytest arguments]
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
# the cross-architecture tests build for arm64 under QEMU
export COLCON_DEB_FOREIGN_ARCH=${COLCON_DEB_FOREIGN_ARCH:-arm64}
# ... and the multi-distribution tests for trixie next to bookworm
export COLCON_DEB_SECOND_SUITE=${COLCON_DEB_SECOND_SUITE:-trixie}
. "$repo/scripts/setup-host.sh"
cd "$repo"
echo "== flake8"
flake8 colcon_deb_docker tests
echo "== pytest"
# end-to-end tests must run here: a skip is a failure (see tests/conftest.py)
exec python -m pytest -v -rs --durations=25 "$@" tests
