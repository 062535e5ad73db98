# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Where a package's source comes from: its git commit, when it has one.

Recorded in the repository's manifest and in ``debian/changelog``, so that
every published .deb can be traced to the source it was built from.  git is
optional: without it, or outside a git checkout, there is no VCS record.
"""

import os
import shutil
import subprocess

from colcon_core.logging import colcon_logger

logger = colcon_logger.getChild(__name__)


def vcs_info(path):
    """Return ``{'commit', 'dirty', 'time'}`` of a package, or None.

    `dirty`: the package's directory has changes (or untracked files) that
    the commit does not hold; `time`: the commit's time (seconds since the
    epoch), the reproducible-builds SOURCE_DATE_EPOCH of a clean checkout.

    The checkout is the package's, and so untrusted: its ``.git/config``
    can name commands that ``git status`` runs on the host (an fsmonitor,
    a clean filter), and ``git log`` a gpg program.  Those are turned off
    (:func:`_inert_git_environment`), and the commit's time is read from
    the commit object itself.
    """
    if shutil.which('git') is None:
        return None

    def git(*args, env=None, no_match_ok=False):
        result = subprocess.run(
            ['git', '--no-optional-locks', '-C', str(path), *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            timeout=30, env=env)
        # git config --get-regexp exits with 1 when nothing matches
        if result.returncode and not (no_match_ok and result.returncode == 1):
            raise subprocess.CalledProcessError(result.returncode, args)
        return result.stdout

    try:
        commit = git('rev-parse', '--verify', 'HEAD').strip()
        # reading the config runs nothing of it
        env = _inert_git_environment(git(
            'config', '--null', '--name-only', '--get-regexp',
            r'^filter\.', no_match_ok=True).split('\0'))
        status = git('status', '--porcelain', '--ignore-submodules=all',
                     '--', '.', env=env)
        time = _committer_time(git('cat-file', 'commit', commit))
    except (subprocess.SubprocessError, OSError, ValueError):
        return None
    return {'commit': commit, 'dirty': bool(status.strip()), 'time': time}


def _inert_git_environment(config_names):
    """Return git's environment with no command of the checkout's config.

    `config_names`: the checkout's ``filter.*`` settings; each filter's
    commands are set empty and it is not required (git then passes the
    content through), and the fsmonitor is off.  A file kept by such a
    filter (git-lfs) whose index entry git must compare by content then
    counts as a change: such a checkout may be called dirty.

    Given as GIT_CONFIG_KEY_n, which takes any name verbatim (``-c``
    splits at the first ``=``).
    """
    settings = {'core.fsmonitor': 'false'}
    for name in config_names:
        prefix, _, setting = name.rpartition('.')
        if setting in ('clean', 'smudge', 'process', 'required'):
            settings.update({
                f'{prefix}.clean': '', f'{prefix}.smudge': '',
                f'{prefix}.process': '', f'{prefix}.required': 'false'})
    env = dict(os.environ, GIT_CONFIG_COUNT=str(len(settings)))
    for index, (key, value) in enumerate(settings.items()):
        env[f'GIT_CONFIG_KEY_{index}'] = key
        env[f'GIT_CONFIG_VALUE_{index}'] = value
    return env


def _committer_time(commit_object):
    """Return the committer time of a raw commit object (git cat-file)."""
    for line in commit_object.splitlines():
        if not line:
            break  # the headers end here
        if line.startswith('committer '):
            return int(line.rsplit(' ', 2)[-2])
    raise ValueError('no committer in the commit object')


def describe_vcs(vcs):
    """Return the changelog's words for a VCS record (empty for None)."""
    if not vcs:
        return ''
    return vcs['commit'] + (' (with uncommitted changes)'
                            if vcs['dirty'] else '')
