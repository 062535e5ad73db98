# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Network namespaces the build containers take turns in.

A container on the engine's bridge gets a network namespace of its own:
the engine makes it, with a veth pair and its addresses, when the container
starts, and tears it down when it ends.  On this project's 2-vCPU machine
that is most of a container's life cycle besides the build (idle engine,
medians of ten: start 0.18 s and the wait for its end 0.046 s on the
bridge; 0.07 s and 0.005 s joining the namespace of a running container).

So a build container joins the namespace of a *holder*: a container of the
run that only sleeps, on the bridge, with no capabilities, as nobody.  A
holder serves one build at a time: a build takes a free one (a new one when
none is free) and gives it back once its container ended, so concurrent
builds never share a namespace (no port or abstract socket of one build is
seen by another), and the next build finds nothing of the last one there:
its processes ended with its container, and without capabilities it could
change no address, route or filter of the namespace.  The holders carry
the run's labels: the run removes them at its end, an interrupt with the
run's other containers, the next run of the build base those a killed run
left.

Not with --isolate-network: that disconnects the build's own container
from the bridge once its build dependencies are installed.
"""

import threading

from colcon_core.logging import colcon_logger
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.errors import DebDockerError

logger = colcon_logger.getChild(__name__)

#: a holder runs `sleep`: a few processes and a few MiB are plenty (more
#: under QEMU, which emulates the sleep of a foreign image)
HOLDER_PIDS_LIMIT = 16
HOLDER_MEMORY = 64 << 20
#: the label that tells a holder from a build container
ROLE_LABEL = 'io.colcon-deb-docker.role'


class NetworkNamespaces:
    """The holders of one run, per architecture; each lent to one build."""

    def __init__(self, session):
        """Lend holders for the builds of `session` (made on demand)."""
        self._session = session
        self._lock = threading.Lock()
        #: architecture -> free holders (containers)
        self._free = {}
        #: every holder made, with the engine that runs it
        self._made = []
        self._count = 0
        self._closed = False

    def acquire(self, arch):
        """Return a running holder for one build of `arch`, now its own.

        :returns: the network mode that joins it, and the holder
        :raises DebDockerError: if the engine cannot run one
        """
        with self._lock:
            if self._closed:
                raise DebDockerError('the run is ending: no new build')
            free = self._free.get(arch)
            if free:
                holder = free.pop()
                return f'container:{holder.id}', holder
            self._count += 1
            number = self._count
        session = self._session
        engine = session.engine_for(arch)
        spec = ContainerSpec(
            image=session.builders[arch].tag,
            command=['sleep', 'infinity'],
            name=f'colcon-deb-{session.run_id}-network-{number}-{arch}',
            user='65534:65534',
            labels={**session.labels, ROLE_LABEL: 'network'},
            mem_limit=HOLDER_MEMORY, pids_limit=HOLDER_PIDS_LIMIT)
        holder = engine.create(spec)
        with self._lock:
            self._made.append((engine, holder))
            closed = self._closed
        if closed:
            engine.remove(holder)
            raise DebDockerError('the run is ending: no new build')
        try:
            holder.start()
        except Exception as e:  # noqa: B902 (the SDK's errors, any)
            raise DebDockerError(
                f'the engine cannot start a network holder: {e}') from None
        return f'container:{holder.id}', holder

    def release(self, arch, holder):
        """Give a holder back once the build's container has ended."""
        with self._lock:
            if not self._closed:
                self._free.setdefault(arch, []).append(holder)

    def close(self):
        """Remove every holder of the run (at its end; blocking)."""
        with self._lock:
            self._closed = True
            made, self._made = self._made, []
            self._free = {}
        for engine, holder in made:
            engine.remove(holder)
        return len(made)
