# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""A small host-side layer over the Docker SDK for Python: the engine.

Containers are described declaratively by a :class:`ContainerSpec`
(:mod:`colcon_deb_docker.container_spec`) and run by a
:class:`DockerEngine`, which turns the SDK's many exception types into the
typed errors of :mod:`colcon_deb_docker.errors`.  Every container carries
the labels of the run that started it, so a run can always remove what it
left.
"""

from collections import deque
import os
import threading
import time

from colcon_core.logging import colcon_logger
from colcon_deb_docker.container_archives import copy_out
from colcon_deb_docker.container_archives import upload_archive
from colcon_deb_docker.container_spec import LABEL_RUN
from colcon_deb_docker.container_spec import Volume
from colcon_deb_docker.errors import ContainerDiskExceeded
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import ContainerTimeout
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.errors import EngineUnreachable
from colcon_deb_docker.errors import ImageMissing
from colcon_deb_docker.memory_budget import format_size
from colcon_deb_docker.progress import parse_progress_line
from colcon_deb_docker.volume_usage import count_named_volumes
from colcon_deb_docker.volume_usage import force_remove
from colcon_deb_docker.volume_usage import VolumeUsage
from colcon_deb_docker.volume_usage import WATCHER_LABEL
import docker
import docker.errors

logger = colcon_logger.getChild(__name__)

LOG_TAIL_LINES = 40
#: how often (seconds) a build's disk use is asked for, at the least: the
#: engine counts it by walking the container's layer (0.1 s for 30,000
#: files here), so a slower count stretches the interval to
#: DISK_CHECK_SHARE times its own length
DISK_CHECK_SECONDS = 10.0
DISK_CHECK_SHARE = 50
#: how many kept volumes one watcher counts (see bound_kept_volumes), and
#: where it mounts them
VOLUMES_A_WATCHER = 100
KEPT_VOLUMES_MOUNT = '/colcon-deb/volumes'
#: the longest line passed on whole (see :func:`_stream_lines`)
MAX_LINE_BYTES = 64 * 1024
#: the most output of one container that goes on to colcon's logs, each of
#: which holds it again (see :class:`LoggedOutput`)
MAX_LOGGED_BYTES = 100 * 1024 * 1024
#: ... and of the helpers' progress lines after that
MAX_PROGRESS_BYTES_AFTER_LIMIT = 1024 * 1024


class LoggedOutput:
    """Pass a container's lines on, up to :data:`MAX_LOGGED_BYTES`.

    Without a bound, a build that prints without end filled the host's
    disk with colcon's logs (four of them hold every line) until it was
    killed.  Beyond it one line says so; the helpers' progress lines still
    pass (they time the steps), up to
    :data:`MAX_PROGRESS_BYTES_AFTER_LIMIT`; the error report's last lines
    are kept apart from this (see :func:`_stream_lines`).
    """

    def __init__(self, on_line):
        """Wrap `on_line`, called with ``(line, is_stderr)``."""
        self._on_line = on_line
        self._left = MAX_LOGGED_BYTES
        self._progress_left = MAX_PROGRESS_BYTES_AFTER_LIMIT
        self._told = False
        #: bytes of output not passed on
        self.left_out = 0

    def __call__(self, line, is_stderr):  # noqa: D102
        # the bytes the logs write (UTF-8), not the characters: a line of
        # three-byte characters counted a third of its size before
        size = (len(line) if line.isascii() else len(line.encode(
            'utf-8', errors='replace'))) + 1
        if not self._told and size <= self._left:
            self._left -= size
            self._on_line(line, is_stderr)
            return
        if not self._told:
            self._told = True
            self._on_line(
                'colcon deb: this container printed more than '
                f'{MAX_LOGGED_BYTES >> 20} MiB: the rest of its output is '
                'left out of the logs', True)
        if size <= self._progress_left and \
                parse_progress_line(line) is not None:
            self._progress_left -= size
            self._on_line(line, is_stderr)
            return
        self.left_out += size


def _reason(exc):
    text = str(exc)
    if 'FileNotFoundError' in text or 'No such file' in text:
        return 'the socket does not exist (is the engine running?)'
    if 'PermissionError' in text or 'permission denied' in text.lower():
        return 'permission denied on the socket'
    if 'Connection refused' in text:
        return 'connection refused'
    return text


def _connect(base_url, shown_url):
    """Return a client of the engine at `base_url` that answered a ping.

    :param shown_url: the engine's address as messages name it
    :raises EngineUnreachable: if the engine does not answer
    """
    if shown_url.startswith('ssh://'):
        try:
            import paramiko  # noqa: F401
        except ImportError:
            raise EngineUnreachable(
                base_url=shown_url,
                reason='ssh:// engines need the paramiko module',
                hint='install it with `pip install '
                     "'colcon-deb-docker[ssh]'`") from None
    try:
        if base_url:
            client = docker.DockerClient(base_url=base_url)
        else:
            client = docker.from_env()
    except (docker.errors.DockerException, OSError) as e:
        if 'Invalid bind address' not in str(e):
            raise EngineUnreachable(
                base_url=shown_url, reason=_reason(e)) from None
        # a mistyped address: starting an engine would not help
        raise EngineUnreachable(
            base_url=shown_url, reason='not an engine address',
            hint='give one like unix:///var/run/docker.sock, '
                 'tcp://HOST:2376 or ssh://USER@HOST') from None
    try:
        client.ping()
    except (docker.errors.DockerException, OSError) as e:
        raise EngineUnreachable(
            base_url=shown_url, reason=_reason(e)) from None
    return client


class DockerEngine:
    """One Docker engine, reached through the Docker SDK for Python."""

    def __init__(self, *, base_url=None, client=None):
        """Connect and ping the engine.

        :param base_url: e.g. ``unix:///var/run/docker.sock``; ``None`` uses
          the environment (``DOCKER_HOST``) like the docker CLI does
        :param client: an existing ``docker.DockerClient`` (for tests)
        :raises EngineUnreachable: if the engine does not answer
        """
        self.base_url = base_url or os.environ.get(
            'DOCKER_HOST', 'unix:///var/run/docker.sock')
        self.client = client or _connect(base_url, self.base_url)
        #: the named volumes of ended containers, to count at the run's
        #: end (see :meth:`bound_kept_volumes`): volume name -> (mount
        #: point, the container's disk bound, the container)
        self.kept_volumes = {}

    def image_id(self, image, *, hint=None):
        """Return the id of a local image, pulling it if it is missing.

        :raises ImageMissing: if it is neither local nor pullable
        """
        try:
            return self.client.images.get(image).id
        except docker.errors.ImageNotFound:
            pass
        except docker.errors.APIError as e:
            raise ImageMissing(image=image, hint=str(e)) from None
        logger.info(f"image '{image}' is not local, trying to pull it")
        try:
            return self.client.images.pull(image).id
        except (docker.errors.DockerException, OSError):
            raise ImageMissing(image=image, hint=hint) from None

    def memory_total(self):
        """Return the memory (bytes) of the machine the engine runs on."""
        try:
            return int(self.client.info()['MemTotal'])
        except (docker.errors.APIError, KeyError, TypeError, ValueError):
            return os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')

    def commit(self, container, *, tag, changes=()):
        """Make image `tag` (repository:tag) of an ended container.

        :param changes: Dockerfile instructions applied to its config
        :raises DebDockerError: when the engine refuses
        """
        repository, _, name = tag.partition(':')
        try:
            container.commit(
                repository=repository, tag=name, changes=list(changes))
        except docker.errors.APIError as e:
            raise DebDockerError(
                f"cannot make image '{tag}': {e.explanation or e}") from None

    def image_labels(self, image):
        """Return the labels of a local image ({} when it has none)."""
        try:
            return self.client.images.get(image).labels or {}
        except docker.errors.ImageNotFound:
            return {}

    def has_image(self, image):
        """Return whether an image exists locally."""
        try:
            self.client.images.get(image)
        except docker.errors.ImageNotFound:
            return False
        return True

    def create(self, spec):
        """Create (not start) the container described by a spec.

        Its uploads are copied in before this returns.
        """
        try:
            container = self.client.containers.create(
                **spec.to_create_kwargs())
        except docker.errors.ImageNotFound:
            raise ImageMissing(image=spec.image) from None
        except docker.errors.APIError as e:
            raise DebDockerError(
                f'the engine refused the container: {e.explanation or e}'
            ) from None
        container.colcon_deb_downloads = list(spec.downloads)
        # (name, path) of the named volumes, which outlive the container
        container.colcon_deb_kept_volumes = [
            (mount.name, mount.container_path) for mount in spec.mounts
            if isinstance(mount, Volume)]
        if spec.uploads:
            try:
                container.put_archive('/', upload_archive(spec.uploads))
            except docker.errors.APIError as e:
                self.remove(container)
                raise DebDockerError(
                    f'cannot copy the inputs into the container: {e}'
                ) from None
        return container

    def disk_used(self, container):
        """Return the bytes a container wrote into its own filesystem.

        The engine's ``SizeRw``: the files of its writable layer at their
        full length (a sparse file counts whole).  None when the engine
        does not say (the container is gone, or the engine has no count).
        """
        try:
            found = self.client.api.containers(
                all=True, size=True, filters={'id': container.id})
        except docker.errors.APIError:
            return None
        for attrs in found:
            if attrs.get('Id') == container.id:
                return attrs.get('SizeRw')
        return None

    def run_created(self, container, *, on_line=None, timeout=None,
                    remove_later=None, on_started=None, max_disk=None,
                    skip_download=None):
        """Start a created container, stream its output, wait and remove it.

        Blocking: call it from a worker thread when inside asyncio.

        :param on_line: called with ``(line, is_stderr)`` for each line
        :param timeout: seconds after which the container is killed
        :param remove_later: called with a function that removes the
          container, once it ended by itself and its outputs are copied
          out; it may run that function in the background, so that the
          engine's removal (0.1-0.3 s) is not part of the build's time.
          None: the container is removed before this returns.
        :param on_started: called with the container once it runs
        :param max_disk: bytes the container may write into its own
          filesystem and its volumes (checked every DISK_CHECK_SECONDS
          while it runs, see :class:`VolumeUsage`); over them it is killed
        :param skip_download: called with each download of the container
          once it ended; true: that one is not copied (the container said
          it has nothing there; each copy costs the engine 0.05 s)
        :returns: the last lines of the output, as an error report has them
        :raises ContainerFailed: on a non-zero exit code
        :raises ContainerTimeout: when the timeout expired
        :raises ContainerDiskExceeded: when it wrote more than max_disk
        """
        tail = deque(maxlen=LOG_TAIL_LINES)
        timed_out = threading.Event()
        timer = None
        ended = False
        # set once the container ended: from then on the disk watch never
        # removes it (its outputs are being copied out)
        stopped = threading.Event()
        stopping = threading.Lock()
        over_disk = []
        # set when something else removed it (an interrupt, the timeout)
        removed = []
        # its volumes (ccache, /opt/ros) count as well as its layer
        volumes = VolumeUsage(client=self.client, container=container) \
            if max_disk else None

        def kill():
            timed_out.set()
            removed.append(True)
            if volumes is not None:
                volumes.close()
            self.remove(container)

        def watch_disk():
            interval = DISK_CHECK_SECONDS
            while not stopped.wait(interval):
                started = time.monotonic()
                used = self.disk_used(container)
                if used is not None:
                    used += volumes.used() or 0
                if used is not None and used > max_disk:
                    with stopping:
                        if stopped.is_set():
                            return
                        over_disk.append(used)
                    volumes.close()
                    self.remove(container)
                    return
                interval = max(DISK_CHECK_SECONDS, DISK_CHECK_SHARE * (
                    time.monotonic() - started))

        try:
            stream = self.client.api.attach(
                container.id, stdout=True, stderr=True, stream=True,
                logs=True, demux=True)
            try:
                container.start()
            except docker.errors.NotFound:
                # removed between create and start (an interrupt)
                removed.append(True)
                raise ContainerFailed(
                    name=container.name, exit_code=137,
                    log_tail='removed before it started') from None
            if timeout:
                timer = threading.Timer(timeout, kill)
                timer.daemon = True
                timer.start()
            if max_disk:
                threading.Thread(
                    target=watch_disk, daemon=True,
                    name=f'disk of {container.name}').start()
            if on_started is not None:
                on_started(container)
            _stream_lines(
                stream, tail,
                LoggedOutput(on_line) if on_line is not None else None)
            try:
                result = container.wait()
            except docker.errors.NotFound:
                # removed under us (an interrupt): nothing to copy out
                result = {'StatusCode': 137, 'removed': True}
                removed.append(True)
            with stopping:
                stopped.set()
            if timed_out.is_set():
                raise ContainerTimeout(
                    name=container.name, seconds=timeout,
                    log_tail='\n'.join(tail))
            if over_disk:
                raise ContainerDiskExceeded(
                    name=container.name, limit=max_disk, used=over_disk[0],
                    log_tail='\n'.join(tail))
            code = result.get('StatusCode', 1)
            if not result.get('removed'):
                for download in getattr(
                        container, 'colcon_deb_downloads', []):
                    if skip_download is None or not skip_download(download):
                        copy_out(container, download)
            if code != 0:
                raise ContainerFailed(
                    name=container.name, exit_code=code,
                    log_tail='\n'.join(tail),
                    oom_killed=not result.get('removed') and
                    _oom_killed(container))
            ended = True
            return list(tail)
        finally:
            stopped.set()
            if timer:
                timer.cancel()
            # killed for its disk use: its volumes were part of it; removed
            # by an interrupt or the timeout: no new container to count them
            within = {'max_disk': max_disk, 'volumes': volumes,
                      'used': over_disk[0] if over_disk else None,
                      'count': not removed}
            if ended and remove_later is not None:
                remove_later(lambda: self._remove_within(container, **within))
            else:
                self._remove_within(container, **within)

    def _remove_within(self, container, *, max_disk, volumes, used, count):
        """Remove an ended container; note or remove what it kept.

        Its named volumes (a package's ccache) outlive it: a build that
        ended before the disk watch's first look, or wrote after its last,
        could have left there what the bound forbids, for good.  They are
        noted, to be counted at the run's end (:meth:`bound_kept_volumes`);
        those of a build killed over `max_disk` go with it.

        :param volumes: the :class:`VolumeUsage` of the disk watch, or None
        :param used: what the disk watch counted when it killed the
          container over `max_disk`, else None
        :param count: whether to count the named volumes (not when the
          container was removed under the run: an interrupt)
        """
        kept = getattr(container, 'colcon_deb_kept_volumes', [])
        if volumes is not None:
            # before the container: its watcher holds all of its volumes
            volumes.close()
        self.remove(container)
        if not kept or volumes is None:
            return
        if used is not None:
            # the build's failure says what it wrote; its cache may hold it
            for name, _ in kept:
                self._remove_volume(name)
            logger.info(f"removed the volumes of '{container.name}' with it "
                        '(--max-disk)')
        elif count:
            for name, path in kept:
                self.kept_volumes[name] = (path, max_disk, container)

    def bound_kept_volumes(self):
        """Count the named volumes the run's builds kept; remove any over.

        Once, at the run's end: a watcher (see :mod:`.volume_usage`) mounts
        them all, read-only, and counts each (0.4 s for 47 volumes).  A volume
        that holds more than its build's ``--max-disk`` is removed, with a
        warning: before, a build whose CMake wrote 300 MB into its ccache
        and ended before the disk watch's first look left them there for
        good, past --max-disk 100m.
        """
        pending, self.kept_volumes = self.kept_volumes, {}
        try:
            self._bound_volumes(pending)
        except (docker.errors.DockerException, OSError) as e:
            # the run's own cleanup comes after this: never in its way
            logger.warning(f'could not count the volumes the builds kept: {e}')

    def _bound_volumes(self, pending):
        names = sorted(pending)
        for start in range(0, len(names), VOLUMES_A_WATCHER):
            part = names[start:start + VOLUMES_A_WATCHER]
            mounts = {name: f'{KEPT_VOLUMES_MOUNT}/{index}'
                      for index, name in enumerate(part)}
            sizes = count_named_volumes(
                self.client, of=pending[part[0]][2],
                volumes=sorted(mounts.items()))
            for name in part:
                used = (sizes or {}).get(mounts[name])
                path, bound, container = pending[name]
                if used is None or used <= bound:
                    continue
                self._remove_volume(name)
                logger.warning(
                    f"container '{container.name}' left {format_size(used)} "
                    f'in its volume {path}, more than {format_size(bound)} '
                    '(--max-disk): the volume was removed')

    def _remove_volume(self, name, *, wait=30.0):
        # the container that used it may still be on its way out (the disk
        # watch's removal under way): "volume is in use" until it is gone
        deadline = time.monotonic() + wait
        while True:
            try:
                self.client.api.remove_volume(name)
                return
            except docker.errors.NotFound:
                return
            except docker.errors.APIError as e:
                if e.status_code != 409 or time.monotonic() > deadline:
                    logger.warning(f'could not remove the volume {name}: {e}')
                    return
            time.sleep(0.2)

    def run(self, spec, *, on_line=None, timeout=None, max_disk=None):
        """Create and run a container to its end (blocking)."""
        return self.run_created(
            self.create(spec), on_line=on_line, timeout=timeout,
            max_disk=max_disk)

    def disconnect_networks(self, container):
        """Disconnect a running container from every network it is on.

        What is left is the loopback interface: the container keeps running
        with no network at all (used by --isolate-network after the build
        dependencies are installed).
        """
        container.reload()
        networks = container.attrs['NetworkSettings']['Networks'] or {}
        for name in networks:
            self.client.networks.get(name).disconnect(container, force=True)
        return sorted(networks)

    def remove(self, container):
        """Stop and remove a container; a container already gone is fine."""
        force_remove(container, volumes=True)

    def remove_labelled(self, run_id=None, *, label=None, wait=30.0):
        """Remove every container of a run (see :func:`remove_labelled`)."""
        return remove_labelled(
            self.client, label=label or f'{LABEL_RUN}={run_id}', wait=wait)


def remove_labelled(client, *, label, wait=30.0):
    """Remove every container that carries a label; wait until all are gone.

    :param label: ``key=value``, e.g. the run's or the build base's label

    Another thread may be removing the same container (Ctrl-C races the
    normal end of a job): keep looking until the engine lists none, so
    that the process never exits while a container still exists.

    :returns: how many containers were found at first
    """
    filters = {'label': label}
    found = None
    deadline = time.monotonic() + wait
    while True:
        # the low-level list: the high-level one inspects each container
        # afterwards and fails on one removed in between
        # volume watchers first: one still there keeps the engine from
        # removing the anonymous volume of the container it counts for
        ids = [c['Id'] for c in sorted(
            client.api.containers(all=True, filters=filters),
            key=lambda c: WATCHER_LABEL not in (c.get('Labels') or {}))]
        if found is None:
            found = len(ids)
        if not ids or time.monotonic() > deadline:
            return found
        for container_id in ids:
            try:
                client.api.remove_container(container_id, force=True, v=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as e:
                if 'already in progress' not in str(e):
                    logger.warning(f'could not remove container: {e}')
        time.sleep(0.2)


def _stream_lines(stream, tail, on_line):
    """Split the (stdout, stderr) chunk pairs of `stream` in lines.

    Each line goes to ``on_line(line, is_stderr)``, and to `tail` as
    :func:`tail_line` has it.  A line longer than :data:`MAX_LINE_BYTES`
    goes on in pieces of that size: the pieces of an unfinished line are
    kept apart and joined once, so a build that prints a hundred megabytes
    without a newline costs the host the time of its bytes, not their
    square, and never holds more than a piece of it.
    """
    pending = [[], []]
    sizes = [0, 0]
    for chunks in stream:
        for index, chunk in enumerate(chunks):
            if not chunk:
                continue
            *lines, rest = chunk.split(b'\n')
            for line in lines:
                if pending[index]:
                    line = b''.join(pending[index]) + line
                    pending[index], sizes[index] = [], 0
                _emit_pieces(line, index, tail, on_line)
            if rest:
                pending[index].append(rest)
                sizes[index] += len(rest)
            if sizes[index] >= MAX_LINE_BYTES:
                rest = b''.join(pending[index])
                cut = len(rest) - len(rest) % MAX_LINE_BYTES
                _emit_pieces(rest[:cut], index, tail, on_line)
                pending[index] = [rest[cut:]] if rest[cut:] else []
                sizes[index] = len(rest) - cut
    for index, pieces in enumerate(pending):
        if pieces:
            _emit_pieces(b''.join(pieces), index, tail, on_line)


def _emit_pieces(raw, index, tail, on_line):
    for start in range(0, max(len(raw), 1), MAX_LINE_BYTES):
        _emit(raw[start:start + MAX_LINE_BYTES], index, tail, on_line)


def _emit(raw, index, tail, on_line):
    line = raw.decode('utf-8', errors='replace').rstrip('\r')
    for_tail = tail_line(line)
    if for_tail is not None:
        tail.append(for_tail)
    if on_line is not None:
        on_line(line, index == 1)


def tail_line(line):
    """Return how a line of output reads in an error report, or None.

    The tail of a failed container is shown to people.  Progress lines
    are events for the status line, JSON that nobody should have to read
    there; only a step that failed says something worth a line, in words.
    """
    event = parse_progress_line(line)
    if event is None:
        return line
    if event.status != 'failed':
        return None
    return f'{event.step} failed' + (
        f': {event.message}' if event.message else '')


def _oom_killed(container):
    """Return whether the engine killed the container for its memory."""
    try:
        container.reload()
    except docker.errors.APIError:
        return False
    return bool(container.attrs.get('State', {}).get('OOMKilled'))
