#!/bin/sh
# dh_auto_configure, first on PATH while dpkg-buildpackage runs
# (build-with-dpkg.sh copies it to /build/wrappers/dh_auto_configure): the
# CMake configure of a package without a setup.py runs with
# SETUPTOOLS_USE_DISTUTILS=stdlib when python3 has the standard library's
# distutils (Python 3.11 and older).
# Why: CMake's FindPython asks `from distutils import sysconfig` two or
# three times a package (site and include directories, SOABI), and
# setuptools' distutils-precedence.pth turns that import into an import of
# setuptools and pkg_resources: 0.15 s a question against 0.01 s with the
# standard library's copy, 0.25 s of the 0.58 s an ament_cmake package's
# configure takes.  Both copies answer FindPython's questions alike on
# Debian (the dist-packages layout).  Not for a package with a setup.py
# (catkin's configure runs it, and setuptools would then work on the
# standard library's distutils), and not after configure: setup.py runs at
# build time keep setuptools' own.
python=$(readlink -f /usr/bin/python3 2>/dev/null || true)
if [ -f CMakeLists.txt ] && [ ! -e setup.py ] && [ -n "$python" ] && \
        [ -f "/usr/lib/${python##*/}/distutils/sysconfig.py" ]; then
    SETUPTOOLS_USE_DISTUTILS=stdlib
    export SETUPTOOLS_USE_DISTUTILS
fi
# then dh-auto-cmake-ninja.sh's, where build-with-dpkg.sh puts it
next=${0%/*}/cmake-ninja/dh_auto_configure
[ -x "$next" ] || next=/usr/bin/dh_auto_configure
exec "$next" "$@"
