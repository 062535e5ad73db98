# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""One run at a time per output and per build base, and only its owner's.

The lock is the kernel's (flock on a file in the directory): it goes away
with the process, even a killed one, so a later run knows that whatever a
dead run left (containers, scratch files) is no longer anybody's.

Everything the tool writes on the host belongs to the invoking user; state
another user left (a run as root, then as yourself) is reported with the
command that fixes it instead of failing half-way with "Permission denied".
"""

from contextlib import contextmanager
import fcntl
import os
from pathlib import Path

from colcon_deb_docker.errors import DebDockerError

LOCK_NAME = '.run.lock'


class Busy(DebDockerError):
    """Another run holds the directory."""


@contextmanager
def exclusive_run(directory, *, what, option):
    """Hold `directory` for one whole run; refuse at once if another does.

    :param what: e.g. 'writing to', for the message
    :param option: the option that picks another directory
    :raises Busy: naming the process that holds it
    :raises OSError: if the lock file cannot be made
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_NAME, 'a+') as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or 'unknown'
            raise Busy(
                f'another colcon deb run ({holder}) is {what} {directory}; '
                f'wait for it to finish or pass another {option}') from None
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(f'pid {os.getpid()}\n')
        lock_file.flush()
        try:
            yield
        finally:
            lock_file.seek(0)
            lock_file.truncate()
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def check_owner(directory, *, option):
    """Refuse a directory that holds files of another user.

    Root may use anything (and what it writes is root's).

    :raises DebDockerError: naming the first such file and the fix
    """
    uid = os.getuid()
    directory = Path(directory)
    if uid == 0 or not directory.exists():
        return
    for root, dirs, files in os.walk(directory):
        for name in [*dirs, *files, None]:
            path = Path(root) / name if name else Path(root)
            try:
                owner = path.lstat().st_uid
            except OSError:
                continue
            if owner != uid:
                raise DebDockerError(
                    f'{path} belongs to uid {owner}, not to you (uid {uid}): '
                    'a run as another user wrote it; take it over with '
                    f'`sudo chown -R {uid}:{os.getgid()} {directory}` or '
                    f'pass another {option}')
