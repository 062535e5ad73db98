#!/bin/sh
# Steps "compile" and "package": dpkg-buildpackage -b, then hand the .debs
# (and -dbgsym packages) to the host through the writable output mount.
set -eu
. "$(dirname "$0")/progress.sh"
cd "/build/src/$PACKAGE_NAME"
progress compile start "dpkg-buildpackage -b"
dpkg-buildpackage -b -us -uc
progress compile done
progress package start
found=0
for deb in ../*.deb ../*.ddeb; do
    [ -f "$deb" ] || continue
    cp "$deb" /colcon-deb/out/
    progress package file "$(basename "$deb")"
    found=1
done
if [ "$found" = 0 ]; then
    echo "dpkg-buildpackage produced no .deb" >&2
    exit 1
fi
progress package done
