"""Make small real .deb files with dpkg-deb for repository tests."""

import io
import lzma
from pathlib import Path
import subprocess
import tarfile


def make_deb(directory, *, name, version='1.0.0', arch='amd64',
             depends=None, payload=b'hello\n', extra_control=''):
    """Build `name`_`version`_`arch`.deb in `directory` and return its path."""
    directory = Path(directory)
    root = directory / f'{name}-{version}-{arch}'
    (root / 'DEBIAN').mkdir(parents=True)
    (root / 'usr/share' / name).mkdir(parents=True)
    (root / 'usr/share' / name / 'data').write_bytes(payload)
    control = (f'Package: {name}\nVersion: {version}\n'
               f'Architecture: {arch}\nMaintainer: T <t@example.com>\n'
               'Description: test package\n multi-line\n .\n description\n')
    if depends:
        control += f'Depends: {depends}\n'
    control += extra_control
    (root / 'DEBIAN' / 'control').write_text(control)
    deb = directory / f'{name}_{version}_{arch}.deb'
    subprocess.run(
        ['dpkg-deb', '--root-owner-group', '--build', str(root), str(deb)],
        check=True, stdout=subprocess.DEVNULL)
    return deb


def with_data_members(deb, members, *, compression=None):
    """Rewrite `deb` with `members` added to its data, as a crafted .deb.

    dpkg-deb never makes such members from a tree a build user owns (a
    device node, another owner), but a build can write any bytes: so the
    archive is written here, an ar of debian-binary, the control archive
    unchanged and an uncompressed data.tar (which dpkg reads).

    :param members: ``(tarfile.TarInfo, bytes or None)`` pairs
    :param compression: None (data.tar), 'xz' or 'zst'
    """
    parts = dict(_ar_members(Path(deb).read_bytes()))
    data_name = next(n for n in parts if n.startswith('data.tar'))
    old_data = parts.pop(data_name)
    if data_name.endswith('.zst'):
        old_data = subprocess.run(['zstd', '-q', '-d', '-c'], input=old_data,
                                  stdout=subprocess.PIPE, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(old_data)) as old:
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode='w',
                          format=tarfile.GNU_FORMAT) as new:
            for member in old.getmembers():
                new.addfile(member, old.extractfile(member)
                            if member.isreg() else None)
            for member, content in members:
                if content is not None:
                    member.size = len(content)
                new.addfile(member, io.BytesIO(content)
                            if content is not None else None)
    data = data.getvalue()
    data_name = 'data.tar'
    if compression == 'xz':
        data, data_name = lzma.compress(data), 'data.tar.xz'
    elif compression == 'zst':
        data = subprocess.run(['zstd', '-q', '-c'], input=data,
                              stdout=subprocess.PIPE, check=True).stdout
        data_name = 'data.tar.zst'
    control_name = next(n for n in parts if n.startswith('control.tar'))
    out = [b'!<arch>\n']
    for name, content in (('debian-binary', parts['debian-binary']),
                          (control_name, parts[control_name]),
                          (data_name, data)):
        out.append(f'{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}'
                   f'{len(content):<10}`\n'.encode())
        out.append(content + (b'\n' if len(content) % 2 else b''))
    Path(deb).write_bytes(b''.join(out))
    return deb


def _ar_members(raw):
    """Yield (name, bytes) of the members of an ar archive."""
    assert raw.startswith(b'!<arch>\n')
    offset = 8
    while offset < len(raw):
        header = raw[offset:offset + 60]
        name = header[:16].decode().strip().rstrip('/')
        size = int(header[48:58].decode())
        yield name, raw[offset + 60:offset + 60 + size]
        offset += 60 + size + (size % 2)
