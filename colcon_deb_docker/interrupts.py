# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Ctrl-C and SIGTERM: stop the run's containers, then interrupt."""

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
