#!/bin/sh
# Step "build-deps" (root): install the package's build dependencies.
# Nothing is fetched when the builder image already satisfies them.
# Otherwise workspace siblings come from the .debs already built, offered as
# a local apt repository; only that repository's index is refreshed (the
# builder image keeps the mirrors' lists), with a full refresh as fallback
# when the image's lists have gone stale.  Archives downloaded from mirrors
# are shared between containers through the host's apt cache directory.
set -eu
helpers=$(dirname "$0")
. "$helpers/progress.sh"
progress build-deps start
export DEBIAN_FRONTEND=noninteractive
# a throw-away container needs no fsync after every unpacked file
echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/colcon-deb-unsafe-io
cd "/build/src/$PACKAGE_NAME"
if dpkg-checkbuilddeps >/dev/null 2>&1; then
    sh "$helpers/write-ros-setup-standin.sh"
    progress build-deps done "already satisfied"
    exit 0
fi

archives=/var/cache/apt/archives
cache=${COLCON_DEB_APT_CACHE:-}
if [ -n "$cache" ]; then
    for deb in "$cache"/*.deb; do
        [ -f "$deb" ] && ln -sf "$deb" "$archives/"
    done
fi

local_list=/etc/apt/sources.list.d/colcon-deb-workspace.list
echo "deb [trusted=yes] file:/colcon-deb/repo $COLCON_DEB_OS_CODENAME main" \
    > "$local_list"
apt_options="-q -o Acquire::Languages=none -o APT::Sandbox::User=root"
apt-get update $apt_options -o Dir::Etc::SourceList="$local_list" \
    -o Dir::Etc::SourceParts=/dev/null -o APT::Get::List-Cleanup=0
if ! apt-get build-dep -y $apt_options --no-install-recommends ./; then
    progress build-deps retry "refreshing all apt indexes"
    apt-get update $apt_options
    apt-get build-dep -y $apt_options --no-install-recommends ./
fi

if [ -n "$cache" ]; then
    # new downloads go to the shared cache under a temporary name, renamed
    # when complete (safe with any number of containers at once), owned by
    # the build user like everything else the host sees
    as_build_user sh -c '
        for deb in "$1"/*.deb; do
            [ -f "$deb" ] && [ ! -L "$deb" ] || continue
            name=$(basename "$deb")
            [ -e "$2/$name" ] && continue
            cp "$deb" "$2/.$name.$$" && mv "$2/.$name.$$" "$2/$name"
        done' copy-to-cache "$archives" "$cache"
fi
sh "$helpers/write-ros-setup-standin.sh"
progress build-deps done
