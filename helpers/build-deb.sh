#!/bin/sh
# Container entrypoint: build one package into .deb files.
# Runs as root and hands every step that does not need root to the build
# user (same UID/GID as the host user), so nothing the host sees is owned by
# anybody else.  Each step is a helper of its own.
set -eu
helpers=$(dirname "$0")
. "$helpers/progress.sh"

: "${PACKAGE_NAME:?}" "${HOST_UID:?}" "${HOST_GID:?}"
: "${COLCON_DEB_ROS_DISTRO:?}" "${COLCON_DEB_OS_NAME:?}"
: "${COLCON_DEB_OS_CODENAME:?}"

sh "$helpers/setup-build-user.sh"
install -d -o "$HOST_UID" -g "$HOST_GID" /build /build/src "$HOME"

as_build_user sh "$helpers/copy-source.sh"
as_build_user sh "$helpers/configure-rosdep.sh"
as_build_user sh "$helpers/generate-debian-with-bloom.sh"
sh "$helpers/install-build-deps.sh"
as_build_user sh "$helpers/build-with-dpkg.sh"
