#!/bin/sh
# Container entrypoint: build one package into .deb files.
# Runs as root only for the steps that need it (user setup, build
# dependencies) and hands every other step to the build user (the host
# user's UID/GID) with no capabilities left, so nothing the host sees is
# owned by anybody else.  Each step is a helper of its own.
set -eu
helpers=$(dirname "$0")
. "$helpers/progress.sh"

: "${PACKAGE_NAME:?}" "${BUILD_UID:?}" "${BUILD_GID:?}"
: "${COLCON_DEB_ROS_DISTRO:?}" "${COLCON_DEB_OS_NAME:?}"
: "${COLCON_DEB_OS_CODENAME:?}"

sh "$helpers/restore-network-files.sh"
sh "$helpers/setup-build-user.sh"
sh "$helpers/configure-apt-sources.sh"
# the output directory too: the host copies it out once the container ended
install -d -o "$BUILD_UID" -g "$BUILD_GID" /build /build/src "$HOME" \
    "$COLCON_DEB_OUT"
if [ -n "${CCACHE_DIR:-}" ]; then
    # the package's own ccache volume (an engine volume, no host path)
    chown "$BUILD_UID:$BUILD_GID" "$CCACHE_DIR"
fi

sh "$helpers/copy-source.sh"
as_build_user sh "$helpers/restore-rosdep-cache.sh"
as_build_user sh "$helpers/generate-debian-with-bloom.sh"
(cd "/build/src/$PACKAGE_NAME" && \
    as_build_user python3 "$helpers/set-debian-version.py")
sh "$helpers/install-build-deps.sh"
if [ "${COLCON_DEB_ISOLATE_NETWORK:-}" = 1 ]; then
    sh "$helpers/wait-for-network-isolation.sh"
fi
as_build_user sh "$helpers/build-with-dpkg.sh"
