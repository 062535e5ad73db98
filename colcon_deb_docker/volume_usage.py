# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What a container has written into its volumes, counted outside it.

The engine's count of a container's disk use (``SizeRw``) is its own layer
only.  A build also writes into volumes of the engine: its package's ccache
(the build user, kept from run to run) and /opt/ros, where the sibling
.debs install (root, their maintainer scripts included).  Before, a build
whose CMake code wrote 300 MB into ``$CCACHE_DIR`` passed ``--max-disk
100m`` and was published, and the 300 MB stayed in the volume after the
run: nothing bounded what a build could put on the engine's disk there.

They are counted by a second container, a *watcher*: the build's own image
(made from Debian packages only, never from a workspace package), the
volumes mounted read-only, no network, and one capability, to read every
directory.  It runs ``du``.  Not in the build's container: there a
sibling's maintainer script (root) could have replaced ``du``, and the
build could have filled the process limit that an exec shares.
"""

import threading

from colcon_core.logging import colcon_logger
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.container_spec import LABEL_BUILD_BASE
from colcon_deb_docker.container_spec import LABEL_RUN
from colcon_deb_docker.container_spec import Volume
import docker.errors

logger = colcon_logger.getChild(__name__)

#: label of a watcher, naming the container it counts for
WATCHER_LABEL = 'io.colcon-deb-docker.volume-watcher-of'
#: how long a watcher lives at the most, should the host process that
#: removes it be gone (the next run of the build base removes it sooner)
WATCHER_LIFETIME = 24 * 3600
#: the watcher's memory: du holds one directory level at a time
WATCHER_MEMORY = 256 * 2 ** 20


def writable_volumes(attrs):
    """Return the mount points of the writable volumes in inspect data."""
    return sorted(
        mount['Destination'] for mount in attrs.get('Mounts') or []
        if mount.get('Type') == 'volume' and mount.get('RW'))


def parse_du(output):
    """Return {path: bytes} of ``du -s -B1`` output (a line a path).

    :raises ValueError: for output that is not du's, or none
    """
    sizes = {}
    for line in output.splitlines():
        if line.strip():
            size, path = line.split('\t', 1)
            sizes[path] = int(size)
    if not sizes:
        raise ValueError('du counted nothing')
    return sizes


class VolumeUsage:
    """Count what one running container has written into its volumes.

    Its watcher mounts every volume of the container (``volumes-from``),
    the anonymous ones too, so :meth:`close` must remove it before the
    container is removed: a watcher still holding an anonymous volume keeps
    the engine from removing that volume with the container.
    """

    def __init__(self, *, client, container):
        """Watch `container` of the engine `client`."""
        self._client = client
        self._container = container
        self._lock = threading.Lock()
        self._closed = False
        self._paths = None
        self._watcher = None

    def used(self):
        """Return the bytes in the container's writable volumes.

        At their full length, as the engine counts the layer (a sparse file
        counts whole).  0 for a container without writable volumes; None
        when it cannot be counted (closed, the container or the watcher is
        gone).
        """
        with self._lock:
            if self._closed:
                return None
            if self._paths is None:
                try:
                    self._paths = writable_volumes(
                        self._client.api.inspect_container(
                            self._container.id))
                except docker.errors.APIError:
                    return None
            if not self._paths:
                return 0
            if self._watcher is None:
                self._watcher = start_watcher(
                    self._client, of=self._container,
                    volumes_from=f'{self._container.id}:ro')
                if self._watcher is None:
                    return None
            watcher = self._watcher
        sizes = count(watcher, self._paths, of=self._container)
        return None if sizes is None else sum(sizes.values())

    def close(self):
        """Remove the watcher; from then on :meth:`used` counts nothing."""
        with self._lock:
            self._closed = True
            watcher, self._watcher = self._watcher, None
        if watcher is not None:
            remove_watcher(watcher)


def count_named_volumes(client, *, of, volumes):
    """Return {mount point: bytes} of named volumes, counted at once.

    For after the containers that used them have ended: the volumes outlive
    them.  One watcher mounts them by name, read-only, counts, and goes.

    :param of: a container whose image and labels serve the watcher
    :param volumes: (volume name, mount point) pairs
    :returns: the counts, or None when they cannot be counted
    """
    watcher = start_watcher(client, of=of, mounts=[
        Volume(name, path, read_only=True) for name, path in volumes])
    if watcher is None:
        return None
    try:
        return count(watcher, sorted(path for _, path in volumes), of=of)
    finally:
        remove_watcher(watcher)


def start_watcher(client, *, of, volumes_from=None, mounts=()):
    """Start a watcher for the container `of`; None when it cannot start."""
    labels = of.labels or {}
    spec = ContainerSpec(
        image=of.attrs['Image'],
        command=['sleep', str(WATCHER_LIFETIME)],
        network_mode='none',
        labels={**{key: labels[key] for key in (LABEL_RUN, LABEL_BUILD_BASE)
                   if key in labels},
                WATCHER_LABEL: of.name},
        mounts=list(mounts),
        cap_add=('DAC_READ_SEARCH',), user='0',
        mem_limit=WATCHER_MEMORY,
        volumes_from=(volumes_from,) if volumes_from else ())
    watcher = None
    try:
        watcher = client.containers.create(**spec.to_create_kwargs())
        watcher.start()
        return watcher
    except docker.errors.APIError as e:
        logger.debug(f'cannot start a volume watcher of {of.name}: {e}')
        if watcher is not None:
            remove_watcher(watcher)
        return None


def count(watcher, paths, *, of):
    """Return {path: bytes} under `paths` as the watcher's du counts them.

    du counts what it can read (its complaints about the rest, e.g. a file
    removed while it counted, go to stderr).  None without a count (the
    watcher was removed under it, or du gave no number).
    """
    try:
        _, (output, _) = watcher.exec_run(
            ['du', '-s', '-B1', '--apparent-size', '--', *paths],
            user='0', demux=True)
        return parse_du((output or b'').decode(errors='replace'))
    except (docker.errors.APIError, ValueError) as e:
        logger.debug(f'cannot count the volumes of {of.name}: {e}')
        return None


def remove_watcher(watcher):
    """Remove a watcher, not the volumes it mounts (they are the build's)."""
    force_remove(watcher, volumes=False)


def force_remove(container, *, volumes):
    """Stop and remove a container; a container already gone is fine.

    :param volumes: remove its anonymous volumes as well
    """
    try:
        container.remove(force=True, v=volumes)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as e:
        if 'already in progress' not in str(e):
            logger.warning(f'could not remove container: {e}')
