#!/bin/sh
# The dependency image of a run with --apt-source underlays (root; no
# workspace code ever runs here): install one set of system packages (the
# arguments after the underlays' configuration directory, the proxy
# settings' directory and the verified apt cache's, '' for none) with the
# underlays as apt sources, into this container, which the host then
# commits as the set's image; what the cache holds is not downloaded again
# (its links go with `apt-get clean`).  A Dockerfile
# cannot do it: a file: underlay is a read-only mount, which an image build
# has not.  The container gets no environment (it would stay in the
# image): the host's proxy variables, when it has any, come as a file of
# assignments in a volume, which the commit does not keep; the underlays'
# sources list is taken out again, each build adds its own.
set -eu
helpers=$(dirname "$0")
apt_sources=${1:?the underlays configuration directory}
proxy_settings=${2:?the proxy settings directory}
apt_cache=$3
shift 3
if [ -r "$proxy_settings/environment" ]; then
    . "$proxy_settings/environment"
fi
COLCON_DEB_APT_SOURCES=$apt_sources sh "$helpers/configure-apt-sources.sh"
if [ -n "$apt_cache" ]; then
    sh "$helpers/link-apt-cache.sh" "$apt_cache"
fi
# no database syncs (see install-build-deps.sh), when the image has it
eat=$(command -v eatmydata || true)
DEBIAN_FRONTEND=noninteractive $eat apt-get install -y -q \
    --no-install-recommends -o Acquire::Languages=none \
    -o APT::Sandbox::User=root -o DPkg::Options::=--force-unsafe-io "$@"
apt-get clean
rm -f /etc/apt/sources.list.d/colcon-deb-underlays.list
