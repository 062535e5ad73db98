# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Trees into and out of containers as tar archives, safely.

Inputs for an engine that shares no filesystem with the host travel as one
archive (:func:`upload_archive`); every output comes back as an archive
(:func:`copy_out`, :func:`extract_download`) whose names, links and modes
are never trusted.
"""

import io
import os
from pathlib import Path
import shutil
import tarfile
import tempfile

from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.memory_budget import format_size
import docker.errors

#: what a copy out of a container leaves free on the host's disk at least
MIN_FREE = 2 * 2 ** 30
#: how often (in bytes copied) the free space is looked at
FREE_CHECK_EVERY = 64 * 2 ** 20


def upload_archive(uploads):
    """Return one tar archive (bytes) holding every upload, rooted at /."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        for upload in uploads:
            top = upload.container_path.strip('/')
            info = tarfile.TarInfo(top)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755 if upload.files is None else 0o700
            tar.addfile(info)
            for name, data in sorted((upload.files or {}).items()):
                member = tarfile.TarInfo(f'{top}/{name}')
                member.size, member.mode = len(data), 0o600
                tar.addfile(member, io.BytesIO(data))
            root = Path(upload.host_path or '/nonexistent')
            if upload.files is not None or not root.is_dir():
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


def copy_out(container, download, *, min_free=MIN_FREE):
    """Copy a :class:`Download` out of an ended container, safely.

    A directory the container never made is nothing to copy.  The copy
    stops with an error once it comes to more than the download's limit,
    or would leave less than `min_free` bytes (and room to extract it) on
    the host's disk: what a container writes, sparse or not, never fills
    the host.

    :raises DebDockerError: when the engine refuses the copy, or it is
      over a bound
    """
    host_path = Path(download.host_path)
    host_path.parent.mkdir(parents=True, exist_ok=True)
    # beside the target, not in /tmp (a tmpfs in memory on many hosts)
    with tempfile.TemporaryFile(dir=host_path.parent) as data:
        try:
            stream, _ = container.get_archive(download.container_path)
            try:
                _write_bounded(stream, data, download=download,
                               min_free=min_free)
            except DebDockerError:
                _abandon(stream)
                raise
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as e:
            raise DebDockerError(
                f'cannot copy {download.container_path} out of the '
                f'container: {e}') from None
        data.seek(0)
        extract_download(data, download.host_path)


def _abandon(stream):
    """Close the engine's connection under an archive stream left unread.

    Until it is closed, the engine goes on sending the archive and holds
    the container: removing it waited for the client's timeout (60 s).
    The Docker SDK's stream is a generator over the HTTP response, which
    closing the generator leaves open.
    """
    frame = getattr(stream, 'gi_frame', None)
    response = frame.f_locals.get('response') if frame is not None else None
    if response is not None:
        response.close()
    close = getattr(stream, 'close', None)
    if close is not None:
        close()


def _write_bounded(stream, data, *, download, min_free):
    """Write the chunks of `stream` to `data` within the download's bounds.

    :raises DebDockerError: over a bound (the rest is never read)
    """
    written = 0
    checked = 0
    for chunk in stream:
        written += len(chunk)
        if download.limit is not None and written > download.limit:
            raise DebDockerError(
                f'the outputs in {download.container_path} come to more '
                f'than {format_size(download.limit)} (--max-output): a '
                'runaway or sparse file? Nothing of them was taken')
        if written - checked >= FREE_CHECK_EVERY:
            checked = written
            free = shutil.disk_usage(Path(download.host_path).parent).free
            # as much again to extract it, and min_free left after that
            if free < written + min_free:
                raise DebDockerError(
                    f'the outputs in {download.container_path} came to '
                    f'{format_size(written)} and would leave less than '
                    f'{format_size(min_free)} free on the host: nothing of '
                    'them was taken')
        data.write(chunk)
