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
import docker.errors


def upload_archive(uploads):
    """Return one tar archive (bytes) holding every upload, rooted at /."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        for upload in uploads:
            top = upload.container_path.strip('/')
            info = tarfile.TarInfo(top)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755 if upload.files is None else 0o700
            if upload.owner:
                info.uid, info.gid = upload.owner
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


def copy_out(container, download):
    """Copy a :class:`Download` out of an ended container, safely.

    A directory the container never made is nothing to copy.
    """
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
