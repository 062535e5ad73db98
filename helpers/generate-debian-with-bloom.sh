#!/bin/sh
# Step "bloom": give the package a debian/ directory.
# An override directory from the host wins, then a debian/ shipped with the
# package, then the one bloom generated ahead of the build (in a container
# where no workspace code runs; the host keeps it by its inputs), else
# `bloom-generate rosdebian` here with bloom-release's ROS 2 additions
# (bloom-rosdebian.py), run non-interactively (stdin from /dev/null) so
# that an unresolvable key fails instead of prompting.
set -eu
. "$(dirname "$0")/progress.sh"
cd "/build/src/$PACKAGE_NAME"
override=$COLCON_DEB_DEBIAN_OVERRIDE
generated=$COLCON_DEB_DEBIAN_GENERATED
if [ -d "$override" ]; then
    progress bloom start "using the debian/ override"
    rm -rf debian
    cp -a "$override" debian
elif [ -d debian ]; then
    progress bloom start "using the package's own debian/"
elif [ -d "$generated" ]; then
    progress bloom start "generated ahead of the build"
    cp -R "$generated" debian
    # what bloom-release's additions did, as if bloom ran here
    notes=debian/colcon-deb-bloom.notes
    if [ -f "$notes" ]; then
        while IFS= read -r line; do progress bloom ros2 "$line"; done < "$notes"
        rm -f "$notes"
    fi
else
    progress bloom start "bloom-generate rosdebian"
    if ! python3 "$(dirname "$0")/bloom-rosdebian.py" \
        --ros-distro "$COLCON_DEB_ROS_DISTRO" \
        --os-name "$COLCON_DEB_OS_NAME" \
        --os-version "$COLCON_DEB_OS_CODENAME" . < /dev/null; then
        progress bloom failed "bloom-generate failed; an unresolvable rosdep key is listed above (add it with --rosdep-source FILE)"
        exit 1
    fi
fi
progress bloom done "$(sed -n 's/^Source: *//p' debian/control)"
