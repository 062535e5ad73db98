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
change no address, route or filter of the namespace.  What it could
change are the namespace's network files (/etc/hosts, /etc/resolv.conf,
/etc/hostname): a build that joins gets the holder's own files, and its
root steps (a sibling's postinst) can write them.  So the host reads them
once from a new holder and each build's entry script writes them back, as
its first step (``contract.NETWORK_FILES``,
helpers/restore-network-files.sh).  The holders carry
the run's labels: the run removes them at its end, an interrupt with the
run's other containers, the next run of the build base those a killed run
left.

Not with --isolate-network: that disconnects the build's own container
from the bridge once its build dependencies are installed.
"""

from dataclasses import dataclass
import functools
import io
import tarfile
import threading

from colcon_core.logging import colcon_logger
from colcon_deb_docker import contract
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.errors import DebDockerError
import docker.errors

logger = colcon_logger.getChild(__name__)

#: a holder runs `sleep`: a few processes and a few MiB are plenty (more
#: under QEMU, which emulates the sleep of a foreign image)
HOLDER_PIDS_LIMIT = 16
HOLDER_MEMORY = 64 << 20
#: the label that tells a holder from a build container
ROLE_LABEL = 'io.colcon-deb-docker.role'
#: the most bytes of one network file read from a holder (they are a few
#: lines the engine writes)
MAX_NETWORK_FILE = 64 << 10


@dataclass(frozen=True)
class Holder:
    """A running holder and its network files as the engine wrote them."""

    container: object
    #: contract.NETWORK_FILES' variables, each with its file's content
    environment: dict

    @property
    def network_mode(self):
        """Return the network mode that joins its namespace."""
        return f'container:{self.container.id}'


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
        """Return a running :class:`Holder` for one build of `arch`.

        It is that build's until :meth:`release`.

        :raises DebDockerError: if the engine cannot run one
        """
        with self._lock:
            if self._closed:
                raise DebDockerError('the run is ending: no new build')
            free = self._free.get(arch)
            if free:
                return free.pop()
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
        container = engine.create(spec)
        with self._lock:
            self._made.append((engine, container))
            closed = self._closed
        if closed:
            engine.remove(container)
            raise DebDockerError('the run is ending: no new build')
        try:
            container.start()
            environment = {
                variable: read_file(container, path)
                for variable, path in contract.NETWORK_FILES.items()}
        except docker.errors.APIError as e:
            raise DebDockerError(
                f'the engine cannot run a network holder: {e}') from None
        return Holder(container=container, environment=environment)

    def release(self, arch, holder):
        """Give a :class:`Holder` back once the build's container ended."""
        with self._lock:
            if not self._closed:
                self._free.setdefault(arch, []).append(holder)

    def close(self, *, remove_later=None):
        """Remove every holder of the run, at its end; lend none after.

        :param remove_later: called with a function that removes one
          holder, to run it in the background (each removal takes the
          engine 0.1-0.3 s; the run waits for them all at once); None:
          removed before this returns
        :returns: how many holders the run had
        """
        with self._lock:
            self._closed = True
            made, self._made = self._made, []
            self._free = {}
        for engine, container in made:
            remove = functools.partial(engine.remove, container)
            if remove_later is None:
                remove()
            else:
                remove_later(remove)
        return len(made)


def read_file(container, path):
    """Return the text of one small file of a container (through the API).

    :raises DebDockerError: if it is not a regular file of at most
      :data:`MAX_NETWORK_FILE` bytes
    """
    stream, _ = container.get_archive(path)
    data = b''.join(stream)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.next()
        if member is None or not member.isfile() or \
                member.size > MAX_NETWORK_FILE:
            raise DebDockerError(
                f'the network holder has no plain {path}')
        return archive.extractfile(member).read().decode()
