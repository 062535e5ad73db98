# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Containers described declaratively, independent of the Docker SDK.

A :class:`ContainerSpec` says what one container is: its image, command,
environment, read-only mounts, uploads and downloads, labels and the
capabilities it needs; :meth:`ContainerSpec.to_create_kwargs` adds the
security defaults no caller can forget.  :class:`DockerEngine`
(:mod:`colcon_deb_docker.container`) runs it.
"""

from dataclasses import dataclass
from dataclasses import field

import docker.types

#: Label put on every container the plugin starts.
LABEL_TOOL = 'io.colcon-deb-docker'
#: Label naming the run (one `colcon deb` invocation) a container belongs to.
LABEL_RUN = 'io.colcon-deb-docker.run'
#: Label naming the build base (a hash of its path) of that run: a run that
#: holds the build base's lock removes what dead runs of it left behind.
LABEL_BUILD_BASE = 'io.colcon-deb-docker.build-base'

#: Capabilities a root setup step needs: create the build user (chown,
#: setuid/setgid), install build dependencies with apt/dpkg (chown, fowner,
#: fsetid, dac_override, setuid/setgid for apt's _apt sandbox) and drop to the
#: build user with setpriv, emptying the bounding set on the way (setpcap), so
#: that the build steps hold no capability at all.  Everything else is
#: dropped.
SETUP_CAPABILITIES = (
    'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID', 'KILL',
    'SETPCAP')


@dataclass(frozen=True)
class Mount:
    """A host path bind-mounted into a container, always read-only.

    Nothing a container writes ever lands in a host directory: outputs
    come back through the engine API (:class:`Download`), checked.
    """

    host_path: str
    container_path: str

    def to_docker(self):
        """Return the Docker SDK mount object."""
        return docker.types.Mount(
            target=self.container_path, source=str(self.host_path),
            type='bind', read_only=True)


@dataclass(frozen=True)
class Volume:
    """A named volume of the engine (not a host path).

    E.g. a package's ccache: only the containers of that one package ever
    mount it.
    """

    name: str
    container_path: str
    #: mounted read-only (e.g. to count what it holds)
    read_only: bool = False

    def to_docker(self):
        """Return the Docker SDK mount object."""
        return docker.types.Mount(
            target=self.container_path, source=self.name, type='volume',
            read_only=self.read_only, labels={LABEL_TOOL: '1'})


@dataclass(frozen=True)
class Upload:
    """A host directory copied into a container before it starts.

    Used instead of a bind mount when the engine does not share the host's
    filesystem (a remote engine): the tree travels as a tar archive through
    the Docker API, owned by root and not writable by anyone else, which is
    what a read-only mount gives.
    """

    host_path: str
    container_path: str
    #: skip files whose path relative to host_path matches this predicate
    exclude: object = None
    #: {file name: bytes} written into the top directory instead of a host
    #: tree, readable by root only (settings that may hold a password)
    files: dict = None


@dataclass(frozen=True)
class Download:
    """A container directory copied back to the host after the container."""

    container_path: str
    host_path: str
    #: the most bytes the copy may come to (None: no bound); see
    #: :func:`colcon_deb_docker.container_archives.copy_out`
    limit: int = None


#: the most a build's outputs may come to by default (--max-output): a
#: sparse file costs its container nothing, but comes out whole (a 2 GiB
#: one of 4 KiB on the engine's disk took 11 s and 2 GiB of the host's)
MAX_OUTPUT = 32 * 2 ** 30

#: the most a build may write into its container's filesystem by default
#: (--max-disk): the engine's storage driver bounds no container's layer,
#: so nothing else keeps a runaway file from filling the engine's disk,
#: which the host and every other container share
MAX_DISK = 32 * 2 ** 30


#: processes (and threads) a container may hold at once.  The kernel's
#: process table is the machine's (32768 entries by default): a package
#: that forks without end would leave the host, the engine and colcon deb
#: itself unable to start a process.  A parallel C++ build holds a few
#: hundred at most.
PIDS_LIMIT = 4096

#: the engine's own copy of a container's output (its json-file log, which
#: colcon deb never reads: it streams the output as it comes): at most one
#: file of this size.  Unbounded, a build that prints without end filled
#: the engine's disk with it.
ENGINE_LOG_CONFIG = {
    'type': 'json-file', 'config': {'max-size': '8m', 'max-file': '1'}}


@dataclass
class ContainerSpec:
    """Everything needed to run one container, independent of the SDK."""

    image: str
    command: list
    name: str = None
    environment: dict = field(default_factory=dict)
    mounts: list = field(default_factory=list)
    user: str = None
    working_dir: str = None
    network_mode: str = 'bridge'
    labels: dict = field(default_factory=dict)
    cap_add: tuple = ()
    platform: str = None
    uploads: list = field(default_factory=list)
    downloads: list = field(default_factory=list)
    #: bytes of memory (and memory plus swap): the engine kills beyond
    mem_limit: int = None
    #: container paths that get a fresh anonymous volume of the engine
    #: (removed with the container; what the image has there is copied in)
    fresh_volumes: tuple = ()
    #: see :data:`PIDS_LIMIT`
    pids_limit: int = PIDS_LIMIT
    #: ``<container>:ro``: that container's volumes, mounted read-only
    volumes_from: tuple = ()

    def to_create_kwargs(self):
        """Return the keyword arguments for ``containers.create``.

        The security defaults live here so that no caller can forget them:
        never privileged, no new privileges, all capabilities dropped except
        the ones a spec asks for, a bounded number of processes, a bounded
        engine log.
        """
        kwargs = {
            'image': self.image,
            'command': list(self.command),
            'environment': dict(self.environment),
            'mounts': [m.to_docker() for m in self.mounts] + [
                docker.types.Mount(
                    target=path, source=None, type='volume',
                    labels={LABEL_TOOL: '1'})
                for path in self.fresh_volumes],
            'network_mode': self.network_mode,
            'labels': {LABEL_TOOL: '1', **self.labels},
            'privileged': False,
            'security_opt': ['no-new-privileges'],
            'cap_drop': ['ALL'],
            'cap_add': list(self.cap_add),
            'pids_limit': self.pids_limit,
            'log_config': docker.types.LogConfig(**ENGINE_LOG_CONFIG),
            'detach': True,
        }
        for key in ('name', 'user', 'working_dir', 'platform'):
            value = getattr(self, key)
            if value is not None:
                kwargs[key] = value
        if self.volumes_from:
            kwargs['volumes_from'] = list(self.volumes_from)
        if self.mem_limit:
            # no swap on top: a build over its limit is killed, not slowed
            kwargs['mem_limit'] = kwargs['memswap_limit'] = self.mem_limit
        return kwargs
