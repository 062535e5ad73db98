#!/bin/sh
# Step "network" (--isolate-network): ask the host to disconnect this
# container from every network, and wait until only loopback is left, so
# that the compile step runs with no network at all.
set -eu
. "$(dirname "$0")/progress.sh"
progress network isolate "waiting for the host to disconnect the network"
i=0
while ls /sys/class/net | grep -qv '^lo$'; do
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then
        progress network failed "still connected after 30 s"
        exit 1
    fi
    sleep 0.1
done
progress network done "loopback only"
