# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Ctrl-C and SIGTERM: stop the run's containers, then interrupt."""

from contextlib import contextmanager
import signal
import threading


def install_interrupt_handlers(session):
    """Make Ctrl-C and SIGTERM stop the run's containers, then interrupt.

    colcon's executors expect a job's subprocess to get the terminal's
    SIGINT too and wait for it; a container does not, so the handler removes
    every container of the run (in a thread: a signal handler must return
    quickly) and then raises KeyboardInterrupt as Python's default would.
    SIGTERM (a CI job cancelled, `kill`) takes the same path.

    :returns: the previous handlers, to restore
    """
    def interrupt(signum, frame):
        if not session.interrupted.is_set():
            session.interrupted.set()
            threading.Thread(
                target=session.remove_run_containers, daemon=True).start()
        raise KeyboardInterrupt

    return {
        signum: signal.signal(signum, interrupt)
        for signum in (signal.SIGINT, signal.SIGTERM)}


@contextmanager
def terminate_as_interrupt():
    """Make SIGTERM end the whole run as Ctrl-C does, not at once.

    Python's default for SIGTERM ends the process on the spot, without its
    `finally` clauses.  Outside the jobs (where install_interrupt_handlers
    takes over) that is where the run cleans up: a CI job cancelled while
    the images were made, the plan was made or --verify ran left the
    temporary signing keyring (a secret key) on disk, its gpg-agent running
    and the verify container behind.  KeyboardInterrupt runs them, and
    colcon turns it into its interrupted exit status.  Outside the main
    thread no handler can be set, and nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
