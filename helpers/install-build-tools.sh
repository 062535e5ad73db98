#!/bin/sh
# Builder image step: install what bloom, rosdep and dpkg-buildpackage need.
# Runs once per builder image (at `docker build` time), as root.
# Keeps the apt lists so that per-package builds only refresh the local
# repository instead of re-downloading the mirrors' indexes.
set -eu
export DEBIAN_FRONTEND=noninteractive
echo '::colcon-deb:: {"step": "install-build-tools", "status": "start"}'
# dpkg leaves out what no build reads: documentation (but the copyright
# files), manual and info pages, message translations: a quarter of the
# files of a ROS 2 dependency image's packages.  Installing 33 Debian
# packages (numpy, lark, empy, yaml-cpp, spdlog, ...) took 6.47 s with
# them, 5.97 s without (and without the manual-page index below; means of
# four, 2026-12-07).  The packages a build makes are the same; --verify
# installs them into the plain base image.
cat > /etc/dpkg/dpkg.cfg.d/colcon-deb-no-docs <<'EOS'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*/LC_MESSAGES/*.mo
EOS
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
# man-db (which debhelper needs) rebuilds its index of manual pages, as a
# trigger, whenever a package that has some installs: 2.5 s of CPU in a
# cold run of the ROS 2 core, for pages left out above.  Without this file
# the trigger does nothing.
rm -f /var/lib/man-db/auto-update
# keep apt's binary caches: every build container then starts with valid
# caches instead of parsing the mirrors' lists again (~0.6 s each)
apt-cache gencaches
echo '::colcon-deb:: {"step": "install-build-tools", "status": "done"}'
