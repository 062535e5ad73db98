# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""A small host-side layer over the Docker SDK for Python.

Containers are described declaratively by a :class:`ContainerSpec` and run by
a :class:`DockerEngine`, which turns the SDK's many exception types into the
typed errors of :mod:`colcon_deb_docker.errors`.  Every container carries the
labels of the run that started it, so a run can always remove what it left.
"""

from collections import deque
from dataclasses import dataclass
from dataclasses import field
import io
import os
from pathlib import Path
import shutil
import tarfile
import tempfile
import threading
import time

from colcon_core.logging import colcon_logger
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import ContainerTimeout
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.errors import EngineUnreachable
from colcon_deb_docker.errors import ImageMissing
import docker
import docker.errors
import docker.types

logger = colcon_logger.getChild(__name__)

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

LOG_TAIL_LINES = 40


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

    def to_docker(self):
        """Return the Docker SDK mount object."""
        return docker.types.Mount(
            target=self.container_path, source=self.name, type='volume',
            read_only=False, labels={LABEL_TOOL: '1'})


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
    #: owner (uid, gid) of the top directory, e.g. a writable output dir
    owner: tuple = None


@dataclass(frozen=True)
class Download:
    """A container directory copied back to the host after the container."""

    container_path: str
    host_path: str


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

    def to_create_kwargs(self):
        """Return the keyword arguments for ``containers.create``.

        The security defaults live here so that no caller can forget them:
        never privileged, no new privileges, all capabilities dropped except
        the ones a spec asks for.
        """
        kwargs = {
            'image': self.image,
            'command': list(self.command),
            'environment': dict(self.environment),
            'mounts': [m.to_docker() for m in self.mounts],
            'network_mode': self.network_mode,
            'labels': {LABEL_TOOL: '1', **self.labels},
            'privileged': False,
            'security_opt': ['no-new-privileges'],
            'cap_drop': ['ALL'],
            'cap_add': list(self.cap_add),
            'detach': True,
        }
        for key in ('name', 'user', 'working_dir', 'platform'):
            value = getattr(self, key)
            if value is not None:
                kwargs[key] = value
        return kwargs


def _reason(exc):
    text = str(exc)
    if 'FileNotFoundError' in text or 'No such file' in text:
        return 'the socket does not exist (is the engine running?)'
    if 'PermissionError' in text or 'permission denied' in text.lower():
        return 'permission denied on the socket'
    if 'Connection refused' in text:
        return 'connection refused'
    return text


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
        if self.base_url.startswith('ssh://') and client is None:
            try:
                import paramiko  # noqa: F401
            except ImportError:
                raise EngineUnreachable(
                    base_url=self.base_url,
                    reason='ssh:// engines need the paramiko module',
                    hint='install it with `pip install '
                         "'colcon-deb-docker[ssh]'`") from None
        try:
            if client is None:
                if base_url:
                    client = docker.DockerClient(base_url=base_url)
                else:
                    client = docker.from_env()
            client.ping()
        except (docker.errors.DockerException, OSError) as e:
            raise EngineUnreachable(
                base_url=self.base_url, reason=_reason(e)) from None
        self.client = client

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
        if spec.uploads:
            try:
                container.put_archive('/', upload_archive(spec.uploads))
            except docker.errors.APIError as e:
                self.remove(container)
                raise DebDockerError(
                    f'cannot copy the inputs into the container: {e}'
                ) from None
        return container

    def run_created(self, container, *, on_line=None, timeout=None):
        """Start a created container, stream its output, wait and remove it.

        Blocking: call it from a worker thread when inside asyncio.

        :param on_line: called with ``(line, is_stderr)`` for each line
        :param timeout: seconds after which the container is killed
        :returns: the complete output lines
        :raises ContainerFailed: on a non-zero exit code
        :raises ContainerTimeout: when the timeout expired
        """
        tail = deque(maxlen=LOG_TAIL_LINES)
        timed_out = threading.Event()
        timer = None

        def kill():
            timed_out.set()
            self.remove(container)

        try:
            stream = self.client.api.attach(
                container.id, stdout=True, stderr=True, stream=True,
                logs=True, demux=True)
            try:
                container.start()
            except docker.errors.NotFound:
                # removed between create and start (an interrupt)
                raise ContainerFailed(
                    name=container.name, exit_code=137,
                    log_tail='removed before it started') from None
            if timeout:
                timer = threading.Timer(timeout, kill)
                timer.daemon = True
                timer.start()
            buffers = [b'', b'']
            for chunks in stream:
                for index, chunk in enumerate(chunks):
                    if not chunk:
                        continue
                    buffers[index] += chunk
                    *lines, buffers[index] = buffers[index].split(b'\n')
                    for line in lines:
                        _emit(line, index, tail, on_line)
            for index, rest in enumerate(buffers):
                if rest:
                    _emit(rest, index, tail, on_line)
            try:
                result = container.wait()
            except docker.errors.NotFound:
                # removed under us (an interrupt): nothing to copy out
                result = {'StatusCode': 137, 'removed': True}
            if timed_out.is_set():
                raise ContainerTimeout(
                    name=container.name, seconds=timeout,
                    log_tail='\n'.join(tail))
            code = result.get('StatusCode', 1)
            if not result.get('removed'):
                for download in getattr(
                        container, 'colcon_deb_downloads', []):
                    self._download(container, download)
            if code != 0:
                raise ContainerFailed(
                    name=container.name, exit_code=code,
                    log_tail='\n'.join(tail),
                    oom_killed=not result.get('removed') and
                    _oom_killed(container))
            return list(tail)
        finally:
            if timer:
                timer.cancel()
            self.remove(container)

    def _download(self, container, download):
        with tempfile.TemporaryFile() as data:
            try:
                stream, _ = container.get_archive(download.container_path)
                for chunk in stream:
                    data.write(chunk)
            except docker.errors.NotFound:
                return
            except docker.errors.APIError as e:
                raise DebDockerError(
                    f'cannot copy {download.container_path} out of the '
                    f'container: {e}') from None
            data.seek(0)
            extract_download(data, download.host_path)

    def run(self, spec, *, on_line=None, timeout=None):
        """Create and run a container to its end (blocking)."""
        return self.run_created(
            self.create(spec), on_line=on_line, timeout=timeout)

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
        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as e:
            if 'already in progress' not in str(e):
                logger.warning(f'could not remove container: {e}')

    def remove_labelled(self, run_id=None, *, label=None, wait=30.0):
        """Remove every container of a run and wait until they are gone.

        :param label: ``key=value``: remove the containers that carry this
          label instead (e.g. every container of one build base)

        Another thread may be removing the same container (Ctrl-C races the
        normal end of a job): keep looking until the engine lists none, so
        that the process never exits while a container still exists.

        :returns: how many containers were found at first
        """
        filters = {'label': label or f'{LABEL_RUN}={run_id}'}
        found = None
        deadline = time.monotonic() + wait
        while True:
            # the low-level list: the high-level one inspects each container
            # afterwards and fails on one removed in between
            ids = [c['Id'] for c in self.client.api.containers(
                all=True, filters=filters)]
            if found is None:
                found = len(ids)
            if not ids or time.monotonic() > deadline:
                return found
            for container_id in ids:
                try:
                    self.client.api.remove_container(container_id, force=True)
                except docker.errors.NotFound:
                    pass
                except docker.errors.APIError as e:
                    if 'already in progress' not in str(e):
                        logger.warning(f'could not remove container: {e}')
            time.sleep(0.2)


def upload_archive(uploads):
    """Return one tar archive (bytes) holding every upload, rooted at /."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        for upload in uploads:
            root = Path(upload.host_path)
            top = upload.container_path.strip('/')
            info = tarfile.TarInfo(top)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            if upload.owner:
                info.uid, info.gid = upload.owner
            tar.addfile(info)
            if not root.is_dir():
                continue
            for path in sorted(root.rglob('*')):
                relative = path.relative_to(root)
                if '__pycache__' in relative.parts:
                    continue
                if upload.exclude and upload.exclude(relative):
                    continue
                member = tar.gettarinfo(str(path), f'{top}/{relative}')
                member.uid = member.gid = 0
                member.uname = member.gname = 'root'
                # readable by the build user, writable by nobody but root
                member.mode = 0o755 if member.isdir() or \
                    member.mode & 0o100 else 0o644
                if member.isreg():
                    with open(path, 'rb') as f:
                        tar.addfile(member, f)
                elif member.isdir() or member.issym():
                    tar.addfile(member)
    return buffer.getvalue()


def extract_download(data, host_path):
    """Extract a `get_archive` tar into `host_path`, safely.

    The archive's top directory is dropped; only regular files and
    directories are taken, with modes 0644/0755 (no setuid, setgid or
    device bit survives; readable by the build user of later containers
    whatever the host's umask), and no member may leave `host_path` (the
    container wrote them: never trust a name or a link from it).

    :param data: the archive, as bytes or a file object
    """
    target = Path(host_path)
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o755)
    if isinstance(data, bytes):
        data = io.BytesIO(data)
    with tarfile.open(fileobj=data) as tar:
        for member in tar:
            parts = Path(member.name).parts[1:]
            if not parts or member.name.startswith('/') or '..' in parts:
                continue
            destination = target.joinpath(*parts)
            if member.isdir():
                destination.mkdir(parents=True, exist_ok=True)
                os.chmod(destination, 0o755)
            elif member.isreg():
                destination.parent.mkdir(parents=True, exist_ok=True)
                tmp = destination.with_name(f'.{destination.name}.part')
                with tar.extractfile(member) as src, open(tmp, 'wb') as dst:
                    shutil.copyfileobj(src, dst)
                # readable by later containers' build user whatever the
                # host's umask; never setuid, setgid or sticky
                os.chmod(tmp, 0o755 if member.mode & 0o100 else 0o644)
                os.replace(tmp, destination)


def _emit(raw, index, tail, on_line):
    line = raw.decode('utf-8', errors='replace').rstrip('\r')
    tail.append(line)
    if on_line is not None:
        on_line(line, index == 1)


def _oom_killed(container):
    """Return whether the engine killed the container for its memory."""
    try:
        container.reload()
    except docker.errors.APIError:
        return False
    return bool(container.attrs.get('State', {}).get('OOMKilled'))
