#!/bin/sh
# Step "build-deps" (root): install the package's build dependencies.
# Fastest path first, each one only if the previous left something unmet:
#  1. nothing, when the image already satisfies them and none is a
#     workspace sibling;
#  2. the workspace siblings' .debs the host names (COLCON_DEB_SIBLING_DEBS,
#     paths in the repository) installed with dpkg, their system
#     dependencies with `apt-get -f install`;
#  3. `apt-get build-dep` against the image's apt indexes (kept valid in the
#     image, so apt does not parse the mirrors' lists again);
#  4. the same with the workspace repository added as an apt source, then
#     with every index refreshed (the image's lists may have gone stale).
# Archives the host has verified (COLCON_DEB_APT_CACHE, a read-only mount)
# are linked into apt's archive directory; what apt downloads on top stays
# in the container, and the host copies it out afterwards and admits only
# the files whose hashes match the signed indexes (see apt_cache.py).
set -eu
helpers=$(dirname "$0")
. "$helpers/progress.sh"
progress build-deps start
export DEBIAN_FRONTEND=noninteractive
# a throw-away container needs no fsync after every unpacked file, nor
# after each update of dpkg's database (eatmydata, when the image has it:
# 1.2-1.4 s instead of 1.4-1.7 s for 49 ROS 2 .debs)
echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/colcon-deb-unsafe-io
eat=$(command -v eatmydata || true)
cd "/build/src/$PACKAGE_NAME"
satisfied() { dpkg-checkbuilddeps >/dev/null 2>&1; }
finish() {
    sh "$helpers/write-ros-setup-standin.sh"
    # what apt downloaded (links to the verified cache do not count): the
    # host copies apt's archives out only when there is something
    downloads=0
    for archive in /var/cache/apt/archives/*.deb; do
        if [ -f "$archive" ] && [ ! -L "$archive" ]; then
            downloads=$((downloads + 1))
        fi
    done
    progress build-deps downloads "$downloads"
    progress build-deps done "$1"
    exit 0
}

cache=${COLCON_DEB_APT_CACHE:-}

# the workspace's own packages always come from its .debs: an image may
# hold a same-named package (an underlay's, in a dependency image made with
# --apt-source) that must never count as the workspace's
if [ -z "${COLCON_DEB_SIBLING_DEBS:-}" ]; then
    satisfied && finish "already satisfied"
fi

if [ -n "$cache" ]; then
    sh "$helpers/link-apt-cache.sh" "$cache"
fi
apt_options="-q -o Acquire::Languages=none -o APT::Sandbox::User=root"

if [ -n "${COLCON_DEB_SIBLING_DEBS:-}" ]; then
    set -f
    set -- $COLCON_DEB_SIBLING_DEBS
    set +f
    progress build-deps siblings "$#"
    # dpkg alone leaves their system dependencies unconfigured, and says so
    # at length: expected here, so the log keeps it and the console not
    (cd "$COLCON_DEB_REPO" && $eat dpkg -i "$@" 2>&1) \
        || $eat apt-get install -f -y $apt_options --no-install-recommends \
        || true
    satisfied && finish "workspace .debs"
fi

if $eat apt-get build-dep -y $apt_options --no-install-recommends ./; then
    finish "apt-get build-dep"
fi

progress build-deps retry "with the workspace repository as apt source"
local_list=/etc/apt/sources.list.d/colcon-deb-workspace.list
echo "deb [trusted=yes] file:$COLCON_DEB_REPO $COLCON_DEB_OS_CODENAME main" \
    > "$local_list"
apt-get update $apt_options -o Dir::Etc::SourceList="$local_list" \
    -o Dir::Etc::SourceParts=/dev/null -o APT::Get::List-Cleanup=0
if ! $eat apt-get build-dep -y $apt_options --no-install-recommends ./; then
    progress build-deps retry "refreshing all apt indexes"
    apt-get update $apt_options
    $eat apt-get build-dep -y $apt_options --no-install-recommends ./
fi
finish "apt-get build-dep with the workspace repository"
