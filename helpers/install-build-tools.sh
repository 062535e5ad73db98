#!/bin/sh
# Builder image step: install what bloom, rosdep and dpkg-buildpackage need.
# Runs once per builder image (at `docker build` time), as root.
# Keeps the apt lists so that per-package builds only refresh the local
# repository instead of re-downloading the mirrors' indexes.
set -eu
export DEBIAN_FRONTEND=noninteractive
echo '::colcon-deb:: {"step": "install-build-tools", "status": "start"}'
apt-get update
# Debian ships rosdep as python3-rosdep2, Ubuntu/ROS images as python3-rosdep.
rosdep_pkg=python3-rosdep2
if ! apt-cache show python3-rosdep2 >/dev/null 2>&1; then
    rosdep_pkg=python3-rosdep
fi
# eatmydata (where the distribution has it): dpkg syncs its database
# after every package it installs, which a throw-away build container does
# not need; the build-dependency steps run dpkg and apt under it
eatmydata=
if apt-cache show eatmydata >/dev/null 2>&1; then
    eatmydata=eatmydata
fi
# ninja-build: CMake's Ninja generator for bloom's cmake builds (see
# dh-auto-cmake-ninja.sh)
apt-get install -y --no-install-recommends \
    python3-bloom "$rosdep_pkg" python3-catkin-pkg python3-setuptools \
    dpkg-dev debhelper fakeroot build-essential cmake ninja-build ccache \
    ca-certificates util-linux passwd $eatmydata
apt-get clean
# keep apt's binary caches: every build container then starts with valid
# caches instead of parsing the mirrors' lists again (~0.6 s each)
apt-cache gencaches
echo '::colcon-deb:: {"step": "install-build-tools", "status": "done"}'
