# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The CPU goes first to the build the rest of the run waits for longest.

Two builds share the machine's cores.  Shared evenly, the build at the head
of the longest remaining chain (rclcpp in ROS 2's core, which three more
builds wait for) compiles on half the machine while a leaf beside it
takes the other half, and the run ends with that chain's last builds
alone on a machine they cannot fill.  Each running build's container gets
a CPU weight (the engine's cpu_shares) from its remaining chain (its own
expected time plus the longest chain of the packages that wait for it,
see job_order.py) against the longest among the builds running: the
square of that ratio, times the engine's default weight.  The build with
the longest chain keeps the engine's default, so the builds never take
the CPU from other containers of the machine; two builds of similar
chains share about evenly; a leaf beside rclcpp gets what rclcpp leaves
idle (its links, its single-threaded steps) and nothing it could use.
The weights change as builds start and end.
"""

import threading

from colcon_core.logging import colcon_logger
import docker

logger = colcon_logger.getChild(__name__)

#: the engine's default CPU weight (docker's cpu_shares)
DEFAULT_SHARES = 1024
#: the lowest weight the engine accepts
MINIMUM_SHARES = 2


def cpu_shares(chains):
    """Return the CPU weight of each running build.

    :param chains: {key: remaining chain in seconds} of the running builds
    :returns: {key: cpu_shares}
    """
    longest = max(chains.values(), default=0)
    if longest <= 0:
        return {key: DEFAULT_SHARES for key in chains}
    return {
        key: max(MINIMUM_SHARES, round(
            DEFAULT_SHARES * (max(chain, 0) / longest) ** 2))
        for key, chain in chains.items()}


class CpuPriority:
    """Keep the CPU weights of the running build containers up to date."""

    def __init__(self, chains):
        """Remember each package's remaining chain.

        :param chains: {package name: remaining chain in seconds}
        """
        self._chains = dict(chains)
        self._running = {}
        self._applied = {}
        self._lock = threading.Lock()
        self._unsupported = False

    def started(self, key, package_name, container):
        """Weigh a build's container, now running, and those beside it.

        Blocking (engine calls): run it in a worker thread.

        :param key: what identifies the build (package and architecture)
        """
        with self._lock:
            self._running[key] = (
                self._chains.get(package_name, 0.0), container)
            self._apply()

    def ended(self, key):
        """Forget a build whose container ended, and weigh the others."""
        with self._lock:
            self._running.pop(key, None)
            self._applied.pop(key, None)
            self._apply()

    def _apply(self):
        if self._unsupported:
            return
        shares = cpu_shares(
            {key: chain for key, (chain, _) in self._running.items()})
        for key, value in shares.items():
            if self._applied.get(key) == value:
                continue
            container = self._running[key][1]
            try:
                container.update(cpu_shares=value)
            except docker.errors.NotFound:
                continue  # ended under us: its end comes next
            except docker.errors.APIError as e:
                # an engine without the cgroup CPU controller (some
                # rootless ones): the builds share the CPU evenly
                self._unsupported = True
                logger.info(f'builds share the CPU evenly: the engine '
                            f'cannot weigh containers ({e})')
                return
            self._applied[key] = value
