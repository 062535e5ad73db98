#!/bin/sh
# Step "user": make sure a user with the host's UID/GID exists.
# Handles images that already have that UID or GID (reuses them) and UID 0
# (the build then runs as root, which is what the host user is).
set -eu
. "$(dirname "$0")/progress.sh"
progress user start "uid $HOST_UID gid $HOST_GID"

if [ "$HOST_UID" != 0 ]; then
    if ! getent group "$HOST_GID" >/dev/null; then
        groupadd --gid "$HOST_GID" colcon-deb
    fi
    if ! getent passwd "$HOST_UID" >/dev/null; then
        name=colcon-deb
        if getent passwd "$name" >/dev/null; then
            name="colcon-deb-$HOST_UID"
        fi
        useradd --uid "$HOST_UID" --gid "$HOST_GID" --no-create-home \
            --home-dir "$HOME" --shell /bin/sh "$name"
    fi
fi
progress user done "$(getent passwd "$HOST_UID" | cut -d: -f1)"
