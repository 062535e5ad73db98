#!/bin/sh
# Step "bloom": give the package a debian/ directory.
# An override directory from the host wins, then a debian/ shipped with the
# package, else `bloom-generate rosdebian` with bloom-release's ROS 2
# additions (bloom-rosdebian.py), run non-interactively (stdin from
# /dev/null) so that an unresolvable key fails instead of prompting.
set -eu
. "$(dirname "$0")/progress.sh"
cd "/build/src/$PACKAGE_NAME"
override=$COLCON_DEB_DEBIAN_OVERRIDE
if [ -d "$override" ]; then
    progress bloom start "using the debian/ override"
    rm -rf debian
    cp -a "$override" debian
elif [ -d debian ]; then
    progress bloom start "using the package's own debian/"
else
    progress bloom start "bloom-generate rosdebian"
    if ! python3 "$(dirname "$0")/bloom-rosdebian.py" \
        --ros-distro "$COLCON_DEB_ROS_DISTRO" \
        --os-name "$COLCON_DEB_OS_NAME" \
        --os-version "$COLCON_DEB_OS_CODENAME" . < /dev/null; then
        progress bloom failed "bloom-generate failed; an unresolvable rosdep key is listed above (add it with --rosdep-source FILE)"
        exit 1
    fi
    # bloom writes debhelper compat 9, where dh builds with make -j1 unless
    # told --parallel: let DEB_BUILD_OPTIONS=parallel=N (set by the host)
    # take effect, as in compat 10 and later
    if ! grep -q -- '--parallel' debian/rules; then
        sed -i 's/^\(\tdh \$@\)\( \|$\)/\1 --parallel\2/' debian/rules
    fi
    if [ "${COLCON_DEB_ARCH_ALL:-}" = 1 ]; then
        # <architecture_independent/>: this bloom writes `any` regardless
        sed -i 's/^Architecture: any$/Architecture: all/' debian/control
    fi
fi
progress bloom done "$(sed -n 's/^Source: *//p' debian/control)"
