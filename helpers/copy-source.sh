#!/bin/sh
# Step "source" (root): copy the read-only package source into a scratch
# directory the build user owns.  Copied by root so that source files only
# the host user may read still build; symlinks are copied as links, never
# followed (chown -R does not follow them either).
set -eu
. "$(dirname "$0")/progress.sh"
progress source start
cp -a /colcon-deb/src/. "/build/src/$PACKAGE_NAME/"
chown -R "$BUILD_UID:$BUILD_GID" "/build/src/$PACKAGE_NAME"
progress source done
