# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Memory for the builds: a limit per container, a budget for all of them.

Parallel C++ builds can exhaust the machine (rclcpp's compiler alone takes
over a gigabyte).  Every build container gets a memory limit
(``--job-memory``, default: the budget shared by the parallel workers), and
a build starts only when its limit fits in what the running ones left of
the budget (``--memory``, default: the engine's memory): jobs wait rather
than overcommit, and a build that needs more is killed by the engine and
reported as such, with the limit and what to change.
"""

import asyncio
import re

_UNITS = {'': 1, 'k': 2 ** 10, 'm': 2 ** 20, 'g': 2 ** 30, 't': 2 ** 40}
_SIZE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$', re.I)
#: the smallest limit a build container may get (dpkg and apt need some)
MINIMUM = 64 * 2 ** 20


def parse_size(text):
    """Return the bytes of a size like ``4g``, ``512M``, ``1.5GiB``.

    :raises ValueError: with what was wrong, for argparse
    """
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(
            f'{text!r} is not a size (e.g. 4g, 512m, 1.5GiB)')
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < MINIMUM:
        raise ValueError(f'{text!r} is below {format_size(MINIMUM)}')
    return size


def format_size(size):
    """Return a size for people: ``1.5 GiB``, ``64 MiB``."""
    if size >= 2 ** 30:
        return f'{size / 2 ** 30:.1f} GiB'
    return f'{size / 2 ** 20:.0f} MiB'


class MemoryBudget:
    """The memory the build containers of a run may hold together."""

    def __init__(self, *, total, per_job):
        """Describe the budget.

        :param total: bytes all running builds may hold together
        :param per_job: the limit of each build container
        :raises ValueError: if one build does not fit in the budget
        """
        if per_job > total:
            raise ValueError(
                f'--job-memory {format_size(per_job)} is more than the '
                f'whole budget (--memory {format_size(total)})')
        self.total = total
        self.per_job = per_job
        self.reserved = 0
        self._condition = None

    def describe(self):
        """Return the budget for people."""
        return (f'{format_size(self.per_job)} a build, '
                f'{format_size(self.total)} for all')

    def reserve(self, *, on_wait=None):
        """Hold one build's limit while the returned context is entered.

        Waits (without blocking the event loop) until the limit fits.

        :param on_wait: called once when the build has to wait
        """
        return _Reservation(self, on_wait)

    def _fits(self):
        return self.reserved + self.per_job <= self.total


class _Reservation:
    """One build's share of a :class:`MemoryBudget` (async context)."""

    def __init__(self, budget, on_wait):
        self._budget = budget
        self._on_wait = on_wait

    async def __aenter__(self):
        budget = self._budget
        if budget._condition is None:
            # made in the event loop that uses it
            budget._condition = asyncio.Condition()
        async with budget._condition:
            if not budget._fits() and self._on_wait is not None:
                self._on_wait()
            await budget._condition.wait_for(budget._fits)
            budget.reserved += budget.per_job
        return self

    async def __aexit__(self, *exc_info):
        budget = self._budget
        async with budget._condition:
            budget.reserved -= budget.per_job
            budget._condition.notify_all()
        return False
