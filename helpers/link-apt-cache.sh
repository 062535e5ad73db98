#!/bin/sh
# Link the archives of the verified apt cache (its directory is the one
# argument, a read-only mount the host admits files to: see apt_cache.py)
# into apt's archive directory (root), so apt takes them instead of
# downloading.  One find and one ln for all of them: a loop ran ln once a
# file (0.22 s for 300 files, 0.08 s this way).  `apt-get clean` removes
# the links again, never the files.
set -eu
cache=${1:?the verified apt cache directory}
find "$cache" -maxdepth 1 -name '*.deb' -type f \
    -exec ln -sf -t /var/cache/apt/archives {} +
