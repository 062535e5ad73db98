#!/bin/sh
# Step "source": copy the read-only package source into a scratch directory
# the build may write to.  Symlinks are copied as links, never followed.
set -eu
. "$(dirname "$0")/progress.sh"
progress source start
cp -a /colcon-deb/src/. "/build/src/$PACKAGE_NAME/"
progress source done
