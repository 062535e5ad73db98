#!/bin/sh
# Write /opt/ros/<distro>/setup.sh when no package provides one.
# bloom's debian/rules sources it if present; without it neither CMake nor
# dpkg-shlibdeps find the siblings installed under /opt/ros/<distro>.
# ROS_DISTRO is deliberately not exported (Debian's ros-environment rejects
# it being set).
set -eu
prefix="/opt/ros/$COLCON_DEB_ROS_DISTRO"
[ -f "$prefix/setup.sh" ] && exit 0
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true)
pyver=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
mkdir -p "$prefix"
cat > "$prefix/setup.sh" <<EOS
# stand-in written by colcon-deb-docker (no ROS setup.sh was installed)
export CMAKE_PREFIX_PATH="$prefix\${CMAKE_PREFIX_PATH:+:\$CMAKE_PREFIX_PATH}"
export AMENT_PREFIX_PATH="$prefix\${AMENT_PREFIX_PATH:+:\$AMENT_PREFIX_PATH}"
export PATH="$prefix/bin:\$PATH"
export LD_LIBRARY_PATH="$prefix/lib:$prefix/lib/$multiarch\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}"
export PYTHONPATH="$prefix/lib/python$pyver/site-packages:$prefix/local/lib/python$pyver/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}"
EOS
