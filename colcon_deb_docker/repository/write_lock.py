# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Who may write the repository, and when.

Writers are serialised by an exclusive lock on ``.lock`` (between
processes) and a thread lock (between the jobs of one process); a whole run
holds ``.run.lock`` (:mod:`colcon_deb_docker.run_lock`), so that a second
run on the same output is refused at once instead of interleaving its
packages with ours.
"""

from contextlib import contextmanager
from contextlib import ExitStack
import fcntl
import threading

from colcon_deb_docker.repository.publish_rules import RepositoryError
from colcon_deb_docker.run_lock import Busy
from colcon_deb_docker.run_lock import exclusive_run


def write_error(path, error):
    """Return the error for an OSError met while writing the repository."""
    return RepositoryError(
        f'cannot write the repository {path}: {error.strerror or error}')


class RepositoryLock:
    """The write lock and the run lock of one repository directory."""

    def __init__(self, path):  # noqa: D107
        self.path = path
        self._thread_lock = threading.Lock()

    @contextmanager
    def held(self):
        """Hold the write lock (threads and processes)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with self._thread_lock:
            with open(self.path / '.lock', 'a') as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)

    @contextmanager
    def exclusive_run(self):
        """Hold the repository for one whole `colcon deb` run.

        :raises RepositoryError: if another run holds it (naming its
          process), or the lock cannot be made
        """
        with ExitStack() as stack:
            try:
                stack.enter_context(exclusive_run(
                    self.path, what='writing to', option='--output-base'))
            except Busy as e:
                raise RepositoryError(str(e)) from None
            except OSError as e:
                raise write_error(self.path, e) from None
            yield
