"""What comes back from a container: plain files, never more."""

import io
import os
import shutil
import stat
import tarfile
from types import SimpleNamespace

from colcon_deb_docker.container_archives import copy_out
from colcon_deb_docker.container_archives import extract_download
from colcon_deb_docker.container_spec import Download
from colcon_deb_docker.errors import DebDockerError
import pytest


def _archive(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        for name, kind, mode, data in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mode = mode
            if kind == tarfile.SYMTYPE:
                info.linkname = '/etc/shadow'
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def test_only_plain_readable_files_inside_the_target(tmp_path):
    data = _archive([
        ('out', tarfile.DIRTYPE, 0o700, None),
        ('out/pkg.deb', tarfile.REGTYPE, 0o4755, b'deb'),
        ('out/secret', tarfile.REGTYPE, 0o600, b'cache'),
        ('out/link', tarfile.SYMTYPE, 0o777, None),
        ('out/fifo', tarfile.FIFOTYPE, 0o666, None),
        ('out/../../escape', tarfile.REGTYPE, 0o644, b'x'),
    ])
    old = os.umask(0o077)
    try:
        extract_download(data, tmp_path / 'target')
    finally:
        os.umask(old)
    target = tmp_path / 'target'
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert sorted(p.name for p in target.iterdir()) == ['pkg.deb', 'secret']
    deb = (target / 'pkg.deb').stat().st_mode
    assert not deb & (stat.S_ISUID | stat.S_ISGID)
    assert stat.S_IMODE(deb) == 0o755
    # readable by a later container's build user, whatever the umask
    assert stat.S_IMODE((target / 'secret').stat().st_mode) == 0o644
    assert not (tmp_path / 'escape').exists()


class _Container:
    """Stands in for an ended container whose output streams `chunks`."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.read = 0
        self.response = SimpleNamespace(closed=False)

    def get_archive(self, path):
        # like the Docker SDK's: a generator over the HTTP response
        def stream(response):
            for chunk in self.chunks:
                self.read += len(chunk)
                yield chunk

        def close():
            self.response.closed = True

        self.response.close = close
        return stream(self.response), {}


def _endless(size):
    while True:  # a sparse file of any size costs the container nothing
        yield bytes(size)


def test_a_copy_stops_at_its_limit_and_keeps_nothing(tmp_path):
    container = _Container(_endless(2 ** 20))
    target = tmp_path / 'debs'
    with pytest.raises(DebDockerError, match=(
            r'the outputs in /colcon-deb/out come to more than 64 MiB '
            r'\(--max-output\)')):
        copy_out(container, Download('/colcon-deb/out', str(target),
                                     limit=64 * 2 ** 20))
    assert container.read <= 65 * 2 ** 20
    # the engine's connection closed: it holds the container until then
    assert container.response.closed
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left


def test_a_copy_stops_before_the_hosts_disk_is_full(tmp_path, monkeypatch):
    def disk_usage(path):
        return SimpleNamespace(total=2 ** 40, used=0, free=3 * 2 ** 30)

    monkeypatch.setattr(shutil, 'disk_usage', disk_usage)
    container = _Container(_endless(2 ** 20))
    with pytest.raises(DebDockerError, match=(
            r'came to 1.1 GiB and would leave less than 2.0 GiB free')):
        copy_out(container, Download('/colcon-deb/out', str(
            tmp_path / 'debs')))
    # with the copy and its extraction, less than 2 GiB would be left
    # after the first 1 GiB and 64 MiB (the free space is looked at every
    # 64 MiB)
    assert container.read == 2 ** 30 + 64 * 2 ** 20


def test_a_copy_within_its_bounds_is_extracted(tmp_path):
    container = _Container([_archive([
        ('out', tarfile.DIRTYPE, 0o755, None),
        ('out/pkg.deb', tarfile.REGTYPE, 0o644, b'deb')])])
    copy_out(container, Download('/colcon-deb/out', str(tmp_path / 'debs'),
                                 limit=2 ** 20))
    assert (tmp_path / 'debs' / 'pkg.deb').read_bytes() == b'deb'
