#!/bin/sh
# Write /opt/ros/<distro>/setup.sh when no package provides one.
# bloom's debian/rules sources it if present; without it neither CMake nor
# dpkg-shlibdeps find the siblings installed under /opt/ros/<distro>.
# ROS_DISTRO is deliberately not exported (Debian's ros-environment rejects
# it being set).
set -eu
prefix="/opt/ros/$COLCON_DEB_ROS_DISTRO"
[ -f "$prefix/setup.sh" ] && exit 0
# Debian's python3 knows the multiarch triple too (dpkg-architecture gave it
# when python was built): one process instead of a perl one besides
# shellcheck disable=SC2046
set -- $(python3 -c 'import sys, sysconfig
print("%d.%d" % sys.version_info[:2], sysconfig.get_config_var("MULTIARCH") or "")')
pyver=$1 multiarch=${2:-}
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
