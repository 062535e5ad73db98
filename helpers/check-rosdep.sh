#!/bin/sh
# Container entrypoint of the rosdep pre-check (one container per run).
# Builds rosdep's cache once for the whole run (every package container
# starts from a copy of it instead of running `rosdep update` itself), then
# resolves every key of every selected package.
set -eu
helpers=$(dirname "$0")
. "$helpers/progress.sh"
: "${BUILD_UID:?}" "${BUILD_GID:?}" "${ROS_HOME:?}"

sh "$helpers/setup-build-user.sh"
install -d -o "$BUILD_UID" -g "$BUILD_GID" "$HOME" "$COLCON_DEB_OUT"
as_build_user sh -c "rm -rf '$ROS_HOME' && mkdir -p '$ROS_HOME'"
as_build_user sh "$helpers/configure-rosdep.sh"
as_build_user python3 "$helpers/check-rosdep-keys.py" \
    "$COLCON_DEB_ROSDEP_CONFIG/keys.json" \
    "$COLCON_DEB_OUT/rosdep-check.json"
