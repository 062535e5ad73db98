#!/bin/sh
# Step "rosdep": assemble the rosdep sources and update rosdep's cache.
# Order matters (rosdep takes the first source that defines a key): the
# workspace mapping and the user's files written by the host come first, the
# image's own sources after them.  Offline, only local (file://) sources of
# the image are kept and the rosdistro index is the host-written one.
set -eu
. "$(dirname "$0")/progress.sh"
progress rosdep start
mkdir -p "$ROSDEP_SOURCE_PATH"
cp "$ROSDEP_SOURCE_TEMPLATE"/*.list "$ROSDEP_SOURCE_PATH/"
image_sources="$ROSDEP_SOURCE_PATH/50-image.list"
: > "$image_sources"
for list in /etc/ros/rosdep/sources.list.d/*.list; do
    [ -f "$list" ] || continue
    if [ "${COLCON_DEB_OFFLINE:-}" = 1 ]; then
        grep -E '^[[:space:]]*yaml[[:space:]]+file://' "$list" \
            >> "$image_sources" || true
    else
        cat "$list" >> "$image_sources"
    fi
done
if ! rosdep update --rosdistro "$COLCON_DEB_ROS_DISTRO"; then
    progress rosdep failed "rosdep update failed"
    exit 1
fi
progress rosdep done
