#!/bin/sh
# Step "build-deps" (root): install the package's build dependencies.
# Workspace siblings come from the .debs already built, offered as a local
# apt repository; only that repository's index is refreshed (the builder
# image keeps the mirrors' lists), with a full refresh as fallback when the
# image's lists have gone stale.
set -eu
. "$(dirname "$0")/progress.sh"
progress build-deps start
export DEBIAN_FRONTEND=noninteractive
local_list=/etc/apt/sources.list.d/colcon-deb-workspace.list
echo "deb [trusted=yes] file:/colcon-deb/repo $COLCON_DEB_OS_CODENAME main" \
    > "$local_list"
apt-get update -q -o Dir::Etc::SourceList="$local_list" \
    -o Dir::Etc::SourceParts=/dev/null -o APT::Get::List-Cleanup=0
cd "/build/src/$PACKAGE_NAME"
if ! apt-get build-dep -y -q --no-install-recommends ./; then
    progress build-deps retry "refreshing all apt indexes"
    apt-get update -q
    apt-get build-dep -y -q --no-install-recommends ./
fi
sh "$(dirname "$0")/write-ros-setup-standin.sh"
progress build-deps done
