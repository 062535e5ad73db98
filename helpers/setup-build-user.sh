#!/bin/sh
# Step "user": make sure a user with the build UID/GID exists (the host
# user's, or the unprivileged stand-in the host picked when it runs as
# root).  Reuses a UID or GID the image already has.
set -eu
. "$(dirname "$0")/progress.sh"
: "${BUILD_UID:?}" "${BUILD_GID:?}"
progress user start "uid $BUILD_UID gid $BUILD_GID"
if [ "$BUILD_UID" = 0 ]; then
    echo "refusing to build as root (BUILD_UID=0)" >&2
    exit 1
fi
if ! getent group "$BUILD_GID" >/dev/null; then
    groupadd --gid "$BUILD_GID" colcon-deb
fi
if ! getent passwd "$BUILD_UID" >/dev/null; then
    name=colcon-deb
    if getent passwd "$name" >/dev/null; then
        name="colcon-deb-$BUILD_UID"
    fi
    useradd --uid "$BUILD_UID" --gid "$BUILD_GID" --no-create-home \
        --home-dir "$HOME" --shell /bin/sh "$name"
fi
progress user done "$(getent passwd "$BUILD_UID" | cut -d: -f1)"
