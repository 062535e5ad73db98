#!/bin/sh
# Container entrypoint of the bloom step ahead of the builds (one container
# per distribution, after the rosdep pre-check, only for packages whose
# debian/ the host does not have yet for the same inputs).  Same user,
# apt sources and rosdep cache as a package build, so that bloom sees what
# it would see there; the packages' own code is not in this container.
set -eu
helpers=$(dirname "$0")
. "$helpers/progress.sh"
: "${BUILD_UID:?}" "${BUILD_GID:?}" "${COLCON_DEB_BLOOM_INPUTS:?}"

sh "$helpers/setup-build-user.sh"
sh "$helpers/configure-apt-sources.sh"
install -d -o "$BUILD_UID" -g "$BUILD_GID" "$HOME" "$COLCON_DEB_OUT"
as_build_user sh "$helpers/restore-rosdep-cache.sh"
as_build_user python3 "$helpers/bloom-ahead.py" < /dev/null
