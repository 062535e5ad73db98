# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Where a package's source comes from: its git commit, when it has one.

Recorded in the repository's manifest and in ``debian/changelog``, so that
every published .deb can be traced to the source it was built from.  git is
optional: without it, or outside a git checkout, there is no VCS record.
"""

import shutil
import subprocess

from colcon_core.logging import colcon_logger

logger = colcon_logger.getChild(__name__)


def vcs_info(path):
    """Return ``{'commit', 'dirty', 'time'}`` of a package, or None.

    `dirty`: the package's directory has changes (or untracked files) that
    the commit does not hold; `time`: the commit's time (seconds since the
    epoch), the reproducible-builds SOURCE_DATE_EPOCH of a clean checkout.
    """
    if shutil.which('git') is None:
        return None

    def git(*args):
        return subprocess.run(
            ['git', '-C', str(path), *args], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, check=True,
            timeout=30).stdout.strip()

    try:
        commit = git('rev-parse', '--verify', 'HEAD')
        status = git('status', '--porcelain', '--', '.')
        time = int(git('log', '-1', '--format=%ct', commit))
    except (subprocess.SubprocessError, OSError, ValueError):
        return None
    return {'commit': commit, 'dirty': bool(status), 'time': time}


def describe_vcs(vcs):
    """Return the changelog's words for a VCS record (empty for None)."""
    if not vcs:
        return ''
    return vcs['commit'] + (' (with uncommitted changes)'
                            if vcs['dirty'] else '')
