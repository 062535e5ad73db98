#!/bin/sh
# Verification (root, fresh base image): install the given packages from the
# repository and report each one that fails, then check that what installed
# can run (verify-runtime.sh).  Exits non-zero if anything failed.
# All of them in one apt-get run first (one resolution, one dpkg run; the
# ROS 2 core's 73 took 33 s so, apt-get update included); only when that
# fails, one by one, so that each package that does not install is named.
set -u
. "$(dirname "$0")/progress.sh"
export DEBIAN_FRONTEND=noninteractive
echo "deb [trusted=yes] file:$COLCON_DEB_REPO $COLCON_DEB_OS_CODENAME main" \
    > /etc/apt/sources.list.d/colcon-deb-workspace.list
sh "$(dirname "$0")/configure-apt-sources.sh" || exit 1
progress verify start "apt-get update"
apt-get update -q || exit 1
failed=0
installed=""
if apt-get install -y -q --no-install-recommends "$@"; then
    for package in "$@"; do
        progress verify installed "$package"
    done
    installed=" $*"
else
    progress verify retry "one package at a time, to name those that fail"
    for package in "$@"; do
        if apt-get install -y -q --no-install-recommends "$package"; then
            progress verify installed "$package"
            installed="$installed $package"
        else
            progress verify failed "$package"
            failed=1
        fi
    done
fi
if [ -n "$installed" ]; then
    # shellcheck disable=SC2086
    sh "$(dirname "$0")/verify-runtime.sh" $installed || failed=1
fi
exit "$failed"
