#!/bin/sh
# Step "apt-sources" (root): add the --apt-source underlays the host wrote
# (COLCON_DEB_APT_SOURCES, read-only: a sources list naming its keys and the
# read-only mounts of file: repositories) and read their indexes only, so
# that bloom, the build dependencies and --verify can use their packages.
# Nothing to do without underlays.
set -eu
. "$(dirname "$0")/progress.sh"
list="$COLCON_DEB_APT_SOURCES/underlays.list"
[ -f "$list" ] || exit 0
progress apt-sources start "$(grep -c '^deb' "$list") underlay(s)"
cp "$list" /etc/apt/sources.list.d/colcon-deb-underlays.list
if ! apt-get update -q --error-on=any -o Acquire::Languages=none \
    -o Dir::Etc::SourceList=/etc/apt/sources.list.d/colcon-deb-underlays.list \
    -o Dir::Etc::SourceParts=/dev/null -o APT::Get::List-Cleanup=0; then
    progress apt-sources failed "apt-get update of the --apt-source repositories failed (see above)"
    exit 1
fi
progress apt-sources done
