#!/bin/sh
# Step "source" (root): copy the read-only package source into a scratch
# directory the build user owns.  Copied by root so that source files only
# the host user may read still build; symlinks are copied as links, never
# followed (chown -R does not follow them either).  FIFOs, sockets and
# device nodes are not copied (the host warned about them): a FIFO would
# block a reader forever, a device node needs a capability we do not hold.
set -eu
. "$(dirname "$0")/progress.sh"
progress source start
python3 - "$COLCON_DEB_SOURCE" "/build/src/$PACKAGE_NAME" <<'PY'
import os
import shutil
import stat
import sys


def specials(directory, names):
    def special(name):
        mode = os.lstat(os.path.join(directory, name)).st_mode
        return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or
                    stat.S_ISLNK(mode))
    return [name for name in names if special(name)]


shutil.copytree(sys.argv[1], sys.argv[2], symlinks=True, ignore=specials,
                dirs_exist_ok=True)
PY
chown -R "$BUILD_UID:$BUILD_GID" "/build/src/$PACKAGE_NAME"
progress source done
