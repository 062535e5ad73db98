#!/bin/sh
# The main job on the bundled example workspace: from nothing to an apt
# repository, then one package installed from it and run.
#   ./scripts/demo.sh            (idempotent; reuses images made earlier)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/setup-host.sh"

cd "$repo/examples"
echo "== colcon deb on $repo/examples"
colcon deb --ros-distro humble --base-image local/debian:bookworm \
    --offline --output-base deb --verify \
    --executor parallel --parallel-workers 2

echo "== the apt repository"
find -L deb/dists/ deb/pool -name '*.deb' -o -name Packages -o -name Release \
    | sort
cat deb/rosdep.yaml

echo "== apt-get install ros-humble-demo-robot in a fresh container, and run it"
docker run --rm -v "$PWD/deb:/repo:ro" local/debian:bookworm sh -ec '
    echo "deb [trusted=yes] file:/repo bookworm main" \
        > /etc/apt/sources.list.d/colcon-deb.list
    apt-get update -qq
    apt-get install -y -qq ros-humble-demo-robot > /dev/null
    export PATH=/opt/ros/humble/bin:$PATH LD_LIBRARY_PATH=/opt/ros/humble/lib
    export PYTHONPATH=/opt/ros/humble/lib/python3.11/site-packages
    demo_robot'
