"""What comes back from a container: plain files, never more."""

import io
import os
import stat
import tarfile

from colcon_deb_docker.container_archives import extract_download


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
